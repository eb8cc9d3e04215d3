/**
 * The compiler's worker thread (started by compile.ts, never imported): one cell per message,
 * answered with `transpileCell`'s result. It holds no secret: only the student's cell comes in.
 */
import { parentPort } from "node:worker_threads";
import { transpileCell } from "./compile";

// The compiler loads now, before the first cell's time limit starts counting in earnest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("typescript");

parentPort?.on("message", (request: { source: string; file: string }) => {
  parentPort?.postMessage(transpileCell(request.source, request.file));
});
