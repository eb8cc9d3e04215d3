#!/usr/bin/env node
// `npm run engine-ab -- [--profile fast|full] [--sessions N] [--seed N] [--biencoder DIR] [--out FILE.json]`
// Chapter 4's engine (query understanding, BM25 + the bi-encoder, personalisation) in chapter 5's
// simulated A/B test on the shop's test-split sessions: against the keyword baseline of chapter 0,
// against plain BM25, and against itself without personalisation. CTR, conversion and revenue per
// session with 95 % intervals, the simulator's exact expected values, and the sessions per arm
// each observed difference would need (alpha 0.05, power 0.8). Shoppers' histories are cut at the
// start of the test period. --out writes the record the results card is made from.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = "usage: npm run engine-ab -- [--profile fast|full] [--sessions N] [--seed N] [--biencoder DIR] [--out FILE.json]";
const cli = commandLine("engine-ab", { profile: "string", sessions: "string", seed: "string", biencoder: "string", out: "string" }, USAGE);
const profileName = cli.oneOf("profile", ["fast", "full"], "fast");
const maxSessions = cli.int("sessions", undefined, 2);
const seed = cli.int("seed", 0);
const biencoderDir = path.resolve(cli.get("biencoder") ?? path.join(root, "data", "models", "biencoder"));
if (!existsSync(biencoderDir)) cli.fail(`no bi-encoder at ${biencoderDir} (--biencoder DIR).`);

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");

const started = performance.now();
const loadAverage = os.loadavg()[0];
const backend = await shoplm.initBackend();
const shop = shoplm.loadShop(profileName);
const testSessions = shop.sessions.filter((s) => s.split === "test");
const cut = testSessions.map((s) => s.start).sort()[0];
console.log(`${profileName} shop: ${testSessions.length} test-split sessions from ${cut}; backend ${backend.name}`);

const model = shoplm.loadBiEncoder(biencoderDir);
let engine;
try {
  const vectors = await model.embed(shop.products.map(shoplm.productText), "product");
  const d = vectors.length / shop.products.length;
  const productVectors = new Map(shop.products.map((p, i) => [p.id, vectors.subarray(i * d, (i + 1) * d)]));
  engine = new shoplm.ShopEngine({
    products: shop.products,
    bm25: shoplm.productBm25Index(shop.products),
    understanding: shoplm.shopQueryUnderstanding(shop),
    productVectors,
    interactions: shoplm.interactions(shop.sessions),
  });
  await engine.prepareQueries(shop.queries.map((q) => q.text), (texts) => model.embed(texts, "query"));
} finally {
  model.dispose();
}
const keyword = shoplm.keywordRetriever(shop.products);
const arms = {
  keyword: ["keyword (chapter 0)", (q) => keyword(q, 10)],
  bm25: ["BM25", engine.with({ understanding: false, dense: false, personalisation: false }).ranker(cut)],
  noPersonal: ["engine without personalisation", engine.with({ personalisation: false }).ranker(cut)],
  engine: ["engine (understanding, BM25 + dense, personalisation)", engine.ranker(cut)],
};
const comparisons = [["keyword", "engine"], ["bm25", "engine"], ["noPersonal", "engine"]];
const rows = [];
const f = (x) => x.toFixed(4);
for (const [a, b] of comparisons) {
  const t0 = performance.now();
  const row = shoplm.abTestWithPower(shop, arms[a], arms[b], { seed, split: "test", maxSessions });
  const r = row.result;
  console.log(`\n${row.control} vs ${row.treatment} (${((performance.now() - t0) / 1000).toFixed(0)} s): ${r.control.sessions} / ${r.treatment.sessions} sessions`);
  console.log(`  CTR ${f(r.control.clickThrough.value)} -> ${f(r.treatment.clickThrough.value)} (p ${r.clickThrough.pValue.toExponential(1)}; truth ${f(r.control.expected.clickThrough)} -> ${f(r.treatment.expected.clickThrough)}); sessions per arm needed: ${row.sessionsNeeded.clickThrough ?? "-"}`);
  console.log(`  conversion ${f(r.control.conversion.value)} -> ${f(r.treatment.conversion.value)} (p ${r.conversion.pValue.toExponential(1)}); needed: ${row.sessionsNeeded.conversion ?? "-"}`);
  console.log(`  revenue per session ${r.control.revenuePerSession.value.toFixed(2)} -> ${r.treatment.revenuePerSession.value.toFixed(2)} (p ${r.revenue.pValue.toExponential(1)})`);
  rows.push(row);
}
const seconds = Math.round((performance.now() - started) / 1000);
console.log(`\n${seconds} s in all`);
if (cli.has("out")) {
  const file = path.resolve(cli.get("out"));
  const record = {
    command: `npm run engine-ab -- ${cli.argv.join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    profile: profileName,
    backend: backend.name,
    seconds,
    loadAverage: Number(loadAverage.toFixed(2)),
    sessions: testSessions.length,
    historyCut: cut,
    engine: { denseWeight: engine.denseWeight, personalWeight: engine.personalWeight, depth: engine.depth },
    seed,
    rows,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.partial`, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(`${file}.partial`, file);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
