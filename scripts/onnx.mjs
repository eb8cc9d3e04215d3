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
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";
import { writeRecord } from "./lib/record.mjs";

const USAGE = `usage: npm run onnx -- --out DIR [--checkpoint DIR | --biencoder DIR [--tower query|product]] [--parity N] [--record FILE] [--force]
  --out DIR         the export folder (new, empty, or an earlier export with --force)
  --checkpoint DIR  a pretrained checkpoint (default data/models/full)
  --biencoder DIR   a saved bi-encoder (npm run biencoder -- --save DIR); --tower picks one (default product)
  --parity N        compare N shop texts through onnxruntime-node and transformers.js with the library (default 1000, 0: skip)
  --record FILE     write the export's figures as JSON
  --force           replace an earlier export in --out`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = commandLine("onnx", { out: "string", checkpoint: "string", biencoder: "string", tower: "string", parity: "string", record: "string", force: "boolean" }, USAGE);
const { fail } = cli;
const args = cli.argv;
cli.require("out");
if (cli.has("checkpoint") && cli.has("biencoder")) fail("--checkpoint and --biencoder exclude each other; give one.");
const tower = cli.oneOf("tower", ["query", "product"], "product");
if (cli.has("tower") && !cli.has("biencoder")) fail("--tower needs --biencoder.");
const parityCount = cli.int("parity", 1000);
const out = path.resolve(cli.get("out"));
if (existsSync(out) && existsSync(path.join(out, "shoplm-onnx.json")) && !cli.get("force")) fail(`${out} holds an earlier export; pass --force to replace it.`);

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");

const started = performance.now();
const backend = await shoplm.initBackend();
let model;
let exportOptions;
let source;
if (cli.has("biencoder")) {
  const dir = path.resolve(cli.get("biencoder"));
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
  const checkpoint = shoplm.readCheckpoint(cli.get("checkpoint") ?? shoplm.shippedCheckpointDir());
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
if (cli.has("record")) {
  const file = path.resolve(cli.get("record"));
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
  console.log(`wrote ${writeRecord(file, record)}`);
}
