/**
 * Learning to rank from clicks, naively and with inverse propensity scoring (IPS; Joachims,
 * Swaminathan and Schnabel, "Unbiased Learning-to-Rank with Biased Feedback", WSDM 2017).
 *
 * A click log is a biased label: a product at position 1 is looked at far more often than one at
 * position 8, so "clicked" says "relevant AND examined". A ranker trained on raw clicks learns
 * whatever put products at the top (the logging policy's keyword match, popularity) as if it were
 * relevance. IPS weights each click by 1 / P(examined at its position) (propensity.ts), which makes
 * the pairwise or listwise loss, in expectation, the loss on true relevance.
 *
 * Training lists (`clickRankingData`): one group per logged page that has at least one click
 * (a page without a click gives no preference pair), one row per shown product with `features()`
 * at the search's time and for its user, label 1 if clicked else 0, and weight
 *   naive: 1;
 *   IPS:   1 / max(propensity(position), floor) for a clicked row, 1 for the others.
 * The floor clips the weights (at most 1 / floor): one click at a rarely examined position, or a
 * propensity estimated from few clicks, cannot dominate the loss (variance against a little bias).
 * The weights are meant for pairwise and listwise trainers (RankNet, LambdaMART), which scale
 * each (clicked, not clicked) pair by the clicked row's weight; a pointwise trainer would need
 * negative weights for an unbiased loss, so with it IPS only approximates.
 *
 * What IPS does not fix: it corrects for positions that were shown, not for products that never
 * were (selection bias). The click log only covers the logging policy's top results; on the full
 * shop only 4 % of the test queries' judged products were ever shown for their query, so scoring
 * the judged pools asks every click-trained ranker to extrapolate. A linear ranker extrapolates
 * with its (debiased) weights; trees may not (see the report of `clickDebiasExperiment`).
 */
import { ESCI_GRADES } from "../data/esci";
import { SPLIT_BOUNDARIES } from "../data/calendar";
import type { Judgment, Query, QueryKind, Session, Split } from "../data/records";
import { pairedTTest, type PairedTTestResult } from "../eval/significance";
import { searchImpressions, type SearchImpression } from "./click-logs";
import { featureContext, features, FEATURE_NAMES, FEATURE_VERSION, type FeatureContext, type FeatureSources } from "./features";
import { judgedRankingDataset, lambdaMartRanker, type LearnedScorer } from "./learning-to-rank";
import { emPropensities, propensityAt, shuffledPropensities, type PositionPropensities } from "./propensity";
import { datasetNdcg, RankingDatasetBuilder, type RankingDataset } from "./ranking-dataset";
import { rankNetScores, trainRankNet, type RankNetOptions } from "./ranknet";

/** A learned ranker whose scorer may also say how much each feature counts (a linear model's weights). */
export interface ClickRanker {
  readonly name: string;
  readonly train: (data: RankingDataset) => LearnedScorer & { readonly weights?: Readonly<Record<string, number>> };
}

/**
 * A linear RankNet (ranknet.ts, no hidden layer) whose scorer reports its weights on the
 * standardised features: they say directly how much each feature counts, which makes the naive
 * ranker's bias visible. Default 20 epochs.
 */
export function linearRankNetRanker(options: Omit<RankNetOptions, "hidden"> = {}, name = "linear RankNet"): ClickRanker {
  return {
    name,
    train: (data) => {
      const model = trainRankNet(data, { epochs: 20, ...options, hidden: 0 });
      return { score: (values, rows) => rankNetScores(model, values, rows), weights: Object.fromEntries(model.names.map((n, j) => [n, model.params[j]])) };
    },
  };
}

export interface ClickRankingOptions {
  /** Per-position propensities for IPS weights; left out: naive (every weight 1). */
  readonly propensities?: Pick<PositionPropensities, "values">;
  /** Smallest propensity used in a weight (default 0.05: weights at most 20). */
  readonly floor?: number;
}

/** Memoises the query embedding: the click log repeats queries many times. */
function cachedContext(context: FeatureContext): FeatureContext {
  const cache = new Map<string, Float32Array | Promise<Float32Array>>();
  const embedQuery = (text: string): Float32Array | Promise<Float32Array> => {
    let v = cache.get(text);
    if (v === undefined) cache.set(text, (v = context.sources.embedQuery(text)));
    return v;
  };
  return { ...context, sources: { ...context.sources, embedQuery } };
}

/**
 * The click log as a learning-to-rank dataset (module comment): pages with at least one click,
 * features at the search's time for the searching user, label = clicked, weights naive or IPS.
 * Group ids are the query ids (a query searched on many pages gives many groups).
 */
export async function clickRankingData(pages: readonly SearchImpression[], queries: readonly Query[], context: FeatureContext, options: ClickRankingOptions = {}): Promise<RankingDataset> {
  const floor = options.floor ?? 0.05;
  if (!(floor > 0 && floor <= 1)) throw new RangeError(`clickRankingData: floor must be in (0, 1], got ${String(floor)}.`);
  const propensity = options.propensities ? propensityAt(options.propensities, floor) : null;
  const byId = new Map(queries.map((q) => [q.id, q]));
  const clicked = pages.filter((page, n) => {
    if (!byId.has(page.query)) throw new Error(`clickRankingData: page ${n} (session ${page.session}) searched query "${page.query}", which is not among the ${queries.length} queries given.`);
    return page.clicked.some(Boolean);
  });
  if (clicked.length === 0) throw new Error(`clickRankingData: none of the ${pages.length} pages has a click; there is nothing to learn from.`);
  const cached = cachedContext(context);
  const builder = new RankingDatasetBuilder(FEATURE_VERSION);
  for (const page of clicked) {
    const f = await features((byId.get(page.query) as Query).text, page.user, page.products, cached, { time: page.time });
    const labels = page.clicked.map((c) => (c ? 1 : 0));
    builder.add(page.query, f, labels, propensity ? page.clicked.map((c, i) => (c ? 1 / propensity(i + 1) : 1)) : undefined);
  }
  return builder.build();
}

export interface ClickDebiasInput {
  readonly queries: readonly Query[];
  readonly judgments: readonly Judgment[];
  readonly sessions: readonly Session[];
}

export interface ClickDebiasOptions {
  /** The learned ranker (default: LambdaMART, 100 trees of depth 4, at least 20 rows a leaf). Any of learning-to-rank.ts's rankers fits. */
  readonly ranker?: ClickRanker;
  /**
   * Propensities: estimated by "em" (default, needs no knowledge of which pages were randomised)
   * or "shuffled" on every page of the training sessions (all queries: a propensity is a property
   * of the position, not of a query), or given.
   */
  readonly propensities?: "em" | "shuffled" | Pick<PositionPropensities, "values">;
  /** Propensity floor of the IPS weights (default 0.05). */
  readonly floor?: number;
  /** Session splits whose pages train the click rankers (default ["train"]). */
  readonly sessionSplits?: readonly Split[];
  /** NDCG cutoff (default 10). */
  readonly k?: number;
  /** Features set to 0 in every dataset (an ablation: e.g. ["logInteractions", "cold"], whose counts the logged positions themselves inflate). */
  readonly ignoreFeatures?: readonly string[];
}

export interface ClickDebiasRow {
  readonly name: "judgments" | "clicks-naive" | "clicks-ips" | "bm25";
  readonly description: string;
  /** Mean NDCG@k over the test queries (ESCI grades, exponential gain 2^grade - 1). */
  readonly ndcg: number;
  /** Per test query, in `ClickDebiasReport.queries` order. */
  readonly perQuery: readonly number[];
  /** Mean NDCG@k by query kind (kinds without a test query left out). */
  readonly byKind: Readonly<Partial<Record<QueryKind, number>>>;
  /** Paired t-test of this row against training on judgments (null for that row itself). */
  readonly vsJudgments: PairedTTestResult | null;
  /** Paired t-test against BM25 (null for BM25). */
  readonly vsBm25: PairedTTestResult | null;
  /** What the trained ranker relies on: a linear ranker's weights, else a tree model's gain shares (null for BM25 or when the ranker gives neither). */
  readonly featureWeights: Readonly<Record<string, number>> | null;
}

/** How the logging policy's order relates to relevance: per position of its (unshuffled) pages. */
export interface LoggedPosition {
  readonly position: number;
  /** Shown (query, product) pairs at this position that have a judgment. */
  readonly judged: number;
  /** Their mean ESCI grade (E 3 .. I 0). */
  readonly meanGrade: number;
  /** Click-through rate at this position over all of those pages (judged or not). */
  readonly ctr: number;
}

export interface ClickDebiasReport {
  readonly rows: readonly ClickDebiasRow[];
  /** Test queries evaluated (those with judgments). */
  readonly queries: readonly string[];
  readonly k: number;
  readonly propensities: readonly number[];
  readonly floor: number;
  /** Training sizes: judged train queries, click pages used (with a click), clicks. */
  readonly sizes: { readonly judgedQueries: number; readonly clickPages: number; readonly clicks: number };
  /** The logging policy's order against the judgments, on the training pages it ranked. */
  readonly logging: readonly LoggedPosition[];
  /** Share of the IPS-vs-naive gap closed: (ips - naive) / (judgments - naive); null when the naive ranker is not below judgments. */
  readonly gapRecovered: number | null;
}

function columnScores(data: RankingDataset, name: string): Float64Array {
  const j = data.names.indexOf(name);
  if (j < 0) throw new Error(`clickDebiasExperiment: no feature "${name}" among ${data.names.join(", ")}.`);
  return Float64Array.from({ length: data.rows }, (_, i) => data.values[i * data.columns + j]);
}

function weightsOf(scorer: (LearnedScorer & { readonly weights?: Readonly<Record<string, number>> }) | undefined): Readonly<Record<string, number>> | null {
  if (!scorer) return null;
  if (scorer.weights) return scorer.weights;
  return scorer.importances ? Object.fromEntries(scorer.importances.map((f) => [f.feature, f.share])) : null;
}

function loggedPositions(pages: readonly SearchImpression[], judgments: readonly Judgment[], maxPosition: number): LoggedPosition[] {
  const grade = new Map(judgments.map((j) => [`${j.query}\t${j.product}`, ESCI_GRADES[j.label]]));
  const judged = new Array<number>(maxPosition).fill(0);
  const sum = new Array<number>(maxPosition).fill(0);
  const shown = new Array<number>(maxPosition).fill(0);
  const clicks = new Array<number>(maxPosition).fill(0);
  for (const page of pages) {
    if (page.policy !== "ranker") continue;
    for (let i = 0; i < Math.min(maxPosition, page.products.length); i++) {
      shown[i]++;
      if (page.clicked[i]) clicks[i]++;
      const g = grade.get(`${page.query}\t${page.products[i]}`);
      if (g === undefined) continue;
      judged[i]++;
      sum[i] += g;
    }
  }
  return judged.map((n, i) => ({ position: i + 1, judged: n, meanGrade: n > 0 ? sum[i] / n : NaN, ctr: shown[i] > 0 ? clicks[i] / shown[i] : NaN }));
}

/**
 * Trains three rankers with `ranker` and compares them on the test queries' judged pools:
 * (a) on the train queries' true judgments, (b) on the click log naively, (c) on the click log
 * with IPS weights from estimated propensities; BM25 alone is the fourth row. Click pages are
 * from sessions of `sessionSplits` whose query is a train query, so no test query's clicks or
 * judgments are ever trained on; features use only the log before each search (or, for judged
 * pools, before the test period).
 */
export async function clickDebiasExperiment(shop: ClickDebiasInput, sources: FeatureSources, options: ClickDebiasOptions = {}): Promise<ClickDebiasReport> {
  const k = options.k ?? 10;
  const floor = options.floor ?? 0.05;
  const ignored = (options.ignoreFeatures ?? []).map((name) => {
    const j = FEATURE_NAMES.indexOf(name);
    if (j < 0) throw new Error(`clickDebiasExperiment: ignoreFeatures names "${name}"; expected one of ${FEATURE_NAMES.join(", ")}.`);
    return j;
  });
  const trainQueries = shop.queries.filter((q) => q.split === "train");
  const testQueries = shop.queries.filter((q) => q.split === "test");
  const trainIds = new Set(trainQueries.map((q) => q.id));
  const allPages = searchImpressions(shop.sessions, { splits: options.sessionSplits ?? ["train"] });
  const pages = allPages.filter((p) => trainIds.has(p.query));
  const choice = options.propensities ?? "em";
  const propensities = choice === "em" ? emPropensities(allPages) : choice === "shuffled" ? shuffledPropensities(allPages) : choice;
  const ranker = options.ranker ?? lambdaMartRanker({ trees: 100, maxDepth: 4, minSamplesLeaf: 20 });

  const context = cachedContext(featureContext(sources));
  // Judged pools are scored for an anonymous shopper with the log before the test period only.
  const beforeTest = { ...sources, embedQuery: context.sources.embedQuery, interactions: sources.interactions.filter((e) => Date.parse(e.time) < Date.parse(SPLIT_BOUNDARIES.test)) };
  const judged = await judgedRankingDataset(shop, trainQueries, beforeTest);
  const naive = await clickRankingData(pages, trainQueries, context);
  const ips = await clickRankingData(pages, trainQueries, context, { propensities, floor });
  const test = await judgedRankingDataset(shop, testQueries, beforeTest);
  for (const j of ignored) for (const data of [judged, naive, ips, test]) for (let i = 0; i < data.rows; i++) data.values[i * data.columns + j] = 0;

  const trained = new Map([
    ["judgments", ranker.train(judged)],
    ["clicks-naive", ranker.train(naive)],
    ["clicks-ips", ranker.train(ips)],
  ] as const);
  const scores = new Map<ClickDebiasRow["name"], Float64Array>([...trained].map(([name, r]) => [name, r.score(test.values, test.rows)]));
  scores.set("bm25", columnScores(test, "bm25"));
  const per = new Map([...scores].map(([name, s]) => [name, Array.from(datasetNdcg(test, s, { k }))]));
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const descriptions: Record<ClickDebiasRow["name"], string> = {
    judgments: `${ranker.name} trained on the ESCI judgments of ${judged.queryIds.length} train queries`,
    "clicks-naive": `${ranker.name} trained on ${naive.queryIds.length} clicked pages, label = click, weight 1`,
    "clicks-ips": `trained on the same pages, clicks weighted 1 / max(propensity, ${floor})`,
    bm25: "BM25 score alone (no training)",
  };
  const judgmentsPer = per.get("judgments") as number[];
  const bm25Per = per.get("bm25") as number[];
  const kindOf = new Map(testQueries.map((q) => [q.id, q.kind]));
  const byKind = (values: readonly number[]): Partial<Record<QueryKind, number>> => {
    const groups = new Map<QueryKind, number[]>();
    test.queryIds.forEach((id, i) => {
      const kind = kindOf.get(id) as QueryKind;
      groups.set(kind, [...(groups.get(kind) ?? []), values[i]]);
    });
    return Object.fromEntries([...groups].map(([kind, xs]) => [kind, mean(xs)]));
  };
  const rows: ClickDebiasRow[] = [...per].map(([name, values]) => ({
    name,
    description: descriptions[name],
    ndcg: mean(values),
    perQuery: values,
    byKind: byKind(values),
    vsJudgments: name === "judgments" ? null : pairedTTest(values, judgmentsPer),
    vsBm25: name === "bm25" ? null : pairedTTest(values, bm25Per),
    featureWeights: weightsOf(trained.get(name as "judgments")),
  }));
  const ndcgOf = (name: ClickDebiasRow["name"]): number => (rows.find((r) => r.name === name) as ClickDebiasRow).ndcg;
  const gap = ndcgOf("judgments") - ndcgOf("clicks-naive");
  let clicks = 0;
  for (const y of naive.labels) clicks += y;
  return {
    rows,
    queries: test.queryIds,
    k,
    propensities: propensities.values,
    floor,
    logging: loggedPositions(pages, shop.judgments, propensities.values.length),
    sizes: { judgedQueries: judged.queryIds.length, clickPages: naive.queryIds.length, clicks },
    gapRecovered: gap > 0 ? (ndcgOf("clicks-ips") - ndcgOf("clicks-naive")) / gap : null,
  };
}
