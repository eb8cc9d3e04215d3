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
import { commandLine } from "./lib/args.mjs";

const USAGE = `usage: npm run relevance -- --data PATH [options]
  --data PATH          a relevance file or folder (CSV, TSV or Parquet, gzip or not; see lib/src/data/judgments.ts)
  --format NAME        crowdflower | homedepot | wands | esci | auto (default auto: from the columns)
  --where COL=V[,...]  keep only the rows whose columns equal these values, e.g. ESCI's
                       product_locale=us,small_version=1 (the task 1 reduced set in English)
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
  --match-channel      mark the words query and product share with two extra segment types
                       (the lexical match channel; --method full only)
  --fuse               also score the cross-encoder fused with the tuned BM25, and with the
                       LambdaMART text-match ranker: each pair's scores
                       z-scored within the query's pool and added (equal weights, nothing tuned)
  --k N                NDCG cutoff (default 10)
  --seed N             folds, sampling and initialisation (default 0)
  --workers N|auto     gradient worker threads for the cross-encoder (any objective; not
                       adalora): default 1, or COURSE_WORKERS; auto: the cores minus one
  --only-folds 1,2     run these folds only (numbered from 1)
  --out DIR            write predictions.csv, report.json and report.md (an empty or new folder)
  --force              replace an earlier --out folder written by this command`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VALUED = ["data", "format", "where", "folds", "method", "checkpoint", "init", "dapt-steps", "steps", "batch", "lr", "objective", "per-pool", "max-length", "k", "seed", "only-folds", "out", "workers"];
const cli = commandLine("relevance", { ...Object.fromEntries(VALUED.map((name) => [name, "string"])), force: "boolean", "match-channel": "boolean", fuse: "boolean" }, USAGE);
const { fail } = cli;
cli.require("data");

const data = path.resolve(cli.get("data"));
if (!existsSync(data)) fail(`no file or folder at ${data} (--data).`);
const method = cli.oneOf("method", ["probe", "full", "lora", "adapter", "prefix", "adalora", "none"], "lora");
const objective = cli.oneOf("objective", ["pointwise", "pairwise", "listwise"], "pointwise");
const init = cli.oneOf("init", ["pretrained", "scratch"], "pretrained");
const matchChannel = cli.get("match-channel") === true;
const fuse = cli.get("fuse") === true;
if (fuse && method === "none") fail("--fuse fuses the cross-encoder with BM25, and --method none trains no cross-encoder.");
if (matchChannel && method !== "full") fail(`--match-channel trains new segment embeddings, which only --method full updates (got --method ${method}).`);
const out = cli.has("out") ? path.resolve(cli.get("out")) : null;
const MARKER = "report.json";
if (out && existsSync(out) && readdirSync(out).length > 0) {
  if (!existsSync(path.join(out, MARKER))) fail(`${out} is not empty and was not written by this command; choose an empty or new folder (--out).`);
  if (!cli.get("force")) fail(`${out} holds an earlier run; pass --force to replace it.`);
}

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");
const { stringify } = require("csv-stringify/sync");

const profile = shoplm.getProfile();
const seed = cli.int("seed", 0);
const k = cli.int("k", 10, 1);
const steps = cli.int("steps", profile.train.finetuneSteps, 1);
const batchSize = cli.int("batch", profile.train.batchSize, 1);
const maxLength = cli.int("max-length", 64, 8);
const perPool = cli.int("per-pool", 8, 2);
const learningRate = cli.number("lr", undefined);
// Gradient worker threads for the cross-encoder: the main thread alone unless asked (or COURSE_WORKERS).
const workersArg = cli.get("workers");
const workers = workersArg === undefined ? undefined : workersArg === "auto" ? "auto" : cli.int("workers", 1, 1);
const started = performance.now();
const backend = await shoplm.initBackend();

/** --where "a=1,b=2" as { a: "1", b: "2" }. */
function whereOption(text) {
  const out = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) fail(`--where: expected COLUMN=VALUE pairs separated by commas, got "${part}".`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

let folds;
try {
  const foldsArg = cli.get("folds");
  folds = await shoplm.loadRelevanceFolds(data, {
    format: cli.get("format") ?? "auto",
    where: cli.has("where") ? whereOption(cli.get("where")) : undefined,
    folds: foldsArg === undefined ? undefined : foldsArg === "files" ? "files" : cli.int("folds", undefined, 2),
    seed,
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const onlyFolds = cli.has("only-folds")
  ? cli
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
// What the loader decided on its own (files skipped, encodings guessed), so nothing passes unseen.
for (const note of folds.notes) console.log(`  note: ${note}`);
for (const s of folds.sources) if (s.encodingNote) console.log(`  ${path.basename(s.file)}: ${s.encodingNote}`);

// Domain-adaptive pretraining: the checkpoint's masked-LM training continued on the data's product
// texts (titles and descriptions, every fold's: unlabelled text), saved to a temporary checkpoint.
let checkpoint = cli.get("checkpoint");
let dapt = null;
const daptSteps = cli.int("dapt-steps", 0);
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
// BM25F with its usual parameters, BM25F tuned on each fold's training part, and LambdaMART over
// text-match features trained on it (the learned lexical baseline).
const bm25Tuned = shoplm.rememberingScorer(shoplm.bm25RelevanceScorer(folds, { k }));
const ltr = shoplm.rememberingScorer(shoplm.lambdaMartRelevanceScorer(folds, { seed, evalAt: k }));
const scorers = [shoplm.randomRelevanceScorer(seed), shoplm.meanGradeScorer(), shoplm.bm25FixedScorer(folds), bm25Tuned, ltr];
let crossEncoder = null;
if (method !== "none") {
  crossEncoder = shoplm.crossEncoderScorer({
    method,
    checkpoint,
    fromScratch: init === "scratch",
    name: `cross-encoder (${method}${matchChannel ? ", match channel" : ""}${objective === "pointwise" ? "" : `, ${objective}`}${init === "scratch" ? ", from scratch" : dapt ? `, +${daptSteps} domain steps` : ""})`,
    objective,
    matchChannel,
    perPool,
    steps,
    batchSize,
    learningRate,
    maxLength,
    seed,
    workers,
    classWeights: false,
    onPredictions: (fold, pool, predicted) => {
      pool.items.forEach((item, i) => predictions.push({ fold, query_id: pool.queryId, query: pool.query, item: item.id, product_id: item.productId, grade: item.grade, predicted: predicted[i] }));
    },
  });
  const remembered = shoplm.rememberingScorer(crossEncoder);
  scorers.push(remembered);
  // Listed after both parts: it reuses their fold models and scores (the cross-encoder trains once).
  if (fuse) {
    for (const lexical of [bm25Tuned, ltr]) scorers.push(shoplm.fusedRelevanceScorer(`fusion: ${crossEncoder.name} + ${lexical.name}, z-scores`, [remembered, lexical]));
  }
  console.log(`cross-encoder: ${method} from ${init === "scratch" ? "random weights of the sizes of " : ""}${dapt ? "the domain-adapted " : ""}${cli.get("checkpoint") ?? "data/models/full"}, ${steps} steps per fold, batch ${batchSize}, max length ${maxLength}${matchChannel ? ", lexical match channel" : ""}, ${objective} loss${objective === "pointwise" ? "" : ` (${perPool} candidates per query in a batch)`}`);
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
  // Each fusion against its lexical part.
  for (const lexical of [bm25Tuned, ltr]) {
    const fusion = report.scorers.find((s) => s.name === `fusion: ${crossEncoder.name} + ${lexical.name}, z-scores`);
    if (fusion) comparisons.push(shoplm.compareRelevanceScorers(report, fusion.name, lexical.name, { seed }));
  }
}
// The learned lexical ranker against the tuned BM25 it builds on.
comparisons.push(shoplm.compareRelevanceScorers(report, ltr.name, bm25Tuned.name, { seed }));
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
      matchChannel,
      fuse,
      workers: shoplm.resolveWorkers(workers),
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
