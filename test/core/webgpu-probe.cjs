// Run by test/core/webgpu.test.ts in its own Node process (Dawn's threads and the test runner's
// worker do not mix: inside a vitest fork Dawn aborts with a futex error). Computes, on each
// backend named in argv (the corpus on stdin): the MLM loss and every gradient of a fixed batch, and eight training
// steps (AdamW, clipping, dropout) of a tiny model; prints one JSON line.
"use strict";
const shoplm = require("../../lib/dist/index.js");
const { webGpuAdapter } = require("../../lib/dist/core/webgpu.js");
const tf = require("@tensorflow/tfjs");

// The corpus (test/train/grammar.ts) and its special ids come on stdin as JSON from the test.
const input = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const SPECIAL = input.special;
const VOCAB = input.vocab;
const config = shoplm.encoderConfig({ vocabSize: VOCAB, hiddenSize: 32, layers: 2, heads: 2, intermediateSize: 64, maxPositions: 8, dropout: 0.1, attentionDropout: 0.1 });

async function lossAndGradients() {
  const model = shoplm.MaskedLanguageModel.create(config, 7);
  const batch = {
    batch: 2,
    length: 8,
    inputIds: Int32Array.from([2, 5, SPECIAL.mask, 25, 35, 3, 0, 0, 2, 6, 16, SPECIAL.mask, 36, 3, 0, 0]),
    attentionMask: Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0]),
    positions: Int32Array.from([2, 11, 12]),
    labels: Int32Array.from([15, 26, 36]),
  };
  const { value, grads } = tf.variableGrads(() => model.loss(batch), model.params.variables());
  const out = {};
  for (const [name, g] of Object.entries(grads)) out[model.params.nameOf(name)] = Array.from(await g.data());
  const loss = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return { loss, grads: out };
}

async function training() {
  const model = shoplm.MaskedLanguageModel.create(config, 7);
  const before = tf.memory().numTensors;
  const result = await shoplm.pretrain(model, { train: input.train, heldOut: input.heldOut }, { steps: 8, batchSize: 16, maxLength: 8, special: SPECIAL, learningRate: 1e-2, warmupSteps: 2, seed: 3 });
  const leaked = tf.memory().numTensors - before;
  model.dispose();
  return { losses: result.steps.map((s) => s.loss), norms: result.steps.map((s) => s.gradNorm), leaked };
}

(async () => {
  const out = {};
  for (const backend of process.argv.slice(2)) {
    const info = await shoplm.initBackend({ forced: backend, reset: true });
    out[backend] = { info: info.toString(), adapter: webGpuAdapter(), ...(await lossAndGradients()), ...(await training()) };
  }
  // Exit only once the (large) line is written: exiting at once can cut a pipe write short.
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
})().catch((error) => {
  process.stdout.write(`${JSON.stringify({ error: String(error && error.stack ? error.stack : error) })}\n`, () => process.exit(1));
});
