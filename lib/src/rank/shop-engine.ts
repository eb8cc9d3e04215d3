/**
 * The chapter's engine: one object that answers `search(query, user, k)` and `recommend(user, k)`
 * by composing the stages of the chapter, each of which can be switched off to measure what it
 * adds:
 *
 * 1. query understanding: the spelling corrector, then BM25 over the whole catalog, the category
 *    boost and the attribute demotion (`applyQueryUnderstanding`);
 * 2. dense: the bi-encoder's cosine mixed into the candidates' scores (min-max normalised per
 *    query; `denseWeight` of the mix, chosen on validation queries by `hybridSearch`);
 * 3. re-ranking (when a `reranker` is given): the top `depth` candidates of the mix re-scored, such
 *    as by a learned ranker over chapter 3's features (`LearnedReranker`), min-max normalised per
 *    query; the candidates below stay after them in their order;
 * 4. personalisation: the shopper's vector (recency-weighted mean of what they looked at before
 *    the query's time, `userVector`) against each candidate's vector, added with
 *    `personalWeight`. A shopper without history, or one the engine does not know, gets the
 *    non-personalised list, and the result says so.
 *
 * Candidates are the top `depth` of BM25 on the (corrected) query, joined with the dense top
 * `depth` when the dense stage is on. Query vectors are computed ahead (`prepareQueries`) so that
 * answering is synchronous, which is what chapter 5's A/B simulator calls.
 */
import { STOP_WORDS } from "../data/keyword-match";
import type { Product, Query, Session, Split, User } from "../data/records";
import { userVector, type HistoryEvent } from "../embed/user-vector";
import { simulateAbTest, type AbTestResult, type Ranker, type ShopForSimulation } from "../eval/ab-test";
import { sampleSizeProportions } from "../eval/power";
import { ExactIndex } from "../embed/vector-search";
import type { Bm25Index } from "./bm25";
import { normalized } from "./fusion";
import type { LoggedInteraction } from "./features";
import { applyQueryUnderstanding, correctedText, understandQuery, type QueryUnderstandingModel } from "./query-understanding";

export interface EngineStages {
  readonly understanding: boolean;
  readonly dense: boolean;
  readonly rerank: boolean;
  readonly personalisation: boolean;
}

/** Every stage on (the re-ranking stage needs `parts.reranker`). */
export const ALL_STAGES: EngineStages = Object.freeze({ understanding: true, dense: true, rerank: true, personalisation: true });

/** What the re-ranking stage is told about the query. */
export interface RerankQuery {
  /** As the shopper typed it. */
  readonly text: string;
  /** After spelling correction (the text BM25 searched). */
  readonly searched: string;
}

/** The engine's re-ranking stage: a score for each of one query's top candidates, synchronously (the simulator's rankers are). */
export interface EngineReranker {
  readonly name: string;
  /** Candidates re-scored per query. */
  readonly depth: number;
  /** Work that needs an await (query vectors), done ahead for the texts the engine will search. */
  prepareQueries?(texts: readonly string[]): Promise<void>;
  /** Scores of `candidates` (in order; their scores are the mix's, before re-ranking). */
  score(query: RerankQuery, user: string | null, candidates: readonly EngineHit[], time: string | undefined): ArrayLike<number>;
}

export interface ShopEngineParts {
  readonly products: readonly Product[];
  readonly bm25: Bm25Index;
  /** Spelling, intent and attributes (`shopQueryUnderstanding`); needed by the understanding stage. */
  readonly understanding?: QueryUnderstandingModel;
  /** Each product's unit vector (chapter 3's product tower); needed by the dense and personal stages. */
  readonly productVectors?: ReadonlyMap<string, Float32Array>;
  /** The interaction log the shoppers' vectors are read from (only what precedes a query counts). */
  readonly interactions?: readonly LoggedInteraction[];
  /** Weight of the normalised cosine in the dense mix, in [0, 1] (BM25 gets the rest). Default 0.15. */
  readonly denseWeight?: number;
  /** Weight of the shopper's cosine added to the mixed score. Default 0.2. */
  readonly personalWeight?: number;
  /** Candidates taken from each retriever. Default 100. */
  readonly depth?: number;
  /** The re-ranking stage's scorer; without it that stage is off. */
  readonly reranker?: EngineReranker;
}

export interface EngineHit {
  readonly id: string;
  readonly score: number;
}

export interface EngineAnswer {
  readonly items: readonly EngineHit[];
  /** The text searched (after spelling correction). */
  readonly searched: string;
  /** The stages that ran for this answer. */
  readonly stages: EngineStages;
  /** Why a stage did not run, or what it changed (unknown shopper, no history, k larger than the catalog, ...). */
  readonly notes: readonly string[];
}

export interface EngineSearchOptions {
  /** ISO time of the query: the shopper's history is what came before it (default: the whole log). */
  readonly time?: string;
}

const byScore = (a: EngineHit, b: EngineHit): number => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Min-max to [0, 1] per list (a constant list: all 1), as the linear fusion normalises. */
const normalised = (scores: ReadonlyMap<string, number>): Map<string, number> => normalized(scores, "minmax", "ShopEngine").values;

export class ShopEngine {
  private readonly queryVectors = new Map<string, Float32Array>();
  /** The dense top `depth` of each prepared query text. */
  private readonly denseHits = new Map<string, EngineHit[]>();
  private readonly productIds: ReadonlySet<string>;
  private readonly productById: ReadonlyMap<string, Product>;
  private readonly history: ReadonlyMap<string, readonly HistoryEvent[]>;
  private readonly ids: readonly string[];
  private readonly matrix: Float32Array | null;
  readonly denseWeight: number;
  readonly personalWeight: number;
  readonly depth: number;

  readonly stages: EngineStages;

  /** Every stage the parts allow by default (re-ranking only with a reranker). */
  constructor(private readonly parts: ShopEngineParts, stages: Partial<EngineStages> = {}) {
    this.stages = Object.freeze({ ...ALL_STAGES, rerank: Boolean(parts.reranker), ...stages });
    stages = this.stages;
    this.denseWeight = parts.denseWeight ?? 0.15;
    this.personalWeight = parts.personalWeight ?? 0.2;
    this.depth = parts.depth ?? 100;
    if (!(this.denseWeight >= 0 && this.denseWeight <= 1)) throw new Error(`ShopEngine: denseWeight must be in [0, 1], got ${parts.denseWeight}.`);
    if (!(this.personalWeight >= 0 && Number.isFinite(this.personalWeight))) throw new Error(`ShopEngine: personalWeight must be a finite number >= 0, got ${parts.personalWeight}.`);
    if (!Number.isInteger(this.depth) || this.depth < 1) throw new Error(`ShopEngine: depth must be an integer >= 1, got ${parts.depth}.`);
    if (stages.understanding && !parts.understanding) throw new Error("ShopEngine: the understanding stage needs parts.understanding (shopQueryUnderstanding(shop)).");
    if ((stages.dense || stages.personalisation) && !parts.productVectors) throw new Error("ShopEngine: the dense and personalisation stages need parts.productVectors (the product tower's vectors).");
    if (stages.personalisation && !parts.interactions) throw new Error("ShopEngine: the personalisation stage needs parts.interactions (the log).");
    if (stages.rerank && !parts.reranker) throw new Error("ShopEngine: the rerank stage needs parts.reranker (such as a LearnedReranker).");
    if (parts.reranker && !(Number.isInteger(parts.reranker.depth) && parts.reranker.depth >= 1)) throw new Error(`ShopEngine: reranker.depth must be an integer >= 1, got ${parts.reranker.depth}.`);
    this.productIds = new Set(parts.products.map((p) => p.id));
    this.productById = new Map(parts.products.map((p) => [p.id, p]));
    const history = new Map<string, HistoryEvent[]>();
    for (const e of parts.interactions ?? []) {
      const list = history.get(e.user);
      if (list) list.push(e);
      else history.set(e.user, [e]);
    }
    this.history = history;
    // The catalog as one row-major matrix, for the dense top-k.
    if (parts.productVectors && stages.dense) {
      const ids = parts.products.map((p) => p.id).filter((id) => parts.productVectors?.has(id));
      const d = (parts.productVectors.get(ids[0]) as Float32Array).length;
      const matrix = new Float32Array(ids.length * d);
      ids.forEach((id, i) => matrix.set(parts.productVectors?.get(id) as Float32Array, i * d));
      this.ids = ids;
      this.matrix = matrix;
    } else {
      this.ids = [];
      this.matrix = null;
    }
  }

  /**
   * The same engine with some stages switched, other mixing weights or a reranker (the query
   * vectors and dense hits already prepared are shared; a new reranker prepares its own texts).
   */
  with(stages: Partial<EngineStages>, parts: Pick<ShopEngineParts, "denseWeight" | "personalWeight" | "reranker"> = {}): ShopEngine {
    const engine = new ShopEngine({ ...this.parts, ...parts }, { ...this.stages, ...stages });
    for (const [text, v] of this.queryVectors) engine.queryVectors.set(text, v);
    for (const [text, hits] of this.denseHits) engine.denseHits.set(text, hits);
    return engine;
  }

  /**
   * Embeds the query texts the engine will be asked (the query tower) and finds each one's dense
   * top `depth` in one batched exact search, so `search` needs no await and no catalog scan.
   */
  async prepareQueries(texts: readonly string[], embed: (texts: readonly string[]) => Promise<Float32Array>): Promise<void> {
    if (this.stages.rerank && this.parts.reranker?.prepareQueries) {
      const understanding = this.stages.understanding ? (this.parts.understanding as QueryUnderstandingModel) : null;
      await this.parts.reranker.prepareQueries([...new Set(texts.map((t) => (understanding ? correctedText(t, understanding) : t)))]);
    }
    const todo = [...new Set(texts)].filter((t) => !this.queryVectors.has(t));
    if (todo.length === 0) return;
    const vectors = await embed(todo);
    const d = vectors.length / todo.length;
    if (!Number.isInteger(d) || d < 1) throw new Error(`ShopEngine.prepareQueries: ${vectors.length} values are not whole vectors for ${todo.length} texts.`);
    todo.forEach((t, i) => this.queryVectors.set(t, vectors.slice(i * d, (i + 1) * d)));
    if (this.matrix && this.ids.length > 0) {
      const index = new ExactIndex({ dimension: d, modelId: "shop-engine", metric: "ip" });
      try {
        index.add(this.matrix);
        const hits = await index.searchBatchAsync(vectors, Math.min(this.depth, this.ids.length));
        todo.forEach((t, i) => this.denseHits.set(t, hits[i].ids.map((row, j) => ({ id: this.ids[row], score: hits[i].scores[j] }))));
      } finally {
        index.dispose();
      }
    }
  }

  /** The k best products for `query` and `user` (null: anonymous), best first, with notes on what ran. */
  search(query: string, user: string | null, k: number, options: EngineSearchOptions = {}): EngineAnswer {
    if (typeof query !== "string") throw new Error(`ShopEngine.search: the query must be a string, got ${typeof query}.`);
    if (!Number.isInteger(k) || k < 0) throw new Error(`ShopEngine.search: k must be an integer >= 0, got ${JSON.stringify(k)}.`);
    const notes: string[] = [];
    const stages = { ...this.stages };
    if (k > this.parts.products.length) notes.push(`k = ${k} is larger than the catalog (${this.parts.products.length} products): at most that many come back.`);
    // 1. Understanding, then BM25 candidates.
    let searched = query;
    let understood = null;
    if (stages.understanding) {
      understood = understandQuery(query, this.parts.understanding as QueryUnderstandingModel);
      searched = understood.corrected;
      if (searched !== query) notes.push(`searched "${searched}" for "${query}" (spelling).`);
    }
    const depth = Math.max(this.depth, k);
    let hits: EngineHit[] = this.parts.bm25.search(searched, depth);
    const terms = this.parts.bm25.terms(searched);
    if (terms.length === 0 || (hits.length === 0 && terms.every((t) => STOP_WORDS.has(t)))) notes.push("the query has no keyword (only stop words or punctuation): BM25 finds nothing.");
    if (understood && hits.length > 0) hits = [...applyQueryUnderstanding(hits, understood, this.productById, this.parts.understanding as QueryUnderstandingModel).hits];
    // 2. Dense: join the dense top `depth` and mix the normalised scores.
    const vectors = this.parts.productVectors;
    if (stages.dense) {
      const q = this.queryVectors.get(query) ?? this.queryVectors.get(searched);
      if (!q) {
        stages.dense = false;
        notes.push("no query vector prepared for this text (prepareQueries): the dense stage did not run.");
      } else {
        const cached = this.denseHits.get(query) ?? this.denseHits.get(searched);
        const dense = cached && cached.length >= Math.min(depth, this.ids.length) ? cached.slice(0, depth) : this.denseTop(q, depth);
        const keyword = normalised(new Map(hits.map((h) => [h.id, h.score])));
        const cosine = new Map<string, number>();
        for (const id of new Set([...keyword.keys(), ...dense.map((h) => h.id)])) cosine.set(id, dot(q, (vectors as ReadonlyMap<string, Float32Array>).get(id) ?? new Float32Array(q.length)));
        const semantic = normalised(cosine);
        hits = [...cosine.keys()].map((id) => ({ id, score: (1 - this.denseWeight) * (keyword.get(id) ?? 0) + this.denseWeight * (semantic.get(id) ?? 0) }));
      }
    }
    // 3. Re-ranking: the top of the list re-scored, normalised to [0, 1]; the rest below, in order.
    if (stages.rerank && hits.length > 0) {
      const reranker = this.parts.reranker as EngineReranker;
      hits.sort(byScore);
      const head = hits.slice(0, reranker.depth);
      const scores = reranker.score({ text: query, searched }, user, head, options.time);
      if (scores.length !== head.length) throw new Error(`ShopEngine: reranker ${reranker.name} gave ${scores.length} scores for ${head.length} candidates.`);
      const rescored = normalised(new Map(head.map((h, i) => [h.id, Number(scores[i])])));
      const tail = normalised(new Map(hits.slice(head.length).map((h) => [h.id, h.score])));
      hits = [...head.map((h) => ({ id: h.id, score: rescored.get(h.id) as number })), ...[...tail].map(([id, score]) => ({ id, score: score - 2 }))];
    }
    // 4. Personalisation: the shopper's vector against each candidate.
    if (stages.personalisation) {
      const events = user === null ? undefined : this.history.get(user);
      const u = events ? userVector(events, vectors as ReadonlyMap<string, Float32Array>, { now: options.time }) : null;
      if (user === null) {
        stages.personalisation = false;
        notes.push("anonymous shopper: not personalised.");
      } else if (!events) {
        stages.personalisation = false;
        notes.push(`unknown shopper "${user}" (no interaction in the log): not personalised.`);
      } else if (!u) {
        stages.personalisation = false;
        notes.push(`shopper "${user}" has no history before ${options.time ?? "now"}: not personalised.`);
      } else {
        hits = hits.map((h) => {
          const v = (vectors as ReadonlyMap<string, Float32Array>).get(h.id);
          return v ? { id: h.id, score: h.score + this.personalWeight * dot(u, v) } : h;
        });
      }
    }
    hits.sort(byScore);
    return { items: hits.slice(0, k), searched, stages, notes };
  }

  /**
   * Recommendations without a query: the shopper's vector against the catalog, their own items
   * left out; a shopper without history gets the most interacted-with products, and the answer says so.
   */
  recommend(user: string, k: number, options: EngineSearchOptions = {}): EngineAnswer {
    if (!Number.isInteger(k) || k < 0) throw new Error(`ShopEngine.recommend: k must be an integer >= 0, got ${JSON.stringify(k)}.`);
    const notes: string[] = [];
    const events = (this.history.get(user) ?? []).filter((e) => options.time === undefined || e.time < options.time);
    const vectors = this.parts.productVectors;
    const u = events.length > 0 && vectors ? userVector(events, vectors) : null;
    const seen = new Set(events.map((e) => e.product));
    let hits: EngineHit[];
    if (!u || !this.stages.personalisation) {
      notes.push(!this.history.has(user) ? `unknown shopper "${user}": the most popular products.` : !u ? `shopper "${user}" has no usable history: the most popular products.` : "personalisation is off: the most popular products.");
      hits = [...this.popularity(options.time)].map(([id, c]) => ({ id, score: c }));
    } else {
      hits = this.parts.products.flatMap((p) => {
        const v = (vectors as ReadonlyMap<string, Float32Array>).get(p.id);
        return v ? [{ id: p.id, score: dot(u, v) }] : [];
      });
    }
    hits = hits.filter((h) => !seen.has(h.id) && this.productIds.has(h.id)).sort(byScore);
    return { items: hits.slice(0, k), searched: "", stages: { ...this.stages, personalisation: Boolean(u) && this.stages.personalisation }, notes };
  }

  /**
   * A ranker for `simulateAbTest` (prepare the queries first). The simulator does not pass the
   * session's time, so the shoppers' history is cut at `time` for every search: give the start of
   * the replayed period, or the engine would read the future (the replayed sessions themselves).
   */
  ranker(time: string, k = 10): Ranker {
    return (query: Query, user: User) => this.search(query.text, user.id, k, { time }).items.map((h) => h.id);
  }

  private allTimeCounts: Map<string, number> | null = null;

  /** Interactions per product before `time` (the whole log's counts are computed once and kept). */
  private popularity(time: string | undefined): Map<string, number> {
    if (time === undefined && this.allTimeCounts) return this.allTimeCounts;
    const counts = new Map<string, number>();
    for (const e of this.parts.interactions ?? []) if (time === undefined || e.time < time) counts.set(e.product, (counts.get(e.product) ?? 0) + 1);
    if (time === undefined) this.allTimeCounts = counts;
    return counts;
  }

  private denseTop(q: Float32Array, k: number): EngineHit[] {
    const m = this.matrix as Float32Array;
    const d = q.length;
    const out: EngineHit[] = [];
    for (let i = 0; i < this.ids.length; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += q[j] * m[i * d + j];
      out.push({ id: this.ids[i], score: s });
    }
    return out.sort(byScore).slice(0, k);
  }
}

export interface EngineAbTestRow {
  readonly control: string;
  readonly treatment: string;
  readonly result: AbTestResult;
  /** Sessions per arm a test at alpha 0.05 and power 0.8 would need to detect the observed difference (null when there is none). */
  readonly sessionsNeeded: { readonly clickThrough: number | null; readonly conversion: number | null };
}

/**
 * `simulateAbTest` of two rankers on the shop's sessions of `split`, with the sample size each
 * observed difference would need (two-proportion test, alpha 0.05, power 0.8).
 */
export function abTestWithPower(shop: ShopForSimulation & { readonly sessions: readonly Session[] }, control: [string, Ranker], treatment: [string, Ranker], options: { readonly seed: number; readonly split?: Split; readonly maxSessions?: number }): EngineAbTestRow {
  const result = simulateAbTest(shop, control[1], treatment[1], { seed: options.seed, split: options.split ?? "test", maxSessions: options.maxSessions });
  const needed = (a: number, b: number): number | null => (a > 0 && a < 1 && b > 0 && b < 1 && a !== b ? sampleSizeProportions({ baseline: a, treatment: b, alpha: 0.05, power: 0.8 }).perArm : null);
  return {
    control: control[0],
    treatment: treatment[0],
    result,
    sessionsNeeded: {
      clickThrough: needed(result.control.clickThrough.value, result.treatment.clickThrough.value),
      conversion: needed(result.control.conversion.value, result.treatment.conversion.value),
    },
  };
}

