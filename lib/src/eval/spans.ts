/**
 * Span-level evaluation of BIO tags (attribute extraction, named entities): tags -> spans, then
 * precision, recall and F1 of exact span matches, micro-averaged and per type, as seqeval's
 * default (non-strict) mode computes them.
 *
 * From tags to spans (seqeval's `get_entities`, lenient IOB2): a span starts at a B- tag, at an I-
 * tag that follows O, and at any tag whose type differs from the previous tag's type ("O I-size"
 * and "B-brand I-size" both start a size span at the I-); it continues over I- tags of its type and
 * ends before O, before the next B-, or before a tag of another type. A predicted span counts as
 * correct only when a true span has the same type, start and end.
 */

import { EmptyInputError } from "./validate";

/** A span of words `start` .. `end - 1` (end exclusive, like `slice`) of one type. */
export interface Span {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

export interface SpanScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** True spans. */
  readonly support: number;
  /** Predicted spans. */
  readonly predicted: number;
  /** Predicted spans that match a true span exactly. */
  readonly correct: number;
}

export interface SpanReport {
  /** Over all spans of all types. */
  readonly micro: SpanScores;
  /** Unweighted mean of the per-type precision, recall and F1 (support and counts summed). */
  readonly macro: SpanScores;
  /** Every type that occurs in the truth or the predictions, sorted by name. */
  readonly perType: Readonly<Record<string, SpanScores>>;
}

interface ParsedTag {
  readonly prefix: "B" | "I" | "O";
  readonly type: string;
}

function parseTag(tag: unknown, where: string): ParsedTag {
  if (tag === "O") return { prefix: "O", type: "" };
  if (typeof tag === "string" && /^[BI]-./.test(tag)) return { prefix: tag[0] as "B" | "I", type: tag.slice(2) };
  throw new Error(`${where}: expected a BIO tag ("O", "B-<type>" or "I-<type>"), found ${JSON.stringify(tag)}.`);
}

/** The spans of one tag sequence (see the module comment for the convention). */
export function bioSpans(tags: readonly string[], where = "tags"): Span[] {
  const spans: Span[] = [];
  let type = "";
  let start = -1; // -1: no span open
  for (let i = 0; i <= tags.length; i++) {
    const tag = i < tags.length ? parseTag(tags[i], `${where}[${i}]`) : { prefix: "O" as const, type: "" };
    const continues = start >= 0 && tag.prefix === "I" && tag.type === type;
    if (start >= 0 && !continues) {
      spans.push({ type, start, end: i });
      start = -1;
    }
    if (tag.prefix !== "O" && !continues) {
      type = tag.type;
      start = i;
    }
  }
  return spans;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

function scores(correct: number, predicted: number, support: number): SpanScores {
  const precision = ratio(correct, predicted);
  const recall = ratio(correct, support);
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), support, predicted, correct };
}

/**
 * Span precision, recall and F1 of predicted tag sequences against true ones (one sequence per
 * text, equal lengths). No sequence at all is an EmptyInputError; sequences without spans are
 * degenerate, not empty: a ratio with a zero denominator is 0 (seqeval's zero_division default).
 */
export function spanScores(yTrue: readonly (readonly string[])[], yPred: readonly (readonly string[])[]): SpanReport {
  if (yTrue.length === 0 && yPred.length === 0) throw new EmptyInputError("spanScores", "yTrue", "expected at least one tag sequence to score.");
  if (yTrue.length !== yPred.length) throw new Error(`spanScores: yTrue has ${yTrue.length} sequences but yPred has ${yPred.length}; expected one prediction per true sequence.`);
  const counts = new Map<string, { correct: number; predicted: number; support: number }>();
  const entry = (type: string) => {
    let c = counts.get(type);
    if (!c) counts.set(type, (c = { correct: 0, predicted: 0, support: 0 }));
    return c;
  };
  yTrue.forEach((truthTags, s) => {
    const predTags = yPred[s];
    if (!Array.isArray(truthTags) || !Array.isArray(predTags)) throw new Error(`spanScores: sequence ${s}: expected arrays of tags in yTrue and yPred.`);
    if (truthTags.length !== predTags.length) throw new Error(`spanScores: sequence ${s}: yTrue has ${truthTags.length} tags but yPred has ${predTags.length}; expected one predicted tag per word.`);
    const truth = bioSpans(truthTags, `yTrue[${s}]`);
    const pred = bioSpans(predTags, `yPred[${s}]`);
    const key = (x: Span): string => `${x.type}\u0000${x.start}\u0000${x.end}`;
    const trueKeys = new Set(truth.map(key));
    for (const x of truth) entry(x.type).support++;
    for (const x of pred) {
      const c = entry(x.type);
      c.predicted++;
      if (trueKeys.has(key(x))) c.correct++;
    }
  });
  const types = [...counts.keys()].sort();
  const perType: Record<string, SpanScores> = {};
  let correct = 0;
  let predicted = 0;
  let support = 0;
  for (const t of types) {
    const c = counts.get(t) as { correct: number; predicted: number; support: number };
    perType[t] = scores(c.correct, c.predicted, c.support);
    correct += c.correct;
    predicted += c.predicted;
    support += c.support;
  }
  const mean = (f: (x: SpanScores) => number): number => (types.length === 0 ? 0 : types.reduce((s, t) => s + f(perType[t]), 0) / types.length);
  return {
    micro: scores(correct, predicted, support),
    macro: { precision: mean((x) => x.precision), recall: mean((x) => x.recall), f1: mean((x) => x.f1), support, predicted, correct },
    perType,
  };
}
