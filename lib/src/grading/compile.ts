/**
 * A solution cell from TypeScript to CommonJS. The compiler's cost is not linear in its input
 * (a 256 KB chain of "1 + 1 + ..." took about ten minutes), so the grader never runs it in its
 * own event loop: `transpileBounded` sends the cell to a worker thread with a time and memory
 * limit, and a worker that runs over is terminated and replaced.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { libraryDist } from "./sandbox";

export type Transpiled = { code: string } | { error: string };

/** The largest solution cell the grader compiles (a real answer is a few KB). */
export const MAX_CELL_BYTES = 256 << 10;

/** TypeScript to CommonJS, syntax errors reported (types are not checked: tslab already showed them). */
export function transpileCell(source: string, file: string): Transpiled {
  const bytes = Buffer.byteLength(source, "utf8");
  if (bytes > MAX_CELL_BYTES) {
    return { error: `the cell is ${Math.ceil(bytes / 1024)} KB, more than the ${MAX_CELL_BYTES >> 10} KB a graded cell may have` };
  }
  // Loaded on first use: a notebook importing the library should not pay for the compiler.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require("typescript") as typeof import("typescript");
  let out: import("typescript").TranspileOutput;
  try {
    out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
      fileName: file,
      reportDiagnostics: true,
    });
  } catch (error) {
    // The compiler recurses: code nested thousands deep overflows its stack.
    const why = error instanceof RangeError ? "it is nested too deeply" : `the compiler stopped (${error instanceof Error ? error.name : "error"})`;
    return { error: `the cell does not compile: ${file}: ${why}` };
  }
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const d = errors[0];
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
    const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
    return { error: `the cell does not compile: ${file}${where ? `(${where.line + 1},${where.character + 1})` : ""}: ${text}` };
  }
  return { code: out.outputText };
}

const WORKER_HEAP_MB = 512;

/** Idle compiler workers, kept for the next cell (loading the compiler costs about 0.3 s). */
const idle: Worker[] = [];

function newWorker(): Worker {
  const worker = new Worker(path.join(libraryDist(), "grading", "compile-worker.js"), {
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  worker.unref();
  return worker;
}

/**
 * `transpileCell` in a worker thread, within `timeoutMs`: the cell's own error when it runs over
 * or fills the worker's heap. The grader's event loop stays free the whole time.
 */
export function transpileBounded(source: string, file: string, timeoutMs: number): Promise<Transpiled> {
  const bytes = Buffer.byteLength(source, "utf8");
  if (bytes > MAX_CELL_BYTES) return Promise.resolve(transpileCell(source, file));
  let worker = idle.pop();
  while (worker && worker.threadId < 0) worker = idle.pop(); // exited while idle
  worker ??= newWorker();
  const active = worker;
  return new Promise<Transpiled>((resolve) => {
    let settled = false;
    const finish = (result: Transpiled, keep: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      active.off("message", onMessage);
      active.off("error", onError);
      active.off("exit", onExit);
      if (keep) {
        active.unref();
        idle.push(active);
      } else void active.terminate();
      resolve(result);
    };
    const onMessage = (message: Transpiled) => finish(message, true);
    const onError = (error: Error) => {
      const memory = (error as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY";
      finish({ error: `the cell does not compile: ${file}: ${memory ? `the compiler needed more than ${WORKER_HEAP_MB} MB for it` : "the compiler failed on it"}` }, false);
    };
    const onExit = () => finish({ error: `the cell does not compile: ${file}: the compiler stopped` }, false);
    const timer = setTimeout(() => finish({ error: `the cell does not compile: ${file}: compiling it took longer than ${Math.round(timeoutMs / 100) / 10} s` }, false), timeoutMs);
    active.on("message", onMessage);
    active.once("error", onError);
    active.once("exit", onExit);
    active.ref();
    active.postMessage({ source, file });
  });
}
