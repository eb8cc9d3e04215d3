/**
 * Prefix tuning (Li and Liang 2021): each layer gets `length` trainable key and value vectors that
 * every token attends to before the real tokens, steering the frozen encoder without changing it.
 * The prefixes are the keys and values themselves (no reparameterisation network).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/random";
import type { Encoder } from "../model/encoder";
import { Parameters, truncatedNormalValues } from "../model/parameters";
import type { FineTuneMethod } from "./method";

export interface PrefixTuningOptions {
  /** Prefix vectors per layer. */
  readonly length: number;
  /** Standard deviation of the initial prefixes (default: the encoder's initializer range). */
  readonly initStd?: number;
  readonly seed?: number;
}

export class PrefixTuning implements FineTuneMethod {
  readonly name = "prefix" as const;
  readonly trainsEncoder = false;
  readonly encoderDropout = true;
  readonly params: Parameters;

  constructor(
    encoder: Encoder,
    readonly options: PrefixTuningOptions
  ) {
    const n = options.length;
    if (!Number.isInteger(n) || n < 1) throw new Error(`PrefixTuning: length must be a positive integer, got ${n}.`);
    const d = encoder.config.hiddenSize;
    const std = options.initStd ?? encoder.config.initializerRange;
    const rng = new Rng(options.seed ?? 0);
    this.params = new Parameters("prefix");
    for (let l = 0; l < encoder.config.layers; l++) {
      this.params.add(`prefix.layer_${l}.key`, truncatedNormalValues(n * d, std, rng), [n, d]);
      this.params.add(`prefix.layer_${l}.value`, truncatedNormalValues(n * d, std, rng), [n, d]);
    }
  }

  readonly hooks = {
    keyValuePrefix: (layer: number) => ({
      key: this.params.get(`prefix.layer_${layer}.key`) as tf.Tensor2D,
      value: this.params.get(`prefix.layer_${layer}.value`) as tf.Tensor2D,
    }),
  };

  dispose(): void {
    this.params.dispose();
  }
}

export function prefixTuning(encoder: Encoder, options: PrefixTuningOptions): PrefixTuning {
  return new PrefixTuning(encoder, options);
}
