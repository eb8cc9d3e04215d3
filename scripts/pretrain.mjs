#!/usr/bin/env node
// `npm run pretrain [-- --profile full] [--steps N] [--out DIR]`: train the course's shop-language
// model (tokenizer + encoder) on the shop's products and queries, and write a checkpoint folder
// with the tokenizer, the weights and a metadata record of the run (command, time, backend,
// held-out perplexity and masked-token accuracy against a unigram baseline).
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// Arguments first: a typo stops the command before setup and training.
const cli = commandLine("pretrain", { profile: "string", steps: "string", out: "string" }, "usage: npm run pretrain [-- --profile fast|full] [--steps N] [--out DIR]");
const option = cli.get;
const steps = cli.int("steps", undefined, 1);
const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);

const require = createRequire(import.meta.url);
const shoplm = require("shoplm");
let profile;
try {
  profile = shoplm.getProfile(option("profile"));
} catch (error) {
  cli.fail(error.message);
}
const out = path.resolve(option("out") ?? path.join(root, "data", "models", profile.name));

const info = await shoplm.initBackend();
console.log(info.toString());
const shop = shoplm.loadShop(profile.name);
const text = shoplm.shopTextSplit(shop);
console.log(`profile ${profile.name}: ${text.train.length} training texts, ${text.heldOut.length} held out; ${steps ?? profile.train.pretrainSteps} steps of batch ${profile.train.batchSize}`);
const bar = shoplm.progress(steps ?? profile.train.pretrainSteps, { label: "pretraining", unit: "steps" });
const run = await shoplm.trainCourseModel({
  profile,
  text,
  steps,
  onStep: (s) => bar.tick(1, `loss ${s.loss.toFixed(3)}, ${Math.round(s.tokensPerSecond)} tokens/s`),
  onEval: (e) => console.log(`\nstep ${e.step}: held-out loss ${e.loss.toFixed(3)}, perplexity ${e.perplexity.toFixed(1)}, masked accuracy ${e.accuracy.toFixed(3)}`),
});
bar.done();

const metadata = {
  command: `npm run pretrain -- --profile ${profile.name}${steps !== undefined ? ` --steps ${steps}` : ""}`,
  profile: profile.name,
  steps: steps ?? profile.train.pretrainSteps,
  batchSize: profile.train.batchSize,
  maxLength: profile.model.maxLength,
  seconds: Math.round(run.seconds),
  backend: info.toString(),
  // The main thread alone unless COURSE_WORKERS asks for gradient workers (their sums differ in the last bits).
  workers: shoplm.resolveWorkers(undefined),
  trainTexts: text.train.length,
  heldOutTexts: text.heldOut.length,
  trainTokens: run.trainTokens,
  parameters: run.model.parameterCount(),
  heldOut: run.heldOut,
  unigramPerplexity: run.unigramPerplexity,
  perplexityRatio: run.heldOut.perplexity / run.unigramPerplexity,
  lossCurve: run.training.evals.map((e) => ({ step: e.step, loss: e.loss, perplexity: e.perplexity, accuracy: e.accuracy })),
};
mkdirSync(out, { recursive: true });
shoplm.saveCheckpoint(out, run.model, { tokenizer: shoplm.toTokenizerJson(run.tokenizer), metadata });
writeFileSync(path.join(out, "run.json"), `${JSON.stringify(metadata, null, 2)}\n`);
console.log(
  `\nheld-out perplexity ${run.heldOut.perplexity.toFixed(2)} (unigram baseline ${run.unigramPerplexity.toFixed(1)}, ratio ${metadata.perplexityRatio.toFixed(3)}), ` +
    `masked-token accuracy ${run.heldOut.accuracy.toFixed(3)}; ${metadata.seconds} s. Checkpoint in ${path.relative(root, out)}`
);
