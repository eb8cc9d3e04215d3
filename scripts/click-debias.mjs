#!/usr/bin/env node
// `npm run click-debias -- [--profile fast|full] [--ranker linear|lambdamart|both] [--biencoder DIR] [--out FILE.json]`
// Chapter 4's learning from clicks: the position propensities estimated from the train-split
// search pages (from the shuffled exploration pages, and by EM on every page), beside the curve
// the shop's generator used (the truth, for comparison only), then rankers trained on the
// judgments, on the clicks naively and on the clicks with inverse-propensity weights, scored on
// the test queries' judged pools (NDCG@10, paired t-tests). --out writes the record the results
// card is made from.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "./lib/args.mjs";
import { writeRecord } from "./lib/record.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = "usage: npm run click-debias -- [--profile fast|full] [--ranker linear|lambdamart|both] [--biencoder DIR] [--out FILE.json]";
const cli = commandLine("click-debias", { profile: "string", ranker: "string", biencoder: "string", out: "string" }, USAGE);
const which = cli.oneOf("ranker", ["linear", "lambdamart", "both"], "both");
const profileName = cli.oneOf("profile", ["fast", "full"], "fast");
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
const pages = shoplm.searchImpressions(shop.sessions, { splits: ["train"] });
const shuffled = shoplm.shuffledPropensities(pages);
const em = shoplm.emPropensities(pages);
// The generator's examination curve (1 / k^decay), known here only because the shop is simulated.
const decay = shoplm.DEFAULT_CHOICE_PARAMS.positionDecay;
const truth = shuffled.values.map((_, i) => 1 / (i + 1) ** decay);
const f = (x) => x.toFixed(3);
console.log(`${profileName} shop: ${pages.length} train-split search pages (${pages.filter((p) => p.policy === "shuffle").length} shuffled); backend ${backend.name}`);
console.log("position  shuffled  EM     generator");
truth.forEach((t, i) => console.log(`${String(i + 1).padStart(8)}  ${f(shuffled.values[i])}     ${f(em.values[i])}  ${f(t)}`));

const model = shoplm.loadBiEncoder(biencoderDir);
const experiments = [];
try {
  const sources = await shoplm.shopFeatureSources(shop, model, shop.queries.map((q) => q.text));
  const rankers = { linear: () => shoplm.linearRankNetRanker({ seed: 0 }), lambdamart: () => undefined };
  for (const name of which === "both" ? ["linear", "lambdamart"] : [which]) {
    const t0 = performance.now();
    const report = await shoplm.clickDebiasExperiment(shop, sources, { ranker: rankers[name](), propensities: "em" });
    const seconds = (performance.now() - t0) / 1000;
    console.log(`\n${name}: NDCG@${report.k} on ${report.queries.length} test queries' judged pools (${Math.round(seconds)} s)`);
    for (const r of report.rows) console.log(`  ${r.name.padEnd(13)} ${f(r.ndcg)}  p vs judgments ${r.vsJudgments ? r.vsJudgments.pValue.toExponential(1) : "-"}`);
    console.log(`  gap recovered by IPS: ${report.gapRecovered === null ? "-" : `${(100 * report.gapRecovered).toFixed(0)} %`}`);
    experiments.push({
      ranker: name === "linear" ? "linear RankNet" : "LambdaMART (100 trees, depth 4)",
      seconds: Number(seconds.toFixed(1)),
      sizes: report.sizes,
      queries: report.queries.length,
      k: report.k,
      floor: report.floor,
      gapRecovered: report.gapRecovered,
      rows: report.rows.map(({ perQuery, vsJudgments, vsBm25, ...rest }) => ({ ...rest, pVsJudgments: vsJudgments?.pValue ?? null, pVsBm25: vsBm25?.pValue ?? null })),
      logging: report.logging,
    });
  }
} finally {
  model.dispose();
}
const seconds = Math.round((performance.now() - started) / 1000);
console.log(`\n${seconds} s in all`);
if (cli.has("out")) {
  const file = path.resolve(cli.get("out"));
  const record = {
    command: `npm run click-debias -- ${cli.argv.join(" ")}`.trim(),
    date: new Date().toISOString().slice(0, 10),
    profile: profileName,
    backend: backend.name,
    seconds,
    loadAverage: Number(loadAverage.toFixed(2)),
    pages: { train: pages.length, shuffled: pages.filter((p) => p.policy === "shuffle").length },
    propensities: { shuffled: shuffled.values, shuffledStandardErrors: shuffled.standardErrors, em: em.values, emIterations: em.iterations, emConverged: em.converged, generator: truth },
    experiments,
  };
  console.log(`wrote ${writeRecord(file, record)}`);
}
