#!/usr/bin/env node
// `npm run bench -- NAME [args]`: run bench/NAME.mjs after making sure the library is built.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here).filter((f) => f.endsWith(".mjs") && f !== "run.mjs").map((f) => f.slice(0, -4));
const [name, ...args] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`${name ? `Unknown bench "${name}"` : "No bench named"}: expected one of ${names.join(", ")}.`);
  process.exit(2);
}
const setup = spawnSync(process.execPath, [path.join(here, "..", "scripts", "setup.mjs"), "--quiet"], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
process.exit(spawnSync(process.execPath, [path.join(here, `${name}.mjs`), ...args], { stdio: "inherit" }).status ?? 1);
