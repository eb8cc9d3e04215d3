// What the course needs installed outside its own files: node_modules (from package-lock.json)
// and Debian's Python packages for the headless notebook runner and the reference peers in tests.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { paths, pythonPath, run } from "./project.mjs";

export function lockHash() {
  return createHash("sha256").update(readFileSync(paths.packageLock)).digest("hex");
}

export const LOCK_STAMP = path.join(paths.nodeModules, ".course-setup-stamp");

/**
 * True when node_modules matches package-lock.json as npm itself recorded it in
 * node_modules/.package-lock.json (so a tree installed by hand is not wiped by `npm ci`).
 */
export function installedTreeMatchesLock() {
  const hidden = path.join(paths.nodeModules, ".package-lock.json");
  if (!existsSync(hidden)) return false;
  const wanted = JSON.parse(readFileSync(paths.packageLock, "utf8")).packages ?? {};
  const have = JSON.parse(readFileSync(hidden, "utf8")).packages ?? {};
  const same = (a, b) => a.version === b.version && a.resolved === b.resolved && Boolean(a.link) === Boolean(b.link);
  for (const [key, entry] of Object.entries(wanted)) {
    if (key === "") continue;
    const got = have[key];
    // npm leaves out optional packages for other platforms (esbuild's, sharp's, ...).
    if (!got) {
      if (entry.optional) continue;
      return false;
    }
    if (!same(entry, got)) return false;
  }
  for (const key of Object.keys(have)) if (!(key in wanted)) return false;
  return true;
}

/** { needed: boolean, reason: string } for `npm ci`. */
export function npmCiNeeded() {
  if (!existsSync(paths.nodeModules) || readdirSync(paths.nodeModules).length === 0) {
    return { needed: true, reason: "node_modules is missing" };
  }
  const hash = lockHash();
  if (existsSync(LOCK_STAMP) && readFileSync(LOCK_STAMP, "utf8").trim() === hash) return { needed: false, reason: "" };
  if (installedTreeMatchesLock()) return { needed: false, reason: "", stampOnly: true };
  return {
    needed: true,
    reason: existsSync(LOCK_STAMP) ? "package-lock.json changed since the last install" : "node_modules does not match package-lock.json",
  };
}

/** Python modules the runner and the tests import, with the Debian package that provides each. */
export const PYTHON_NEEDS = [
  { module: "nbclient", deb: "python3-nbclient", pip: "nbclient", why: "headless notebook runner" },
  { module: "nbformat", deb: "python3-nbformat", pip: "nbformat", why: "headless notebook runner" },
  { module: "nbconvert", deb: "jupyter-nbconvert", pip: "nbconvert", why: "exporting notebooks" },
  { module: "sklearn", deb: "python3-sklearn", pip: "scikit-learn", why: "reference metrics in tests" },
  { module: "scipy", deb: "python3-scipy", pip: "scipy", why: "reference statistics in tests" },
  { module: "statsmodels", deb: "python3-statsmodels", pip: "statsmodels", why: "reference power analysis in tests" },
  { module: "mpmath", deb: "python3-mpmath", pip: "mpmath", why: "high-precision reference quantiles in tests" },
  { module: "jupyter_kernel_test", deb: "python3-jupyter-kernel-test", pip: "jupyter_kernel_test", why: "kernel conformance tests" },
  { module: "xapian", deb: "python3-xapian", pip: "xapian-bindings", why: "reference BM25 ranking (Xapian) in tests" },
  { module: "faiss", deb: "python3-faiss", pip: "faiss-cpu", why: "reference exact and HNSW vector search in tests and benches" },
  { module: "onnx", deb: "python3-onnx", pip: "onnx", why: "checking exported ONNX models in tests" },
  { module: "xgboost", deb: "python3-xgboost", pip: "xgboost", why: "reference LambdaMART (rank:ndcg) for the learned ranker in tests" },
];

/** The PYTHON_NEEDS entries whose module the course's python cannot find (find_spec: no slow imports). */
export function missingPythonModules(python = pythonPath()) {
  const code = "import importlib.util, sys; print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))";
  const result = run(python, ["-c", code, ...PYTHON_NEEDS.map((need) => need.module)]);
  if (result.error || result.status !== 0) {
    return { pythonMissing: true, missing: [...PYTHON_NEEDS], detail: `${python}: ${result.error ? result.error.message : result.stderr.trim()}` };
  }
  const names = new Set(result.stdout.trim().split(/\s+/).filter(Boolean));
  return { pythonMissing: false, missing: PYTHON_NEEDS.filter((need) => names.has(need.module)), detail: "" };
}

export function aptInstallCommand(debs) {
  return ["apt-get", "install", "-y", "--no-install-recommends", ...debs];
}

function aptListsEmpty() {
  try {
    return !readdirSync("/var/lib/apt/lists").some((name) => name.endsWith("_Packages") || name.includes("_Packages."));
  } catch {
    return true;
  }
}

/**
 * apt-get install as root, with `apt-get update` first only when the lists are empty or the
 * install failed without it. Returns { ok, seconds, log }.
 */
export function aptInstall(debs, { onStep = () => {} } = {}) {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // Another apt-get (a second setup, unattended upgrades) may hold the lock for a while.
  const lock = ["-o", "DPkg::Lock::Timeout=600"];
  const started = process.hrtime.bigint();
  const log = [];
  const step = (args) => {
    onStep(`apt-get ${args.join(" ")}`);
    const result = run("apt-get", [...lock, ...args], { env });
    log.push(`$ apt-get ${args.join(" ")}\n${result.stdout}${result.stderr}${result.error ? String(result.error) : ""}`);
    return result.status === 0;
  };
  const install = aptInstallCommand(debs).slice(1);
  let ok;
  if (aptListsEmpty()) {
    ok = step(["update"]) && step(install);
  } else {
    ok = step(install) || (step(["update"]) && step(install));
  }
  return { ok, seconds: Number(process.hrtime.bigint() - started) / 1e9, log: log.join("\n") };
}

export function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}
