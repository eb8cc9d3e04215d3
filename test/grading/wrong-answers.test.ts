/**
 * The public checks catch the common wrong answers: for every exercise, plausible mistakes a
 * student makes each fail at least one public check, and the feedback names that case. (A public
 * check that only a stub fails teaches nothing: a student then meets the mistake at grading.)
 */
import { describe, expect, it } from "vitest";
import { Rng, feedbackText, normalQuantile, runChecks, type CheckResult } from "shoplm";
import { exercises } from "../../exercises/index";

type Impression = { position: number; clicked: boolean };
type Schedule = { peak: number; warmupSteps: number; totalSteps: number; decay: "linear" | "cosine"; minimum: number };

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Plausible wrong answers, by exercise: what the mistake is, and the function that makes it. */
const wrong: Record<string, { mistake: string; answer: (...args: never[]) => unknown }[]> = {
  "0.0": [
    { mistake: "divides by every rating, nulls included", answer: (r: (number | null)[]) => (r.length ? r.reduce<number>((s, x) => s + (x ?? 0), 0) / r.length : null) },
    { mistake: "returns 0 instead of null when there is no rating", answer: (r: (number | null)[]) => { const g = r.filter((x): x is number => x !== null); return g.length ? mean(g) : 0; } },
    { mistake: "returns NaN (0 / 0) when there is no rating", answer: (r: (number | null)[]) => { const g = r.filter((x): x is number => x !== null); return g.reduce((s, x) => s + x, 0) / g.length; } },
  ],
  "0.1": [
    {
      mistake: "keeps positions past maxPosition (the array grows)",
      answer: (imps: Impression[], max: number) => {
        const n: number[] = new Array(max).fill(0);
        const c: number[] = new Array(max).fill(0);
        for (const { position, clicked } of imps) {
          n[position - 1] = (n[position - 1] ?? 0) + 1;
          c[position - 1] = (c[position - 1] ?? 0) + (clicked ? 1 : 0);
        }
        return n.map((k, i) => (k ? c[i] / k : 0));
      },
    },
    {
      mistake: "0 / 0 gives NaN for a position never shown",
      answer: (imps: Impression[], max: number) => {
        const n: number[] = new Array(max).fill(0);
        const c: number[] = new Array(max).fill(0);
        for (const { position, clicked } of imps) if (position <= max) { n[position - 1]++; if (clicked) c[position - 1]++; }
        return n.map((k, i) => c[i] / k);
      },
    },
    {
      mistake: "position p goes to index p (off by one)",
      answer: (imps: Impression[], max: number) => {
        const n: number[] = new Array(max).fill(0);
        const c: number[] = new Array(max).fill(0);
        for (const { position, clicked } of imps) if (position < max) { n[position]++; if (clicked) c[position]++; }
        return n.map((k, i) => (k ? c[i] / k : 0));
      },
    },
  ],
  "0.2": [
    {
      mistake: "Math.floor instead of Math.ceil",
      answer: (p: number[], f: number) => { const s = [...p].sort((a, b) => b - a); const t = s.reduce((x, y) => x + y, 0); return t ? s.slice(0, Math.floor(f * s.length)).reduce((x, y) => x + y, 0) / t : 0; },
    },
    {
      mistake: "sorts the input in place",
      answer: (p: number[], f: number) => { const s = p.sort((a, b) => b - a); const t = s.reduce((x, y) => x + y, 0); return t ? s.slice(0, Math.ceil(f * s.length)).reduce((x, y) => x + y, 0) / t : 0; },
    },
    {
      mistake: "0 / 0 gives NaN for an empty catalog",
      answer: (p: number[], f: number) => { const s = [...p].sort((a, b) => b - a); return s.slice(0, Math.ceil(f * s.length)).reduce((x, y) => x + y, 0) / s.reduce((x, y) => x + y, 0); },
    },
    {
      mistake: "sorts ascending (the least popular products)",
      answer: (p: number[], f: number) => { const s = [...p].sort((a, b) => a - b); const t = s.reduce((x, y) => x + y, 0); return t ? s.slice(0, Math.ceil(f * s.length)).reduce((x, y) => x + y, 0) / t : 0; },
    },
  ],
  "1.1": [
    { mistake: "shortest match first", answer: (word: string, vocab: string[]) => wordPiece(word, vocab, { shortestFirst: true }) },
    { mistake: "no ## in front of continuation pieces", answer: (word: string, vocab: string[]) => wordPiece(word, vocab, { prefix: "" }) },
    { mistake: "an unknown piece becomes [UNK] but the rest goes on", answer: (word: string, vocab: string[]) => wordPiece(word, vocab, { unknownPieceOnly: true }) },
  ],
  "1.2": [
    {
      mistake: "special tokens can be masked",
      answer: (ids: number[], _special: number[], maskId: number, sel: number[], act: number[], rnd: number[]) => {
        const inputIds = [...ids];
        const labels = ids.map(() => -100);
        ids.forEach((id, i) => { if (!(sel[i] < 0.15)) return; labels[i] = id; if (act[i] < 0.8) inputIds[i] = maskId; else if (act[i] < 0.9) inputIds[i] = rnd[i]; });
        return { inputIds, labels };
      },
    },
    {
      mistake: "positions not chosen get the label 0 instead of -100",
      answer: (ids: number[], special: number[], maskId: number, sel: number[], act: number[], rnd: number[]) => {
        const inputIds = [...ids];
        const labels = ids.map(() => 0);
        ids.forEach((id, i) => { if (special.includes(id) || !(sel[i] < 0.15)) return; labels[i] = id; if (act[i] < 0.8) inputIds[i] = maskId; else if (act[i] < 0.9) inputIds[i] = rnd[i]; });
        return { inputIds, labels };
      },
    },
    {
      mistake: "random token and [MASK] swapped (10 % masked, 80 % random)",
      answer: (ids: number[], special: number[], maskId: number, sel: number[], act: number[], rnd: number[]) => {
        const inputIds = [...ids];
        const labels = ids.map(() => -100);
        ids.forEach((id, i) => { if (special.includes(id) || !(sel[i] < 0.15)) return; labels[i] = id; if (act[i] < 0.8) inputIds[i] = rnd[i]; else if (act[i] < 0.9) inputIds[i] = maskId; });
        return { inputIds, labels };
      },
    },
    {
      mistake: "changes ids in place",
      answer: (ids: number[], special: number[], maskId: number, sel: number[], act: number[], rnd: number[]) => {
        const labels = ids.map(() => -100);
        ids.forEach((id, i) => { if (special.includes(id) || !(sel[i] < 0.15)) return; labels[i] = id; if (act[i] < 0.8) ids[i] = maskId; else if (act[i] < 0.9) ids[i] = rnd[i]; });
        return { inputIds: ids, labels };
      },
    },
  ],
  "1.3": [
    {
      mistake: "padding is not masked",
      answer: (q: number[][], k: number[][], v: number[][]) => attention(q, k, v, k.map(() => 1), true),
    },
    {
      mistake: "scores not divided by sqrt(d)",
      answer: (q: number[][], k: number[][], v: number[][], mask: number[]) => attention(q, k, v, mask, false),
    },
  ],
  "1.4": [
    {
      mistake: "warm-up starts at step 0 (peak * (step - 1) / warmupSteps)",
      answer: (step: number, s: Schedule) => (step <= s.warmupSteps ? (s.peak * (step - 1)) / s.warmupSteps : schedule(step, s)),
    },
    {
      mistake: "the minimum is ignored",
      answer: (step: number, s: Schedule) => schedule(step, { ...s, minimum: 0 }),
    },
    {
      mistake: "cosine decays over a half period too short (cos(2 pi progress))",
      answer: (step: number, s: Schedule) => (s.decay === "cosine" && step > s.warmupSteps ? schedule(step, s, 2) : schedule(step, s)),
    },
  ],
  "5.1": [
    { mistake: "log2 of the 0-based position (log2(i + 1))", answer: (r: number[], j: number[], k: number) => ndcg(r, j, k, (i) => Math.log2(i + 1)) },
    { mistake: "the ideal ranking from the ranked list, not the judged one", answer: (r: number[], _j: number[], k: number) => ndcg(r, r, k) },
    { mistake: "exponential gain 2^g - 1", answer: (r: number[], j: number[], k: number) => ndcg(r.map((g) => 2 ** g - 1), j.map((g) => 2 ** g - 1), k) },
    { mistake: "no zero check (0 / 0)", answer: (r: number[], j: number[], k: number) => dcg(r, k) / dcg([...j].sort((a, b) => b - a), k) },
  ],
  "5.2": [
    {
      mistake: "divides by the relevant products retrieved, not totalRelevant",
      answer: (rel: boolean[], total: number) => { if (!total) return 0; let h = 0; let s = 0; rel.forEach((x, i) => { if (x) { h++; s += h / (i + 1); } }); return h ? s / h : 0; },
    },
    {
      mistake: "precision at 0-based positions",
      answer: (rel: boolean[], total: number) => { if (!total) return 0; let h = 0; let s = 0; rel.forEach((x, i) => { if (x) { h++; s += h / Math.max(i, 1); } }); return s / total; },
    },
  ],
  "5.3": [
    {
      mistake: "the normal approximation: mean ± z · standard error",
      answer: (values: number[], _samples: number, level: number) => {
        const m = mean(values);
        const se = Math.sqrt(values.reduce((s, x) => s + (x - m) ** 2, 0) / (values.length - 1) / values.length);
        const z = normalQuantile(1 - (1 - level) / 2);
        return [m - z * se, m + z * se];
      },
    },
    { mistake: "a new generator for every resample", answer: (values: number[], samples: number, level: number, seed: number) => bootstrap(values, samples, level, seed, true, false) },
    { mistake: "the nearest-rank quantile (no interpolation)", answer: (values: number[], samples: number, level: number, seed: number) => bootstrap(values, samples, level, seed, false, true) },
  ],
  "5.4": [
    { mistake: "Math.round instead of rounding up", answer: (b: number, l: number, a: number, p: number) => Math.round(sampleSize(b, l, a, p)) },
    { mistake: "a one-sided z (normalQuantile(1 - alpha))", answer: (b: number, l: number, a: number, p: number) => Math.ceil(sampleSize(b, l, 2 * a, p)) },
    { mistake: "the lift read as absolute (p2 = baseline + lift)", answer: (b: number, l: number, a: number, p: number) => Math.ceil(sampleSize(b, l / b, a, p)) },
  ],
};

/** Greedy WordPiece with one of three mistakes switched on. */
function wordPiece(word: string, vocab: string[], mistake: { shortestFirst?: boolean; prefix?: string; unknownPieceOnly?: boolean }): string[] {
  const known = new Set(vocab);
  const prefix = mistake.prefix ?? "##";
  const piece = (start: number, end: number) => (start ? prefix : "") + word.slice(start, end);
  const out: string[] = [];
  let start = 0;
  while (start < word.length) {
    const ends = Array.from({ length: word.length - start }, (_, k) => word.length - k); // longest first
    if (mistake.shortestFirst) ends.reverse();
    const end = ends.find((e) => known.has(piece(start, e)));
    if (end === undefined) {
      if (!mistake.unknownPieceOnly) return ["[UNK]"];
      out.push("[UNK]");
      start += 1;
      continue;
    }
    out.push(piece(start, end));
    start = end;
  }
  return out;
}

function attention(q: number[][], k: number[][], v: number[][], mask: number[], scale: boolean) {
  const d = q[0]?.length ?? 0;
  const weights = q.map((qi) => {
    const s = k.map((kj) => kj.reduce((sum, x, c) => sum + x * qi[c], 0) / (scale ? Math.sqrt(d) : 1));
    const real = s.filter((_, j) => mask[j]);
    if (!real.length) return s.map(() => 0);
    const max = real.reduce((a, b) => Math.max(a, b), -Infinity);
    const e = s.map((x, j) => (mask[j] ? Math.exp(x - max) : 0));
    const t = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / t);
  });
  const output = weights.map((row) => (v[0] ?? []).map((_, c) => row.reduce((sum, w, j) => sum + w * v[j][c], 0)));
  return { weights, output };
}

function schedule(step: number, s: Schedule, periods = 1): number {
  if (step <= s.warmupSteps) return (s.peak * step) / s.warmupSteps;
  if (s.totalSteps === s.warmupSteps) return s.peak;
  const progress = Math.min(1, (step - s.warmupSteps) / (s.totalSteps - s.warmupSteps));
  if (s.decay === "linear") return s.peak - (s.peak - s.minimum) * progress;
  return s.minimum + ((s.peak - s.minimum) * (1 + Math.cos(periods * Math.PI * progress))) / 2;
}

function dcg(gains: number[], k: number, discount = (i: number) => Math.log2(i + 2)): number {
  return gains.slice(0, k).reduce((sum, g, i) => sum + g / discount(i), 0);
}

function ndcg(ranked: number[], judged: number[], k: number, discount?: (i: number) => number): number {
  const ideal = dcg([...judged].sort((a, b) => b - a), k, discount);
  return ideal === 0 ? 0 : dcg(ranked, k, discount) / ideal;
}

function bootstrap(values: number[], samples: number, level: number, seed: number, rngPerResample: boolean, nearestRank: boolean): [number, number] {
  let rng = new Rng(seed);
  const means: number[] = [];
  for (let b = 0; b < samples; b++) {
    if (rngPerResample) rng = new Rng(seed + b);
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[rng.int(values.length)];
    means.push(sum / values.length);
  }
  means.sort((a, b) => a - b);
  const quantile = (q: number) => {
    const pos = q * (means.length - 1);
    if (nearestRank) return means[Math.round(pos)];
    const lo = Math.floor(pos);
    return means[lo] + (pos - lo) * (means[Math.min(lo + 1, means.length - 1)] - means[lo]);
  };
  return [quantile((1 - level) / 2), quantile(1 - (1 - level) / 2)];
}

function sampleSize(baseline: number, lift: number, alpha: number, power: number): number {
  const p1 = baseline;
  const p2 = baseline * (1 + lift);
  const p = (p1 + p2) / 2;
  return (normalQuantile(1 - alpha / 2) * Math.sqrt(2 * p * (1 - p)) + normalQuantile(power) * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2;
}

describe("public checks catch plausible wrong answers", () => {
  it("every exercise has at least two wrong answers here", () => {
    expect(exercises.filter((e) => (wrong[e.id]?.length ?? 0) < 2).map((e) => e.id)).toEqual([]);
  });

  for (const exercise of exercises) {
    for (const { mistake, answer } of wrong[exercise.id] ?? []) {
      it(`${exercise.id} (${exercise.title}): "${mistake}" fails a public check, and the feedback names it`, async () => {
        const outcomes = await runChecks(exercise, answer, exercise.checks);
        const failed = outcomes.filter((o) => o.status !== "passed");
        expect(failed.length, `every public check passed for: ${mistake}`).toBeGreaterThan(0);
        const names = exercise.checks.map((c) => c.name);
        for (const o of failed) {
          expect(names).toContain(o.name);
          expect(o.message).not.toBe("");
        }
        const result: CheckResult = {
          id: exercise.id,
          title: exercise.title,
          passed: outcomes.length - failed.length,
          total: outcomes.length,
          outcomes,
          publicPoints: 0,
          hints: [],
        };
        expect(feedbackText(result)).toContain(`FAIL ${failed[0].name}`);
      });
    }
  }
});
