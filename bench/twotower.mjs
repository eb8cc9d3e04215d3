#!/usr/bin/env node
// Two-tower recommender training speed: the library's model (lib/src/recommend/two-tower.ts: an
// item tower over item text vectors plus id embeddings with id dropout, a user tower over the mean
// of the history's item vectors, in-batch InfoNCE) against the same model in PyTorch CPU (Debian
// python3-torch, bench/twotower_torch.py) at 1 and 2 threads, on the same batches, in one run. The
// library trains through the Trainer as `trainTwoTower` sets it up, on the main thread (1 worker)
// and on gradient worker threads (--workers: each a wasm backend and a replica built by
// `twoTowerWorkerSpec`; the workers exchange their examples' user and item vectors every step).
// Tokens are examples (a history and the item that came next). The batches are what
// `TwoTowerBatches` draws from ../shared/datasets/amazon-scientific's training items
// (leave-one-out), or, with --data synthetic or when that folder is absent, from random sequences.
// The item text vectors are random unit vectors of --text-dimension (the step's cost does not
// depend on their values; chapter 4's runs use chapter 3's embeddings).
// Usage: node bench/twotower.mjs [--steps 20] [--warmup 3] [--rounds 3] [--batch 256] [--hidden 64]
//        [--text-dimension 128] [--data amazon|synthetic] [--items 4000] [--threads 1,2] [--workers 1,2]
//        [--backend wasm] [--no-torch] [--out FILE.json]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { sequenceData, trainingSequences } from "./common/sequences.mjs";
import { alternateRounds, benchOptions, countsOption, fmt, intOption, methodRecords, printLoad, printLosses, printSameModel, runPeer, summarizeMethods, timedBlock, usage, writeRecord } from "./common/training.mjs";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const values = benchOptions("twotower", {
  batch: { type: "string", default: "256" },
  hidden: { type: "string", default: "64" },
  "text-dimension": { type: "string", default: "128" },
  items: { type: "string", default: "4000" },
  data: { type: "string" },
});
const int = (name, min) => intOption(values, name, min);
const c = {
  steps: int("steps"),
  warmup: int("warmup", 0),
  rounds: int("rounds"),
  batch: int("batch", 2),
  hidden: int("hidden"),
  dimension: int("text-dimension"),
  threads: countsOption(values, "threads", "positive thread counts"),
  workers: countsOption(values, "workers", "positive worker counts"),
  seed: 1,
  learningRate: 2e-3,
};
const tooMany = c.workers.find((w) => w > c.batch);
if (tooMany !== undefined) usage(`--workers: ${tooMany} workers need a batch of at least ${tooMany} examples, got --batch ${c.batch}.`);
const data = sequenceData(values.data);

const { initBackend, Rng, Trainer } = require("shoplm");
const { TwoTower, TwoTowerBatches, sliceTwoTowerBatch, twoTowerWorkerSpec } = require("shoplm/dist/recommend/two-tower");
const tf = require("@tensorflow/tfjs");

const info = await initBackend({ forced: values.backend, reset: true });

const { train, items, what } = await trainingSequences(data, data === "synthetic" ? int("items", 2) : 0);
const itemText = (() => {
  const rng = new Rng(c.seed);
  const vectors = new Float32Array(items * c.dimension);
  for (let i = 0; i < items; i++) {
    let norm = 0;
    for (let j = 0; j < c.dimension; j++) norm += (vectors[i * c.dimension + j] = rng.normal()) ** 2;
    for (let j = 0; j < c.dimension; j++) vectors[i * c.dimension + j] /= Math.sqrt(norm);
  }
  return { vectors, count: items, dimension: c.dimension };
})();
const options = { hiddenSize: c.hidden };
const totalSteps = c.warmup + c.steps * c.rounds;
const probe = new TwoTower(itemText, options, c.seed);
const source = new TwoTowerBatches(train, c.batch, probe.settings.maxHistory);
const drawRng = new Rng(c.seed);
const batches = Array.from({ length: totalSteps }, () => source.next(drawRng));
const kernel = probe.params.get("item.text.kernel").dataSync().slice();
const settings = probe.settings;
probe.dispose();

/** One configuration: the model and Trainer as `trainTwoTower` sets them up, on `workers` threads. */
async function setupLibrary(workers) {
  const model = new TwoTower(itemText, options, c.seed);
  // The eval-mode loss of the first batch: the same weights without id dropout (PyTorch's eval mode).
  const plain = new TwoTower(itemText, { ...options, idDropout: 0 }, c.seed);
  const evalLoss = tf.tidy(() => plain.loss(batches[0].batch, new Rng(0)).dataSync()[0]);
  plain.dispose();
  let at = 0;
  const fixed = {
    next: () => batches[at++ % batches.length],
    slice: (batch, start, end) => ({ batch: sliceTwoTowerBatch(batch, start, end), count: batch.targets.length }),
    state: () => ({ order: [], at, epoch: 0 }),
    restore: (s) => void (at = s.at),
  };
  const trainer = new Trainer({ params: model.params, loss: (b, rng, exchange) => model.loss(b, rng, exchange) }, fixed, {
    steps: totalSteps,
    schedule: { peak: c.learningRate, totalSteps, warmupSteps: Math.floor(totalSteps / 20), decay: "linear" },
    optimizer: { weightDecay: 0 },
    seed: c.seed,
    workers,
    workerTask: workers > 1 ? twoTowerWorkerSpec({ itemText, options, seed: c.seed }) : undefined,
    exchange: workers > 1 ? c.batch * settings.hiddenSize : undefined,
    label: `bench twotower (${workers} worker${workers > 1 ? "s" : ""})`,
  });
  const losses = [];
  // Warm-up steps also start the worker threads (their start is not timed).
  if (c.warmup) losses.push(...(await trainer.run(c.warmup)).steps.map((s) => s.loss));
  const dispose = async () => {
    await trainer.close();
    trainer.dispose();
    model.dispose();
  };
  return { name: "two-tower", workers, block: () => timedBlock(trainer, c.steps, losses), dispose, losses, evalLoss, trainable: model.params.count() };
}

const tensorsBefore = tf.memory().numTensors;
const libs = [];
for (const w of c.workers) libs.push(await setupLibrary(w));

// What PyTorch needs: the text vectors and the initial kernel as raw float32, the rest as JSON.
const dir = mkdtempSync(path.join(tmpdir(), "bench-twotower-"));
const peerConfig = path.join(dir, "config.json");
const textFile = path.join(dir, "text.f32");
const kernelFile = path.join(dir, "kernel.f32");
writeFileSync(textFile, Buffer.from(itemText.vectors.buffer));
writeFileSync(kernelFile, Buffer.from(kernel.buffer));
writeFileSync(
  peerConfig,
  JSON.stringify({
    settings,
    items,
    dimension: c.dimension,
    textFile,
    kernelFile,
    learningRates: { "two-tower": c.learningRate },
    methods: ["two-tower"],
    warmup: c.warmup,
    steps: c.steps,
    seed: c.seed,
    batches: batches.map((d) => ({ histories: d.batch.histories.map((h) => Array.from(h)), targets: Array.from(d.batch.targets) })),
  })
);
const torch = (threads, round) => runPeer(path.join(here, "twotower_torch.py"), peerConfig, threads, round);
const { rounds, load0, load1 } = await alternateRounds({ count: c.rounds, libs, threads: c.threads, peer: torch, noPeer: values["no-torch"] });
for (const l of libs) await l.dispose();
rmSync(dir, { recursive: true, force: true });
const leaked = tf.memory().numTensors - tensorsBefore;

const historyItems = batches.reduce((s, d) => s + d.batch.histories.reduce((n, h) => n + h.length, 0), 0) / batches.length;
console.log(
  `Two-tower recommender: item tower over ${c.dimension}-d text vectors (random) plus id embeddings (id dropout ${settings.idDropout}), user tower over the mean of up to ${settings.maxHistory} history items, d=${settings.hiddenSize}, ` +
    `in-batch InfoNCE at tau ${settings.temperature}; ${fmt(items)} items; data: ${what}; batch ${c.batch} examples (${fmt(historyItems)} history items a step), AdamW, clip 1; ` +
    `best of ${c.rounds} rounds of ${c.steps} timed steps (after ${c.warmup} warm-up steps); tokens are examples`
);
console.log(info.toString());
const errors = rounds.torch.flat().filter((x) => x.error);
if (errors.length) console.log(`pytorch cpu: n/a (${errors[0].error}; apt-get install python3-torch)`);
const summary = summarizeMethods({ methods: ["two-tower"], libs, rounds, threads: c.threads, backend: info.name });
printLosses(libs, rounds, c.warmup + c.steps, ` (ln ${c.batch} = ${fmt(Math.log(c.batch), 3)})`);
const sameModel = printSameModel([libs[0]], rounds);
console.log(`tensors left after disposal: ${leaked}`);
printLoad(load0, load1);
if (values.out) {
  const file = path.resolve(values.out);
  writeRecord(file, {
    command: `npm run bench -- twotower ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    backend: info.name,
    node: process.version,
    cores: cpus().length,
    loadAverage: [load0, load1],
    data: what,
    sizes: { items, textDimension: c.dimension, hiddenSize: settings.hiddenSize, batch: c.batch, historyItemsPerStep: historyItems, steps: c.steps, rounds: c.rounds, warmup: c.warmup },
    sameModel,
    tensorsLeaked: leaked,
    methods: methodRecords(summary),
  });
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
if (leaked !== 0) process.exit(1);
