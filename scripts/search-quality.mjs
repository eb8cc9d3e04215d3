#!/usr/bin/env node
// `npm run search-quality -- [--profile fast|full] [--biencoder DIR] [--trees N]
//    [--cross-encoder DIR [--cross-encoder-depth N]] [--intent DIR] [--out FILE.json]`
// Chapter 4's search quality table: full-catalog retrieval on the shop's test queries by BM25,
// the bi-encoder (data/models/biencoder by default), and their fusion (RRF swept over k and
// depth, a linear mix of normalised scores tuned on the validation queries); NDCG@10 by query
// kind with a paired randomisation test against BM25; then the MMR trade-off (NDCG@10 against
// intra-list diversity and brand exposure) over the hybrid top 100. Learned re-rankers of the
// hybrid top 100: LambdaMART on graded candidates or on the judged pools, and a linear RankNet on
// the train-split click log, naive and IPS-weighted. With --cross-encoder DIR (a
// relevance model saved by `npm run finetune -- --task relevance --save DIR`, folder
// relevance-<method>), a row re-ranks each hybrid top N (default 20) by chapter 2's cross-encoder
// (expected ESCI grade of query and product text). With --intent DIR (`npm run finetune -- --task
// intent --save DIR`, folder intent-<method>), a row runs query understanding with chapter 2's
// intent classifier in place of the naive Bayes one. The profile comes from
// --profile, else COURSE_PROFILE, else fast. --out writes the record the results card is made
// from: `rows` is a list of stages ({ stage, queries, ndcg10, byKind, recall100, pValue, ... }),
// so later stages (cross-encoder, learned ranker, clicks) append rows of the same shape.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";
import { writeRecord } from "./lib/record.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = "usage: npm run search-quality -- [--profile fast|full] [--biencoder DIR] [--trees N] [--cross-encoder DIR [--cross-encoder-depth N]] [--intent DIR] [--out FILE.json]";
const cli = commandLine("search-quality", { profile: "string", biencoder: "string", trees: "string", "cross-encoder": "string", "cross-encoder-depth": "string", intent: "string", out: "string" }, USAGE);
const { fail } = cli;
const args = cli.argv;
const trees = cli.int("trees", 100, 1);
const biencoderDir = path.resolve(cli.get("biencoder") ?? path.join(root, "data", "models", "biencoder"));
if (!existsSync(biencoderDir)) fail(`no bi-encoder at ${biencoderDir} (--biencoder DIR; the shipped one is data/models/biencoder).`);
const crossEncoderDir = cli.has("cross-encoder") ? path.resolve(cli.get("cross-encoder")) : null;
if (crossEncoderDir && !existsSync(crossEncoderDir)) fail(`--cross-encoder: no folder at ${crossEncoderDir} (train one with npm run finetune -- --task relevance --save DIR).`);
const crossEncoderDepth = cli.int("cross-encoder-depth", 20, 1);
const intentDir = cli.has("intent") ? path.resolve(cli.get("intent")) : null;
if (intentDir && !existsSync(intentDir)) fail(`--intent: no folder at ${intentDir} (train one with npm run finetune -- --task intent --save DIR).`);
if (cli.has("cross-encoder-depth") && !crossEncoderDir) fail("--cross-encoder-depth needs --cross-encoder DIR.");

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");

const KINDS = ["exact-product", "category-attribute", "synonym", "vague", "misspelled", "brand"];
const f = (x, d = 3) => (x === null || x === undefined ? "-" : Number(x).toFixed(d));
const p = (x) => (x === null ? "-" : x < 0.001 ? x.toExponential(1) : x.toFixed(3));

const started = performance.now();
const loadAverage = os.loadavg()[0];
const backend = await shoplm.initBackend();
let profile;
try {
  profile = shoplm.getProfile(cli.get("profile"));
} catch (error) {
  fail(error.message);
}
const shop = shoplm.loadShop(profile.name);
const splits = Object.fromEntries(["train", "validation", "test"].map((s) => [s, shop.queries.filter((q) => q.split === s).length]));
console.log(`${profile.name} shop: ${shop.products.length} products, queries ${JSON.stringify(splits)}; backend ${backend.name}`);

const model = shoplm.loadBiEncoder(biencoderDir);
const modelId = model.modelId;
let report;
let learned;
try {
  let last = 0;
  report = await shoplm.hybridSearch({
    shop,
    biEncoder: model,
    onProgress: (done, total) => {
      if (done === total || done - last >= total / 10) {
        last = done;
        console.log(`  embedded ${done} / ${total} products`);
      }
    },
  });
  const retrievalSeconds = (performance.now() - started) / 1000;

  // Query understanding on BM25: the spelling corrector, the category boost and the attribute
  // demotion, learned from the catalog and the train-split queries only.
  const understandingModel = shoplm.shopQueryUnderstanding(shop);
  const bm25 = shoplm.productBm25Index(shop.products);
  const understood = shoplm.understoodBm25Run(bm25, report.context.queries, understandingModel, shop.products, { depth: report.depth });
  const understoodRow = shoplm.searchQualityRow("BM25 + query understanding (spelling, category boost, attribute demotion)", understood, report.context);
  // The same understanding with chapter 2's intent classifier in place of naive Bayes; and each
  // intent model's top-1 accuracy on the test queries' first target category.
  const topCategory = (intent, q, corrected) => [...intent(corrected)].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const correctedOf = (q) => shoplm.correctedText(q.text, understandingModel);
  const intentAccuracy = (intent) => report.context.queries.filter((q) => topCategory(intent, q, correctedOf(q)) === q.intent.targets[0].category).length / report.context.queries.length;
  const intents = [{ model: "naive Bayes (train queries and product titles)", accuracy: intentAccuracy(understandingModel.intent) }];
  const intentRows = [];
  if (intentDir) {
    const loaded = shoplm.loadFineTuned(intentDir);
    try {
      const classifier = await shoplm.classifierIntent(loaded, report.context.queries.map(correctedOf));
      const withClassifier = { ...understandingModel, intent: classifier };
      const run = shoplm.understoodBm25Run(bm25, report.context.queries, withClassifier, shop.products, { depth: report.depth });
      const name = `chapter 2's intent model (${loaded.manifest.method.name}, ${path.relative(root, intentDir)})`;
      intents.push({ model: name, accuracy: intentAccuracy(classifier) });
      intentRows.push(shoplm.searchQualityRow(`BM25 + query understanding with ${name}`, run, report.context));
    } finally {
      loaded.classifier.dispose();
    }
  }
  for (const x of intents) console.log(`  intent top-1 accuracy on the test queries: ${x.model} ${x.accuracy.toFixed(3)}`);

  // The learned ranker: LambdaMART over chapter 3's features, re-ranking the hybrid top 100 of
  // each test query. Trained two ways, to show why the training sample matters:
  // (a) on the hybrid top 100 of the validation queries, graded by the catalog's judge (the
  //     candidates it will meet);
  // (b) on the judged pools of the train and validation queries (another sample of products, and
  //     the bi-encoder learned from the train queries' judgments, so its cosine is too good there).
  const ltrStarted = performance.now();
  // Labels whose LambdaMART gain 2^label - 1 is proportional to the table's ESCI gain (Exact 1,
  // Substitute 0.1, Complement 0.01), so the ranker optimises the NDCG it is scored by.
  const grade = (q, id) => Math.log2(1 + 7 * (report.context.qrels.get(q)?.get(id) ?? 0));
  const validation = shoplm.scoredQueries(shop.queries, report.context.qrels, ["validation"]);
  // The click log's pages: train-split sessions searching train-split queries (as npm run click-debias).
  const trainQueries = shop.queries.filter((q) => q.split === "train");
  const trainIds = new Set(trainQueries.map((q) => q.id));
  const allPages = shoplm.searchImpressions(shop.sessions, { splits: ["train"] });
  const clickPages = allPages.filter((x) => trainIds.has(x.query));
  const wanted = [...validation, ...report.context.queries, ...trainQueries];
  const sources = await shoplm.shopFeatureSources(shop, model, wanted.map((q) => q.text));
  const context = shoplm.featureContext(sources);
  const progress = (what) => (done, total) => done === total && console.log(`  ${what}: features of ${total} queries' candidates`);
  // Features read the log before the test period only (popularity, the shopper's history).
  const beforeTest = () => shoplm.SPLIT_BOUNDARIES.test;
  const candidates = await shoplm.candidateRankingDataset(report.runs.hybrid, validation, grade, context, { depth: report.depth, timeOf: beforeTest, onProgress: progress("validation") });
  const testData = await shoplm.candidateRankingDataset(report.runs.hybrid, report.context.queries, grade, context, { depth: report.depth, timeOf: beforeTest, onProgress: progress("test") });
  const onCandidates = shoplm.trainLambdaMart(candidates, { trees });
  const pools = await shoplm.shopRankingDataset(shop, model, { onProgress: (stage, done, total) => done === total && console.log(`  judged pools, ${stage}: ${done} / ${total}`) });
  const testIds = new Set(shop.queries.filter((q) => q.split === "test").map((q) => q.id));
  const poolQueries = pools.queryIds.map((id, i) => (testIds.has(id) ? -1 : i)).filter((i) => i >= 0);
  const poolData = shoplm.subsetQueries(pools, poolQueries);
  const onPools = shoplm.trainLambdaMart(poolData, { trees });
  const rerank = (ranker) => shoplm.datasetRun(testData, shoplm.scoreRows(ranker, testData));
  // Rankers learned from clicks (a linear RankNet: its debiased weights carry over to products the
  // log never showed; see npm run click-debias), naive and weighted by EM propensities, re-ranking
  // the same hybrid top 100.
  const clickStarted = performance.now();
  const propensities = shoplm.emPropensities(allPages);
  const clickRanker = shoplm.linearRankNetRanker();
  const naiveClicks = await shoplm.clickRankingData(clickPages, trainQueries, context);
  const ipsClicks = await shoplm.clickRankingData(clickPages, trainQueries, context, { propensities });
  const clickRun = (data) => shoplm.datasetRun(testData, clickRanker.train(data).score(testData.values, testData.rows));
  const clickRows = [
    shoplm.searchQualityRow(`hybrid + linear RankNet on clicks, naive (${naiveClicks.queryIds.length} clicked train-split pages)`, clickRun(naiveClicks), report.context),
    shoplm.searchQualityRow("hybrid + linear RankNet on the same clicks, IPS-weighted (EM propensities)", clickRun(ipsClicks), report.context),
  ];
  const clickInfo = { pages: naiveClicks.queryIds.length, rows: naiveClicks.rows, propensities: propensities.values, seconds: Number(((performance.now() - clickStarted) / 1000).toFixed(1)) };
  console.log(`  clicks: ${clickInfo.pages} clicked pages, ${clickInfo.rows} rows, ${clickInfo.seconds} s`);
  // Chapter 2's cross-encoder over each hybrid top N: the expected grade of (query, title + description).
  let crossEncoderRow = null;
  let crossEncoderInfo = null;
  if (crossEncoderDir) {
    const ceStarted = performance.now();
    const ce = shoplm.loadCrossEncoder(crossEncoderDir);
    try {
      const textOf = new Map(shop.products.map((x) => [x.id, shoplm.productText(x)]));
      const run = await shoplm.rerankTopByPairs(report.runs.hybrid, report.context.queries, (pairs) => ce.expectedGrades(pairs.map((x) => ({ query: x.query, text: textOf.get(x.id) }))), crossEncoderDepth);
      const manifest = shoplm.readFineTunedManifest(crossEncoderDir);
      crossEncoderInfo = { dir: path.relative(root, crossEncoderDir), method: manifest.method.name, matchChannel: manifest.matchChannel === true, depth: crossEncoderDepth, pairs: report.context.queries.length * crossEncoderDepth, seconds: Number(((performance.now() - ceStarted) / 1000).toFixed(1)) };
      crossEncoderRow = shoplm.searchQualityRow(`hybrid + cross-encoder (chapter 2, ${crossEncoderInfo.method}${crossEncoderInfo.matchChannel ? ", match channel" : ""}; top ${crossEncoderDepth} re-ranked)`, run, report.context);
      console.log(`  cross-encoder: ${crossEncoderInfo.pairs} pairs in ${crossEncoderInfo.seconds} s`);
    } finally {
      ce.dispose();
    }
  }
  learned = {
    rows: [
      understoodRow,
      ...intentRows,
      ...(crossEncoderRow ? [crossEncoderRow] : []),
      shoplm.searchQualityRow(`hybrid + LambdaMART (${trees} trees; hybrid top ${report.depth} of ${validation.length} validation queries, graded)`, rerank(onCandidates), report.context),
      shoplm.searchQualityRow(`hybrid + LambdaMART (${trees} trees; judged pools of ${poolQueries.length} train and validation queries)`, rerank(onPools), report.context),
      ...clickRows,
    ],
    rankers: [
      { trainedOn: "candidates", trees: onCandidates.trees.length, queries: candidates.queryIds.length, rows: candidates.rows, importances: shoplm.featureImportances(onCandidates).slice(0, 5) },
      { trainedOn: "judged pools", trees: onPools.trees.length, queries: poolData.queryIds.length, rows: poolData.rows, importances: shoplm.featureImportances(onPools).slice(0, 5) },
    ],
    seconds: (performance.now() - ltrStarted) / 1000,
    retrievalSeconds,
    crossEncoder: crossEncoderInfo,
    clicks: clickInfo,
    intents,
  };
} finally {
  model.dispose();
}
const retrievalSeconds = learned.retrievalSeconds;
const rows = [...report.rows, ...learned.rows];

console.log(`\nNDCG@10 on the ${report.context.queries.length} ${report.context.split}-split queries with an Exact product (full catalog, top ${report.depth}); p: paired randomisation test against BM25 (two-sided, ${report.context.samples} sign flips, seed ${report.context.seed})`);
console.log(["stage".padEnd(58), "all  ", ...KINDS.map((k) => k.slice(0, 8).padEnd(8)), "R@100", "p"].join(" "));
for (const r of rows) console.log([r.stage.padEnd(58), f(r.ndcg10), ...KINDS.map((k) => f(r.byKind[k]?.ndcg10).padEnd(8)), f(r.recall100), p(r.pValue)].join(" "));

console.log(`\nRRF sweep (NDCG@10 on ${report.tuningQueries} tuning queries / on the test queries):`);
for (const s of report.rrfSweep) console.log(`  k = ${String(s.k).padStart(3)}, depth ${String(s.depth).padStart(3)}: ${f(s.tuning)} / ${f(s.test)}`);
console.log("Linear mix sweep (dense weight, normalisation: tuning / test):");
for (const s of report.linearSweep) if (Math.round(s.denseWeight * 20) % 2 === 0) console.log(`  w = ${s.denseWeight.toFixed(2)}, ${s.normalize.padEnd(6)}: ${f(s.tuning)} / ${f(s.test)}`);
console.log(`chosen on the tuning queries: RRF k = ${report.chosen.rrf.k}, depth ${report.chosen.rrf.depth}; linear w = ${report.chosen.linear.denseWeight}, ${report.chosen.linear.normalize}; hybrid candidates: ${report.chosen.hybrid}`);

const mmrStarted = performance.now();
const brandOf = new Map(shop.products.map((x) => [x.id, x.brand]));
const mmr = shoplm.mmrTradeOff({ run: report.runs.hybrid, queries: report.context.queries, qrels: report.context.qrels, embeddings: report.embeddingOf, brandOf, k: 10, depth: 100 });
const mmrSeconds = (performance.now() - mmrStarted) / 1000;
console.log(`\nMMR over the hybrid top 100 (cosine of the bi-encoder's product vectors), top 10:`);
console.log("  lambda  NDCG@10  diversity  brand div.  brands  brand exposure Gini");
for (const x of mmr) console.log(`  ${x.lambda.toFixed(1).padStart(6)}  ${f(x.ndcg10)}    ${f(x.diversity)}      ${f(x.brandDiversity)}       ${f(x.distinctBrands, 2)}    ${f(x.brandExposureGini)}`);
const seconds = Math.round((performance.now() - started) / 1000);
console.log(`\n${seconds} s in all (retrieval and fusion ${Math.round(retrievalSeconds)} s, understanding and learned ranker ${Math.round(learned.seconds)} s, MMR ${Math.round(mmrSeconds)} s)`);

if (cli.has("out")) {
  const file = path.resolve(cli.get("out"));
  const row = (r) => ({ stage: r.stage, queries: r.queries, ndcg10: r.ndcg10, byKind: r.byKind, recall100: r.recall100, pValue: r.pValue, baseline: r.baseline, test: r.test });
  const record = {
    command: `npm run search-quality -- ${args.join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    profile: profile.name,
    backend: backend.name,
    seconds,
    loadAverage: Number(loadAverage.toFixed(2)),
    sizes: { products: shop.products.length, queries: splits, scored: report.context.queries.length, tuning: report.tuningQueries, depth: report.depth },
    biencoder: { dir: path.relative(root, biencoderDir), modelId },
    evaluation: `full-catalog retrieval; NDCG@10 with ESCI gains (Exact 1, Substitute 0.1, Complement 0.01) over catalog-wide grades, on the ${report.context.split}-split queries with an Exact product; p-values: paired ${report.context.test} test against ${report.context.baseline} (two-sided, ${report.context.samples} samples, seed ${report.context.seed}); fusion tuned on the validation queries`,
    rows: rows.map(row),
    learnedRankers: learned.rankers,
    ...(learned.crossEncoder ? { crossEncoder: learned.crossEncoder } : {}),
    clicks: learned.clicks,
    intents: learned.intents,
    rrfSweep: report.rrfSweep,
    linearSweep: report.linearSweep,
    chosen: report.chosen,
    mmr: { candidates: "hybrid top 100", similarity: "cosine of the bi-encoder's product vectors", relevance: "hybrid scores min-max normalised per query", k: 10, seconds: Number(mmrSeconds.toFixed(1)), points: mmr },
  };
  console.log(`wrote ${writeRecord(file, record)}`);
}
