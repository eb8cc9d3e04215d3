#!/usr/bin/env node
// Plain matmul GFLOP/s on each tfjs backend this machine has, and on PyTorch CPU (Debian
// python3-torch, same thread count) in the same run: the ceiling any model step can reach.
// Usage: node bench/matmul.mjs [size=512] [repeats=20]
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const size = Number(process.argv[2] ?? 512);
const repeats = Number(process.argv[3] ?? 20);
const flops = 2 * size ** 3;
const { initBackend } = require("shoplm");
const tf = require("@tensorflow/tfjs");

async function tfjsGflops(backend) {
  const info = await initBackend({ forced: backend, reset: true });
  const a = tf.randomNormal([size, size], 0, 1, "float32", 1);
  const b = tf.randomNormal([size, size], 0, 1, "float32", 2);
  for (let i = 0; i < 3; i++) tf.tidy(() => tf.matMul(a, b)).dataSync();
  const n = backend === "cpu" ? Math.max(2, Math.floor(repeats / 10)) : repeats;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) tf.tidy(() => tf.matMul(a, b)).dataSync();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  tf.dispose([a, b]);
  return { name: `tfjs ${info.name}`, gflops: (flops * n) / seconds / 1e9 };
}

function torchGflops() {
  const code = `
import time, torch
torch.set_num_threads(int(__import__("sys").argv[3]))
n, r = int(__import__("sys").argv[1]), int(__import__("sys").argv[2])
a, b = torch.randn(n, n), torch.randn(n, n)
for _ in range(3): a @ b
t = time.perf_counter()
for _ in range(r): a @ b
print(2 * n**3 * r / (time.perf_counter() - t) / 1e9)
`;
  const threads = String(Math.max(1, require("node:os").cpus().length));
  const out = spawnSync("/usr/bin/python3", ["-c", code, String(size), String(repeats), threads], { encoding: "utf8" });
  if (out.status !== 0) return { name: "pytorch cpu", gflops: NaN, note: (out.stderr || String(out.error)).trim().split("\n").at(-1) };
  return { name: `pytorch cpu (${threads} threads)`, gflops: Number(out.stdout.trim()) };
}

const rows = [];
for (const backend of ["wasm", "cpu"]) rows.push(await tfjsGflops(backend));
rows.push(torchGflops());
const torch = rows.at(-1).gflops;
console.log(`matmul ${size}x${size} fp32, ${repeats} repeats`);
for (const r of rows) {
  const ratio = Number.isFinite(torch) ? (r.gflops / torch).toFixed(3) : "n/a";
  console.log(`${r.name.padEnd(28)} ${Number.isFinite(r.gflops) ? r.gflops.toFixed(2).padStart(8) : "     n/a"} GFLOP/s   ratio to PyTorch ${ratio}${r.note ? `  (${r.note}; apt-get install python3-torch)` : ""}`);
}
