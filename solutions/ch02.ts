/** Chapter 2 reference solutions and hidden checks. */
import { Rng } from "shoplm";
import { defineSolution, type Solution } from "shoplm/instructor";

// #region solution 2.1
function weightedCrossEntropy(logits: number[][], labels: number[], weights: number[]): number {
  let sum = 0;
  let total = 0;
  logits.forEach((z, i) => {
    const y = labels[i];
    // log-sum-exp shifted by the row's largest logit: exp never overflows.
    const m = Math.max(...z);
    const loss = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[y];
    sum += weights[y] * loss;
    total += weights[y];
  });
  return sum / total;
}
// #endregion

// #region solution 2.2
function loraForward(x: number[], W: number[][], A: number[][], B: number[][], alpha: number): number[] {
  const times = (v: number[], M: number[][]) => M[0].map((_, j) => v.reduce((s, vi, i) => s + vi * M[i][j], 0));
  const scale = alpha / A[0].length;
  const update = times(times(x, A), B);
  return times(x, W).map((h, j) => h + scale * update[j]);
}
// #endregion

// #region solution 2.3
function mergeLora(W: number[][], A: number[][], B: number[][], alpha: number): number[][] {
  const r = A[0].length;
  const scale = alpha / r;
  return W.map((row, i) =>
    row.map((w, j) => {
      let ab = 0;
      for (let k = 0; k < r; k++) ab += A[i][k] * B[k][j];
      return w + scale * ab;
    })
  );
}
// #endregion

// #region solution 2.4
function bioToSpans(tags: string[]): { type: string; start: number; end: number }[] {
  const spans: { type: string; start: number; end: number }[] = [];
  let type = "";
  let start = -1; // -1: no span open
  tags.forEach((tag, i) => {
    const prefix = tag === "O" ? "O" : tag.slice(0, 2);
    const tagType = tag === "O" ? "" : tag.slice(2);
    const continues = start >= 0 && prefix === "I-" && tagType === type;
    if (start >= 0 && !continues) {
      spans.push({ type, start, end: i });
      start = -1;
    }
    if (prefix !== "O" && !continues) {
      type = tagType;
      start = i;
    }
  });
  if (start >= 0) spans.push({ type, start, end: tags.length });
  return spans;
}
// #endregion

// #region solution 2.5
function tripletImportance(
  steps: { lambda: number; lambdaGrad: number; p: number[]; pGrad: number[]; q: number[]; qGrad: number[] }[],
  beta1: number,
  beta2: number
): number {
  // One weight's smoothed sensitivity times its uncertainty after the last step.
  const score = (values: number[], grads: number[]) => {
    let iBar = 0;
    let uBar = 0;
    values.forEach((w, t) => {
      const sensitivity = Math.abs(w * grads[t]);
      iBar = beta1 * iBar + (1 - beta1) * sensitivity;
      uBar = beta2 * uBar + (1 - beta2) * Math.abs(sensitivity - iBar);
    });
    return iBar * uBar;
  };
  const mean = (n: number, entry: (j: number) => number) => Array.from({ length: n }, (_, j) => entry(j)).reduce((a, b) => a + b, 0) / n;
  const dIn = steps[0].p.length;
  const dOut = steps[0].q.length;
  return (
    score(steps.map((s) => s.lambda), steps.map((s) => s.lambdaGrad)) +
    mean(dIn, (j) => score(steps.map((s) => s.p[j]), steps.map((s) => s.pGrad[j]))) +
    mean(dOut, (k) => score(steps.map((s) => s.q[k]), steps.map((s) => s.qGrad[k])))
  );
}
// #endregion

/** A [rows, cols] matrix of normal draws (mean 0, sd `sd`), reproducible from `seed`. */
function matrix(rows: number, cols: number, seed: number, sd = 1): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal(0, sd)));
}

/** A batch for 2.1: logits, labels drawn from skewed class frequencies, and balanced weights n / (k count_c). */
function imbalancedBatch(rows: number, classes: number, seed: number): [number[][], number[], number[]] {
  const rng = new Rng(seed);
  const logits = matrix(rows, classes, seed + 1, 3);
  const frequency = Array.from({ length: classes }, (_, c) => 1 / (c + 1));
  const labels = Array.from({ length: rows }, () => rng.weightedIndex(frequency));
  const counts = Array.from({ length: classes }, (_, c) => labels.filter((y) => y === c).length);
  const present = counts.filter((n) => n > 0).length;
  return [logits, labels, counts.map((n) => (n > 0 ? rows / (present * n) : 0))];
}

/** Predicted tags of a tagger early in training: mostly right, with stray I- tags and type slips. */
function noisyTags(length: number, seed: number): string[] {
  const rng = new Rng(seed);
  const types = ["brand", "colour", "size", "material", "capacity", "compatibleWith"];
  return Array.from({ length }, () => {
    const u = rng.next();
    if (u < 0.45) return "O";
    return `${u < 0.7 ? "B" : "I"}-${types[rng.int(rng.next() < 0.7 ? 2 : types.length)]}`;
  });
}

/** `count` training steps of one triplet (a 16 -> 8 projection by default): weights drifting, gradients noisy. */
function tripletSteps(count: number, seed: number, dIn = 16, dOut = 8) {
  const rng = new Rng(seed);
  const p = Array.from({ length: dIn }, () => rng.normal(0, 1));
  const q = Array.from({ length: dOut }, () => rng.normal(0, 1));
  let lambda = rng.normal(0, 1);
  return Array.from({ length: count }, () => {
    const step = {
      lambda,
      lambdaGrad: rng.normal(0, 0.5),
      p: [...p],
      pGrad: p.map(() => rng.normal(0, 0.5)),
      q: [...q],
      qGrad: q.map(() => rng.normal(0, 0.5)),
    };
    lambda -= 0.1 * step.lambdaGrad;
    p.forEach((_, j) => (p[j] -= 0.1 * step.pGrad[j]));
    q.forEach((_, k) => (q[k] -= 0.1 * step.qGrad[k]));
    return step;
  });
}

export const chapter2: readonly Solution[] = [
  defineSolution<typeof weightedCrossEntropy>({
    id: "2.1",
    reference: weightedCrossEntropy,
    hidden: [
      { name: "32 queries, 6 kinds, balanced class weights", args: imbalancedBatch(32, 6, 21) },
      {
        name: "a class weighted 0 does not count",
        args: [[[1, 2, 0], [0.5, -1, 2], [3, 0, 0], [0, 0, 0]], [0, 2, 1, 2], [1, 2, 0]],
      },
      {
        name: "logits near 1000 and -1000 in one batch",
        args: [[[1000, 999, -1000], [-1000, -999.5, -1002], [700, -700, 0], [0, 1000, 1000]], [1, 0, 2, 2], [1, 0.5, 2]],
      },
      { name: "one query, 47 categories", args: [matrix(1, 47, 5, 2), [30], Array.from({ length: 47 }, (_, c) => 1 + (c % 3))] },
    ],
  }),
  defineSolution<typeof loraForward>({
    id: "2.2",
    reference: loraForward,
    hidden: [
      { name: "a 16 -> 8 projection, rank 4, alpha 8", args: [matrix(1, 16, 31)[0], matrix(16, 8, 32), matrix(16, 4, 33, 0.25), matrix(4, 8, 34, 0.1), 8] },
      { name: "rank 8 on an 8 -> 8 projection, alpha 16", args: [matrix(1, 8, 41)[0], matrix(8, 8, 42), matrix(8, 8, 43, 0.3), matrix(8, 8, 44, 0.2), 16] },
      { name: "alpha 1 at rank 4 (scale 0.25)", args: [matrix(1, 6, 51)[0], matrix(6, 10, 52), matrix(6, 4, 53), matrix(4, 10, 54), 1] },
      { name: "a zero input gives zero", args: [[0, 0, 0, 0], matrix(4, 3, 61), matrix(4, 2, 62), matrix(2, 3, 63), 4] },
    ],
  }),
  defineSolution<typeof mergeLora>({
    id: "2.3",
    reference: mergeLora,
    hidden: [
      { name: "a 16 x 8 kernel, rank 4, alpha 16", args: [matrix(16, 8, 71), matrix(16, 4, 72, 0.25), matrix(4, 8, 73, 0.1), 16] },
      { name: "rank 1, alpha 0.5", args: [matrix(5, 7, 81), matrix(5, 1, 82), matrix(1, 7, 83), 0.5] },
      { name: "B = 0 leaves W as it was", args: [matrix(3, 4, 91), matrix(3, 2, 92), [[0, 0, 0, 0], [0, 0, 0, 0]], 2] },
    ],
  }),
  defineSolution<typeof bioToSpans>({
    id: "2.4",
    reference: bioToSpans,
    hidden: [
      {
        name: "a product title",
        // "Orbis 65W USB-C charger for Pixel 8 in matte black aluminium"
        args: [["B-brand", "B-capacity", "O", "O", "O", "B-compatibleWith", "I-compatibleWith", "O", "B-colour", "I-colour", "B-material"]],
      },
      { name: "no tags at all", args: [[]] },
      { name: "only O", args: [["O", "O", "O"]] },
      { name: "an I- at the first word", args: [["I-brand", "I-brand", "O", "I-colour"]] },
      { name: "40 tags of an early tagger", args: [noisyTags(40, 7)] },
    ],
  }),
  defineSolution<typeof tripletImportance>({
    id: "2.5",
    reference: tripletImportance,
    hidden: [
      { name: "10 steps of a 16 -> 8 projection, the paper's 0.85", args: [tripletSteps(10, 5), 0.85, 0.85] },
      { name: "beta1 0.9 and beta2 0.6", args: [tripletSteps(6, 9, 4, 12), 0.9, 0.6] },
      { name: "one step of a 32 -> 32 projection", args: [tripletSteps(1, 13, 32, 32), 0.85, 0.85] },
    ],
  }),
];
