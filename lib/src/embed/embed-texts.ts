/**
 * Sentence embeddings for a catalog: texts are tokenized, run through the encoder a batch at a
 * time, pooled (and L2-normalised), and written into one row-major matrix in input order.
 *
 * Memory: only one batch's activations live at a time (each batch is tidied and its pooled
 * vectors read back before the next starts). Within a window of `windowBatches` batches the
 * texts are sorted by token count, so a batch pads to similar lengths; the result does not
 * depend on this (padding is masked), only the time does.
 *
 * Input rules (documented results, not errors):
 *  - an empty (or whitespace-only) text is encoded as [CLS] [SEP] and gets a vector like any other;
 *  - a text longer than `maxLength` tokens is cut to its first `maxLength - 2` word pieces;
 *  - lone surrogates (invalid UTF-16) and other control characters are dropped by the
 *    tokenizer's clean-up step, as BERT's tokenizer drops U+FFFD;
 *  - an entry that is not a string is an error naming its index.
 */
import * as tf from "@tensorflow/tfjs";
import * as path from "node:path";
import { loadEncoder, type Checkpoint } from "../model/checkpoint";
import type { Encoder } from "../model/encoder";
import type { WordPieceTokenizer } from "../text/wordpiece";
import { baseCheckpoint, runTokenizer } from "../finetune/run";
import { padBatch } from "../train/batches";
import { inNotebook } from "../viz/display";
import { progress as progressBar, type ProgressOptions } from "../viz/progress";
import { l2Normalize, poolTokens, POOLING_MODES, type PoolingMode } from "./pooling";

/**
 * Vectors of `count` items, `dimension` numbers each, row-major: item i is
 * `vectors.subarray(i * dimension, (i + 1) * dimension)`. `modelId` says which model, pooling
 * and normalisation made them, so an index or a feature built on one set of vectors can refuse
 * vectors from another.
 */
export interface EmbeddingMatrix {
  readonly vectors: Float32Array;
  readonly count: number;
  readonly dimension: number;
  readonly modelId: string;
}

/** An encoder with its tokenizer, and a name for its weights. */
export interface TextEmbedder {
  readonly encoder: Encoder;
  readonly tokenizer: WordPieceTokenizer;
  /** Names the weights ("full@0083a72927ed": checkpoint folder and the start of its weights' sha256). */
  readonly modelId: string;
}

/** A loaded embedder owns its encoder's weights: call `dispose()` when done. */
export interface LoadedTextEmbedder extends TextEmbedder {
  dispose(): void;
}

/** The encoder and tokenizer of a checkpoint folder (default: chapter 1's shipped model, data/models/full). */
export function loadTextEmbedder(source?: string | Checkpoint): LoadedTextEmbedder {
  const base = baseCheckpoint(source);
  const tokenizer = runTokenizer("loadTextEmbedder", base);
  const encoder = loadEncoder(base);
  const modelId = `${path.basename(path.resolve(base.dir))}@${base.manifest.weights.sha256.slice(0, 12)}`;
  return { encoder, tokenizer, modelId, dispose: () => encoder.dispose() };
}

export interface EmbedTextsOptions {
  /** "cls", "mean" (default) or "max" over the real tokens. */
  readonly pooling?: PoolingMode;
  /** L2-normalise each vector (default true: cosine similarity is then a dot product). */
  readonly normalize?: boolean;
  /** Texts per forward pass (default 64). */
  readonly batchSize?: number;
  /** Tokens per text, [CLS] and [SEP] included (default and maximum: the encoder's maxPositions). */
  readonly maxLength?: number;
  /** Batches per length-sorting window (default 16; 1 keeps the input order). */
  readonly windowBatches?: number;
  /** A progress bar over texts (true, false, or its options); default: on in a notebook. */
  readonly progress?: boolean | ProgressOptions;
}

/** A run of consecutive rows of the result, in input order: rows start .. start + count - 1. */
export interface EmbeddingChunk {
  readonly start: number;
  readonly count: number;
  readonly vectors: Float32Array;
}

interface Settings {
  readonly pooling: PoolingMode;
  readonly normalize: boolean;
  readonly batchSize: number;
  readonly maxLength: number;
  readonly windowBatches: number;
}

function positiveInteger(name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) throw new Error(`embedTexts: ${name} must be a positive integer; found ${value}.`);
  return value;
}

function settingsOf(model: TextEmbedder, options: EmbedTextsOptions): Settings {
  const pooling = options.pooling ?? "mean";
  if (!POOLING_MODES.includes(pooling)) throw new Error(`embedTexts: pooling must be "cls", "mean" or "max"; found ${JSON.stringify(pooling)}.`);
  const limit = model.encoder.config.maxPositions;
  const maxLength = positiveInteger("maxLength", options.maxLength ?? limit);
  if (maxLength < 2 || maxLength > limit) throw new Error(`embedTexts: maxLength must be between 2 and the encoder's maxPositions ${limit}; found ${maxLength}.`);
  if (model.tokenizer.vocabSize !== model.encoder.config.vocabSize) {
    throw new Error(`embedTexts: the tokenizer has ${model.tokenizer.vocabSize} tokens but the encoder's vocabSize is ${model.encoder.config.vocabSize}; use the tokenizer saved with the checkpoint.`);
  }
  return {
    pooling,
    normalize: options.normalize ?? true,
    batchSize: positiveInteger("batchSize", options.batchSize ?? 64),
    maxLength,
    windowBatches: positiveInteger("windowBatches", options.windowBatches ?? 16),
  };
}

/** The id an embedding matrix carries: the weights, the pooling and whether vectors are unit length. */
export function embeddingModelId(model: TextEmbedder, pooling: PoolingMode = "mean", normalize = true): string {
  return `${model.modelId}:${pooling}${normalize ? ":l2" : ""}`;
}

function checkText(text: unknown, index: number): string {
  if (typeof text !== "string") {
    const shown = text === null ? "null" : Array.isArray(text) ? "an array" : `a ${typeof text} (${String(JSON.stringify(text)).slice(0, 40)})`;
    throw new Error(`embedTexts: texts[${index}] is ${shown}; expected a string.`);
  }
  return text;
}

/** Pooled vectors of one batch of token id sequences, read back; the batch's tensors are freed. */
async function embedBatch(model: TextEmbedder, sequences: readonly number[][], s: Settings): Promise<Float32Array> {
  const b = padBatch(sequences.map((inputIds) => ({ inputIds })), { padId: model.tokenizer.padId, maxLength: s.maxLength });
  const pooled = tf.tidy(() => {
    const inputIds = tf.tensor2d(b.ids, [b.batch, b.length], "int32");
    const attentionMask = tf.tensor2d(b.attentionMask, [b.batch, b.length]);
    const { sequence } = model.encoder.forward({ inputIds, attentionMask });
    const v = poolTokens(sequence, attentionMask, s.pooling);
    return s.normalize ? l2Normalize(v) : v;
  });
  try {
    return (await pooled.data()) as Float32Array; // asynchronous read: works on every backend
  } finally {
    pooled.dispose();
  }
}

/** One window of texts: tokenized, sorted by length, embedded batch by batch, rows in input order. */
async function embedWindow(model: TextEmbedder, texts: readonly string[], s: Settings, onBatch: (n: number) => void): Promise<Float32Array> {
  const d = model.encoder.config.hiddenSize;
  const ids = texts.map((t) => model.tokenizer.encode(t, null, { truncation: true, maxLength: s.maxLength, padding: false }).inputIds);
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length || a - b);
  const out = new Float32Array(texts.length * d);
  for (let at = 0; at < order.length; at += s.batchSize) {
    const rows = order.slice(at, at + s.batchSize);
    const vectors = await embedBatch(model, rows.map((i) => ids[i]), s);
    rows.forEach((row, j) => out.set(vectors.subarray(j * d, (j + 1) * d), row * d));
    onBatch(rows.length);
  }
  return out;
}

/**
 * The same embeddings as `embedTexts`, as a stream of chunks in input order, for catalogs read
 * from a file or too large to hold at once (each chunk is one window of texts).
 */
export async function* embedTextStream(
  model: TextEmbedder,
  texts: Iterable<string> | AsyncIterable<string>,
  options: EmbedTextsOptions & { readonly total?: number } = {},
): AsyncGenerator<EmbeddingChunk, void, undefined> {
  const s = settingsOf(model, options);
  const windowSize = s.batchSize * s.windowBatches;
  const wantBar = options.progress ?? inNotebook();
  const bar = wantBar ? progressBar(options.total, { label: "embed", unit: "text", ...(typeof wantBar === "object" ? wantBar : {}) }) : null;
  let window: string[] = [];
  let start = 0;
  let index = 0;
  const flush = async (): Promise<EmbeddingChunk> => {
    const vectors = await embedWindow(model, window, s, (n) => bar?.tick(n));
    const chunk = { start, count: window.length, vectors };
    start += window.length;
    window = [];
    return chunk;
  };
  for await (const text of texts as AsyncIterable<unknown>) {
    window.push(checkText(text, index++));
    if (window.length === windowSize) yield await flush();
  }
  if (window.length > 0) yield await flush();
  bar?.done();
}

/**
 * Embed texts with an encoder: one row per text, in input order.
 *
 *   const model = loadTextEmbedder();          // chapter 1's encoder and tokenizer
 *   const e = await embedTexts(model, shop.products.map((p) => p.title));
 *   e.count, e.dimension                        // 30000, 128
 */
export async function embedTexts(model: TextEmbedder, texts: readonly string[], options: EmbedTextsOptions = {}): Promise<EmbeddingMatrix> {
  if (!Array.isArray(texts)) throw new Error(`embedTexts: expected an array of strings; found ${texts === null ? "null" : typeof texts}.`);
  texts.forEach((t, i) => checkText(t, i)); // fail before any work
  const s = settingsOf(model, options);
  const d = model.encoder.config.hiddenSize;
  const vectors = new Float32Array(texts.length * d);
  for await (const chunk of embedTextStream(model, texts, { ...options, total: texts.length })) vectors.set(chunk.vectors, chunk.start * d);
  return { vectors, count: texts.length, dimension: d, modelId: embeddingModelId(model, s.pooling, s.normalize) };
}
