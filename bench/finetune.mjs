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
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { alternateRounds, benchOptions, countsOption, fmt, intOption, listOption, methodRecords, printLoad, printLosses, printSameModel, runPeer, summarizeMethods, timedBlock, usage, writeRecord } from "./common/training.mjs";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const values = benchOptions("finetune", {
  batch: { type: "string", default: "32" },
  length: { type: "string", default: "64" },
  labels: { type: "string", default: "100" },
  data: { type: "string", default: "synthetic" },
  methods: { type: "string", default: "full,lora" },
  checkpoint: { type: "string" },
  profile: { type: "boolean", default: false },
});
const int = (name, min) => intOption(values, name, min);

const c = {
  steps: int("steps"),
  warmup: int("warmup", 0),
  rounds: int("rounds"),
  batch: int("batch"),
  length: int("length", 3),
  labels: int("labels", 2),
  data: values.data,
  methods: listOption(values, "methods", (m) => m === "full" || m === "lora", "full, lora"),
  threads: countsOption(values, "threads", "positive thread counts"),
  workers: countsOption(values, "workers", "positive worker counts"),
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
  const block = () => timedBlock(trainer, c.steps, losses);
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

const torch = (threads, round) => runPeer(path.join(here, "finetune_torch.py"), peerConfig, threads, round);

const { rounds, load0, load1 } = await alternateRounds({ count: c.rounds, libs, threads: c.threads, peer: torch, noPeer: values["no-torch"] });
// One at a time: tf.profile records every kernel the backend runs meanwhile.
const profiles = values.profile ? [] : null;
// One thread's step only (a synchronous step runs on the main thread).
if (profiles) for (const l of firstOf) profiles.push(await l.profile());
for (const l of libs) await l.dispose();
rmSync(dir, { recursive: true, force: true });
const leaked = tf.memory().numTensors - tensorsBefore;

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
const summary = summarizeMethods({ methods: c.methods, libs, rounds, threads: c.threads, backend: info.name, goal: 0.3 });
if (summary.full && summary.lora) {
  const up = (lora, full) => (lora && full ? `${(lora.tokensPerSecond / full.tokensPerSecond).toFixed(2)}x` : "n/a");
  const sides = [`library ${up(summary.lora.lib, summary.full.lib)}`];
  for (const t of c.threads) sides.push(`pytorch ${t} thread${t > 1 ? "s" : ""} ${up(summary.lora.peers.find((p) => p.threads === t), summary.full.peers.find((p) => p.threads === t))}`);
  console.log(`LoRA's speed-up over full fine-tuning (tokens/s): ${sides.join(", ")}`);
}
printLosses(libs, rounds, c.warmup + c.steps);
printSameModel(firstOf, rounds);
console.log(`tensors left after disposal: ${leaked}`);
printLoad(load0, load1);
if (profiles) {
  for (const [i, l] of firstOf.entries()) {
    const total = profiles[i].reduce((s, [, t]) => s + t, 0);
    console.log(`\nkernel time of one ${l.name} step on ${info.name} (${fmt(total)} ms in kernels):`);
    for (const [name, ms] of profiles[i].slice(0, 12)) console.log(`  ${name.padEnd(28)} ${fmt(ms, 1).padStart(7)} ms  ${fmt((100 * ms) / total, 1).padStart(5)} %`);
  }
}

if (values.out) {
  const file = path.resolve(values.out);
  const record = {
    command: `npm run bench -- finetune ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    backend: info.name,
    node: process.version,
    cores: cpus().length,
    loadAverage: [load0, load1],
    sizes: { layers: config.layers, hiddenSize: config.hiddenSize, heads: config.heads, data: c.data, batch: c.batch, length: c.length, labels: labels.length, tokensPerStep, positionsPerStep, steps: c.steps, rounds: c.rounds, warmup: c.warmup },
    methods: methodRecords(summary),
  };
  writeRecord(file, record);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
