import * as tf from "@tensorflow/tfjs";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  dropoutMask,
  encoderConfig,
  initBackend,
  MaskedLanguageModel,
  MlmBatchSource,
  mlmTrainingTask,
  mlmWorkerSpec,
  Pretrainer,
  resolveWorkers,
  defaultWorkerCount,
  Rng,
  shardDropout,
  sliceMlmBatch,
  splitRows,
  sumOfSquares,
  Trainer,
  type BatchSource,
  type MlmBatch,
  type Parameters,
  type PretrainOptions,
  type TrainingState,
  type WeightValue,
  type TrainerOptions,
  type WorkerTaskSpec,
} from "shoplm";
import { linearTask, RowSource } from "./fixtures/linear-task";
import { GRAMMAR_VOCAB, grammarCorpus, SPECIAL } from "./grammar";

const config = encoderConfig({ vocabSize: GRAMMAR_VOCAB, hiddenSize: 32, layers: 1, heads: 2, intermediateSize: 64, maxPositions: 8, dropout: 0.1, attentionDropout: 0.1 });
const train = grammarCorpus(600, 11);
const masking = { vocabSize: GRAMMAR_VOCAB, special: SPECIAL };
const root = path.resolve(__dirname, "..", "..");
const failing = (c: object): WorkerTaskSpec => ({ module: path.join(__dirname, "fixtures", "failing-task.ts"), exportName: "failingTask", config: { config, ...c } });

function trainerFor(model: MaskedLanguageModel, options: Partial<TrainerOptions> = {}): Trainer<ReturnType<MlmBatchSource["next"]>["batch"]> {
  const source = new MlmBatchSource(train, { batchSize: 24, maxLength: 8, masking });
  return new Trainer(mlmTrainingTask(model), source, {
    steps: 20,
    schedule: { peak: 1e-2, totalSteps: 20, warmupSteps: 4, decay: "linear" },
    seed: 9,
    workerTask: mlmWorkerSpec(model.config),
    label: "test",
    ...options,
  });
}

async function losses(workers: number, threads = false): Promise<{ losses: number[]; norms: number[]; weights: Map<string, Float32Array>; replicas: Array<Map<string, Float32Array>> }> {
  const model = MaskedLanguageModel.create(config, 2);
  const trainer = trainerFor(model, { workers, threads });
  try {
    const counts: number[] = [];
    const run = await trainer.run(undefined, { onStep: (s) => void (s.step > 1 && counts.push(tf.memory().numTensors)) });
    // No tensor leaks across steps, with or without workers.
    expect(new Set(counts).size).toBe(1);
    const weights = new Map(model.params.entries().map(([n, v]) => [n, v.dataSync() as Float32Array]));
    const replicas = await trainer.workerWeights();
    return { losses: run.steps.map((s) => s.loss), norms: run.steps.map((s) => s.gradNorm), weights, replicas };
  } finally {
    await trainer.close();
    trainer.dispose();
    model.dispose();
  }
}

describe("Trainer: the asynchronous step", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("gives the synchronous step's losses bit for bit, and leaks no tensor", async () => {
    const options: PretrainOptions = { steps: 12, batchSize: 24, maxLength: 8, special: SPECIAL, learningRate: 1e-2, seed: 4 };
    const a = MaskedLanguageModel.create(config, 3);
    const b = MaskedLanguageModel.create(config, 3);
    const sync = new Pretrainer(a, train, [], options);
    const async_ = new Pretrainer(b, train, [], options);
    const counts: number[] = [];
    for (let i = 0; i < 12; i++) {
      const s = sync.trainStep();
      const t = await async_.trainStepAsync();
      expect([t.loss, t.gradNorm, t.clipped, t.maskedTokens]).toEqual([s.loss, s.gradNorm, s.clipped, s.maskedTokens]);
      if (i > 0) counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    sync.dispose();
    async_.dispose();
    a.dispose();
    b.dispose();
  });

  it("sums squares with addN calls of at most 8 inputs, with the bits of one addN", async () => {
    const rng = new Rng(1);
    const ts = Array.from({ length: 41 }, (_, i) => tf.tensor1d(Array.from({ length: 1 + (i % 5) }, () => rng.normal() * 10 ** rng.int(4))));
    const one = tf.tidy(() => tf.addN(ts.map((t) => tf.sum(tf.square(t)))));
    const profile = await tf.profile(() => sumOfSquares(ts));
    const addN = profile.kernels.filter((k) => k.name === "AddN");
    expect(addN.length).toBeGreaterThan(5);
    expect(Math.max(...addN.map((k) => k.inputShapes.length))).toBeLessThanOrEqual(8);
    const grouped = sumOfSquares(ts);
    expect(grouped.dataSync()[0]).toBe(one.dataSync()[0]);
    tf.dispose([...ts, one, grouped, profile.result as tf.Tensor]);
  });
});

describe("Trainer: data-parallel workers", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("reads the worker count from COURSE_WORKERS, else the cores minus one; existing callers default to 1", () => {
    expect(resolveWorkers(undefined, {})).toBe(1);
    expect(resolveWorkers(undefined, { COURSE_WORKERS: "3" })).toBe(3);
    expect(resolveWorkers("auto", { COURSE_WORKERS: "2" })).toBe(2);
    expect(defaultWorkerCount({})).toBeGreaterThanOrEqual(1);
    expect(resolveWorkers(4, { COURSE_WORKERS: "2" })).toBe(4);
    expect(() => resolveWorkers(undefined, { COURSE_WORKERS: "two" })).toThrow(/COURSE_WORKERS must be a positive integer, got "two"/);
    expect(() => resolveWorkers(0)).toThrow(/workers must be a positive integer or "auto", got 0/);
    expect(splitRows(5, 2)).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 5 },
    ]);
  });

  it("splits a batch by rows: positions renumbered, dropout masks those rows of the whole batch's", () => {
    const source = new MlmBatchSource(train, { batchSize: 6, maxLength: 8, masking });
    const { batch } = source.next(new Rng(3));
    const top = sliceMlmBatch(batch, 0, 2);
    const bottom = sliceMlmBatch(batch, 2, 6);
    expect(top.positions.length + bottom.positions.length).toBe(batch.positions.length);
    expect([...top.positions, ...Array.from(bottom.positions, (p) => p + 2 * batch.length)]).toEqual(Array.from(batch.positions));
    expect([...top.labels, ...bottom.labels]).toEqual(Array.from(batch.labels));
    expect(() => sliceMlmBatch(batch, 3, 3)).toThrow(/expected rows 0 <= start < end <= 6, got \[3, 3\)/);
    // A [6, 5] tensor's mask, whole and as rows [0, 2) and [2, 6): the shards' masks are the whole one's rows.
    const whole = dropoutMask([6, 5], 0.5, new Rng(8));
    const parts = [
      { start: 0, rows: 2 },
      { start: 2, rows: 4 },
    ].map(({ start, rows }) => dropoutMask([rows, 5], 0.5, shardDropout(new Rng(8), { start, rows })));
    expect(Array.from(tf.concat(parts).dataSync())).toEqual(Array.from(whole.dataSync()));
    expect(new Set(whole.dataSync()).size).toBe(2);
    expect(() => dropoutMask([3, 5], 0.5, shardDropout(new Rng(8), { start: 0, rows: 2 }))).toThrow(/shape \[3,5\] does not split into the shard's 2 rows/);
    tf.dispose([whole, ...parts]);
  });

  it("one worker thread changes no bit; two workers give the same losses within 1e-5 over 20 steps, replicas identical", async () => {
    const main = await losses(1);
    const one = await losses(1, true);
    expect(one.losses).toEqual(main.losses);
    expect(one.norms).toEqual(main.norms);
    const two = await losses(2);
    expect(two.losses.length).toBe(20);
    const rel = two.losses.map((l, i) => Math.abs(l - main.losses[i]) / Math.abs(main.losses[i]));
    expect(Math.max(...rel)).toBeLessThan(1e-5);
    expect(two.losses).not.toEqual(main.losses.map(() => main.losses[0])); // the run trained
    expect(main.losses[19]).toBeLessThan(main.losses[0]);
    // Every replica holds the main thread's weights, bit for bit.
    expect(two.replicas.length).toBe(2);
    for (const [name, w] of one.weights) expect(Array.from(one.replicas[0].get(name) as Float32Array)).toEqual(Array.from(w));
    for (const replica of two.replicas) for (const [name, w] of two.weights) expect(Array.from(replica.get(name) as Float32Array)).toEqual(Array.from(w));
  });

  it("trains a task that is not MLM (two parameter sets, rows of features) the same with 1 and 2 workers", async () => {
    const config = { features: 6, hidden: 8, classes: 3 };
    const rng = new Rng(4);
    const rows = 300;
    const x = Float32Array.from({ length: rows * config.features }, () => rng.normal());
    // The class is the largest of the first three features.
    const y = Int32Array.from({ length: rows }, (_, r) => [0, 1, 2].reduce((best, k) => (x[r * 6 + k] > x[r * 6 + best] ? k : best), 0));
    const run = async (workers: number) => {
      const task = linearTask(config);
      const spec: WorkerTaskSpec = { module: path.join(__dirname, "fixtures", "linear-task.ts"), exportName: "linearTask", config };
      const trainer = new Trainer(task, new RowSource({ rows, features: 6, x, y }, 30), {
        steps: 30,
        schedule: { peak: 0.05, totalSteps: 30, warmupSteps: 2, decay: "linear" },
        seed: 1,
        workers,
        workerTask: spec,
      });
      const r = await trainer.run();
      await trainer.close();
      trainer.dispose();
      for (const set of task.params as Parameters[]) set.dispose();
      return r.steps.map((s) => s.loss);
    };
    const one = await run(1);
    const two = await run(2);
    expect(one[29]).toBeLessThan(one[0] / 2);
    two.forEach((l, i) => expect(Math.abs(l - one[i]) / one[i]).toBeLessThan(1e-5));
  });

  it("a worker whose rows hold nothing to predict sits out, and the losses still match", async () => {
    // Only the first half of each batch's rows keep their masked positions.
    const frontOnly = (inner: MlmBatchSource): BatchSource<MlmBatch> => ({
      next(rng) {
        const d = inner.next(rng);
        const half = Math.floor(d.batch.batch / 2) * d.batch.length;
        const keep = Array.from(d.batch.positions.keys()).filter((i) => d.batch.positions[i] < half);
        const batch = { ...d.batch, positions: Int32Array.from(keep, (i) => d.batch.positions[i]), labels: Int32Array.from(keep, (i) => d.batch.labels[i]) };
        return { ...d, batch, count: batch.positions.length };
      },
      slice: (b, start, end) => inner.slice(b, start, end),
      state: () => inner.state(),
      restore: (s) => inner.restore(s),
    });
    const run = async (workers: number) => {
      const model = MaskedLanguageModel.create(config, 2);
      const source = frontOnly(new MlmBatchSource(train, { batchSize: 24, maxLength: 8, masking }));
      const trainer = new Trainer(mlmTrainingTask(model), source, { steps: 5, schedule: { peak: 1e-2, totalSteps: 5, warmupSteps: 1, decay: "linear" }, seed: 3, workers, workerTask: mlmWorkerSpec(config) });
      const r = await trainer.run();
      await trainer.close();
      trainer.dispose();
      model.dispose();
      return r.steps.map((s) => s.loss);
    };
    const one = await run(1);
    const two = await run(2);
    two.forEach((l, i) => expect(Math.abs(l - one[i]) / one[i]).toBeLessThan(1e-5));
  });

  it("inside run the main thread's weights catch up before each evaluation; step by step they follow every step", async () => {
    const snapshot = (model: MaskedLanguageModel) => new Map(model.params.entries().map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
    const close = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => {
      for (const [name, w] of a) {
        const other = b.get(name) as Float32Array;
        const worst = Math.max(...Array.from(w, (x, i) => Math.abs(x - other[i]) / (Math.abs(x) + 1e-3)));
        expect(worst, name).toBeLessThan(1e-4);
      }
    };
    // run(): evaluations at steps 3 and 6 see the weights of those steps (against the main thread alone).
    const seen = async (workers: number) => {
      const model = MaskedLanguageModel.create(config, 2);
      const trainer = trainerFor(model, { workers, steps: 6 });
      const at: Array<Map<string, Float32Array>> = [];
      let refused = "";
      await trainer.run(undefined, {
        evalEvery: 3,
        evaluate: async () => void at.push(snapshot(model)),
        onStep: async (info) => {
          if (info.step !== 2) return;
          try {
            trainer.state();
          } catch (error) {
            refused = (error as Error).message;
          }
          expect((await trainer.stateAsync()).step).toBe(2);
        },
      });
      await trainer.close();
      trainer.dispose();
      model.dispose();
      return { at, refused };
    };
    const alone = await seen(1);
    const two = await seen(2);
    expect(two.at.length).toBe(2);
    two.at.forEach((w, i) => close(w, alone.at[i]));
    expect(alone.refused).toBe("");
    expect(two.refused).toMatch(/behind the workers' inside `run`; use `await stateAsync\(\)`/);
    // trainStep(): the main thread applies each update itself, bit for bit what the replicas hold.
    const model = MaskedLanguageModel.create(config, 2);
    const trainer = trainerFor(model, { workers: 2, steps: 4 });
    for (let i = 0; i < 4; i++) await trainer.trainStep();
    const main = snapshot(model);
    for (const replica of await trainer.workerWeights()) for (const [name, w] of main) expect(Array.from(replica.get(name) as Float32Array)).toEqual(Array.from(w));
    await trainer.close();
    trainer.dispose();
    model.dispose();
  });

  it("checkpoints mid-run; a run resumed from one with fresh workers continues with the same losses", async () => {
    const model = MaskedLanguageModel.create(config, 2);
    const trainer = trainerFor(model, { workers: 2, steps: 6 });
    let saved: { state: TrainingState; weights: Map<string, WeightValue> } | null = null;
    const straight = await trainer.run(undefined, {
      checkpointEvery: 3,
      onCheckpoint: (state) => {
        if (state.step === 3) saved = { state, weights: model.params.snapshot() };
      },
    });
    await trainer.close();
    trainer.dispose();
    const at = saved as unknown as { state: TrainingState; weights: Map<string, WeightValue> };
    expect(at.state.step).toBe(3);
    expect(at.state.optimizer.moments.size).toBe(model.params.names().length);
    const resumed = MaskedLanguageModel.create(config, 77);
    resumed.params.load(at.weights);
    const again = trainerFor(resumed, { workers: 2, steps: 6 });
    again.restore(at.state);
    const tail = await again.run();
    expect(tail.steps.map((s) => s.step)).toEqual([4, 5, 6]);
    expect(tail.steps.map((s) => s.loss)).toEqual(straight.steps.slice(3).map((s) => s.loss));
    await again.close();
    again.dispose();
    model.dispose();
    resumed.dispose();
  });

  it("a worker that throws stops the run with its error and step, and no thread survives", async () => {
    const model = MaskedLanguageModel.create(config, 2);
    const trainer = trainerFor(model, { workers: 2, workerTask: failing({ worker: 1, atCall: 3, how: "throw" }) });
    await expect(trainer.run()).rejects.toThrow(/test: worker 2 of 2 failed at step 3: injected failure on call 3/);
    expect(trainer.liveWorkers).toBe(0);
    await expect(trainer.trainStep()).rejects.toThrow(/worker 2 of 2 failed at step 3/);
    trainer.dispose();
    model.dispose();
  });

  it("a worker task that cannot be built fails the first step with the reason", async () => {
    const model = MaskedLanguageModel.create(config, 2);
    const trainer = trainerFor(model, { workers: 2, workerTask: { module: path.join(__dirname, "fixtures", "failing-task.ts"), exportName: "noSuchTask", config: {} } });
    await expect(trainer.trainStep()).rejects.toThrow(/test: worker [12] of 2 failed while starting: .*failing-task\.ts has no function "noSuchTask"/);
    expect(trainer.liveWorkers).toBe(0);
    trainer.dispose();
    model.dispose();
  });

  it("a per-weight learning-rate scale (layer-wise decay) reaches the workers as a table", async () => {
    // Embeddings frozen by a scale of 0, the rest at half the rate: the same losses as one thread,
    // and the embeddings bit for bit where they started, in the main thread's model and in every replica.
    const scale = (n: string) => (n.startsWith("embeddings.") ? 0 : 0.5);
    const run = async (workers: number) => {
      const model = MaskedLanguageModel.create(config, 2);
      const before = new Map(model.params.entries().map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
      const trainer = trainerFor(model, { workers, steps: 6, optimizer: { learningRateScale: scale } });
      try {
        const losses = (await trainer.run()).steps.map((s) => s.loss);
        const replicas = await trainer.workerWeights();
        for (const weights of [new Map(model.params.entries().map(([n, v]) => [n, v.dataSync() as Float32Array])), ...replicas]) {
          for (const [name, values] of weights) {
            if (name.startsWith("embeddings.")) expect(values, name).toEqual(before.get(name));
          }
        }
        return losses;
      } finally {
        await trainer.close();
        trainer.dispose();
        model.dispose();
      }
    };
    const one = await run(1);
    const two = await run(2);
    two.forEach((l, i) => expect(Math.abs(l - one[i]) / one[i]).toBeLessThan(1e-5));
  });

  it("a worker that dies stops the run with the step, and no thread survives", async () => {
    const model = MaskedLanguageModel.create(config, 2);
    const trainer = trainerFor(model, { workers: 2, workerTask: failing({ worker: 0, atCall: 2, how: "exit" }) });
    await expect(trainer.run()).rejects.toThrow(/test: worker 1 of 2 failed at step 2: the thread exited \(code 7\)/);
    expect(trainer.liveWorkers).toBe(0);
    trainer.dispose();
    model.dispose();
  });

  it("an interrupted run stops every worker", async () => {
    const model = MaskedLanguageModel.create(config, 2);
    const trainer = trainerFor(model, { workers: 2 });
    const stop = new AbortController();
    const seen: number[] = [];
    const run = trainer.run(undefined, {
      signal: stop.signal,
      onStep: (s) => {
        seen.push(s.step);
        if (s.step === 2) stop.abort();
      },
    });
    await expect(run).rejects.toThrow(/test: interrupted before step 3 of 20/);
    expect(seen).toEqual([1, 2]);
    expect(trainer.liveWorkers).toBe(0);
    expect(trainer.step).toBe(2);
    trainer.dispose();
    model.dispose();
  });

  it("a run needs a worker task and a batch source that slices for more than one worker", () => {
    const model = MaskedLanguageModel.create(config, 2);
    const source = new MlmBatchSource(train, { batchSize: 8, maxLength: 8, masking });
    const base = { steps: 2, schedule: { peak: 1e-3, totalSteps: 2, warmupSteps: 0, decay: "linear" as const } };
    expect(() => new Trainer(mlmTrainingTask(model), source, { ...base, workers: 2 })).toThrow(/2 workers need a `workerTask`/);
    const { slice: _slice, ...unsliced } = { next: source.next.bind(source), slice: source.slice.bind(source), state: source.state.bind(source), restore: source.restore.bind(source) };
    expect(() => new Trainer(mlmTrainingTask(model), unsliced, { ...base, workers: 2, workerTask: mlmWorkerSpec(config) })).toThrow(/can `slice` a batch by rows/);
    model.dispose();
  });
});

describe("Trainer workers from the built package", () => {
  const dist = path.join(root, "lib", "dist", "train", "worker.js");
  // A child process on lib/dist: the backend, a grammar-like corpus and a tiny config (the script goes on in an async function).
  const PRELUDE = `
      const lib = require(${JSON.stringify(path.join(root, "lib", "dist"))});
      (async () => {
        await lib.initBackend({ forced: "wasm" });
        const rng = new lib.Rng(5);
        const train = Array.from({ length: 300 }, () => { const i = rng.int(10); return { inputIds: [2, 5 + i, 15 + i, 25 + i, 35 + i, 3] }; });
        const config = lib.encoderConfig({ vocabSize: 45, hiddenSize: 32, layers: 1, heads: 2, intermediateSize: 64, maxPositions: 8 });
`;

  // The library runs from lib/dist for notebooks and scripts: its worker entry is the compiled worker.js.
  it.skipIf(!existsSync(dist))("pretrains with 2 workers from lib/dist, within 1e-5 of the main thread", () => {
    const script = `${PRELUDE}
        const out = [];
        for (const workers of [1, 2]) {
          const model = lib.MaskedLanguageModel.create(config, 1);
          const r = await lib.pretrain(model, { train }, { steps: 5, batchSize: 16, maxLength: 8, special: { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 }, seed: 2, workers });
          out.push(r.steps.map((s) => s.loss));
        }
        console.log(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const child = spawnSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", timeout: 120_000 });
    expect(child.stderr).toBe("");
    const [one, two] = JSON.parse(child.stdout.trim().split("\n").pop() as string) as number[][];
    expect(one.length).toBe(5);
    two.forEach((l, i) => expect(Math.abs(l - one[i]) / one[i]).toBeLessThan(1e-5));
  });

  // A kernel interrupt is a SIGINT to the kernel process: the run stops at the next step and its threads exit with it.
  it.skipIf(!existsSync(dist))("stops a run with 2 workers on SIGINT, and the process ends", async () => {
    const script = `${PRELUDE}
        const model = lib.MaskedLanguageModel.create(config, 1);
        await lib.pretrain(model, { train }, { steps: 100000, batchSize: 16, maxLength: 8, special: { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 }, workers: 2,
          onStep: (s) => { if (s.step === 1) console.log("first step"); } });
      })().catch((e) => { console.log("stopped: " + e.message); });`;
    const child = spawn(process.execPath, ["-e", script], { cwd: root });
    let out = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no first step: ${out}`)), 60_000);
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("first step")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill("SIGINT");
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 30_000))]);
    if (code === "still running") child.kill("SIGKILL");
    expect(code).toBe(0);
    expect(out).toMatch(/stopped: pretrain: interrupted before step \d+ of 100000\./);
  });
});
