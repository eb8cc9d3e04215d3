/** Chapter 2: fine-tuning (a classifier's loss, LoRA, token tags). */
import { defineExercise, type Exercise } from "shoplm/instructor";

export type WeightedCrossEntropy = (logits: number[][], labels: number[], weights: number[]) => number;

export const weightedCrossEntropy = defineExercise<WeightedCrossEntropy>({
  id: "2.1",
  title: "Class-weighted cross-entropy",
  points: 2,
  answerName: "weightedCrossEntropy",
  libraryCounterparts: ["classificationLoss"],
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "A classifier head gives each row $i$ of a batch a score (logit) $z_{i,c}$ per class $c$; `labels[i]` ($y_i$) is the",
    "row's true class and `weights[c]` ($w_c$) the weight of class $c$ (larger for rare classes). Write",
    "`weightedCrossEntropy(logits, labels, weights)`: the weighted mean of the rows' cross-entropies,",
    "",
    "$$\\mathcal{L} = \\frac{\\sum_i w_{y_i} \\, \\ell_i}{\\sum_i w_{y_i}}, \\qquad \\ell_i = -\\log \\operatorname{softmax}(z_i)_{y_i} = \\log \\sum_c e^{z_{i,c}} - z_{i,y_i},$$",
    "",
    "(the convention of PyTorch's `CrossEntropyLoss(weight=...)` and of the library's `classificationLoss`): the sum is",
    "divided by the weights of the rows' labels, not by the number of rows. Logits can be large (1000 is not rare after",
    "a few bad steps), and `Math.exp(1000)` is `Infinity`: compute $\\log \\sum_c e^{z_c}$ as",
    "$m + \\log \\sum_c e^{z_c - m}$ with $m = \\max_c z_c$, which is the same number and never overflows.",
  ].join("\n"),
  stub: [
    "function weightedCrossEntropy(logits: number[][], labels: number[], weights: number[]): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "For one row z with label y: const m = Math.max(...z); const loss = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[y].",
    "Sum weights[labels[i]] * loss_i over the rows, and divide by the sum of weights[labels[i]] (not by logits.length).",
  ],
  checks: [
    // Expected values: PyTorch's CrossEntropyLoss(weight=...) in float64 (Debian python3-torch).
    { name: "two equal logits: log 2", args: [[[0, 0]], [0], [1, 1]], expected: Math.log(2) },
    {
      name: "unit weights: the plain mean",
      args: [[[2, 0, -1], [0.5, 1.5, 0], [0, 0, 3]], [0, 1, 2], [1, 1, 1]],
      expected: 0.24304592002839717,
    },
    {
      name: "class weights 1 and 3: divided by the weights' sum",
      args: [[[2, 0], [0, 1], [1, 0]], [0, 1, 1], [1, 3]],
      expected: 0.7152140194503299,
      hint: "The weighted sum is divided by the sum of the rows' weights (1 + 3 + 3 = 7 here), not by the number of rows.",
    },
    {
      name: "large logits (a naive Math.exp overflows)",
      args: [[[1000, 998], [-1000, 1000]], [1, 0], [1, 1]],
      // Row losses 2 + log(1 + e^-2) and 2000.
      expected: 1001.0634640055215,
      hint: "Math.exp(1000) is Infinity: subtract the row's largest logit before exponentiating, and add it back after the log.",
    },
  ],
});

export type LoraForward = (x: number[], W: number[][], A: number[][], B: number[][], alpha: number) => number[];

export const loraForward = defineExercise<LoraForward>({
  id: "2.2",
  title: "The LoRA forward pass",
  points: 2,
  answerName: "loraForward",
  libraryCounterparts: ["lora", "Lora"],
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "LoRA keeps a pretrained projection $W$ frozen and learns a low-rank update beside it. With the input $x$ as a row",
    "vector of length $d_{in}$, $W$ of shape $[d_{in}, d_{out}]$ (`W[i][j]`: input $i$ to output $j$, the library's layout),",
    "$A$ of shape $[d_{in}, r]$ and $B$ of shape $[r, d_{out}]$, the layer computes",
    "",
    "$$h = x W + \\frac{\\alpha}{r} \\, (x A) B,$$",
    "",
    "where the rank $r$ is the number of columns of $A$ and $\\alpha$ (`alpha`) sets the update's scale. Write",
    "`loraForward(x, W, A, B, alpha)` returning $h$ (length $d_{out}$). $B$ starts at zero in training, so the",
    "adapted layer starts exactly as the pretrained one; multiply $x A$ (length $r$) first: that is what makes LoRA cheap.",
  ].join("\n"),
  stub: [
    "function loraForward(x: number[], W: number[][], A: number[][], B: number[][], alpha: number): number[] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "A helper rowTimes(v, M) = M[0].map((_, j) => v.reduce((s, vi, i) => s + vi * M[i][j], 0)) multiplies a row vector by a matrix.",
    "r = A[0].length; the result is rowTimes(x, W)[j] + (alpha / r) * rowTimes(rowTimes(x, A), B)[j].",
  ],
  checks: [
    { name: "B = 0: the pretrained layer", args: [[1, 2], [[1, 0], [0, 1]], [[1], [1]], [[0, 0]], 1], expected: [1, 2] },
    {
      name: "rank 1, alpha = r",
      args: [[1, -1, 2], [[1, 0], [0, 1], [1, 1]], [[1], [0], [1]], [[1, -1]], 1],
      // xW = [3, 1]; xA = [3]; (xA)B = [3, -3].
      expected: [6, -2],
    },
    {
      name: "rank 2, alpha 4: the update is scaled by alpha / r = 2",
      args: [[1, 2], [[1, 0], [0, 1]], [[1, 0], [0, 1]], [[1, 0], [0, 1]], 4],
      expected: [3, 6],
      hint: "The scale is alpha / r (r = A[0].length), not alpha.",
    },
    {
      name: "3 inputs, 2 outputs: x W, not W x",
      args: [[1, 2, 3], [[1, 2], [3, 4], [5, 6]], [[1], [1], [1]], [[0.5, -0.5]], 2],
      // xW = [22, 28]; xA = [6]; 2 * [3, -3] = [6, -6].
      expected: [28, 22],
      hint: "W[i][j] links input i to output j: h[j] = sum over i of x[i] * W[i][j] (the result has W[0].length entries).",
    },
  ],
});

export type MergeLora = (W: number[][], A: number[][], B: number[][], alpha: number) => number[][];

export const mergeLora = defineExercise<MergeLora>({
  id: "2.3",
  title: "Merging LoRA into the weights",
  points: 2,
  answerName: "mergeLora",
  libraryCounterparts: ["lora", "Lora"],
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "After training, LoRA's update can be folded into the frozen weights, so that serving costs nothing extra:",
    "",
    "$$W' = W + \\frac{\\alpha}{r} \\, A B, \\qquad\\text{then}\\quad x W' = x W + \\frac{\\alpha}{r} \\, (x A) B \\text{ for every } x.$$",
    "",
    "With the shapes of exercise 2.2 ($W$: $[d_{in}, d_{out}]$, $A$: $[d_{in}, r]$, $B$: $[r, d_{out}]$, $r$ the number of",
    "columns of $A$), write `mergeLora(W, A, B, alpha)` returning $W'$ as a new $[d_{in}, d_{out}]$ array. Do not change",
    "`W`: the library's `merge()` can be undone (`unmerge()`) only because the update is kept apart.",
  ].join("\n"),
  stub: [
    "function mergeLora(W: number[][], A: number[][], B: number[][], alpha: number): number[][] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "(A B)[i][j] = sum over k < r of A[i][k] * B[k][j]; build the result with W.map((row, i) => row.map((w, j) => ...)).",
    "The scale is alpha / A[0].length; map over W to make new rows instead of adding into W's own rows.",
  ],
  checks: [
    {
      name: "rank 1, alpha = r",
      args: [[[1, 0], [0, 1]], [[1], [2]], [[3, -1]], 1],
      expected: [[4, -1], [6, -1]],
    },
    {
      name: "rank 2, alpha 1: scaled by 1 / 2",
      args: [[[0, 0, 0], [1, 1, 1]], [[1, 0], [0, 2]], [[2, 4, 6], [1, 0, -1]], 1],
      // A B = [[2, 4, 6], [2, 0, -2]].
      expected: [[1, 2, 3], [2, 1, 0]],
      hint: "The scale is alpha / r with r = A[0].length (here 1 / 2), not alpha.",
    },
    {
      name: "3 inputs, 2 outputs: A B has W's shape",
      args: [[[1, 2], [3, 4], [5, 6]], [[1], [0], [-1]], [[2, 3]], 2],
      expected: [[5, 8], [3, 4], [1, 0]],
    },
    {
      name: "x W' equals the LoRA forward pass for every x",
      property: (answer) => {
        const W = [[0.5, -1, 2], [1.5, 0, -0.5], [-2, 1, 1], [0, 0.25, 3]];
        const A = [[1, 0.5], [-1, 2], [0.5, 0], [2, -1]];
        const B = [[0.5, 1, -1], [2, -0.5, 0.25]];
        const alpha = 6;
        const merged = answer(W, A, B, alpha);
        const times = (v: number[], M: number[][]) => M[0].map((_, j) => v.reduce((s, vi, i) => s + vi * M[i][j], 0));
        for (const x of [[1, 0, 0, 0], [0.5, -2, 1, 3], [-1, 1, -1, 1]]) {
          const lora = times(x, W).map((h, j) => h + (alpha / 2) * times(times(x, A), B)[j]);
          const got = Array.isArray(merged) && merged.length === W.length ? times(x, merged) : [];
          if (got.length !== lora.length || got.some((g, j) => !(Math.abs(g - lora[j]) <= 1e-9))) {
            return `for x = [${x}], x W' = [${got}] but x W + (alpha / r) (x A) B = [${lora}]`;
          }
        }
      },
    },
    {
      name: "W is not changed",
      property: (answer) => {
        const W = [[1, 2], [3, 4]];
        answer(W, [[1], [1]], [[1, 1]], 1);
        return W[0][0] === 1 && W[0][1] === 2 && W[1][0] === 3 && W[1][1] === 4 ? undefined : `W became ${JSON.stringify(W)}; return a new array instead`;
      },
    },
  ],
});

export interface TagSpan {
  type: string;
  start: number;
  end: number;
}

export type BioToSpans = (tags: string[]) => TagSpan[];

export const bioToSpans = defineExercise<BioToSpans>({
  id: "2.4",
  title: "BIO tags to spans",
  points: 3,
  answerName: "bioToSpans",
  libraryCounterparts: ["bioSpans"],
  instructions: [
    "Attribute extraction tags each word of a query or title: `B-<type>` begins a span of that type (brand, colour,",
    "size, ...), `I-<type>` is inside one, `O` is outside every span. Write `bioToSpans(tags)`: the spans, in order,",
    "as `{ type, start, end }` with `end` exclusive (the span is words `start` to `end - 1`, like `slice`).",
    "",
    "Read the tags as seqeval does by default (and the library's `bioSpans`, which span-level F1 is computed from):",
    "- a span starts at every `B-` tag, and also at an `I-` tag that does not continue a span: after `O`, at the first",
    "  word, or after a tag of another type (`O I-size I-size` is one size span of 2 words; `B-brand I-size` is a brand",
    "  span and a size span);",
    "- a span goes on over the `I-` tags of its own type, and ends before `O`, before any `B-`, before a tag of",
    "  another type, or at the end of the list.",
    "",
    "So `[\"B-brand\", \"I-brand\", \"O\", \"B-colour\"]` gives `[{ type: \"brand\", start: 0, end: 2 }, { type: \"colour\", start: 3, end: 4 }]`.",
  ].join("\n"),
  stub: [
    "function bioToSpans(tags: string[]): { type: string; start: number; end: number }[] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Keep the open span's type and start (start = -1 when none is open). At each tag: close the open span unless the tag is I- of the same type; then open a new one unless the tag is O or it continued.",
    "After the loop, close a span that is still open (its end is tags.length). tag.slice(2) is the type of \"B-x\" and \"I-x\".",
  ],
  checks: [
    {
      name: "B- and I- make one span",
      args: [["B-brand", "I-brand", "O", "B-colour"]],
      expected: [{ type: "brand", start: 0, end: 2 }, { type: "colour", start: 3, end: 4 }],
    },
    {
      name: "a span that reaches the last word",
      args: [["O", "O", "B-capacity", "I-capacity"]],
      expected: [{ type: "capacity", start: 2, end: 4 }],
      hint: "A span still open after the last tag ends at tags.length.",
    },
    {
      name: "an I- after O starts a span",
      args: [["O", "I-size", "I-size", "O"]],
      expected: [{ type: "size", start: 1, end: 3 }],
      hint: "seqeval reads an I- tag that continues nothing as the start of a span (it is not dropped).",
    },
    {
      name: "two B- of one type in a row are two spans",
      args: [["B-colour", "B-colour", "I-colour"]],
      expected: [{ type: "colour", start: 0, end: 1 }, { type: "colour", start: 1, end: 3 }],
    },
    {
      name: "an I- of another type starts a new span",
      args: [["B-brand", "I-material", "I-material", "O", "B-size"]],
      expected: [{ type: "brand", start: 0, end: 1 }, { type: "material", start: 1, end: 3 }, { type: "size", start: 4, end: 5 }],
      hint: "An I- tag continues the open span only when its type is the same.",
    },
  ],
});

/** One training step as AdaLoRA sees one triplet (lambda_i, column i of P, row i of Q): weights and their gradients. */
export interface TripletStep {
  lambda: number;
  lambdaGrad: number;
  p: number[];
  pGrad: number[];
  q: number[];
  qGrad: number[];
}

export type TripletImportance = (steps: TripletStep[], beta1: number, beta2: number) => number;

export const tripletImportance = defineExercise<TripletImportance>({
  id: "2.5",
  title: "AdaLoRA's importance of a singular value",
  points: 3,
  answerName: "tripletImportance",
  libraryCounterparts: ["adalora", "AdaLora"],
  tolerance: { abs: 1e-12, rel: 1e-9 },
  instructions: [
    "AdaLoRA writes each update as $P \\, \\mathrm{diag}(\\lambda) \\, Q$ and, during training, drops the singular values that",
    "matter least. Triplet $i$ is $\\lambda_i$ with column $i$ of $P$ ($d_{in}$ entries) and row $i$ of $Q$ ($d_{out}$ entries).",
    "Every weight $w$ of the triplet is scored from its value and gradient $g^{(t)}$ at each step $t = 1, \\dots, T$:",
    "",
    "$$I^{(t)} = \\left| w^{(t)} g^{(t)} \\right|, \\quad \\bar I^{(t)} = \\beta_1 \\bar I^{(t-1)} + (1 - \\beta_1) I^{(t)}, \\quad \\bar U^{(t)} = \\beta_2 \\bar U^{(t-1)} + (1 - \\beta_2) \\left| I^{(t)} - \\bar I^{(t)} \\right|,$$",
    "",
    "starting from $\\bar I^{(0)} = \\bar U^{(0)} = 0$ (the uncertainty $\\bar U$ uses the $\\bar I^{(t)}$ just updated), and",
    "$s(w) = \\bar I^{(T)} \\, \\bar U^{(T)}$: a weight counts when it is sensitive and that sensitivity is still moving. The",
    "triplet's importance is",
    "",
    "$$S_i = s(\\lambda_i) + \\frac{1}{d_{in}} \\sum_{j} s(P_{j i}) + \\frac{1}{d_{out}} \\sum_{k} s(Q_{i k}).$$",
    "",
    "Write `tripletImportance(steps, beta1, beta2)`: `steps[t]` holds the triplet's weights and gradients at step $t + 1$",
    "(`lambda`, `lambdaGrad`, `p`, `pGrad`, `q`, `qGrad`). The library's `AdaLora` computes this for every triplet",
    "after each step, then keeps the highest scores within its rank budget.",
  ].join("\n"),
  stub: [
    "function tripletImportance(",
    "  steps: { lambda: number; lambdaGrad: number; p: number[]; pGrad: number[]; q: number[]; qGrad: number[] }[],",
    "  beta1: number,",
    "  beta2: number",
    "): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Write score(values, grads) for one weight over the steps: loop t, const I = Math.abs(values[t] * grads[t]); update iBar first, then uBar with Math.abs(I - iBar); return iBar * uBar.",
    "s(lambda) once, then the MEAN of score over the d_in entries of p and over the d_out entries of q (e.g. steps.map((s) => s.p[j]) for entry j).",
  ],
  checks: [
    {
      name: "one step, one weight each",
      args: [[{ lambda: 2, lambdaGrad: 0.5, p: [1], pGrad: [1], q: [1], qGrad: [-2] }], 0.5, 0.5],
      // lambda and P: I = 1, iBar = 0.5, uBar = 0.25, s = 0.125; Q: I = 2, iBar = 1, uBar = 0.5, s = 0.5.
      expected: 0.75,
      hint: "The sensitivity is |w * g| (a negative gradient counts as much as a positive one), and uBar uses the iBar of the same step.",
    },
    {
      name: "two steps, the mean over P's column and Q's row",
      args: [
        [
          { lambda: 0.5, lambdaGrad: 2, p: [1, -0.5], pGrad: [0.5, 1], q: [2, 0, -1], qGrad: [0.25, 3, 1] },
          { lambda: 0.75, lambdaGrad: -1, p: [1.5, -0.5], pGrad: [0.25, 2], q: [2, 0.5, -1], qGrad: [-0.5, 1, 1] },
        ],
        0.85,
        0.85,
      ],
      // From an independent Python implementation of the paper's equations 8 to 11.
      expected: 0.10221914062500001,
      hint: "P's and Q's parts are means: divide their sums by d_in (p.length) and d_out (q.length).",
    },
    {
      name: "a zero gradient: the averages decay",
      args: [
        [
          { lambda: 1, lambdaGrad: 1, p: [1], pGrad: [1], q: [1], qGrad: [1] },
          { lambda: 1, lambdaGrad: 0, p: [1], pGrad: [0], q: [1], qGrad: [0] },
        ],
        0.5,
        0.5,
      ],
      // Each weight: iBar 0.5 then 0.25; uBar 0.25 then 0.5 * 0.25 + 0.5 * |0 - 0.25| = 0.25; s = 0.0625, three times.
      expected: 0.1875,
    },
  ],
});

export const chapter2: readonly Exercise[] = [weightedCrossEntropy, loraForward, mergeLora, bioToSpans, tripletImportance];
