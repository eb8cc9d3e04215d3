/**
 * One graded cell in its own process, behind every wall the machine offers:
 * - Node's permission model: the process may read only the library's compiled code and
 *   node_modules (not solutions/, exercises/, submissions or the gradebook), write nothing, and
 *   start no child process, worker, addon or inspector;
 * - on Linux: new mount, network, PID and IPC namespaces (`unshare`): a private read-only view of
 *   the filesystem with only the system, Node, lib/dist and node_modules in it (the course root,
 *   submissions and gradebook are not there at all, whatever path or symbolic link is tried), no
 *   network, no other process to see or signal; as root also an unprivileged user (`setpriv`);
 * - rlimits (`prlimit`): address space, writable memory, CPU seconds, processes, no files, no
 *   core dumps; plus
 *   V8's heap cap, a resident-memory watchdog, wall-clock limits and an output cap enforced here.
 * The process only maps inputs to outputs (sandbox-child.ts); nothing it says is a verdict.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmdirSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Encoded } from "./transfer";

export interface SandboxLimits {
  /** Wall-clock limit of one call of the answer, and of the cell's top-level code, in ms. */
  readonly checkMs: number;
  /** Extra time Node gets to start before the cell's code runs, in ms. */
  readonly startupMs: number;
  /** V8 heap cap in MB; the resident set may reach this plus 256 MB before the process is killed. */
  readonly memoryMb: number;
  /** stdout + stderr bytes one process may print. */
  readonly outputBytes: number;
  /** Largest single message on the result channel, in bytes. */
  readonly resultBytes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  checkMs: 10_000,
  startupMs: 10_000,
  memoryMb: 512,
  outputBytes: 1 << 20,
  resultBytes: 32 << 20,
};

/**
 * How the process is isolated beyond the permission model: `strong` (root: namespaces, a private
 * filesystem view and an unprivileged uid), `userns` (no root: an unprivileged user namespace gives
 * the same namespaces and view), `none` (rlimits only: no network isolation, and Node's permission
 * model alone guards files, which symbolic links can get around; the grader refuses it unless told).
 */
export type IsolationLevel = "strong" | "userns" | "none";

export interface SandboxConfig {
  readonly node: string;
  /** The version of `node` (`v24.1.0`): the permission model's flag depends on it. */
  readonly nodeVersion: string;
  /** Writable memory `node` maps before running anything, in MB (about 50 for Node 20, 570 for 24). */
  readonly nodeBaseMb: number;
  readonly childScript: string;
  /** The library's compiled entry, lib/dist/index.js: what `import ... from "shoplm"` loads. */
  readonly library: string;
  /**
   * Where each name the library exports is defined (a file under lib/dist, relative), so that a
   * cell importing one name loads that file, not the whole library (0.5 s of each sandbox's start).
   */
  readonly libraryExports: Readonly<Record<string, string>>;
  readonly nodeModules: string;
  /** The only paths the permission model lets the process read. */
  readonly readPaths: readonly string[];
  /**
   * The only paths that exist at all in the process's private filesystem view (read-only binds at
   * the same place): system libraries, Node, the library's dist, node_modules. The course root,
   * solutions, notebooks, submissions and gradebook are simply not there.
   */
  readonly binds: readonly string[];
  /** An empty directory the view is mounted on (in the process's own mount namespace only). */
  readonly view: string | null;
  readonly limits: SandboxLimits;
  readonly isolation: IsolationLevel;
  /** The unprivileged user and group of `strong` isolation. */
  readonly uid: number;
  readonly gid: number;
  /** RLIMIT_CPU: kills a process that spins even if this parent is gone. */
  readonly cpuSeconds: number;
  readonly tools: SandboxTools;
}

export interface SandboxTools {
  readonly unshare: string | null;
  readonly prlimit: string | null;
  readonly setpriv: string | null;
  readonly chroot: string | null;
  readonly sh: string | null;
}

function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).concat(["/usr/bin", "/bin", "/usr/sbin", "/sbin"])) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export function findTools(): SandboxTools {
  return { unshare: which("unshare"), prlimit: which("prlimit"), setpriv: which("setpriv"), chroot: which("chroot"), sh: which("sh") };
}

/**
 * The permission model's flag for a Node version: `--experimental-permission` up to Node 22.12
 * and 23.4, `--permission` from 22.13 and 23.5 on (the experimental name was removed in Node 24:
 * "bad option"). Both names work in between; the stable one is preferred there.
 */
export function permissionFlag(version: string): "--permission" | "--experimental-permission" {
  const m = /^v?(\d+)\.(\d+)\./.exec(version);
  if (!m) throw new Error(`Expected a Node.js version such as v22.13.0, got "${version}".`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const stable = major >= 24 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  return stable ? "--permission" : "--experimental-permission";
}

const versions = new Map<string, string>();

/** The version of a Node binary: this process's own, or asked once of the binary. */
export function nodeVersionOf(node: string): string {
  if (node === realpathSync(process.execPath)) return process.version;
  let version = versions.get(node);
  if (version === undefined) {
    const result = spawnSync(node, ["--version"], { encoding: "utf8", timeout: 30_000 });
    version = result.stdout?.trim() ?? "";
    if (result.status !== 0 || !/^v\d+\.\d+\.\d+/.test(version)) {
      throw new Error(`${node} --version did not print a version (exit ${result.status}${result.error ? `, ${result.error.message}` : ""}).`);
    }
    versions.set(node, version);
  }
  return version;
}

const baselines = new Map<string, number>();

/**
 * The writable private memory (VmData) a Node binary maps before it runs any code, in MB, asked
 * once of the binary. Node 24 reserves about half a gigabyte that Node 20 does not; the sandbox's
 * writable-memory cap is counted on top of it. Outside Linux there is no /proc to ask: 0.
 */
export function nodeBaseMemoryMb(node: string): number {
  let mb = baselines.get(node);
  if (mb === undefined) {
    const script = "try{const s=require('fs').readFileSync('/proc/self/status','utf8');console.log((/VmData:\\s+(\\d+)/.exec(s)||[0,0])[1])}catch{console.log(0)}";
    const result = spawnSync(node, ["-e", script], { encoding: "utf8", timeout: 30_000 });
    const kb = Number(result.stdout?.trim());
    if (result.status !== 0 || !Number.isFinite(kb)) {
      throw new Error(`${node} could not report its own memory (exit ${result.status}${result.error ? `, ${result.error.message}` : ""}).`);
    }
    mb = Math.ceil(kb / 1024);
    baselines.set(node, mb);
  }
  return mb;
}

/** The isolation levels worth trying on this machine, strongest first. */
export function candidateIsolation(tools: SandboxTools = findTools()): IsolationLevel[] {
  const levels: IsolationLevel[] = [];
  if (process.platform === "linux" && tools.unshare && tools.chroot && tools.sh) {
    if (process.getuid?.() === 0 && tools.setpriv) levels.push("strong");
    levels.push("userns");
  }
  levels.push("none");
  return levels;
}

/** The compiled library folder (lib/dist), also when this module runs from lib/src under vitest. */
export function libraryDist(): string {
  const here = __dirname;
  const dist = path.basename(path.dirname(here)) === "src" ? path.resolve(here, "..", "..", "dist") : path.resolve(here, "..");
  if (!existsSync(path.join(dist, "grading", "sandbox-child.js"))) {
    throw new Error(`${path.join(dist, "grading", "sandbox-child.js")} is missing: run \`npm run build\` to compile the library.`);
  }
  return realpathSync(dist);
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Packages installed as links to elsewhere (npm workspaces, `file:` overrides): their real
 * folders, which the process must be able to read too. The course's own library is left out:
 * only its dist is needed, and the rest of the course root must stay out of reach.
 */
function linkedPackages(nodeModules: string, courseLib: string): string[] {
  const found: string[] = [];
  const visit = (dir: string, depth: number) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(".")) continue;
      const full = path.join(dir, name);
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(full);
        } catch {
          continue;
        }
        if (!isInside(target, nodeModules) && !isInside(target, courseLib) && statSync(target).isDirectory()) found.push(target);
      } else if (stat.isDirectory() && name.startsWith("@") && depth === 0) visit(full, 1);
    }
  };
  visit(nodeModules, 0);
  return [...new Set(found)].sort();
}

const exportMaps = new Map<string, Record<string, string>>();

/**
 * For each name of the library's entry (lib/dist/index.js), the compiled file that defines it:
 * the module, among those the entry loads, whose export is the very same value. A name found in
 * none maps to the entry itself. Computed once per process, by loading the library here.
 */
export function libraryExports(dist: string): Readonly<Record<string, string>> {
  let map = exportMaps.get(dist);
  if (map) return map;
  const entry = path.join(dist, "index.js");
  let library: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    library = require(entry) as Record<string, unknown>;
  } catch {
    // It does not load here: the sandbox then loads it whole, and a cell sees the same error as before.
    exportMaps.set(dist, {});
    return {};
  }
  const modules = Object.keys(require.cache)
    .filter((f) => isInside(f, dist) && path.basename(f) !== "index.js" && f.endsWith(".js"))
    .sort();
  map = {};
  for (const name of Object.keys(library)) {
    const file = modules.find((f) => {
      const exported = require.cache[f]?.exports as Record<string, unknown> | undefined;
      return exported !== undefined && Object.prototype.hasOwnProperty.call(exported, name) && exported[name] === library[name];
    });
    map[name] = path.relative(dist, file ?? entry);
  }
  exportMaps.set(dist, map);
  return map;
}

const SYSTEM_PATHS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"];

export function sandboxConfig(options: {
  root: string;
  limits?: Partial<SandboxLimits>;
  isolation: IsolationLevel;
  /** The empty directory for the filesystem view; made under the OS temp folder when not given. */
  view?: string;
  uid?: number;
  gid?: number;
  cpuSeconds?: number;
  tools?: SandboxTools;
  /** The Node binary the sandbox runs (default: this process's own). */
  node?: string;
}): SandboxConfig {
  const dist = libraryDist();
  const root = realpathSync(options.root);
  const nodeModules = realpathSync(path.join(root, "node_modules"));
  const linked = linkedPackages(nodeModules, path.join(root, "lib"));
  const node = realpathSync(options.node ?? process.execPath);
  const system = SYSTEM_PATHS.filter((p) => existsSync(p));
  // Node installed outside /usr (nvm, a tarball in /opt): its prefix goes into the view too.
  const nodePrefix = system.some((p) => isInside(node, p)) ? [] : [path.dirname(path.dirname(node))];
  const isolated = options.isolation !== "none";
  return {
    node,
    nodeVersion: nodeVersionOf(node),
    nodeBaseMb: nodeBaseMemoryMb(node),
    childScript: path.join(dist, "grading", "sandbox-child.js"),
    library: path.join(dist, "index.js"),
    libraryExports: libraryExports(dist),
    nodeModules,
    readPaths: [dist, nodeModules, ...linked],
    binds: [...system, ...nodePrefix, dist, nodeModules, ...linked],
    view: isolated ? (options.view ?? mkdtempSync(path.join(os.tmpdir(), "course-sandbox-view-"))) : null,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    isolation: options.isolation,
    uid: options.uid ?? 65534,
    gid: options.gid ?? 65534,
    cpuSeconds: options.cpuSeconds ?? 300,
    tools: options.tools ?? findTools(),
  };
}

/** Remove the (empty) view directory of a configuration made without an explicit `view`. */
export function disposeSandbox(config: SandboxConfig): void {
  if (config.view && existsSync(config.view)) rmdirSync(config.view);
}

/**
 * Runs inside the new mount namespace, as its root, before anything untrusted: mounts a tmpfs on
 * the view, binds each allowed path read-only at the same place (a symbolic link is copied as a
 * link), adds /proc of the new PID namespace and four devices, then chroots into the view.
 */
const VIEW_SCRIPT = `set -e
view="$1"; chroot_bin="$2"; shift 2
mount --make-rprivate /
mount -t tmpfs -o mode=755,size=16m course-sandbox "$view"
while [ "$1" != "--" ]; do
  src="$1"; shift
  if [ -L "$src" ]; then mkdir -p "$view$(dirname "$src")"; ln -s "$(readlink "$src")" "$view$src"; continue; fi
  if [ -d "$src" ]; then mkdir -p "$view$src"; else mkdir -p "$view$(dirname "$src")"; : > "$view$src"; fi
  mount --rbind "$src" "$view$src"
  mount -o remount,bind,ro "$view$src" 2>/dev/null || true
done
shift
mkdir -p "$view/proc" "$view/dev"
mount -t proc proc "$view/proc"
for d in null zero random urandom; do : > "$view/dev/$d"; mount --bind "/dev/$d" "$view/dev/$d"; done
cd "$view"
unset PWD OLDPWD
exec "$chroot_bin" "$view" "$@"`;

/** The command line that starts one sandboxed process. */
export function sandboxCommand(config: SandboxConfig): { command: string; args: string[] } {
  const { limits, tools } = config;
  const node = [
    config.node,
    permissionFlag(config.nodeVersion),
    ...config.readPaths.map((p) => `--allow-fs-read=${p}`),
    `--max-old-space-size=${limits.memoryMb}`,
    "--disable-warning=ExperimentalWarning",
    config.childScript,
  ];
  const addressSpace = (1536 + limits.memoryMb) * 1024 * 1024;
  // RLIMIT_DATA counts writable private memory as it is mapped: a typed-array bomb fails at the cap
  // however slowly a busy machine fills it, where the resident-memory watchdog races the time limit.
  const writable = (config.nodeBaseMb + limits.memoryMb + 256) * 1024 * 1024;
  const rlimits = [`--as=${addressSpace}`, `--data=${writable}`, "--core=0", "--fsize=0", `--cpu=${config.cpuSeconds}`, "--nofile=256"];
  const withLimits = (rest: string[], extra: string[] = []): string[] => (tools.prlimit ? [tools.prlimit, ...rlimits, ...extra, "--", ...rest] : rest);
  const namespaces = ["--mount", "--net", "--pid", "--ipc", "--fork", "--kill-child"];
  const inView = (rest: string[]): string[] => {
    if (!tools.sh || !tools.chroot || !config.view) throw new Error(`${config.isolation} isolation needs sh, chroot and a view directory.`);
    return [tools.sh, "-c", VIEW_SCRIPT, "sh", config.view, tools.chroot, ...config.binds, "--", ...rest];
  };
  // Dies with the grader, even by kill -9: the kernel sends SIGKILL to the first process when the
  // grader is gone (PR_SET_PDEATHSIG, kept across exec); unshare's --kill-child passes it on to
  // the namespace's first process, whose death ends every process in the PID namespace.
  const withParentDeath = (rest: string[]): string[] => (tools.setpriv ? [tools.setpriv, "--pdeathsig", "KILL", "--", ...rest] : rest);
  let argv: string[];
  switch (config.isolation) {
    case "strong": {
      if (!tools.unshare || !tools.setpriv) throw new Error("strong isolation needs unshare and setpriv (util-linux).");
      const drop = [tools.setpriv, `--reuid=${config.uid}`, `--regid=${config.gid}`, "--clear-groups", "--no-new-privs", "--", ...node];
      // RLIMIT_NPROC counts the unprivileged user's processes: a fork bomb stops there.
      argv = [tools.unshare, ...namespaces, "--", ...inView(withLimits(drop, ["--nproc=512"]))];
      break;
    }
    case "userns":
      if (!tools.unshare) throw new Error("userns isolation needs unshare (util-linux).");
      argv = [tools.unshare, "--user", "--map-root-user", ...namespaces, "--", ...inView(withLimits(node))];
      break;
    case "none":
      argv = withLimits(node);
      break;
  }
  argv = withParentDeath(argv);
  return { command: argv[0], args: argv.slice(1) };
}

/**
 * End the sandboxes a grader stopped by kill -9 left running on this view (where the parent-death
 * signal is not available): every process whose command line names the view, with its group.
 * Returns how many were found. Linux only; elsewhere there is nothing to find.
 */
export function killLeftoverSandboxes(view: string): number {
  let names: string[];
  try {
    names = readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return 0;
  }
  let found = 0;
  for (const name of names) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // gone, or not ours to read
    }
    if (!args.includes(view)) continue;
    found++;
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  return found;
}

/** What a call of the answer came to, as the child reported it or as this side observed it. */
export type CallResult =
  | { readonly kind: "returned"; readonly async: boolean; readonly value: Encoded; readonly argsAfter?: Encoded }
  | { readonly kind: "threw"; readonly async: boolean; readonly message: string; readonly argsAfter?: Encoded }
  | { readonly kind: "unserializable"; readonly message: string }
  | ProcessFailure;

/** The process is gone (or was killed): the reason, in terms a student understands. */
export interface ProcessFailure {
  /** `sandbox`: it failed before any of the student's code ran (start-up, mounts): the grader's fault. */
  readonly kind: "timeout" | "memory" | "crash" | "output" | "protocol" | "sandbox";
  readonly message: string;
}

export type LoadResult = { readonly ok: true } | { readonly ok: false; readonly kind: "refused"; readonly message: string } | ({ readonly ok: false } & ProcessFailure);

export interface LoadSpec {
  /** The cell, already transpiled to CommonJS JavaScript. */
  readonly code: string;
  readonly answerName: string;
  /** The name stack traces show, e.g. "exercise-0.1.ts". */
  readonly file: string;
  readonly seed: number;
  /** Library names the cell may not use: the exercise's own answer (`libraryCounterparts`). */
  readonly withheld?: readonly string[];
}

interface Waiter {
  readonly expect: "loaded" | number;
  readonly resolve: (message: Record<string, unknown> | ProcessFailure) => void;
  readonly timer: NodeJS.Timeout;
}

const KEEP = 4096;

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${Math.round(n / (1 << 20))} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} bytes`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** One running sandbox process with one exercise's cell loaded. */
export class SandboxProcess {
  private readonly child: ChildProcess;
  private readonly nonce = randomBytes(16).toString("hex");
  private waiter: Waiter | null = null;
  private failure: ProcessFailure | null = null;
  private printed = 0;
  private resultBuffer = "";
  private uncaught: string | null = null;
  private nodePid: number | null = null;
  /** The child said it is about to run the student's code: failures from here on are the student's. */
  private ready = false;
  private readonly watchdog: NodeJS.Timeout;
  private nextId = 0;
  /** Settles when the process is gone and everything it printed has been read. */
  readonly finished: Promise<void>;
  /** The first bytes the cell printed and the last of stderr, for the instructor's records. */
  stdoutHead = "";
  stderrTail = "";

  private constructor(private readonly config: SandboxConfig) {
    const { command, args } = sandboxCommand(config);
    this.child = spawn(command, args, {
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      detached: true,
      cwd: "/",
      env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin", LANG: "C.UTF-8", TZ: "UTC", COURSE_BACKEND: "cpu", HOME: "/nonexistent" },
    });
    const streams = [this.child.stdin, this.child.stdout, this.child.stderr, this.child.stdio[3]];
    for (const stream of streams) stream?.on("error", () => undefined);
    this.child.on("error", (error) => this.fail({ kind: "crash", message: `the sandbox could not start: ${error.message}` }));
    this.child.stdout?.on("data", (chunk: Buffer) => {
      if (this.stdoutHead.length < KEEP) this.stdoutHead += chunk.toString("utf8", 0, Math.min(chunk.length, KEEP - this.stdoutHead.length));
      this.countOutput(chunk.length);
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-KEEP);
      this.countOutput(chunk.length);
    });
    (this.child.stdio[3] as NodeJS.ReadableStream | null)?.on("data", (chunk: Buffer) => this.onResultData(chunk));
    // "close" comes after the exit and after the last byte of every pipe: reasons and records are complete.
    let exited: () => void = () => undefined;
    this.finished = new Promise<void>((resolve) => (exited = resolve));
    this.child.on("close", (code, signal) => {
      this.onExit(code, signal);
      exited();
    });
    // A pipe held open by something else must not keep a grader waiting for ever.
    this.child.on("exit", () => setTimeout(exited, 2000).unref());
    this.watchdog = setInterval(() => this.checkMemory(), 100);
  }

  /** Start a process and load the cell into it. */
  static async start(config: SandboxConfig, spec: LoadSpec, timeoutMs: number): Promise<{ process: SandboxProcess; load: LoadResult }> {
    const sandbox = new SandboxProcess(config);
    const request = {
      t: "load",
      nonce: sandbox.nonce,
      code: spec.code,
      answerName: spec.answerName,
      file: spec.file,
      seed: spec.seed,
      library: config.library,
      exports: config.libraryExports,
      withheld: spec.withheld ?? [],
      nodeModules: config.nodeModules,
    };
    const reply = await sandbox.request("loaded", request, timeoutMs, "the cell's code (with Node's start-up)");
    if ("kind" in reply && !("t" in reply)) return { process: sandbox, load: { ok: false, ...(reply as ProcessFailure) } };
    const message = reply as Record<string, unknown>;
    if (message.ok === true) return { process: sandbox, load: { ok: true } };
    sandbox.kill();
    return { process: sandbox, load: { ok: false, kind: "refused", message: typeof message.message === "string" ? message.message.slice(0, 2000) : "the cell could not be loaded" } };
  }

  /** Whether the child got as far as running the student's code. */
  get started(): boolean {
    return this.ready;
  }

  get dead(): ProcessFailure | null {
    return this.failure;
  }

  /** Call the answer on `args` (encoded text); `wantArgs` also returns the arguments after the call. */
  async call(args: string, wantArgs: boolean, timeoutMs: number): Promise<CallResult> {
    if (this.failure) return this.failure;
    const id = this.nextId++;
    const reply = await this.request(id, { t: "call", id, args, wantArgs }, timeoutMs, "the answer");
    if (!("t" in reply)) return reply as ProcessFailure;
    return parseResult(reply as Record<string, unknown>, wantArgs) ?? this.protocolError("sent a malformed result");
  }

  kill(): void {
    clearInterval(this.watchdog);
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      this.child.kill("SIGKILL");
    }
    this.child.stdin?.destroy();
  }

  /** Let the process finish: close its input (it exits at end of input), kill it if it lingers. */
  close(): Promise<void> {
    this.child.stdin?.end();
    const timer = setTimeout(() => this.kill(), 500);
    timer.unref();
    return this.finished.then(() => {
      clearTimeout(timer);
      clearInterval(this.watchdog);
    });
  }

  private request(expect: "loaded" | number, message: unknown, timeoutMs: number, what: string): Promise<Record<string, unknown> | ProcessFailure> {
    if (this.failure) return Promise.resolve(this.failure);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // A watchdog tick a busy event loop delayed: memory over the cap is the reason, not time.
        this.checkMemory();
        this.fail({ kind: "timeout", message: `${what} took longer than the ${formatMs(timeoutMs)} limit` });
      }, timeoutMs);
      this.waiter = { expect, resolve, timer };
      this.child.stdin?.write(`${JSON.stringify(message)}\n`);
    });
  }

  private settle(message: Record<string, unknown> | ProcessFailure): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = null;
    clearTimeout(waiter.timer);
    waiter.resolve(message);
  }

  private fail(failure: ProcessFailure): void {
    // A timeout stays a timeout: the caller knows whether the student's budget had cut the limit.
    if (!this.failure) this.failure = this.ready || failure.kind === "timeout" ? failure : this.notStarted(failure.message);
    this.kill();
    this.settle(this.failure);
  }

  private protocolError(what: string): ProcessFailure {
    const failure: ProcessFailure = { kind: "protocol", message: `the process ${what} on the result channel` };
    this.fail(failure);
    return failure;
  }

  private countOutput(bytes: number): void {
    this.printed += bytes;
    if (this.printed > this.config.limits.outputBytes) {
      this.fail({ kind: "output", message: `printed more than the ${formatBytes(this.config.limits.outputBytes)} output limit` });
    }
  }

  private onResultData(chunk: Buffer): void {
    this.resultBuffer += chunk.toString("utf8");
    for (;;) {
      const newline = this.resultBuffer.indexOf("\n");
      if (newline < 0) break;
      const line = this.resultBuffer.slice(0, newline);
      this.resultBuffer = this.resultBuffer.slice(newline + 1);
      this.onMessage(line);
      if (this.failure) return;
    }
    if (this.resultBuffer.length > this.config.limits.resultBytes) {
      this.fail({ kind: "output", message: `returned more than the ${formatBytes(this.config.limits.resultBytes)} result limit` });
    }
  }

  private onMessage(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.protocolError("wrote something that is not a message");
      return;
    }
    // Only the process this side started knows the nonce: a stray write is not a result.
    if (message === null || typeof message !== "object" || message.n !== this.nonce) {
      this.protocolError("wrote a message without this run's nonce");
      return;
    }
    if (message.t === "ready") {
      this.ready = true;
      return;
    }
    if (message.t === "uncaught") {
      this.uncaught = typeof message.message === "string" ? message.message.slice(0, 500) : "an uncaught exception";
      return;
    }
    const waiter = this.waiter;
    if (!waiter) return;
    if ((waiter.expect === "loaded" && message.t === "loaded") || (message.t === "result" && message.id === waiter.expect)) this.settle(message);
  }

  /** A failure before the child ran any student code: the sandbox itself did not start. */
  private notStarted(what: string): ProcessFailure {
    const last = this.stderrTail.trim().split("\n").slice(-1)[0]?.slice(0, 300);
    return { kind: "sandbox", message: `the sandbox did not start: ${what}${last ? ` (stderr: ${last})` : ""}` };
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    clearInterval(this.watchdog);
    if (this.failure) return;
    if (!this.ready) {
      this.failure = this.notStarted(signal ? `killed by ${signal}` : `exited with code ${code}`);
      this.settle(this.failure);
      return;
    }
    const heap = /heap out of memory|allocation failed - javascript heap/i.test(this.stderrTail);
    let failure: ProcessFailure;
    // V8 names its own limit ("Reached heap limit", "near heap limit"); any other heap failure is
    // the kernel's writable-memory cap refusing V8 more pages.
    const atHeapLimit = /heap limit/i.test(this.stderrTail);
    const cap = atHeapLimit ? `the ${this.config.limits.memoryMb} MB heap limit` : `the ${this.config.limits.memoryMb + 256} MB cap on memory beyond Node's own`;
    if (heap) failure = { kind: "memory", message: `ran out of memory (${cap})` };
    else if (this.uncaught) failure = { kind: "crash", message: `the process stopped on an uncaught exception: ${this.uncaught}` };
    else if (code === 152 || signal === "SIGXCPU") failure = { kind: "timeout", message: `used more than the ${this.config.cpuSeconds} s CPU limit` };
    else {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const last = this.stderrTail.trim().split("\n").slice(-1)[0]?.slice(0, 200);
      failure = { kind: "crash", message: `the process ${how} before answering${last ? ` (stderr: ${last})` : ""}` };
    }
    this.failure = failure;
    this.settle(failure);
  }

  private checkMemory(): void {
    const pid = this.child.pid;
    if (pid === undefined || this.failure) return;
    try {
      if (this.nodePid === null) {
        // Behind `unshare --fork` node is the wrapper's child; otherwise the wrappers exec'd into it.
        if (this.config.isolation === "none") this.nodePid = pid;
        else {
          const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
          if (children.length === 0) return;
          this.nodePid = Number(children[0]);
        }
      }
      const status = readFileSync(`/proc/${this.nodePid}/status`, "utf8");
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      const cap = (this.config.limits.memoryMb + 256) * 1024 * 1024;
      if (rss > cap) this.fail({ kind: "memory", message: `used more than ${this.config.limits.memoryMb + 256} MB of memory` });
    } catch {
      // /proc is not there (not Linux) or the process is already gone: the other limits still hold.
    }
  }
}

function isEncoded(value: unknown): value is Encoded {
  return value === null || ["string", "number", "boolean"].includes(typeof value) || Array.isArray(value);
}

function parseResult(message: Record<string, unknown>, wantArgs: boolean): CallResult | null {
  const isAsync = message.async === true;
  const argsAfter = message.argsAfter;
  if (wantArgs && message.kind !== "unserializable" && !isEncoded(argsAfter)) return null;
  const after = wantArgs ? { argsAfter: argsAfter as Encoded } : {};
  switch (message.kind) {
    case "returned":
      if (!isEncoded(message.value)) return null;
      return { kind: "returned", async: isAsync, value: message.value, ...after };
    case "threw":
      if (typeof message.message !== "string") return null;
      return { kind: "threw", async: isAsync, message: message.message.slice(0, 2000), ...after };
    case "unserializable":
      if (typeof message.message !== "string") return null;
      return { kind: "unserializable", message: message.message.slice(0, 500) };
    default:
      return null;
  }
}
