/**
 * The process a submission runs in (started by sandbox.ts, never imported). It is an oracle: it
 * loads one exercise's cell, then for each request calls the answer on the given inputs and sends
 * back what it returned or threw, and the arguments as the answer left them. It never sees an
 * expected value, a reference solution or a check; the trusted parent judges every output.
 *
 * Protocol: JSON lines. stdin carries `load` (with the run's nonce) then `call`s; fd 3 carries
 * `loaded` and `result` messages, each stamped with the nonce. stdout/stderr are the student's.
 */
import { writeSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { runInThisContext } from "node:vm";
import { preview } from "./compare";
import { decodeText, encodeValue, TransferError, type Encoded } from "./transfer";

interface LoadRequest {
  t: "load";
  nonce: string;
  code: string;
  answerName: string;
  file: string;
  seed: number;
  /** The library's entry (lib/dist/index.js) and the project's node_modules, for `import`. */
  library: string;
  /** Which file under the library's folder defines each of its names (sandbox.ts, libraryExports). */
  exports: Record<string, string>;
  /** Names the cell may not use: the library's own answer to the exercise. */
  withheld: string[];
  nodeModules: string;
}

interface CallRequest {
  t: "call";
  id: number;
  args: string;
  wantArgs: boolean;
}

const RESULT_FD = 3;
// Taken before any student code runs, so a cell that replaces them cannot silence the channel.
const stringify = JSON.stringify;
const write = writeSync;
let nonce = "";

function send(message: Record<string, unknown>): void {
  const line = `${stringify({ n: nonce, ...message })}\n`;
  let offset = 0;
  const bytes = Buffer.from(line);
  while (offset < bytes.length) offset += write(RESULT_FD, bytes, offset);
}

function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return `a non-Error value was thrown: ${preview(error)}`;
  } catch {
    return "a value was thrown that cannot be described";
  }
}

/** A small seeded generator (mulberry32): Math.random gives the same numbers on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as { then?: unknown }).then === "function";
}

/**
 * The library as a cell sees it: every name it exports, each loaded from its own file on first
 * use (`import { Rng } from "shoplm"` loads only the random-number module, not TensorFlow.js).
 * Plain writable properties once read, as a copy of the library's exports would have.
 */
function libraryFacade(request: LoadRequest): Record<string, unknown> {
  const dist = path.dirname(request.library);
  const facade: Record<string, unknown> = {};
  const settle = (name: string, value: unknown) => Object.defineProperty(facade, name, { value, enumerable: true, configurable: true, writable: true });
  for (const [name, file] of Object.entries(request.exports)) {
    Object.defineProperty(facade, name, {
      enumerable: true,
      configurable: true,
      get: () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const value = (require(path.join(dist, file)) as Record<string, unknown>)[name];
        settle(name, value);
        return value;
      },
      set: (value: unknown) => settle(name, value),
    });
  }
  // A cell that also calls check() would fail to load (check reads files the sandbox hides).
  settle("check", async () => ({ note: "check() is not run at grading time" }));
  return withhold(facade, request.withheld);
}

/** The library's own answer to the exercise: present (imports still compile) but refusing to run. */
function withhold(library: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  for (const name of names) {
    const refuse = () => {
      throw new Error(`${name} is the library's own answer to this exercise, so graded code cannot call it: write the computation yourself`);
    };
    Object.defineProperty(library, name, { value: refuse, enumerable: true, configurable: false, writable: false });
  }
  return library;
}

/** What `import` resolves to inside a graded cell: the library and installed packages, never files. */
function studentRequire(request: LoadRequest): (specifier: string) => unknown {
  const fromProject = createRequire(path.join(request.nodeModules, "..", "package.json"));
  let library: Record<string, unknown> | null = null;
  return (specifier: string) => {
    if (specifier === "shoplm") {
      if (Object.keys(request.exports).length === 0) {
        // No map (the grader could not load the library): the whole library, as a copy.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        library ??= withhold({ ...(require(request.library) as Record<string, unknown>), check: async () => ({ note: "check() is not run at grading time" }) }, request.withheld);
      }
      return (library ??= libraryFacade(request));
    }
    // The library's files one by one would reach what the cell's view of it leaves out.
    if (specifier.startsWith("shoplm/")) throw new Error(`a graded cell may import "shoplm" itself, not its files ("${specifier}")`);
    if (specifier.startsWith("node:") || builtinModules.includes(specifier)) return fromProject(specifier);
    if (specifier.startsWith(".") || path.isAbsolute(specifier) || specifier.startsWith("file:")) {
      throw new Error(`a graded cell cannot import files ("${specifier}"); it may import "shoplm" and installed packages`);
    }
    return fromProject(specifier);
  };
}

async function load(request: LoadRequest): Promise<unknown> {
  Math.random = seededRandom(request.seed);
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = `(async function (exports, require, module, __filename, __dirname) {${request.code}\n;return typeof ${request.answerName} === "undefined" ? undefined : ${request.answerName};\n})`;
  const fn = runInThisContext(wrapper, { filename: request.file }) as (...args: unknown[]) => Promise<unknown>;
  return fn(module.exports, studentRequire(request), module, request.file, "/");
}

async function call(answer: (...args: unknown[]) => unknown, request: CallRequest): Promise<void> {
  const args = decodeText(request.args) as unknown[];
  let isAsync = false;
  let outcome: Record<string, unknown>;
  try {
    let value = answer(...args);
    if (isThenable(value)) {
      isAsync = true;
      value = await value;
    }
    outcome = { kind: "returned", value: encodeValue(value) };
  } catch (error) {
    outcome = error instanceof TransferError ? { kind: "unserializable", message: error.message } : { kind: "threw", message: describeThrown(error) };
  }
  let argsAfter: Encoded | undefined;
  if (request.wantArgs) {
    try {
      argsAfter = encodeValue(args);
    } catch (error) {
      outcome = { kind: "unserializable", message: `the arguments could not be read back after the call: ${describeThrown(error)}` };
    }
  }
  send({ t: "result", id: request.id, async: isAsync, ...outcome, ...(argsAfter === undefined ? {} : { argsAfter }) });
}

async function main(): Promise<void> {
  // Requests come one at a time: the parent sends the next only after the previous answer.
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await input.next();
  if (first.done) process.exit(0);
  const request = JSON.parse(first.value as string) as LoadRequest;
  nonce = request.nonce;
  // From here on a failure is the student's; before it, the sandbox's own (the parent tells them apart).
  send({ t: "ready" });
  // Input ends when the grader is gone: end too, even when the answer waits on a promise for ever.
  // (Also killed by the parent-death signal; this is for systems without it.)
  const quit = () => process.exit(0);
  process.stdin.once("end", quit);
  process.stdin.once("close", quit);
  process.on("uncaughtException", (error) => {
    try {
      send({ t: "uncaught", message: describeThrown(error) });
    } finally {
      process.exit(70);
    }
  });
  let answer: unknown;
  try {
    answer = await load(request);
  } catch (error) {
    const what = error instanceof Error ? describeThrown(error) : `a non-Error value: ${describeThrown(error).replace(/^a non-Error value was thrown: /, "")}`;
    send({ t: "loaded", ok: false, message: `the cell's code threw ${what}` });
    process.exit(0);
  }
  if (typeof answer !== "function") {
    const message =
      answer === undefined
        ? `the cell does not define ${request.answerName} (only the exercise's solution cell is graded)`
        : `expected a function, got ${preview(answer)}`;
    send({ t: "loaded", ok: false, message });
    process.exit(0);
  }
  send({ t: "loaded", ok: true });
  for (;;) {
    const next = await input.next();
    if (next.done) break;
    await call(answer as (...args: unknown[]) => unknown, JSON.parse(next.value as string) as CallRequest);
  }
  process.exit(0);
}

void main();
