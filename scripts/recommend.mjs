#!/usr/bin/env node
// `npm run recommend -- --data PATH|shop [--format auto|amazon-json|amazon-reviews|recbole] [--model NAME[,NAME]]
//    [--out DIR] [--seed N] [--k 10] [--profile fast|full] [--epochs N] [--fit train|train+validation] [--keep-history] [--list]`
// Chapter 4's recommenders on any sequence data the loader reads (items.json + sequences.json,
// RecBole atomic files, Amazon reviews JSON Lines) or on the course's shop (`--data shop`): one
// leave-one-out split (last item test, second last validation), every requested model trained on
// it (with --fit train+validation, on the training items plus each validation item: the final fit,
// test targets still unseen) and evaluated by full-catalog ranking (no sampled negatives): HR@k, NDCG@k, MRR, coverage and
// popularity bias, printed as a table. --out DIR writes metrics.json and top<k>.jsonl (one line per
// evaluated user: target and each model's top-k item ids), each written to a temporary name first
// and renamed, so a folder never holds a half-written file. The loader's notes (files merged or not
// joined, units converted) are printed; a --k above the catalog's size is lowered to it, with a note;
// data it cannot use (no sequence loaded, no user with three items) ends with the reasons and exit 1.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";
import { writeAtomic } from "./lib/record.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = `usage: npm run recommend -- --data PATH|shop [--format auto|amazon-json|amazon-reviews|recbole]
   [--model NAME[,NAME]] [--out DIR] [--seed N] [--k 10] [--profile fast|full] [--epochs N] [--fit train|train+validation] [--keep-history] [--list]
 --data      a folder or file in a format the loader reads, or "shop" for the course's shop (--profile picks its size)
 --model     comma-separated model names (default: every registered model; --list prints them)
 --fit       what every model trains on: "train" (default; the validation items stay held out) or
             "train+validation" (the final fit before the test: each user's second last item too)
 --keep-history  rank the user's history items too (default: they are left out of the ranking)`;
const cli = commandLine(
  "recommend",
  { data: "string", format: "string", model: "string", out: "string", seed: "string", k: "string", profile: "string", epochs: "string", fit: "string", "keep-history": "boolean", list: "boolean" },
  USAGE,
);
const { fail } = cli;
const seed = cli.int("seed", 42);
// Lowered to the catalog's size (with a note) when the data has fewer items.
let k = cli.int("k", 10, 1);
const epochs = cli.int("epochs", undefined, 1);
const profileName = cli.oneOf("profile", ["fast", "full"], "fast");
const format = cli.oneOf("format", ["auto", "amazon-json", "amazon-reviews", "recbole"], "auto");
const fit = cli.oneOf("fit", ["train", "train+validation"], "train");
if (!cli.has("list")) {
  const data = cli.require("data");
  if (data !== "shop" && !existsSync(path.resolve(data))) fail(`--data: no file or folder at ${path.resolve(data)} (give a dataset folder or file, or "shop").`);
}
if (cli.has("out") && existsSync(cli.get("out")) && !statSync(cli.get("out")).isDirectory()) fail(`--out must be a folder, and ${cli.get("out")} is a file.`);

const setup = spawnSync(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const require = createRequire(import.meta.url);
const shoplm = require("shoplm");

const registered = Object.keys(shoplm.RECOMMENDER_MODELS);
if (cli.has("list")) {
  for (const name of registered) console.log(`${name.padEnd(12)} ${shoplm.RECOMMENDER_MODELS[name].description}`);
  process.exit(0);
}
const models = cli.has("model") ? cli.get("model").split(",").map((m) => m.trim()).filter((m) => m !== "") : registered;
if (models.length === 0) fail("--model: expected at least one model name.");
for (const m of models) if (!registered.includes(m)) fail(`--model: unknown model "${m}"; expected one of ${registered.join(", ")}.`);

const command = `npm run recommend -- ${cli.argv.join(" ")}`.trim();
const started = Date.now();
const loadAverage = os.loadavg()[0];
// The tensor models (sasrec, two-tower) run on the fastest backend this machine has.
const backend = await shoplm.initBackend();
let data;
let itemText;
let source;
let loadNotes = [];
// Data problems (nothing loaded, nothing to evaluate) end here with a message and exit 1, not a stack trace.
const dataFail = (lines) => {
  console.error(lines.map((l, i) => (i === 0 ? `recommend: ${l}` : `  ${l}`)).join("\n"));
  process.exit(1);
};
if (cli.get("data") === "shop") {
  const shop = shoplm.loadShop(profileName);
  data = shoplm.shopInteractions(shop);
  const byId = new Map(shop.products.map((p) => [p.id, p]));
  itemText = data.itemIds.map((id) => {
    const p = byId.get(id);
    return `${p.title}. ${p.brand}. ${p.categoryPath.join(" > ")}. ${p.description}`;
  });
  source = `${profileName} shop (${shop.sessions.length} sessions; clicks, views, carts and purchases, consecutive repeats collapsed)`;
} else {
  let loaded;
  try {
    loaded = await shoplm.loadRecSequences(cli.get("data"), { format });
  } catch (error) {
    fail(error.message);
  }
  loadNotes = loaded.notes ?? [];
  const where = `${path.resolve(cli.get("data"))} (${loaded.format})`;
  if (loaded.records.length === 0) {
    dataFail([`no user sequence loaded from ${where}; nothing to train or evaluate.`, ...shoplm.describeIssues(loaded), ...loadNotes.map((n) => `note: ${n}`)]);
  }
  // The loader drops interactions with unknown items (counted below); with no item file, the catalog is what the sequences name.
  try {
    data = shoplm.interactionData(loaded.records, loaded.items.length > 0 ? { items: loaded.items.map((i) => i.id) } : {});
  } catch (error) {
    dataFail([`the sequences from ${where} cannot be used: ${error.message}`]);
  }
  const byId = new Map(loaded.items.map((i) => [i.id, i]));
  itemText = data.itemIds.map((id) => {
    const i = byId.get(id);
    return i ? `${i.title}. ${i.brand}. ${i.categories.join(" > ")}. ${i.description}` : id;
  });
  const dropped = loaded.dropped.reduce((a, d) => a + d.count, 0);
  source = `${path.resolve(cli.get("data"))} (${loaded.format}; ${dropped} record(s) dropped${dropped ? `: ${loaded.dropped.map((d) => `${d.count} ${d.reason}`).join("; ")}` : ""})`;
}
const heldOut = shoplm.leaveOneOutSplit(data);
const split = fit === "train+validation" ? shoplm.trainWithValidation(heldOut) : heldOut;
const interactions = data.sequences.reduce((a, s) => a + s.length, 0);
if (split.test.length === 0) {
  dataFail([`no user has three or more interactions (${data.userIds.length} users, ${interactions} interactions), so the leave-one-out split holds no test item to evaluate.`]);
}
const catalog = data.itemIds.length;
if (k > catalog) {
  loadNotes.push(`--k ${k} is more than the catalog's ${catalog} item${catalog === 1 ? "" : "s"}: using k = ${catalog} (pass a smaller --k to choose).`);
  k = catalog;
}
console.log(`${command}\n${source}; backend ${backend.name}\n${loadNotes.map((n) => `note: ${n}\n`).join("")}${data.userIds.length} users, ${data.itemIds.length} items, ${interactions} interactions; ${split.test.length} users evaluated (leave-one-out, full-catalog ranking, history ${cli.has("keep-history") ? "kept in" : "left out of"} the ranking; trained on ${fit === "train" ? "the training items" : "the training and validation items"}), seed ${seed}`);

const results = [];
for (const name of models) {
  // Models whose settings depend on the data's size say what they will do (SASRec: sampled softmax, fewer epochs).
  const plan = shoplm.RECOMMENDER_MODELS[name].plan?.(split, { profile: profileName, epochs }) ?? null;
  if (plan) console.log(`  ${name}: ${plan.epochs} epochs, batch ${plan.batchSize}, learning rate ${plan.learningRate}, ${plan.sampledItems ? `sampled softmax (${plan.sampledItems} items per batch)` : "full softmax"}${plan.notes.length ? `; ${plan.notes.join("; ")}` : ""}`);
  const t0 = Date.now();
  let lastPrint = 0;
  const model = await shoplm.RECOMMENDER_MODELS[name].train(split, {
    seed,
    profile: profileName,
    epochs,
    itemText,
    onProgress: (p) => {
      if (Date.now() - lastPrint > 5000 || p.epoch === p.epochs) {
        lastPrint = Date.now();
        console.log(`  ${name}: epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toFixed(4)}`);
      }
    },
  });
  const trainSeconds = (Date.now() - t0) / 1000;
  const evaluation = await shoplm.evaluateRecommender(model, split, { k, excludeHistory: !cli.has("keep-history") });
  results.push({ name, trainSeconds, plan, evaluation });
  console.log(`  ${name}: trained in ${trainSeconds.toFixed(1)} s, evaluated in ${evaluation.seconds.toFixed(1)} s: NDCG@${k} ${evaluation.ndcg.toFixed(4)}, HR@${k} ${evaluation.hr.toFixed(4)}`);
}

const f = (x) => x.toFixed(4);
const header = ["model", `HR@${k}`, `NDCG@${k}`, "MRR", "coverage", "long tail", "pop. pct", "train s", "eval s"];
const rows = results.map(({ name, trainSeconds, evaluation: e }) => [name, f(e.hr), f(e.ndcg), f(e.mrr), f(e.coverage), f(e.longTailShare), f(e.popularityPercentile), trainSeconds.toFixed(1), e.seconds.toFixed(1)]);
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
const line = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
console.log(`\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n${rows.map(line).join("\n")}`);
const repeat = results[0]?.evaluation.repeatTargets ?? 0;
if (repeat > 0) console.log(`${(100 * repeat).toFixed(1)} % of the test targets repeat an item of the user's history${cli.has("keep-history") ? "" : " (counted as misses; --keep-history ranks them)"}.`);
console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s in all)`);

if (cli.has("out")) {
  const out = path.resolve(cli.get("out"));
  const writeOut = (name, text) => {
    try {
      writeAtomic(path.join(out, name), text);
    } catch (error) {
      fail(`--out: could not write ${path.join(out, name)}: ${error.message}`);
    }
  };
  const strip = ({ ranks, topK, ...rest }) => rest;
  writeOut(
    "metrics.json",
    JSON.stringify(
      {
        command,
        date: new Date().toISOString().slice(0, 10),
        backend: backend.name,
        seconds: Math.round((Date.now() - started) / 1000),
        loadAverage: Number(loadAverage.toFixed(2)),
        data: source,
        ...(loadNotes.length > 0 ? { notes: loadNotes } : {}),
        users: data.userIds.length,
        items: data.itemIds.length,
        interactions,
        evaluated: split.test.length,
        protocol: `leave-one-out, full-catalog ranking (no sampled negatives), ties counted pessimistically, history ${cli.has("keep-history") ? "kept" : "excluded"}, trained on ${fit === "train" ? "the training items" : "the training and validation items (final fit)"}`,
        fit,
        seed,
        k,
        models: results.map(({ name, trainSeconds, plan, evaluation }) => ({ name, description: shoplm.RECOMMENDER_MODELS[name].description, trainSeconds, ...(plan ? { plan } : {}), ...strip(evaluation) })),
      },
      null,
      2,
    ) + "\n",
  );
  const lines = split.test.map((h, i) =>
    JSON.stringify({ user: data.userIds[h.user], target: data.itemIds[h.target], top: Object.fromEntries(results.map(({ name, evaluation }) => [name, Array.from(evaluation.topK[i], (j) => data.itemIds[j])])) }),
  );
  writeOut(`top${k}.jsonl`, lines.join("\n") + "\n");
  console.log(`wrote ${path.join(out, "metrics.json")} and ${path.join(out, `top${k}.jsonl`)}`);
}
