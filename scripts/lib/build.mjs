// TypeScript builds that setup runs only when their inputs changed: a stamp holds a hash of
// every input file's path, size and mtime (so an edit, an added or a deleted file all count).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { paths, run } from "./project.mjs";

const SKIP_DIRS = new Set(["node_modules", "dist", "build", ".git"]);

function listInputs(entry, out) {
  let stat;
  try {
    stat = statSync(entry);
  } catch {
    return;
  }
  if (stat.isDirectory()) {
    for (const name of readdirSync(entry).sort()) {
      if (SKIP_DIRS.has(name) || name.startsWith(".")) continue;
      listInputs(path.join(entry, name), out);
    }
  } else if (/\.(ts|mts|cts|tsx|json)$/.test(entry)) {
    out.push(`${path.relative(paths.root, entry)}\t${stat.size}\t${stat.mtimeMs}`);
  }
}

export function inputsHash(entries) {
  const lines = [];
  for (const entry of entries) listInputs(entry, lines);
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

/**
 * The TypeScript builds of the project: the library always, exercises/ and solutions/ when
 * they have a tsconfig.json (their inputs include lib/dist/index.d.ts, which every library build
 * rewrites, so a library rebuild rebuilds them too).
 */
export function projectBuilds() {
  const builds = [
    {
      name: "lib",
      tsconfig: path.join(paths.root, "lib", "tsconfig.json"),
      inputs: [path.join(paths.root, "lib", "src"), path.join(paths.root, "lib", "tsconfig.json"), path.join(paths.root, "lib", "package.json")],
      output: path.join(paths.root, "lib", "dist", "index.js"),
    },
  ];
  for (const name of ["exercises", "solutions"]) {
    const tsconfig = path.join(paths.root, name, "tsconfig.json");
    if (!existsSync(tsconfig)) continue;
    builds.push({
      name,
      tsconfig,
      // Solutions import exercises (and may be imported back), so both folders count for both.
      inputs: ["exercises", "solutions"].map((dir) => path.join(paths.root, dir)).concat(path.join(paths.root, "lib", "dist", "index.d.ts")),
      output: null,
    });
  }
  return builds;
}

function stampFile(build) {
  return path.join(paths.stamps, `build-${build.name}.txt`);
}

export function isFresh(build) {
  if (build.output && !existsSync(build.output)) return false;
  const stamp = stampFile(build);
  return existsSync(stamp) && readFileSync(stamp, "utf8") === inputsHash(build.inputs);
}

/** Runs tsc for one build; returns { ok, seconds, output }. Writes the stamp only on success. */
export function runBuild(build) {
  // Hash before compiling: an edit made while tsc runs must trigger the next build.
  const hash = inputsHash(build.inputs);
  const result = run(process.execPath, [paths.tsc, "-p", build.tsconfig], { cwd: paths.root });
  const ok = result.status === 0;
  if (ok) {
    mkdirSync(paths.stamps, { recursive: true });
    writeFileSync(stampFile(build), hash);
  }
  return { ok, seconds: result.seconds, output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ""}`.trim() };
}

/**
 * For the command wrappers (grade, release, exercises): build what is stale, or exit 1 with the
 * compiler's output under the command's name.
 */
export function buildOrExit(command) {
  for (const build of projectBuilds()) {
    if (isFresh(build)) continue;
    const result = runBuild(build);
    if (!result.ok) {
      console.error(`${command}: tsc -p ${build.tsconfig} failed:\n${result.output}`);
      process.exit(1);
    }
  }
}
