#!/usr/bin/env node
// Quality on real text: the course model (full-profile sizes) pretrained on the item titles and
// descriptions of ../shared/datasets/amazon-scientific (read there, never copied), with every 20th
// item held out, against a unigram model on the same tokens. The bar: held-out
// perplexity at most one fifth of the unigram baseline's.
// Usage: node bench/pretrain-amazon.mjs [steps=1500] [--out FILE.json]
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");
const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : undefined;
const steps = Number(args[0] ?? 1500);
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
console.log(`${info.toString()}\namazon-scientific: ${text.train.length} training items, ${text.heldOut.length} held out; ${steps} steps, full-profile model sizes`);
const bar = shoplm.progress(steps, { label: "pretraining on amazon-scientific", unit: "steps" });
const run = await shoplm.trainCourseModel({ profile, text, steps, onStep: (s) => bar.tick(1, `loss ${s.loss.toFixed(3)}`) });
bar.done();
const result = {
  dataset: "amazon-scientific items (title + description)",
  steps,
  seconds: Math.round(run.seconds),
  backend: info.name,
  heldOut: run.heldOut,
  unigramPerplexity: run.unigramPerplexity,
  perplexityRatio: run.heldOut.perplexity / run.unigramPerplexity,
};
console.log(`held-out perplexity ${run.heldOut.perplexity.toFixed(1)} against unigram ${run.unigramPerplexity.toFixed(1)} (ratio ${result.perplexityRatio.toFixed(3)}; the bar is 0.2), masked accuracy ${run.heldOut.accuracy.toFixed(3)}, ${result.seconds} s`);
if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
