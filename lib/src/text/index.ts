/**
 * Chapter 1, text: normalisation, pre-tokenization, the WordPiece tokenizer and its trainer,
 * encodings for models (batches, pairs, masks, word ids) and the Hugging Face tokenizer files.
 */
export {
  cleanText, isCjkCodePoint, hasCjk, padCjkChars, stripAccents, normalizeText, checkNormalizerOptions,
  type NormalizerOptions, DEFAULT_NORMALIZER,
} from "./normalize";
export { isBertPunctuation, preTokenize, splitOnSpecialTokens, type TextSection } from "./pretokenize";
export {
  truncatedLengths, type TokenEncoding, type TokenBatch, type TruncationStrategy, type Side,
  type TruncationConfig, type PaddingConfig, type TemplatePiece, type PostProcessorTemplate,
  type SequencePieces,
} from "./encoding";
export {
  wordPieceSplit, type WordPieceSplitOptions, type SpecialTokenNames, BERT_SPECIAL_TOKENS,
  type WordPieceConfig, type EncodeOptions, type DecodeOptions, type TextPair, WordPieceTokenizer,
} from "./wordpiece";
export {
  countWords, trainWordPiece, trainWordPieceFromCounts, type MergeScoring, type WordPieceTrainerOptions,
  type TrainerProgress, type MergeStep, type WordPieceTraining,
} from "./wordpiece-trainer";
export {
  toTokenizerJson, tokenizerJsonText, toTokenizerConfigJson, fromTokenizerJson, parseTokenizerJson,
  type AddedTokenJson, type BertNormalizerJson, type NormalizerJson, type TemplatePieceJson,
  type TemplateProcessingJson, type TruncationJson, type PaddingJson, type WordPieceModelJson,
  type TokenizerJson, type TokenizerConfigJson,
} from "./tokenizer-json";
export { saveTokenizer, loadTokenizer } from "./io";
