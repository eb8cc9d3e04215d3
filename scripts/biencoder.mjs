#!/usr/bin/env node
// `npm run biencoder -- [--steps N] [--batch B] [--method full|lora] [--shared|--separate] [--temperature T]
//    [--learn-temperature] [--symmetric] [--hard-negatives N] [--max-length N] [--learning-rate X] [--seed N]
//    [--profile fast|full] [--workers N|auto] [--save DIR] [--out FILE.json]`
// Chapter 3's contrastive bi-encoder: trained from the shipped checkpoint (data/models/full) on the
// shop's train-split queries (Exact judgments and purchases after a search as positives, judged
// Irrelevant/Complement products and the keyword baseline's non-Exact top results as hard
// negatives), then full-catalog retrieval on the test-split queries: recall@10, recall@100 and
// NDCG@10 overall and by query kind, beside keyword search and the un-fine-tuned encoder (mean
// pooling). --out writes the record the chapter's results card is made from; --save keeps the model.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";
import { writeRecord } from "./lib/record.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = `usage: npm run biencoder -- [--steps N] [--batch B] [--method full|lora] [--shared|--separate] [--temperature T]
   [--learn-temperature] [--symmetric] [--hard-negatives N] [--max-length N] [--learning-rate X] [--seed N]
   [--profile fast|full] [--workers N|auto] [--save DIR] [--out FILE.json]
  --workers N|auto  gradient worker threads (they exchange their pairs' vectors each step):
                    default 1, or COURSE_WORKERS; auto: the cores minus one`;
const withValue = ["steps", "batch", "method", "temperature", "hard-negatives", "max-length", "learning-rate", "seed", "profile", "save", "out", "workers"];
const flags = ["shared", "separate", "symmetric", "learn-temperature"];
const cli = commandLine("biencoder", Object.fromEntries([...withValue.map((n) => [n, "string"]), ...flags.map((n) => [n, "boolean"])]), USAGE);
const { fail } = cli;
const args = cli.argv;
const integer = cli.int;
const positive = cli.number;
if (cli.has("shared") && cli.has("separate")) fail("--shared and --separate exclude each other; give one.");
const method = cli.oneOf("method", ["full", "lora"], "full");
const steps = integer("steps", 300, 1);
const batchSize = integer("batch", 32, 2);
const hardNegatives = integer("hard-negatives", 1);
const maxLength = integer("max-length", 40, 3);
const seed = integer("seed", 0);
const temperature = positive("temperature", 0.05);
const learningRate = cli.has("learning-rate") ? positive("learning-rate") : undefined;
const workersArg = cli.get("workers");
const workers = workersArg === undefined ? undefined : workersArg === "auto" ? "auto" : integer("workers", 1, 1);

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");

const profile = shoplm.getProfile(cli.get("profile") ?? "full");
const info = await shoplm.initBackend();
const shop = shoplm.loadShop(profile.name);
const command = `npm run biencoder -- ${args.join(" ")}`.trim();
const shared = !cli.has("separate");
console.log(`${command}\n${profile.name} shop (${shop.products.length} products); ${method}, ${shared ? "shared" : "separate"} towers, ${steps} steps of batch ${batchSize}, max length ${maxLength}, seed ${seed}; ${info.toString()}`);
const started = Date.now();
const loadStart = Number(os.loadavg()[0].toFixed(2));
const f = (x, d = 3) => Number(x).toFixed(d);

const data = shoplm.retrievalTrainingData(shop, { seed });
console.log(`training data: ${JSON.stringify(data.counts)}`);
const trained = await shoplm.trainBiEncoder({
  method,
  data,
  products: shop.products,
  steps,
  batchSize,
  maxLength,
  seed,
  temperature,
  learnTemperature: cli.has("learn-temperature"),
  symmetric: cli.has("symmetric"),
  hardNegativesPerPair: hardNegatives,
  shared,
  learningRate,
  workers,
  onStep: (s) => {
    if (s.step === 1 || s.step % 25 === 0 || s.step === steps) console.log(`step ${s.step}/${steps}: loss ${f(s.loss)}, lr ${s.learningRate.toExponential(2)}, ${Math.round(s.stepMs)} ms`);
  },
});
console.log(`trained in ${f(trained.seconds, 1)} s on ${trained.workers === 1 ? "the main thread" : `${trained.workers} gradient workers`}: loss ${f(trained.firstLoss)} -> ${f(trained.lastLoss)}, temperature ${f(trained.temperature, 4)}, ${trained.trainableParameters} trainable parameters`);
const pretrained = shoplm.pretrainedBiEncoder({ maxLength });
let comparison;
try {
  let last = 0;
  comparison = await shoplm.compareRetrieval({
    shop,
    retrievers: [
      ["encoder, not fine-tuned (mean pooling)", pretrained],
      [`bi-encoder (${method})`, trained.biEncoder],
    ],
    onProgress: (name, done, total) => {
      if (done === total || done - last >= 10000) {
        last = done === total ? 0 : done;
        console.log(`embedding the catalog (${name}): ${done}/${total}`);
      }
    },
  });
  if (cli.has("save")) {
    const dir = path.resolve(cli.get("save"));
    shoplm.saveBiEncoder(dir, trained, { command, steps, batchSize });
    console.log(`saved ${dir}`);
  }
} finally {
  pretrained.dispose();
  trained.biEncoder.dispose();
}
const seconds = Math.round((Date.now() - started) / 1000);
console.log(`\nfull-catalog retrieval, ${comparison.queries} ${comparison.split} queries, ${comparison.catalog} products`);
console.table(shoplm.retrievalTable(comparison).map((r) => ({ ...r, "recall@10": f(r["recall@10"]), "recall@100": f(r["recall@100"]), "ndcg@10": f(r["ndcg@10"]) })));
console.log(`${seconds} s`);
if (cli.has("out")) {
  const out = path.resolve(cli.get("out"));
  // Timings depend on what else the machine ran: the load average says how busy it was.
  const record = {
    command,
    profile: profile.name,
    backend: info.name,
    seconds,
    loadAverage: loadStart,
    date: new Date().toISOString().slice(0, 10),
    settings: { method, shared, steps, batchSize, maxLength, seed, temperature, learnTemperature: cli.has("learn-temperature"), symmetric: cli.has("symmetric"), hardNegativesPerPair: hardNegatives, learningRate: learningRate ?? null },
    trainingData: data.counts,
    training: { steps: trained.steps, workers: trained.workers, seconds: trained.seconds, firstLoss: trained.firstLoss, lastLoss: trained.lastLoss, temperature: trained.temperature, trainableParameters: trained.trainableParameters, totalParameters: trained.totalParameters },
    retrieval: comparison,
  };
  writeRecord(out, record);
  console.log(`wrote ${out}`);
}
