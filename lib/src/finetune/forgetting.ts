/**
 * What fine-tuning costs the encoder's language modelling ("catastrophic forgetting"): the base
 * checkpoint's masked-LM head put back on the fine-tuned encoder (its weights after full
 * fine-tuning; the frozen weights plus the method's hooks for LoRA, adapters, prefixes), and the
 * held-out masked-LM perplexity measured as chapter 1 measures it. A method that leaves the
 * encoder's weights frozen can still change what its layers compute, so it is measured too.
 */
import { loadMaskedLanguageModel, type Checkpoint } from "../model/checkpoint";
import { encoderSpecs, type Encoder } from "../model/encoder";
import type { TokenSequence } from "../train/batches";
import { evaluateMlmAsync, type EvalInfo } from "../train/pretrain";
import type { SpecialTokens } from "../train/masking";
import type { FineTuneMethod } from "./method";
import { TYPE_TABLE } from "./match-channel";

export interface ForgettingOptions {
  readonly sequences: readonly TokenSequence[];
  readonly special: SpecialTokens;
  readonly vocabSize: number;
  readonly maxLength: number;
  readonly batchSize?: number;
  /** Masks drawn from this seed: the same masked positions for every model compared. */
  readonly seed?: number;
  readonly maxBatches?: number;
}

/**
 * Held-out masked-LM metrics of a fine-tuned encoder (with its method's hooks) under the base
 * checkpoint's MLM head; without `trained`, of the base model itself.
 */
export async function fineTunedMlm(base: Checkpoint, trained: { readonly encoder: Encoder; readonly method: FineTuneMethod } | null, options: ForgettingOptions): Promise<EvalInfo> {
  if (base.manifest.model !== "mlm") throw new Error(`fineTunedMlm: base checkpoint ${base.dir} has no MLM head to measure with.`);
  const mlm = loadMaskedLanguageModel(base);
  try {
    if (trained?.method.trainsEncoder) {
      const specs = encoderSpecs(base.config);
      const weights = trained.encoder.params.snapshot();
      // A match-channel encoder has two more segment rows; single texts use row 0 only, so keep the base's rows.
      const types = specs.find((s) => s.name === TYPE_TABLE);
      const table = weights.get(TYPE_TABLE);
      if (types && table && table.shape[0] > types.shape[0]) weights.set(TYPE_TABLE, { shape: types.shape.slice(), values: table.values.slice(0, types.shape[0] * types.shape[1]) });
      mlm.params.load(weights, { only: specs.map((s) => s.name), allowExtra: true, source: "the fine-tuned encoder" });
    }
    return await evaluateMlmAsync(mlm, options.sequences, {
      batchSize: options.batchSize ?? 32,
      maxLength: options.maxLength,
      masking: { vocabSize: options.vocabSize, special: options.special },
      seed: options.seed ?? 0,
      maxBatches: options.maxBatches,
      hooks: trained?.method.hooks,
    });
  } finally {
    mlm.params.dispose();
  }
}
