/**
 * The entry of an HNSW search thread (see `hnsw-pool.ts`): loads its own copy of a saved index and
 * answers search requests, one at a time, with packed results.
 */
import { parentPort, workerData } from "node:worker_threads";
import { HnswIndex } from "./hnsw-index";
import { packHits } from "./vector-search";
import type { ThreadMessage } from "../core/threads";
import type { HnswPoolHits, HnswPoolRequest, HnswWorkerSetup } from "./hnsw-pool";

function run(setup: HnswWorkerSetup, port: NonNullable<typeof parentPort>): void {
  const send = (m: ThreadMessage | HnswPoolHits, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  let index: HnswIndex;
  try {
    index = HnswIndex.load(setup.dir, { ...setup.expected, efSearch: setup.efSearch });
  } catch (error) {
    send({ type: "error", id: -1, message: (error as Error).message });
    return;
  }
  send({ type: "ready" });
  port.on("message", (m: HnswPoolRequest) => {
    try {
      if (m.type === "ef") {
        index.efSearch = m.efSearch;
        return;
      }
      // hnswlib may return fewer than k: the packed counts say how many.
      const { packed, transfer } = packHits(index.searchBatch(m.queries, m.k), Math.min(m.k, index.size));
      send({ type: "hits", id: m.id, ...packed }, transfer);
    } catch (error) {
      send({ type: "error", id: m.type === "search" ? m.id : -1, message: (error as Error).message });
    }
  });
}

if (parentPort) run(workerData as HnswWorkerSetup, parentPort);
