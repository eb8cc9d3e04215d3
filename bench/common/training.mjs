// What the training benches share (bench/finetune.mjs, bench/biencoder.mjs): their options, timed
// blocks of a Trainer's steps, runs of the PyTorch peer, and the rates by worker and thread count
// with the library's best against PyTorch's best. (Not a bench itself: bench/run.mjs lists only
// the .mjs files directly in bench/.)
import { spawnSync } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";

export function usage(message) {
  console.error(message);
  process.exit(2);
}

/** The command line's option values, or a usage error naming the bench. */
/** The options every training bench takes (its own come on top, and may change a default). */
const TRAINING_OPTIONS = {
  steps: { type: "string", default: "20" },
  warmup: { type: "string", default: "3" },
  rounds: { type: "string", default: "3" },
  threads: { type: "string", default: "1,2" },
  workers: { type: "string", default: "1,2" },
  backend: { type: "string", default: "wasm" },
  "no-torch": { type: "boolean", default: false },
  out: { type: "string" },
};

export function benchOptions(bench, options) {
  try {
    return parseArgs({ options: { ...TRAINING_OPTIONS, ...options } }).values;
  } catch (error) {
    return usage(`bench ${bench}: ${error.message}`);
  }
}

export function intOption(values, name, min = 1) {
  const v = Number(values[name]);
  if (!(Number.isInteger(v) && v >= min)) usage(`--${name}: expected an integer >= ${min}, got "${values[name]}".`);
  return v;
}

export function listOption(values, name, allowed, what) {
  const xs = values[name].split(",");
  const bad = xs.find((x) => !allowed(x));
  if (bad !== undefined) usage(`--${name}: expected a comma-separated list of ${what}, got "${values[name]}" (bad entry "${bad}").`);
  return xs;
}

/** A comma-separated list of positive counts (threads, workers). */
export function countsOption(values, name, what) {
  return listOption(values, name, (t) => /^[1-9]\d*$/.test(t), what).map(Number);
}

/** One timed block of `steps` steps of `trainer` (tokens from its step reports); the losses go onto `losses`. */
export async function timedBlock(trainer, steps, losses) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const run = await trainer.run(steps);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const tokens = run.steps.reduce((s, x) => s + x.tokens, 0);
  losses.push(...run.steps.map((s) => s.loss));
  return { tokensPerSecond: tokens / seconds, tokensPerCpuSecond: tokens / ((used.user + used.system) / 1e6), stepMs: (1000 * seconds) / steps, tokens };
}

/** One run of a PyTorch peer (`python3 SCRIPT CONFIG THREADS ROUND`): its last line as JSON, or { error }. */
export function runPeer(script, config, threads, round) {
  // torch.set_num_threads alone leaves the BLAS and OpenMP pools at their defaults: pin them all.
  const n = String(threads);
  const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  const out = spawnSync("/usr/bin/python3", [script, config, n, String(round)], { encoding: "utf8", env });
  if (out.status !== 0) return { error: (out.stderr || String(out.error)).trim().split("\n").at(-1) };
  return JSON.parse(out.stdout.trim().split("\n").at(-1));
}

/**
 * Rounds that alternate the library's configurations and PyTorch's thread counts, so that other
 * work on the machine hits both alike (each side's best round is what counts: the least
 * disturbed). `libs[i].block()` times one block; `peer(threads, round)` runs PyTorch (skipped
 * with `noPeer`). Returns every round's rates and the load average before and after.
 */
export async function alternateRounds({ count, libs, threads, peer, noPeer }) {
  const load0 = loadavg()[0];
  const rounds = { lib: libs.map(() => []), torch: threads.map(() => []) };
  for (let r = 0; r < count; r++) {
    for (const [i, l] of libs.entries()) rounds.lib[i].push(await l.block());
    if (noPeer) continue;
    for (const [i, t] of threads.entries()) rounds.torch[i].push(peer(t, r));
  }
  return { rounds, load0, load1: loadavg()[0] };
}

/** The fastest of some rates (errors and missing ones left out), or null. */
export const fastest = (xs) => xs.filter((x) => x && !x.error).sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0] ?? null;

export const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");

const plural = (n, word) => `${n} ${word}${n > 1 ? "s" : ""}`;

function rateRow(label, r, all, trainable, evalLoss) {
  console.log(
    label.padEnd(36) +
      (r
        ? `${fmt(r.tokensPerSecond).padStart(7)} tokens/s ${fmt(r.tokensPerCpuSecond).padStart(7)} tokens/CPU-s ${fmt(r.stepMs, 1).padStart(7)} ms/step ` +
          `${String(trainable).padStart(8)} trainable  eval loss ${fmt(evalLoss, 5)}   rounds (tokens/s): ${all.map((x) => (x.error ? "error" : Math.round(x.tokensPerSecond))).join(", ")}`
        : "n/a")
  );
}

/**
 * Prints each method's rows (the library per worker count, PyTorch per thread count), each worker
 * count's scaling over 1 worker, and the library's best against PyTorch's best (with `goal`, met or
 * not). `libs`: { name, workers, trainable, evalLoss } in the order of `rounds.lib`; the peer's
 * runs hold one entry per method, in `methods` order. Returns, per method, the library's best,
 * its rates by worker count, PyTorch's by thread count, and the ratio.
 */
export function summarizeMethods({ methods, libs, rounds, threads, backend, goal = null }) {
  const summary = {};
  for (const [mi, name] of methods.entries()) {
    const configs = libs
      .map((l, li) => ({ l, li }))
      .filter(({ l }) => l.name === name)
      .map(({ l, li }) => {
        const best = fastest(rounds.lib[li]);
        rateRow(`${name.padEnd(5)} library (${backend}, ${plural(l.workers, "worker")})`, best, rounds.lib[li], l.trainable, l.evalLoss);
        return best ? { workers: l.workers, ...best } : null;
      });
    const peers = threads.map((t, ti) => {
      const all = rounds.torch[ti].map((x) => (x.error ? x : x.methods[mi]));
      const best = fastest(all);
      const any = rounds.torch[ti].find((x) => !x.error);
      if (best) rateRow(`${name.padEnd(5)} pytorch ${any.torch} (${plural(t, "thread")})`, best, all, best.trainable, best.evalLoss);
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
    const verdict = goal === null ? "" : ` (goal: at least ${goal}; ${ratio >= goal ? "met" : "not met"})`;
    console.log(`ratio library's best (${plural(s.lib.workers, "worker")}) / pytorch's best (${plural(top.threads, "thread")}), ${name}: ${ratio.toFixed(3)} in tokens/s${verdict}`);
  }
  return summary;
}

/**
 * The library's loss after `steps` updates (its losses run on over every round; the peer's are one
 * round's, warm-up and timed steps), so the two lines compare the same point of training.
 */
export function lossAfter(losses, steps) {
  return losses[Math.min(steps, losses.length) - 1];
}

/** One configuration's first loss and its loss after one round's steps, beside the peer's run (its first that did not fail). */
export function lossLine(label, losses, steps, peer, suffix = "") {
  return `losses (${label}, first -> after ${steps} steps): library ${fmt(losses[0], 3)} -> ${fmt(lossAfter(losses, steps), 3)}${peer ? `, pytorch ${fmt(peer.firstLoss, 3)} -> ${fmt(peer.lastLoss, 3)}` : ""}${suffix}`;
}

/** Each configuration's losses beside the peer's, at the same step counts (see `lossLine`). */
export function printLosses(libs, rounds, steps, suffix = "") {
  for (const l of libs) {
    const peer = rounds.torch.flat().find((x) => !x.error)?.methods.find((m) => m.method === l.name);
    console.log(lossLine(`${l.name}, ${plural(l.workers, "worker")}`, l.losses, steps, peer, suffix));
  }
}

/**
 * The largest difference between the library's and PyTorch's eval-mode loss of the first batch
 * (the same weights give the same value), printed; null without a peer run.
 */
export function printSameModel(firstOf, rounds) {
  const peer = rounds.torch.flat().find((x) => !x.error)?.methods;
  if (!peer) return null;
  const gap = Math.max(...firstOf.map((l, i) => Math.abs(l.evalLoss - peer[i].evalLoss)));
  console.log(`same model: eval-mode loss of the first batch before any update, library ${firstOf.map((l) => fmt(l.evalLoss, 6)).join(" / ")}, pytorch ${peer.map((m) => fmt(m.evalLoss, 6)).join(" / ")} (largest difference ${gap.toExponential(1)})`);
  return gap;
}

/** The load before and after, and a warning where other work ran meanwhile. */
export function printLoad(load0, load1) {
  console.log(`load average (1 min) before/after: ${load0.toFixed(2)} / ${load1.toFixed(2)} on ${cpus().length} cores`);
  // Before the run only other work counts; after it the bench's own worker threads and PyTorch's
  // threads are in the one-minute average too.
  if (load0 > 0.75 * cpus().length || load1 > cpus().length + 0.5) {
    console.log(
      "warning: the machine was busy with other work. Wall-clock rates then vary from round to round, multi-threaded PyTorch most (its threads wait on each other); " +
        "tokens per CPU-second are steadier. Rerun on an idle machine for the tokens/s ratio."
    );
  }
}

/** The per-method rates as a record stores them. */
export function methodRecords(summary) {
  const pick = (x) => (x ? { tokensPerSecond: x.tokensPerSecond, tokensPerCpuSecond: x.tokensPerCpuSecond, stepMs: x.stepMs } : null);
  return Object.entries(summary).map(([method, s]) => ({
    method,
    library: s.configs.map((x) => ({ workers: x.workers, ...pick(x) })),
    pytorch: s.peers.map((x) => ({ threads: x.threads, ...pick(x) })),
    ratio: s.ratio ?? null,
  }));
}

/** Writes the record whole or not at all (a partial file renamed). */
export function writeRecord(file, record) {
  writeFileSync(`${file}.partial`, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(`${file}.partial`, file);
}
