#!/usr/bin/env node
// MLM pretraining speed: the course library against PyTorch CPU (Debian python3-torch, as many
// threads as cores) on the same model and algorithm, in one run: BERT-style encoder, masked-only
// tied head, AdamW, warm-up/decay schedule, clipping, same batch and sequence length. Prints tokens
// per second for both, their ratio, and the library's achieved GFLOP/s against a plain matmul's on
// the same backend. `--workers 1,2` times the library with 1 and 2 data-parallel gradient workers
// (worker threads; 1 = the main thread alone) beside PyTorch at 1 and 2 threads.
// `--backend webgpu` (a hardware GPU; `webgpu-soft` is Mesa's software one) times the library on
// the GPU; PyTorch then runs on the same kind of device: CUDA where its build sees a GPU, else the
// CPU (`--torch-device cpu|cuda` overrides). The issue's larger size: --layers 8 --hidden 512
// --heads 8 --ff 2048 --batch 128 --seq 128.
// Usage: node bench/pretrain.mjs [--rounds 3] [--steps 10] [--warmup 3] [--backend wasm] [--vocab 8000] [--seq 64]
//        [--batch 32] [--hidden 128] [--layers 2] [--heads 4] [--ff 512] [--workers 1,2] [--profile] [--no-torch] [--plain-wasm]
//        [--torch-device auto|cpu|cuda]
// Environment: BENCH_PYTHON, the python3 that has torch (default /usr/bin/python3). On a GPU machine
// without Node: scripts/gpu-bench-bundle.mjs packs this bench, Node and Dawn into one folder.
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
// The Python that runs the PyTorch peer: BENCH_PYTHON, else Debian's (where python3-torch installs).
const python = process.env.BENCH_PYTHON || "/usr/bin/python3";
const workerCounts = opt("workers", null)?.split(",").map(Number) ?? null;
if (workerCounts && !workerCounts.every((n) => Number.isInteger(n) && n >= 1)) {
  console.error(`--workers: expected a comma-separated list of positive integers, got "${opt("workers")}".`);
  process.exit(2);
}

const { initBackend, encoderConfig, MaskedLanguageModel, Pretrainer, mlmTrainingFlops, Rng } = require("shoplm");
const { unregisterWasmKernelWrappers } = require("shoplm/dist/core/wasm-kernels");
const tf = require("@tensorflow/tfjs");

/** A plain matmul's rate on the backend, each product read back (asynchronously: WebGPU has no synchronous read). */
async function matmulGflops(size = 512, repeats = 20) {
  const a = tf.randomNormal([size, size], 0, 1, "float32", 1);
  const b = tf.randomNormal([size, size], 0, 1, "float32", 2);
  const once = async () => {
    const p = tf.matMul(a, b);
    await p.data();
    p.dispose();
  };
  for (let i = 0; i < 3; i++) await once();
  const start = process.hrtime.bigint();
  for (let i = 0; i < repeats; i++) await once();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  tf.dispose([a, b]);
  return (2 * size ** 3 * repeats) / seconds / 1e9;
}

/** PyTorch's device: CUDA when the library runs on a GPU backend and PyTorch sees one (the same kind of device), else the CPU. */
function torchDevice() {
  const asked = opt("torch-device", "auto");
  if (asked === "cpu" || asked === "cuda") return asked;
  if (asked !== "auto") {
    console.error(`--torch-device: expected auto, cpu or cuda, got "${asked}".`);
    process.exit(2);
  }
  if (!["webgpu", "tensorflow"].includes(backend) || flag("no-torch")) return "cpu";
  const probe = spawnSync(python, ["-c", "import torch; print(torch.cuda.is_available())"], { encoding: "utf8" });
  return probe.stdout.trim() === "True" ? "cuda" : "cpu";
}

/** The library's model and trainer, ready for timed blocks of steps. */
async function setupLibrary(workers = 1) {
  const info = await initBackend({ forced: backend });
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
    workers,
  });
  const losses = [];
  // Warm-up steps also start the worker threads (their start is not timed).
  for (let i = 0; i < c.warmup; i++) losses.push((await trainer.trainStepAsync()).loss);
  /** One timed block of `c.steps` steps. */
  const block = async () => {
    let flops = 0;
    let tokens = 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    // The course's loop (`run`): with workers the main thread's copy catches up once, at the end.
    const run = await trainer.run(c.steps);
    for (const s of run.steps) {
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
  const dispose = async () => {
    await trainer.close();
    trainer.dispose();
    model.dispose();
  };
  return { info, block, profile, dispose, losses, workers };
}

const device = torchDevice();

function torch(threads) {
  // torch.set_num_threads alone leaves the BLAS and OpenMP pools at their defaults: pin them all.
  const n = String(threads);
  const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  const out = spawnSync(python, [path.join(here, "pretrain_torch.py"), JSON.stringify({ ...c, threads, device })], { encoding: "utf8", env });
  if (out.status !== 0) return { error: (out.stderr || String(out.error)).trim().split("\n").at(-1) };
  return JSON.parse(out.stdout.trim().split("\n").at(-1));
}

// Rounds alternate the library and PyTorch, so that other work on the machine hits both alike;
// each side's best round is reported (the least disturbed one).
const load0 = loadavg()[0];
await initBackend({ forced: backend, reset: true });
const libs = [];
for (const w of workerCounts ?? [1]) libs.push(await setupLibrary(w));
const lib = libs[0];
// On CUDA the thread count only feeds the host side: one configuration.
const torchThreads = device === "cuda" ? [c.threads] : workerCounts ?? [c.threads, ...(c.threads > 1 ? [1] : [])];
const rounds = { lib: libs.map(() => []), torch: torchThreads.map(() => []) };
const peaks = [];
for (let r = 0; r < c.rounds; r++) {
  for (const [i, l] of libs.entries()) rounds.lib[i].push(await l.block());
  peaks.push(await matmulGflops());
  if (flag("no-torch")) continue;
  // Without --workers: as many threads as cores, then 1 (the library's main thread is one core).
  for (const [i, t] of torchThreads.entries()) rounds.torch[i].push(torch(t));
}
// Kernel profile of a main-thread step (tf.profile sees only this thread's kernels).
const profiled = libs.find((l) => l.workers === 1);
const profile = flag("profile") && profiled ? await profiled.profile() : null;
const peak = Math.max(...peaks);
for (const l of libs) await l.dispose();
const load1 = loadavg()[0];
const best = (xs) => xs.filter((x) => !x.error).sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0] ?? xs[0] ?? { error: "skipped (--no-torch)" };
const libBests = rounds.lib.map(best);
const libBest = libBests[0];
const peers = rounds.torch.map(best);
const peer = peers[0] ?? best([]);
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
libs.forEach((l, i) => row(`library (${lib.info.name}, ${l.workers === 1 ? "main thread" : `${l.workers} workers`})`, libBests[i], rounds.lib[i]));
if (peer.error) {
  const hint = /skipped/.test(peer.error) ? "" : "; apt-get install python3-torch";
  console.log(`pytorch ${device}`.padEnd(34) + `n/a (${peer.error}${hint})`);
} else {
  const where = (p) => (p.device === "cuda" ? `cuda, ${p.deviceName}` : `cpu, ${p.threads} thread${p.threads > 1 ? "s" : ""}`);
  peers.forEach((p, i) => (p.error ? console.log(`pytorch ${device} (${torchThreads[i]} threads)`.padEnd(34) + `n/a (${p.error})`) : row(`pytorch ${p.torch} (${where(p)})`, p, rounds.torch[i])));
  const ok = peers.filter((p) => !p.error);
  const top = ok.sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0];
  libs.forEach((l, i) => {
    const r = libBests[i];
    console.log(
      `ratio library (${lib.info.name}, ${l.workers} worker${l.workers > 1 ? "s" : ""}) / pytorch's best (${where(top)}): ${(r.tokensPerSecond / top.tokensPerSecond).toFixed(3)} in tokens/s` +
        (i > 0 ? `; speed-up over 1 worker: ${(r.tokensPerSecond / libBest.tokensPerSecond).toFixed(2)}x` : "")
    );
  });
  const single = peers.find((p, i) => !p.error && torchThreads[i] === 1);
  if (single) console.log(`ratio library (main thread) / pytorch (1 thread), tokens per CPU-second: ${(libBest.tokensPerCpuSecond / single.tokensPerCpuSecond).toFixed(3)}`);
}
console.log(`plain 512x512 matmul on ${lib.info.name} (best round): ${fmt(peak, 1)} GFLOP/s; the training step reaches ${fmt((100 * libGflops) / peak, 0)} % of it`);
// The library's losses run on over every round, the peer's are one round's: compare after as many steps.
console.log(`losses (random tokens, about ln(vocab) = ${Math.log(c.vocab).toFixed(2)}; first -> after ${c.warmup + c.steps} steps): library ${fmt(lib.losses[0], 3)} -> ${fmt(lib.losses[Math.min(c.warmup + c.steps, lib.losses.length) - 1], 3)}${peer.error ? "" : `, pytorch ${fmt(peer.firstLoss, 3)} -> ${fmt(peer.lastLoss, 3)}`}`);
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
