#!/usr/bin/env node
// `npm run finetune -- --task intent|attributes|relevance [--methods probe,full,lora,adapter,prefix,adalora]
//    [--steps N] [--batch N] [--max-length N] [--seed N] [--profile fast|full] [--objective pointwise|pairwise|listwise]
//    [--match-channel] [--workers N|auto] [--out FILE.json] [--save DIR]`
// Chapter 2's comparison runner: every method on one shop task from the shipped checkpoint
// (data/models/full), the same steps, batch and seed for all: trainable parameters, seconds per
// epoch, memory between steps, validation and test quality beside the task's baseline, and the
// encoder's held-out masked-LM perplexity after fine-tuning (forgetting). --out writes the record
// the results card is generated from (scripts/finetune-card.mjs); --save keeps each trained model
// (intent, relevance) as a fine-tuned checkpoint in DIR/<task>-<method>.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";
import { writeRecord } from "./lib/record.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = `usage: npm run finetune -- --task intent|attributes|relevance [--methods probe,full,lora,adapter,prefix,adalora]
   [--steps N] [--batch N] [--max-length N] [--seed N] [--profile fast|full] [--objective pointwise|pairwise|listwise]
   [--match-channel] [--workers N|auto] [--out FILE.json] [--save DIR]
  --match-channel  relevance: the cross-encoder's lexical match channel (full fine-tuning only)
  --workers N|auto gradient worker threads for every method but adalora (which trains on one):
                   default 1, or COURSE_WORKERS; auto: the cores minus one`;
const cli = commandLine("finetune", { ...Object.fromEntries(["task", "methods", "steps", "batch", "max-length", "seed", "profile", "objective", "out", "save", "workers"].map((n) => [n, "string"])), "match-channel": "boolean" }, USAGE);
const args = cli.argv;
const integer = cli.int;
const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");

const task = cli.get("task") ?? "intent";
if (!shoplm.SHOP_TASKS.includes(task)) {
  console.error(`finetune: --task must be one of ${shoplm.SHOP_TASKS.join(", ")}, got ${JSON.stringify(task)}.`);
  process.exit(2);
}
const profile = shoplm.getProfile(cli.get("profile") ?? "full");
const methods = (cli.get("methods") ?? "probe,full,lora,adapter,prefix,adalora").split(",");
const steps = integer("steps", profile.train.finetuneSteps);
const batchSize = integer("batch", profile.train.batchSize);
const seed = integer("seed", 0);
const maxLength = cli.has("max-length") ? integer("max-length") : undefined;
// The relevance task's loss: each pair alone, or the candidates of one query compared (pool-ranking.ts).
const objective = cli.get("objective") ?? "pointwise";
if (!shoplm.RANKING_OBJECTIVES.includes(objective) || (objective !== "pointwise" && task !== "relevance")) {
  console.error(`finetune: --objective must be one of ${shoplm.RANKING_OBJECTIVES.join(", ")} (pairwise and listwise for --task relevance only), got ${JSON.stringify(objective)}.`);
  process.exit(2);
}
const matchChannel = cli.get("match-channel") === true;
const workersArg = cli.get("workers");
const workers = workersArg === undefined ? undefined : workersArg === "auto" ? "auto" : integer("workers", 1, 1);
if (matchChannel && (task !== "relevance" || methods.some((m) => m !== "full"))) {
  console.error(`finetune: --match-channel is for --task relevance with --methods full (its segment rows train only with the encoder).`);
  process.exit(2);
}
const info = await shoplm.initBackend();
const shop = shoplm.loadShop(profile.name);
const attributeRows = task === "attributes" ? shoplm.loadAttributeTags(profile.name) : undefined;
const command = `npm run finetune -- ${args.join(" ")}`.trim();
console.log(`${command}\n${task} on the ${profile.name} shop, ${steps} steps of batch ${batchSize}, seed ${seed}; ${info.toString()}`);
const started = Date.now();
const loadStart = Number(os.loadavg()[0].toFixed(2));
const f = (x, d = 3) => (x === null ? "-" : Number(x).toFixed(d));
const comparison = await shoplm.compareFineTuningMethods({
  task,
  methods,
  shop,
  attributeRows,
  steps,
  batchSize,
  maxLength,
  seed,
  objective,
  matchChannel,
  workers,
  saveDir: cli.has("save") ? path.resolve(cli.get("save")) : undefined,
  // AdaLoRA's pruning runs from 10 % to 80 % of the steps, whatever their number.
  adaloraWarmup: Math.floor(steps / 10),
  adaloraFinalStep: Math.floor((steps * 8) / 10),
  onRow: (r) =>
    console.log(
      `${r.method}: ${r.trainableParameters} trainable (${(100 * r.trainableShare).toFixed(2)} %), loss ${f(r.firstLoss)} -> ${f(r.lastLoss)}, ` +
        `validation ${f(r.validation)}, test ${f(r.test)}, ${f(r.secondsPerEpoch, 1)} s/epoch, ${(r.peakBytes / 2 ** 20).toFixed(1)} MiB, MLM perplexity ${f(r.mlmPerplexity, 2)}`
    ),
});
const seconds = Math.round((Date.now() - started) / 1000);
console.log(`\n${comparison.metric}; baseline ${comparison.baseline.name}: ${f(comparison.baseline.test)}; base MLM perplexity ${f(comparison.basePerplexity, 2)}; ${seconds} s`);
if (cli.has("out")) {
  const out = path.resolve(cli.get("out"));
  // Timings depend on what else the machine ran: the load average says how busy it was.
  // The most threads any method used (each row has its own).
  const record = { command, profile: profile.name, backend: info.name, workers: Math.max(...comparison.rows.map((r) => r.workers)), seconds, loadAverage: loadStart, date: new Date().toISOString().slice(0, 10), objective, matchChannel, ...comparison };
  writeRecord(out, record);
  console.log(`wrote ${out}`);
}
