/**
 * AdamW (Loshchilov and Hutter, "Decoupled weight decay regularization", ICLR 2019): Adam's
 * update plus weight decay applied to the weights directly rather than added to the gradient,
 * the way torch.optim.AdamW does it:
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   w = w - lr * ( (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + decay * w )
 * Biases and layer-norm weights are not decayed (BERT's convention). One fused kernel updates a
 * weight and its two moments in a single pass on cpu and wasm; elsewhere tf ops do.
 */
import * as tf from "@tensorflow/tfjs";
import { backendHasKernel, registerArrayKernel, runArrayKernelMulti } from "../model/array-kernel";
import type { OptimizerMoments } from "../model/checkpoint";
import type { Parameters } from "../model/parameters";

export interface AdamWOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** Decoupled weight decay (0.01). */
  readonly weightDecay?: number;
  /** Which weights get weight decay; default: all but biases and layer norms. */
  readonly decays?: (name: string) => boolean;
  /** A factor on the learning rate per weight (layer-wise learning-rate decay); default 1 for all. */
  readonly learningRateScale?: (name: string) => number;
}

/** One update's numbers. */
export interface AdamWStep {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** 1 for the first update (bias correction). */
  readonly step: number;
  /** Multiplies the gradient first (gradient clipping). */
  readonly gradScale: number;
}

/** AdamW's numbers with the defaults filled in. */
export interface AdamWHyper {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}

/** The options' numbers with the defaults (torch's, but epsilon 1e-6 as BERT), checked. */
export function adamwHyper(options: AdamWOptions = {}): AdamWHyper {
  const hyper = { beta1: options.beta1 ?? 0.9, beta2: options.beta2 ?? 0.999, epsilon: options.epsilon ?? 1e-6, weightDecay: options.weightDecay ?? 0.01 };
  for (const [name, value] of Object.entries({ beta1: hyper.beta1, beta2: hyper.beta2 })) {
    if (!(value >= 0 && value < 1)) throw new Error(`AdamW: ${name} must be in [0, 1), got ${value}.`);
  }
  if (!(hyper.epsilon > 0)) throw new Error(`AdamW: epsilon must be positive, got ${hyper.epsilon}.`);
  if (!(hyper.weightDecay >= 0)) throw new Error(`AdamW: weightDecay must be >= 0, got ${hyper.weightDecay}.`);
  return hyper;
}

/** BERT's rule: no decay for biases and layer-norm weights. */
export function decaysByDefault(name: string): boolean {
  return !(name.endsWith(".bias") || name.endsWith("_bias") || name.includes("LayerNorm."));
}

/** The update of one weight tensor, on plain arrays (written to the out arrays). */
export function adamwUpdateValues(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  s: AdamWStep,
  wOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array
): void {
  const { lr, beta1, beta2, epsilon, weightDecay, gradScale } = s;
  const bc1 = 1 - Math.pow(beta1, s.step);
  const bc2 = 1 - Math.pow(beta2, s.step);
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] * gradScale;
    const mi = beta1 * m[i] + c1 * gi;
    const vi = beta2 * v[i] + c2 * gi * gi;
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = w[i] - lr * (mi / bc1 / (Math.sqrt(vi / bc2) + epsilon) + weightDecay * w[i]);
  }
}

const KERNEL = "ShoplmAdamW";
let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  registerArrayKernel<AdamWStep>({
    name: KERNEL,
    inputs: ["w", "m", "v", "g"],
    outputs: ([w]) => [
      { shape: w, dtype: "float32" },
      { shape: w, dtype: "float32" },
      { shape: w, dtype: "float32" },
    ],
    run: ([w, m, v, g], [wo, mo, vo], _shapes, s) =>
      adamwUpdateValues(w as Float32Array, m as Float32Array, v as Float32Array, g as Float32Array, s, wo as Float32Array, mo as Float32Array, vo as Float32Array),
  });
}

/** [new weight, new m, new v] as tensors (fused kernel where available). */
export function adamwUpdate(w: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamWStep): [tf.Tensor, tf.Tensor, tf.Tensor] {
  register();
  if (backendHasKernel(KERNEL)) {
    const [wo, mo, vo] = runArrayKernelMulti(KERNEL, { w, m, v, g }, s);
    return [wo, mo, vo];
  }
  return adamwUpdateComposite(w, m, v, g, s);
}

/** The same update as tf ops (backends without the fused kernel; tests compare the two). */
export function adamwUpdateComposite(w: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamWStep): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const gs = g.mul(s.gradScale);
    const mo = m.mul(s.beta1).add(gs.mul(1 - s.beta1));
    const vo = v.mul(s.beta2).add(gs.square().mul(1 - s.beta2));
    const mHat = mo.div(1 - Math.pow(s.beta1, s.step));
    const vHat = vo.div(1 - Math.pow(s.beta2, s.step));
    const wo = w.sub(mHat.div(vHat.sqrt().add(s.epsilon)).add(w.mul(s.weightDecay)).mul(s.lr));
    return [wo, mo, vo] as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}

/** Updates done so far, and first and second moments by weight name (weights never updated have none). */
export type AdamWState = OptimizerMoments;

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private readonly decays: (name: string) => boolean;
  private readonly lrScale: ((name: string) => number) | null;
  private readonly m = new Map<string, tf.Tensor>();
  private readonly v = new Map<string, tf.Tensor>();
  private readonly weights = new Map<string, tf.Variable>();
  private steps = 0;

  /** Updates the weights of one parameter set, or of several (an encoder and a task head) whose names do not clash. */
  constructor(params: Parameters | readonly Parameters[], options: AdamWOptions = {}) {
    for (const set of Array.isArray(params) ? params : [params as Parameters]) {
      for (const [name, variable] of set.entries()) {
        if (this.weights.has(name)) throw new Error(`AdamW: two parameter sets both have a weight named "${name}".`);
        this.weights.set(name, variable);
      }
    }
    ({ beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay } = adamwHyper(options));
    this.decays = options.decays ?? decaysByDefault;
    this.lrScale = options.learningRateScale ?? null;
  }

  get step(): number {
    return this.steps;
  }

  /** Whether the named weight is decayed. */
  decayed(name: string): boolean {
    return this.decays(name);
  }

  /**
   * One update with learning rate `lr` from gradients by weight name (times `gradScale`). Weights
   * without a gradient are left alone, moments and decay included (as torch does).
   */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number, gradScale = 1): void {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`AdamW.apply: learning rate must be a finite number >= 0, got ${lr}.`);
    this.steps++;
    for (const [name, weight] of this.weights) {
      const g = grads.get(name);
      if (!g) continue;
      if (g.size !== weight.size) throw new Error(`AdamW.apply: gradient of "${name}" has shape [${g.shape}], the weight [${weight.shape}].`);
      const m = this.m.get(name) ?? tf.keep(tf.zerosLike(weight));
      const v = this.v.get(name) ?? tf.keep(tf.zerosLike(weight));
      const [wo, mo, vo] = adamwUpdate(weight, m, v, g, {
        lr: this.lrScale ? lr * this.scaleOf(name) : lr,
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
        weightDecay: this.decays(name) ? this.weightDecay : 0,
        step: this.steps,
        gradScale,
      });
      weight.assign(wo);
      wo.dispose();
      m.dispose();
      v.dispose();
      this.m.set(name, tf.keep(mo));
      this.v.set(name, tf.keep(vo));
    }
  }

  private scaleOf(name: string): number {
    const s = (this.lrScale as (name: string) => number)(name);
    if (!(s >= 0) || !Number.isFinite(s)) throw new Error(`AdamW: learningRateScale("${name}") must be a finite number >= 0, got ${s}.`);
    return s;
  }

  /** A copy of the step count and moments (for checkpoints). */
  state(): AdamWState {
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (const [name, m] of this.m) {
      moments.set(name, { m: Float32Array.from(m.dataSync()), v: Float32Array.from((this.v.get(name) as tf.Tensor).dataSync()) });
    }
    return { step: this.steps, moments };
  }

  /** `state()` with asynchronous reads (every backend). */
  async stateAsync(): Promise<AdamWState> {
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (const [name, m] of this.m) {
      const [mv, vv] = await Promise.all([m.data(), (this.v.get(name) as tf.Tensor).data()]);
      moments.set(name, { m: Float32Array.from(mv as Float32Array), v: Float32Array.from(vv as Float32Array) });
    }
    return { step: this.steps, moments };
  }

  /** Resume from a saved state (moment shapes must match the weights). */
  loadState(state: AdamWState): void {
    for (const [name, { m, v }] of state.moments) {
      const weight = this.weights.get(name);
      if (!weight) throw new Error(`AdamW.loadState: the saved state has moments for "${name}", which this optimizer does not update.`);
      if (m.length !== weight.size || v.length !== weight.size) {
        throw new Error(`AdamW.loadState: moments of "${name}" have ${m.length}/${v.length} values, the weight [${weight.shape}] has ${weight.size}.`);
      }
    }
    this.disposeMoments();
    for (const [name, { m, v }] of state.moments) {
      const shape = (this.weights.get(name) as tf.Variable).shape;
      this.m.set(name, tf.keep(tf.tensor(m, shape, "float32")));
      this.v.set(name, tf.keep(tf.tensor(v, shape, "float32")));
    }
    this.steps = state.step;
  }

  private disposeMoments(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }

  dispose(): void {
    this.disposeMoments();
  }
}
