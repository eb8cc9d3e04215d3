#!/usr/bin/env node
// Catalog embedding throughput: the course encoder (data/models/full) exported to ONNX and run by
// onnxruntime-node (intra-op threads 1 and 2), the library's own tfjs encoder (wasm backend, one
// thread), and PyTorch CPU (Debian python3-torch, 1 and 2 threads; bench/embed_torch.py rebuilds the
// same BERT from the checkpoint's weights), in one run, on the same texts, the same token id batches
// (the library's tokenizer, truncated at --length, padded to each batch's longest) and the same
// work per batch: forward, mean over the attention mask, L2-normalise, read the vectors back.
// Tokenizing is done once, up front, and not timed (its own speed is printed on its own line).
// Rounds alternate the engines so that other work on the machine hits all alike; each engine's
// best round is reported, with its ratio to PyTorch's best thread count (goal: onnxruntime-node
// at least 1.0). The vectors of every engine are compared with the library's (max abs difference).
// Usage: node bench/embed.mjs [--texts 2000] [--batch 32] [--length 64] [--rounds 3] [--warmup 2]
//        [--threads 1,2] [--checkpoint DIR] [--no-torch] [--out FILE.json]
// --out writes the figures as JSON (the chapter 3 results card is made from it).
import { spawnSync } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const usage = (message) => {
  console.error(message);
  process.exit(2);
};
let values;
try {
  ({ values } = parseArgs({
    options: {
      texts: { type: "string", default: "2000" },
      batch: { type: "string", default: "32" },
      length: { type: "string", default: "64" },
      rounds: { type: "string", default: "3" },
      warmup: { type: "string", default: "2" },
      threads: { type: "string", default: "1,2" },
      checkpoint: { type: "string" },
      out: { type: "string" },
      "no-torch": { type: "boolean", default: false },
    },
  }));
} catch (error) {
  usage(`bench embed: ${error.message}`);
}
const int = (name, min = 1) => {
  const v = Number(values[name]);
  if (!(Number.isInteger(v) && v >= min)) usage(`bench embed: --${name} expected an integer >= ${min}, got "${values[name]}".`);
  return v;
};
const c = {
  texts: int("texts"),
  batch: int("batch"),
  length: int("length", 3),
  rounds: int("rounds"),
  warmup: int("warmup", 0),
  threads: values.threads.split(",").map((t) => {
    if (!/^[1-9]\d*$/.test(t)) usage(`bench embed: --threads expected a comma-separated list of positive thread counts, got "${values.threads}".`);
    return Number(t);
  }),
};

const shoplm = require("shoplm");
const { initBackend, readCheckpoint, shippedCheckpointDir, loadTokenizer, loadShop, loadEncoder, poolTokens, l2Normalize, exportOnnx } = shoplm;
const tf = require("@tensorflow/tfjs");
const ort = require("onnxruntime-node");

const info = await initBackend({ forced: "wasm", reset: true });
const ckptDir = values.checkpoint ?? shippedCheckpointDir();
const base = readCheckpoint(ckptDir);
const config = base.config;
if (c.length > config.maxPositions) usage(`bench embed: --length ${c.length} is more than the checkpoint's ${config.maxPositions} positions (${ckptDir}).`);
const d = config.hiddenSize;

// The catalog's texts (title and description), cycled when more are asked for than products exist.
const products = loadShop("full").products;
const texts = Array.from({ length: c.texts }, (_, i) => {
  const p = products[i % products.length];
  return `${p.title}. ${p.description}`;
});
const tokenizer = loadTokenizer(base.tokenizerPath);
let t0 = performance.now();
const batches = [];
for (let s = 0; s < texts.length; s += c.batch) {
  const b = tokenizer.encodeBatch(texts.slice(s, s + c.batch), { truncation: true, maxLength: c.length, padding: "longest" });
  const rows = b.inputIds.length;
  const length = b.inputIds[0].length;
  batches.push({ rows, length, inputIds: b.inputIds.flatMap((r) => Array.from(r)), attentionMask: b.attentionMask.flatMap((r) => Array.from(r)) });
}
const tokenizeSeconds = (performance.now() - t0) / 1000;
const realTokens = batches.reduce((n, b) => n + b.attentionMask.reduce((a, x) => a + x, 0), 0);
const paddedTokens = batches.reduce((n, b) => n + b.rows * b.length, 0);

// ---- the library: tfjs encoder on wasm
const encoder = loadEncoder(base);
function libraryBatch(b) {
  return tf.tidy(() => {
    const mask = tf.tensor2d(b.attentionMask, [b.rows, b.length], "int32");
    const sequence = encoder.forward({ inputIds: tf.tensor2d(b.inputIds, [b.rows, b.length], "int32"), attentionMask: mask }).sequence;
    return l2Normalize(poolTokens(sequence, mask, "mean")).dataSync();
  });
}
const reference = libraryBatch(batches[0]); // also the library's warm-up
const referenceRows = Math.min(8, batches[0].rows);

// ---- onnxruntime-node: the exported graph's own sentence_embedding output
const dir = mkdtempSync(path.join(tmpdir(), "shoplm-bench-embed-"));
const exported = exportOnnx(path.join(dir, "model"), { checkpoint: base });
const sessions = [];
for (const threads of c.threads) {
  sessions.push({
    threads,
    session: await ort.InferenceSession.create(path.join(dir, "model", "onnx", "model.onnx"), {
      executionProviders: ["cpu"],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    }),
  });
}
const feeds = batches.map((b) => {
  const dims = [b.rows, b.length];
  return {
    input_ids: new ort.Tensor("int64", BigInt64Array.from(b.inputIds, BigInt), dims),
    attention_mask: new ort.Tensor("int64", BigInt64Array.from(b.attentionMask, BigInt), dims),
    token_type_ids: new ort.Tensor("int64", new BigInt64Array(b.rows * b.length), dims),
  };
});
async function ortBatch(session, i) {
  const out = await session.run(feeds[i], ["sentence_embedding"]);
  return out.sentence_embedding.data;
}
const maxAbs = (a, b, n) => {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const ortDiff = {};
for (const s of sessions) ortDiff[s.threads] = maxAbs(reference, await ortBatch(s.session, 0), batches[0].rows * d);

// ---- PyTorch: one process per round and thread count (model loading not timed)
const peerConfig = path.join(dir, "peer.json");
writeFileSync(
  peerConfig,
  JSON.stringify({
    config,
    checkpoint: path.resolve(ckptDir),
    batches,
    warmup: c.warmup,
    rounds: 1,
    reference: Array.from({ length: referenceRows }, (_, r) => Array.from(reference.subarray(r * d, (r + 1) * d))),
  })
);
function torch(threads) {
  // torch.set_num_threads alone leaves the BLAS and OpenMP pools at their defaults: pin them all.
  const n = String(threads);
  const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  const out = spawnSync("/usr/bin/python3", [path.join(here, "embed_torch.py"), peerConfig, n], { encoding: "utf8", env, cwd: here, maxBuffer: 1 << 26 });
  if (out.status !== 0) return { error: (out.stderr || String(out.error)).trim().split("\n").at(-1) };
  return JSON.parse(out.stdout.trim().split("\n").at(-1));
}

async function timed(fn) {
  for (let i = 0; i < Math.min(c.warmup, batches.length); i++) await fn(i);
  const t = performance.now();
  for (let i = 0; i < batches.length; i++) await fn(i);
  return texts.length / ((performance.now() - t) / 1000);
}

const engines = [
  { name: "library (tfjs, wasm, 1 thread)", rounds: [], run: () => timed(async (i) => libraryBatch(batches[i])) },
  ...sessions.map((s) => ({ name: `onnxruntime-node ${require("onnxruntime-node/package.json").version} (${s.threads} thread${s.threads > 1 ? "s" : ""})`, ort: true, rounds: [], run: () => timed((i) => ortBatch(s.session, i)) })),
];
const peers = values["no-torch"] ? [] : c.threads.map((threads) => ({ threads, rounds: [], results: [] }));

const load0 = loadavg()[0];
for (let r = 0; r < c.rounds; r++) {
  for (const e of engines) e.rounds.push(await e.run());
  for (const p of peers) {
    const res = torch(p.threads);
    p.results.push(res);
    if (!res.error) p.rounds.push(res.textsPerSecond[0]);
  }
}
const load1 = loadavg()[0];
for (const s of sessions) await s.session.release();
encoder.dispose();
rmSync(dir, { recursive: true, force: true });

const fmt = (x) => x.toFixed(0).padStart(7);
console.log(`catalog embedding: ${c.texts} product texts (title + description), batch ${c.batch}, truncated at ${c.length} tokens, padded to each batch's longest`);
console.log(`  ${realTokens} real tokens (${(realTokens / c.texts).toFixed(1)} per text), ${paddedTokens} with padding; model ${ckptDir} (${config.layers} layers, d=${d}, vocab ${config.vocabSize}); ONNX opset ${exported.opset}`);
console.log(`  machine: ${cpus().length} cores, load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after; tfjs backend ${info.name}; best of ${c.rounds} rounds after ${c.warmup} warm-up batches`);
console.log(`  tokenizing (library WordPiece, not in the timings): ${fmt(c.texts / tokenizeSeconds)} texts/s`);
const torchBest = peers.filter((p) => p.rounds.length).map((p) => ({ threads: p.threads, best: Math.max(...p.rounds) })).sort((a, b) => b.best - a.best)[0];
const ratio = (x) => (torchBest ? ` ${(x / torchBest.best).toFixed(2).padStart(5)} x pytorch's best` : "");
const rows = [];
for (const e of engines) rows.push({ name: e.name, best: Math.max(...e.rounds), all: e.rounds });
for (const p of peers) {
  const ok = p.results.find((x) => !x.error);
  if (ok) rows.push({ name: `pytorch ${ok.torch} (${p.threads} thread${p.threads > 1 ? "s" : ""})`, best: Math.max(...p.rounds), all: p.rounds });
}
console.log("texts/s (best; every round):");
for (const r of rows) console.log(`  ${r.name.padEnd(40)} ${fmt(r.best)}${ratio(r.best)}   [${r.all.map((x) => x.toFixed(0)).join(", ")}]`);
const errors = peers.flatMap((p) => p.results.filter((x) => x.error));
if (errors.length) console.log(`  pytorch cpu: n/a (${errors[0].error}; apt-get install python3-torch)`);
console.log("same model, max abs difference of the first batch's vectors from the library's:");
for (const s of sessions) console.log(`  onnxruntime-node (${s.threads} thread${s.threads > 1 ? "s" : ""}): ${ortDiff[s.threads].toExponential(2)}`);
for (const p of peers) {
  const ok = p.results.find((x) => !x.error);
  if (ok) console.log(`  pytorch (${p.threads} thread${p.threads > 1 ? "s" : ""}, first ${referenceRows} texts): ${ok.maxAbsVsLibrary.toExponential(2)}`);
}
if (torchBest) {
  const ortBest = Math.max(...engines.filter((e) => e.ort).flatMap((e) => e.rounds));
  const r = ortBest / torchBest.best;
  console.log(`ratio onnxruntime-node's best / pytorch's best (${torchBest.threads} thread${torchBest.threads > 1 ? "s" : ""}): ${r.toFixed(2)} (goal: at least 1.0; ${r >= 1 ? "met" : "not met"})`);
}
const worst = Math.max(...Object.values(ortDiff), ...peers.flatMap((p) => p.results.filter((x) => !x.error).map((x) => x.maxAbsVsLibrary)));
if (!(worst < 1e-4)) {
  console.log(`vectors differ from the library's by ${worst} (more than 1e-4): the engines do not run the same model`);
  process.exit(1);
}
if (values.out) {
  const file = path.resolve(values.out);
  const ortBest = Math.max(...engines.filter((e) => e.ort).flatMap((e) => e.rounds));
  const record = {
    command: `npm run bench -- embed ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    texts: c.texts,
    batch: c.batch,
    length: c.length,
    rounds: c.rounds,
    cores: cpus().length,
    loadAverage: [Number(load0.toFixed(2)), Number(load1.toFixed(2))],
    rows: rows.map((r) => ({ name: r.name, best: r.best, all: r.all })),
    torchBest: torchBest ? { threads: torchBest.threads, textsPerSecond: torchBest.best } : null,
    ratioOnnxToTorch: torchBest ? ortBest / torchBest.best : null,
    maxAbsDifference: worst,
  };
  writeFileSync(`${file}.partial`, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(`${file}.partial`, file);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
