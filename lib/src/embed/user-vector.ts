/**
 * A shopper as a vector: the mean of the embeddings of the products they looked at, recent ones
 * weighted more (exponential decay with a half-life). Only what happened before `now` counts, so
 * a ranker trained on it never sees the future.
 */

/** One past interaction of a user (the log's clicks, views, carts and purchases). */
export interface HistoryEvent {
  readonly product: string;
  /** ISO time. */
  readonly time: string;
}

export interface UserVectorOptions {
  /** Only events strictly before this ISO time count; all when left out. */
  readonly now?: string;
  /** Days after which an event weighs half as much; Infinity gives the plain mean. Default 30. */
  readonly halfLifeDays?: number;
  /** At most this many most recent events (default all). */
  readonly maxEvents?: number;
}

const DAY_MS = 86_400_000;

function timeOf(text: string, what: string): number {
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new Error(`userVector: ${what} is not an ISO time: ${JSON.stringify(text)}.`);
  return t;
}

/** The events that count at `now`, most recent last (stable for equal times). */
export function historyBefore(events: readonly HistoryEvent[], options: UserVectorOptions = {}): HistoryEvent[] {
  const now = options.now === undefined ? Infinity : timeOf(options.now, "now");
  const kept = events
    .map((e, i) => ({ e, i, t: timeOf(e.time, `event ${i}'s time`) }))
    .filter((x) => x.t < now)
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.e);
  const max = options.maxEvents ?? Infinity;
  if (!(max >= 1)) throw new Error(`userVector: maxEvents must be at least 1, got ${max}.`);
  return Number.isFinite(max) ? kept.slice(-max) : kept;
}

/**
 * The user's vector: sum over past events of w * embedding(product), divided by the sum of w,
 * where w = 0.5^(age in days / half-life) and the age is measured from `now` (from the latest
 * event when `now` is left out). Products without an embedding are skipped. Null when no event
 * counts (a new user: rankers fall back to features that need no history).
 */
export function userVector(
  events: readonly HistoryEvent[],
  productVectors: ReadonlyMap<string, Float32Array>,
  options: UserVectorOptions = {}
): Float32Array | null {
  const halfLife = options.halfLifeDays ?? 30;
  if (!(halfLife > 0)) throw new Error(`userVector: halfLifeDays must be positive (Infinity for no decay), got ${halfLife}.`);
  const kept = historyBefore(events, options).filter((e) => productVectors.has(e.product));
  if (kept.length === 0) return null;
  const reference = options.now === undefined ? Date.parse(kept[kept.length - 1].time) : Date.parse(options.now);
  let out: Float64Array | null = null;
  let total = 0;
  for (const e of kept) {
    const v = productVectors.get(e.product) as Float32Array;
    if (out === null) out = new Float64Array(v.length);
    else if (v.length !== out.length) throw new Error(`userVector: product "${e.product}" has a vector of dimension ${v.length}, the others ${out.length}.`);
    const w = Number.isFinite(halfLife) ? Math.pow(0.5, (reference - Date.parse(e.time)) / DAY_MS / halfLife) : 1;
    for (let j = 0; j < v.length; j++) out[j] += w * v[j];
    total += w;
  }
  const mean = new Float32Array((out as Float64Array).length);
  for (let j = 0; j < mean.length; j++) mean[j] = (out as Float64Array)[j] / total;
  return mean;
}
