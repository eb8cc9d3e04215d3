#!/usr/bin/env node
// `npm run engine-ab -- [--profile fast|full] [--sessions N] [--seed N] [--biencoder DIR] [--trees N] [--out FILE.json]`
// Chapter 4's engine (query understanding, BM25 + the bi-encoder, personalisation) in chapter 5's
// simulated A/B test on the shop's test-split sessions: against the keyword baseline of chapter 0,
// against plain BM25, against itself without personalisation (its weight tuned first on the
// validation-split sessions by the simulator's expected CTR), and against itself with a learned
// re-ranking stage (LambdaMART over chapter 3's features and the engine's own score of its top 30,
// trained on the validation-split queries' candidates graded by the catalog's judge, the log cut at
// the test period; the bi-encoder and the intent model learned from the train-split queries, so
// their scores there are too good to learn from). CTR, conversion and revenue per session with
// 95 % intervals, the simulator's exact expected values, and the sessions per arm each observed
// difference would need (alpha 0.05, power 0.8). Shoppers' histories are cut at the start of the
// test period. --out writes the record the results card is made from.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";
import { writeRecord } from "./lib/record.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = "usage: npm run engine-ab -- [--profile fast|full] [--sessions N] [--seed N] [--biencoder DIR] [--trees N] [--out FILE.json]";
const cli = commandLine("engine-ab", { profile: "string", sessions: "string", seed: "string", biencoder: "string", trees: "string", out: "string" }, USAGE);
const trees = cli.int("trees", 100, 1);
const RERANK_DEPTH = 30;
/** The personalisation weights tried on the validation sessions. */
const PERSONAL_WEIGHTS = [0, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2];
const profileName = cli.oneOf("profile", ["fast", "full"], "fast");
const maxSessions = cli.int("sessions", undefined, 2);
const seed = cli.int("seed", 0);
const biencoderDir = path.resolve(cli.get("biencoder") ?? path.join(root, "data", "models", "biencoder"));
if (!existsSync(biencoderDir)) cli.fail(`no bi-encoder at ${biencoderDir} (--biencoder DIR).`);

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");

const started = performance.now();
const loadAverage = os.loadavg()[0];
const backend = await shoplm.initBackend();
const shop = shoplm.loadShop(profileName);
const testSessions = shop.sessions.filter((s) => s.split === "test");
const cut = testSessions.map((s) => s.start).sort()[0];
console.log(`${profileName} shop: ${testSessions.length} test-split sessions from ${cut}; backend ${backend.name}`);

const model = shoplm.loadBiEncoder(biencoderDir);
let engine;
let reranked;
let rerankInfo;
let tuning;
try {
  const vectors = await model.embed(shop.products.map(shoplm.productText), "product");
  const d = vectors.length / shop.products.length;
  const productVectors = new Map(shop.products.map((p, i) => [p.id, vectors.subarray(i * d, (i + 1) * d)]));
  const understanding = shoplm.shopQueryUnderstanding(shop);
  const parts = {
    products: shop.products,
    bm25: shoplm.productBm25Index(shop.products),
    understanding,
    productVectors,
    interactions: shoplm.interactions(shop.sessions),
  };
  engine = new shoplm.ShopEngine(parts);
  const queryTexts = shop.queries.map((q) => q.text);
  await engine.prepareQueries(queryTexts, (texts) => model.embed(texts, "query"));

  // The personalisation weight, tuned on the validation-split sessions (their own history cut):
  // each weight's exact expected CTR from the simulator, on the same sessions (same seed); the
  // best, ties to the smaller weight, is the engine's. The test sessions are not looked at.
  const t1 = performance.now();
  const validationCut = shop.sessions.filter((s) => s.split === "validation").map((s) => s.start).sort()[0];
  const plainArm = engine.with({ personalisation: false }).ranker(validationCut);
  const sweep = PERSONAL_WEIGHTS.map((w) => {
    const r = shoplm.simulateAbTest(shop, plainArm, engine.with({}, { personalWeight: w }).ranker(validationCut), { seed, split: "validation", maxSessions });
    return { personalWeight: w, sessions: r.treatment.sessions, clickThrough: r.treatment.expected.clickThrough, conversion: r.treatment.expected.conversion, revenuePerSession: r.treatment.expected.revenuePerSession };
  });
  const best = sweep.reduce((a, b) => (b.clickThrough > a.clickThrough + 1e-12 ? b : a));
  tuning = { split: "validation", historyCut: validationCut, metric: "expected CTR (the simulator's truth)", sweep, chosen: best.personalWeight, seconds: Number(((performance.now() - t1) / 1000).toFixed(1)) };
  console.log(`personalisation weight on ${best.sessions} validation sessions (expected CTR): ${sweep.map((x) => `${x.personalWeight}: ${x.clickThrough.toFixed(4)}`).join(", ")}; chosen ${best.personalWeight}`);
  engine = engine.with({}, { personalWeight: best.personalWeight });

  // The re-ranking stage: LambdaMART over the features of the engine's top RERANK_DEPTH (no
  // personalisation, anonymous) and its own score, on the corrected text, with the log cut at the
  // test period; trained on the validation-split queries, graded by the catalog's judge; checked offline on the
  // test-split queries (NDCG@10 against the same grades) before the A/B test.
  const t0 = performance.now();
  const corrected = (text) => shoplm.correctedText(text, understanding);
  const searchedTexts = [...new Set(queryTexts.map(corrected))];
  const sources = { ...(await shoplm.shopFeatureSources(shop, model, searchedTexts, { catalogVectors: vectors })), intent: understanding.intent ?? undefined };
  const context = shoplm.featureContext(sources);
  const plain = engine.with({ personalisation: false });
  const runOf = (queries) => new Map(queries.map((q) => [q.id, plain.search(q.text, null, RERANK_DEPTH, { time: cut }).items]));
  const asSearched = (queries) => queries.map((q) => ({ ...q, text: corrected(q.text) }));
  const qrels = shoplm.catalogQrels(shop.products, shop.queries);
  const grade = (q, id) => Math.log2(1 + 7 * (qrels.get(q)?.get(id) ?? 0));
  const fitQueries = shoplm.scoredQueries(shop.queries, qrels, ["validation"]);
  const testQueries = shoplm.scoredQueries(shop.queries, qrels, ["test"]);
  const data = await shoplm.candidateRankingDataset(runOf(fitQueries), asSearched(fitQueries), grade, context, { depth: RERANK_DEPTH, timeOf: () => cut, stageScore: true });
  const ranker = shoplm.trainLambdaMart(data, { trees });
  const reranker = new shoplm.LearnedReranker(ranker, context, { depth: RERANK_DEPTH, name: `LambdaMART (${trees} trees)` });
  // The tuned engine with the stage added: its prepared query vectors are shared, the reranker prepares the searched texts.
  await reranker.prepareQueries(searchedTexts);
  reranked = engine.with({ rerank: true }, { reranker });
  const offline = (e) => shoplm.meanNdcg10(new Map(testQueries.map((q) => [q.id, e.search(q.text, null, 10, { time: cut }).items.map((h) => h.id)])), testQueries, qrels);
  rerankInfo = {
    ranker: `LambdaMART, ${trees} trees`,
    depth: RERANK_DEPTH,
    fitQueries: data.queryIds.length,
    fitSplit: "validation",
    rows: data.rows,
    importances: shoplm.featureImportances(ranker).slice(0, 5),
    offline: { queries: testQueries.length, engine: offline(plain), reranked: offline(reranked.with({ personalisation: false })) },
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
  console.log(`re-ranking stage: ${rerankInfo.ranker} on ${rerankInfo.fitQueries} validation queries' top ${RERANK_DEPTH} (${rerankInfo.rows} rows), ${rerankInfo.seconds} s; offline NDCG@10 on ${testQueries.length} test queries (anonymous): engine ${rerankInfo.offline.engine.toFixed(4)}, + re-ranking ${rerankInfo.offline.reranked.toFixed(4)}`);
  console.log(`  largest gain shares: ${rerankInfo.importances.map((x) => `${x.feature} ${x.share.toFixed(2)}`).join(", ")}`);
} finally {
  model.dispose();
}
const keyword = shoplm.keywordRetriever(shop.products);
const arms = {
  keyword: ["keyword (chapter 0)", (q) => keyword(q, 10)],
  bm25: ["BM25", engine.with({ understanding: false, dense: false, personalisation: false }).ranker(cut)],
  noPersonal: ["engine without personalisation", engine.with({ personalisation: false }).ranker(cut)],
  engine: ["engine (understanding, BM25 + dense, personalisation)", engine.ranker(cut)],
  reranked: [`engine + learned re-ranking (${rerankInfo.ranker}, top ${RERANK_DEPTH})`, reranked.ranker(cut)],
};
const comparisons = [["keyword", "engine"], ["bm25", "engine"], ["noPersonal", "engine"], ["engine", "reranked"]];
const rows = [];
const f = (x) => x.toFixed(4);
for (const [a, b] of comparisons) {
  const t0 = performance.now();
  const row = shoplm.abTestWithPower(shop, arms[a], arms[b], { seed, split: "test", maxSessions });
  const r = row.result;
  console.log(`\n${row.control} vs ${row.treatment} (${((performance.now() - t0) / 1000).toFixed(0)} s): ${r.control.sessions} / ${r.treatment.sessions} sessions`);
  console.log(`  CTR ${f(r.control.clickThrough.value)} -> ${f(r.treatment.clickThrough.value)} (p ${r.clickThrough.pValue.toExponential(1)}; truth ${f(r.control.expected.clickThrough)} -> ${f(r.treatment.expected.clickThrough)}); sessions per arm needed: ${row.sessionsNeeded.clickThrough ?? "-"}`);
  console.log(`  conversion ${f(r.control.conversion.value)} -> ${f(r.treatment.conversion.value)} (p ${r.conversion.pValue.toExponential(1)}); needed: ${row.sessionsNeeded.conversion ?? "-"}`);
  console.log(`  revenue per session ${r.control.revenuePerSession.value.toFixed(2)} -> ${r.treatment.revenuePerSession.value.toFixed(2)} (p ${r.revenue.pValue.toExponential(1)})`);
  rows.push(row);
}
const seconds = Math.round((performance.now() - started) / 1000);
console.log(`\n${seconds} s in all`);
if (cli.has("out")) {
  const file = path.resolve(cli.get("out"));
  const record = {
    command: `npm run engine-ab -- ${cli.argv.join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    profile: profileName,
    backend: backend.name,
    seconds,
    loadAverage: Number(loadAverage.toFixed(2)),
    sessions: testSessions.length,
    historyCut: cut,
    engine: { denseWeight: engine.denseWeight, personalWeight: engine.personalWeight, depth: engine.depth },
    personalisationTuning: tuning,
    rerank: rerankInfo,
    seed,
    rows,
  };
  console.log(`wrote ${writeRecord(file, record)}`);
}
