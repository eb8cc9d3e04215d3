#!/usr/bin/env node
// `npm run setup`: everything the course needs besides its own files, idempotent and quick when
// nothing is missing. Node builtins only: this runs on a fresh clone, before node_modules exists.
//   node scripts/setup.mjs [--quiet]     --quiet prints only problems
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { aptInstall, aptInstallCommand, isRoot, LOCK_STAMP, lockHash, missingPythonModules, npmCiNeeded } from "./lib/deps.mjs";
import { isFresh, projectBuilds, runBuild } from "./lib/build.mjs";
import { installUserKernelSpec, kernelSpecDir, writeKernelSpec } from "./lib/kernelspec.mjs";
import { paths, pythonPath, run, seconds, which } from "./lib/project.mjs";

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--quiet");
if (unknown.length > 0) {
  console.error(`setup: unknown argument(s) ${unknown.join(" ")}; expected none or --quiet.`);
  process.exit(2);
}
const quiet = args.includes("--quiet");
const started = process.hrtime.bigint();
const done = [];
const problems = [];
const say = (line) => {
  if (!quiet) console.log(line);
};

function nodeModules() {
  const state = npmCiNeeded();
  if (state.needed) {
    // Even with --quiet: a minute of silence would look like a hang.
    console.log(`setup: npm ci (${state.reason}) ...`);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    // onnxruntime-node's install script (run by npm versions that run install scripts) would fetch
    // CUDA providers from a host this setup cannot assume; its CPU binaries ship in the package.
    const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" };
    // Below the supported lines npm warns "EBADENGINE" for the course and its dependencies (mermaid
    // needs 22.12), which reads as a failure; the one line printed below says it plainly instead.
    const args = supportedNode ? ["ci"] : ["ci", "--loglevel=error"];
    const result = run(npm, args, { cwd: paths.root, env, stdio: ["ignore", quiet ? "ignore" : "inherit", "inherit"] });
    if (result.status !== 0) {
      problems.push(`npm ci failed (exit ${result.status}${result.error ? `, ${result.error.message}` : ""}); see its output above.`);
      return false;
    }
    writeFileSync(LOCK_STAMP, lockHash());
    done.push(`node_modules installed with npm ci (${seconds(result.seconds)})`);
  } else {
    if (state.stampOnly) writeFileSync(LOCK_STAMP, lockHash());
    done.push("node_modules matches package-lock.json");
  }
  return true;
}

/**
 * Native addons that ship as C++ sources: the project's .npmrc sets ignore-scripts, so npm never
 * compiles them; this does, once (node-gyp, against the running Node's own headers when its
 * install has them, so nothing is downloaded). Chapter 3's HNSW index needs hnswlib-node.
 */
const NATIVE_ADDONS = [{ name: "hnswlib-node", output: path.join("build", "Release", "addon.node"), why: "chapter 3's HNSW vector index" }];

function nativeAddons() {
  for (const addon of NATIVE_ADDONS) {
    const dir = [paths.nodeModules, path.join(paths.root, "lib", "node_modules")].map((base) => path.join(base, addon.name)).find((d) => existsSync(d));
    if (!dir) {
      problems.push(`${addon.name} is not in node_modules (${addon.why}); run \`npm ci\`.`);
      continue;
    }
    if (existsSync(path.join(dir, addon.output))) {
      done.push(`${addon.name}: native addon built`);
      continue;
    }
    const tools = ["make", "c++", "python3"].filter((tool) => !which(tool));
    if (tools.length > 0) {
      const debs = "make g++ python3";
      problems.push(
        `${addon.name} (${addon.why}) must be compiled, and ${tools.join(", ")} ${tools.length > 1 ? "are" : "is"} missing. Install the build tools, then run \`npm run setup\` again:\n` +
          `  sudo apt-get install -y ${debs}   (Debian/Ubuntu; macOS: xcode-select --install)`
      );
      continue;
    }
    console.log(`setup: compiling ${addon.name} (${addon.why}) ...`);
    // Node's own headers, when its install has them (Debian's nodejs, the nodejs.org tarballs): no download.
    const prefix = path.dirname(path.dirname(process.execPath));
    const env = { ...process.env };
    if (existsSync(path.join(prefix, "include", "node", "node_version.h"))) env.npm_config_nodedir = prefix;
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const result = run(npm, ["rebuild", addon.name, "--ignore-scripts=false", "--foreground-scripts"], { cwd: path.dirname(path.dirname(dir)), env });
    // A second setup running at the same time (a bench, a test) may race this one's node-gyp
    // clean-up and fail it after the addon was written: what counts is that the addon loads.
    const loads = () => run(process.execPath, ["-e", `require(${JSON.stringify(dir)})`]).status === 0;
    if (existsSync(path.join(dir, addon.output)) && (result.status === 0 || loads())) {
      done.push(`${addon.name}: native addon compiled (${seconds(result.seconds)})`);
    } else {
      const log = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-25).join("\n");
      problems.push(
        `${addon.name} (${addon.why}) failed to compile with node-gyp (exit ${result.status}${result.error ? `, ${result.error.message}` : ""})` +
          `${env.npm_config_nodedir ? "" : "; Node's headers are not installed beside it, so node-gyp tried to download them"}:\n${log}`
      );
    }
  }
}

function builds() {
  for (const build of projectBuilds()) {
    if (isFresh(build)) {
      done.push(`${build.name}: up to date`);
      continue;
    }
    const result = runBuild(build);
    if (result.ok) {
      done.push(`${build.name}: built with tsc (${seconds(result.seconds)})`);
    } else {
      problems.push(`${build.name}: tsc -p ${build.tsconfig} failed:\n${result.output}`);
    }
  }
}

function pythonPackages() {
  const python = pythonPath();
  let state = missingPythonModules(python);
  if (state.missing.length === 0) {
    done.push(`${python}: nbclient, nbformat, nbconvert, sklearn, scipy, statsmodels, mpmath, jupyter_kernel_test present`);
    return;
  }
  const debs = state.missing.map((need) => need.deb);
  const what = state.missing.map((need) => `${need.module} (${need.why})`).join(", ");
  const apt = which("apt-get");
  if (apt && isRoot() && !process.env.COURSE_PYTHON) {
    console.log(`setup: ${python} lacks ${what}; installing ${debs.join(" ")} with apt-get ...`);
    const result = aptInstall(debs, { onStep: (step) => say(`  ${step}`) });
    state = missingPythonModules(python);
    if (result.ok && state.missing.length === 0) {
      done.push(`Debian packages installed: ${debs.join(" ")} (${seconds(result.seconds)})`);
      return;
    }
    problems.push(`apt-get could not provide ${what}:\n${result.log.split("\n").slice(-25).join("\n")}`);
    return;
  }
  if (apt && !process.env.COURSE_PYTHON) {
    problems.push(
      `${python} lacks ${what}. Install them (needs root), then run \`npm run setup\` again:\n` +
        `  sudo ${aptInstallCommand(debs).join(" ")}`
    );
    return;
  }
  const pips = state.missing.map((need) => need.pip);
  problems.push(
    `${python} lacks ${what}${state.pythonMissing ? ` (${state.detail})` : ""}. Install them into a Python 3 and point the course at it:\n` +
      `  python3 -m pip install ${pips.join(" ")}\n` +
      `  export COURSE_PYTHON=$(command -v python3)`
  );
}

function kernel() {
  if (!existsSync(paths.tslabBin)) {
    problems.push(`tslab is missing (${paths.tslabBin}); run \`npm ci\`.`);
    return;
  }
  const changed = writeKernelSpec();
  done.push(`kernel spec course-ts ${changed ? "written to" : "unchanged in"} ${kernelSpecDir()}`);
  const user = installUserKernelSpec();
  if (user.status === "installed") done.push("kernel spec course-ts installed for the user (jupyter_client, --user)");
  // Not a problem: the course's own scripts use JUPYTER_PATH; this only helps a Jupyter started by hand.
  else if (user.status === "failed") done.push(`kernel spec not installed for the user: ${user.detail}`);
}

/**
 * Optional Debian packages: without one, a feature degrades and its tests skip, so a failure here
 * is a note, not a problem.
 * - Headless Chromium draws mermaid diagrams as static SVG (so executed notebooks and HTML
 *   exports show them without scripts) and lets the tests look at rendered pages.
 * - MathJax typesets the formulas of `npm run export-html` pages offline.
 */
const OPTIONAL_DEBS = [
  { deb: "chromium", file: "/usr/bin/chromium", why: "static mermaid SVG, rendering tests", without: "diagrams render in the browser only" },
  { deb: "libjs-mathjax", file: "/usr/share/javascript/mathjax/MathJax.js", why: "formulas in HTML exports, offline", without: "HTML exports show formulas as TeX" },
  {
    deb: "libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri",
    file: "/usr/lib/x86_64-linux-gnu/libEGL_mesa.so.0",
    why: "a software GPU: COURSE_BACKEND=webgpu-soft and the webgpu tests",
    without: "no software GPU (the webgpu tests skip)",
  },
  { deb: "jupyter-notebook", file: "/usr/bin/jupyter-notebook", why: "a Jupyter server for the real-browser test (test/browser)", without: "the real-browser Jupyter test skips" },
];

function optionalDebs() {
  for (const { deb, file, why, without } of OPTIONAL_DEBS) {
    if (existsSync(file)) {
      done.push(`${file} present (${why})`);
      continue;
    }
    if (!which("apt-get") || !isRoot()) {
      done.push(`no ${file}: ${without}; \`sudo apt-get install ${deb}\` adds it`);
      continue;
    }
    console.log(`setup: installing Debian ${deb} (${why}) ...`);
    const result = aptInstall(deb.split(" "), { onStep: (step) => say(`  ${step}`) });
    done.push(result.ok ? `Debian ${deb} installed (${seconds(result.seconds)})` : `${deb} could not be installed; ${without}`);
  }
}

const [major, minor] = process.versions.node.split(".").map(Number);
// The supported lines (package.json "engines"); 20.19+ still installs and runs, past its end of life.
const supportedNode = major > 22 || (major === 22 && minor >= 12);
if (major < 20) problems.push(`Node ${process.versions.node} is too old: the course needs Node 22.12 or newer (22 or 24).`);
else if (!supportedNode) say(`setup: note: Node ${process.versions.node} is past its end of life; the course supports Node 22.12+ and 24. It still runs here; install Node 22 or 24 when you can.`);
const haveNodeModules = nodeModules();
if (haveNodeModules) builds();
if (haveNodeModules) nativeAddons();
pythonPackages();
optionalDebs();
// After the Python packages: they bring the `jupyter` command the user-level install uses.
if (haveNodeModules) kernel();

const total = Number(process.hrtime.bigint() - started) / 1e9;
if (!quiet) {
  for (const line of done) console.log(`  ok  ${line}`);
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`setup: ${problem}`);
  console.error(`setup: ${problems.length} problem(s); the course is not ready (${seconds(total)}).`);
  process.exit(1);
}
say(`setup: ready (${seconds(total)}).`);
