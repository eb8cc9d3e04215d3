#!/usr/bin/env node
// MLM pretraining speed: the course library against PyTorch CPU (Debian python3-torch, as many
// threads as cores) on the same model and algorithm, in one run: BERT-style encoder, masked-only
// tied head, AdamW, warm-up/decay schedule, clipping, same batch and sequence length. Prints tokens
// per second for both, their ratio, and the library's achieved GFLOP/s against a plain matmul's on
// the same backend.
// Usage: node bench/pretrain.mjs [--rounds 3] [--steps 10] [--warmup 3] [--backend wasm] [--vocab 8000] [--seq 64]
//        [--batch 32] [--hidden 128] [--layers 2] [--heads 4] [--ff 512] [--profile] [--no-torch] [--plain-wasm]
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const num = (name, fallback) => Number(opt(name, fallback));

const c = {
  vocab: num("vocab", 8000),
  hidden: num("hidden", 128),
  layers: num("layers", 2),
  heads: num("heads", 4),
  intermediate: num("ff", 512),
  seq: num("seq", 64),
  batch: num("batch", 32),
  dropout: 0.1,
  lr: 1e-3,
  steps: num("steps", 10),
  warmup: num("warmup", 3),
  rounds: num("rounds", 3),
  sequences: 512,
  threads: cpus().length,
  seed: 1,
};
const backend = opt("backend", "wasm");

const { initBackend, encoderConfig, MaskedLanguageModel, Pretrainer, mlmTrainingFlops, Rng, unregisterWasmKernelWrappers } = require("shoplm");
const tf = require("@tensorflow/tfjs");

function matmulGflops(size = 512, repeats = 20) {
  const a = tf.randomNormal([size, size], 0, 1, "float32", 1);
  const b = tf.randomNormal([size, size], 0, 1, "float32", 2);
  for (let i = 0; i < 3; i++) tf.tidy(() => tf.matMul(a, b)).dataSync();
  const start = process.hrtime.bigint();
  for (let i = 0; i < repeats; i++) tf.tidy(() => tf.matMul(a, b)).dataSync();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  tf.dispose([a, b]);
  return (2 * size ** 3 * repeats) / seconds / 1e9;
}

/** The library's model and trainer, ready for timed blocks of steps. */
async function setupLibrary() {
  const info = await initBackend({ forced: backend, reset: true });
  // --plain-wasm: tfjs's own wasm kernels instead of the wrappers (to see what the wrappers are worth).
  if (flag("plain-wasm")) console.log(`plain wasm kernels restored: ${unregisterWasmKernelWrappers().join(", ")}`);
  const config = encoderConfig({
    vocabSize: c.vocab,
    hiddenSize: c.hidden,
    layers: c.layers,
    heads: c.heads,
    intermediateSize: c.intermediate,
    maxPositions: c.seq,
    dropout: c.dropout,
    attentionDropout: c.dropout,
  });
  const model = MaskedLanguageModel.create(config, c.seed);
  const rng = new Rng(c.seed);
  const special = { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 };
  const train = Array.from({ length: c.sequences }, () => ({
    inputIds: Int32Array.from({ length: c.seq }, (_, j) => (j === 0 ? special.cls : 5 + rng.int(c.vocab - 5))),
  }));
  const trainer = new Pretrainer(model, train, [], {
    steps: c.warmup + c.steps * c.rounds + 1,
    batchSize: c.batch,
    maxLength: c.seq,
    padTo: "max",
    special,
    learningRate: c.lr,
    seed: c.seed,
  });
  const losses = [];
  for (let i = 0; i < c.warmup; i++) losses.push(trainer.trainStep().loss);
  /** One timed block of `c.steps` steps. */
  const block = () => {
    let flops = 0;
    let tokens = 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < c.steps; i++) {
      const s = trainer.trainStep();
      flops += mlmTrainingFlops(config, c.batch, c.seq, s.maskedTokens);
      tokens += s.tokens;
      losses.push(s.loss);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    return { tokensPerSecond: tokens / seconds, tokensPerCpuSecond: tokens / cpuSeconds, gflops: flops / seconds / 1e9, stepMs: (1000 * seconds) / c.steps };
  };
  const profile = async () => {
    const p = await tf.profile(() => void trainer.trainStep());
    const by = new Map();
    // Kernels run inside other ops' scopes are listed under both; keep the leaf kernels.
    for (const k of p.kernels) if (!/__op$|scope/.test(k.name)) by.set(k.name, (by.get(k.name) ?? 0) + k.kernelTimeMs);
    return [...by].sort((a, b) => b[1] - a[1]);
  };
  const dispose = () => {
    trainer.dispose();
    model.dispose();
  };
  return { info, block, profile, dispose, losses };
}

function torch(threads) {
  // torch.set_num_threads alone leaves the BLAS and OpenMP pools at their defaults: pin them all.
  const n = String(threads);
  const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  const out = spawnSync("/usr/bin/python3", [path.join(here, "pretrain_torch.py"), JSON.stringify({ ...c, threads })], { encoding: "utf8", env });
  if (out.status !== 0) return { error: (out.stderr || String(out.error)).trim().split("\n").at(-1) };
  return JSON.parse(out.stdout.trim().split("\n").at(-1));
}

// Rounds alternate the library and PyTorch, so that other work on the machine hits both alike;
// each side's best round is reported (the least disturbed one).
const load0 = loadavg()[0];
const lib = await setupLibrary();
const rounds = { lib: [], torch: [], single: [] };
const peaks = [];
for (let r = 0; r < c.rounds; r++) {
  rounds.lib.push(lib.block());
  peaks.push(matmulGflops());
  if (flag("no-torch")) continue;
  rounds.torch.push(torch(c.threads));
  // The library runs on one core (wasm has no threads under Node): PyTorch on one thread is the per-core comparison.
  if (c.threads > 1) rounds.single.push(torch(1));
}
const profile = flag("profile") ? await lib.profile() : null;
const peak = Math.max(...peaks);
lib.dispose();
const load1 = loadavg()[0];
const best = (xs) => xs.filter((x) => !x.error).sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0] ?? xs[0] ?? { error: "skipped (--no-torch)" };
const libBest = best(rounds.lib);
const peer = best(rounds.torch);
const single = rounds.single.length ? best(rounds.single) : null;
const all = (xs) => xs.map((x) => (x.error ? "error" : Math.round(x.tokensPerSecond))).join(", ");

const libTps = libBest.tokensPerSecond;
const libGflops = libBest.gflops;
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const row = (name, r, rs) =>
  console.log(
    name.padEnd(34) +
      `${fmt(r.tokensPerSecond).padStart(7)} tokens/s ${fmt(r.tokensPerCpuSecond).padStart(7)} tokens/CPU-s ${fmt(r.stepMs).padStart(6)} ms/step ` +
      `${fmt((libGflops * r.tokensPerSecond) / libTps, 2).padStart(6)} GFLOP/s   rounds (tokens/s): ${all(rs)}`
  );
console.log(
  `MLM pretraining: ${c.layers} layers, d=${c.hidden}, ${c.heads} heads, ff=${c.intermediate}, vocab ${c.vocab}, batch ${c.batch} x seq ${c.seq}, ` +
    `dropout ${c.dropout}, masked-only tied head, AdamW, clip 1.0; best of ${c.rounds} rounds of ${c.steps} timed steps (after ${c.warmup} warm-up steps)`
);
console.log(`${lib.info.toString()}`);
row(`library (${lib.info.name}, 1 thread)`, libBest, rounds.lib);
if (peer.error) {
  const hint = /skipped/.test(peer.error) ? "" : "; apt-get install python3-torch";
  console.log(`pytorch cpu`.padEnd(34) + `n/a (${peer.error}${hint})`);
} else {
  row(`pytorch ${peer.torch} cpu (${peer.threads} threads)`, peer, rounds.torch);
  if (single && !single.error) row(`pytorch ${single.torch} cpu (1 thread)`, single, rounds.single);
  const ratio = libTps / peer.tokensPerSecond;
  console.log(`ratio library / pytorch (${peer.threads} threads, the same count as cores), tokens/s: ${ratio.toFixed(3)} (goal >= 0.25: ${ratio >= 0.25 ? "met" : "NOT met"})`);
  if (single && !single.error) {
    console.log(
      `ratio library / pytorch (1 thread, per core): ${(libTps / single.tokensPerSecond).toFixed(3)} in tokens/s, ${(libBest.tokensPerCpuSecond / single.tokensPerCpuSecond).toFixed(3)} in tokens per CPU-second` +
        (single.tokensPerSecond > peer.tokensPerSecond ? " (PyTorch is faster on 1 thread than on all cores here)" : "")
    );
  }
}
console.log(`plain 512x512 matmul on ${lib.info.name} (best round): ${fmt(peak, 1)} GFLOP/s; the training step reaches ${fmt((100 * libGflops) / peak, 0)} % of it`);
console.log(`losses (random tokens, about ln(vocab) = ${Math.log(c.vocab).toFixed(2)}): library ${fmt(lib.losses[0], 3)} -> ${fmt(lib.losses.at(-1), 3)}${peer.error ? "" : `, pytorch ${fmt(peer.firstLoss, 3)} -> ${fmt(peer.lastLoss, 3)}`}`);
console.log(`load average (1 min) before/after: ${load0.toFixed(2)} / ${load1.toFixed(2)} on ${cpus().length} cores`);
if (Math.max(load0, load1) > 0.75 * cpus().length) {
  console.log(
    "warning: the machine was busy with other work. Wall-clock rates then vary from round to round, multi-threaded PyTorch most (its threads wait on each other); " +
      "tokens per CPU-second are steadier. Rerun on an idle machine for the tokens/s ratio."
  );
}
if (profile) {
  const total = profile.reduce((s, [, t]) => s + t, 0);
  console.log(`\nkernel time of one step (${fmt(total)} ms in kernels):`);
  for (const [name, ms] of profile.slice(0, 15)) console.log(`  ${name.padEnd(26)} ${fmt(ms, 1).padStart(7)} ms  ${fmt((100 * ms) / total, 1).padStart(5)} %`);
}
