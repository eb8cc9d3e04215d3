/**
 * AdaLoRA (Zhang et al. 2023, "Adaptive budget allocation for parameter-efficient fine-tuning"):
 * each adapted projection gets an update in SVD form, x W + (alpha / r) x P diag(lambda) Q, with
 * P [in, r] and Q [r, out] kept near orthogonal by a penalty ||P^T P - I||^2 + ||Q Q^T - I||^2.
 * During training the triplets (P column, lambda_i, Q row) are scored by a smoothed sensitivity
 * |w * dL/dw| and the least important are masked, so the total rank shrinks on a cubic schedule
 * from `initialRank` per projection to a budget of `targetRank` per projection on average, spent
 * where it matters most.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/random";
import type { Encoder } from "../model/encoder";
import { Parameters as WeightSet, truncatedNormalValues } from "../model/parameters";
import { adaptedProjections, type LoraTarget } from "./lora";
import type { FineTuneMethod } from "./method";

export interface AdaLoraOptions {
  /** Rank of every projection's update at the start. */
  readonly initialRank: number;
  /** The final budget: this many triplets per projection on average (at most initialRank). */
  readonly targetRank: number;
  /** The update is scaled by alpha / initialRank (default alpha = initialRank). */
  readonly alpha?: number;
  readonly targets?: readonly LoraTarget[];
  readonly layers?: readonly number[];
  /** Pruning starts after this step (t_i). */
  readonly warmupSteps: number;
  /** The budget reaches its target at this step (T - t_f) and stays there. */
  readonly finalStep: number;
  /** A new allocation every this many steps (default 1). */
  readonly pruneEvery?: number;
  /** Smoothing of the sensitivity and of its uncertainty (default 0.85 each, the paper's). */
  readonly beta1?: number;
  readonly beta2?: number;
  /** Weight of the orthogonality penalty in the loss (default 0.1). */
  readonly orthogonality?: number;
  readonly seed?: number;
}

interface Triplets {
  readonly name: string;
  readonly inputs: number;
  readonly outputs: number;
  /** 1 kept, 0 pruned, per triplet. */
  readonly mask: Float32Array;
}

type CustomGradArg = Parameters<typeof tf.customGrad>[0];
type Smoothed = { sens: Float32Array; unc: Float32Array };

/** The budget (total kept triplets) at `step`: b0 until warm-up ends, cubic decrease to the target at `finalStep`. */
export function adaloraBudget(step: number, initial: number, target: number, warmupSteps: number, finalStep: number): number {
  if (step <= warmupSteps) return initial;
  if (step >= finalStep) return target;
  const progress = (step - warmupSteps) / (finalStep - warmupSteps);
  return Math.round(target + (initial - target) * (1 - progress) ** 3);
}

export class AdaLora implements FineTuneMethod {
  readonly name = "adalora" as const;
  readonly trainsEncoder = false;
  readonly encoderDropout = true;
  readonly params: WeightSet;
  readonly scale: number;
  readonly projections: readonly Triplets[];
  private readonly taps = new Map<string, (x: tf.Tensor) => tf.Tensor>();
  private readonly grads = new Map<string, tf.Tensor>();
  private readonly smoothed = new Map<string, Smoothed>();
  private readonly masks = new Map<string, tf.Tensor1D>();
  private scores = new Map<string, Float64Array>();

  constructor(
    readonly encoder: Encoder,
    readonly options: AdaLoraOptions
  ) {
    const r = options.initialRank;
    if (!Number.isInteger(r) || r < 1) throw new Error(`AdaLoRA: initialRank must be a positive integer, got ${r}.`);
    if (!(Number.isInteger(options.targetRank) && options.targetRank >= 0 && options.targetRank <= r)) {
      throw new Error(`AdaLoRA: targetRank must be an integer in [0, initialRank=${r}], got ${options.targetRank}.`);
    }
    if (!(Number.isInteger(options.warmupSteps) && options.warmupSteps >= 0 && Number.isInteger(options.finalStep) && options.finalStep > options.warmupSteps)) {
      throw new Error(`AdaLoRA: expected integers 0 <= warmupSteps < finalStep, got warmupSteps ${options.warmupSteps}, finalStep ${options.finalStep}.`);
    }
    this.scale = (options.alpha ?? r) / r;
    const rng = new Rng(options.seed ?? 0);
    this.params = new WeightSet("adalora");
    const projections: Triplets[] = [];
    for (const { name, inputs, outputs } of adaptedProjections(encoder, options, r, "AdaLoRA", "initialRank")) {
      // lambda starts at 0, so the update does too; P and Q small and random (the paper's init).
      this.params.add(`${name}.adalora_P`, truncatedNormalValues(inputs * r, 0.02, rng), [inputs, r]);
      this.params.add(`${name}.adalora_lambda`, new Float32Array(r), [r]);
      this.params.add(`${name}.adalora_Q`, truncatedNormalValues(r * outputs, 0.02, rng), [r, outputs]);
      projections.push({ name, inputs, outputs, mask: new Float32Array(r).fill(1) });
    }
    this.projections = projections;
    for (const p of projections) {
      this.masks.set(p.name, tf.keep(tf.tensor1d(p.mask)));
      for (const w of ["P", "lambda", "Q"]) this.taps.set(`${p.name}.adalora_${w}`, this.gradientTap(`${p.name}.adalora_${w}`));
    }
  }

  /** Identity whose backward pass keeps a copy of the gradient (the Trainer does not hand gradients out). */
  private gradientTap(weight: string): (x: tf.Tensor) => tf.Tensor {
    return tf.customGrad(((x: tf.Tensor) => ({
      value: x.clone(),
      gradFunc: (dy: tf.Tensor) => {
        this.grads.get(weight)?.dispose();
        this.grads.set(weight, tf.keep(dy.clone()));
        return dy;
      },
    })) as unknown as CustomGradArg) as unknown as (x: tf.Tensor) => tf.Tensor;
  }

  private tapped(weight: string): tf.Tensor {
    return (this.taps.get(weight) as (x: tf.Tensor) => tf.Tensor)(this.params.get(weight));
  }

  readonly hooks = {
    projection: (name: string, x: tf.Tensor2D, output: tf.Tensor2D): tf.Tensor2D => {
      const mask = this.masks.get(name);
      if (!mask) return output;
      return tf.tidy(() => {
        const P = this.tapped(`${name}.adalora_P`) as tf.Tensor2D;
        const lambda = this.tapped(`${name}.adalora_lambda`).mul(mask);
        const Q = this.tapped(`${name}.adalora_Q`) as tf.Tensor2D;
        return output.add(tf.matMul(tf.matMul(x, P).mul(lambda), Q).mul(this.scale)) as tf.Tensor2D;
      });
    },
  };

  /** sum over projections of ||P^T P - I||_F^2 + ||Q Q^T - I||_F^2, times the penalty's weight. */
  regularizer(): tf.Scalar {
    const gamma = this.options.orthogonality ?? 0.1;
    return tf.tidy(() => {
      const terms = this.projections.map(({ name }) => {
        const P = this.params.get(`${name}.adalora_P`) as tf.Tensor2D;
        const Q = this.params.get(`${name}.adalora_Q`) as tf.Tensor2D;
        const eye = tf.eye(P.shape[1]);
        return tf.square(tf.matMul(P.transpose(), P).sub(eye)).sum().add(tf.square(tf.matMul(Q, Q.transpose()).sub(eye)).sum());
      });
      return tf.addN(terms).mul(gamma) as tf.Scalar;
    });
  }

  /** Total triplets kept now, and per projection. */
  ranks(): { total: number; byProjection: Record<string, number> } {
    const byProjection: Record<string, number> = {};
    let total = 0;
    for (const p of this.projections) {
      const k = p.mask.reduce((a, b) => a + b, 0);
      byProjection[p.name] = k;
      total += k;
    }
    return { total, byProjection };
  }

  /** Each triplet's smoothed importance after the last update, by projection. */
  importance(): Record<string, number[]> {
    return Object.fromEntries([...this.scores].map(([name, s]) => [name, Array.from(s)]));
  }

  /** The budget at `step` (total triplets over all projections). */
  budgetAt(step: number): number {
    const n = this.projections.length;
    return adaloraBudget(step, this.options.initialRank * n, this.options.targetRank * n, this.options.warmupSteps, this.options.finalStep);
  }

  /** The rank masks (1 kept, 0 pruned) per projection: what a checkpoint keeps beside the weights. */
  exportState(): Record<string, number[]> {
    return Object.fromEntries(this.projections.map((p) => [p.name, Array.from(p.mask)]));
  }

  restoreState(state: Readonly<Record<string, readonly number[]>>): void {
    for (const p of this.projections) {
      const mask = state[p.name];
      if (!mask || mask.length !== p.mask.length || mask.some((m) => m !== 0 && m !== 1)) {
        throw new Error(`AdaLoRA: the saved rank mask of ${p.name} is ${mask ? `[${mask.join(", ")}]` : "missing"}; expected ${p.mask.length} values of 0 or 1.`);
      }
      p.mask.set(mask);
      this.masks.get(p.name)?.dispose();
      this.masks.set(p.name, tf.keep(tf.tensor1d(p.mask)));
    }
  }

  /** After update `step`: smooth the sensitivities from the step's gradients, then mask to the budget (asynchronous reads: every backend). */
  async afterStep(step: number): Promise<void> {
    const b1 = this.options.beta1 ?? 0.85;
    const b2 = this.options.beta2 ?? 0.85;
    const scores = new Map<string, Float64Array>();
    for (const p of this.projections) {
      const r = this.options.initialRank;
      const score = new Float64Array(r);
      for (const w of ["P", "lambda", "Q"] as const) {
        const weight = `${p.name}.adalora_${w}`;
        const g = this.grads.get(weight);
        if (!g) continue;
        const values = (await this.params.get(weight).data()) as Float32Array;
        const grad = (await g.data()) as Float32Array;
        const s = this.smoothed.get(weight) ?? { sens: new Float32Array(values.length), unc: new Float32Array(values.length) };
        for (let i = 0; i < values.length; i++) {
          const sensitivity = Math.abs(values[i] * grad[i]);
          s.sens[i] = b1 * s.sens[i] + (1 - b1) * sensitivity;
          s.unc[i] = b2 * s.unc[i] + (1 - b2) * Math.abs(sensitivity - s.sens[i]);
        }
        this.smoothed.set(weight, s);
        // A triplet's score: its lambda's, plus the mean over its P column and its Q row.
        for (let i = 0; i < values.length; i++) {
          const importance = s.sens[i] * s.unc[i];
          if (w === "lambda") score[i] += importance;
          else if (w === "P") score[i % r] += importance / p.inputs;
          else score[Math.floor(i / p.outputs)] += importance / p.outputs;
        }
      }
      scores.set(p.name, score);
    }
    for (const g of this.grads.values()) g.dispose();
    this.grads.clear();
    this.scores = scores;
    if (step <= this.options.warmupSteps || step % (this.options.pruneEvery ?? 1) !== 0) return;
    const budget = this.budgetAt(step);
    // Keep the `budget` best triplets among those still kept (a pruned triplet stays pruned).
    const all: Array<{ p: Triplets; i: number; score: number }> = [];
    for (const p of this.projections) {
      const s = scores.get(p.name) as Float64Array;
      for (let i = 0; i < p.mask.length; i++) if (p.mask[i] === 1) all.push({ p, i, score: s[i] });
    }
    if (all.length <= budget) return;
    all.sort((a, b) => b.score - a.score || (a.p.name < b.p.name ? -1 : a.p.name > b.p.name ? 1 : a.i - b.i));
    for (const t of all.slice(budget)) t.p.mask[t.i] = 0;
    for (const p of this.projections) {
      this.masks.get(p.name)?.dispose();
      this.masks.set(p.name, tf.keep(tf.tensor1d(p.mask)));
    }
  }

  dispose(): void {
    this.params.dispose();
    for (const t of [...this.grads.values(), ...this.masks.values()]) t.dispose();
    this.grads.clear();
    this.masks.clear();
  }
}

export function adalora(encoder: Encoder, options: AdaLoraOptions): AdaLora {
  return new AdaLora(encoder, options);
}
