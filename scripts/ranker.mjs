#!/usr/bin/env node
// `npm run ranker -- [--profile fast|full] [--folds K] [--trees N] [--depth N] [--lr X] [--rankers LIST] [--no-xgboost] [--out FILE.json]`
// Chapter 4's learned ranker: the shop's judged pools as feature rows (chapter 3's features with
// the shipped bi-encoder, cached under build/ltr), query-level folds (K over train + validation
// queries, then the shop's test split), and NDCG@10 (gain 2^grade - 1) of BM25 (one feature),
// pointwise GBRT, RankNet and LambdaMART, beside XGBoost's rank:ndcg (Debian python3-xgboost) on
// the same rows and folds when it is installed. Prints the table and LambdaMART's feature
// importances; --out writes the record the results card is made from.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";
import { writeRecord } from "./lib/record.mjs";

const USAGE = `usage: npm run ranker -- [options]
  --profile NAME     fast | full (default full)
  --biencoder DIR    the bi-encoder whose embeddings feed the features (default data/models/biencoder)
  --folds K          query folds over the train + validation queries (default 5); the test split is one more fold
  --seed N           the fold split and RankNet's initialisation (default 0)
  --trees N          trees of the boosted rankers (default 100)
  --depth N          their depth (default 6)
  --lr X             their learning rate (default 0.1)
  --rankers LIST     comma-separated: bm25,pointwise,ranknet,lambdamart (default all)
  --no-xgboost       skip the XGBoost comparison
  --cache DIR        where the feature rows are cached (default build/ltr)
  --out FILE         write the run's record (JSON)`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VALUED = ["profile", "biencoder", "folds", "seed", "trees", "depth", "lr", "rankers", "cache", "out"];
const cli = commandLine("ranker", { ...Object.fromEntries(VALUED.map((n) => [n, "string"])), "no-xgboost": "boolean" }, USAGE);
const { fail } = cli;
const profileName = cli.oneOf("profile", ["fast", "full"], "full");
const k = cli.int("folds", 5, 2);
const seed = cli.int("seed", 0);
const trees = cli.int("trees", 100, 1);
const depth = cli.int("depth", 6, 1);
const lr = cli.number("lr", 0.1);
const ALL = ["bm25", "pointwise", "ranknet", "lambdamart"];
const chosen = cli.has("rankers") ? cli.get("rankers").split(",").map((s) => s.trim()) : ALL;
for (const r of chosen) if (!ALL.includes(r)) fail(`unknown ranker ${JSON.stringify(r)} in --rankers; expected some of ${ALL.join(", ")}.`);
const biencoderDir = path.resolve(cli.get("biencoder", path.join(root, "data", "models", "biencoder")));
if (!existsSync(biencoderDir)) fail(`no bi-encoder at ${biencoderDir} (--biencoder).`);
const cacheDir = path.resolve(cli.get("cache", path.join(root, "build", "ltr")));

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");

const started = performance.now();
const backend = await shoplm.initBackend();
const shop = shoplm.loadShop(profileName);
const bi = shoplm.loadBiEncoder(biencoderDir);
let data;
try {
  let last = "";
  data = await shoplm.shopRankingDataset(shop, bi, {
    cacheDir,
    onProgress: (stage, done, total) => {
      const line = `  ${stage}: ${done}/${total}`;
      if (line !== last && (done === total || done % 2000 === 0 || stage === "features")) console.log((last = line));
    },
  });
} finally {
  bi.dispose();
}
console.log(`${profileName} shop: ${data.queryIds.length} judged queries, ${data.rows} rows x ${data.columns} features (${data.version}); ${data.cached ? "read from the cache" : "computed"} in ${data.seconds.toFixed(1)} s; backend ${backend.name}`);
const folds = shoplm.queryFolds(data, shop.queries, { k, seed });
console.log(`folds: ${folds.map((f) => `${f.name} (${f.train.length} train / ${f.test.length} test queries)`).join(", ")}`);

const boosting = { trees, maxDepth: depth, learningRate: lr, lambda: 1, minHessian: 1e-3, maxBins: 256 };
const makers = {
  bm25: () => shoplm.featureRanker("bm25", "BM25 (one feature)"),
  pointwise: () => shoplm.pointwiseRanker(boosting),
  ranknet: () => shoplm.rankNetRanker({ hidden: 16, epochs: 20, seed }),
  lambdamart: () => shoplm.lambdaMartRanker(boosting),
};
const results = await shoplm.compareLearnedRankers(
  data,
  folds,
  chosen.map((r) => makers[r]()),
  { k: 10, onFold: (ranker, fold, ndcg) => console.log(`  ${ranker}, ${fold}: NDCG@10 ${ndcg.toFixed(4)}`) }
);
// Paired t-test of each ranker against BM25 over every test query (each query is tested in exactly one fold).
const bm25 = results.find((r) => r.ranker.startsWith("BM25"));
const versusBm25 = (r) => {
  if (!bm25 || r === bm25) return null;
  const ids = [...bm25.perQuery.keys()];
  const t = shoplm.pairedTTest(ids.map((id) => r.perQuery.get(id)), ids.map((id) => bm25.perQuery.get(id)));
  return { queries: ids.length, meanDifference: t.meanDifference, confidenceInterval: t.confidenceInterval, pValue: t.pValue, test: t.test };
};
const rows = results.map((r) => ({ ranker: r.ranker, folds: r.folds.map((f) => ({ fold: f.fold, queries: f.queries, ndcg: f.ndcg, seconds: f.seconds })), mean: r.mean, versusBm25: versusBm25(r), importances: r.importances ?? null }));

// XGBoost on the same cached rows and folds.
let xgboost = null;
const PYTHON = "/usr/bin/python3";
const hasXgb = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import xgboost, sklearn"]).status === 0;
if (cli.get("no-xgboost")) console.log("XGBoost: skipped (--no-xgboost)");
else if (!hasXgb) console.log("XGBoost: skipped (no Debian python3-xgboost / python3-sklearn at /usr/bin/python3)");
else {
  const spec = { data: data.file, folds: folds.map((f) => ({ name: f.name, train: Array.from(f.train), test: Array.from(f.test) })), trees, depth, learningRate: lr, lambda: 1, minChildWeight: 1e-3, maxBin: 256, k: 10, threads: 1 };
  const t0 = performance.now();
  const r = spawnSync(PYTHON, [path.join(root, "scripts", "golden", "xgboost_rank.py")], { input: JSON.stringify(spec), encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) fail(`xgboost_rank.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  for (const f of out.folds) console.log(`  XGBoost ${out.xgboost} rank:ndcg, ${f.name}: NDCG@10 ${f.ndcg.toFixed(4)}`);
  xgboost = { version: out.xgboost, seconds: (performance.now() - t0) / 1000, folds: out.folds.map((f) => ({ fold: f.name, queries: f.queries, ndcg: f.ndcg })), mean: out.mean };
  rows.push({ ranker: `XGBoost ${out.xgboost} rank:ndcg`, folds: xgboost.folds, mean: out.mean, versusBm25: null, importances: null });
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`\nNDCG@10 (gain 2^grade - 1, ties averaged) by fold:`);
console.log(`${pad("ranker", 28)}${folds.map((f) => pad(f.name, 9)).join("")}mean of folds`);
for (const r of rows) {
  const v = r.versusBm25;
  const paired = v ? `   vs BM25 ${v.meanDifference >= 0 ? "+" : ""}${v.meanDifference.toFixed(4)} [${v.confidenceInterval.map((x) => x.toFixed(4)).join(", ")}], p ${v.pValue.toExponential(1)} (paired t, ${v.queries} queries)` : "";
  console.log(`${pad(r.ranker, 28)}${r.folds.map((f) => pad(f.ndcg.toFixed(4), 9)).join("")}${r.mean.toFixed(4).padEnd(13)}${paired}`);
}
const lm = rows.find((r) => r.ranker === "LambdaMART");
if (lm?.importances) {
  console.log(`\nLambdaMART feature importances (total split gain, model of the last fold):`);
  for (const imp of lm.importances) console.log(`  ${pad(imp.feature, 20)} ${(100 * imp.share).toFixed(1).padStart(5)} %  (${imp.splits} splits)`);
}
if (lm && xgboost) console.log(`\nLambdaMART - XGBoost, mean NDCG@10 over folds: ${(lm.mean - xgboost.mean).toFixed(4)}`);
const seconds = Math.round((performance.now() - started) / 1000);
console.log(`total ${seconds} s`);

if (cli.has("out")) {
  const file = path.resolve(cli.get("out"));
  const record = {
    command: `npm run ranker -- ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    profile: profileName,
    backend: backend.name,
    seconds,
    features: { version: data.version, names: data.names, queries: data.queryIds.length, rows: data.rows, cached: data.cached, seconds: data.seconds },
    folds: folds.map((f) => ({ name: f.name, train: f.train.length, test: f.test.length })),
    metric: "NDCG@10, gain 2^grade - 1 (ESCI E 3, S 2, C 1, I 0), ties averaged; mean of the per-fold means",
    boosting,
    rows,
    xgboost,
  };
  console.log(`wrote ${writeRecord(file, record)}`);
}
