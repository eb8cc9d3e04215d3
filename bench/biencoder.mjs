#!/usr/bin/env node
// Bi-encoder training speed: the library against PyTorch CPU (Debian python3-torch, 1 and 2 threads)
// training the same bi-encoder on the same batches, in one run. The model is chapter 3's: the course
// encoder from the shipped checkpoint (data/models/full) as one tower shared by queries and products,
// mean pooling, L2-normalised vectors, in-batch InfoNCE at a fixed temperature (0.05); the methods
// are full fine-tuning and LoRA (rank 8, alpha 16, query and value). The library trains through
// `BiEncoder.loss` on the one Trainer (what `trainBiEncoder` runs), on the wasm backend, on the main
// thread (1 worker) and on gradient worker threads (--workers: each a wasm backend and a replica
// built by `biEncoderWorkerSpec`; the workers exchange their pairs' vectors every step so that each
// query still meets every product of the batch). Prints real tokens (queries' and products'
// attention-mask sums) per second for each, the workers' scaling, and the library's best over its
// worker counts as a ratio to PyTorch's best configuration. Warm-up steps are not timed.
// The batches are synthetic: --query-length random tokens for a query, --length for a product,
// [CLS] ... [SEP] each, every pair a positive and every other product of the batch a negative.
// Usage: node bench/biencoder.mjs [--steps 20] [--warmup 3] [--rounds 3] [--batch 32] [--length 64]
//        [--query-length 12] [--methods full,lora] [--threads 1,2] [--workers 1,2] [--backend wasm]
//        [--checkpoint DIR] [--no-torch] [--out FILE.json]
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
      steps: { type: "string", default: "20" },
      warmup: { type: "string", default: "3" },
      rounds: { type: "string", default: "3" },
      batch: { type: "string", default: "32" },
      length: { type: "string", default: "64" },
      "query-length": { type: "string", default: "12" },
      methods: { type: "string", default: "full,lora" },
      threads: { type: "string", default: "1,2" },
      workers: { type: "string", default: "1,2" },
      backend: { type: "string", default: "wasm" },
      checkpoint: { type: "string" },
      "no-torch": { type: "boolean", default: false },
      out: { type: "string" },
    },
  }));
} catch (error) {
  usage(`bench biencoder: ${error.message}`);
}
const int = (name, min = 1) => {
  const v = Number(values[name]);
  if (!(Number.isInteger(v) && v >= min)) usage(`--${name}: expected an integer >= ${min}, got "${values[name]}".`);
  return v;
};
const list = (name, allowed, what) => {
  const xs = values[name].split(",");
  const bad = xs.find((x) => !allowed(x));
  if (bad !== undefined) usage(`--${name}: expected a comma-separated list of ${what}, got "${values[name]}" (bad entry "${bad}").`);
  return xs;
};
const c = {
  steps: int("steps"),
  warmup: int("warmup", 0),
  rounds: int("rounds"),
  batch: int("batch", 2),
  length: int("length", 3),
  queryLength: int("query-length", 3),
  methods: list("methods", (m) => m === "full" || m === "lora", "full, lora"),
  threads: list("threads", (t) => /^[1-9]\d*$/.test(t), "positive thread counts").map(Number),
  workers: list("workers", (t) => /^[1-9]\d*$/.test(t), "positive worker counts").map(Number),
  seed: 1,
  loraRank: 8,
  temperature: 0.05,
};
const tooMany = c.workers.find((w) => w > c.batch);
if (tooMany !== undefined) usage(`--workers: ${tooMany} workers need a batch of at least ${tooMany} pairs, got --batch ${c.batch}.`);

const { initBackend, readCheckpoint, shippedCheckpointDir, loadTokenizer, createBiEncoder, biEncoderRecipe, biEncoderWorkerSpec, sliceBiEncoderBatch, Trainer, DEFAULT_LEARNING_RATES, Rng } = require("shoplm");
const tf = require("@tensorflow/tfjs");

const info = await initBackend({ forced: values.backend, reset: true });
const ckptDir = values.checkpoint ?? shippedCheckpointDir();
const base = readCheckpoint(ckptDir);
const config = base.config;
for (const [flag, n] of [["length", c.length], ["query-length", c.queryLength]]) {
  if (n > config.maxPositions) usage(`--${flag}: ${n} is more than the checkpoint's ${config.maxPositions} positions (${ckptDir}).`);
}
const tokenizer = loadTokenizer(base.tokenizerPath);
const totalSteps = c.warmup + c.steps * c.rounds;

/** The run's batches, drawn once: the library and PyTorch train on exactly these, in this order. */
function drawBatches() {
  const rng = new Rng(c.seed);
  const first = 5; // ids below are pad, unk, cls, sep, mask
  const { clsId, sepId } = tokenizer;
  const texts = (length) => {
    const inputIds = new Int32Array(c.batch * length);
    for (let r = 0; r < c.batch; r++) {
      for (let j = 0; j < length; j++) inputIds[r * length + j] = j === 0 ? clsId : j === length - 1 ? sepId : first + rng.int(config.vocabSize - first);
    }
    return { batch: c.batch, length, inputIds, attentionMask: new Float32Array(c.batch * length).fill(1) };
  };
  return Array.from({ length: totalSteps }, () => ({ queries: texts(c.queryLength), positives: texts(c.length), negatives: null, exclude: new Uint8Array(c.batch * c.batch) }));
}
const batches = drawBatches();
const tokensOf = (b) => b.queries.batch * b.queries.length + b.positives.batch * b.positives.length;

/** Hands out the drawn batches in order (the Trainer's rng is not used for drawing). */
function fixedSource() {
  let at = 0;
  return {
    next() {
      const batch = batches[at++ % batches.length];
      return { batch, rows: c.batch, count: c.batch, tokens: tokensOf(batch) };
    },
    // What `PairBatches.slice` gives a worker: its pairs, the whole batch's count.
    slice: (batch, start, end) => ({ batch: sliceBiEncoderBatch(batch, start, end), count: c.batch }),
    state: () => ({ order: [], at, epoch: 0 }),
    restore: (s) => void (at = s.at),
  };
}

/** One method's bi-encoder and Trainer on `workers` gradient threads, ready for timed blocks of steps. */
async function setupLibrary(name, workers) {
  const setup = { checkpoint: base, method: name, loraRank: c.loraRank, seed: c.seed, maxLength: c.length, temperature: c.temperature, shared: true };
  const model = createBiEncoder(setup, base);
  const evalLoss = tf.tidy(() => model.loss(batches[0], null).dataSync()[0]);
  const lrScale = model.queryTower.method.learningRateScale;
  // The options `trainBiEncoder` gives the Trainer (linear warm-up 10 %, then linear decay).
  const trainer = new Trainer({ params: model.trainableSets(), loss: (b, rng, exchange) => model.loss(b, rng, false, exchange) }, fixedSource(), {
    steps: totalSteps,
    schedule: { peak: DEFAULT_LEARNING_RATES[name], totalSteps, warmupSteps: Math.floor(totalSteps / 10), decay: "linear" },
    optimizer: { learningRateScale: lrScale },
    seed: c.seed,
    workers,
    workerTask: workers > 1 ? biEncoderWorkerSpec(biEncoderRecipe(base, setup, false)) : undefined,
    exchange: workers > 1 ? c.batch * config.hiddenSize : undefined,
    label: `bench biencoder (${name}, ${workers} worker${workers > 1 ? "s" : ""})`,
  });
  const losses = [];
  // Warm-up steps also start the worker threads (their start is not timed).
  if (c.warmup) losses.push(...(await trainer.run(c.warmup)).steps.map((s) => s.loss));
  const block = async () => {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const run = await trainer.run(c.steps);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    const tokens = run.steps.reduce((s, x) => s + x.tokens, 0);
    losses.push(...run.steps.map((s) => s.loss));
    return { tokensPerSecond: tokens / seconds, tokensPerCpuSecond: tokens / ((used.user + used.system) / 1e6), stepMs: (1000 * seconds) / c.steps, tokens };
  };
  const dispose = async () => {
    await trainer.close();
    trainer.dispose();
    model.dispose();
  };
  return { name, workers, block, dispose, losses, evalLoss, trainable: model.trainableParameters() };
}

const tensorsBefore = tf.memory().numTensors;
const libs = [];
for (const m of c.methods) for (const w of c.workers) libs.push(await setupLibrary(m, w));
const firstOf = c.methods.map((m) => libs.find((l) => l.name === m));

// What PyTorch needs to build the same model and train on the same batches.
const dir = mkdtempSync(path.join(tmpdir(), "bench-biencoder-"));
const peerConfig = path.join(dir, "config.json");
const plain = (t) => ({ batch: t.batch, length: t.length, inputIds: Array.from(t.inputIds), attentionMask: Array.from(t.attentionMask) });
writeFileSync(
  peerConfig,
  JSON.stringify({
    checkpoint: path.resolve(ckptDir),
    config,
    temperature: c.temperature,
    loraRank: c.loraRank,
    loraAlpha: 2 * c.loraRank,
    learningRates: DEFAULT_LEARNING_RATES,
    methods: c.methods,
    warmup: c.warmup,
    steps: c.steps,
    seed: c.seed,
    batches: batches.map((b) => ({ queries: plain(b.queries), positives: plain(b.positives) })),
  })
);
function torch(threads, round) {
  // torch.set_num_threads alone leaves the BLAS and OpenMP pools at their defaults: pin them all.
  const n = String(threads);
  const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  const out = spawnSync("/usr/bin/python3", [path.join(here, "biencoder_torch.py"), peerConfig, n, String(round)], { encoding: "utf8", env, cwd: here });
  if (out.status !== 0) return { error: (out.stderr || String(out.error)).trim().split("\n").at(-1) };
  return JSON.parse(out.stdout.trim().split("\n").at(-1));
}

// Rounds alternate the library and PyTorch, so that other work on the machine hits both alike;
// each side's best round is reported (the least disturbed one).
const load0 = loadavg()[0];
const rounds = { lib: libs.map(() => []), torch: c.threads.map(() => []) };
for (let r = 0; r < c.rounds; r++) {
  for (const [i, l] of libs.entries()) rounds.lib[i].push(await l.block());
  if (values["no-torch"]) continue;
  for (const [i, t] of c.threads.entries()) rounds.torch[i].push(torch(t, r));
}
const load1 = loadavg()[0];
for (const l of libs) await l.dispose();
rmSync(dir, { recursive: true, force: true });
const leaked = tf.memory().numTensors - tensorsBefore;

const fastest = (xs) => xs.filter((x) => x && !x.error).sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0] ?? null;
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
console.log(
  `Bi-encoder training: one tower shared by queries and products (the course encoder, ${ckptDir}: ${config.layers} layers, d=${config.hiddenSize}, ${config.heads} heads, ` +
    `ff=${config.intermediateSize}, vocab ${config.vocabSize}), mean pooling, L2-normalised, in-batch InfoNCE at tau ${c.temperature}; batch ${c.batch} pairs ` +
    `(queries of ${c.queryLength} tokens, products of ${c.length}: ${tokensOf(batches[0])} tokens a step, synthetic), dropout 0.1, AdamW, clip 1; ` +
    `best of ${c.rounds} rounds of ${c.steps} timed steps (after ${c.warmup} warm-up steps)`
);
console.log(info.toString());
const errors = rounds.torch.flat().filter((x) => x.error);
if (errors.length) console.log(`pytorch cpu: n/a (${errors[0].error}; apt-get install python3-torch)`);
const row = (label, r, all, trainable, evalLoss) =>
  console.log(
    label.padEnd(36) +
      (r
        ? `${fmt(r.tokensPerSecond).padStart(7)} tokens/s ${fmt(r.tokensPerCpuSecond).padStart(7)} tokens/CPU-s ${fmt(r.stepMs, 1).padStart(7)} ms/step ` +
          `${String(trainable).padStart(8)} trainable  eval loss ${fmt(evalLoss, 5)}   rounds (tokens/s): ${all.map((x) => (x.error ? "error" : Math.round(x.tokensPerSecond))).join(", ")}`
        : "n/a")
  );
const summary = {};
for (const [mi, name] of c.methods.entries()) {
  const configs = libs
    .map((l, li) => ({ l, li }))
    .filter(({ l }) => l.name === name)
    .map(({ l, li }) => {
      const best = fastest(rounds.lib[li]);
      row(`${name.padEnd(5)} library (${info.name}, ${l.workers} worker${l.workers > 1 ? "s" : ""})`, best, rounds.lib[li], l.trainable, l.evalLoss);
      return best ? { workers: l.workers, ...best } : null;
    });
  const peers = c.threads.map((t, ti) => {
    const all = rounds.torch[ti].map((x) => (x.error ? x : x.methods[mi]));
    const best = fastest(all);
    const any = rounds.torch[ti].find((x) => !x.error);
    if (best) row(`${name.padEnd(5)} pytorch ${any.torch} (${t} thread${t > 1 ? "s" : ""})`, best, all, best.trainable, best.evalLoss);
    return best ? { threads: t, ...best } : null;
  });
  summary[name] = { lib: fastest(configs), configs: configs.filter(Boolean), peers: peers.filter(Boolean) };
}
for (const [name, s] of Object.entries(summary)) {
  const one = s.configs.find((x) => x.workers === 1);
  for (const x of s.configs) if (one && x.workers > 1) console.log(`${name}: ${x.workers} workers / 1 worker: ${(x.tokensPerSecond / one.tokensPerSecond).toFixed(2)}x in tokens/s`);
  const top = fastest(s.peers);
  if (!top || !s.lib) continue;
  const ratio = s.lib.tokensPerSecond / top.tokensPerSecond;
  s.ratio = { value: ratio, library: s.lib.workers, pytorch: top.threads };
  console.log(`ratio library's best (${s.lib.workers} worker${s.lib.workers > 1 ? "s" : ""}) / pytorch's best (${top.threads} thread${top.threads > 1 ? "s" : ""}), ${name}: ${ratio.toFixed(3)} in tokens/s`);
}
for (const l of libs) {
  const peer = rounds.torch.flat().find((x) => !x.error)?.methods.find((m) => m.method === l.name);
  console.log(`losses (${l.name}, ${l.workers} worker${l.workers > 1 ? "s" : ""}): library ${fmt(l.losses[0], 3)} -> ${fmt(l.losses.at(-1), 3)}${peer ? `, pytorch ${fmt(peer.firstLoss, 3)} -> ${fmt(peer.lastLoss, 3)}` : ""} (ln ${c.batch} = ${fmt(Math.log(c.batch), 3)})`);
}
const peerLosses = rounds.torch.flat().find((x) => !x.error)?.methods;
let sameModel = null;
if (peerLosses) {
  sameModel = Math.max(...firstOf.map((l, i) => Math.abs(l.evalLoss - peerLosses[i].evalLoss)));
  console.log(`same model: eval-mode loss of the first batch before any update, library ${firstOf.map((l) => fmt(l.evalLoss, 6)).join(" / ")}, pytorch ${peerLosses.map((m) => fmt(m.evalLoss, 6)).join(" / ")} (largest difference ${sameModel.toExponential(1)})`);
}
console.log(`tensors left after disposal: ${leaked}`);
console.log(`load average (1 min) before/after: ${load0.toFixed(2)} / ${load1.toFixed(2)} on ${cpus().length} cores`);
if (load0 > 0.75 * cpus().length || load1 > cpus().length + 0.5) {
  console.log("warning: the machine was busy with other work; wall-clock rates vary from round to round (tokens per CPU-second are steadier). Rerun on an idle machine for the ratio.");
}
if (values.out) {
  const file = path.resolve(values.out);
  const pick = (x) => (x ? { tokensPerSecond: x.tokensPerSecond, tokensPerCpuSecond: x.tokensPerCpuSecond, stepMs: x.stepMs } : null);
  const record = {
    command: `npm run bench -- biencoder ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    backend: info.name,
    node: process.version,
    cores: cpus().length,
    loadAverage: [load0, load1],
    sizes: { layers: config.layers, hiddenSize: config.hiddenSize, heads: config.heads, batch: c.batch, queryLength: c.queryLength, length: c.length, tokensPerStep: tokensOf(batches[0]), steps: c.steps, rounds: c.rounds, warmup: c.warmup },
    sameModel,
    tensorsLeaked: leaked,
    methods: Object.entries(summary).map(([method, s]) => ({
      method,
      library: s.configs.map((x) => ({ workers: x.workers, ...pick(x) })),
      pytorch: s.peers.map((x) => ({ threads: x.threads, ...pick(x) })),
      ratio: s.ratio ?? null,
    })),
  };
  writeFileSync(`${file}.partial`, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(`${file}.partial`, file);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
if (leaked !== 0) process.exit(1);
