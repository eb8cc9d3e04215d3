/**
 * Dynamic masking for masked-language-model pretraining (BERT; "dynamic" as in RoBERTa: drawn
 * anew every time a sequence is seen). In each sequence 15 % of the real, non-special tokens are
 * chosen (rounded, at least one), as in BERT's create_pretraining_data; of those, 80 % become
 * [MASK], 10 % a random token and 10 % stay, and the model must predict the original at all of
 * them. With whole-word masking, the tokens of one word are chosen together.
 */
import type { Rng } from "../core/random";
import type { MlmBatch } from "../model/mlm-head";
import type { PaddedBatch } from "./batches";

export interface SpecialTokens {
  readonly pad: number;
  readonly mask: number;
  readonly cls: number;
  readonly sep: number;
  readonly unk: number;
}

export interface MaskingOptions {
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  /** More ids never to choose or draw (other special tokens). */
  readonly extraSpecialIds?: readonly number[];
  /** Share of tokens to predict (0.15). */
  readonly probability?: number;
  /** Of those, share replaced by [MASK] (0.8) and by a random token (0.1); the rest stay. */
  readonly maskFraction?: number;
  readonly randomFraction?: number;
  /** Choose whole words (needs the batch's word ids). */
  readonly wholeWord?: boolean;
}

export const MASK_KIND = { mask: 0, random: 1, kept: 2 } as const;

export interface MaskedTokens {
  /** The batch's ids with the replacements made. */
  readonly inputIds: Int32Array;
  /** Flat positions (row * length + column) chosen, ascending. */
  readonly positions: Int32Array;
  /** Original ids there. */
  readonly labels: Int32Array;
  /** What happened at each chosen position (MASK_KIND). */
  readonly kinds: Uint8Array;
}

function fraction(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new Error(`maskTokens: ${name} must be in [0, 1], got ${value}.`);
  return value;
}

/** The special ids as a set (pad, mask, cls, sep, unk and any extra ones). */
export function specialIdSet(special: SpecialTokens, extra: readonly number[] = []): Set<number> {
  return new Set([special.pad, special.mask, special.cls, special.sep, special.unk, ...extra]);
}

/** Choose and replace tokens to predict (see the module comment). Pure given the Rng's state. */
export function maskTokens(batch: PaddedBatch, options: MaskingOptions, rng: Rng): MaskedTokens {
  const p = fraction("probability", options.probability ?? 0.15);
  const maskFraction = fraction("maskFraction", options.maskFraction ?? 0.8);
  const randomFraction = fraction("randomFraction", options.randomFraction ?? 0.1);
  if (maskFraction + randomFraction > 1) throw new Error(`maskTokens: maskFraction + randomFraction is ${maskFraction + randomFraction}, more than 1.`);
  const specials = specialIdSet(options.special, options.extraSpecialIds);
  const { vocabSize } = options;
  if (specials.size >= vocabSize) throw new Error(`maskTokens: no ordinary token to draw: ${specials.size} special ids in a vocabulary of ${vocabSize}.`);
  const inputIds = Int32Array.from(batch.ids);
  const chosen: number[] = [];
  for (let b = 0; b < batch.batch; b++) {
    // Units: one token, or all the tokens of one word. Word ids restart in the second text of a
    // pair, so a word is known by its id and the number of [SEP] before it.
    const units: number[][] = [];
    const byWord = new Map<number, number[]>();
    let candidates = 0;
    let separators = 0;
    for (let j = 0; j < batch.length; j++) {
      const at = b * batch.length + j;
      if (batch.ids[at] === options.special.sep) separators++;
      if (batch.attentionMask[at] === 0 || specials.has(batch.ids[at])) continue;
      candidates++;
      const word = batch.wordIds[at];
      if (!options.wholeWord || word < 0) {
        units.push([at]);
        continue;
      }
      const key = word * 64 + Math.min(separators, 63);
      const unit = byWord.get(key);
      if (unit) unit.push(at);
      else {
        const fresh = [at];
        byWord.set(key, fresh);
        units.push(fresh);
      }
    }
    if (candidates === 0 || p === 0) continue;
    const target = Math.max(1, Math.round(candidates * p));
    rng.shuffle(units);
    let count = 0;
    for (const unit of units) {
      if (count >= target) break;
      if (count + unit.length > target) continue; // a word that would overshoot is skipped, as in BERT
      for (const at of unit) chosen.push(at);
      count += unit.length;
    }
  }
  chosen.sort((a, b) => a - b);
  const positions = Int32Array.from(chosen);
  const labels = new Int32Array(positions.length);
  const kinds = new Uint8Array(positions.length);
  positions.forEach((at, i) => {
    labels[i] = batch.ids[at];
    const u = rng.next();
    if (u < maskFraction) {
      inputIds[at] = options.special.mask;
      kinds[i] = MASK_KIND.mask;
    } else if (u < maskFraction + randomFraction) {
      let id = rng.int(vocabSize);
      while (specials.has(id)) id = rng.int(vocabSize);
      inputIds[at] = id;
      kinds[i] = MASK_KIND.random;
    } else {
      kinds[i] = MASK_KIND.kept;
    }
  });
  return { inputIds, positions, labels, kinds };
}

/** The model's input for a padded batch and its masking. */
export function toMlmBatch(batch: PaddedBatch, masked: MaskedTokens): MlmBatch {
  return {
    batch: batch.batch,
    length: batch.length,
    inputIds: masked.inputIds,
    attentionMask: batch.attentionMask,
    tokenTypeIds: batch.tokenTypeIds,
    positions: masked.positions,
    labels: masked.labels,
  };
}
