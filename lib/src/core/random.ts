/**
 * The course's seeded pseudo-random number generator. Everything random in the course (the
 * generated shop, training batches, bootstrap and permutation tests) draws from an `Rng`, so
 * that a seed reproduces a run exactly, on every machine.
 *
 * Engine: xoshiro128** 1.1 (Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators", ACM TOMS 2021): 128 bits of state, period 2^128 - 1, passes BigCrush, and uses
 * only 32-bit integer operations, which JavaScript does exactly (`Math.imul`, `>>>`).
 * The state is filled from the seed by splitmix32, so that nearby seeds (1, 2, 3...) give
 * unrelated streams and the all-zero state (the one state xoshiro must avoid) cannot occur.
 *
 * Conventions:
 * - `next()` returns a double in [0, 1) with 53 random bits (two engine outputs), so every
 *   representable multiple of 2^-53 in [0, 1) is equally likely.
 * - `int(n)` is exactly uniform on {0, ..., n-1} (rejection sampling, no modulo bias).
 * - `split()` hands out an independent stream: the child starts at the current state and the
 *   parent jumps 2^64 draws ahead, so the two never overlap in practice.
 * - Methods that draw a variable number of engine outputs (rejection samplers) say so; code
 *   that must stay reproducible across library versions should not depend on how many outputs
 *   a call consumes, only on the seed.
 */

/** The four 32-bit words of an `Rng`'s state (unsigned). */
export type RngState = readonly [number, number, number, number];

/** A seed: an integer (any safe integer; its bits are mixed) or a string (hashed). */
export type Seed = number | string;

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** One step of splitmix32 (a 32-bit variant of Steele, Lea and Flood's SplitMix): returns [next state, output]. */
function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) >>> 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  return [s, z];
}

/** FNV-1a over the string's UTF-16 code units: turns a string seed into 32 bits. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function seedWords(seed: Seed): number {
  if (typeof seed === "string") return hashString(seed);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`Rng: seed must be a safe integer or a string, got ${seed}.`);
  }
  // Fold the high bits in so that seeds differing only above bit 32 still differ.
  const low = seed >>> 0;
  const high = Math.floor(Math.abs(seed) / TWO_POW_32) >>> 0;
  return (low ^ Math.imul(high, 0x9e3779b1) ^ (seed < 0 ? 0x5bd1e995 : 0)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const JUMP = [0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b];

function checkCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`Rng.${what}: expected a non-negative integer, got ${n}.`);
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** A generator seeded by an integer or a string; the same seed gives the same stream. */
  constructor(seed: Seed) {
    let sm = seedWords(seed);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(sm);
      sm = next;
      words.push(out);
    }
    if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
  }

  /** A generator that resumes from a saved `state()`. */
  static fromState(state: RngState): Rng {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32)) {
      throw new Error(`Rng.fromState: expected four unsigned 32-bit integers, got [${state.join(", ")}].`);
    }
    if (state.every((w) => w === 0)) throw new Error("Rng.fromState: the all-zero state is invalid for xoshiro128**.");
    const rng = new Rng(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = state;
    return rng;
  }

  /** The current state (to checkpoint a run and resume it with `Rng.fromState`). */
  state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** An independent copy that will produce the same stream as this generator from now on. */
  clone(): Rng {
    return Rng.fromState(this.state());
  }

  /** The next raw 32-bit output, an integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /** A uniform double in [low, high). */
  uniform(low: number, high: number): number {
    if (!(Number.isFinite(low) && Number.isFinite(high) && low <= high)) {
      throw new Error(`Rng.uniform: expected finite low <= high, got low=${low}, high=${high}.`);
    }
    return low + (high - low) * this.next();
  }

  /** A uniform integer in {0, ..., n-1}, for 1 <= n <= 2^53 (exactly uniform; may draw several outputs). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_53) {
      throw new Error(`Rng.int: expected an integer n with 1 <= n <= 2^53, got ${n}.`);
    }
    if (n <= TWO_POW_32) {
      // Reject the top sliver of [0, 2^32) that would make `x % n` favour small values.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const x = this.nextUint32();
        if (x < limit) return x % n;
      }
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % n);
    for (;;) {
      const x = this.next() * TWO_POW_53;
      if (x < limit) return x % n;
    }
  }

  /** A uniform integer in {low, ..., high} (both ends included). */
  intBetween(low: number, high: number): number {
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || low > high) {
      throw new Error(`Rng.intBetween: expected integers low <= high, got low=${low}, high=${high}.`);
    }
    return low + this.int(high - low + 1);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new Error(`Rng.bernoulli: expected a probability in [0, 1], got ${p}.`);
    return this.next() < p;
  }

  /** A normal draw (Box-Muller; two uniform draws per call, the second Box-Muller value is discarded so that the state stays four words). */
  normal(mean = 0, sd = 1): number {
    if (!Number.isFinite(mean) || !(sd >= 0) || !Number.isFinite(sd)) {
      throw new Error(`Rng.normal: expected a finite mean and sd >= 0, got mean=${mean}, sd=${sd}.`);
    }
    const u1 = 1 - this.next(); // (0, 1]: log(u1) is finite
    const u2 = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** An exponential draw with the given rate (mean 1/rate), by inversion. */
  exponential(rate = 1): number {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`Rng.exponential: expected a finite rate > 0, got ${rate}.`);
    return -Math.log(1 - this.next()) / rate;
  }

  /**
   * A gamma draw with the given shape and scale (mean shape*scale), by Marsaglia and Tsang's
   * method (ACM TOMS 2000); shape < 1 uses the boost U^(1/shape). Draws a variable number of outputs.
   */
  gamma(shape: number, scale = 1): number {
    if (!(shape > 0) || !Number.isFinite(shape) || !(scale > 0) || !Number.isFinite(scale)) {
      throw new Error(`Rng.gamma: expected finite shape > 0 and scale > 0, got shape=${shape}, scale=${scale}.`);
    }
    if (shape < 1) {
      const boost = Math.pow(1 - this.next(), 1 / shape);
      return this.gamma(shape + 1, scale) * boost;
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  /** A beta(a, b) draw, as G_a / (G_a + G_b) with gamma draws. */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /** A Dirichlet draw (a probability vector) with the given concentration parameters. */
  dirichlet(alpha: readonly number[]): number[] {
    if (alpha.length === 0) throw new Error("Rng.dirichlet: expected at least one concentration parameter, got none.");
    const draws = alpha.map((a) => this.gamma(a));
    const total = draws.reduce((s, x) => s + x, 0);
    return draws.map((x) => x / total);
  }

  /**
   * A Poisson draw with mean lambda: Knuth's product method for lambda < 30, else the PTRS
   * transformed rejection of Hormann (1993). Draws a variable number of outputs.
   */
  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new Error(`Rng.poisson: expected a finite lambda >= 0, got ${lambda}.`);
    if (lambda === 0) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = 1 - this.next();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
    }
  }

  /** One element of a non-empty array, uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.choice: expected a non-empty array, got an empty one.");
    return items[this.int(items.length)];
  }

  /** An index drawn with probability proportional to its (non-negative, finite) weight. */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`Rng.weightedIndex: weight ${i} is ${w}; expected a finite number >= 0.`);
      total += w;
    }
    if (!(total > 0)) throw new Error(`Rng.weightedIndex: expected at least one positive weight among ${weights.length}, got total ${total}.`);
    const target = this.next() * total;
    let acc = 0;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] <= 0) continue;
      acc += weights[i];
      last = i;
      if (target < acc) return i;
    }
    return last; // rounding pushed target to the very end
  }

  /** Shuffles the array in place (Fisher-Yates, every permutation equally likely) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): number[] {
    checkCount("permutation", n);
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** k distinct elements drawn uniformly without replacement, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    checkCount("sample", k);
    if (k > items.length) throw new Error(`Rng.sample: cannot draw ${k} distinct items from ${items.length}.`);
    // Partial Fisher-Yates on a copy: O(n) memory, O(k) draws.
    const pool = items.slice();
    for (let i = 0; i < k; i++) {
      const j = i + this.int(pool.length - i);
      const tmp = pool[i];
      pool[i] = pool[j];
      pool[j] = tmp;
    }
    return pool.slice(0, k);
  }

  /** Advances the state by 2^64 draws (the published xoshiro128 jump polynomial). */
  jump(): void {
    let t0 = 0;
    let t1 = 0;
    let t2 = 0;
    let t3 = 0;
    for (const word of JUMP) {
      for (let b = 0; b < 32; b++) {
        if ((word >>> b) & 1) {
          t0 ^= this.s0;
          t1 ^= this.s1;
          t2 ^= this.s2;
          t3 ^= this.s3;
        }
        this.nextUint32();
      }
    }
    this.s0 = t0 >>> 0;
    this.s1 = t1 >>> 0;
    this.s2 = t2 >>> 0;
    this.s3 = t3 >>> 0;
  }

  /**
   * An independent generator for a sub-task (a worker, a bootstrap replicate block): it starts
   * at this generator's current state, and this generator jumps 2^64 draws ahead.
   */
  split(): Rng {
    const child = this.clone();
    this.jump();
    return child;
  }
}

/** ln(k!) exactly summed for small k, Stirling's series (error below 1e-15 relative) beyond. */
function logFactorial(k: number): number {
  if (k < 20) {
    let s = 0;
    for (let i = 2; i <= k; i++) s += Math.log(i);
    return s;
  }
  const k2 = k * k;
  return k * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI * k) + 1 / (12 * k) - 1 / (360 * k * k2) + 1 / (1260 * k2 * k2 * k);
}
