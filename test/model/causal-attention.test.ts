/**
 * The causal option of chapter 1's attention (lib/src/model/fused.ts, attention.ts, encoder.ts):
 * position i attends to nothing after i, the fused kernel agrees with the composite ops (values
 * and gradients), the encoder's output at i does not change when later tokens do, and the
 * attention output matches PyTorch's scaled dot-product attention with is_causal=True where
 * Debian python3-torch is installed. The default (bidirectional) is unchanged.
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { initBackend, Rng } from "shoplm";
import { scaledDotProductAttention } from "../../lib/src/model/attention";
import { encoderConfig } from "../../lib/src/model/config";
import { Encoder } from "../../lib/src/model/encoder";
import { maskedSoftmax, maskedSoftmaxComposite } from "../../lib/src/model/fused";

const PYTHON = "/usr/bin/python3";
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import torch"]).status === 0;
if (!hasTorch) console.warn("test/model/causal-attention.test.ts: the PyTorch comparison is skipped (no /usr/bin/python3 with Debian python3-torch).");

// PyTorch's own causal attention: the public F.scaled_dot_product_attention (2.0+) or, in 1.13, the
// same function under its private name; the padding mask (when given) as a boolean attn_mask.
const TORCH_SDPA = `
import json, sys, torch
import torch.nn.functional as F
d = json.load(sys.stdin)
q, k, v = (torch.tensor(d[n], dtype=torch.float64) for n in ("q", "k", "v"))
L, S = q.shape[-2], k.shape[-2]
keep = torch.ones(L, S, dtype=torch.bool).tril(S - L)
if d["mask"] is not None:
    keep = keep & torch.tensor(d["mask"], dtype=torch.bool)[:, None, None, :]
if d["mask"] is None and hasattr(F, "scaled_dot_product_attention"):
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
elif d["mask"] is None:
    out, _ = F._scaled_dot_product_attention(q, k, v, None, 0.0, False, True)
elif hasattr(F, "scaled_dot_product_attention"):
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
else:
    out, _ = F._scaled_dot_product_attention(q, k, v, keep, 0.0, False, False)
print(json.dumps(out.tolist()))
`;

function randomTensor(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

const numTensors = () => tf.memory().numTensors;

describe.each(["wasm", "cpu"] as const)("causal attention on %s", (backend) => {
  afterAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("gives weight exactly 0 to every key after the query, and the rows still sum to 1", async () => {
    await initBackend({ forced: backend, reset: true });
    const rng = new Rng(1);
    const before = numTensors();
    const scores = randomTensor(rng, [2, 3, 6, 6]) as tf.Tensor4D;
    const mask = tf.tensor2d([[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]]);
    const probs = maskedSoftmax(scores, mask, 0.5, true);
    const p = (await probs.array()) as number[][][][];
    for (let b = 0; b < 2; b++) {
      for (let h = 0; h < 3; h++) {
        for (let i = 0; i < 6; i++) {
          for (let j = i + 1; j < 6; j++) expect(p[b][h][i][j]).toBe(0);
          const real = b === 0 || i >= 2;
          const sum = p[b][h][i].reduce((a, x) => a + x, 0);
          expect(sum).toBeCloseTo(real ? 1 : 0, 6);
        }
      }
    }
    // Without the flag the same call is the old bidirectional softmax: later keys get weight.
    const openProbs = maskedSoftmax(scores, mask, 0.5);
    const open = (await openProbs.array()) as number[][][][];
    expect(open[0][0][0][5]).toBeGreaterThan(0);
    tf.dispose([scores, mask, probs, openProbs]);
    expect(numTensors()).toBe(before);
  });

  it("the fused kernel and the composite ops agree, values and gradients, with a key prefix", async () => {
    await initBackend({ forced: backend, reset: true });
    const rng = new Rng(2);
    // 4 queries over 6 keys: the first 2 keys are a prefix every query sees.
    const scores = randomTensor(rng, [2, 2, 4, 6]) as tf.Tensor4D;
    const mask = tf.tensor2d([[1, 1, 1, 1, 1, 1], [1, 1, 0, 1, 1, 1]]);
    const weights = randomTensor(rng, [2, 2, 4, 6]);
    const loss = (f: (s: tf.Tensor4D) => tf.Tensor4D) => (s: tf.Tensor) => f(s as tf.Tensor4D).mul(weights).sum();
    const fused = tf.valueAndGrad(loss((s) => maskedSoftmax(s, mask, 0.7, true)))(scores);
    const composite = tf.valueAndGrad(loss((s) => maskedSoftmaxComposite(s, mask, 0.7, true)))(scores);
    expect(fused.value.dataSync()[0]).toBeCloseTo(composite.value.dataSync()[0], 5);
    const gf = fused.grad.dataSync();
    const gc = composite.grad.dataSync();
    for (let i = 0; i < gf.length; i++) expect(gf[i]).toBeCloseTo(gc[i], 5);
    const p = (await maskedSoftmax(scores, mask, 0.7, true).array()) as number[][][][];
    // Query 0 lines up with key 2: it sees keys 0..2, not 3..5.
    expect(p[0][0][0].slice(3)).toEqual([0, 0, 0]);
    expect(p[0][0][0][2]).toBeGreaterThan(0);
    expect(p[0][0][3][5]).toBeGreaterThan(0);
    tf.dispose([scores, mask, weights, fused.value, fused.grad, composite.value, composite.grad]);
  });

  it("more queries than keys is refused with both counts", async () => {
    await initBackend({ forced: backend, reset: true });
    const scores = tf.zeros([1, 1, 4, 3]) as tf.Tensor4D;
    const mask = tf.ones([1, 3]) as tf.Tensor2D;
    expect(() => maskedSoftmax(scores, mask, 1, true)).toThrow(/4 queries and 3 keys/);
    tf.dispose([scores, mask]);
  });

  it("an encoder run causally: the vector at position i ignores every token after i", async () => {
    await initBackend({ forced: backend, reset: true });
    const config = encoderConfig({ vocabSize: 30, hiddenSize: 16, layers: 2, heads: 2, intermediateSize: 32, maxPositions: 8 });
    const encoder = Encoder.create(config, 3);
    const before = numTensors();
    const a = tf.tensor2d([[5, 6, 7, 8, 9, 10]], undefined, "int32");
    const b = tf.tensor2d([[5, 6, 7, 20, 21, 22]], undefined, "int32");
    const run = (ids: tf.Tensor2D, causal: boolean) => {
      const { sequence } = encoder.forward({ inputIds: ids }, { causal });
      const out = sequence.arraySync()[0];
      sequence.dispose();
      return out;
    };
    const [ca, cb] = [run(a, true), run(b, true)];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 16; j++) expect(ca[i][j]).toBeCloseTo(cb[i][j], 5);
    expect(Math.abs(ca[3][0] - cb[3][0]) + Math.abs(ca[3][1] - cb[3][1])).toBeGreaterThan(1e-4);
    // Bidirectional (the default): position 0 does see the later tokens.
    const [oa, ob] = [run(a, false), run(b, false)];
    expect(Math.abs(oa[0][0] - ob[0][0]) + Math.abs(oa[0][1] - ob[0][1])).toBeGreaterThan(1e-4);
    tf.dispose([a, b]);
    expect(numTensors()).toBe(before);
    encoder.dispose();
  });

  it.skipIf(!hasTorch)("matches PyTorch's scaled dot-product attention with is_causal=True (and with a padding mask)", async () => {
    await initBackend({ forced: backend, reset: true });
    const rng = new Rng(4);
    const [batch, heads, length, dh] = [2, 2, 5, 4];
    const q = randomTensor(rng, [batch, heads, length, dh]) as tf.Tensor4D;
    const k = randomTensor(rng, [batch, heads, length, dh]) as tf.Tensor4D;
    const v = randomTensor(rng, [batch, heads, length, dh]) as tf.Tensor4D;
    const kT = k.transpose([0, 1, 3, 2]) as tf.Tensor4D;
    for (const maskRows of [null, [[1, 1, 1, 1, 1], [1, 1, 1, 0, 1]]]) {
      const mask = maskRows ? tf.tensor2d(maskRows) : (tf.ones([batch, length]) as tf.Tensor2D);
      const { context, probs } = scaledDotProductAttention(q, kT, v, mask, 0, null, true);
      const ours = (await context.array()) as number[][][][];
      const input = JSON.stringify({ q: await q.array(), k: await k.array(), v: await v.array(), mask: maskRows });
      const r = spawnSync(PYTHON, ["-c", TORCH_SDPA], { input, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`PyTorch reference failed: ${r.stderr}`);
      const theirs = JSON.parse(r.stdout) as number[][][][];
      for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < length; i++) for (let j = 0; j < dh; j++) expect(ours[b][h][i][j]).toBeCloseTo(theirs[b][h][i][j], 5);
      tf.dispose([mask, context, probs]);
    }
    tf.dispose([q, k, v, kT]);
  });
});
