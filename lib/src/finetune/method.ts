/**
 * What a fine-tuning method is: which weights train (the encoder's, a few of its own, or only the
 * task head's), the hooks by which its own weights enter the encoder, and how it counts them.
 */
import type * as tf from "@tensorflow/tfjs";
import type { EncoderHooks } from "../model/hooks";
import type { Parameters } from "../model/parameters";

export type MethodName = "probe" | "full" | "adapter" | "lora" | "prefix" | "adalora";

export interface FineTuneMethod {
  readonly name: MethodName;
  /** Whether the encoder's own weights are updated (full fine-tuning); otherwise they stay bit for bit. */
  readonly trainsEncoder: boolean;
  /** The method's own weights (LoRA factors, adapters, prefixes); null when it adds none. */
  readonly params: Parameters | null;
  /** How those weights enter the encoder's forward pass. */
  readonly hooks?: EncoderHooks;
  /** Dropout inside the encoder while training (off for a probe: the encoder is a fixed feature extractor). */
  readonly encoderDropout: boolean;
  /** A learning-rate factor per weight name (layer-wise decay); default 1. */
  readonly learningRateScale?: (name: string) => number;
  /** A penalty added to the training loss (AdaLoRA's orthogonality). */
  regularizer?(): tf.Scalar;
  /** Called after every optimizer update (AdaLoRA's rank allocation); awaited before the next step. */
  afterStep?(step: number): void | Promise<void>;
  /** State beyond `params` that a fine-tuned checkpoint must keep (AdaLoRA's rank masks), as plain numbers. */
  exportState?(): Record<string, number[]>;
  /** Puts back what `exportState` gave (loading a fine-tuned checkpoint). */
  restoreState?(state: Readonly<Record<string, readonly number[]>>): void;
  /** Free the method's own weights (never the encoder's). */
  dispose(): void;
}

/** Scalars in the given parameter sets: the trainable-parameter count, from the tensors themselves. */
export function countScalars(sets: readonly Parameters[]): number {
  return sets.reduce((n, s) => n + s.count(), 0);
}
