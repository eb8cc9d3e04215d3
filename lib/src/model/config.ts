/**
 * The encoder's sizes (a BERT-style transformer encoder) and its parameter count.
 */
import type { Profile } from "../core/profile";

export interface EncoderConfig {
  /** Token ids are 0 .. vocabSize-1. */
  readonly vocabSize: number;
  /** Width of every token vector (d_model). */
  readonly hiddenSize: number;
  /** Number of transformer layers. */
  readonly layers: number;
  /** Attention heads per layer; hiddenSize must be a multiple of it. */
  readonly heads: number;
  /** Width of the feed-forward layer inside each transformer layer (usually 4 * hiddenSize). */
  readonly intermediateSize: number;
  /** Longest sequence the position embeddings cover. */
  readonly maxPositions: number;
  /** Segment ids for sentence pairs (0 = first text, 1 = second); 2 in BERT. */
  readonly typeVocabSize: number;
  /** Dropout on embeddings, attention output and feed-forward output (training only). */
  readonly dropout: number;
  /** Dropout on the attention weights (training only). */
  readonly attentionDropout: number;
  readonly layerNormEps: number;
  /** Standard deviation of the (truncated) normal initialisation of weight matrices. */
  readonly initializerRange: number;
}

export const DEFAULT_ENCODER_CONFIG: Omit<EncoderConfig, "vocabSize"> = {
  hiddenSize: 128,
  layers: 2,
  heads: 4,
  intermediateSize: 512,
  maxPositions: 64,
  typeVocabSize: 2,
  dropout: 0.1,
  attentionDropout: 0.1,
  layerNormEps: 1e-12,
  initializerRange: 0.02,
};

function positiveInteger(config: EncoderConfig, key: keyof EncoderConfig): void {
  const value = config[key];
  if (!Number.isInteger(value) || value < 1) throw new Error(`EncoderConfig.${key}: expected a positive integer, got ${value}.`);
}

/** Throws on sizes that cannot make an encoder, saying which value and why. */
export function validateEncoderConfig(config: EncoderConfig): EncoderConfig {
  for (const key of ["vocabSize", "hiddenSize", "layers", "heads", "intermediateSize", "maxPositions", "typeVocabSize"] as const) {
    positiveInteger(config, key);
  }
  if (config.hiddenSize % config.heads !== 0) {
    throw new Error(`EncoderConfig: hiddenSize ${config.hiddenSize} is not a multiple of heads ${config.heads} (each head gets hiddenSize / heads dimensions).`);
  }
  for (const key of ["dropout", "attentionDropout"] as const) {
    const p = config[key];
    if (!(p >= 0 && p < 1)) throw new Error(`EncoderConfig.${key}: expected a probability in [0, 1), got ${p}.`);
  }
  if (!(config.layerNormEps > 0)) throw new Error(`EncoderConfig.layerNormEps: expected a positive number, got ${config.layerNormEps}.`);
  if (!(config.initializerRange > 0)) throw new Error(`EncoderConfig.initializerRange: expected a positive number, got ${config.initializerRange}.`);
  return config;
}

/** A full config from the vocabulary size and any sizes to change from the defaults. */
export function encoderConfig(options: Partial<EncoderConfig> & { vocabSize: number }): EncoderConfig {
  const known = new Set<string>(["vocabSize", ...Object.keys(DEFAULT_ENCODER_CONFIG)]);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`encoderConfig: unknown option(s) ${unknown.join(", ")}; known: ${[...known].join(", ")}.`);
  return validateEncoderConfig(Object.freeze({ ...DEFAULT_ENCODER_CONFIG, ...options }));
}

/** The course profile's model sizes (fast or full) as an encoder config. */
export function encoderConfigFromProfile(profile: Profile, overrides: Partial<EncoderConfig> = {}): EncoderConfig {
  const m = profile.model;
  return encoderConfig({
    vocabSize: m.vocabSize,
    hiddenSize: m.hiddenSize,
    layers: m.layers,
    heads: m.heads,
    intermediateSize: m.intermediateSize,
    maxPositions: m.maxLength,
    ...overrides,
  });
}

export interface ParameterCount {
  readonly embeddings: number;
  /** All transformer layers together. */
  readonly layers: number;
  readonly perLayer: number;
  /** The MLM head's own parameters (its output matrix is the tied word embedding table). */
  readonly mlmHead: number;
  /** Encoder only. */
  readonly encoder: number;
  /** Encoder plus MLM head. */
  readonly total: number;
}

/** Parameters by part, counted from the sizes (the model's variables give the same numbers, tested). */
export function countParameters(config: EncoderConfig): ParameterCount {
  const d = config.hiddenSize;
  const ff = config.intermediateSize;
  const embeddings = (config.vocabSize + config.maxPositions + config.typeVocabSize) * d + 2 * d;
  const attention = 4 * (d * d + d) + 2 * d;
  const feedForward = d * ff + ff + ff * d + d + 2 * d;
  const perLayer = attention + feedForward;
  const layers = perLayer * config.layers;
  const mlmHead = d * d + d + 2 * d + config.vocabSize;
  const encoder = embeddings + layers;
  return { embeddings, layers, perLayer, mlmHead, encoder, total: encoder + mlmHead };
}

/**
 * Floating-point operations of one MLM training step (forward + backward = 3x the forward matrix
 * products; elementwise work is not counted), for `batch` sequences of `length` tokens with
 * `masked` positions predicted. The usual yardstick for achieved GFLOP/s.
 */
export function mlmTrainingFlops(config: EncoderConfig, batch: number, length: number, masked: number): number {
  const d = config.hiddenSize;
  const tokens = batch * length;
  const projections = 2 * tokens * d * d * 4;
  const scores = 2 * batch * length * length * d * 2; // QK^T and PV over all heads
  const feedForward = 2 * tokens * d * config.intermediateSize * 2;
  const head = 2 * masked * d * d + 2 * masked * d * config.vocabSize;
  const forward = config.layers * (projections + scores + feedForward) + head;
  return 3 * forward;
}
