/**
 * Domain-adaptive pretraining: a pretrained checkpoint trained further, with the same masked-LM
 * objective and the same tokenizer, on text of the domain it will be fine-tuned for (a real
 * shop's product titles and descriptions instead of the generated shop's). The tokenizer is kept:
 * a new vocabulary would make the pretrained embeddings meaningless; how well the old pieces fit
 * the new text shows in the pieces per word, reported before and after.
 */
import { loadMaskedLanguageModel, type Checkpoint } from "../model/checkpoint";
import type { MaskedLanguageModel } from "../model/mlm-head";
import type { WordPieceTokenizer } from "../text/wordpiece";
import { encodeWindows, specialTokenIds } from "./course-model";
import { evaluateMlmAsync, pretrain, type EvalInfo, type StepInfo } from "./pretrain";

export interface DomainAdaptationOptions {
  readonly steps: number;
  readonly batchSize?: number;
  /** Tokens per window (default the checkpoint's maxPositions); long texts become several windows. */
  readonly maxLength?: number;
  /** Every `heldOutEvery`-th text is held out to measure the perplexity (default 20). */
  readonly heldOutEvery?: number;
  readonly learningRate?: number;
  readonly seed?: number;
  readonly onStep?: (info: StepInfo) => void;
}

export interface DomainAdaptation {
  readonly model: MaskedLanguageModel;
  /** Held-out masked-LM metrics of the checkpoint as it was, and after the extra steps (same masks). */
  readonly before: EvalInfo;
  readonly after: EvalInfo;
  readonly trainTexts: number;
  readonly heldOutTexts: number;
  /** WordPiece tokens per whitespace word of the domain text: how well the vocabulary fits it. */
  readonly piecesPerWord: number;
  readonly seconds: number;
}

export async function adaptToDomain(base: Checkpoint, tokenizer: WordPieceTokenizer, texts: readonly string[], options: DomainAdaptationOptions): Promise<DomainAdaptation> {
  if (base.manifest.model !== "mlm") throw new Error(`adaptToDomain: checkpoint ${base.dir} has no MLM head; domain-adaptive pretraining continues the masked-LM objective.`);
  const every = options.heldOutEvery ?? 20;
  const cleaned = texts.map((t) => t.trim()).filter((t) => t !== "");
  if (cleaned.length < 2 * every) throw new Error(`adaptToDomain: ${cleaned.length} non-empty texts; at least ${2 * every} are needed to hold every ${every}th out.`);
  const train = cleaned.filter((_, i) => i % every !== every - 1);
  const heldOutTexts = cleaned.filter((_, i) => i % every === every - 1);
  const maxLength = Math.min(options.maxLength ?? base.config.maxPositions, base.config.maxPositions);
  const trainSeqs = encodeWindows(tokenizer, train, maxLength);
  const heldOut = encodeWindows(tokenizer, heldOutTexts, maxLength);
  let words = 0;
  let pieces = 0;
  for (const t of cleaned.slice(0, 2000)) {
    words += t.split(/\s+/).filter(Boolean).length;
    pieces += tokenizer.encode(t, null, { addSpecialTokens: false }).inputIds.length;
  }
  const special = specialTokenIds(tokenizer);
  const batchSize = options.batchSize ?? 32;
  const seed = options.seed ?? 0;
  const evaluation = { batchSize, maxLength, masking: { vocabSize: tokenizer.vocabSize, special }, seed: seed + 1, maxBatches: 32 };
  const model = loadMaskedLanguageModel(base);
  const started = performance.now();
  try {
    const before = await evaluateMlmAsync(model, heldOut, evaluation);
    await pretrain(model, { train: trainSeqs }, { steps: options.steps, batchSize, maxLength, special, seed, learningRate: options.learningRate ?? 5e-4, decay: "linear", onStep: options.onStep, workers: 1 });
    const after = await evaluateMlmAsync(model, heldOut, { ...evaluation, step: options.steps });
    return { model, before, after, trainTexts: train.length, heldOutTexts: heldOutTexts.length, piecesPerWord: pieces / Math.max(1, words), seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    model.params.dispose();
    throw error;
  }
}
