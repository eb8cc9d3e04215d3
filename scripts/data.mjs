#!/usr/bin/env node
// `npm run data`: regenerates the shipped shop worlds (data/fast, data/full) with the compiled
// library, writes data/CHECKSUMS.sha256 and the generated block of the dataset card
// (data/README.md). Byte for byte the same on every run.
//   node scripts/data.mjs           regenerate and write
//   node scripts/data.mjs --check   regenerate in memory, compare with data/, write nothing (exit 1 on a difference)
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { isFresh, projectBuilds, runBuild } from "./lib/build.mjs";
import { paths } from "./lib/project.mjs";

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--check");
if (unknown.length > 0) {
  console.error(`data: unknown argument(s) ${unknown.join(" ")}; expected none or --check.`);
  process.exit(2);
}
const check = args.includes("--check");

// The data comes from lib/dist: rebuild it first when lib/src changed.
const lib = projectBuilds().find((build) => build.name === "lib");
if (!isFresh(lib)) {
  console.log("data: building lib ...");
  const result = runBuild(lib);
  if (!result.ok) {
    console.error(`data: the library does not build:\n${result.output}`);
    process.exit(1);
  }
}

const require = createRequire(import.meta.url);
// The data module alone: no need to load tensorflow for this.
const data = require(path.join(paths.root, "lib", "dist", "data", "index.js"));
const { PROFILES } = require(path.join(paths.root, "lib", "dist", "core", "profile.js"));
const { datasetCardBlock, replaceCardBlock } = require(path.join(paths.root, "lib", "dist", "data", "describe.js"));

const dataRoot = path.join(paths.root, "data");
const allFiles = new Map();
const stats = [];
for (const profile of ["fast", "full"]) {
  const started = process.hrtime.bigint();
  const world = data.generateWorld(PROFILES[profile].shop);
  const generated = Number(process.hrtime.bigint() - started) / 1e9;
  const files = data.serializeWorld(world, profile);
  for (const [name, bytes] of files) allFiles.set(`${profile}/${name}`, bytes);
  stats.push({ profile, stats: data.describeShop(world) });
  const megabytes = [...files.values()].reduce((s, b) => s + b.length, 0) / 1e6;
  console.log(`data: ${profile}: ${world.products.length} products, ${world.queries.length} queries, ${world.judgments.length} judgments, ${world.users.length} users, ${world.sessions.length} sessions; generated in ${generated.toFixed(1)} s, ${megabytes.toFixed(2)} MB`);
}

const checksums = data.checksumLines(allFiles);
const cardPath = path.join(dataRoot, "README.md");
if (!existsSync(cardPath)) {
  console.error(`data: ${cardPath} is missing; it holds the dataset card's prose around the generated block.`);
  process.exit(1);
}
const card = replaceCardBlock(readFileSync(cardPath, "utf8"), datasetCardBlock(stats));

if (check) {
  const differences = [];
  for (const [name, bytes] of allFiles) {
    const file = path.join(dataRoot, name);
    if (!existsSync(file)) differences.push(`${name}: missing`);
    else if (!readFileSync(file).equals(bytes)) differences.push(`${name}: differs`);
  }
  const shippedSums = path.join(dataRoot, "CHECKSUMS.sha256");
  if (!existsSync(shippedSums) || readFileSync(shippedSums, "utf8") !== checksums) differences.push("CHECKSUMS.sha256: differs");
  if (readFileSync(cardPath, "utf8") !== card) differences.push("README.md: the generated block differs");
  if (differences.length > 0) {
    console.error(`data: data/ is not what the generator makes:\n  ${differences.join("\n  ")}\nRun \`npm run data\` and commit the result.`);
    process.exit(1);
  }
  console.log("data: data/ matches the generator byte for byte.");
} else {
  for (const profile of ["fast", "full"]) {
    const files = new Map([...allFiles].filter(([name]) => name.startsWith(`${profile}/`)).map(([name, bytes]) => [name.slice(profile.length + 1), bytes]));
    data.writeFiles(path.join(dataRoot, profile), files);
  }
  writeFileSync(path.join(dataRoot, "CHECKSUMS.sha256"), checksums);
  writeFileSync(cardPath, card);
  let total = 0;
  for (const name of allFiles.keys()) total += statSync(path.join(dataRoot, name)).size;
  console.log(`data: wrote ${allFiles.size} files (${(total / 1e6).toFixed(2)} MB), CHECKSUMS.sha256 and the card's generated block.`);
}
