/**
 * The entry of a gradient worker thread (see `worker-pool.ts`): brings up its own tfjs backend,
 * builds a replica of the task, then answers the pool's requests one at a time, in order.
 */
import * as tf from "@tensorflow/tfjs";
import { parentPort, workerData } from "node:worker_threads";
import { initBackend } from "../core/backend";
import { Rng } from "../core/random";
import { shardDropout } from "../model/dropout";
import type { Parameters } from "../model/parameters";
import { AdamW } from "./adamw";
import { clipScale, readSumOfSquares } from "./clip";
import type { TrainingTask } from "./trainer";
import { gradientTensors, segmentOf, type FromWorker, type ToWorker, type WorkerSetup } from "./worker-pool";

type Factory = (config: unknown) => TrainingTask<unknown> | Promise<TrainingTask<unknown>>;

async function start(setup: WorkerSetup, port: NonNullable<typeof parentPort>): Promise<void> {
  const send = (m: FromWorker) => port.postMessage(m);
  let step = 0;
  let queue: Promise<void> = Promise.resolve();
  const fail = (error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    send({ type: "error", step, message: e.message, stack: e.stack });
  };
  let handle: (m: ToWorker<unknown>) => Promise<void> = async () => undefined;
  // Requests run one after the other (each may await a read).
  port.on("message", (m: ToWorker<unknown>) => {
    queue = queue.then(() => handle(m)).catch(fail);
  });
  try {
    await initBackend({ forced: setup.backend });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const factory = (require(setup.task.module) as Record<string, unknown>)[setup.task.exportName];
    if (typeof factory !== "function") throw new Error(`${setup.task.module} has no function "${setup.task.exportName}" to build the worker's task.`);
    const task = await (factory as Factory)(setup.task.config);
    const sets: Parameters[] = Array.isArray(task.params) ? [...(task.params as readonly Parameters[])] : [task.params as Parameters];
    for (const set of sets) set.load(setup.weights, { allowExtra: true, source: "the main thread's weights" });
    const decayed = new Set(setup.decayed);
    const scales = setup.scales ? new Map(setup.scales) : null;
    const optimizer = new AdamW(sets, { ...setup.optimizer, decays: (n) => decayed.has(n), learningRateScale: scales ? (n) => scales.get(n) ?? 1 : undefined });
    optimizer.loadState(setup.optimizerState);
    const variables = sets.flatMap((s) => s.variables());
    const nameOf = new Map<string, string>();
    for (const set of sets) for (const [name, v] of set.entries()) nameOf.set(v.name, name);
    const slots = Array.from({ length: setup.count }, (_, i) => new Float32Array(setup.grads, 4 * setup.total * i, setup.total));
    const mine = slots[setup.index];
    const sum = new Float32Array(setup.sum);
    const fence = new Int32Array(setup.fence);
    const byName = new Map(setup.layout.map((s) => [s.name, s]));
    const gradients = (names: readonly string[]) => gradientTensors(sum, byName, names);
    const readWeights = async (): Promise<Map<string, Float32Array>> => {
      const weights = new Map<string, Float32Array>();
      for (const set of sets) for (const [name, v] of set.entries()) weights.set(name, (await v.data()) as Float32Array);
      return weights;
    };

    handle = async (m) => {
      if (m.type === "grads") {
        step = m.step;
        const shard = m.shard;
        if (!shard) {
          mine.fill(0);
          Atomics.add(fence, 0, 1);
          send({ type: "grads", step, loss: 0, rng: null, names: [] });
          return;
        }
        const rng = shardDropout(Rng.fromState(m.rng), { start: shard.start, rows: shard.rows });
        const { value, grads } = tf.variableGrads(() => {
          const loss = task.loss(shard.batch, rng);
          return shard.weight === 1 ? loss : loss.mul(shard.weight);
        }, variables);
        try {
          const named = new Map(Object.entries(grads).map(([tfName, g]) => [nameOf.get(tfName) as string, g]));
          const reads = setup.layout.map((s) => named.get(s.name)?.data());
          const [loss] = await value.data();
          const values = await Promise.all(reads);
          setup.layout.forEach((s, i) => {
            const v = values[i];
            if (v) mine.set(v as Float32Array, s.offset);
            else mine.fill(0, s.offset, s.offset + s.size);
          });
          Atomics.add(fence, 0, 1);
          send({ type: "grads", step, loss, rng: rng.state(), names: [...named.keys()] });
        } finally {
          value.dispose();
          tf.dispose(Object.values(grads));
        }
      } else if (m.type === "reduce") {
        Atomics.load(fence, 0);
        const [lo, hi] = segmentOf(setup.index, setup.count, setup.total);
        sum.set(slots[0].subarray(lo, hi), lo);
        // Worker order, one float32 rounding per addition: every worker's sum has the same bits.
        for (let k = 1; k < setup.count; k++) {
          const s = slots[k];
          for (let j = lo; j < hi; j++) sum[j] += s[j];
        }
        Atomics.add(fence, 0, 1);
        send({ type: "reduced", step });
      } else if (m.type === "apply") {
        Atomics.load(fence, 0);
        const grads = gradients(m.names);
        try {
          optimizer.apply(grads, m.lr, m.scale);
        } finally {
          tf.dispose([...grads.values()]);
        }
      } else if (m.type === "update") {
        // The main thread's clip and update, here (see WorkerPool.step): the same ops on the same sum.
        Atomics.load(fence, 0);
        const grads = gradients(m.names);
        try {
          const gradNorm = Math.sqrt(await readSumOfSquares([...grads.values()]));
          const applied = Number.isFinite(m.loss) && Number.isFinite(gradNorm);
          const scale = applied ? clipScale(gradNorm, m.clipNorm) : 1;
          if (applied) optimizer.apply(grads, m.lr, scale);
          send({ type: "updated", step: m.step, gradNorm, scale, applied });
        } finally {
          tf.dispose([...grads.values()]);
        }
      } else if (m.type === "state") {
        if (!m.full) {
          send({ type: "state", weights: null, optimizer: null });
          return;
        }
        send({ type: "state", weights: await readWeights(), optimizer: await optimizer.stateAsync() });
      } else if (m.type === "weights") {
        send({ type: "weights", weights: await readWeights() });
      }
    };
    send({ type: "ready" });
  } catch (error) {
    fail(error);
  }
}

if (parentPort) void start(workerData as WorkerSetup, parentPort);
