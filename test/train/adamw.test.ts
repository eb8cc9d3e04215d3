import * as tf from "@tensorflow/tfjs";
import { afterAll, describe, expect, it } from "vitest";
import { AdamW, adamwUpdateComposite, adamwUpdateValues, decaysByDefault, initBackend, Parameters } from "shoplm";

/** Two AdamW steps for one scalar weight, written out by hand. */
function byHand(w0: number, grads: number[], lr: number, wd: number): number {
  const [b1, b2, eps] = [0.9, 0.999, 1e-6];
  let [w, m, v] = [w0, 0, 0];
  grads.forEach((g, i) => {
    const t = i + 1;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const mHat = m / (1 - b1 ** t);
    const vHat = v / (1 - b2 ** t);
    w = w - lr * (mHat / (Math.sqrt(vHat) + eps) + wd * w);
  });
  return w;
}

describe("AdamW", () => {
  afterAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("the first step moves every weight by about lr against the gradient's sign, plus decay", () => {
    // m/(1-b1) = g and sqrt(v/(1-b2)) = |g| at t = 1: the step is lr * sign(g) (up to eps).
    const w = Float32Array.from([1, -2]);
    const out = [new Float32Array(2), new Float32Array(2), new Float32Array(2)];
    adamwUpdateValues(w, new Float32Array(2), new Float32Array(2), Float32Array.from([0.5, -3]), { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.01, step: 1, gradScale: 1 }, out[0], out[1], out[2]);
    expect(out[0][0]).toBeCloseTo(1 - 0.1 * (0.5 / (0.5 + 1e-6) + 0.01 * 1), 6);
    expect(out[0][1]).toBeCloseTo(-2 - 0.1 * (-3 / (3 + 1e-6) + 0.01 * -2), 6);
    expect(out[1][0]).toBeCloseTo(0.05, 7);
    expect(out[2][1]).toBeCloseTo(0.001 * 9, 7);
  });

  it("decays weights but not biases or layer norms", () => {
    expect(decaysByDefault("encoder.layer_0.attention.self.query.kernel")).toBe(true);
    expect(decaysByDefault("embeddings.word_embeddings")).toBe(true);
    expect(decaysByDefault("encoder.layer_0.attention.self.query.bias")).toBe(false);
    expect(decaysByDefault("embeddings.LayerNorm.gamma")).toBe(false);
    expect(decaysByDefault("cls.predictions.output_bias")).toBe(false);
  });

  it.each(["wasm", "cpu"] as const)("two steps on %s match the hand computation, with clipping scale and skipped weights", async (backend) => {
    await initBackend({ forced: backend, reset: true });
    const params = new Parameters("adamw-test");
    params.add("dense.kernel", Float32Array.from([0.5, -1.5]), [2]);
    params.add("dense.bias", Float32Array.from([0.25]), [1]);
    params.add("unused.kernel", Float32Array.from([3]), [1]);
    const opt = new AdamW(params, { weightDecay: 0.1 });
    const steps = [
      { k: [0.2, -0.4], b: [1.0] },
      { k: [-0.1, 0.3], b: [-0.5] },
    ];
    for (const s of steps) {
      const grads = new Map([
        ["dense.kernel", tf.tensor(s.k)],
        ["dense.bias", tf.tensor(s.b)],
      ]);
      // gradScale 0.5 halves every gradient first.
      opt.apply(grads, 0.01, 0.5);
      tf.dispose([...grads.values()]);
    }
    const k = params.get("dense.kernel").dataSync();
    expect(k[0]).toBeCloseTo(byHand(0.5, [0.1, -0.05], 0.01, 0.1), 6);
    expect(k[1]).toBeCloseTo(byHand(-1.5, [-0.2, 0.15], 0.01, 0.1), 6);
    expect(params.get("dense.bias").dataSync()[0]).toBeCloseTo(byHand(0.25, [0.5, -0.25], 0.01, 0), 6);
    expect(params.get("unused.kernel").dataSync()[0]).toBe(3);
    const state = opt.state();
    expect(state.step).toBe(2);
    expect([...state.moments.keys()]).toEqual(["dense.kernel", "dense.bias"]);
    opt.dispose();
    params.dispose();
  });

  it("updates several parameter sets together and refuses clashing names", async () => {
    await initBackend({ forced: "wasm", reset: true });
    const encoder = new Parameters("enc");
    encoder.add("dense.kernel", Float32Array.from([1]), [1]);
    const head = new Parameters("head");
    head.add("classifier.kernel", Float32Array.from([2]), [1]);
    const opt = new AdamW([encoder, head], { weightDecay: 0 });
    const grads = new Map([
      ["dense.kernel", tf.tensor([1])],
      ["classifier.kernel", tf.tensor([-1])],
    ]);
    opt.apply(grads, 0.1);
    expect(encoder.get("dense.kernel").dataSync()[0]).toBeCloseTo(1 - 0.1, 5);
    expect(head.get("classifier.kernel").dataSync()[0]).toBeCloseTo(2 + 0.1, 5);
    const clash = new Parameters("clash");
    clash.add("dense.kernel", Float32Array.from([0]), [1]);
    expect(() => new AdamW([encoder, clash])).toThrow(/two parameter sets both have a weight named "dense.kernel"/);
    tf.dispose([...grads.values()]);
    opt.dispose();
    [encoder, head, clash].forEach((p) => p.dispose());
  });

  it("the fused kernel and the tf-ops version agree", async () => {
    await initBackend({ forced: "wasm", reset: true });
    const n = 50;
    const t = (seed: number, positive = false) => tf.tensor(Float32Array.from({ length: n }, (_, i) => (positive ? Math.abs(Math.sin(seed + i)) : Math.sin(seed * 7 + i * 1.3))));
    const [w, m, v, g] = [t(1), t(2), t(3, true), t(4)];
    const s = { lr: 0.003, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.02, step: 7, gradScale: 0.8 };
    const out = new Float32Array(n);
    const mo = new Float32Array(n);
    const vo = new Float32Array(n);
    adamwUpdateValues(w.dataSync() as Float32Array, m.dataSync() as Float32Array, v.dataSync() as Float32Array, g.dataSync() as Float32Array, s, out, mo, vo);
    const [cw, cm, cv] = adamwUpdateComposite(w, m, v, g, s);
    Array.from(cw.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(out[i], 6));
    Array.from(cm.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(mo[i], 6));
    Array.from(cv.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(vo[i], 6));
    tf.dispose([w, m, v, g, cw, cm, cv]);
  });
});
