/**
 * From token sequences to padded batches, and the order batches are drawn in (a fresh seeded
 * shuffle every epoch).
 */
import type { Rng } from "../core/random";

/** One tokenized text (or text pair); a tokenizer's `TokenEncoding` is one. */
export interface TokenSequence {
  readonly inputIds: ArrayLike<number>;
  /** Word index of each token (null or negative for special tokens), for whole-word masking. */
  readonly wordIds?: ArrayLike<number | null>;
  /** Segment of each token (0 first text, 1 second), for pairs. */
  readonly tokenTypeIds?: ArrayLike<number>;
  /** 0 marks padding already in the sequence (dropped here); all real when left out. */
  readonly attentionMask?: ArrayLike<number>;
}

/** A padded batch as flat row-major arrays [batch * length]. */
export interface PaddedBatch {
  readonly batch: number;
  readonly length: number;
  readonly ids: Int32Array;
  /** 1 for real tokens, 0 for padding. */
  readonly attentionMask: Float32Array;
  /** Present when any sequence has type ids. */
  readonly tokenTypeIds?: Int32Array;
  /** Word index per token, -1 for none (specials, padding, sequences without word ids). */
  readonly wordIds: Int32Array;
}

export interface PadOptions {
  readonly padId: number;
  /** Longer sequences are cut to this many tokens. */
  readonly maxLength: number;
  /** "longest" (default): pad to the longest sequence in the batch; "max": always to maxLength. */
  readonly padTo?: "longest" | "max";
}

function realLength(s: TokenSequence): number {
  if (!s.attentionMask) return s.inputIds.length;
  let n = 0;
  for (let i = 0; i < s.attentionMask.length; i++) if (s.attentionMask[i] !== 0) n++;
  return n;
}

/** Pad (and cut) sequences into one batch (padding already in a sequence, marked by its attention mask, is dropped first). */
export function padBatch(sequences: readonly TokenSequence[], options: PadOptions): PaddedBatch {
  if (sequences.length === 0) throw new Error("padBatch: no sequences.");
  if (!Number.isInteger(options.maxLength) || options.maxLength < 1) throw new Error(`padBatch: maxLength must be a positive integer, got ${options.maxLength}.`);
  const lengths = sequences.map(realLength);
  const longest = Math.max(...lengths);
  const length = options.padTo === "max" ? options.maxLength : Math.max(1, Math.min(options.maxLength, longest));
  const n = sequences.length * length;
  const ids = new Int32Array(n).fill(options.padId);
  const attentionMask = new Float32Array(n);
  const wordIds = new Int32Array(n).fill(-1);
  const withTypes = sequences.some((s) => s.tokenTypeIds !== undefined);
  const tokenTypeIds = withTypes ? new Int32Array(n) : undefined;
  sequences.forEach((s, b) => {
    for (const [what, arr] of [["word ids", s.wordIds], ["token type ids", s.tokenTypeIds], ["attention mask values", s.attentionMask]] as const) {
      if (arr && arr.length !== s.inputIds.length) throw new Error(`padBatch: sequence ${b} has ${s.inputIds.length} ids but ${arr.length} ${what}.`);
    }
    let j = 0;
    for (let i = 0; i < s.inputIds.length && j < length; i++) {
      if (s.attentionMask && s.attentionMask[i] === 0) continue;
      const at = b * length + j++;
      ids[at] = s.inputIds[i];
      attentionMask[at] = 1;
      const w = s.wordIds?.[i];
      wordIds[at] = w === null || w === undefined || w < 0 ? -1 : w;
      if (tokenTypeIds && s.tokenTypeIds) tokenTypeIds[at] = s.tokenTypeIds[i];
    }
  });
  return tokenTypeIds ? { batch: sequences.length, length, ids, attentionMask, tokenTypeIds, wordIds } : { batch: sequences.length, length, ids, attentionMask, wordIds };
}

/** Hands out batches of indices: each epoch is a fresh permutation drawn from the Rng. */
export class BatchSampler {
  private order: number[] = [];
  private at = 0;
  private epochCount = 0;

  constructor(
    readonly size: number,
    readonly batchSize: number
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`BatchSampler: need at least one sequence, got ${size}.`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`BatchSampler: batchSize must be a positive integer, got ${batchSize}.`);
  }

  /** Completed passes over the data. */
  get epoch(): number {
    return this.epochCount;
  }

  /** The next batch's indices (a batch never spans two epochs; a short last batch is skipped unless the data is smaller than a batch). */
  next(rng: Rng): number[] {
    const take = Math.min(this.batchSize, this.size);
    if (this.order.length === 0 || this.at + take > this.order.length) {
      if (this.order.length) this.epochCount++;
      this.order = rng.permutation(this.size);
      this.at = 0;
    }
    const out = this.order.slice(this.at, this.at + take);
    this.at += take;
    return out;
  }

  /** Where the sampler stands (for checkpoints). */
  state(): { order: number[]; at: number; epoch: number } {
    return { order: this.order.slice(), at: this.at, epoch: this.epochCount };
  }

  restore(state: { order: readonly number[]; at: number; epoch: number }): void {
    if (state.order.length !== 0 && state.order.length !== this.size) throw new Error(`BatchSampler.restore: order has ${state.order.length} entries for ${this.size} sequences.`);
    this.order = state.order.slice();
    this.at = state.at;
    this.epochCount = state.epoch;
  }
}
