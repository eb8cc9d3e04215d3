#!/usr/bin/env node
// `npm run relevance -- --data PATH [--format NAME] [--folds files|K] [--method lora] [--out DIR] ...`
// Trains and evaluates a cross-encoder on any relevance file or folder the data loaders read
// (Crowdflower, Home Depot, WANDS, ESCI), cross-validated, beside random and BM25 (tuned on each
// fold's training part) in the same run: NDCG@k per fold, mean and std over folds, RMSE of the
// predicted grade, and a paired test of the cross-encoder against each baseline.
// With --out, writes predictions.csv, report.json and report.md there, all or nothing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = `usage: npm run relevance -- --data PATH [options]
  --data PATH          a relevance file or folder (CSV, TSV, JSON lines; see docs in lib/src/data/judgments.ts)
  --format NAME        crowdflower | homedepot | wands | esci | auto (default auto: from the columns)
  --folds files|K      the data's own fold files, or K folds grouped by query (default: files when
                       the data comes as fold-1, fold-2, ... files, else 5)
  --method NAME        probe | full | lora | adapter | prefix | adalora | none (baselines only); default lora
  --checkpoint DIR     the pretrained checkpoint to start from (default data/models/full)
  --init NAME          pretrained (default) | scratch: random weights of the checkpoint's sizes
  --dapt-steps N       first continue the checkpoint's masked-LM pretraining for N steps on the
                       data's own product texts (domain-adaptive pretraining; no labels used)
  --steps N            fine-tuning steps per fold (default: the profile's finetuneSteps)
  --batch N            pairs per step (default: the profile's batch size)
  --lr X               peak learning rate (default: the method's)
  --objective NAME     pointwise (default: each pair's grade) | pairwise (RankNet) | listwise
                       (ListNet): also compare the candidates of one query, batches of whole pools
  --per-pool N         ranking objectives: candidates of each query in a batch (default 8)
  --max-length N       tokens per (query, product) pair (default 64)
  --k N                NDCG cutoff (default 10)
  --seed N             folds, sampling and initialisation (default 0)
  --only-folds 1,2     run these folds only (numbered from 1)
  --out DIR            write predictions.csv, report.json and report.md (an empty or new folder)
  --force              replace an earlier --out folder written by this command`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VALUED = new Set(["data", "format", "folds", "method", "checkpoint", "init", "dapt-steps", "steps", "batch", "lr", "objective", "per-pool", "max-length", "k", "seed", "only-folds", "out"]);
const FLAGS = new Set(["force", "help"]);
const fail = (message) => {
  console.error(`relevance: ${message}`);
  process.exit(2);
};
const values = new Map();
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const name = args[i].startsWith("--") ? args[i].slice(2) : null;
  if (name !== null && FLAGS.has(name)) values.set(name, true);
  else if (name !== null && VALUED.has(name)) {
    if (i + 1 >= args.length || args[i + 1].startsWith("--")) fail(`--${name} needs a value.\n${USAGE}`);
    values.set(name, args[++i]);
  } else fail(`unknown argument ${JSON.stringify(args[i])}.\n${USAGE}`);
}
if (values.get("help")) {
  console.log(USAGE);
  process.exit(0);
}
const number = (name, fallback, check = (v) => Number.isInteger(v) && v >= 1) => {
  if (!values.has(name)) return fallback;
  const v = Number(values.get(name));
  if (!check(v)) fail(`--${name} expects ${check.length ? "a positive integer" : "a number"}, got ${JSON.stringify(values.get(name))}.`);
  return v;
};
if (!values.has("data")) fail(`--data is required.\n${USAGE}`);
const data = path.resolve(values.get("data"));
if (!existsSync(data)) fail(`no file or folder at ${data} (--data).`);
const METHODS = ["probe", "full", "lora", "adapter", "prefix", "adalora", "none"];
const method = values.get("method") ?? "lora";
if (!METHODS.includes(method)) fail(`--method must be one of ${METHODS.join(", ")}, got ${JSON.stringify(method)}.`);
const objective = values.get("objective") ?? "pointwise";
if (!["pointwise", "pairwise", "listwise"].includes(objective)) fail(`--objective must be pointwise, pairwise or listwise, got ${JSON.stringify(objective)}.`);
const init = values.get("init") ?? "pretrained";
if (!["pretrained", "scratch"].includes(init)) fail(`--init must be pretrained or scratch, got ${JSON.stringify(init)}.`);
const out = values.has("out") ? path.resolve(values.get("out")) : null;
const MARKER = "report.json";
if (out && existsSync(out) && readdirSync(out).length > 0) {
  if (!existsSync(path.join(out, MARKER))) fail(`${out} is not empty and was not written by this command; choose an empty or new folder (--out).`);
  if (!values.get("force")) fail(`${out} holds an earlier run; pass --force to replace it.`);
}

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");
const { stringify } = require("csv-stringify/sync");

const profile = shoplm.getProfile();
const seed = number("seed", 0, (v) => Number.isInteger(v) && v >= 0);
const k = number("k", 10);
const steps = number("steps", profile.train.finetuneSteps);
const batchSize = number("batch", profile.train.batchSize);
const maxLength = number("max-length", 64, (v) => Number.isInteger(v) && v >= 8);
const perPool = number("per-pool", 8, (v) => Number.isInteger(v) && v >= 2);
const learningRate = values.has("lr") ? number("lr", undefined, (v) => Number.isFinite(v) && v > 0) : undefined;
const started = performance.now();
const backend = await shoplm.initBackend();

let folds;
try {
  const foldsArg = values.get("folds");
  folds = await shoplm.loadRelevanceFolds(data, {
    format: values.get("format") ?? "auto",
    folds: foldsArg === undefined ? undefined : foldsArg === "files" ? "files" : number("folds", undefined, (v) => Number.isInteger(v) && v >= 2),
    seed,
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const onlyFolds = values.has("only-folds")
  ? values
      .get("only-folds")
      .split(",")
      .map((x) => {
        const f = Number(x);
        if (!Number.isInteger(f) || f < 1 || f > folds.foldNames.length) fail(`--only-folds: "${x}" is not a fold from 1 to ${folds.foldNames.length}.`);
        return f - 1;
      })
  : undefined;
const dropped = folds.dropped.reduce((n, d) => n + d.count, 0);
console.log(
  `${data}: ${folds.format}, ${folds.pairs} pairs, ${folds.queries} queries, ${folds.foldNames.length} folds ` +
    `(${folds.split === "files" ? "the files' own folds: pairs split, test queries also seen in training" : `grouped by query, seed ${seed}`})` +
    `${dropped ? `; ${dropped} rows dropped (${folds.dropped.map((d) => `${d.count} ${d.reason}`).join("; ")})` : ""}. Backend ${backend.name}.`
);

// Domain-adaptive pretraining: the checkpoint's masked-LM training continued on the data's product
// texts (titles and descriptions, every fold's: unlabelled text), saved to a temporary checkpoint.
let checkpoint = values.get("checkpoint");
let dapt = null;
const daptSteps = number("dapt-steps", 0, (v) => Number.isInteger(v) && v >= 0);
if (daptSteps > 0 && method !== "none") {
  const base = shoplm.readCheckpoint(checkpoint ?? shoplm.shippedCheckpointDir());
  const tokenizer = shoplm.loadTokenizer(base.tokenizerPath);
  const texts = shoplm.relevanceProducts(folds).map((p) => `${p.title}. ${p.description}`);
  const bar = shoplm.progress(daptSteps, { label: "domain-adaptive pretraining", unit: "steps" });
  const adapted = await shoplm.adaptToDomain(base, tokenizer, texts, { steps: daptSteps, batchSize, seed, onStep: (s) => bar.tick(1, `loss ${s.loss.toFixed(3)}`) });
  bar.done();
  checkpoint = mkdtempSync(path.join(tmpdir(), "relevance-dapt-"));
  shoplm.saveCheckpoint(checkpoint, adapted.model, { tokenizer: base.tokenizerPath, metadata: { adaptedFrom: base.dir, steps: daptSteps } });
  adapted.model.params.dispose();
  dapt = { steps: daptSteps, texts: adapted.trainTexts, heldOutTexts: adapted.heldOutTexts, piecesPerWord: adapted.piecesPerWord, perplexityBefore: adapted.before.perplexity, perplexityAfter: adapted.after.perplexity, seconds: adapted.seconds };
  console.log(
    `domain-adaptive pretraining: ${daptSteps} steps on ${adapted.trainTexts} product texts (${adapted.piecesPerWord.toFixed(2)} pieces per word); ` +
      `held-out masked-LM perplexity ${adapted.before.perplexity.toFixed(1)} -> ${adapted.after.perplexity.toFixed(1)} (${adapted.seconds.toFixed(0)} s)`
  );
}

const predictions = [];
// The baselines of the same run: random, the training mean grade (the RMSE a grade predictor must beat),
// BM25F with its usual parameters and BM25F tuned on each fold's training part.
const scorers = [shoplm.randomRelevanceScorer(seed), shoplm.meanGradeScorer(), shoplm.bm25FixedScorer(folds), shoplm.bm25RelevanceScorer(folds, { k })];
let crossEncoder = null;
if (method !== "none") {
  crossEncoder = shoplm.crossEncoderScorer({
    method,
    checkpoint,
    fromScratch: init === "scratch",
    name: `cross-encoder (${method}${objective === "pointwise" ? "" : `, ${objective}`}${init === "scratch" ? ", from scratch" : dapt ? `, +${daptSteps} domain steps` : ""})`,
    objective,
    perPool,
    steps,
    batchSize,
    learningRate,
    maxLength,
    seed,
    classWeights: false,
    onPredictions: (fold, pool, predicted) => {
      pool.items.forEach((item, i) => predictions.push({ fold, query_id: pool.queryId, query: pool.query, item: item.id, product_id: item.productId, grade: item.grade, predicted: predicted[i] }));
    },
  });
  scorers.push(crossEncoder);
  console.log(`cross-encoder: ${method} from ${init === "scratch" ? "random weights of the sizes of " : ""}${dapt ? "the domain-adapted " : ""}${values.get("checkpoint") ?? "data/models/full"}, ${steps} steps per fold, batch ${batchSize}, max length ${maxLength}, ${objective} loss${objective === "pointwise" ? "" : ` (${perPool} candidates per query in a batch)`}`);
}
let report;
try {
  report = await shoplm.evaluateRelevanceFolds(folds, scorers, {
    k,
    onlyFolds,
    onFold: (name, r) => process.stderr.write(`  fold ${r.fold}: ${name} NDCG@${k} ${r.ndcg.toFixed(4)}${r.rmse !== null ? `, RMSE ${r.rmse.toFixed(4)}` : ""}${r.note ? ` (${r.note})` : ""}\n`),
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  crossEncoder?.dispose();
  if (dapt) rmSync(checkpoint, { recursive: true, force: true });
}
const seconds = (performance.now() - started) / 1000;
const table = shoplm.relevanceTable(report);
const comparisons = [];
if (crossEncoder) {
  for (const other of report.scorers.filter((s) => s.name !== crossEncoder.name)) {
    comparisons.push(shoplm.compareRelevanceScorers(report, crossEncoder.name, other.name, { seed }));
  }
}
const lines = [
  `NDCG@${k} (linear gain of the grade, ties averaged) and RMSE of the predicted grade; mean and sample std over folds.`,
  "",
  table,
  "",
  ...comparisons.map(
    (c) => `${c.a} - ${c.b} over ${c.queries} queries: mean NDCG@${k} difference ${c.meanDifference.toFixed(4)}, paired t-test p ${c.tTest.pValue.toExponential(2)}, randomisation p ${c.randomisation.pValue.toExponential(2)}`
  ),
  "",
  `${seconds.toFixed(0)} s on ${backend.name}, profile ${profile.name}.`,
];
console.log(`\n${lines.join("\n")}`);

if (out) {
  // All or nothing: everything is written into a fresh sibling folder that replaces `out` at the end.
  const partial = `${out}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  try {
    mkdirSync(partial, { recursive: true });
    const command = `npm run relevance -- ${process.argv.slice(2).join(" ")}`;
    const json = {
      command,
      data,
      format: folds.format,
      split: folds.split,
      folds: report.foldNames,
      pairs: folds.pairs,
      queries: folds.queries,
      method,
      objective,
      perPool: objective === "pointwise" ? null : perPool,
      init,
      dapt,
      steps,
      batchSize,
      maxLength,
      seed,
      backend: backend.name,
      profile: profile.name,
      seconds,
      scorers: report.scorers.map((s) => ({ name: s.name, ndcgMean: s.ndcgMean, ndcgStd: s.ndcgStd, rmse: s.rmse, folds: s.folds })),
      comparisons: comparisons.map((c) => ({ a: c.a, b: c.b, queries: c.queries, meanDifference: c.meanDifference, tTestP: c.tTest.pValue, randomisationP: c.randomisation.pValue })),
    };
    writeFileSync(path.join(partial, "report.md"), `# Relevance: ${path.basename(data)}\n\n\`${command}\`\n\n${lines.join("\n")}\n`);
    writeFileSync(path.join(partial, "predictions.csv"), stringify(predictions, { header: true, columns: ["fold", "query_id", "query", "item", "product_id", "grade", "predicted"] }));
    writeFileSync(path.join(partial, MARKER), `${JSON.stringify(json, null, 2)}\n`);
    if (existsSync(out)) rmSync(out, { recursive: true, force: true });
    renameSync(partial, out);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    fail(`could not write ${out}: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(`wrote ${out}: predictions.csv (${predictions.length} rows), report.json, report.md`);
}
