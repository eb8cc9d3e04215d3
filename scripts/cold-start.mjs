#!/usr/bin/env node
// `npm run cold-start -- [--profile fast|full] [--biencoder DIR] [--definition no-interactions|launched-during-log] [--out FILE.json]`
// Chapter 3's cold-start measurement: do text embeddings place a product nobody has interacted
// with near its category? For every product, the category of its nearest other product by cosine
// (its own family left out: variants share near-identical titles), accuracy for cold and warm
// products; from the titles, with the chapter 1 encoder (mean and [CLS] pooling), the shipped
// bi-encoder's product tower (data/models/biencoder, when present), TF-IDF bag of words, and
// random vectors (chance). --out writes the record the results card is made from.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";
import { writeRecord } from "./lib/record.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = "usage: npm run cold-start -- [--profile fast|full] [--biencoder DIR] [--definition no-interactions|launched-during-log] [--out FILE.json]";
const cli = commandLine("cold-start", { profile: "string", biencoder: "string", definition: "string", out: "string" }, USAGE);
const { fail } = cli;
const args = cli.argv;
const definition = cli.oneOf("definition", ["no-interactions", "launched-during-log"], "no-interactions");
const biencoderDir = path.resolve(cli.get("biencoder") ?? path.join(root, "data", "models", "biencoder"));
if (cli.has("biencoder") && !existsSync(biencoderDir)) fail(`no bi-encoder at ${biencoderDir} (--biencoder).`);

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");

const started = performance.now();
const backend = await shoplm.initBackend();
const profile = shoplm.getProfile(cli.get("profile") ?? "full");
const shop = shoplm.loadShop(profile.name);
const titles = shop.products.map((p) => p.title);
const cold = shoplm.coldProducts(shop, definition);
console.log(`${profile.name} shop: ${shop.products.length} products, ${cold.size} cold (${definition}); backend ${backend.name}`);

const embeddings = {};
const encoder = shoplm.loadTextEmbedder();
try {
  for (const pooling of ["mean", "cls"]) {
    embeddings[`chapter 1 encoder (${pooling} pooling)`] = await shoplm.embedTexts(encoder, titles, { pooling, progress: false });
    console.log(`  embedded the titles with the chapter 1 encoder (${pooling} pooling)`);
  }
} finally {
  encoder.dispose();
}
let biencoder = null;
// The bi-encoder learned from judgments, which exist for products nobody interacted with: how many
// cold products did its training data name (as a positive or a hard negative)?
const training = shoplm.retrievalTrainingData(shop, { seed: 0 });
const seen = new Set([...training.pairs.map((p) => p.productId), ...[...training.hardNegatives.values()].flat()]);
const coldSeen = [...cold].filter((id) => seen.has(id)).length;
if (existsSync(biencoderDir)) {
  const bi = shoplm.loadBiEncoder(biencoderDir);
  try {
    embeddings["bi-encoder (product tower)"] = await bi.embedMatrix(titles, "product");
    biencoder = { dir: path.relative(root, biencoderDir), modelId: bi.modelId, coldInTrainingData: coldSeen, trainingDataSeed: 0 };
    console.log(`  ${coldSeen} of the ${cold.size} cold products appear in the bi-encoder's training data (retrievalTrainingData, seed 0), as a judged positive or a hard negative`);
    console.log(`  embedded the titles with the bi-encoder ${bi.modelId}`);
  } finally {
    bi.dispose();
  }
}
const rows = await shoplm.coldStartTable(shop.products, titles, embeddings, { cold, seed: 0 });
for (const r of rows) console.log(`  ${r.embedding}: cold ${r.coldAccuracy.toFixed(3)} (${r.cold}), warm ${r.warmAccuracy.toFixed(3)} (${r.warm})`);
const seconds = Math.round((performance.now() - started) / 1000);

if (cli.has("out")) {
  const file = path.resolve(cli.get("out"));
  const record = {
    command: `npm run cold-start -- ${args.join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    profile: profile.name,
    backend: backend.name,
    seconds,
    products: shop.products.length,
    definition,
    cold: cold.size,
    texts: "titles",
    measure: "category of the nearest other product by cosine (k = 1), its own family left out",
    categories: new Set(shop.products.map((p) => p.category)).size,
    biencoder,
    rows,
  };
  console.log(`wrote ${writeRecord(file, record)}`);
}
