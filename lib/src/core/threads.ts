/**
 * Starting one of the library's own modules on a worker thread, whether the library runs built
 * (lib/dist, .js) or from its TypeScript sources (vitest, .ts: esbuild compiles each module the
 * worker requires, as it loads).
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";

// The worker's `workerData.__tsEntry` is the module to run; the rest of workerData is the caller's.
const TS_BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const Module = require("node:module");
const esbuild = require(workerData.__tsEsbuild);
Module._extensions[".ts"] = function (module, filename) {
  const out = esbuild.transformSync(fs.readFileSync(filename, "utf8"), { loader: "ts", format: "cjs", target: "node20", sourcefile: filename, sourcemap: "inline" });
  module._compile(out.code, filename);
};
require(workerData.__tsEntry);
`;

/**
 * A worker running the library module `relative` (a path under the library's source root, without
 * extension, such as "train/worker"), started with `workerData`.
 */
export function startLibraryWorker(relative: string, workerData: object): Worker {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, "..", `${relative}${ext}`);
  if (ext !== ".ts") return new Worker(entry, { workerData });
  return new Worker(TS_BOOTSTRAP, { eval: true, workerData: { ...workerData, __tsEntry: entry, __tsEsbuild: require.resolve("esbuild") } });
}
