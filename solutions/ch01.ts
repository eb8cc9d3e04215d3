/** Chapter 1 reference solutions and hidden checks. */
import { defineSolution, type Solution } from "shoplm/instructor";

// #region solution 1.1
function wordPieceTokenize(word: string, vocab: string[]): string[] {
  const known = new Set(vocab);
  const pieces: string[] = [];
  let start = 0;
  while (start < word.length) {
    let end = word.length;
    let piece: string | null = null;
    while (end > start) {
      const candidate = (start > 0 ? "##" : "") + word.slice(start, end);
      if (known.has(candidate)) {
        piece = candidate;
        break;
      }
      end -= 1;
    }
    if (piece === null) return ["[UNK]"];
    pieces.push(piece);
    start = end;
  }
  return pieces;
}
// #endregion

// #region solution 1.2
function mlmMask(
  ids: number[],
  specialIds: number[],
  maskId: number,
  selectDraws: number[],
  actionDraws: number[],
  randomTokens: number[]
): { inputIds: number[]; labels: number[] } {
  const special = new Set(specialIds);
  const inputIds = [...ids];
  const labels = ids.map(() => -100);
  ids.forEach((id, i) => {
    if (special.has(id) || !(selectDraws[i] < 0.15)) return;
    labels[i] = id;
    if (actionDraws[i] < 0.8) inputIds[i] = maskId;
    else if (actionDraws[i] < 0.9) inputIds[i] = randomTokens[i];
  });
  return { inputIds, labels };
}
// #endregion

// #region solution 1.3
function maskedAttention(q: number[][], k: number[][], v: number[][], mask: number[]): { weights: number[][]; output: number[][] } {
  const d = q.length > 0 ? q[0].length : 0;
  const width = v.length > 0 ? v[0].length : 0;
  const weights = q.map((query) => {
    const scores = k.map((key) => key.reduce((sum, x, c) => sum + x * query[c], 0) / Math.sqrt(d));
    const real = scores.filter((_, j) => mask[j] !== 0);
    if (real.length === 0) return scores.map(() => 0);
    const max = Math.max(...real);
    const e = scores.map((s, j) => (mask[j] !== 0 ? Math.exp(s - max) : 0));
    const total = e.reduce((sum, x) => sum + x, 0);
    return e.map((x) => x / total);
  });
  const output = weights.map((row) => Array.from({ length: width }, (_, c) => row.reduce((sum, w, j) => sum + w * v[j][c], 0)));
  return { weights, output };
}
// #endregion

// #region solution 1.4
function learningRateAtStep(
  step: number,
  schedule: { peak: number; warmupSteps: number; totalSteps: number; decay: "linear" | "cosine"; minimum: number }
): number {
  const { peak, warmupSteps, totalSteps, decay, minimum } = schedule;
  if (step <= warmupSteps) return (peak * step) / warmupSteps;
  if (totalSteps === warmupSteps) return peak;
  const progress = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
  if (decay === "linear") return peak - (peak - minimum) * progress;
  return minimum + ((peak - minimum) * (1 + Math.cos(Math.PI * progress))) / 2;
}
// #endregion

/** A vocabulary like a trained one: every letter alone and continued, plus some merges from the shop's words. */
const letters = "abcdefghijklmnopqrstuvwxyz".split("");
const shopVocab = [
  ...letters,
  ...letters.map((c) => `##${c}`),
  "head", "##ph", "##ons", "##phones", "he", "##d", "wire", "##less", "wi", "##rel", "##es", "charg", "##ing", "##er", "pad",
  "##pad", "blue", "##tooth", "##to", "##oth", "ear", "##buds", "##bud", "##s", "stain", "##less", "steel", "##steel", "mug",
].filter((t, i, all) => all.indexOf(t) === i);

/** Draws from a fixed formula (no randomness needed): values in [0, 1). */
const draws = (n: number, a: number, b: number) => Array.from({ length: n }, (_, i) => ((i * a + b) % 997) / 997);

/** A batch row: [CLS] 30 word ids [SEP] then 16 padding. */
const row = [2, ...Array.from({ length: 30 }, (_, i) => 5 + ((i * 37) % 3995)), 3, ...new Array<number>(16).fill(0)];

/** Small matrices from a fixed formula, with values of both signs. */
const matrix = (rows: number, cols: number, seed: number) =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Math.sin(seed * 12.9898 + i * 78.233 + j * 37.719) * 2));

const schedule = (decay: "linear" | "cosine", minimum = 0) => ({ peak: 3e-4, warmupSteps: 100, totalSteps: 1100, decay, minimum });

export const chapter1: readonly Solution[] = [
  defineSolution<typeof wordPieceTokenize>({
    id: "1.1",
    reference: wordPieceTokenize,
    hidden: [
      { name: "a misspelling splits into more pieces", args: ["headphons", shopVocab] },
      { name: "the correct spelling", args: ["headphones", shopVocab] },
      { name: "a compound of known pieces", args: ["wirelesschargingpad", shopVocab] },
      { name: "letters only as a last resort", args: ["bluetoth", shopVocab] },
      { name: "a character outside the vocabulary makes the whole word unknown", args: ["mug2", shopVocab] },
      { name: "one character", args: ["a", ["a"]] },
      { name: "an empty vocabulary", args: ["x", []] },
      { name: "a CJK character", args: ["杯子", ["杯", "##子", "子"]] },
    ],
  }),
  defineSolution<typeof mlmMask>({
    id: "1.2",
    reference: mlmMask,
    hidden: [
      { name: "a padded row of 48 positions", args: [row, [0, 1, 2, 3, 4], 4, draws(48, 31, 7).map((u) => u * 0.3), draws(48, 57, 3), draws(48, 13, 5).map((u) => 5 + Math.floor(u * 3995))] },
      { name: "nothing drawn below 0.15", args: [row, [0, 1, 2, 3, 4], 4, row.map(() => 0.5), row.map(() => 0), row.map(() => 9)] },
      { name: "every real token chosen and masked", args: [row, [0, 1, 2, 3, 4], 4, row.map(() => 0), row.map(() => 0.1), row.map(() => 9)] },
      { name: "an empty sequence", args: [[], [0], 4, [], [], []] },
    ],
  }),
  defineSolution<typeof maskedAttention>({
    id: "1.3",
    reference: maskedAttention,
    hidden: [
      { name: "4 queries, 6 keys of size 8, two padded", args: [matrix(4, 8, 1), matrix(6, 8, 2), matrix(6, 3, 3), [1, 1, 1, 1, 0, 0]] },
      { name: "large scores need the max subtracted", args: [[[100, 100]], [[100, 0], [0, 100], [90, 90]], [[1, 0], [0, 1], [2, 2]], [1, 1, 1]] },
      { name: "padding in the middle", args: [matrix(3, 4, 4), matrix(5, 4, 5), matrix(5, 2, 6), [1, 0, 1, 0, 1]] },
      { name: "every key padded", args: [[[1, 2]], [[1, 0], [0, 1]], [[5, 5], [6, 6]], [0, 0]] },
      { name: "one key", args: [[[0.3, -0.2]], [[1, 1]], [[7, -7]], [1]] },
    ],
  }),
  defineSolution<typeof learningRateAtStep>({
    id: "1.4",
    reference: learningRateAtStep,
    hidden: [
      { name: "first step of the warm-up", args: [1, schedule("linear")] },
      { name: "linear with a minimum", args: [700, schedule("linear", 1e-5)] },
      { name: "cosine with a minimum", args: [400, schedule("cosine", 1e-5)] },
      { name: "cosine, three quarters", args: [850, schedule("cosine")] },
      { name: "past the last step", args: [5000, schedule("cosine", 2e-5)] },
      { name: "no warm-up", args: [1, { peak: 0.01, warmupSteps: 0, totalSteps: 10, decay: "linear", minimum: 0 }] },
      { name: "warm-up only", args: [12, { peak: 0.01, warmupSteps: 10, totalSteps: 10, decay: "cosine", minimum: 0 }] },
    ],
  }),
];
