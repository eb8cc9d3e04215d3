#!/usr/bin/env node
// Fine-tuning speed: the course library against PyTorch CPU (Debian python3-torch, 1 and 2 threads)
// fine-tuning the same model with the same method on the same batches, in one run. The model is the
// course encoder loaded from the shipped checkpoint (data/models/full) with a [CLS] classification
// head; the methods are full fine-tuning and LoRA (rank 8, alpha 16, query and value: the library's
// `makeMethod`). The library trains through its SequenceClassifier task on the one Trainer (what
// `fineTune` runs), on the wasm backend, on the main thread (1 worker) and on gradient worker
// threads (--workers: each a wasm backend and a replica, as `trainCrossEncoder` runs them). Prints
// real tokens (attention-mask sum) per second for each, the workers' scaling, the library's best
// over its worker counts as a ratio to PyTorch's best configuration, and LoRA's speed-up over full
// fine-tuning on both sides. Warm-up steps are not timed.
// Usage: node bench/finetune.mjs [--steps 20] [--warmup 3] [--rounds 3] [--batch 32] [--length 64]
//        [--data synthetic|intent] [--labels 100] [--methods full,lora] [--threads 1,2] [--workers 1,2] [--backend wasm] [--checkpoint DIR] [--no-torch] [--profile]
//   --data synthetic: every sequence [CLS] + random tokens + [SEP], exactly --length tokens, random labels;
//   --data intent: the shop's training queries (full profile) -> leaf category, truncated at --length and
//   padded to the longest in each batch, as `fineTuneIntent` does.
//   --profile: the library's kernel times of one more step per method (after the timed rounds).
//   --out FILE.json: the figures as JSON (the chapter 2 results card is made from it).
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
      labels: { type: "string", default: "100" },
      data: { type: "string", default: "synthetic" },
      methods: { type: "string", default: "full,lora" },
      threads: { type: "string", default: "1,2" },
      workers: { type: "string", default: "1,2" },
      backend: { type: "string", default: "wasm" },
      checkpoint: { type: "string" },
      profile: { type: "boolean", default: false },
      "no-torch": { type: "boolean", default: false },
      out: { type: "string" },
    },
  }));
} catch (error) {
  usage(`bench finetune: ${error.message}`);
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
  batch: int("batch"),
  length: int("length", 3),
  labels: int("labels", 2),
  data: values.data,
  methods: list("methods", (m) => m === "full" || m === "lora", "full, lora"),
  threads: list("threads", (t) => /^[1-9]\d*$/.test(t), "positive thread counts").map(Number),
  workers: list("workers", (t) => /^[1-9]\d*$/.test(t), "positive worker counts").map(Number),
  seed: 1,
  loraRank: 8,
};
const backend = values.backend;
if (c.data !== "synthetic" && c.data !== "intent") usage(`--data: expected "synthetic" or "intent", got "${c.data}".`);

const shoplm = require("shoplm");
const { initBackend, readCheckpoint, shippedCheckpointDir, loadTokenizer, loadShop, intentData, encodeExamples, classificationBatch, sliceClassificationBatch, classifierWorkerSpec, SequenceClassifier, SequenceClassificationHead, Trainer, BatchSampler, DEFAULT_LEARNING_RATES, loadEncoder, Rng } = shoplm;
const { makeMethod } = require("shoplm/dist/finetune/run");
const tf = require("@tensorflow/tfjs");

const info = await initBackend({ forced: backend, reset: true });
const ckptDir = values.checkpoint ?? shippedCheckpointDir();
const base = readCheckpoint(ckptDir);
const config = base.config;
if (c.length > config.maxPositions) usage(`--length: ${c.length} is more than the checkpoint's ${config.maxPositions} positions (${ckptDir}).`);
const tokenizer = loadTokenizer(base.tokenizerPath);
const totalSteps = c.warmup + c.steps * c.rounds;

/** The run's batches, drawn once: the library and PyTorch train on exactly these, in this order. */
function drawBatches() {
  const rng = new Rng(c.seed);
  let examples;
  let labels;
  if (c.data === "synthetic") {
    labels = Array.from({ length: c.labels }, (_, i) => `class ${i}`);
    const first = 5; // ids below are pad, unk, cls, sep, mask
    examples = Array.from({ length: totalSteps * c.batch }, () => ({
      inputIds: Int32Array.from({ length: c.length }, (_, j) => (j === 0 ? tokenizer.clsId : j === c.length - 1 ? tokenizer.sepId : first + rng.int(config.vocabSize - first))),
      tokenTypeIds: new Int32Array(c.length),
      label: rng.int(c.labels),
    }));
  } else {
    const data = intentData(loadShop("full").queries, "category");
    labels = data.labels;
    examples = encodeExamples(tokenizer, data.train, { labels, maxLength: c.length, what: "train" });
  }
  const sampler = new BatchSampler(examples.length, c.batch);
  const batches = Array.from({ length: totalSteps }, () => classificationBatch(sampler.next(rng).map((i) => examples[i]), tokenizer.padId, c.length));
  return { labels, batches };
}
const { labels, batches } = drawBatches();
const realTokens = (b) => b.attentionMask.reduce((s, x) => s + x, 0);

/** Hands out the drawn batches in order (the Trainer's rng is not used for drawing). */
function fixedSource() {
  let at = 0;
  return {
    next() {
      const batch = batches[at++ % batches.length];
      return { batch, rows: batch.batch, count: batch.batch, tokens: realTokens(batch) };
    },
    // Rows for gradient workers (see `SequenceClassifier.batchSource`).
    slice: (batch, start, end) => ({ batch: sliceClassificationBatch(batch, start, end), count: end - start }),
    state: () => ({ order: [], at, epoch: 0 }),
    restore: (s) => void (at = s.at),
  };
}

/** One method's classifier and Trainer on `workers` gradient threads, ready for timed blocks of steps. */
async function setupLibrary(name, workers) {
  const encoder = loadEncoder(base);
  const method = makeMethod(name, encoder, { loraRank: c.loraRank }, c.seed);
  const head = new SequenceClassificationHead({ hiddenSize: config.hiddenSize, labels, pooling: "cls", seed: c.seed });
  const classifier = new SequenceClassifier(encoder, method, head);
  const evalLoss = tf.tidy(() => classifier.loss(batches[0], null).dataSync()[0]);
  const headKernel = Array.from(head.params.get("classifier.kernel").dataSync());
  // The options `fineTune` gives the Trainer (linear warm-up 10 %, then linear decay); one step
  // beyond the timed ones for --profile.
  const trainer = new Trainer(classifier.task(), fixedSource(), {
    steps: totalSteps + 1,
    schedule: { peak: DEFAULT_LEARNING_RATES[name], totalSteps, warmupSteps: Math.floor(totalSteps / 10), decay: "linear" },
    optimizer: { learningRateScale: method.learningRateScale },
    seed: c.seed,
    workers,
    // What `trainCrossEncoder` gives `fineTune` (lib/src/finetune/classifier-worker.ts).
    workerTask: classifierWorkerSpec({ checkpoint: ckptDir, setup: { method: name, loraRank: c.loraRank, seed: c.seed }, head: { labels, pooling: "cls", seed: c.seed }, classWeights: null }),
    label: `bench finetune (${name}, ${workers} worker${workers > 1 ? "s" : ""})`,
  });
  const losses = [];
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
  const profile = async () => {
    const p = await tf.profile(() => void trainer.trainStepSync());
    const by = new Map();
    // Kernels run inside other ops' scopes are listed under both; keep the leaf kernels.
    // Batched matmuls split by their batch dimension: 1 for the dense layers and their gradients,
    // batch x heads for attention's scores and context.
    const key = (k) => (k.name === "BatchMatMul" ? `BatchMatMul (${(k.inputShapes?.[0] ?? []).slice(0, -2).reduce((a, b) => a * b, 1) > 1 ? "attention" : "dense"})` : k.name);
    for (const k of p.kernels) if (!/__op$|scope/.test(k.name)) by.set(key(k), (by.get(key(k)) ?? 0) + k.kernelTimeMs);
    return [...by].sort((a, b) => b[1] - a[1]);
  };
  const dispose = async () => {
    await trainer.close();
    trainer.dispose();
    method.dispose();
    head.dispose();
    encoder.dispose();
  };
  return { name, workers, block, profile, dispose, losses, evalLoss, headKernel, trainable: classifier.trainableParameters() };
}

const tensorsBefore = tf.memory().numTensors;
const libs = [];
for (const m of c.methods) for (const w of c.workers) libs.push(await setupLibrary(m, w));
/** The first configuration of each method (its eval loss and head, for PyTorch and the checks). */
const firstOf = c.methods.map((m) => libs.find((l) => l.name === m));

// What PyTorch needs to build the same model and train on the same batches.
const dir = mkdtempSync(path.join(tmpdir(), "bench-finetune-"));
const peerConfig = path.join(dir, "config.json");
const plain = (b) => ({ batch: b.batch, length: b.length, inputIds: Array.from(b.inputIds), attentionMask: Array.from(b.attentionMask), tokenTypeIds: Array.from(b.tokenTypeIds), labels: Array.from(b.labels) });
writeFileSync(
  peerConfig,
  JSON.stringify({
    checkpoint: path.resolve(ckptDir),
    config,
    labels: labels.length,
    headDropout: 0.1,
    headKernel: firstOf[0].headKernel,
    loraRank: c.loraRank,
    loraAlpha: 2 * c.loraRank,
    learningRates: DEFAULT_LEARNING_RATES,
    methods: c.methods,
    warmup: c.warmup,
    steps: c.steps,
    seed: c.seed,
    batches: batches.map(plain),
  })
);

function torch(threads, round) {
  // torch.set_num_threads alone leaves the BLAS and OpenMP pools at their defaults: pin them all.
  const n = String(threads);
  const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  const out = spawnSync("/usr/bin/python3", [path.join(here, "finetune_torch.py"), peerConfig, n, String(round)], { encoding: "utf8", env });
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
// One at a time: tf.profile records every kernel the backend runs meanwhile.
const profiles = values.profile ? [] : null;
// One thread's step only (a synchronous step runs on the main thread).
if (profiles) for (const l of firstOf) profiles.push(await l.profile());
for (const l of libs) await l.dispose();
rmSync(dir, { recursive: true, force: true });
const leaked = tf.memory().numTensors - tensorsBefore;

const fastest = (xs) => xs.filter((x) => x && !x.error).sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0] ?? null;
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const tokensPerStep = batches.slice(c.warmup).reduce((s, b) => s + realTokens(b), 0) / (totalSteps - c.warmup);
const positionsPerStep = batches.slice(c.warmup).reduce((s, b) => s + b.batch * b.length, 0) / (totalSteps - c.warmup);
console.log(
  `Fine-tuning: sequence classification ([CLS] head, ${labels.length} labels, data: ${c.data}) on the course encoder (${ckptDir}: ${config.layers} layers, d=${config.hiddenSize}, ` +
    `${config.heads} heads, ff=${config.intermediateSize}, vocab ${config.vocabSize}), batch ${c.batch}, length <= ${c.length} ` +
    `(${fmt(tokensPerStep)} real tokens of ${fmt(positionsPerStep)} positions per step), dropout 0.1, AdamW, clip 1; ` +
    `best of ${c.rounds} rounds of ${c.steps} timed steps (after ${c.warmup} warm-up steps)`
);
console.log(`${info.toString()}`);
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
  const mine = libs.map((l, li) => ({ l, li })).filter(({ l }) => l.name === name);
  const configs = mine.map(({ l, li }) => {
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
  console.log(`ratio library's best (${s.lib.workers} worker${s.lib.workers > 1 ? "s" : ""}) / pytorch's best (${top.threads} thread${top.threads > 1 ? "s" : ""}), ${name}: ${ratio.toFixed(3)} in tokens/s (goal: at least 0.3; ${ratio >= 0.3 ? "met" : "not met"})`);
}
if (summary.full && summary.lora) {
  const up = (lora, full) => (lora && full ? `${(lora.tokensPerSecond / full.tokensPerSecond).toFixed(2)}x` : "n/a");
  const sides = [`library ${up(summary.lora.lib, summary.full.lib)}`];
  for (const t of c.threads) sides.push(`pytorch ${t} thread${t > 1 ? "s" : ""} ${up(summary.lora.peers.find((p) => p.threads === t), summary.full.peers.find((p) => p.threads === t))}`);
  console.log(`LoRA's speed-up over full fine-tuning (tokens/s): ${sides.join(", ")}`);
}
for (const l of libs) {
  const peer = rounds.torch.flat().find((x) => !x.error)?.methods.find((m) => m.method === l.name);
  console.log(`losses (${l.name}, ${l.workers} worker${l.workers > 1 ? "s" : ""}): library ${fmt(l.losses[0], 3)} -> ${fmt(l.losses.at(-1), 3)}${peer ? `, pytorch ${fmt(peer.firstLoss, 3)} -> ${fmt(peer.lastLoss, 3)}` : ""}`);
}
const peerLosses = rounds.torch.flat().find((x) => !x.error)?.methods;
if (peerLosses) {
  const gap = Math.max(...firstOf.map((l, i) => Math.abs(l.evalLoss - peerLosses[i].evalLoss)));
  console.log(`same model: eval-mode loss of the first batch before any update, library ${firstOf.map((l) => fmt(l.evalLoss, 6)).join(" / ")}, pytorch ${peerLosses.map((m) => fmt(m.evalLoss, 6)).join(" / ")} (largest difference ${gap.toExponential(1)})`);
}
console.log(`tensors left after disposal: ${leaked}`);
console.log(`load average (1 min) before/after: ${load0.toFixed(2)} / ${load1.toFixed(2)} on ${cpus().length} cores`);
// Before the run only other work counts; after it the bench's own worker threads and PyTorch's
// threads are in the one-minute average too.
if (load0 > 0.75 * cpus().length || load1 > cpus().length + 0.5) {
  console.log(
    "warning: the machine was busy with other work. Wall-clock rates then vary from round to round, multi-threaded PyTorch most (its threads wait on each other); " +
      "tokens per CPU-second are steadier. Rerun on an idle machine for the tokens/s ratio."
  );
}
if (profiles) {
  for (const [i, l] of firstOf.entries()) {
    const total = profiles[i].reduce((s, [, t]) => s + t, 0);
    console.log(`\nkernel time of one ${l.name} step on ${info.name} (${fmt(total)} ms in kernels):`);
    for (const [name, ms] of profiles[i].slice(0, 12)) console.log(`  ${name.padEnd(28)} ${fmt(ms, 1).padStart(7)} ms  ${fmt((100 * ms) / total, 1).padStart(5)} %`);
  }
}

if (values.out) {
  const file = path.resolve(values.out);
  const pick = (x) => (x ? { tokensPerSecond: x.tokensPerSecond, tokensPerCpuSecond: x.tokensPerCpuSecond, stepMs: x.stepMs } : null);
  const record = {
    command: `npm run bench -- finetune ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    backend: info.name,
    node: process.version,
    cores: cpus().length,
    loadAverage: [load0, load1],
    sizes: { layers: config.layers, hiddenSize: config.hiddenSize, heads: config.heads, data: c.data, batch: c.batch, length: c.length, labels: labels.length, tokensPerStep, positionsPerStep, steps: c.steps, rounds: c.rounds, warmup: c.warmup },
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
