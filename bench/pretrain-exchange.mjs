#!/usr/bin/env node
// How data-parallel workers should exchange gradients: one SharedArrayBuffer (each worker writes
// its slot, then sums one segment of all slots; what lib/src/train/worker-pool.ts does) against
// transferred ArrayBuffers (each worker posts its gradient to the main thread, which sums them
// and posts the sum back to every worker). Times one step's exchange of the course model's
// gradient (no model runs: only the copies, sums and messages), both ways in one run.
// Usage: node bench/pretrain-exchange.mjs [--workers 2] [--floats N] [--rounds 30]
import { availableParallelism, loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const workers = Number(opt("workers", 2));
const rounds = Number(opt("rounds", 30));

function courseModelFloats() {
  const { encoderConfig, mlmHeadSpecs, encoderSpecs } = require("shoplm");
  const config = encoderConfig({ vocabSize: 8000, hiddenSize: 128, layers: 2, heads: 4, intermediateSize: 512, maxPositions: 64 });
  return [...encoderSpecs(config), ...mlmHeadSpecs(config)].reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}
const floats = Number(opt("floats", 0)) || courseModelFloats();

// The worker side of both protocols.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { index, count, floats, grads, sum } = workerData;
const local = new Float32Array(floats).map((_, i) => Math.sin(i + index));
const slots = grads ? Array.from({ length: count }, (_, k) => new Float32Array(grads, 4 * floats * k, floats)) : null;
const total = sum ? new Float32Array(sum) : null;
let received = null;
parentPort.on("message", (m) => {
  if (m.type === "write") {
    // A gradient read from the backend is a fresh array: copy it into the slot.
    slots[index].set(local.slice());
    parentPort.postMessage({ type: "done" });
  } else if (m.type === "reduce") {
    const lo = Math.floor((index * floats) / count), hi = Math.floor(((index + 1) * floats) / count);
    total.set(slots[0].subarray(lo, hi), lo);
    for (let k = 1; k < count; k++) { const s = slots[k]; for (let j = lo; j < hi; j++) total[j] += s[j]; }
    parentPort.postMessage({ type: "done" });
  } else if (m.type === "read") {
    received = total.slice();
    parentPort.postMessage({ type: "done" });
  } else if (m.type === "send") {
    const fresh = local.slice();
    parentPort.postMessage({ type: "grad", buffer: fresh.buffer }, [fresh.buffer]);
  } else if (m.type === "sum") {
    received = new Float32Array(m.buffer);
    parentPort.postMessage({ type: "done" });
  }
});
`;

function pool(shared) {
  const grads = shared ? new SharedArrayBuffer(4 * floats * workers) : null;
  const sum = shared ? new SharedArrayBuffer(4 * floats) : null;
  const threads = Array.from({ length: workers }, (_, index) => new Worker(WORKER, { eval: true, workerData: { index, count: workers, floats, grads, sum } }));
  const all = (message, transfer = () => []) =>
    Promise.all(threads.map((t, i) => new Promise((resolve) => {
      t.once("message", resolve);
      t.postMessage(typeof message === "function" ? message(i) : message, transfer(i));
    })));
  return { threads, all, sum: sum && new Float32Array(sum) };
}

async function sharedRound(p) {
  await p.all({ type: "write" });
  await p.all({ type: "reduce" });
  const mine = p.sum.slice(); // the main thread's copy, for its own update
  await p.all({ type: "read" });
  return mine;
}

async function transferRound(p) {
  const replies = await p.all({ type: "send" });
  const total = new Float32Array(replies[0].buffer);
  for (let k = 1; k < replies.length; k++) {
    const g = new Float32Array(replies[k].buffer);
    for (let j = 0; j < floats; j++) total[j] += g[j];
  }
  // Every worker gets its own copy, transferred.
  const copies = p.threads.map(() => total.slice());
  await p.all((i) => ({ type: "sum", buffer: copies[i].buffer }), (i) => [copies[i].buffer]);
  return total;
}

async function time(shared) {
  const p = pool(shared);
  const round = shared ? sharedRound : transferRound;
  for (let i = 0; i < 3; i++) await round(p);
  const ms = [];
  let check = null;
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    check = await round(p);
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await Promise.all(p.threads.map((t) => t.terminate()));
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], best: ms[0], check: check[12345 % floats] };
}

const load0 = loadavg()[0];
// Alternate the two, so that other work on the machine hits both alike.
const results = { shared: [], transfer: [] };
for (let r = 0; r < 3; r++) {
  results.shared.push(await time(true));
  results.transfer.push(await time(false));
}
const load1 = loadavg()[0];
const summary = (xs) => ({ median: Math.min(...xs.map((x) => x.median)), best: Math.min(...xs.map((x) => x.best)), check: xs[0].check });
const s = summary(results.shared);
const t = summary(results.transfer);
console.log(`gradient exchange of ${floats.toLocaleString("en-US")} float32 (${((4 * floats) / 2 ** 20).toFixed(1)} MiB) across ${workers} workers, ${rounds} rounds x 3 runs each:`);
console.log(`  SharedArrayBuffer (slots + segment sums)   median ${s.median.toFixed(2)} ms, best ${s.best.toFixed(2)} ms per step`);
console.log(`  transferred ArrayBuffers (sum on main)     median ${t.median.toFixed(2)} ms, best ${t.best.toFixed(2)} ms per step`);
console.log(`  same sums: ${s.check === t.check} (${s.check})`);
console.log(`load average (1 min) before/after: ${load0.toFixed(2)} / ${load1.toFixed(2)} on ${availableParallelism()} cores`);
