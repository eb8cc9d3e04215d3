/**
 * The entry of a gradient worker thread (see `worker-pool.ts`): brings up its own tfjs backend,
 * builds a replica of the task, then answers the pool's requests one at a time, in order.
 */
import * as tf from "@tensorflow/tfjs";
import { parentPort, workerData } from "node:worker_threads";
import { initBackend } from "../core/backend";
import { Rng } from "../core/random";
import { backendCopiesNewTensors, heldValues } from "../model/array-kernel";
import { shardDropout } from "../model/dropout";
import type { Parameters, WeightValue } from "../model/parameters";
import { clipScale } from "./clip";
import { SharedAdamW } from "./shared-adamw";
import type { RowExchange } from "./row-exchange";
import type { TrainingTask } from "./trainer";
import { abortBarrier, arriveAtBarrier, BarrierAborted, gradientTensors, segmentOf, type FromWorker, type ToWorker, type WorkerSetup } from "./worker-pool";

type Factory = (config: unknown) => TrainingTask<unknown> | Promise<TrainingTask<unknown>>;

async function start(setup: WorkerSetup, port: NonNullable<typeof parentPort>): Promise<void> {
  const send = (m: FromWorker) => port.postMessage(m);
  let step = 0;
  let queue: Promise<void> = Promise.resolve();
  const barrier = new Int32Array(setup.barrier);
  const fail = (error: unknown) => {
    // Released from the barrier because another worker failed: the pool reports that one.
    if (error instanceof BarrierAborted) return;
    const e = error instanceof Error ? error : new Error(String(error));
    send({ type: "error", step, message: e.message, stack: e.stack });
    abortBarrier(barrier);
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
    const optimizer = new SharedAdamW(setup.layout, setup.shared, setup.optimizer, new Set(setup.decayed), setup.scales ? new Map(setup.scales) : null, setup.optimizerStep);
    const start: Map<string, WeightValue> = new Map(setup.layout.map((s) => [s.name, { shape: s.shape, values: optimizer.weights.slice(s.offset, s.offset + s.size) }]));
    for (const set of sets) set.load(start, { allowExtra: true, source: "the main thread's weights" });
    const variableOf = new Map(sets.flatMap((set) => set.entries()));
    const variables = sets.flatMap((s) => s.variables());
    const nameOf = new Map<string, string>();
    for (const set of sets) for (const [name, v] of set.entries()) nameOf.set(v.name, name);
    const slots = Array.from({ length: setup.count }, (_, i) => new Float32Array(setup.grads, 4 * setup.total * i, setup.total));
    const mine = slots[setup.index];
    const sum = new Float32Array(setup.sum);
    const fence = new Int32Array(setup.fence);
    const byName = new Map(setup.layout.map((s) => [s.name, s]));
    const gradients = (names: readonly string[]) => gradientTensors(sum, byName, names);
    const losses = new Float64Array(setup.losses);
    const flags = new Uint8Array(setup.flags);
    const weightsCount = setup.layout.length;
    const myFlags = flags.subarray(setup.index * weightsCount, (setup.index + 1) * weightsCount);
    const arrive = () => arriveAtBarrier(barrier, setup.count);
    const exchangeBuffer = setup.exchange ? new Float32Array(setup.exchange) : null;
    const exchange: RowExchange | undefined = exchangeBuffer
      ? {
          index: setup.index,
          count: setup.count,
          gather(values, start, total, width) {
            if (total * width > exchangeBuffer.length) throw new Error(`the row exchange holds ${exchangeBuffer.length} floats; a [${total}, ${width}] matrix does not fit.`);
            if (values.length % width !== 0 || start < 0 || start + values.length / width > total) {
              throw new Error(`the row exchange got ${values.length} values of width ${width} at row ${start} of ${total}.`);
            }
            exchangeBuffer.set(values, start * width);
            arrive();
            const all = exchangeBuffer.slice(0, total * width);
            // Nobody writes the next matrix before every worker has its copy.
            arrive();
            return all;
          },
        }
      : undefined;
    const [lo, hi] = segmentOf(setup.index, setup.count, setup.total);
    const squares = new Float32Array(setup.squares);

    /** This worker's gradients into its slot (zeros where it has none), its flags and its loss. */
    const computeShard = async (m: ToWorker<unknown> & { type: "grads" | "step" }): Promise<{ loss: number; rng: Rng | null }> => {
      const shard = m.shard;
      if (!shard) {
        mine.fill(0);
        myFlags.fill(0);
        losses[setup.index] = 0;
        return { loss: 0, rng: null };
      }
      const rng = shardDropout(Rng.fromState(m.rng), { start: shard.start, rows: shard.rows });
      const { value, grads } = tf.variableGrads(() => {
        const loss = task.loss(shard.batch, rng, exchange);
        return shard.weight === 1 ? loss : loss.mul(shard.weight);
      }, variables);
      try {
        const named = new Map(Object.entries(grads).map(([tfName, g]) => [nameOf.get(tfName) as string, g]));
        // Straight from the backend's memory where it can be seen (cpu, wasm; each view copied at
        // once, before anything allocates): a copy per gradient per step (megabytes) kept the
        // garbage collector busy and cost about 3 % of a step.
        const reads = setup.layout.map((s, i) => {
          const g = named.get(s.name);
          myFlags[i] = g ? 1 : 0;
          if (!g) return mine.fill(0, s.offset, s.offset + s.size);
          const held = heldValues(g);
          return held ? mine.set(held, s.offset) : g.data().then((v) => mine.set(v as Float32Array, s.offset));
        });
        const [loss] = await value.data();
        await Promise.all(reads);
        losses[setup.index] = loss;
        return { loss, rng };
      } finally {
        value.dispose();
        tf.dispose(Object.values(grads));
      }
    };

    /** Once every slot is written: this worker's segment of the sum, in worker order (the same bits whoever sums). */
    const reduceSegment = () => {
      sum.set(slots[0].subarray(lo, hi), lo);
      for (let k = 1; k < setup.count; k++) {
        const s = slots[k];
        for (let j = lo; j < hi; j++) sum[j] += s[j];
      }
    };

    /** For each weight of the layout, whether some worker's rows gave it a gradient. */
    const gradientFlags = (): boolean[] =>
      setup.layout.map((_, i) => {
        for (let k = 0; k < setup.count; k++) if (flags[k * weightsCount + i]) return true;
        return false;
      });
    const namesOf = (updated: readonly boolean[]) => setup.layout.filter((_, i) => updated[i]).map((s) => s.name);

    /**
     * The summed gradient's global norm. Each worker sums the squares of the weights that start in
     * its segment, with the main thread's ops (tf.sum of tf.square, one float32 per weight); the
     * parts are added in layout order with float32 rounding at each addition, as the main thread's
     * addN does, so one worker gives the main thread's bits and every worker the same.
     */
    const globalNorm = async (updated: readonly boolean[]): Promise<number> => {
      const owned = setup.layout.flatMap((s, i) => (updated[i] && s.offset >= lo && s.offset < hi ? [i] : []));
      if (owned.length) {
        const grads = gradients(owned.map((i) => setup.layout[i].name));
        const parts = tf.tidy(() => tf.stack([...grads.values()].map((g) => tf.sum(tf.square(g)))));
        tf.dispose([...grads.values()]);
        try {
          const values = await parts.data();
          owned.forEach((i, k) => (squares[i] = values[k]));
        } finally {
          parts.dispose();
        }
      }
      arrive();
      let total = 0;
      let first = true;
      setup.layout.forEach((_, i) => {
        if (!updated[i]) return;
        total = first ? squares[i] : Math.fround(total + squares[i]);
        first = false;
      });
      return Math.sqrt(total);
    };

    /** This worker's segment of the AdamW update, then (once every segment is done) the new weights into the replica. */
    const copies = backendCopiesNewTensors();
    const update = (updated: readonly boolean[], lr: number, scale: number, applied: boolean) => {
      if (applied) optimizer.apply(sum, updated, lr, scale, lo, hi);
      arrive();
      if (!applied) return;
      setup.layout.forEach((s, i) => {
        if (!updated[i]) return;
        // The cpu backend keeps the array a tensor is made from, and the next update rewrites this
        // one: a copy there; wasm copies it anyway, so a view spares megabytes of garbage a step.
        const values = optimizer.weights.subarray(s.offset, s.offset + s.size);
        const value = tf.tensor(copies ? values : values.slice(), s.shape, "float32");
        (variableOf.get(s.name) as tf.Variable).assign(value);
        value.dispose();
      });
    };

    /** Gradients of this worker's rows, then (after every worker's) its segment of the sum, then every segment summed. */
    const computeAndSum = async (m: ToWorker<unknown> & { type: "grads" | "step" }) => {
      const computed = await computeShard(m);
      arrive();
      reduceSegment();
      arrive();
      return computed;
    };
    const readWeights = async (): Promise<Map<string, Float32Array>> => {
      const weights = new Map<string, Float32Array>();
      for (const set of sets) for (const [name, v] of set.entries()) weights.set(name, (await v.data()) as Float32Array);
      return weights;
    };

    handle = async (m) => {
      if (m.type === "grads") {
        step = m.step;
        const { loss, rng } = await computeAndSum(m);
        send({ type: "grads", step, loss, rng: rng?.state() ?? null, names: namesOf(gradientFlags()) });
      } else if (m.type === "apply") {
        Atomics.load(fence, 0);
        const names = new Set(m.names);
        update(setup.layout.map((s) => names.has(s.name)), m.lr, m.scale, true);
      } else if (m.type === "step") {
        // The main thread's whole step, here: the clip and update are the same ops on the same sum.
        step = m.step;
        const { loss: own, rng } = await computeAndSum(m);
        let loss = 0;
        for (let k = 0; k < setup.count; k++) loss += losses[k];
        const updated = gradientFlags();
        const gradNorm = await globalNorm(updated);
        const applied = Number.isFinite(loss) && Number.isFinite(gradNorm);
        const scale = applied ? clipScale(gradNorm, m.clipNorm) : 1;
        update(updated, m.lr, scale, applied);
        send({ type: "stepped", step, loss: own, rng: rng?.state() ?? null, gradNorm, scale, applied });
      } else if (m.type === "state") {
        if (!m.full) {
          send({ type: "state", weights: null, optimizer: null });
          return;
        }
        send({ type: "state", weights: await readWeights(), optimizer: optimizer.state() });
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
