/**
 * Dropout with the course's seeded generator: the keep/drop mask is drawn in JavaScript from an
 * `Rng`, so a seed gives the same masks on every backend and in every run. Kept values are scaled
 * by 1 / (1 - rate) ("inverted" dropout), so evaluation needs no rescaling and simply skips it.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/random";

function checkRate(rate: number): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: expected a rate in [0, 1), got ${rate}.`);
}

/**
 * Fills `out` with 0 (dropped, probability `rate`) or 1 / (1 - rate) (kept). Masks hold millions
 * of draws per training step, so the loop runs its own xoshiro128** (the Rng's engine) on local
 * variables, seeded by four draws from `rng`: the same stream quality, several times faster than
 * a method call per element.
 */
export function dropoutMaskValues(out: Float32Array, rate: number, rng: Rng, skip = 0): Float32Array {
  checkRate(rate);
  const keep = 1 / (1 - rate);
  // Compare raw 32-bit draws with a threshold (as signed ints, so all in int32 arithmetic).
  const threshold = (Math.round(rate * 4294967296) - 2147483648) | 0;
  let s0 = rng.nextUint32() | 0;
  let s1 = rng.nextUint32() | 0;
  let s2 = rng.nextUint32() | 0;
  let s3 = rng.nextUint32() | 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  // The first `skip` draws belong to rows before a shard's (see `shardDropout`): advance the state only.
  for (let i = 0; i < skip; i++) {
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
  }
  for (let i = 0; i < out.length; i++) {
    const r = s1 * 5;
    const result = Math.imul((r << 7) | (r >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    out[i] = (result ^ -2147483648) >= threshold ? keep : 0;
  }
  return out;
}

/** Rows [start, start + rows) of a batch: a data-parallel worker's share of the global batch. */
export interface DropoutShard {
  readonly start: number;
  readonly rows: number;
}

const shards = new WeakMap<Rng, DropoutShard>();

/**
 * From now on the masks `rng` draws are those rows of the masks the whole batch would get, so a
 * batch split across workers is dropped out exactly as it would be in one piece. Every dropped
 * tensor must be batch-major with `shard.rows` rows (all of the encoder's are).
 */
export function shardDropout(rng: Rng, shard: DropoutShard): Rng {
  if (!(Number.isInteger(shard.start) && shard.start >= 0 && Number.isInteger(shard.rows) && shard.rows >= 1)) {
    throw new Error(`shardDropout: expected integer start >= 0 and rows >= 1, got start ${shard.start}, rows ${shard.rows}.`);
  }
  shards.set(rng, shard);
  return rng;
}

/** A mask tensor of the given shape (see `dropoutMaskValues` and `shardDropout`). */
export function dropoutMask(shape: number[], rate: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const shard = shards.get(rng);
  if (shard && n % shard.rows !== 0) throw new Error(`dropout: a tensor of shape [${shape}] does not split into the shard's ${shard.rows} rows.`);
  const skip = shard ? shard.start * (n / shard.rows) : 0;
  return tf.tensor(dropoutMaskValues(new Float32Array(n), rate, rng, skip), shape, "float32");
}

/** x with each element zeroed with probability `rate` and the rest scaled up; identity when `rng` is null or rate is 0. */
export function dropout(x: tf.Tensor, rate: number, rng: Rng | null): tf.Tensor {
  checkRate(rate);
  if (rng === null || rate === 0) return x;
  return tf.tidy(() => x.mul(dropoutMask(x.shape, rate, rng)));
}
