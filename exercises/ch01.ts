/** Chapter 1: pretraining a shop-language model. */
import { defineExercise, type Exercise } from "shoplm/instructor";

export type WordPieceTokenize = (word: string, vocab: string[]) => string[];

export const wordPieceTokenize = defineExercise<WordPieceTokenize>({
  id: "1.1",
  title: "WordPiece: greedy longest match",
  points: 2,
  answerName: "wordPieceTokenize",
  libraryCounterparts: ["wordPieceSplit", "WordPieceTokenizer"],
  instructions: [
    "Write `wordPieceTokenize(word, vocab)`: the WordPiece tokens of one word (already normalised: lower case, no spaces)",
    "given the vocabulary `vocab`. Start at the first character and take the longest piece of the rest of the word that",
    "is in the vocabulary, written with `##` in front unless it starts the word; go on after it until the word is used up.",
    "If at some point no piece matches, not even a single character, the whole word is unknown: return `[\"[UNK]\"]`.",
    "The match is greedy: once a piece is taken it is never given back, even if a shorter one would have let the rest split.",
  ].join("\n"),
  stub: [
    "function wordPieceTokenize(word: string, vocab: string[]): string[] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Put the vocabulary in a Set; keep `start` at 0 and, for `end` from word.length down to start + 1, try word.slice(start, end), with \"##\" in front when start > 0.",
    "When no `end` gives a piece in the vocabulary, return [\"[UNK]\"] for the whole word, not just for that part; otherwise push the piece and set start = end.",
  ],
  checks: [
    { name: "unbreakable", args: ["unbreakable", ["un", "##break", "##able", "break", "able", "##a", "##b"]], expected: ["un", "##break", "##able"] },
    { name: "the longest piece wins", args: ["shoes", ["s", "sh", "shoe", "##s", "##oes", "##e"]], expected: ["shoe", "##s"] },
    { name: "a word in the vocabulary is one token", args: ["mouse", ["mouse", "mo", "##use"]], expected: ["mouse"] },
    { name: "a continuation needs its ##", args: ["keyboard", ["key", "board"]], expected: ["[UNK]"] },
    { name: "greedy: no backtracking", args: ["abc", ["ab", "a", "##bc"]], expected: ["[UNK]"] },
  ],
});

export interface MlmMasking {
  /** The ids the model reads. */
  inputIds: number[];
  /** The original id where the model must predict, -100 elsewhere. */
  labels: number[];
}

export type MlmMask = (
  ids: number[],
  specialIds: number[],
  maskId: number,
  selectDraws: number[],
  actionDraws: number[],
  randomTokens: number[]
) => MlmMasking;

export const mlmMask = defineExercise<MlmMask>({
  id: "1.2",
  title: "Masking for masked-language-model pretraining",
  points: 2,
  answerName: "mlmMask",
  instructions: [
    "BERT learns by filling in blanks. Write `mlmMask(ids, specialIds, maskId, selectDraws, actionDraws, randomTokens)`,",
    "where the three last arrays have one entry per position: uniform numbers in [0, 1) already drawn, and random token",
    "ids. A position whose id is in `specialIds` ([CLS], [SEP], [PAD], ...) is never chosen. Any other position `i` is",
    "chosen when `selectDraws[i] < 0.15`; then its label is the original id, and its input becomes `maskId` when",
    "`actionDraws[i] < 0.8`, else `randomTokens[i]` when `actionDraws[i] < 0.9`, else it stays the original id.",
    "Positions not chosen keep their id and get the label `-100` (the \"ignore\" value of PyTorch's cross-entropy).",
    "Return `{ inputIds, labels }`, two new arrays as long as `ids`; do not change the inputs.",
    "",
    "(Each token is chosen on its own here, as in Hugging Face's data collator; the library's `maskTokens` chooses",
    "exactly 15 % of each sequence, as BERT's original code did.)",
  ].join("\n"),
  stub: [
    "function mlmMask(",
    "  ids: number[],",
    "  specialIds: number[],",
    "  maskId: number,",
    "  selectDraws: number[],",
    "  actionDraws: number[],",
    "  randomTokens: number[]",
    "): { inputIds: number[]; labels: number[] } {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Copy ids into inputIds, fill labels with -100, then loop over the positions, skipping special ids first.",
    "The thresholds are strict: a draw of exactly 0.15 is not chosen, an action draw of exactly 0.8 takes the random token, exactly 0.9 keeps the original.",
  ],
  checks: [
    {
      name: "[CLS] four tokens [SEP]: one masked, one random, one kept",
      args: [[2, 10, 11, 12, 13, 3], [0, 1, 2, 3, 4], 4, [0.01, 0.02, 0.5, 0.1, 0.14, 0.05], [0.5, 0.3, 0.1, 0.85, 0.95, 0.1], [20, 21, 22, 23, 24, 25]],
      expected: { inputIds: [2, 4, 11, 23, 13, 3], labels: [-100, 10, -100, 12, 13, -100] },
    },
    {
      name: "padding and other special tokens are never chosen",
      args: [[2, 17, 3, 0, 0], [0, 1, 2, 3, 4], 4, [0, 0.9, 0, 0, 0], [0, 0, 0, 0, 0], [9, 9, 9, 9, 9]],
      expected: { inputIds: [2, 17, 3, 0, 0], labels: [-100, -100, -100, -100, -100] },
    },
    {
      name: "the thresholds are strict",
      args: [[30, 31, 32, 33], [0], 1, [0.15, 0.1499, 0.1, 0.1], [0, 0.8, 0.9, 0.7999], [5, 6, 7, 8]],
      expected: { inputIds: [30, 6, 32, 1], labels: [-100, 31, 32, 33] },
    },
    {
      name: "does not change its inputs",
      property: (answer) => {
        const ids = [2, 10, 11, 3];
        const draws = [0.1, 0.1, 0.1, 0.1];
        answer(ids, [2, 3], 4, draws, [0.5, 0.5, 0.5, 0.5], [7, 7, 7, 7]);
        return ids.join(",") === "2,10,11,3" && draws.every((d) => d === 0.1) ? undefined : `the inputs were changed: ids [${ids.join(", ")}]`;
      },
    },
  ],
});

export interface AttentionResult {
  /** weights[i][j]: how much query i attends to key j (each row sums to 1 over real keys). */
  weights: number[][];
  /** output[i] = sum over j of weights[i][j] * v[j]. */
  output: number[][];
}

export type MaskedAttention = (q: number[][], k: number[][], v: number[][], mask: number[]) => AttentionResult;

export const maskedAttention = defineExercise<MaskedAttention>({
  id: "1.3",
  title: "Scaled dot-product attention with a padding mask",
  points: 3,
  answerName: "maskedAttention",
  libraryCounterparts: ["scaledDotProductAttention", "multiHeadSelfAttention"],
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "`q` holds one query vector per row ($n$ rows of length $d$), `k` one key per row ($m$ rows of length $d$), `v` one",
    "value per row ($m$ rows), and `mask[j]` is 1 for a real token and 0 for padding. Write `maskedAttention(q, k, v, mask)`:",
    "the weights, a softmax of the scaled scores over the real keys only, and the output,",
    "",
    "$$s_{ij} = \\frac{q_i \\cdot k_j}{\\sqrt{d}}, \\qquad w_{ij} = \\frac{\\exp(s_{ij})}{\\sum_{j' : \\text{mask}_{j'} = 1} \\exp(s_{ij'})}, \\qquad \\text{output}_i = \\sum_j w_{ij} \\, v_j,$$",
    "",
    "with $w_{ij} = 0$ exactly on padding. Return `{ weights, output }` as arrays of arrays. Scores can be large, so",
    "subtract each row's largest real score before `Math.exp` (the result is the same). If a row has no real key at all,",
    "its weights and its output are all 0.",
  ].join("\n"),
  stub: [
    "function maskedAttention(q: number[][], k: number[][], v: number[][], mask: number[]): { weights: number[][]; output: number[][] } {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "For each query row: scores[j] = dot(q[i], k[j]) / Math.sqrt(d) for the real keys; max = the largest of them; e[j] = Math.exp(scores[j] - max), 0 for padding; weights = e / sum(e).",
    "The output row has v[0].length entries: output[i][c] = sum over j of weights[i][j] * v[j][c].",
  ],
  checks: [
    {
      name: "two tokens, no padding",
      args: [[[1, 0], [0, 1]], [[1, 0], [0, 1]], [[1, 2], [3, 4]], [1, 1]],
      expected: (() => {
        const a = 1 / (1 + Math.exp(-1 / Math.SQRT2)); // softmax([1/sqrt 2, 0])[0]
        return { weights: [[a, 1 - a], [1 - a, a]], output: [[a + 3 * (1 - a), 2 * a + 4 * (1 - a)], [(1 - a) + 3 * a, 2 * (1 - a) + 4 * a]] };
      })(),
    },
    {
      name: "a padded key gets weight 0",
      args: [[[1, 1]], [[1, 0], [0, 1], [5, 5]], [[1, 0], [0, 1], [100, 100]], [1, 1, 0]],
      expected: { weights: [[0.5, 0.5, 0]], output: [[0.5, 0.5]] },
    },
    {
      name: "equal scores average the values",
      args: [[[0, 0, 0, 0]], [[1, 2, 3, 4], [4, 3, 2, 1], [0, 1, 0, 1]], [[3], [6], [9]], [1, 1, 1]],
      expected: { weights: [[1 / 3, 1 / 3, 1 / 3]], output: [[6]] },
    },
  ],
});

export interface LearningRateSchedule {
  peak: number;
  warmupSteps: number;
  totalSteps: number;
  decay: "linear" | "cosine";
  minimum: number;
}

export type LearningRateAtStep = (step: number, schedule: LearningRateSchedule) => number;

export const learningRateAtStep = defineExercise<LearningRateAtStep>({
  id: "1.4",
  title: "Warm-up, then decay: the learning-rate schedule",
  points: 2,
  answerName: "learningRateAtStep",
  libraryCounterparts: ["learningRateAt", "scheduleCurve"],
  tolerance: { abs: 1e-12, rel: 1e-9 },
  instructions: [
    "Steps count from 1. Write `learningRateAtStep(step, schedule)` for `schedule = { peak, warmupSteps, totalSteps,",
    "decay, minimum }` (write $\\eta$ for `peak`, $\\eta_{\\min}$ for `minimum`, $W$ for `warmupSteps`, $T$ for `totalSteps`).",
    "During warm-up ($t \\le W$) the rate is $\\eta \\, t / W$; after it, with $\\text{progress} = \\min\\left(1, \\frac{t - W}{T - W}\\right)$,",
    "",
    "$$\\eta_t = \\eta - (\\eta - \\eta_{\\min}) \\cdot \\text{progress} \\quad \\text{(decay: \\texttt{\"linear\"})}, \\qquad \\eta_t = \\eta_{\\min} + (\\eta - \\eta_{\\min}) \\, \\frac{1 + \\cos(\\pi \\cdot \\text{progress})}{2} \\quad \\text{(decay: \\texttt{\"cosine\"})}.$$",
    "",
    "Steps past `totalSteps` keep the final rate, and when `totalSteps === warmupSteps` every step after the warm-up has",
    "the peak rate.",
  ].join("\n"),
  stub: [
    "function learningRateAtStep(",
    "  step: number,",
    '  schedule: { peak: number; warmupSteps: number; totalSteps: number; decay: "linear" | "cosine"; minimum: number }',
    "): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Handle the warm-up first and return; then compute progress, capped at 1, and apply the decay formula.",
    "Halfway through a cosine decay the rate is (peak + minimum) / 2, as for a linear one; a quarter of the way it is higher than linear.",
  ],
  checks: [
    { name: "halfway through the warm-up", args: [5, { peak: 0.001, warmupSteps: 10, totalSteps: 110, decay: "linear", minimum: 0 }], expected: 0.0005 },
    { name: "the end of the warm-up is the peak", args: [10, { peak: 0.001, warmupSteps: 10, totalSteps: 110, decay: "cosine", minimum: 0 }], expected: 0.001 },
    { name: "linear, halfway through the decay", args: [60, { peak: 0.001, warmupSteps: 10, totalSteps: 110, decay: "linear", minimum: 0 }], expected: 0.0005 },
    { name: "cosine, a quarter of the decay", args: [35, { peak: 0.001, warmupSteps: 10, totalSteps: 110, decay: "cosine", minimum: 0 }], expected: 0.001 * (1 + Math.SQRT1_2) / 2 },
    { name: "the last step reaches the minimum", args: [110, { peak: 0.002, warmupSteps: 10, totalSteps: 110, decay: "linear", minimum: 0.0001 }], expected: 0.0001 },
  ],
});

export const chapter1: readonly Exercise[] = [wordPieceTokenize, mlmMask, maskedAttention, learningRateAtStep];
