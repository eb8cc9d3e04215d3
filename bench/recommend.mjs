#!/usr/bin/env node
// Sequential recommender training speed: the library's SASRec-style model (lib/src/recommend/sasrec.ts,
// chapter 1's encoder with causal attention, full softmax over the catalog, tied item embeddings)
// against the same model in PyTorch CPU (Debian python3-torch, bench/recommend_torch.py) at 1 and 2
// threads, on the same batches, in one run. Tokens are predicted positions (one next item each).
// The batches are what `trainSasRec` draws (users of similar length together) from
// ../shared/datasets/amazon-scientific's training items (leave-one-out), or, with --data synthetic
// or when that folder is absent, from random sequences over a catalog of --items.
// The library trains on the main thread (1 worker) and on data-parallel gradient worker threads
// (--workers: each a wasm backend and a replica, as `trainSasRec({ workers })` runs them); its best
// worker count is the one set against PyTorch's best thread count.
// Rounds alternate the library and PyTorch; each side's best round is reported (the least disturbed).
// Usage: node bench/recommend.mjs [--steps 20] [--warmup 3] [--rounds 3] [--batch 128] [--max-length 50]
//        [--hidden 64] [--layers 2] [--heads 1] [--data amazon|synthetic] [--items 4000]
//        [--threads 1,2] [--workers 1,2] [--backend wasm] [--no-torch] [--out FILE]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { sequenceData, trainingSequences } from "./common/sequences.mjs";
import { alternateRounds, benchOptions, countsOption, fastest, fmt, intOption, lossLine, runPeer, timedBlock } from "./common/training.mjs";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const values = benchOptions("recommend", {
  batch: { type: "string", default: "128" },
  "max-length": { type: "string", default: "50" },
  hidden: { type: "string", default: "64" },
  layers: { type: "string", default: "2" },
  heads: { type: "string", default: "1" },
  items: { type: "string", default: "4000" },
  data: { type: "string" },
});
const int = (name, min) => intOption(values, name, min);
const threads = countsOption(values, "threads", "positive thread counts");
const workerCounts = countsOption(values, "workers", "positive worker counts");
const data = sequenceData(values.data);
const c = { steps: int("steps"), warmup: int("warmup", 0), rounds: int("rounds"), batch: int("batch"), seed: 1, learningRate: 1e-3 };

const { initBackend, Rng, Trainer } = require("shoplm");
const { SasRec, SasRecBatches, sasRecConfig, sasRecTask, sasRecWorkerSpec } = require("shoplm/dist/recommend/sasrec");
const tf = require("@tensorflow/tfjs");

const info = await initBackend({ forced: values.backend, reset: true });

const { train, items, what } = await trainingSequences(data, data === "synthetic" ? int("items", 2) : 0);
const config = sasRecConfig({ items, hiddenSize: int("hidden"), layers: int("layers"), heads: int("heads"), intermediateSize: int("hidden"), maxLength: int("max-length"), dropout: 0.3 });
const source = new SasRecBatches(train, { batchSize: c.batch, maxLength: config.maxLength, sampledItems: 0, items });
const drawRng = new Rng(c.seed);
const batches = Array.from({ length: c.warmup + c.steps }, () => source.next(drawRng));
const timed = batches.slice(c.warmup);

// The library: the Trainer as `trainSasRec` sets it up, on the drawn batches (the timed ones
// replayed each round), once per worker count, each from the same initial weights.
const tensorsBefore = tf.memory().numTensors;
const totalSteps = c.warmup + c.steps * c.rounds;
async function setupLibrary(workers) {
  const model = SasRec.create(config, c.seed);
  let at = 0;
  const fixed = {
    next() {
      const k = at++;
      return k < c.warmup ? batches[k] : timed[(k - c.warmup) % c.steps];
    },
    slice: (batch, start, end) => source.slice(batch, start, end),
    state: () => ({ order: [], at, epoch: 0 }),
    restore: (s) => void (at = s.at),
  };
  const trainer = new Trainer(sasRecTask(model), fixed, {
    steps: totalSteps,
    schedule: { peak: c.learningRate, totalSteps, warmupSteps: Math.floor(totalSteps / 20), decay: "linear", minimum: c.learningRate / 10 },
    optimizer: { weightDecay: 0 },
    seed: c.seed,
    workers,
    workerTask: sasRecWorkerSpec(config),
    label: "bench recommend",
  });
  const losses = [];
  // Warm-up steps also start the worker threads (their start is not timed).
  if (c.warmup) losses.push(...(await trainer.run(c.warmup)).steps.map((s) => s.loss));
  const dispose = async () => {
    await trainer.close();
    trainer.dispose();
    model.dispose();
  };
  return { workers, block: () => timedBlock(trainer, c.steps, losses), losses, dispose };
}
const libs = [];
for (const w of workerCounts) libs.push(await setupLibrary(w));

const dir = mkdtempSync(path.join(tmpdir(), "bench-recommend-"));
const peerConfig = path.join(dir, "config.json");
const plain = (d) => ({ rows: d.batch.rows, length: d.batch.length, tokens: Array.from(d.batch.tokens), mask: Array.from(d.batch.mask), positions: Array.from(d.batch.positions), labels: Array.from(d.batch.labels) });
writeFileSync(peerConfig, JSON.stringify({ config, seed: c.seed, learningRate: c.learningRate, warmup: c.warmup, batches: batches.map(plain) }));
// recommend_torch.py takes CONFIG THREADS (the round argument runPeer adds is not read).
const torch = (threads, round) => runPeer(path.join(here, "recommend_torch.py"), peerConfig, threads, round);
const { rounds, load0, load1 } = await alternateRounds({ count: c.rounds, libs, threads, peer: torch, noPeer: values["no-torch"] });
for (const l of libs) await l.dispose();
rmSync(dir, { recursive: true, force: true });
const leaked = tf.memory().numTensors - tensorsBefore;

const tokensPerStep = timed.reduce((s, b) => s + b.tokens, 0) / c.steps;
const positionsPerStep = timed.reduce((s, b) => s + b.batch.rows * b.batch.length, 0) / c.steps;
console.log(
  `Sequential recommender (SASRec-style): ${config.layers} layers, d=${config.hiddenSize}, ${config.heads} head(s), ff=${config.intermediateSize}, max length ${config.maxLength}, ` +
    `${items} items (full softmax, tied embeddings), dropout ${config.dropout}, AdamW, clip 1; data: ${what}; batch ${c.batch} users ` +
    `(${fmt(tokensPerStep)} predicted positions of ${fmt(positionsPerStep)} per step); best of ${c.rounds} rounds of ${c.steps} timed steps after ${c.warmup} warm-up steps`
);
console.log(info.toString());
const byWorkers = libs.map((l, i) => ({ workers: l.workers, ...fastest(rounds.lib[i]) }));
const lib = fastest(byWorkers);
const row = (label, r, all) =>
  console.log(
    label.padEnd(34) +
      (r ? `${fmt(r.tokensPerSecond).padStart(7)} tokens/s ${fmt(r.tokensPerCpuSecond).padStart(7)} tokens/CPU-s ${fmt(r.stepMs, 1).padStart(7)} ms/step   rounds (tokens/s): ${all.map((x) => (x.error ? "error" : Math.round(x.tokensPerSecond))).join(", ")}` : "n/a")
  );
for (const [i, l] of libs.entries()) row(`library (${info.name}, ${l.workers === 1 ? "main thread" : `${l.workers} workers`})`, byWorkers[i], rounds.lib[i]);
const one = byWorkers.find((x) => x.workers === 1);
for (const x of byWorkers) if (one && x.workers > 1) console.log(`library: ${x.workers} workers / 1 worker: ${(x.tokensPerSecond / one.tokensPerSecond).toFixed(2)}x in tokens/s`);
const errors = rounds.torch.flat().filter((x) => x.error);
if (errors.length) console.log(`pytorch cpu: n/a (${errors[0].error}; apt-get install python3-torch)`);
const peers = threads
  .map((t, i) => {
    const best = fastest(rounds.torch[i]);
    if (best) row(`pytorch ${best.torch} (${t} thread${t > 1 ? "s" : ""})`, best, rounds.torch[i]);
    return best ? { ...best, threads: t } : null;
  })
  .filter(Boolean);
const top = fastest(peers);
const ratio = top ? lib.tokensPerSecond / top.tokensPerSecond : null;
if (top) console.log(`ratio library's best (${lib.workers === 1 ? "main thread" : `${lib.workers} workers`}) / pytorch's best (${top.threads} thread${top.threads > 1 ? "s" : ""}): ${ratio.toFixed(3)} in tokens/s (goal: at least 0.3; ${ratio >= 0.3 ? "met" : "not met"})`);
const peerRun = rounds.torch.flat().find((x) => !x.error);
for (const l of libs) console.log(lossLine(`${l.workers} worker${l.workers === 1 ? "" : "s"}`, l.losses, c.warmup + c.steps, peerRun, ` (ln ${items} = ${fmt(Math.log(items), 3)})`));
console.log(`tensors left after disposal: ${leaked}`);
console.log(`load average (1 min) before/after: ${load0.toFixed(2)} / ${load1.toFixed(2)} on ${cpus().length} cores`);
const busy = Math.max(load0, load1) > 0.75 * cpus().length;
if (busy) console.log("warning: the machine was busy with other work; wall-clock rates vary from round to round (tokens per CPU-second are steadier). Rerun on an idle machine for the ratio.");
if (values.out) {
  const record = {
    bench: "recommend",
    command: `npm run bench -- recommend ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString(),
    backend: info.name,
    data: what,
    config,
    batch: c.batch,
    steps: c.steps,
    rounds: c.rounds,
    tokensPerStep,
    library: lib,
    libraryByWorkers: byWorkers,
    pytorch: peers,
    ratio,
    goal: 0.3,
    loadAverage: [load0, load1],
    cores: cpus().length,
    busy,
    tensorsLeaked: leaked,
  };
  writeFileSync(values.out, JSON.stringify(record, null, 1) + "\n");
  console.log(`wrote ${values.out}`);
}
if (leaked !== 0) process.exit(1);
