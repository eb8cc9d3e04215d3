/**
 * The entry of an exact-search thread (see `exact-pool.ts`): holds one share of the vectors in its
 * own `ExactIndex` (ONNX Runtime, one thread) and answers top-k requests with packed results.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ThreadMessage } from "../core/threads";
import type { ExactPoolHits, ExactPoolRequest, ExactWorkerSetup } from "./exact-pool";
import { ExactIndex, packHits } from "./vector-search";

function run(setup: ExactWorkerSetup, port: NonNullable<typeof parentPort>): void {
  const send = (m: ThreadMessage | ExactPoolHits, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  let index: ExactIndex;
  try {
    // "ip": the rows (and later the queries) arrive normalised already under cosine.
    index = new ExactIndex({ dimension: setup.dimension, modelId: setup.modelId, metric: "ip", kernel: "onnx", threads: 1 });
    index.add(setup.vectors, setup.ids);
  } catch (error) {
    send({ type: "error", id: -1, message: (error as Error).message });
    return;
  }
  send({ type: "ready" });
  port.on("message", (m: ExactPoolRequest) => {
    index.searchBatchAsync(m.queries, m.k).then(
      (hits) => {
        const { packed, transfer } = packHits(hits, Math.min(m.k, index.size));
        send({ type: "hits", id: m.id, ...packed }, transfer);
      },
      (error: Error) => send({ type: "error", id: m.id, message: error.message })
    );
  });
}

if (parentPort) run(workerData as ExactWorkerSetup, parentPort);
