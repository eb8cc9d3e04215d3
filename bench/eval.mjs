#!/usr/bin/env node
// `npm run bench -- eval [--queries 10000] [--docs 100] [--events 10000000] [--repeats 3]`
//
// The evaluation library at production scale, side by side with its Python peers in one run:
// - NDCG@10, MAP and MRR over a run of Q queries x D documents (10,000 x 100: a million judged
//   pairs), against scikit-learn's ndcg_score and numpy (bench/eval_peer.py);
// - IPS and SNIPS over N logged events (10,000,000), against numpy.
// Both sides build the same inputs from the same integer hash (no file is exchanged), the values
// must agree (the bench exits 1 otherwise), and each computation's best time over the repeats is
// printed with its ratio to the fastest peer. Each size runs in a fresh process so that its peak
// memory (process.resourceUsage().maxRSS, Python's ru_maxrss) is its own: two sizes (half and
// full) plus a tiny baseline show how memory grows with the input.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = "/usr/bin/python3";

function option(args, name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench eval: --${name} must be a whole number >= 1, got "${args[i + 1]}".`);
  return v;
}

// The same hashes as bench/eval_peer.py: h1 is a bijection on 32-bit integers (distinct scores).
const h1 = (k) => Math.imul(k, 2654435761) >>> 0;
const h2 = (k) => Math.imul(k ^ 0x9e3779b9, 0x85ebca6b) >>> 0;

function best(fn, repeats) {
  let seconds = Infinity;
  let value = fn(); // warm-up (compilation), not timed
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    value = fn();
    seconds = Math.min(seconds, (performance.now() - t) / 1000);
  }
  return { value, seconds };
}

/** One measurement in this process (a child): prints one JSON line. */
async function child(args) {
  const lib = await import(pathToFileURL(path.join(here, "..", "lib", "dist", "index.js")).href);
  const task = args[args.indexOf("--child") + 1];
  const repeats = option(args, "repeats", 3);
  const out = { values: {}, seconds: {} };
  if (task === "ranking") {
    const q = option(args, "queries", 10_000);
    const d = option(args, "docs", 100);
    let t = performance.now();
    const run = new Map();
    const qrels = new Map();
    for (let i = 0; i < q; i++) {
      const docs = new Array(d);
      const judged = new Map();
      for (let j = 0; j < d; j++) {
        const k = i * d + j;
        docs[j] = { docId: `d${j}`, score: h1(k) / 2 ** 32 };
        judged.set(`d${j}`, (h2(k) >>> 24) % 4);
      }
      run.set(`q${i}`, docs);
      qrels.set(`q${i}`, judged);
    }
    out.seconds["build run and qrels (not compared)"] = (performance.now() - t) / 1000;
    // "average" ties: scikit-learn's convention (the scores are distinct here, so trec agrees).
    const ndcg = best(() => lib.evaluateRun(run, qrels, ["ndcg@10"], { ties: "average" }).mean["ndcg@10"], repeats);
    const ap = best(() => lib.evaluateRun(run, qrels, ["ap"]).mean.ap, repeats);
    const rr = best(() => lib.evaluateRun(run, qrels, ["rr"]).mean.rr, repeats);
    const all = best(() => lib.evaluateRun(run, qrels, ["ndcg@10", "ap", "rr"]).mean, repeats);
    out.values = { "ndcg@10": ndcg.value, map: ap.value, mrr: rr.value };
    out.seconds["ndcg@10"] = ndcg.seconds;
    out.seconds.map = ap.seconds;
    out.seconds.mrr = rr.seconds;
    out.seconds["map+mrr"] = ap.seconds + rr.seconds;
    out.seconds["ndcg@10+map+mrr in one evaluateRun"] = all.seconds;
  } else if (task === "offpolicy") {
    const n = option(args, "events", 10_000_000);
    const objects = args.includes("--objects");
    const t = performance.now();
    const reward = new Float64Array(n);
    const loggingProbability = new Float64Array(n).fill(0.25);
    const targetProbability = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const action = h1(k) >>> 30;
      targetProbability[k] = action === 0 ? 0.7 : 0.1;
      reward[k] = h2(k) / 2 ** 32 < (action === 0 ? 0.3 : 0.1) ? 1 : 0;
    }
    let data = { reward, loggingProbability, targetProbability };
    if (objects) {
      const events = new Array(n);
      for (let k = 0; k < n; k++) events[k] = { reward: reward[k], loggingProbability: 0.25, targetProbability: targetProbability[k] };
      data = events;
    }
    out.seconds["build events (not compared)"] = (performance.now() - t) / 1000;
    const both = best(() => ({ ips: lib.ipsEstimate(data), snips: lib.snipsEstimate(data) }), repeats);
    const { ips, snips } = both.value;
    out.values = { ips: ips.value, ipsSe: ips.standardError, snips: snips.value, snipsSe: snips.standardError, ess: ips.effectiveSampleSize };
    out.seconds[objects ? "ips+snips (event objects)" : "ips+snips (columns)"] = both.seconds;
  }
  out.maxRssKiB = process.resourceUsage().maxRSS;
  out.heapUsedMiB = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(JSON.stringify(out));
}

function runChild(command, args) {
  const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: (r.stderr || String(r.error)).trim().split("\n").slice(-3).join(" | ") };
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
}

const js = (args) => runChild(process.execPath, ["--max-old-space-size=8192", fileURLToPath(import.meta.url), ...args]);
const py = (args) => runChild(PYTHON, [path.join(here, "eval_peer.py"), ...args]);

function close(a, b) {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

const fmt = (s) => (s === undefined ? "-" : s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
const mib = (kib) => (kib / 1024).toFixed(0);

async function main() {
  const args = process.argv.slice(2);
  if (args.includes("--child")) return child(args);
  const Q = option(args, "queries", 10_000);
  const D = option(args, "docs", 100);
  const N = option(args, "events", 10_000_000);
  const repeats = option(args, "repeats", 3);
  let ok = true;
  console.log(`Evaluation at scale: the library (Node ${process.versions.node}) against numpy / scikit-learn (${PYTHON}), best of ${repeats}.`);

  // ---- ranking
  console.log(`\nRanking: ${Q.toLocaleString("en")} queries x ${D} documents (${(Q * D).toLocaleString("en")} judged pairs)`);
  const jr = js(["--child", "ranking", "--queries", String(Q), "--docs", String(D), "--repeats", String(repeats)]);
  const pr = py(["--task", "ranking", "--queries", String(Q), "--docs", String(D), "--repeats", String(repeats)]);
  if (jr.error) throw new Error(`library run failed: ${jr.error}`);
  if (pr.error) console.log(`  Python peer unavailable: ${pr.error} (apt-get install python3-sklearn python3-numpy)`);
  const rows = [
    ["NDCG@10", jr.values["ndcg@10"], jr.seconds["ndcg@10"], [["scikit-learn ndcg_score", "ndcg@10 (scikit-learn)", "ndcg@10 (scikit-learn)"], ["numpy", "ndcg@10 (numpy)", "ndcg@10 (numpy)"]]],
    ["MAP + MRR", [jr.values.map, jr.values.mrr], jr.seconds["map+mrr"], [["numpy", ["map", "mrr"], "map+mrr (numpy)"]]],
  ];
  for (const [name, value, seconds, peers] of rows) {
    let bestPeer = Infinity;
    const cells = [];
    for (const [peer, valueKey, timeKey] of peers) {
      if (pr.error || pr.seconds[timeKey] === undefined) continue;
      const pv = Array.isArray(valueKey) ? valueKey.map((k) => pr.values[k]) : pr.values[valueKey];
      const agree = Array.isArray(value) ? value.every((v, i) => close(v, pv[i])) : close(value, pv);
      if (!agree) ok = false;
      bestPeer = Math.min(bestPeer, pr.seconds[timeKey]);
      cells.push(`${peer} ${fmt(pr.seconds[timeKey])} (values ${agree ? "agree" : `DIFFER: ${JSON.stringify(pv)}`})`);
    }
    const shownValue = Array.isArray(value) ? value.map((v) => v.toFixed(6)).join(" / ") : value.toFixed(6);
    const ratio = bestPeer < Infinity ? ` | time / fastest peer ${(seconds / bestPeer).toFixed(2)}` : "";
    console.log(`  ${name.padEnd(10)} ${shownValue}  library ${fmt(seconds)} | ${cells.join(" | ")}${ratio}`);
  }
  console.log(`  (library: MAP ${fmt(jr.seconds.map)}, MRR ${fmt(jr.seconds.mrr)}; all three in one evaluateRun ${fmt(jr.seconds["ndcg@10+map+mrr in one evaluateRun"])}; building the Maps ${fmt(jr.seconds["build run and qrels (not compared)"])}, not counted)`);

  // ---- off-policy
  console.log(`\nOff-policy: ${N.toLocaleString("en")} logged events`);
  const jo = js(["--child", "offpolicy", "--events", String(N), "--repeats", String(repeats)]);
  const jobj = js(["--child", "offpolicy", "--events", String(N), "--repeats", String(repeats), "--objects"]);
  const po = py(["--task", "offpolicy", "--events", String(N), "--repeats", String(repeats)]);
  if (jo.error) throw new Error(`library run failed: ${jo.error}`);
  const peerTime = po.error ? undefined : po.seconds["ips+snips (numpy)"];
  for (const [label, r, key] of [["columns", jo, "ips+snips (columns)"], ["event objects", jobj, "ips+snips (event objects)"]]) {
    if (r.error) {
      console.log(`  IPS + SNIPS (${label}): failed: ${r.error}`);
      continue;
    }
    const agree = po.error ? null : ["ips", "ipsSe", "snips", "snipsSe", "ess"].every((k) => close(r.values[k], po.values[k]));
    if (agree === false) ok = false;
    const v = r.values;
    console.log(
      `  IPS + SNIPS (${label.padEnd(13)}) IPS ${v.ips.toFixed(6)} +- ${v.ipsSe.toExponential(3)}, SNIPS ${v.snips.toFixed(6)} +- ${v.snipsSe.toExponential(3)}  library ${fmt(r.seconds[key])}` +
        (peerTime === undefined ? "" : ` | numpy ${fmt(peerTime)} (values ${agree ? "agree" : "DIFFER"}) | time / numpy ${(r.seconds[key] / peerTime).toFixed(2)}`),
    );
  }

  // ---- memory at two sizes (and a tiny baseline), each in a fresh process
  console.log("\nPeak resident memory (MiB), each size in a fresh process:");
  const sizes = [
    ["ranking pairs", (q) => js(["--child", "ranking", "--queries", String(q), "--docs", String(D), "--repeats", "1"]), (q) => py(["--task", "ranking", "--queries", String(q), "--docs", String(D), "--repeats", "1"]), [10, Math.ceil(Q / 2), Q], (q) => q * D],
    ["events (columns)", (n) => js(["--child", "offpolicy", "--events", String(n), "--repeats", "1"]), (n) => py(["--task", "offpolicy", "--events", String(n), "--repeats", "1"]), [1000, Math.ceil(N / 2), N], (n) => n],
  ];
  for (const [label, runJs, runPy, points, elements] of sizes) {
    const lib = points.map(runJs);
    const peer = points.map(runPy);
    const line = (name, rs) => {
      if (rs.some((r) => r.error)) return `${name}: failed`;
      const [base, half, full] = rs.map((r) => r.maxRssKiB);
      const perElement = ((full - half) * 1024) / (elements(points[2]) - elements(points[1]));
      return `${name} ${mib(base)} / ${mib(half)} / ${mib(full)} (growth half->full ${((full - base) / Math.max(1, half - base)).toFixed(2)}x for 2x input; ${perElement.toFixed(0)} bytes per element)`;
    };
    console.log(`  ${label} at ${points.map((p) => elements(p).toLocaleString("en")).join(" / ")}: ${line("library", lib)}; ${line("Python", peer)}`);
  }
  if (!ok) {
    console.log("\nThe library and its peers DISAGREE on some value (see above).");
    process.exit(1);
  }
  console.log("\nAll values agree with the peers (relative tolerance 1e-9).");
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
