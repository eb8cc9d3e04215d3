/** A tiny encoder and a synthetic three-class task it can learn in a few dozen steps. */
import { encoderConfig, Encoder, Rng, type EncodedExample, type EncoderConfig } from "shoplm";

export const TINY: EncoderConfig = encoderConfig({ vocabSize: 30, hiddenSize: 16, layers: 2, heads: 2, intermediateSize: 32, maxPositions: 12, dropout: 0.1, attentionDropout: 0.1 });
export const PAD = 0;
export const CLS = 2;
export const SEP = 3;
export const LABELS = ["red", "green", "blue"];

/** Sequences [CLS] w w w w [SEP] where exactly one word is 10 + label and the others are 13..29. */
export function syntheticExamples(n: number, seed: number, pairs = false): EncodedExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const label = rng.int(3);
    const words = Array.from({ length: 4 }, () => 13 + rng.int(17));
    words[rng.int(4)] = 10 + label;
    const ids = [CLS, ...words, SEP];
    const types = ids.map(() => 0);
    if (pairs) {
      ids.push(13 + rng.int(17), SEP);
      types.push(1, 1);
    }
    return { inputIds: Int32Array.from(ids), tokenTypeIds: Int32Array.from(types), label };
  });
}

export function tinyEncoder(seed = 1): Encoder {
  return Encoder.create(TINY, seed);
}

/** Every weight of a parameter set, copied. */
export function copyWeights(entries: Array<[string, { dataSync(): ArrayLike<number> }]>): Map<string, Float32Array> {
  return new Map(entries.map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
}

/** Names of weights whose bits changed. */
export function changedWeights(before: Map<string, Float32Array>, entries: Array<[string, { dataSync(): ArrayLike<number> }]>): string[] {
  const out: string[] = [];
  for (const [n, v] of entries) {
    const a = before.get(n) as Float32Array;
    const b = v.dataSync();
    const bitsA = new Uint32Array(a.buffer, a.byteOffset, a.length);
    const bitsB = new Uint32Array(Float32Array.from(b).buffer);
    if (bitsA.length !== bitsB.length || bitsA.some((x, i) => x !== bitsB[i])) out.push(n);
  }
  return out;
}
