/**
 * Relevance with a cross-encoder: the query and a product's text go through the encoder together
 * as one pair ([CLS] query [SEP] product [SEP], segment ids 0 then 1), and a sequence head predicts
 * the judged grade. Ranking uses the expected grade under the predicted distribution,
 * sum_c p(c) * grade(c), which orders products by how relevant the model believes them to be and
 * is also the grade it predicts (scored by RMSE where grades are numbers, as in Crowdflower).
 *
 * `fineTuneShopRelevance` trains on the train-split queries' ESCI judgments and re-ranks each
 * test query's judged pool, scored against the chapter 5 baselines on the same queries with
 * paired significance tests.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/random";
import { ESCI_GAINS, ESCI_GRADES, ESCI_LABELS, ESCI_NAMES } from "../data/esci";
import { productText } from "../data/keyword-match";
import type { EsciLabel, Judgment, Product, Query } from "../data/records";
import { evaluateRun, type RunEvaluation } from "../eval/ranking";
import { holmCorrection, pairedRandomisationTest, pairedTTest } from "../eval/significance";
import type { Checkpoint } from "../model/checkpoint";
import { judgedPools, judgmentQrels, keywordRanker, popularityRanker, randomRanker, type PoolRanker } from "../rank/baselines";
import type { FoldModel, RelevancePool, RelevanceScorer } from "../rank/relevance-folds";
import type { WordPieceTokenizer } from "../text/wordpiece";
import { classifierRecipe, classifierWorkerSpec } from "./classifier-worker";
import { classificationBatch, SequenceClassifier } from "./classifier";
import { encodeExamples, type EncodedExample, type LabelledText } from "./examples";
import { fineTune, type FineTuneResult } from "./fine-tune";
import { balancedClassWeights, SequenceClassificationHead, type Pooling } from "./heads";
import { loadFineTuned, saveFineTuned, type FineTunedManifest } from "./fine-tuned-checkpoint";
import { baseCheckpoint, fineTuneSettings, lossEnds, methodSettingsOf, prepareRun, type MethodSettings, type RunSetup, type TrainingSettings } from "./run";
import type { MethodName } from "./method";
import { groupIntoPools, PoolRankingClassifier, type RankingObjective } from "./pool-ranking";
import { hasMatchChannel } from "./match-channel";

/** One judged (query, product) pair. */
export interface GradedPair {
  readonly queryId: string;
  readonly query: string;
  readonly docId: string;
  /** The product's text (title and description). */
  readonly text: string;
  /** The judged grade's label, one of the task's labels ("E", "S", ... or "1" ... "4"). */
  readonly label: string;
}

/** A query and the candidates to re-rank. */
export interface CandidatePool {
  readonly queryId: string;
  readonly query: string;
  readonly candidates: readonly { readonly docId: string; readonly text: string }[];
}

/** A grade scale: the labels the head predicts and each label's numeric grade (same order). */
export interface RelevanceScale {
  readonly labels: readonly string[];
  readonly grades: readonly number[];
}

/** The shop's ESCI scale: Irrelevant 0, Complement 1, Substitute 2, Exact 3. */
export const ESCI_SCALE: RelevanceScale = Object.freeze({ labels: [...ESCI_LABELS], grades: ESCI_LABELS.map((l) => ESCI_GRADES[l]) });

function checkScale(scale: RelevanceScale): void {
  if (scale.labels.length !== scale.grades.length) throw new Error(`RelevanceScale: ${scale.labels.length} labels but ${scale.grades.length} grades.`);
  if (scale.labels.length < 2) throw new Error(`RelevanceScale: at least 2 labels are needed, got ${scale.labels.length}.`);
  scale.grades.forEach((g, i) => {
    if (!Number.isFinite(g)) throw new Error(`RelevanceScale: grade of label "${scale.labels[i]}" must be a finite number, got ${g}.`);
  });
}

/** The judged pairs of the queries in `split`, in judgment order. */
export function shopRelevancePairs(shop: { readonly queries: readonly Query[]; readonly products: readonly Product[]; readonly judgments: readonly Judgment[] }, split: Query["split"]): GradedPair[] {
  const queries = new Map(shop.queries.filter((q) => q.split === split).map((q) => [q.id, q]));
  const products = new Map(shop.products.map((p) => [p.id, p]));
  const out: GradedPair[] = [];
  for (const j of shop.judgments) {
    const q = queries.get(j.query);
    if (!q) continue;
    const p = products.get(j.product);
    if (!p) throw new Error(`shopRelevancePairs: judgment (${j.query}, ${j.product}) names a product the catalog does not have.`);
    out.push({ queryId: q.id, query: q.text, docId: p.id, text: productText(p), label: j.label });
  }
  return out;
}

/** Groups pairs by query (first-seen order) into pools to re-rank. */
export function candidatePools(pairs: readonly GradedPair[]): CandidatePool[] {
  const pools = new Map<string, { queryId: string; query: string; candidates: { docId: string; text: string }[] }>();
  for (const p of pairs) {
    let pool = pools.get(p.queryId);
    if (!pool) pools.set(p.queryId, (pool = { queryId: p.queryId, query: p.query, candidates: [] }));
    pool.candidates.push({ docId: p.docId, text: p.text });
  }
  return [...pools.values()];
}

/** A trained cross-encoder: scores (query, text) pairs by their expected grade. */
export class CrossEncoder {
  /** Whether pairs are encoded with the lexical match channel (the encoder has its segment rows). */
  readonly matchChannel: boolean;

  constructor(
    readonly classifier: SequenceClassifier,
    readonly tokenizer: WordPieceTokenizer,
    readonly scale: RelevanceScale,
    readonly maxLength: number
  ) {
    checkScale(scale);
    this.matchChannel = hasMatchChannel(classifier.encoder);
    const head = classifier.head.labels;
    if (head.length !== scale.labels.length || head.some((l, i) => l !== scale.labels[i])) {
      throw new Error(`CrossEncoder: the head's labels [${head.join(", ")}] are not the scale's [${scale.labels.join(", ")}].`);
    }
  }

  private encode(pairs: readonly { readonly query: string; readonly text: string }[]): EncodedExample[] {
    const label = this.scale.labels[0];
    return encodeExamples(
      this.tokenizer,
      pairs.map((p) => ({ text: p.query, pair: p.text, label })),
      { labels: this.scale.labels, maxLength: this.maxLength, what: "pairs", matchChannel: this.matchChannel }
    );
  }

  /** The expected grade of each pair, `batchSize` pairs at a time (asynchronous reads). */
  async expectedGrades(pairs: readonly { readonly query: string; readonly text: string }[], batchSize = 64): Promise<Float64Array> {
    const encoded = this.encode(pairs);
    const out = new Float64Array(encoded.length);
    const grades = tf.tensor1d(Float32Array.from(this.scale.grades));
    try {
      for (let start = 0; start < encoded.length; start += batchSize) {
        const part = encoded.slice(start, start + batchSize);
        const expected = tf.tidy(() => tf.softmax(this.classifier.logits(classificationBatch(part, this.tokenizer.padId, this.maxLength), null)).mul(grades).sum(1));
        try {
          out.set(await expected.data(), start);
        } finally {
          expected.dispose();
        }
      }
    } finally {
      grades.dispose();
    }
    return out;
  }

  /**
   * Each pool's candidates, highest expected grade first (ties by docId, so runs are reproducible),
   * as a run for `evaluateRun`; and the scores.
   */
  async rerank(pools: readonly CandidatePool[], batchSize = 64): Promise<{ run: Map<string, string[]>; scores: Map<string, Map<string, number>> }> {
    const flat = pools.flatMap((p) => p.candidates.map((c) => ({ query: p.query, text: c.text })));
    const grades = await this.expectedGrades(flat, batchSize);
    const run = new Map<string, string[]>();
    const scores = new Map<string, Map<string, number>>();
    let at = 0;
    for (const pool of pools) {
      const s = new Map<string, number>();
      for (const c of pool.candidates) s.set(c.docId, grades[at++]);
      scores.set(pool.queryId, s);
      run.set(pool.queryId, [...s.keys()].sort((a, b) => (s.get(b) as number) - (s.get(a) as number) || (a < b ? -1 : a > b ? 1 : 0)));
    }
    return { run, scores };
  }

  dispose(): void {
    this.classifier.dispose();
  }
}

export interface CrossEncoderOptions extends RunSetup, TrainingSettings {
  readonly train: readonly GradedPair[];
  /** Scored (accuracy of the grade label) every `evalEvery` steps; early stopping with `patience`. Pairs default to 64 tokens (the longer text is cut first). */
  readonly validation?: readonly GradedPair[];
  readonly scale?: RelevanceScale;
  readonly pooling?: Pooling;
  /**
   * What the loss compares (pool-ranking.ts): each pair's grade alone ("pointwise", the default),
   * or also the candidates of one query against each other ("pairwise": RankNet, "listwise":
   * ListNet), with batches of whole pools.
   */
  readonly objective?: RankingObjective;
  /** Ranking objectives: candidates per pool in a batch, sharpness, weight of the pointwise loss beside the ranking loss. */
  readonly perPool?: number;
  readonly sharpness?: number;
  readonly pointwiseWeight?: number;
}

export interface TrainedCrossEncoder {
  readonly crossEncoder: CrossEncoder;
  /** The base checkpoint, the method's settings and seed: what a fine-tuned checkpoint records. */
  readonly base: Checkpoint;
  readonly settings: MethodSettings;
  readonly seed: number;
  /** The loss it was trained with. */
  readonly objective: RankingObjective;
  readonly training: FineTuneResult;
  readonly trainableParameters: number;
  readonly totalParameters: number;
}

const toLabelled = (pairs: readonly GradedPair[]): LabelledText[] => pairs.map((p) => ({ text: p.query, pair: p.text, label: p.label }));

/** Fine-tune a cross-encoder from a pretrained checkpoint on graded pairs. */
export async function trainCrossEncoder(options: CrossEncoderOptions): Promise<TrainedCrossEncoder> {
  const scale = options.scale ?? ESCI_SCALE;
  checkScale(scale);
  const base = baseCheckpoint(options.checkpoint);
  const maxLength = Math.min(options.maxLength ?? 64, base.config.maxPositions);
  const run = prepareRun("trainCrossEncoder", options, base);
  const { tokenizer, seed, encoder, method } = run;
  const head = new SequenceClassificationHead({ hiddenSize: base.config.hiddenSize, labels: scale.labels, pooling: options.pooling ?? "cls", seed });
  let crossEncoder: CrossEncoder | null = null;
  try {
    const matchChannel = hasMatchChannel(encoder);
    const train = encodeExamples(tokenizer, toLabelled(options.train), { labels: scale.labels, maxLength, what: "train", matchChannel });
    const validation = options.validation ? encodeExamples(tokenizer, toLabelled(options.validation), { labels: scale.labels, maxLength, what: "validation", matchChannel }) : undefined;
    const weights = options.classWeights ? balancedClassWeights(Int32Array.from(train, (e) => e.label), scale.labels.length) : undefined;
    const classifier = new SequenceClassifier(encoder, method, head, weights);
    crossEncoder = new CrossEncoder(classifier, tokenizer, scale, maxLength);
    const objective = options.objective ?? "pointwise";
    let training: FineTuneResult;
    if (objective === "pointwise") {
      const workerTask = classifierWorkerSpec(classifierRecipe(base, options, { labels: scale.labels, pooling: options.pooling ?? "cls" }, weights));
      training = await fineTune(classifier, train, { ...fineTuneSettings(options, run, maxLength, validation), workerTask });
    } else {
      const ranking = { objective, grades: scale.grades, perPool: options.perPool, sharpness: options.sharpness, pointwiseWeight: options.pointwiseWeight };
      const ranker = new PoolRankingClassifier(classifier, ranking);
      const pools = groupIntoPools(train, options.train.map((p) => p.queryId));
      const validationPools = validation && options.validation ? groupIntoPools(validation, options.validation.map((p) => p.queryId)) : undefined;
      const workerTask = classifierWorkerSpec(classifierRecipe(base, options, { labels: scale.labels, pooling: options.pooling ?? "cls" }, weights, ranking));
      training = await fineTune(ranker, pools, { ...fineTuneSettings(options, run, maxLength, validationPools), workerTask });
    }
    const settings = methodSettingsOf(options);
    return { crossEncoder, base, settings, seed, objective, training, trainableParameters: classifier.trainableParameters(), totalParameters: classifier.totalParameters() };
  } catch (error) {
    if (crossEncoder) crossEncoder.dispose();
    else {
      method.dispose();
      head.dispose();
      encoder.dispose();
    }
    throw error;
  }
}

/** Root mean squared error of predicted grades against true grades. */
export function gradeRmse(predicted: ArrayLike<number>, truth: ArrayLike<number>): number {
  if (predicted.length !== truth.length) throw new Error(`gradeRmse: ${predicted.length} predictions for ${truth.length} grades.`);
  if (predicted.length === 0) throw new Error("gradeRmse: no grades.");
  let sum = 0;
  for (let i = 0; i < predicted.length; i++) sum += (predicted[i] - truth[i]) ** 2;
  return Math.sqrt(sum / predicted.length);
}

/** One ranker's scores on the test queries, and (for baselines) how the cross-encoder compares. */
export interface RelevanceRow {
  readonly ranker: string;
  readonly ndcg10: number;
  /** Mean reciprocal rank of the first Exact product. */
  readonly mrr: number;
  /** Cross-encoder minus this ranker, NDCG@10 per query: mean difference, paired t-test and randomisation p (Holm-adjusted over the baselines). */
  readonly versusCrossEncoder?: { readonly meanDifference: number; readonly tTestP: number; readonly randomisationP: number; readonly holmP: number };
}

export interface ShopRelevanceResult {
  readonly method: MethodName;
  readonly trainPairs: number;
  readonly testQueries: number;
  readonly trainableParameters: number;
  readonly totalParameters: number;
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly training: FineTuneResult;
  /** Cross-encoder first, then random, popularity and keyword. */
  readonly rows: readonly RelevanceRow[];
  /** The test queries' re-ranking by the cross-encoder (query id -> product ids, best first). */
  readonly run: ReadonlyMap<string, readonly string[]>;
}

export interface ShopRelevanceOptions extends Omit<CrossEncoderOptions, "train" | "validation" | "scale"> {
  readonly shop: { readonly queries: readonly Query[]; readonly products: readonly Product[]; readonly judgments: readonly Judgment[] };
  /** Train on at most this many pairs (a seeded sample; default all). */
  readonly maxTrainPairs?: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Train a cross-encoder on the shop's train-split judgments and re-rank every test query's judged
 * pool: NDCG@10 with the shop's ESCI gains and MRR of the first Exact, beside random, popularity
 * and keyword on the same pools, with paired tests on per-query NDCG@10.
 */
export async function fineTuneShopRelevance(options: ShopRelevanceOptions): Promise<ShopRelevanceResult> {
  const { shop } = options;
  let train = shopRelevancePairs(shop, "train");
  const seed = options.seed ?? 0;
  if (options.maxTrainPairs !== undefined && options.maxTrainPairs < train.length) {
    train = new Rng(seed).shuffle([...train]).slice(0, options.maxTrainPairs);
  }
  const validation = options.evalEvery ? shopRelevancePairs(shop, "validation") : undefined;
  const test = shopRelevancePairs(shop, "test");
  const trained = await trainCrossEncoder({ ...options, train, validation, scale: ESCI_SCALE });
  try {
    const { classifier } = trained.crossEncoder;
    await options.observer?.inspect?.({
      base: trained.base,
      tokenizer: trained.crossEncoder.tokenizer,
      encoder: classifier.encoder,
      method: classifier.method,
      save: (dir, metadata) => void saveCrossEncoder(dir, trained, metadata),
    });
    const { run } = await trained.crossEncoder.rerank(candidatePools(test));
    const rows = evaluateShopReranking(shop, run, `cross-encoder (${options.method})`, seed);
    return {
      method: options.method,
      trainPairs: train.length,
      testQueries: run.size,
      trainableParameters: trained.trainableParameters,
      totalParameters: trained.totalParameters,
      ...lossEnds(trained.training.losses),
      training: trained.training,
      rows,
      run,
    };
  } finally {
    trained.crossEncoder.dispose();
  }
}

/**
 * A re-ranking of some queries' judged pools (query id -> product ids, best first) against the
 * chapter 5 baselines on the same pools: NDCG@10 with the shop's ESCI gains, MRR of the first
 * Exact, and paired tests on per-query NDCG@10 (t-test, randomisation; Holm over the baselines).
 * The first row is the run's; every query of the run must be judged.
 */
export function evaluateShopReranking(
  shop: { readonly queries: readonly Query[]; readonly products: readonly Product[]; readonly judgments: readonly Judgment[] },
  run: ReadonlyMap<string, readonly string[]>,
  name: string,
  seed = 0
): RelevanceRow[] {
  const queries = shop.queries.filter((q) => run.has(q.id));
  if (queries.length !== run.size) throw new Error(`evaluateShopReranking: ${run.size - queries.length} of the run's query ids are not queries of this shop.`);
  const judgments = shop.judgments.filter((j) => run.has(j.query));
  const qrels = judgmentQrels(judgments, ESCI_GAINS);
  const pools = judgedPools(judgments);
  const baselines: [string, PoolRanker][] = [
    ["random", randomRanker(pools, seed)],
    ["popularity", popularityRanker(pools, shop.products)],
    ["keyword", keywordRanker(pools, shop.products)],
  ];
  // ESCI gains are 1 / 0.1 / 0.01 / 0: only an Exact product reaches the relevance threshold of 1.
  const evaluate = (r: ReadonlyMap<string, readonly string[]>): RunEvaluation<"ndcg@10" | "rr"> =>
    evaluateRun(r, qrels, ["ndcg@10", "rr"], { relevanceThreshold: 1, scale: { min: 0, max: 1 } });
  const ours = evaluate(run);
  const perQuery = (e: RunEvaluation<"ndcg@10" | "rr">): number[] => e.queries.map((q) => (e.perQuery.get(q) as Record<"ndcg@10", number>)["ndcg@10"]);
  const oursNdcg = perQuery(ours);
  const compared = baselines.map(([baseline, ranker]) => {
    const e = evaluate(new Map(queries.map((q) => [q.id, ranker(q)])));
    const theirs = perQuery(e);
    return { baseline, e, t: pairedTTest(oursNdcg, theirs).pValue, r: pairedRandomisationTest(oursNdcg, theirs, { seed }).pValue, diff: mean(oursNdcg) - mean(theirs) };
  });
  const holm = holmCorrection(compared.map((c) => c.r));
  return [
    { ranker: name, ndcg10: ours.mean["ndcg@10"], mrr: ours.mean.rr },
    ...compared.map((c, i) => ({
      ranker: c.baseline,
      ndcg10: c.e.mean["ndcg@10"],
      mrr: c.e.mean.rr,
      versusCrossEncoder: { meanDifference: c.diff, tTestP: c.t, randomisationP: c.r, holmP: holm.adjusted[i] },
    })),
  ];
}

/** The top `k` of several rankings of one query side by side: each cell the product's title and its judged label. */
export function rankingsSideBySide(
  shop: { readonly products: readonly Product[]; readonly judgments: readonly Judgment[] },
  queryId: string,
  rankings: Readonly<Record<string, readonly string[]>>,
  k = 5
): Record<string, string | number>[] {
  const titles = new Map(shop.products.map((p) => [p.id, p.title]));
  const labels = new Map(shop.judgments.filter((j) => j.query === queryId).map((j) => [j.product, j.label]));
  return Array.from({ length: k }, (_, i) => {
    const row: Record<string, string | number> = { rank: i + 1 };
    for (const [name, ids] of Object.entries(rankings)) {
      const id = ids[i];
      row[name] = id === undefined ? "" : `${titles.get(id) ?? id} (${labels.has(id) ? ESCI_NAMES[labels.get(id) as EsciLabel] : "not judged"})`;
    }
    return row;
  });
}

/**
 * A relevance scale for graded pools: each distinct grade a class, when there are at most
 * `maxClasses` (Crowdflower 0..3); otherwise (averaged grades such as Home Depot's 1.33, 2.67)
 * the grades rounded to integers. The expected grade is always on the pools' own scale.
 */
export function relevanceScaleOf(grades: Iterable<number>, maxClasses = 8): { scale: RelevanceScale; labelOf: (grade: number) => string } {
  const distinct = [...new Set(grades)].sort((a, b) => a - b);
  if (distinct.length === 0) throw new Error("relevanceScaleOf: no grades.");
  const bad = distinct.find((g) => !Number.isFinite(g));
  if (bad !== undefined) throw new Error(`relevanceScaleOf: grades must be finite numbers, found ${bad}.`);
  const exact = distinct.length <= maxClasses;
  const classes = exact ? distinct : [...new Set(distinct.map((g) => Math.round(g)))];
  if (classes.length < 2) throw new Error(`relevanceScaleOf: the training pools hold one grade only (${classes[0]}); a classifier needs at least 2.`);
  const label = (g: number): string => String(exact ? g : Math.round(g));
  return { scale: { labels: classes.map(String), grades: classes }, labelOf: label };
}

export interface CrossEncoderScorerOptions extends Omit<CrossEncoderOptions, "train" | "validation" | "scale" | "checkpoint"> {
  /** Named in reports; default "cross-encoder (METHOD)". */
  readonly name?: string;
  /** The checkpoint each fold starts from (default the shipped one), read once. */
  readonly checkpoint?: string | Checkpoint;
  /** Called with every fold's predictions (item id -> expected grade) as it is scored. */
  readonly onPredictions?: (fold: string, pool: RelevancePool, predicted: readonly number[]) => void;
}

/**
 * The cross-encoder as a relevance-folds scorer: on each fold it is fine-tuned from the checkpoint
 * on the training pools' pairs, then scores each test pool by expected grade (so the report gives
 * its RMSE too). A fold's model is freed when the next fold starts; `dispose()` frees the last.
 */
export function crossEncoderScorer(options: CrossEncoderScorerOptions): RelevanceScorer & { dispose(): void } {
  const checkpoint = baseCheckpoint(options.checkpoint);
  let current: CrossEncoder | null = null;
  return {
    name: options.name ?? `cross-encoder (${options.method})`,
    predictsGrades: true,
    dispose: () => {
      current?.dispose();
      current = null;
    },
    train: async (train, fold): Promise<FoldModel> => {
      current?.dispose();
      current = null;
      const { scale, labelOf } = relevanceScaleOf(train.flatMap((p) => p.items.map((i) => i.grade)));
      const pairs: GradedPair[] = train.flatMap((pool) => pool.items.map((item) => ({ queryId: pool.queryId, query: pool.query, docId: item.id, text: relevanceItemText(item), label: labelOf(item.grade) })));
      const trained = await trainCrossEncoder({ ...options, checkpoint, train: pairs, scale });
      current = trained.crossEncoder;
      const { firstLoss, lastLoss } = lossEnds(trained.training.losses);
      const model = current;
      return {
        note: `loss ${firstLoss.toFixed(3)} -> ${lastLoss.toFixed(3)} in ${trained.training.steps} steps, ${trained.training.seconds.toFixed(0)} s`,
        score: async (pool) => {
          const grades = Array.from(await model.expectedGrades(pool.items.map((item) => ({ query: pool.query, text: relevanceItemText(item) }))));
          options.onPredictions?.(fold.name, pool, grades);
          return grades;
        },
      };
    },
  };
}

/** A judged item's text for the cross-encoder: title, then description (the pair is cut from its end). */
function relevanceItemText(item: { readonly id: string; readonly title: string; readonly description: string }): string {
  const text = `${item.title} ${item.description}`.trim();
  if (text === "") throw new Error(`relevance item ${item.id}: empty title and description; a cross-encoder needs the product's text.`);
  return text;
}

/** Save a trained cross-encoder as a fine-tuned checkpoint (its base, method settings and grade scale come with it). */
export function saveCrossEncoder(dir: string, trained: TrainedCrossEncoder, metadata: Record<string, unknown> = {}): FineTunedManifest {
  const ce = trained.crossEncoder;
  return saveFineTuned(dir, ce.classifier, { base: trained.base, task: "relevance", settings: trained.settings, seed: trained.seed, maxLength: ce.maxLength, grades: ce.scale.grades, metadata });
}

/** A saved cross-encoder, ready to score pairs. */
export function loadCrossEncoder(dir: string, options: { readonly base?: string | Checkpoint; readonly tokenizer?: WordPieceTokenizer } = {}): CrossEncoder {
  const loaded = loadFineTuned(dir, options);
  const grades = loaded.manifest.grades;
  if (!grades) {
    loaded.classifier.dispose();
    throw new Error(`Fine-tuned checkpoint ${dir} (task ${loaded.manifest.task}) has no grade scale: it is not a cross-encoder.`);
  }
  return new CrossEncoder(loaded.classifier, loaded.tokenizer, { labels: loaded.manifest.head.labels, grades }, loaded.manifest.maxLength);
}
