#!/usr/bin/env node
// `npm run onnx -- --out DIR [--checkpoint DIR | --biencoder DIR [--tower query|product]] [--parity N] [--record FILE] [--force]`
// Exports an encoder to ONNX in the folder layout transformers.js reads (config.json, tokenizer
// files, onnx/model.onnx, a manifest with checksums): the shipped chapter-1 checkpoint by default,
// another checkpoint, or a saved bi-encoder's tower. Then checks what was written: the folder
// against its manifest, the file with the ONNX project's own checker (Debian python3-onnx, when
// installed), and with --parity N (default 1000; 0 skips) the vectors onnxruntime-node and
// transformers.js compute for N shop texts against the library's encoder (max abs difference).
// --record writes those figures as JSON (the chapter 3 results card is made from it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = `usage: npm run onnx -- --out DIR [--checkpoint DIR | --biencoder DIR [--tower query|product]] [--parity N] [--record FILE] [--force]
  --out DIR         the export folder (new, empty, or an earlier export with --force)
  --checkpoint DIR  a pretrained checkpoint (default data/models/full)
  --biencoder DIR   a saved bi-encoder (npm run biencoder -- --save DIR); --tower picks one (default product)
  --parity N        compare N shop texts through onnxruntime-node and transformers.js with the library (default 1000, 0: skip)
  --record FILE     write the export's figures as JSON
  --force           replace an earlier export in --out`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VALUED = new Set(["out", "checkpoint", "biencoder", "tower", "parity", "record"]);
const values = new Map();
const args = process.argv.slice(2);
const fail = (message) => {
  console.error(`onnx: ${message}`);
  process.exit(2);
};
for (let i = 0; i < args.length; i++) {
  const name = args[i].startsWith("--") ? args[i].slice(2) : null;
  if (name === "force" || name === "help") values.set(name, true);
  else if (name !== null && VALUED.has(name)) {
    if (i + 1 >= args.length || args[i + 1].startsWith("--")) fail(`--${name} needs a value.\n${USAGE}`);
    values.set(name, args[++i]);
  } else fail(`unknown argument ${JSON.stringify(args[i])}.\n${USAGE}`);
}
if (values.get("help")) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.has("out")) fail(`--out is required.\n${USAGE}`);
if (values.has("checkpoint") && values.has("biencoder")) fail("--checkpoint and --biencoder exclude each other; give one.");
const tower = values.get("tower") ?? "product";
if (!["query", "product"].includes(tower)) fail(`--tower must be query or product, got ${JSON.stringify(tower)}.`);
if (values.has("tower") && !values.has("biencoder")) fail("--tower needs --biencoder.");
const parityCount = values.has("parity") ? Number(values.get("parity")) : 1000;
if (!(Number.isInteger(parityCount) && parityCount >= 0)) fail(`--parity must be a whole number, got ${JSON.stringify(values.get("parity"))}.`);
const out = path.resolve(values.get("out"));
if (existsSync(out) && existsSync(path.join(out, "shoplm-onnx.json")) && !values.get("force")) fail(`${out} holds an earlier export; pass --force to replace it.`);

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");

const started = performance.now();
const backend = await shoplm.initBackend();
let model;
let exportOptions;
let source;
if (values.has("biencoder")) {
  const dir = path.resolve(values.get("biencoder"));
  const bi = shoplm.loadBiEncoder(dir);
  const t = tower === "query" ? bi.queryTower : bi.productTower;
  model = { encoder: t.encoder, tokenizer: bi.tokenizer, dispose: () => bi.dispose() };
  exportOptions = { encoder: t.encoder, method: t.method, tokenizer: bi.tokenizer, modelId: `${bi.modelId}:${tower}` };
  source = { biencoder: path.relative(root, dir), tower, modelId: `${bi.modelId}:${tower}`, method: t.method.name };
  if (t.method.name !== "full" && t.method.name !== "probe") {
    // LoRA is folded into the exported kernels; the library's reference must see the same weights.
    fail(`the bi-encoder's towers were trained with ${t.method.name}; export compares against the plain encoder, so only full fine-tuning is supported here.`);
  }
} else {
  const checkpoint = shoplm.readCheckpoint(values.get("checkpoint") ?? shoplm.shippedCheckpointDir());
  model = shoplm.loadTextEmbedder(checkpoint);
  exportOptions = { checkpoint };
  source = { checkpoint: path.relative(root, checkpoint.dir), modelId: model.modelId };
}

let manifest;
let parity = [];
let checker = null;
try {
  manifest = shoplm.exportOnnx(out, exportOptions);
  shoplm.checkOnnxExport(out);
  const onnxFile = path.join(out, "onnx", "model.onnx");
  const check = spawnSync(process.env.COURSE_PYTHON ?? "/usr/bin/python3", [path.join(root, "scripts", "golden", "onnx_check.py"), onnxFile], { encoding: "utf8" });
  if (check.status === 2 || check.error) checker = { ok: null, note: "python3-onnx is not installed: the ONNX checker was not run" };
  else {
    const report = JSON.parse(check.stdout);
    checker = { ok: check.status === 0 && report.ok !== false, onnx: report.onnx ?? null, opset: report.opset ?? null, nodes: report.nodes ?? null, ops: report.ops ?? null, parameters: report.parameters ?? null, error: report.error ?? null };
    if (!checker.ok) throw new Error(`the ONNX checker refused ${onnxFile}: ${report.error}`);
  }
  console.log(`exported ${source.modelId} to ${path.relative(process.cwd(), out) || "."}: opset ${manifest.opset}, outputs ${manifest.outputs.join(", ")}; checker ${checker.ok === null ? "not run (python3-onnx missing)" : "passed"}`);
  if (parityCount > 0) {
    const texts = shoplm.onnxParityTexts(shoplm.loadShop("full"), parityCount);
    parity = await shoplm.onnxParity(out, model, texts);
    for (const r of parity) {
      console.log(`  ${r.runtime}: ${r.texts} texts (${r.truncated} cut at the window), token ids differ on ${r.idsDiffer}; max |difference| token vectors ${r.maxAbsTokens.toExponential(2)}, embeddings ${r.maxAbsEmbedding.toExponential(2)}`);
    }
    const worst = Math.max(...parity.map((r) => Math.max(r.maxAbsTokens, r.maxAbsEmbedding)));
    if (!(worst <= 1e-4) || parity.some((r) => r.idsDiffer > 0)) throw new Error(`the served vectors differ from the library's by ${worst} (bar 1e-4) or their token ids differ.`);
  }
} catch (error) {
  console.error(`onnx: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
} finally {
  model.dispose();
}

const seconds = Math.round((performance.now() - started) / 1000);
if (values.has("record")) {
  const file = path.resolve(values.get("record"));
  const record = {
    command: `npm run onnx -- ${args.join(" ")}`,
    date: new Date().toISOString().slice(0, 10),
    backend: backend.name,
    seconds,
    source,
    opset: manifest.opset,
    irVersion: manifest.irVersion,
    inputs: manifest.inputs,
    outputs: manifest.outputs,
    maxLength: manifest.maxLength,
    files: manifest.files.map((f) => ({ file: f.file, bytes: f.byteLength })),
    checker,
    parity,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.partial`, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(`${file}.partial`, file);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
