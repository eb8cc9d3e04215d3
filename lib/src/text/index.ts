/**
 * Chapter 1, text: normalisation, pre-tokenization, the WordPiece tokenizer and its trainer,
 * encodings for models (batches, pairs, masks, word ids) and the Hugging Face tokenizer files.
 */
export * from "./normalize";
export * from "./pretokenize";
export * from "./encoding";
export * from "./wordpiece";
export * from "./wordpiece-trainer";
export * from "./tokenizer-json";
export * from "./io";
