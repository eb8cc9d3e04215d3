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
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { alternateRounds, benchOptions, countsOption, fmt, intOption, listOption, methodRecords, printLoad, printLosses, printSameModel, runPeer, summarizeMethods, timedBlock, usage, writeRecord } from "./common/training.mjs";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const values = benchOptions("biencoder", {
  batch: { type: "string", default: "32" },
  length: { type: "string", default: "64" },
  "query-length": { type: "string", default: "12" },
  methods: { type: "string", default: "full,lora" },
  checkpoint: { type: "string" },
});
const int = (name, min) => intOption(values, name, min);
const c = {
  steps: int("steps"),
  warmup: int("warmup", 0),
  rounds: int("rounds"),
  batch: int("batch", 2),
  length: int("length", 3),
  queryLength: int("query-length", 3),
  methods: listOption(values, "methods", (m) => m === "full" || m === "lora", "full, lora"),
  threads: countsOption(values, "threads", "positive thread counts"),
  workers: countsOption(values, "workers", "positive worker counts"),
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
  const block = () => timedBlock(trainer, c.steps, losses);
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
const torch = (threads, round) => runPeer(path.join(here, "biencoder_torch.py"), peerConfig, threads, round);

const { rounds, load0, load1 } = await alternateRounds({ count: c.rounds, libs, threads: c.threads, peer: torch, noPeer: values["no-torch"] });
for (const l of libs) await l.dispose();
rmSync(dir, { recursive: true, force: true });
const leaked = tf.memory().numTensors - tensorsBefore;

console.log(
  `Bi-encoder training: one tower shared by queries and products (the course encoder, ${ckptDir}: ${config.layers} layers, d=${config.hiddenSize}, ${config.heads} heads, ` +
    `ff=${config.intermediateSize}, vocab ${config.vocabSize}), mean pooling, L2-normalised, in-batch InfoNCE at tau ${c.temperature}; batch ${c.batch} pairs ` +
    `(queries of ${c.queryLength} tokens, products of ${c.length}: ${tokensOf(batches[0])} tokens a step, synthetic), dropout 0.1, AdamW, clip 1; ` +
    `best of ${c.rounds} rounds of ${c.steps} timed steps (after ${c.warmup} warm-up steps)`
);
console.log(info.toString());
const errors = rounds.torch.flat().filter((x) => x.error);
if (errors.length) console.log(`pytorch cpu: n/a (${errors[0].error}; apt-get install python3-torch)`);
const summary = summarizeMethods({ methods: c.methods, libs, rounds, threads: c.threads, backend: info.name });
printLosses(libs, rounds, c.warmup + c.steps, ` (ln ${c.batch} = ${fmt(Math.log(c.batch), 3)})`);
const sameModel = printSameModel(firstOf, rounds);
console.log(`tensors left after disposal: ${leaked}`);
printLoad(load0, load1);
if (values.out) {
  const file = path.resolve(values.out);
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
    methods: methodRecords(summary),
  };
  writeRecord(file, record);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
if (leaked !== 0) process.exit(1);
