/**
 * Matrix factorisation trained with Bayesian personalised ranking (Rendle et al. 2009): for a
 * user u, an item i they interacted with and an item j they did not, maximise
 * ln sigmoid(x_uij) with x_uij = p_u . (q_i - q_j) + b_i - b_j, by stochastic gradient ascent
 * with L2 regularisation. Plain typed-array math: one sample touches 2 x dim + 2 numbers, which
 * tensors would only slow down.
 */
import type { ProfileName } from "../core/profile";
import { Rng } from "../core/random";
import type { LeaveOneOutSplit, Recommender } from "./recommender";

export interface BprOptions {
  /** Default 42. */
  readonly seed?: number;
  /** "fast" (default): 32 factors, 60 epochs; "full": 64 factors, 150 epochs (chosen on amazon-scientific's validation items). */
  readonly profile?: ProfileName;
  readonly factors?: number;
  readonly epochs?: number;
  /** SGD step (default 0.2). */
  readonly learningRate?: number;
  /** L2 weight on the factors and biases touched by a sample (default 0.03). */
  readonly regularization?: number;
  /** Standard deviation of the initial factors (default 0.1). */
  readonly initScale?: number;
  /** After each epoch, with the mean BPR loss -ln sigmoid(x_uij) over its samples. */
  readonly onProgress?: (progress: { epoch: number; epochs: number; loss: number }) => void;
}

/** A trained BPR model: the factors and the loss per epoch, and the scoring of a `Recommender`. */
export interface BprModel extends Recommender {
  readonly factors: number;
  /** users x factors, row-major (user index of split.data). */
  readonly userFactors: Float32Array;
  /** items x factors, row-major. */
  readonly itemFactors: Float32Array;
  readonly itemBias: Float32Array;
  /** Mean BPR loss of each epoch's samples. */
  readonly losses: readonly number[];
}

const SIZES: Record<ProfileName, { factors: number; epochs: number }> = { fast: { factors: 32, epochs: 60 }, full: { factors: 64, epochs: 150 } };

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`trainBpr: ${name} must be an integer >= 1, got ${value}.`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`trainBpr: ${name} must be a finite number >= 0, got ${value}.`);
  return value;
}

/**
 * Trains BPR on the split's training items. Each epoch draws as many samples as there are
 * training interactions: a positive (u, i) taken in a shuffled order, and a negative j uniform
 * over the catalog, redrawn while u has interacted with j (at most 20 draws). Scores at
 * evaluation use the user's learned vector, whatever history is passed.
 */
export async function trainBpr(split: LeaveOneOutSplit, options: BprOptions = {}): Promise<BprModel> {
  const profile = options.profile ?? "fast";
  if (!(profile in SIZES)) throw new Error(`trainBpr: profile must be "fast" or "full", got ${JSON.stringify(profile)}.`);
  const d = positiveInteger(options.factors ?? SIZES[profile].factors, "factors");
  const epochs = positiveInteger(options.epochs ?? SIZES[profile].epochs, "epochs");
  const lr = nonNegative(options.learningRate ?? 0.2, "learningRate");
  const reg = nonNegative(options.regularization ?? 0.03, "regularization");
  const scale = nonNegative(options.initScale ?? 0.1, "initScale");
  const rng = new Rng(options.seed ?? 42);
  const nUsers = split.data.userIds.length;
  const nItems = split.data.itemIds.length;
  const P = Float32Array.from({ length: nUsers * d }, () => rng.normal(0, scale));
  const Q = Float32Array.from({ length: nItems * d }, () => rng.normal(0, scale));
  const b = new Float32Array(nItems);

  const seen = split.train.map((seq) => new Set(seq));
  const pairUser: number[] = [];
  const pairItem: number[] = [];
  split.train.forEach((seq, u) => seq.forEach((i) => (pairUser.push(u), pairItem.push(i))));
  const total = pairUser.length;
  if (total === 0) throw new Error("trainBpr: the split has no training interactions.");
  const order = Int32Array.from({ length: total }, (_, i) => i);
  const losses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = total - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    let lossSum = 0;
    for (let s = 0; s < total; s++) {
      const u = pairUser[order[s]];
      const i = pairItem[order[s]];
      let j = rng.int(nItems);
      for (let tries = 0; tries < 20 && seen[u].has(j); tries++) j = rng.int(nItems);
      const pu = u * d;
      const qi = i * d;
      const qj = j * d;
      let x = b[i] - b[j];
      for (let f = 0; f < d; f++) x += P[pu + f] * (Q[qi + f] - Q[qj + f]);
      // -ln sigmoid(x), computed without overflow; g = sigmoid(-x) is the gradient's weight.
      lossSum += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
      const g = 1 / (1 + Math.exp(x));
      for (let f = 0; f < d; f++) {
        const p = P[pu + f];
        const a = Q[qi + f];
        const c = Q[qj + f];
        P[pu + f] = p + lr * (g * (a - c) - reg * p);
        Q[qi + f] = a + lr * (g * p - reg * a);
        Q[qj + f] = c + lr * (-g * p - reg * c);
      }
      b[i] += lr * (g - reg * b[i]);
      b[j] += lr * (-g - reg * b[j]);
    }
    losses.push(lossSum / total);
    options.onProgress?.({ epoch, epochs, loss: lossSum / total });
    // Let a notebook's progress display and other work run between epochs.
    if (epoch < epochs) await new Promise((resolve) => setImmediate(resolve));
  }

  return {
    name: "bpr",
    factors: d,
    userFactors: P,
    itemFactors: Q,
    itemBias: b,
    losses,
    scoreBatch: (_histories, users) => {
      const pv = new Float64Array(d);
      return users.map((u) => {
        if (!Number.isInteger(u) || u < 0 || u >= nUsers) throw new Error(`bpr.scoreBatch: user index ${u} is not a user of the training split (0..${nUsers - 1}).`);
        const scores = new Float32Array(nItems);
        for (let f = 0; f < d; f++) pv[f] = P[u * d + f];
        // The user's vector in a local array and four products per step: fewer index computations per item.
        let qj = 0;
        for (let j = 0; j < nItems; j++, qj += d) {
          let s = b[j];
          let f = 0;
          for (; f + 3 < d; f += 4) s += pv[f] * Q[qj + f] + pv[f + 1] * Q[qj + f + 1] + pv[f + 2] * Q[qj + f + 2] + pv[f + 3] * Q[qj + f + 3];
          for (; f < d; f++) s += pv[f] * Q[qj + f];
          scores[j] = s;
        }
        return scores;
      });
    },
  };
}
