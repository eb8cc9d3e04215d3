/**
 * Full fine-tuning: every weight of the encoder trains with the head. With layer-wise learning-rate
 * decay (Howard and Ruder 2018; Clark et al. 2020), layer i of L gets the rate times decay^(L - i)
 * and the embeddings decay^(L + 1): lower layers, which hold more general features, move less.
 */
import type { EncoderConfig } from "../model/config";
import type { FineTuneMethod } from "./method";

export interface FullFineTuningOptions {
  /** Layer-wise learning-rate decay in (0, 1]; none (every weight at the same rate) when left out. */
  readonly layerDecay?: number;
}

/** The learning-rate factor of a weight under layer-wise decay (task-head weights: 1). */
export function layerDecayScale(name: string, config: EncoderConfig, decay: number): number {
  const L = config.layers;
  if (name.startsWith("embeddings.")) return decay ** (L + 1);
  const m = /^encoder\.layer_(\d+)\./.exec(name);
  if (m) return decay ** (L - Number(m[1]));
  return 1;
}

export function fullFineTuning(config: EncoderConfig, options: FullFineTuningOptions = {}): FineTuneMethod {
  const decay = options.layerDecay;
  if (decay !== undefined && !(decay > 0 && decay <= 1)) throw new Error(`fullFineTuning: layerDecay must be in (0, 1], got ${decay}.`);
  return {
    name: "full",
    trainsEncoder: true,
    params: null,
    encoderDropout: true,
    learningRateScale: decay === undefined ? undefined : (name) => layerDecayScale(name, config, decay),
    dispose() {},
  };
}
