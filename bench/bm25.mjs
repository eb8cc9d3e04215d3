#!/usr/bin/env node
// `npm run bench -- bm25 [--sets shop,amazon] [--queries N] [--k 10] [--repeats 3] [--out FILE.json]`
//
// BM25 search over a whole catalog, the library (lib/src/rank/bm25.ts: BM25F over title and
// description, k1 1.2, b 0.75, title weight 2) against Xapian's BM25 (Debian python3-xapian,
// bench/bm25_xapian.py) on the same text and the same queries, side by side in one run:
// - index build seconds (best of --repeats);
// - queries per second: every query, top k, results read, one query at a time on one thread
//   (best of --repeats passes after one untimed pass). The library's figure includes tokenising
//   each query; Xapian's is given both ways: from the library's tokens (Query objects built in
//   the timed loop) and end to end from the raw text with its QueryParser;
// - Xapian in memory and on disk (glass), so the ratio is to the peer's best configuration.
// Sets: (a) the full shop's products (data/full) and its query texts; (b) where
// ../shared/datasets/amazon-scientific/items.json exists, its item titles and descriptions with
// queries made from seeded items' first title words. Goal: the library at least 0.5 of Xapian's
// best queries per second. The top-k overlap with Xapian on the same tokens is printed as a
// sanity check (not the same formula, so not 1).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = "/usr/bin/python3";
const args = process.argv.slice(2);

const known = new Set(["sets", "queries", "k", "repeats", "out"]);
for (let i = 0; i < args.length; i += 2) {
  if (!args[i].startsWith("--") || !known.has(args[i].slice(2))) {
    console.error(`bench bm25: unknown argument "${args[i]}"; expected --${[...known].join(", --")}.`);
    process.exit(2);
  }
}
function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench bm25: --${name} must be a whole number >= 1, got "${args[i + 1]}".`);
  return v;
}
const K = option("k", 10);
const REPEATS = option("repeats", 3);
const QUERIES = option("queries", 3000);
const setsArg = args.indexOf("--sets") >= 0 ? String(args[args.indexOf("--sets") + 1]) : "shop,amazon";
const SETS = setsArg.split(",");
for (const s of SETS) if (!["shop", "amazon"].includes(s)) throw new Error(`bench bm25: --sets must name shop and/or amazon, got "${s}".`);

const lib = await import(pathToFileURL(path.join(here, "..", "lib", "dist", "index.js")).href);
const PARAMS = lib.DEFAULT_BM25_PARAMS;
const hasXapian = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import xapian"]).status === 0;
if (!hasXapian) console.log("Xapian is not installed (apt-get install python3-xapian): only the library's figures are printed.");

const fmt = (x, digits = 0) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const min = (xs) => Math.min(...xs);

function timeLibrary(docs, queries) {
  const builds = [];
  let index;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    index = lib.productBm25Index(docs, PARAMS);
    builds.push((performance.now() - start) / 1000);
  }
  const passes = [];
  let top;
  for (let r = 0; r <= REPEATS; r++) {
    const start = performance.now();
    const results = queries.map((q) => index.search(q, K));
    const seconds = (performance.now() - start) / 1000;
    if (r > 0) passes.push(seconds);
    top = results.map((hits) => hits.map((h) => h.id));
  }
  return { builds, passes, top, index };
}

function runXapian(docs, queries, index) {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-bm25-"));
  try {
    const file = path.join(dir, "input.json");
    writeFileSync(file, JSON.stringify({
      fields: ["title", "description"],
      fieldWeights: PARAMS.fieldWeights,
      params: { k1: PARAMS.k1, b: PARAMS.b, min_normlen: 0.5 },
      stopWords: [...lib.STOP_WORDS],
      k: K,
      repeats: REPEATS,
      docs: docs.map((d) => ({ id: d.id, tokens: { title: lib.keywordTokens(d.title), description: lib.keywordTokens(d.description) }, text: { title: d.title, description: d.description } })),
      queries: queries.map((q) => ({ terms: index.terms(q), text: q })),
    }));
    const r = spawnSync(PYTHON, [path.join(here, "bm25_xapian.py"), file], { encoding: "utf8", maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`bench/bm25_xapian.py failed (exit ${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function overlap(a, b) {
  let total = 0;
  let n = 0;
  a.forEach((ids, i) => {
    if (ids.length === 0 && b[i].length === 0) return;
    const other = new Set(b[i]);
    total += ids.filter((id) => other.has(id)).length / Math.max(ids.length, b[i].length);
    n++;
  });
  return n === 0 ? Number.NaN : total / n;
}

const records = [];
async function compare(title, docs, queries) {
  console.log(`\n${title}: ${fmt(docs.length)} documents, ${fmt(queries.length)} queries, top ${K}, best of ${REPEATS}`);
  const mine = timeLibrary(docs, queries);
  const libQps = queries.length / min(mine.passes);
  const rows = [{ engine: "library BM25F (one thread)", build: min(mine.builds), qps: libQps, passes: mine.passes }];
  let peerBest = null;
  let agreement = null;
  if (hasXapian) {
    const peer = runXapian(docs, queries, mine.index);
    for (const c of peer.configs) {
      const qps = c.queries / min(c.query_seconds);
      rows.push({ engine: `Xapian ${peer.xapian} ${c.backend}, ${c.tokenizer === "ours" ? "library's tokens" : "its QueryParser"}`, build: min(c.build_seconds), qps, passes: c.query_seconds });
      if (!peerBest || qps > peerBest.qps) peerBest = { engine: rows[rows.length - 1].engine, qps };
    }
    agreement = overlap(mine.top, peer.configs[0].top);
  }
  console.log("| engine | index build (s) | queries/s | / Xapian's best |");
  console.log("| --- | --- | --- | --- |");
  for (const r of rows) console.log(`| ${r.engine} | ${r.build.toFixed(2)} | ${fmt(r.qps)} | ${peerBest ? (r.qps / peerBest.qps).toFixed(2) : "-"} |`);
  if (agreement !== null) console.log(`top-${K} overlap, library vs Xapian on the same tokens: ${agreement.toFixed(3)}`);
  if (peerBest) console.log(`library / Xapian's best (${peerBest.engine}): ${(libQps / peerBest.qps).toFixed(2)} (goal 0.5)`);
  records.push({ set: title, documents: docs.length, queries: queries.length, k: K, rows, ratio: peerBest ? libQps / peerBest.qps : null, overlapAtK: agreement });
}

console.log(`bench bm25: node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
if (SETS.includes("shop")) {
  const shop = lib.loadShop("full");
  const queries = shop.queries.map((q) => q.text).slice(0, QUERIES);
  await compare("(a) the full shop's catalog", shop.products, queries);
}
const amazon = path.join(here, "..", "..", "shared", "datasets", "amazon-scientific", "items.json");
if (SETS.includes("amazon")) {
  if (!existsSync(amazon)) console.log(`\n(b) skipped: ${amazon} is absent (see ../shared/datasets/README.md).`);
  else {
    const items = JSON.parse(readFileSync(amazon, "utf8"));
    const docs = Object.entries(items).map(([id, it]) => ({ id, title: String(it.title ?? ""), description: String(it.description ?? "") }));
    const rng = new lib.Rng("bench-bm25/amazon");
    const queries = [];
    for (let i = 0; i < Math.min(QUERIES, 1000); i++) {
      const words = lib.keywordTokens(docs[rng.int(docs.length)].title).filter((w) => !lib.STOP_WORDS.has(w));
      if (words.length > 0) queries.push(words.slice(0, 2 + rng.int(3)).join(" "));
    }
    await compare("(b) amazon-scientific items (real product text)", docs, queries);
  }
}

const outIndex = args.indexOf("--out");
if (outIndex >= 0) {
  const file = path.resolve(args[outIndex + 1]);
  const record = {
    command: `npm run bench -- bm25 ${args.join(" ")}`,
    date: new Date().toISOString().slice(0, 10),
    description: `BM25 top-${K} over a whole catalog: the library's BM25F against Xapian's BM25 (Debian python3-xapian) on the same text and queries; seconds best of ${REPEATS}; node ${process.version}; load average at the start ${loadavg()[0].toFixed(2)}.`,
    sets: records,
  };
  writeFileSync(`${file}.partial`, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(`${file}.partial`, file);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
