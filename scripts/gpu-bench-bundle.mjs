#!/usr/bin/env node
// Packs bench/pretrain.mjs into one self-contained folder that runs on a Linux x86-64 GPU machine
// with neither Node nor node_modules (the device machine: Python with PyTorch CUDA, an NVIDIA
// driver, maybe no Vulkan loader), so that one command measures the library on WebGPU (Dawn on the
// GPU's Vulkan driver) beside PyTorch on CUDA.
//
// Usage: node scripts/gpu-bench-bundle.mjs [--out build/gpu-bench] [--no-gl]
//   (build the library first: cd lib && npx tsc -p .)
//
// The folder (build/ is git-ignored; carry it to the machine):
//   node.xz                  this Node binary (process.execPath), symbols stripped, xz-compressed
//   pretrain.cjs.xz          bench/pretrain.mjs bundled by esbuild (platform node, format cjs) with shoplm
//                            (lib/dist), tfjs and its webgpu and wasm backends inside; native/optional
//                            modules stay external. xz-compressed (5 MiB -> 0.7): the working tree travels
//                            with the carried folder, 64 MiB in all
//   pretrain_torch.py        the PyTorch peer (run.sh puts it beside the unpacked bundle, where the bench looks)
//   webgpu/linux-x64/dawn.node.xz   the `webgpu` package's native build (Dawn), xz-compressed
//   wasm/*.wasm              tfjs-backend-wasm's binaries (SHOPLM_WASM_DIR)
//   gl/*.deb                 Debian's Vulkan loader and GL dispatch libraries (unless --no-gl), unpacked
//                            by run.sh only on an NVIDIA machine that has no libvulkan.so.1
//   run.sh                   unpacks node, the bundle and dawn.node to /tmp/gpu-bench, sets SHOPLM_WEBGPU_DIR, SHOPLM_WASM_DIR
//                            and BENCH_PYTHON, prints the GPU, Node and torch versions, runs the bench
//   README.md                the device call to make
//
// Two things in the bench do not survive bundling as written, and are rewritten at build time
// only (the bench's output is unchanged): `const require = createRequire(import.meta.url)` (a
// local require hides the packages from esbuild, so the line is dropped and esbuild's own require
// is used) and top-level await (not allowed in CommonJS, so the body after the imports runs in an
// async function). import.meta.url becomes the bundle's own file URL, so the bench finds
// pretrain_torch.py beside it.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const out = path.resolve(root, opt("out", "build/gpu-bench"));
const withGl = !args.includes("--no-gl");

function fail(message) {
  console.error(`gpu-bench-bundle: ${message}`);
  process.exit(1);
}

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** xz with the x86 branch filter (executables compress about 10 % better), one thread, at low priority. */
function xz(src, dest) {
  const r = spawnSync("sh", ["-c", 'nice -n 10 xz -T1 -c --x86 --lzma2=preset=9e "$1" > "$2"', "xz", src, dest], { encoding: "utf8" });
  if (r.status !== 0) fail(`xz ${src} failed: ${r.stderr.trim()} (apt-get install xz-utils)`);
}

// --- checks ---------------------------------------------------------------------------------
if (process.platform !== "linux" || process.arch !== "x64") fail(`the GPU machine is linux-x64; this is ${process.platform}-${process.arch}, whose Node binary would not run there`);
const distWebgpu = path.join(root, "lib", "dist", "core", "webgpu.js");
if (!existsSync(distWebgpu)) fail("lib/dist is missing: build the library first (cd lib && npx tsc -p .)");
for (const [file, name] of [
  [distWebgpu, "SHOPLM_WEBGPU_DIR"],
  [path.join(root, "lib", "dist", "core", "backend.js"), "SHOPLM_WASM_DIR"],
]) {
  if (!readFileSync(file, "utf8").includes(name)) fail(`${path.relative(root, file)} does not read ${name}: rebuild the library (cd lib && npx tsc -p .)`);
}
{
  // A stale lib/dist would be bundled as it is: say so (this script does not build the library).
  const built = statSync(path.join(root, "lib", "dist", "index.js")).mtimeMs;
  const newer = readdirSync(path.join(root, "lib", "src"), { recursive: true }).filter((f) => String(f).endsWith(".ts") && statSync(path.join(root, "lib", "src", String(f))).mtimeMs > built);
  if (newer.length) console.warn(`warning: lib/src has ${newer.length} file(s) newer than lib/dist (${newer.slice(0, 3).join(", ")}): rebuild with cd lib && npx tsc -p .`);
}
const dawnDir = path.join(path.dirname(require.resolve("webgpu/package.json")), "dist", "linux-x64");
if (!existsSync(path.join(dawnDir, "dawn.node"))) fail(`no ${path.join(dawnDir, "dawn.node")}: run npm ci`);
const wasmDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));

// A rebuild keeps node.xz when it was made from this same binary (compressing it takes a minute or two).
const nodeStamp = (() => {
  const st = statSync(process.execPath);
  return `${process.execPath} ${process.version} ${st.size} ${st.mtimeMs}\n`;
})();
const stampFile = path.join(out, ".node.xz.stamp");
const keptNode = existsSync(stampFile) && readFileSync(stampFile, "utf8") === nodeStamp && existsSync(path.join(out, "node.xz")) ? readFileSync(path.join(out, "node.xz")) : null;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// --- 1. the bench, bundled ------------------------------------------------------------------
const esbuild = require("esbuild");
const benchFile = path.join(root, "bench", "pretrain.mjs");
/** The build-time rewrite described at the top: drop the local require, run the body in an async function. */
const benchForCommonJs = {
  name: "bench-for-commonjs",
  setup(build) {
    build.onLoad({ filter: /[\\/]bench[\\/]pretrain\.mjs$/ }, (a) => {
      const source = readFileSync(a.path, "utf8");
      const localRequire = "const require = createRequire(import.meta.url);";
      if (!source.includes(localRequire)) throw new Error(`bench/pretrain.mjs no longer has "${localRequire}": update scripts/gpu-bench-bundle.mjs`);
      const lines = source.replace(localRequire, "// (bundle: esbuild's require)").split("\n");
      const lastImport = lines.findLastIndex((l) => /^import\s/.test(l));
      if (lastImport < 0 || !lines[lastImport].trimEnd().endsWith(";")) throw new Error("bench/pretrain.mjs: expected one-line imports at the top");
      if (lines.slice(lastImport + 1).some((l) => /^(import|export)\s/.test(l))) throw new Error("bench/pretrain.mjs: an import or export after the body starts");
      const head = lines.slice(0, lastImport + 1).join("\n");
      const body = lines.slice(lastImport + 1).join("\n");
      const contents = `${head}\n(async () => {\n${body}\n})().catch((error) => {\n  console.error(error);\n  process.exit(1);\n});\n`;
      return { contents, loader: "js", resolveDir: path.dirname(a.path) };
    });
  },
};
const external = [
  // Native or optional packages the library loads lazily; the bench uses none of them.
  "onnxruntime-node",
  "onnxruntime-node/*",
  "onnxruntime-web",
  "@huggingface/transformers",
  "hnswlib-node",
  "hnswlib-node/*",
  "@lancedb/lancedb",
  "danfojs-node",
  "playwright-core",
  "typescript",
  "tslab",
  "tslab/*",
  "esbuild",
  "sharp",
  "@tensorflow/tfjs-node",
  "@tensorflow/tfjs-node-gpu",
  // Dawn: loaded from SHOPLM_WEBGPU_DIR (lib/src/core/webgpu.ts).
  "webgpu",
  "webgpu/*",
  "*.node",
];
const result = await esbuild.build({
  entryPoints: [benchFile],
  outfile: path.join(out, "pretrain.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: `node${process.versions.node.split(".")[0]}`,
  external,
  plugins: [benchForCommonJs],
  // The project's tsconfig.json maps "shoplm" to lib/src (for the tests): bundle the built lib/dist,
  // one copy of each module (the bench also loads shoplm/dist/core/wasm-kernels).
  tsconfig: path.join(root, "lib", "tsconfig.json"),
  define: { "import.meta.url": "__bundleFileUrl" },
  banner: { js: `// bench/pretrain.mjs bundled by scripts/gpu-bench-bundle.mjs; run it through run.sh.\nconst __bundleFileUrl = require("node:url").pathToFileURL(__filename).href;` },
  minifyWhitespace: true,
  legalComments: "none",
  logLevel: "silent",
  metafile: true,
});
for (const w of result.warnings) {
  // require.resolve and dynamic requires stay as they are; the library only reaches them without the overrides.
  if (/require\.resolve|will not be bundled|Indirect calls to "require"/.test(w.text)) continue;
  console.warn(`esbuild warning: ${w.text} (${w.location?.file ?? ""}:${w.location?.line ?? ""})`);
}
const inputs = Object.keys(result.metafile.inputs);
if (inputs.some((i) => i.startsWith("lib/src/"))) fail("the bundle took lib/src files: it must bundle lib/dist only");
for (const must of ["lib/dist/index.js", "tfjs-backend-webgpu", "tfjs-backend-wasm", "tfjs-core"]) {
  if (!inputs.some((i) => i.includes(must))) fail(`the bundle has no ${must} inside (inputs: ${inputs.filter((i) => !i.includes("node_modules")).join(", ")})`);
}
xz(path.join(out, "pretrain.cjs"), path.join(out, "pretrain.cjs.xz"));
rmSync(path.join(out, "pretrain.cjs"));
copyFileSync(path.join(root, "bench", "pretrain_torch.py"), path.join(out, "pretrain_torch.py"));

// --- 2. tfjs wasm binaries and Dawn ----------------------------------------------------------
mkdirSync(path.join(out, "wasm"));
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith(".wasm"))) copyFileSync(path.join(wasmDir, f), path.join(out, "wasm", f));
mkdirSync(path.join(out, "webgpu", "linux-x64"), { recursive: true });
for (const f of readdirSync(dawnDir)) {
  const src = path.join(dawnDir, f);
  if (f.endsWith(".node")) xz(src, path.join(out, "webgpu", "linux-x64", `${f}.xz`));
  else copyFileSync(src, path.join(out, "webgpu", "linux-x64", f));
}
for (const f of ["LICENSE", "LICENSE.md"]) {
  const src = path.join(path.dirname(require.resolve("webgpu/package.json")), f);
  if (existsSync(src)) copyFileSync(src, path.join(out, "webgpu", f));
}

// --- 3. Node ----------------------------------------------------------------------------------
if (keptNode) {
  writeFileSync(path.join(out, "node.xz"), keptNode);
  writeFileSync(stampFile, nodeStamp);
} else {
  const tmp = path.join(out, ".node.tmp");
  copyFileSync(process.execPath, tmp);
  // Symbols off (12 MiB): native addons link against the dynamic symbol table, which strip keeps.
  const stripped = spawnSync("strip", [tmp]).status === 0;
  const check = spawnSync(tmp, ["-e", "process.stdout.write(process.version)"], { encoding: "utf8" });
  if (check.stdout !== process.version) copyFileSync(process.execPath, tmp);
  xz(tmp, path.join(out, "node.xz"));
  rmSync(tmp);
  writeFileSync(stampFile, nodeStamp);
  if (!stripped) console.warn("strip not found: node.xz holds the unstripped binary (about 3 MiB more)");
}

// --- 4. Vulkan loader packages (Debian bookworm amd64, as the device README lists) ------------
const glPackages = ["libvulkan1", "libglvnd0", "libegl1", "libgles2", "libgl1", "libglx0", "libopengl0"];
if (withGl) {
  mkdirSync(path.join(out, "gl"));
  const r = spawnSync("apt-get", ["download", ...glPackages], { cwd: path.join(out, "gl"), encoding: "utf8" });
  if (r.status !== 0) {
    console.warn(`apt-get download failed (${(r.stderr || String(r.error)).trim().split("\n").at(-1)}); the bundle has no gl/: carry a .gl folder made as the device README says`);
    rmSync(path.join(out, "gl"), { recursive: true, force: true });
  }
}

// --- 5. run.sh and README.md ------------------------------------------------------------------
const runSh = String.raw`#!/usr/bin/env bash
# Runs the bundled bench/pretrain.mjs (see README.md beside this file). Arguments go to the bench;
# without a --backend it runs --backend webgpu. Environment: BENCH_PYTHON (the python3 with torch;
# default: python3 on PATH if it imports torch, else /usr/bin/python3), GPU_BENCH_TMP (where node
# and dawn.node are unpacked; default /tmp/gpu-bench), BENCH_NODE (a node binary to use instead).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="${"$"}{GPU_BENCH_TMP:-/tmp/gpu-bench}"
mkdir -p "$tmp/webgpu"
unxz_to() { # file.xz target: xz if there, else Python's lzma
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" > "$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
node="${"$"}{BENCH_NODE:-}"
if [ -z "$node" ]; then
  node="$tmp/node"
  [ -x "$node" ] && [ "$node" -nt "$here/node.xz" ] || { unxz_to "$here/node.xz" "$node" && chmod +x "$node"; } || { echo "could not unpack node.xz" >&2; exit 1; }
fi
[ -f "$tmp/pretrain.cjs" ] && [ "$tmp/pretrain.cjs" -nt "$here/pretrain.cjs.xz" ] || unxz_to "$here/pretrain.cjs.xz" "$tmp/pretrain.cjs" || { echo "could not unpack pretrain.cjs.xz" >&2; exit 1; }
cp "$here/pretrain_torch.py" "$tmp/pretrain_torch.py"
dawn="$tmp/webgpu/dawn.node"
[ -f "$dawn" ] && [ "$dawn" -nt "$here/webgpu/linux-x64/dawn.node.xz" ] || unxz_to "$here/webgpu/linux-x64/dawn.node.xz" "$dawn" || { echo "could not unpack dawn.node.xz" >&2; exit 1; }
# Vulkan loader: unpacked into / only on an NVIDIA machine that lacks it (as the device README says).
vulkan() { ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1' | tail -1; } # (grep -q could end the pipe early)
if [ -e /dev/nvidia0 ] && [ -z "$(vulkan)" ]; then
  for d in "$here/gl" "$PWD/.gl"; do
    if ls "$d"/*.deb >/dev/null 2>&1; then
      for f in "$d"/*.deb; do dpkg -x "$f" /; done
      ldconfig
      echo "unpacked the Vulkan loader from $d"
      break
    fi
  done
fi
icd_found=""
for f in /usr/share/vulkan/icd.d/nvidia*.json /etc/vulkan/icd.d/nvidia*.json /usr/local/share/vulkan/icd.d/nvidia*.json; do [ -f "$f" ] && icd_found="$f"; done
if [ -e /dev/nvidia0 ] && [ -z "${"$"}{VK_DRIVER_FILES:-}${"$"}{VK_ICD_FILENAMES:-}$icd_found" ]; then
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
fi
export SHOPLM_WEBGPU_DIR="$tmp/webgpu" SHOPLM_WASM_DIR="$here/wasm"
if [ -z "${"$"}{BENCH_PYTHON:-}" ]; then
  BENCH_PYTHON=/usr/bin/python3
  for p in "$(command -v python3 || true)" /usr/bin/python3; do
    if [ -n "$p" ] && "$p" -c 'import torch' >/dev/null 2>&1; then BENCH_PYTHON="$p"; break; fi
  done
fi
export BENCH_PYTHON
echo "== gpu: $(nvidia-smi -L 2>/dev/null || echo 'none (no nvidia-smi)')"
echo "== node $("$node" --version) ($node); vulkan loader: $(v="$(vulkan)"; echo "${"$"}{v:-none}" | sed 's/^[[:space:]]*//'); icd: ${"$"}{VK_DRIVER_FILES:-${"$"}{icd_found:-the loader default}}"
echo "== $BENCH_PYTHON: $("$BENCH_PYTHON" -c 'import sys, torch; c = torch.cuda.is_available(); print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "sees", torch.cuda.get_device_name(0) if c else "no GPU")' 2>&1 | tail -1)"
backend=(--backend webgpu)
for a in "$@"; do [ "$a" = "--backend" ] && backend=(); done
exec "$node" "$tmp/pretrain.cjs" "${"$"}{backend[@]}" "$@"
`;
writeFileSync(path.join(out, "run.sh"), runSh);
chmodSync(path.join(out, "run.sh"), 0o755);

const rel = path.relative(root, out) || ".";
const large = "--layers 8 --hidden 512 --heads 8 --ff 2048 --batch 128 --seq 128";
// Each run's output also goes to $OUT (it comes back even when the call runs past its limit).
const command = `bash ${rel}/run.sh 2>&1 | tee $OUT/pretrain-course.log; bash ${rel}/run.sh ${large} 2>&1 | tee $OUT/pretrain-large.log`;
const readme = `# The pretraining bench on a GPU machine

Made by \`node scripts/gpu-bench-bundle.mjs\` (do not edit; rebuild it). It runs \`bench/pretrain.mjs\` with
no Node and no node_modules on the machine: the library (lib/dist), tfjs and its webgpu and wasm
backends are bundled in \`pretrain.cjs\`; it, Node (${process.version}, linux-x64) and Dawn (the \`webgpu\`
package's \`dawn.node\`) travel xz-compressed and are unpacked to /tmp/gpu-bench by \`run.sh\` (with xz,
or Python's lzma where xz is missing), beside a copy of \`pretrain_torch.py\`.

\`run.sh [bench flags]\` (default \`--backend webgpu\`) prints the GPU, Node and PyTorch versions, then the
bench's own output: the library on WebGPU (Dawn, Vulkan on the NVIDIA driver) and PyTorch, which
picks CUDA by itself (\`--torch-device auto\`) when the library runs on a GPU backend. If the machine
has no \`libvulkan.so.1\`, \`run.sh\` unpacks the Debian packages in \`gl/\` into / first (as the device
README says) and points the loader at /usr/local/nvidia's ICD file when no other is installed.

Environment it sets: \`SHOPLM_WEBGPU_DIR\` (the folder with dawn.node), \`SHOPLM_WASM_DIR\` (\`wasm/\`),
\`BENCH_PYTHON\` (python3 on PATH when it imports torch, else /usr/bin/python3). \`--workers N\` is not
supported in the bundle (its worker threads load the library's files from disk).

## The device call

Build this folder first (\`npm run bench:gpu-bundle\`; build/ is git-ignored, so it travels only as a
carried path). The working tree travels too (about 30 MiB): with this folder (@SIZE@) it must stay
under 64 MiB. Then one \`run\` call:

- command: \`${command}\`
- carry: \`["${rel}"]\`
- timeout_s: 480 (a guess, not a measurement: start-up, Dawn's shader compilations and three PyTorch
  processes each initialising CUDA come on top of the timed steps; the logs in $OUT come back even
  if it runs past the limit)

The first run is the chapter 1 model at course size (2 layers, d=128, 4 heads, ff 512, vocab 8000,
batch 32 x seq 64); the second the larger size (\`${large}\`), both \`--backend webgpu\` beside PyTorch on
CUDA. For only one, drop the other half of the command; for a shorter run add \`--rounds 2 --steps 5\`.

Locally (no GPU), the same folder runs with \`--backend wasm\` or \`--backend webgpu-soft\` (Mesa's llvmpipe:
apt-get install libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri); \`--backend webgpu\` then stops with
"no GPU device on this machine".
`;
writeFileSync(path.join(out, "README.md"), readme);

// --- report -----------------------------------------------------------------------------------
const sizes = [];
const walk = (dir) => {
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, f.name);
    if (f.isDirectory()) walk(p);
    else sizes.push([path.relative(out, p), statSync(p).size]);
  }
};
walk(out);
const total = sizes.reduce((s, [, n]) => s + n, 0);
writeFileSync(path.join(out, "README.md"), readme.replace("@SIZE@", mib(total)));
// What travels besides: tracked files and untracked ones git does not ignore.
const listed = spawnSync("sh", ["-c", "git ls-files -z; git ls-files -z --others --exclude-standard"], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 });
const tree = listed.status === 0 ? listed.stdout.split("\0").filter(Boolean).reduce((s, f) => s + (existsSync(path.join(root, f)) ? statSync(path.join(root, f)).size : 0), 0) : NaN;
for (const [f, n] of sizes.sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`  ${f.padEnd(34)} ${mib(n).padStart(9)}`);
console.log(`${rel}: ${sizes.length} files, ${mib(total)}; with the working tree (${mib(tree)}) ${mib(total + tree)} travels (64 MiB at most)`);
if (total + tree > 62 * 2 ** 20) console.warn("warning: that is at or near the device's 64 MiB limit");
const ignored = spawnSync("git", ["check-ignore", "-q", path.join(out, "run.sh")], { cwd: root }).status === 0;
if (!ignored) console.warn(`warning: ${rel} is not git-ignored: it would travel with the working tree as well as in carry`);
console.log(`device command: ${command}`);
