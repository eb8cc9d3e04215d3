// Paths and small process helpers shared by the course scripts. Node builtins only: setup.mjs
// imports this on a fresh clone, before node_modules exists.
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export const paths = {
  root: ROOT,
  nodeModules: path.join(ROOT, "node_modules"),
  /** Stamps that let a second `npm run setup` skip work (wiped with node_modules, on purpose). */
  stamps: path.join(ROOT, "node_modules", ".course-setup"),
  packageLock: path.join(ROOT, "package-lock.json"),
  notebooks: path.join(ROOT, "notebooks"),
  builtNotebooks: path.join(ROOT, "build", "notebooks"),
  /** The JUPYTER_PATH entry that holds the project's kernel spec (gitignored). */
  jupyterPath: path.join(ROOT, ".jupyter-course"),
  tslabBin: path.join(ROOT, "node_modules", "tslab", "bin", "tslab"),
  tsc: path.join(ROOT, "node_modules", "typescript", "bin", "tsc"),
  runner: path.join(ROOT, "scripts", "run_notebooks.py"),
};

export const KERNEL_NAME = "course-ts";

/** Debian's python has python3-nbclient & co; the `python3` on PATH may be another build. */
export function pythonPath() {
  return process.env.COURSE_PYTHON || "/usr/bin/python3";
}

/** The environment a Jupyter process needs to see the project's kernel spec first. */
export function jupyterEnv(extra = {}) {
  const previous = process.env.JUPYTER_PATH;
  return {
    ...process.env,
    JUPYTER_PATH: previous ? `${paths.jupyterPath}${path.delimiter}${previous}` : paths.jupyterPath,
    ...extra,
  };
}

/** Run a command to completion; returns { status, stdout, stderr, error, seconds }. */
export function run(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  return {
    status: result.status,
    signal: result.signal,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
    error: result.error,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/** The absolute path of an executable on PATH, or null. */
export function which(name) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export function seconds(value) {
  return `${value.toFixed(value < 10 ? 1 : 0)} s`;
}
