#!/usr/bin/env node
// Quality on real text: the course model (full-profile sizes) pretrained on the item titles and
// descriptions of ../shared/datasets/amazon-scientific (read there, never copied), with every 20th
// item held out, against a unigram model on the same tokens. The bar: held-out
// perplexity at most one fifth of the unigram baseline's.
// Usage: node bench/pretrain-amazon.mjs [steps=1500] [--out FILE.json] [--windows]
//          [--vocab N] [--max-length N] [--hidden N] [--layers N] [--heads N] [--intermediate N] [--lr X] [--batch N]
//          [--peer]
// --windows trains on every window of each long description instead of its first maxLength tokens.
// --peer then trains PyTorch (bench/mlm_torch.py, Debian python3-torch, one thread) with the same
// recipe on the same token sequences, and prints both side by side: the library must learn as
// well as the trusted implementation, not only beat the unigram baseline.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string" },
    windows: { type: "boolean", default: false },
    peer: { type: "boolean", default: false },
    vocab: { type: "string" },
    "max-length": { type: "string" },
    hidden: { type: "string" },
    layers: { type: "string" },
    heads: { type: "string" },
    intermediate: { type: "string" },
    lr: { type: "string" },
    batch: { type: "string" },
  },
});
const out = flags.out;
const steps = Number(positionals[0] ?? 1500);
const positive = (name) => {
  if (flags[name] === undefined) return undefined;
  const n = Number(flags[name]);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${flags[name]}.`);
  return n;
};
if (!(Number.isInteger(steps) && steps > 0)) throw new Error(`steps must be a positive integer, got ${positionals[0]}.`);
const file = path.resolve(here, "..", "..", "shared", "datasets", "amazon-scientific", "items.json");
if (!existsSync(file)) {
  console.log(`skipped: ${file} is absent (the real-data check needs ../shared/datasets/amazon-scientific).`);
  process.exit(0);
}
const items = Object.entries(JSON.parse(readFileSync(file, "utf8"))).sort(([a], [b]) => Number(a) - Number(b));
const docs = items.map(([, it]) => shoplm.stripHtml(`${it.title ?? ""}. ${it.description ?? ""}`).trim()).filter((t) => t.length > 1);
const text = { train: docs.filter((_, i) => i % 20 !== 19), heldOut: docs.filter((_, i) => i % 20 === 19) };
const info = await shoplm.initBackend();
const profile = shoplm.getProfile("full");
const model = Object.fromEntries(
  [["vocabSize", "vocab"], ["maxLength", "max-length"], ["hiddenSize", "hidden"], ["layers", "layers"], ["heads", "heads"], ["intermediateSize", "intermediate"]]
    .map(([key, flag]) => [key, positive(flag)])
    .filter(([, v]) => v !== undefined),
);
const sizes = { ...profile.model, ...model };
const longTexts = flags.windows ? "windows" : "truncate";
const learningRate = positive("lr") ?? 1e-3;
const batchSize = positive("batch") ?? profile.train.batchSize;
console.log(`${info.toString()}\namazon-scientific: ${text.train.length} training items, ${text.heldOut.length} held out; ${steps} steps, batch ${batchSize}, learning rate ${learningRate}, long texts: ${longTexts}, sizes ${JSON.stringify(sizes)}`);
const bar = shoplm.progress(steps, { label: "pretraining on amazon-scientific", unit: "steps" });
const run = await shoplm.trainCourseModel({ profile, text, steps, model, longTexts, learningRate, batchSize, onStep: (s) => bar.tick(1, `loss ${s.loss.toFixed(3)}`), onEval: (e) => console.log(`step ${e.step}: held-out loss ${e.loss.toFixed(3)}, perplexity ${e.perplexity.toFixed(1)}, masked accuracy ${e.accuracy.toFixed(3)}`) });
bar.done();
const result = {
  dataset: "amazon-scientific items (title + description)",
  command: ["npm run bench -- pretrain-amazon", ...process.argv.slice(2).filter((a, i, all) => a !== "--out" && all[i - 1] !== "--out")].join(" "),
  steps,
  batchSize,
  learningRate,
  longTexts,
  model: sizes,
  parameters: run.model.parameterCount(),
  trainTokens: run.trainTokens,
  seconds: Math.round(run.seconds),
  backend: info.name,
  heldOut: run.heldOut,
  unigramPerplexity: run.unigramPerplexity,
  perplexityRatio: run.heldOut.perplexity / run.unigramPerplexity,
  lossCurve: run.training.evals.map((e) => ({ step: e.step, loss: e.loss, perplexity: e.perplexity, accuracy: e.accuracy })),
};
console.log(`held-out perplexity ${run.heldOut.perplexity.toFixed(1)} against unigram ${run.unigramPerplexity.toFixed(1)} (ratio ${result.perplexityRatio.toFixed(3)}; the bar is 0.2), masked accuracy ${run.heldOut.accuracy.toFixed(3)}, ${result.seconds} s`);
if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);

if (flags.peer) {
  const encode = longTexts === "windows" ? shoplm.encodeWindows : shoplm.encodeTexts;
  const ids = (seqs) => seqs.map((q) => Array.from(q.inputIds));
  const tmp = mkdtempSync(path.join(os.tmpdir(), "mlm-peer-"));
  const input = path.join(tmp, "sequences.json");
  const config = run.model.config;
  writeFileSync(input, JSON.stringify({
    vocab: config.vocabSize, special: shoplm.specialTokenIds(run.tokenizer), maxLength: sizes.maxLength,
    hiddenSize: config.hiddenSize, layers: config.layers, heads: config.heads, intermediateSize: config.intermediateSize, dropout: config.dropout,
    steps, batchSize, learningRate, seed: profile.train.seed, evalEvery: Math.max(1, Math.floor(steps / 10)), threads: 1,
    train: ids(encode(run.tokenizer, text.train, sizes.maxLength)), heldOut: ids(encode(run.tokenizer, text.heldOut, sizes.maxLength)),
  }));
  console.log("PyTorch, the same recipe on the same sequences (1 thread):");
  const env = { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  const lines = [];
  const code = await new Promise((resolve) => {
    const child = spawn("/usr/bin/python3", [path.join(here, "mlm_torch.py"), input], { cwd: here, env, stdio: ["ignore", "pipe", "inherit"] });
    let buffer = "";
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
        const line = JSON.parse(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
        lines.push(line);
        if (line.eval) console.log(`step ${line.eval.step}: held-out loss ${line.eval.loss.toFixed(3)}, perplexity ${line.eval.perplexity.toFixed(1)}, masked accuracy ${line.eval.accuracy.toFixed(3)}`);
      }
    });
    child.on("error", (e) => resolve(String(e)));
    child.on("close", resolve);
  });
  rmSync(tmp, { recursive: true, force: true });
  const final = lines.at(-1);
  if (code !== 0 || !final?.heldOut) {
    console.log(`PyTorch peer: n/a (exit ${code}; apt-get install python3-torch)`);
  } else {
    result.peer = { implementation: `pytorch ${final.torch} cpu, ${final.threads} thread`, seconds: Math.round(final.seconds), parameters: final.parameters, heldOut: final.heldOut, perplexityRatio: final.heldOut.perplexity / run.unigramPerplexity };
    console.log(`held-out perplexity, library ${run.heldOut.perplexity.toFixed(1)} vs PyTorch ${final.heldOut.perplexity.toFixed(1)} (ratio library / PyTorch ${(run.heldOut.perplexity / final.heldOut.perplexity).toFixed(3)}); masked accuracy ${run.heldOut.accuracy.toFixed(3)} vs ${final.heldOut.accuracy.toFixed(3)}; unigram ${run.unigramPerplexity.toFixed(1)}`);
    if (final.parameters !== result.parameters) console.log(`note: parameter counts differ (library ${result.parameters}, PyTorch ${final.parameters})`);
  }
  if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}
