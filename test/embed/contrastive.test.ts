/**
 * InfoNCE with in-batch negatives (lib/src/embed/contrastive.ts): a case worked by hand, the
 * tensor and plain-number versions agreeing, and loss and gradients (queries, positives, hard
 * negatives, temperature) against an independent reference (scripts/golden/infonce_reference.py):
 * PyTorch's cross_entropy with autograd where Debian python3-torch is installed, and the gradient
 * written out by hand in numpy everywhere.
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { infoNce, infoNceLoss, initBackend, Rng } from "shoplm";

const PYTHON = "/usr/bin/python3";
const REFERENCE = path.resolve(__dirname, "../../scripts/golden/infonce_reference.py");
const hasNumpy = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import numpy"]).status === 0;
const hasTorch = hasNumpy && spawnSync(PYTHON, ["-c", "import torch"]).status === 0;
if (!hasNumpy) console.warn("test/embed/contrastive.test.ts: the Python reference checks are skipped: no /usr/bin/python3 with numpy.");
if (!hasTorch) console.warn("test/embed/contrastive.test.ts: the PyTorch comparison is skipped (Debian python3-torch not installed); the numpy reference still runs.");

interface Case {
  q: number[][];
  p: number[][];
  hn: number[][] | null;
  temperature: number;
  symmetric: boolean;
  exclude: number[][] | null;
}
interface Reference {
  loss: number;
  grad_q: number[][];
  grad_p: number[][];
  grad_hn: number[][] | null;
  grad_temperature: number;
}

function python(engine: "torch" | "numpy", cases: readonly Case[]): Reference[] {
  const r = spawnSync(PYTHON, [REFERENCE], { input: JSON.stringify({ engine, cases }), encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`infonce_reference.py failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { results: Reference[] }).results;
}

const unit = (v: number[]): number[] => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

function randomCases(seed: number): Case[] {
  const rng = new Rng(seed);
  const rows = (n: number, d: number): number[][] => Array.from({ length: n }, () => unit(Array.from({ length: d }, () => rng.normal())));
  const cases: Case[] = [];
  for (const [b, d, h, symmetric, withExclude, temperature] of [
    [4, 8, 0, false, false, 0.1],
    [6, 16, 3, false, false, 0.05],
    [5, 8, 5, true, false, 0.2],
    [6, 12, 2, true, true, 0.07],
    [8, 32, 8, false, true, 1],
  ] as const) {
    const exclude = withExclude
      ? Array.from({ length: b }, (_, i) => Array.from({ length: b + h }, (_, j) => (j !== i && rng.next() < 0.2 ? 1 : 0)))
      : null;
    cases.push({ q: rows(b, d), p: rows(b, d), hn: h ? rows(h, d) : null, temperature, symmetric, exclude });
  }
  return cases;
}

/** Loss and gradients from the library (tf.grads over queries, positives, hard negatives and the temperature). */
function ours(c: Case): Reference {
  const q = tf.tensor2d(c.q);
  const p = tf.tensor2d(c.p);
  const hn = c.hn ? tf.tensor2d(c.hn) : null;
  const t = tf.scalar(c.temperature);
  const exclude = c.exclude ? Uint8Array.from(c.exclude.flat()) : undefined;
  const inputs = hn ? [q, p, hn, t] : [q, p, t];
  const f = (...xs: tf.Tensor[]): tf.Scalar =>
    infoNceLoss(xs[0] as tf.Tensor2D, xs[1] as tf.Tensor2D, { temperature: xs[xs.length - 1] as tf.Scalar, hardNegatives: hn ? (xs[2] as tf.Tensor2D) : undefined, symmetric: c.symmetric, exclude });
  const { value, grads } = tf.valueAndGrads(f)(inputs);
  const out: Reference = {
    loss: value.dataSync()[0],
    grad_q: grads[0].arraySync() as number[][],
    grad_p: grads[1].arraySync() as number[][],
    grad_hn: hn ? (grads[2].arraySync() as number[][]) : null,
    grad_temperature: grads[grads.length - 1].dataSync()[0],
  };
  tf.dispose([value, ...grads, ...inputs]);
  return out;
}

function maxDiff(a: Reference, b: Reference): number {
  let worst = Math.abs(a.loss - b.loss);
  const pairs: [number[][] | null, number[][] | null][] = [[a.grad_q, b.grad_q], [a.grad_p, b.grad_p], [a.grad_hn, b.grad_hn]];
  for (const [x, y] of pairs) {
    expect(x === null).toBe(y === null);
    if (x && y) x.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - y[i][j])))));
  }
  // The temperature's gradient sums over the whole matrix: compare it relative to its size.
  return Math.max(worst, Math.abs(a.grad_temperature - b.grad_temperature) / Math.max(1, Math.abs(b.grad_temperature)));
}

describe("InfoNCE", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("by hand: two queries, two products, in-batch negatives only", () => {
    // q1 = p1 = e1, q2 = p2 = e2, tau = 0.5: every row's scores are [2, 0] up to order.
    const expected = -Math.log(Math.exp(2) / (Math.exp(2) + 1));
    const e = [
      [1, 0],
      [0, 1],
    ];
    expect(infoNce(e, e, 0.5)).toBeCloseTo(expected, 12);
    const t = tf.tensor2d(e);
    const loss = infoNceLoss(t, t, { temperature: 0.5 });
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 6);
    tf.dispose([t, loss]);
    // A hard negative equal to the positive doubles the competition: log(e^2 / (2 e^2 + 1)).
    expect(infoNce([[1, 0]], [[1, 0]], 0.5, { hardNegatives: [[1, 0]] })).toBeCloseTo(-Math.log(Math.exp(2) / (2 * Math.exp(2))), 12);
  });

  it("the tensor and the plain-number versions agree (hard negatives, symmetric, excluded columns)", () => {
    for (const c of randomCases(7)) {
      const exclude = c.exclude?.map((r) => r.map((x) => x === 1));
      const plain = infoNce(c.q, c.p, c.temperature, { hardNegatives: c.hn ?? undefined, symmetric: c.symmetric, exclude });
      expect(Math.abs(ours(c).loss - plain)).toBeLessThan(1e-5);
    }
  });

  it("leaving a column out is the same as removing that product from the row's competition", () => {
    const c = randomCases(3)[1];
    const hn = c.hn ?? [];
    const b = c.q.length;
    const exclude = c.q.map((_, i) => c.p.map((_, j) => i === 0 && j === 1).concat(hn.map(() => false)));
    const masked = infoNce(c.q, c.p, c.temperature, { hardNegatives: hn, exclude });
    const full = infoNce(c.q, c.p, c.temperature, { hardNegatives: hn });
    // Row 0 alone, every other product a negative column; then without product 1.
    const row0 = infoNce([c.q[0]], [c.p[0]], c.temperature, { hardNegatives: [...c.p.slice(1), ...hn] });
    const row0Without1 = infoNce([c.q[0]], [c.p[0]], c.temperature, { hardNegatives: [...c.p.slice(2), ...hn] });
    expect(masked).toBeCloseTo(full + (row0Without1 - row0) / b, 12);
  });

  it.skipIf(!hasNumpy)("loss and gradients equal the numpy reference (hand-written gradient) to 1e-5", () => {
    const cases = randomCases(11);
    python("numpy", cases).forEach((ref, i) => expect(maxDiff(ours(cases[i]), ref)).toBeLessThan(1e-5));
  });

  it.skipIf(!hasTorch)("loss and gradients equal PyTorch's cross_entropy with autograd to 1e-5", () => {
    const cases = randomCases(12);
    python("torch", cases).forEach((ref, i) => expect(maxDiff(ours(cases[i]), ref)).toBeLessThan(1e-5));
  });

  it("bad input is an error naming what was expected and what was found", () => {
    const a = tf.tensor2d([[1, 0]]);
    const b = tf.tensor2d([[1, 0, 0]]);
    expect(() => infoNceLoss(a, b, { temperature: 0.1 })).toThrow(/positives \[1,3\] must match queries \[1,2\]/);
    expect(() => infoNceLoss(a, a, { temperature: 0 })).toThrow(/temperature must be a finite number > 0, got 0/);
    expect(() => infoNceLoss(a, a, { temperature: 0.1, hardNegatives: b })).toThrow(/hardNegatives must be \[H, 2\], got \[1,3\]/);
    expect(() => infoNceLoss(a, a, { temperature: 0.1, exclude: Uint8Array.of(1) })).toThrow(/leaves out row 0's own positive/);
    expect(() => infoNceLoss(a, a, { temperature: 0.1, exclude: Uint8Array.of(0, 0) })).toThrow(/exclude has 2 entries, expected 1 x 1/);
    expect(() => infoNce([[1, 0]], [[1, 0], [0, 1]], 0.1)).toThrow(/1 queries but 2 positives/);
    expect(() => infoNce([[1, 0]], [[1, 0, 0]], 0.1)).toThrow(/positives\[0\] has 3 dimensions, queries\[0\] has 2/);
    expect(() => infoNce([], [], 0.1)).toThrow(/no queries/);
    tf.dispose([a, b]);
  });

  it("leaves no tensor behind", () => {
    const c = randomCases(5)[3];
    const before = tf.memory().numTensors;
    ours(c);
    expect(tf.memory().numTensors).toBe(before);
  });
});
