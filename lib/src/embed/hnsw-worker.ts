/**
 * The entry of an HNSW search thread (see `hnsw-pool.ts`): loads its own copy of a saved index and
 * answers search requests, one at a time, with packed results.
 */
import { parentPort, workerData } from "node:worker_threads";
import { HnswIndex } from "./hnsw-index";
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
      const hits = index.searchBatch(m.queries, m.k);
      const k = Math.min(m.k, index.size);
      // Packed: k slots per query, a hit count per query (hnswlib may return fewer than k).
      const ids = new Float64Array(hits.length * k);
      const scores = new Float64Array(hits.length * k);
      const counts = new Uint32Array(hits.length);
      hits.forEach((h, r) => {
        counts[r] = h.ids.length;
        ids.set(h.ids, r * k);
        scores.set(h.scores, r * k);
      });
      send({ type: "hits", id: m.id, k, ids, scores, counts }, [ids.buffer, scores.buffer, counts.buffer]);
    } catch (error) {
      send({ type: "error", id: m.type === "search" ? m.id : -1, message: (error as Error).message });
    }
  });
}

if (parentPort) run(workerData as HnswWorkerSetup, parentPort);
