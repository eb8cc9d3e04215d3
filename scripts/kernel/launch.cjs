#!/usr/bin/env node
// The course kernel: the project's pinned tslab (1.0.22), started with the layer in this folder
// applied at load time. The kernel spec (scripts/lib/kernelspec.mjs) runs
//   node scripts/kernel/launch.cjs kernel --config-path {connection_file}
// A fresh `npm ci` cannot lose the layer: nothing in node_modules is edited. The files of tslab
// whose internals the layer relies on are checked against their sha256 first, so an update of
// tslab stops here with a clear message instead of misbehaving. docs/kernel.md explains each change.
"use strict";

const { createHash } = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");
const { installSendQueues } = require("./send-queue.cjs");
const { composeLookups, dropMapComment, sourceMapLookup, takeInlineMap } = require("./source-map.cjs");
const { cellExecutorFactory, cellFilename, clearOutputFunction, installProtocol } = require("./protocol.cjs");

const TSLAB_VERSION = "1.0.22";
/** sha256 of the tslab files the layer reads into or replaces parts of. */
const PINNED = {
  "dist/main.js": "e3b60b922e8ebf203b8f8c666598247f710ffb1b5ad3c145c8b74c5a27e11476",
  "dist/executor.js": "0a9b6c73679be6169390df7cb2000121bcddaaa78872a92da1e83a34174e8c9e",
  "dist/jupyter.js": "186ae73149b280330d965b087933efa9eea51187f319f4163b44ae06327aef5f",
  "dist/converter.js": "2c671708872c2ad7c36db9f703e5917571e73a62c4cf67f5abad0bd02c56b832",
  "dist/public.js": "356dbf62ce5b5f183a6d8fea629292ad3e5ae151770833e563528e2dd2176bf0",
  "dist/util.js": "82a8edae5f141b5cf1c2a7448efee39214bc470a89193f08d012db30120ecb35",
};

const projectRequire = Module.createRequire(path.join(__dirname, "..", "..", "package.json"));
const tslabDir = path.dirname(projectRequire.resolve("tslab/package.json"));
const tslabFile = (rel) => path.join(tslabDir, rel);

/** The kernel's own log: the real stderr (fd 2), which Jupyter keeps, never a cell's output. */
function log(text) {
  fs.writeSync(2, `course kernel: ${text}\n`);
}

function checkPinnedTslab() {
  const found = JSON.parse(fs.readFileSync(tslabFile("package.json"), "utf8")).version;
  const problems = [];
  if (found !== TSLAB_VERSION) problems.push(`version ${found}, expected ${TSLAB_VERSION}`);
  for (const [rel, want] of Object.entries(PINNED)) {
    const got = createHash("sha256").update(fs.readFileSync(tslabFile(rel))).digest("hex");
    if (got !== want) problems.push(`${rel} has sha256 ${got}, expected ${want}`);
  }
  if (problems.length > 0) {
    log(
      `tslab in ${tslabDir} is not the one this layer was written for:\n  ${problems.join("\n  ")}\n` +
        "Run `npm ci` to restore the pinned tslab, or update scripts/kernel for the new version (docs/kernel.md)."
    );
    process.exit(3);
  }
}

/** Loads dist/jupyter.js with its ZmqMessage class exported (the layer parses and answers messages with it). */
function loadJupyterModule() {
  const file = tslabFile("dist/jupyter.js");
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  mod._compile(`${fs.readFileSync(file, "utf8")}\nexports.ZmqMessage = ZmqMessage;\n`, file);
  mod.loaded = true;
  require.cache[file] = mod;
  return mod.exports;
}

/** Source maps for cells: TypeScript -> ES module JS -> CommonJS, composed into one lookup per cell. */
function installCellSourceMaps(ts, state) {
  const pending = new Map();
  // tslab's converter prefixes each cell with "export {};\n": one line above the cell's first.
  const prefixLines = 1;
  const cellLookup = (map) => {
    const lookup = sourceMapLookup(map);
    return (line, column) => {
      const found = lookup(line, column);
      return found && found.line >= prefixLines ? { line: found.line - prefixLines, column: found.column } : null;
    };
  };
  const tsForConverter = new Proxy(ts, {
    get(target, key, receiver) {
      if (key === "createWatchCompilerHost") {
        return (rootFiles, options, ...rest) => target.createWatchCompilerHost(rootFiles, { ...options, inlineSourceMap: true }, ...rest);
      }
      if (key === "transpileModule") {
        return (input, options) => {
          const { code, map } = takeInlineMap(input);
          if (!map) return target.transpileModule(input, options);
          const out = target.transpileModule(code, { ...options, compilerOptions: { ...options.compilerOptions, sourceMap: true } });
          const outputText = dropMapComment(out.outputText);
          if (out.sourceMapText) pending.set(outputText, composeLookups(sourceMapLookup(JSON.parse(out.sourceMapText)), cellLookup(map)));
          return { ...out, outputText };
        };
      }
      return Reflect.get(target, key, receiver);
    },
  });
  const converterFile = tslabFile("dist/converter.js");
  const load = Module._load;
  Module._load = function loadWithMaps(request, parent, isMain) {
    if (request === "@tslab/typescript-for-tslab" && parent && parent.filename === converterFile) {
      load.call(this, request, parent, isMain);
      return tsForConverter;
    }
    return load.call(this, request, parent, isMain);
  };

  // tslab runs each cell as `(function(exports, require) { <code>\n})(__tslab__.exports, __tslab__.require)`
  // with no filename; naming it In[n] lets a frame say which cell it is in.
  const prefixes = ["(function(exports, require) { ", "(async function(exports, require) { "];
  const suffix = "\n})(__tslab__.exports, __tslab__.require)";
  const runInThisContext = vm.runInThisContext;
  vm.runInThisContext = function runCellInThisContext(code, options) {
    const prefix = typeof code === "string" && state.current !== null && code.endsWith(suffix) ? prefixes.find((p) => code.startsWith(p)) : undefined;
    if (prefix === undefined || (options && options.filename)) return runInThisContext.apply(this, arguments);
    const filename = cellFilename(state.current);
    const lookup = pending.get(code.slice(prefix.length, -suffix.length));
    pending.clear();
    if (lookup) state.cells.set(filename, { lookup, prefixLength: prefix.length });
    return runInThisContext.call(this, code, { ...options, filename });
  };
}

/** `tslab.clearOutput(wait?)`: at run time on tslab's module, and in the types the cells compile against. */
function installClearOutput(ts, state) {
  const publicDts = tslabFile("dist/public.d.ts");
  const declaration =
    "\n/** Clears this cell's output (the course kernel's addition). wait: clear when the next output arrives. */\n" +
    "export declare function clearOutput(wait?: boolean): void;\n";
  const readFile = ts.sys.readFile;
  ts.sys.readFile = function readFileWithAdditions(file, encoding) {
    const text = readFile.call(this, file, encoding);
    return text !== undefined && path.resolve(file) === publicDts ? text + declaration : text;
  };
  require(tslabFile("dist/public.js")).clearOutput = clearOutputFunction(state);
}

function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf("--config-path");
  if (args[0] !== "kernel" || at < 0 || !args[at + 1]) {
    log(`usage: launch.cjs kernel --config-path CONNECTION_FILE (got: ${args.join(" ") || "no arguments"})`);
    process.exit(2);
  }
  checkPinnedTslab();
  const tslabRequire = Module.createRequire(tslabFile("dist/main.js"));
  const ts = tslabRequire("@tslab/typescript-for-tslab");
  const state = { cells: new Map(), current: null, publish: null };

  installSendQueues(tslabRequire("zeromq"), (error, socket) => log(`a send on a ${socket.constructor.name} socket failed: ${error && error.message}`));
  installCellSourceMaps(ts, state);
  const jupyter = loadJupyterModule();
  const util = tslabRequire("./util");
  const executor = tslabRequire("./executor");
  executor.createExecutor = cellExecutorFactory(executor.createExecutor, state);
  installProtocol({ jupyter, util, ts }, { tslab: TSLAB_VERSION, typescript: ts.version }, state, log);
  installClearOutput(ts, state);

  tslabRequire("./main").startKernel({ configPath: args[at + 1], enableFindLocal: false, jsKernel: false, globalVersion: TSLAB_VERSION });
}

main();
