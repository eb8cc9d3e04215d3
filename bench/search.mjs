#!/usr/bin/env node
// `npm run bench -- search [--vectors N] [--dim D] [--queries Q] [--synthetic N] [--catalog embed|random]
//                          [--sets catalog,synthetic|catalog|synthetic] [--clusters C] [--M 16] [--ef-construction 100] [--ef 16,32,64,128,256]
//                          [--hnsw-threads 1,2] [--k 10] [--repeats 3]
//                          [--out FILE.json]`
//
// Vector search side by side with FAISS (Debian python3-faiss, bench/search_faiss.py) on the same
// float32 vectors, exchanged through temporary files:
// - exact top-k: the library's ExactIndex (each score kernel: ONNX Runtime's MatMul, tfjs matMul
//   on wasm, plain JavaScript loops) and ExactSearchPool (the vectors split over --hnsw-threads
//   worker threads above 1) against IndexFlatIP at 1 and 2 threads (the best counts);
// - HNSW: hnswlib-node through HnswIndex (one thread, one query at a time) and HnswSearchPool (one
//   copy of the index per thread, each searching its share of the batch) against IndexHNSWFlat
//   (inner product, same M and efConstruction), an efSearch sweep on both sides; recall@k of both
//   against the library's exact results, and the library's queries/s over FAISS's at equal recall
//   (FAISS's curve interpolated linearly in recall).
// Two sets: (a) the shop catalog (data/full: product texts and query texts embedded with the
// shipped bi-encoder's towers, data/models/biencoder, or the chapter 1 encoder when it is missing;
// seeded random vectors of its count with --catalog random), (b) a synthetic
// set of unit vectors of the same dimension, --synthetic rows: seeded Gaussian, normalised, or with
// --clusters C grouped around C seeded centres (closer to real embeddings).
// Vectors are unit length, so inner product = cosine. Each timing settles first (untimed passes for
// at least 0.25 s), then takes the best of --repeats passes or of as many as fit in 0.25 s,
// whichever is more; bench/search_faiss.py times FAISS by the same rule.
// --out writes the tables as JSON (the chapter 3 results card is made from it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = "/usr/bin/python3";
const args = process.argv.slice(2);

function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench search: --${name} must be a whole number >= 1, got "${args[i + 1]}".`);
  return v;
}
function listOption(name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const values = String(args[i + 1]).split(",").map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`bench search: --${name} must be a comma-separated list of whole numbers, got "${args[i + 1]}".`);
  return values;
}
function textOption(name, allowed, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  if (!allowed.includes(args[i + 1])) throw new Error(`bench search: --${name} must be one of ${allowed.join(", ")}, got "${args[i + 1]}".`);
  return args[i + 1];
}

const known = new Set(["vectors", "dim", "queries", "synthetic", "clusters", "catalog", "sets", "M", "ef-construction", "ef", "hnsw-threads", "k", "repeats", "out"]);
for (let i = 0; i < args.length; i += 2) {
  if (!args[i].startsWith("--") || !known.has(args[i].slice(2))) {
    console.error(`bench search: unknown argument "${args[i]}"; expected --${[...known].join(", --")}.`);
    process.exit(2);
  }
}

const K = option("k", 10);
const M = option("M", 16);
const EF_CONSTRUCTION = option("ef-construction", 100);
const EF = listOption("ef", [16, 32, 64, 128, 256]);
// Search threads of the library's HNSW: 1 is HnswIndex itself, more is HnswSearchPool.
const HNSW_THREADS = listOption("hnsw-threads", [1, 2]);
const REPEATS = option("repeats", 3);
const SYNTHETIC = option("synthetic", 1_000_000);
const CATALOG = textOption("catalog", ["embed", "random"], "embed");
const SETS = textOption("sets", ["catalog,synthetic", "catalog", "synthetic"], "catalog,synthetic").split(",");

const lib = await import(pathToFileURL(path.join(here, "..", "lib", "dist", "index.js")).href);
const backend = await lib.initBackend({ forced: "wasm" });

function unitGaussian(seed, rows, dim) {
  const rng = new lib.Rng(seed);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let c = 0; c < dim; c++) {
      const v = rng.normal();
      out[r * dim + c] = v;
      n += v * v;
    }
    const inv = 1 / Math.sqrt(n);
    for (let c = 0; c < dim; c++) out[r * dim + c] *= inv;
  }
  return out;
}

/**
 * Unit vectors around `clusters` seeded centres (noise of norm about 0.5 around a unit centre),
 * like embeddings that group by topic; clusters = 0 gives plain unit Gaussian vectors, the hard
 * case for HNSW (no structure, so recall grows slowly with efSearch).
 */
function syntheticSet(seed, rows, dim, clusters) {
  if (clusters === 0) return unitGaussian(seed, rows, dim);
  const centres = unitGaussian(1000 + clusters, clusters, dim);
  const rng = new lib.Rng(seed);
  const out = new Float32Array(rows * dim);
  const sd = 0.5 / Math.sqrt(dim);
  for (let r = 0; r < rows; r++) {
    const c = rng.int(clusters);
    let n = 0;
    for (let j = 0; j < dim; j++) {
      const v = centres[c * dim + j] + sd * rng.normal();
      out[r * dim + j] = v;
      n += v * v;
    }
    const inv = 1 / Math.sqrt(n);
    for (let j = 0; j < dim; j++) out[r * dim + j] *= inv;
  }
  return out;
}

/**
 * Untimed passes for at least `settle` seconds (JIT in the pool's threads, caches, ONNX Runtime's
 * tiles), then the best of `repeats` passes or of as many as fit in `settle` seconds, whichever is
 * more (fast searches get more chances). bench/search_faiss.py's best_time follows the same rule.
 */
async function timeBest(fn, repeats, settle = 0.25, most = 50) {
  const start = performance.now();
  let value;
  let passes = 0;
  do {
    value = await fn();
    passes++;
  } while (performance.now() - start < 1000 * settle && passes < most);
  const perPass = (performance.now() - start) / 1000 / passes;
  let best = Infinity;
  for (let r = 0; r < Math.max(repeats, Math.min(most, Math.floor(settle / perPass))); r++) {
    const t = performance.now();
    value = await fn();
    best = Math.min(best, performance.now() - t);
  }
  return { value, seconds: best / 1000 };
}

/**
 * The best queries/s a sweep reaches at recall >= `recall`, on its Pareto front (recall up, qps
 * down), linear in recall between the two front points around it; null above the front's range,
 * and below it null or, with belowRange "fastest", the front's fastest point.
 * Points are the best thread count per efSearch. A higher efSearch that gains no recall is
 * dominated and does not count (so "equal recall" compares the cheapest setting of each side).
 */
function qpsAtRecall(rows, recall, { belowRange = null } = {}) {
  const byEf = new Map();
  for (const row of rows) if (!byEf.has(row.efSearch) || byEf.get(row.efSearch).qps < row.qps) byEf.set(row.efSearch, row);
  const points = [...byEf.values()].sort((a, b) => b.recall - a.recall || b.qps - a.qps);
  const front = [];
  for (const p of points) if (front.length === 0 || p.qps > front[front.length - 1].qps) front.push(p);
  front.reverse(); // recall ascending, qps descending
  const eps = 1e-12;
  if (front.length === 0 || recall > front[front.length - 1].recall + eps) return null;
  // Below the front's lowest recall its fastest point already does at least as well: the library's
  // own figure ("fastest"); for the peer, unmeasured cheaper settings might do better ("n/a").
  if (recall < front[0].recall - eps) return belowRange === "fastest" ? front[0].qps : null;
  for (let i = 0; i < front.length; i++) {
    if (front[i].recall >= recall - eps) {
      if (i === 0 || Math.abs(front[i].recall - recall) <= eps) return front[i].qps;
      const a = front[i - 1];
      const b = front[i];
      return a.qps + ((recall - a.recall) / (b.recall - a.recall)) * (b.qps - a.qps);
    }
  }
  return null;
}

const fmt = (x, digits = 0) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Each set's figures, for --out. */
const recordSets = [];

async function compare(title, vectors, queries, dim, modelId) {
  const n = vectors.length / dim;
  const nq = queries.length / dim;
  console.log(`\n## ${title}: ${fmt(n)} vectors x ${dim}, ${fmt(nq)} queries, k=${K}`);
  const dir = mkdtempSync(path.join(tmpdir(), "bench-search-"));
  try {
    // Exact search, every kernel (the JavaScript one on at most 64 queries past 100,000 vectors: it is slow).
    const exactRows = [];
    let truth = null;
    // The onnx kernel at 1 thread (the library's default) and 2 (FAISS is measured at both too).
    for (const [kernel, threads] of [["onnx", 1], ["onnx", 2], ["tfjs", 1], ["js", 1]]) {
      const index = new lib.ExactIndex({ dimension: dim, modelId, metric: "ip", kernel, threads });
      index.add(vectors);
      const slow = kernel === "js" && n > 100_000;
      const some = slow ? queries.subarray(0, Math.min(nq, 64) * dim) : queries;
      const count = some.length / dim;
      const { value, seconds } = await timeBest(() => index.searchBatchAsync(some, K), slow ? 1 : REPEATS);
      if (truth === null) truth = value;
      // Near-ties can swap at the k boundary between kernels (float32 sums in another order).
      const agree = lib.recallAgainstExact(value, truth.slice(0, count), K);
      exactRows.push({ kernel, threads, qps: count / seconds, queries: count, agree });
      // The same vectors split over worker threads, one ONNX Runtime thread each.
      if (kernel === "onnx" && threads === 1) {
        for (const poolThreads of HNSW_THREADS.filter((t) => t > 1)) {
          const pool = await lib.ExactSearchPool.fromIndex(index, { threads: poolThreads });
          try {
            const timed = await timeBest(() => pool.searchBatch(queries, K), REPEATS);
            exactRows.push({ kernel: "pool", threads: pool.threads, qps: nq / timed.seconds, queries: nq, agree: lib.recallAgainstExact(timed.value, truth, K) });
          } finally {
            await pool.close();
          }
        }
      }
      index.dispose();
    }
    // HNSW, one build, efSearch sweep.
    const hnsw = new lib.HnswIndex({ dimension: dim, modelId, metric: "ip", M, efConstruction: EF_CONSTRUCTION });
    let t = performance.now();
    hnsw.add(vectors);
    const buildSeconds = (performance.now() - t) / 1000;
    const hnswRows = [];
    for (const threads of HNSW_THREADS) {
      const pool = threads > 1 ? await lib.HnswSearchPool.fromIndex(hnsw, { threads }) : null;
      try {
        for (const ef of EF) {
          hnsw.efSearch = ef;
          if (pool) pool.efSearch = ef;
          const { value, seconds } = await timeBest(() => (pool ? pool.searchBatch(queries, K) : hnsw.searchBatch(queries, K)), REPEATS);
          hnswRows.push({ efSearch: ef, threads, qps: nq / seconds, recall: lib.recallAgainstExact(value, truth, K) });
        }
      } finally {
        await pool?.close();
      }
    }
    const hnswName = (r) => (r.threads > 1 ? `HnswSearchPool (hnswlib-node), ${r.threads} threads` : "HnswIndex (hnswlib-node), 1 thread");
    // FAISS on the same files.
    const files = ["v.f32", "q.f32", "t.i64"].map((f) => path.join(dir, f));
    writeFileSync(files[0], Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength));
    writeFileSync(files[1], Buffer.from(queries.buffer, queries.byteOffset, queries.byteLength));
    writeFileSync(files[2], Buffer.from(BigInt64Array.from(truth.flatMap((h) => h.ids.map(BigInt))).buffer));
    t = performance.now();
    const peer = spawnSync(PYTHON, [path.join(here, "search_faiss.py"), ...files, String(dim), String(K), String(M), String(EF_CONSTRUCTION), EF.join(","), String(REPEATS)], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (peer.status !== 0) {
      console.log(`FAISS peer failed (exit ${peer.status}): ${(peer.stderr || peer.error?.message || "").trim().split("\n").slice(-5).join(" | ")}`);
      console.log("library only:", JSON.stringify({ exactRows, buildSeconds, hnswRows }));
      return;
    }
    const faiss = JSON.parse(peer.stdout);
    const flatBest = Math.max(...faiss.flat.map((r) => r.qps));
    console.log(`exact search (FAISS ${faiss.faiss})`);
    console.log("| implementation | queries/s | / FAISS flat best | recall@k against the onnx kernel's ids |");
    console.log("| --- | --- | --- | --- |");
    const kernelName = (r) =>
      ({ onnx: `ONNX Runtime MatMul, ${r.threads} thread${r.threads > 1 ? "s" : ""}`, pool: `ExactSearchPool, ${r.threads} worker threads (ONNX Runtime, 1 thread each)`, tfjs: `tfjs matMul (${backend.name})`, js: "JavaScript loops" })[r.kernel];
    const exactName = (r) => `library ${r.kernel === "pool" ? "" : "ExactIndex, "}${kernelName(r)}${r.queries < nq ? ` (${r.queries} queries)` : ""}`;
    for (const r of exactRows) {
      console.log(`| ${exactName(r)} | ${fmt(r.qps)} | ${(r.qps / flatBest).toFixed(3)} | ${r.agree.toFixed(4)} |`);
    }
    for (const r of faiss.flat) console.log(`| FAISS IndexFlatIP, ${r.threads} thread${r.threads > 1 ? "s" : ""} | ${fmt(r.qps)} | ${(r.qps / flatBest).toFixed(3)} | ${r.recall.toFixed(4)} |`);
    console.log(`\nHNSW, M=${M}, efConstruction=${EF_CONSTRUCTION}: build ${buildSeconds.toFixed(1)} s (hnswlib-node, 1 thread), ${faiss.hnsw.build_seconds_1_thread.toFixed(1)} s (FAISS, 1 thread)`);
    console.log("| library | efSearch | library recall@k | library queries/s | FAISS recall@k | FAISS queries/s (best of 1, 2 threads) | library / FAISS at the library's recall (best setting of each) |");
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    const set = { name: title, vectors: n, dimension: dim, queries: nq, k: K, rows: [], notes: [] };
    for (const r of exactRows) set.rows.push({ name: exactName(r), queriesPerSecond: r.qps, recallAt10: r.agree, ratio: r.qps / flatBest });
    for (const r of faiss.flat) set.rows.push({ name: `FAISS IndexFlatIP, ${r.threads} thread${r.threads > 1 ? "s" : ""}`, queriesPerSecond: r.qps, recallAt10: r.recall, ratio: r.qps / flatBest });
    set.notes.push(`Exact rows: × FAISS flat's best thread count; recall of each against the ONNX kernel's ids (near-ties may swap at the k boundary).`);
    set.notes.push(`HNSW, M ${M}, efConstruction ${EF_CONSTRUCTION}: built in ${buildSeconds.toFixed(1)} s (hnswlib-node, 1 thread) and ${faiss.hnsw.build_seconds_1_thread.toFixed(1)} s (FAISS, 1 thread); HnswIndex searches one query at a time on one thread, HnswSearchPool splits the batch over its threads (a copy of the index each); × FAISS: the library's best queries/s (any thread count) over FAISS's (best of 1 and 2 threads), both interpolated at the row's recall.`);
    for (const r of hnswRows) {
      const atRecall = qpsAtRecall(faiss.hnsw.rows, r.recall);
      set.rows.push({ name: `library ${hnswName(r)}, efSearch ${r.efSearch}`, queriesPerSecond: r.qps, recallAt10: r.recall, ratio: atRecall === null ? null : qpsAtRecall(hnswRows, r.recall, { belowRange: "fastest" }) / atRecall });
    }
    for (const ef of EF) {
      const peers = faiss.hnsw.rows.filter((p) => p.efSearch === ef);
      const best = peers.reduce((a, b) => (b.qps > a.qps ? b : a));
      set.rows.push({ name: `FAISS IndexHNSWFlat, efSearch ${ef} (${best.threads} thread${best.threads > 1 ? "s" : ""})`, queriesPerSecond: best.qps, recallAt10: best.recall, ratio: null });
    }
    recordSets.push(set);
    for (const r of hnswRows) {
      const peers = faiss.hnsw.rows.filter((p) => p.efSearch === r.efSearch);
      const bestPeer = peers.reduce((a, b) => (b.qps > a.qps ? b : a));
      const atRecall = qpsAtRecall(faiss.hnsw.rows, r.recall);
      const ours = qpsAtRecall(hnswRows, r.recall, { belowRange: "fastest" });
      console.log(
        `| ${hnswName(r)} | ${r.efSearch} | ${r.recall.toFixed(4)} | ${fmt(r.qps)} | ${bestPeer.recall.toFixed(4)} | ${fmt(bestPeer.qps)} (${bestPeer.threads}t) | ${atRecall === null ? "n/a (outside FAISS's recall range)" : (ours / atRecall).toFixed(3)} |`
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`bench search: tfjs backend ${backend.name}; node ${process.version}; ${new Date().toISOString()}`);
const probe = spawnSync(PYTHON, ["-c", "import faiss"], { encoding: "utf8" });
if (probe.status !== 0) console.log(`note: ${PYTHON} cannot import faiss (apt-get install python3-faiss); the FAISS columns will be missing.`);

// (a) the shop catalog
if (SETS.includes("catalog")) {
  const shop = lib.loadShop("full");
  const dim = option("dim", 128);
  let vectors;
  let queries;
  let modelId;
  const count = option("vectors", shop.products.length);
  const nq = option("queries", Math.min(1000, shop.queries.length));
  if (CATALOG === "embed") {
    try {
      const t = performance.now();
      const products = shop.products.slice(0, count).map((p) => `${p.title}. ${p.description}`);
      const texts = shop.queries.slice(0, nq).map((q) => q.text);
      let pv;
      let qv;
      const biencoderDir = path.join(here, "..", "data", "models", "biencoder");
      if (existsSync(biencoderDir)) {
        // What serves search in chapter 3: the shipped bi-encoder's product and query towers.
        const bi = lib.loadBiEncoder(biencoderDir);
        pv = await bi.embedMatrix(products, "product");
        qv = await bi.embedMatrix(texts, "query");
        bi.dispose();
      } else {
        const model = lib.loadTextEmbedder();
        pv = await lib.embedTexts(model, products, { maxLength: 64, progress: false });
        qv = await lib.embedTexts(model, texts, { maxLength: 64, progress: false });
        model.dispose();
      }
      console.log(`embedded ${fmt(products.length)} product texts and ${fmt(texts.length)} queries with ${pv.modelId} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      vectors = pv.vectors;
      queries = qv.vectors;
      modelId = pv.modelId;
    } catch (error) {
      console.log(`catalog embedding failed (${error.message.split("\n")[0]}); using seeded random vectors instead`);
    }
  }
  if (!vectors) {
    vectors = unitGaussian(1, count, dim);
    queries = unitGaussian(2, nq, dim);
    modelId = "random";
  }
  const d = vectors.length / (count || 1);
  await compare(`(a) shop catalog (${modelId})`, vectors, queries, d, modelId);
}

// (b) synthetic
if (SETS.includes("synthetic")) {
  const dim = option("dim", 128);
  const nq = option("queries", 1000);
  const clusters = args.includes("--clusters") ? option("clusters", 0) : 0;
  const title = clusters > 0 ? `(b) synthetic unit vectors in ${fmt(clusters)} clusters` : "(b) synthetic unit vectors (Gaussian, no clusters)";
  await compare(title, syntheticSet(3, SYNTHETIC, dim, clusters), syntheticSet(4, nq, dim, clusters), dim, "synthetic");
}

const outIndex = args.indexOf("--out");
if (outIndex >= 0) {
  const file = path.resolve(args[outIndex + 1]);
  const record = {
    command: `npm run bench -- search ${args.join(" ")}`,
    date: new Date().toISOString().slice(0, 10),
    description: `exact top-${K} and HNSW against FAISS (Debian python3-faiss) on the same float32 unit vectors; queries/s best of ${REPEATS} passes; tfjs backend ${backend.name}, node ${process.version}.`,
    sets: recordSets,
  };
  writeFileSync(`${file}.partial`, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(`${file}.partial`, file);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
