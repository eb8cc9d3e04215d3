/**
 * AdamW shared by the gradient workers (see `worker-pool.ts`): the weights and both moments live
 * once, flat, in SharedArrayBuffers laid out like the gradients, and each worker updates only its
 * segment of them, so the update costs each of N workers 1/N of the whole. Every element goes
 * through `adamwUpdateValues`, the function the fused kernel runs on one thread, with the same
 * step, learning rate and decay, so the result has the same bits as `AdamW.apply`. The replicas
 * then copy the new weights from the shared buffer.
 */
import { adamwUpdateValues, type AdamWHyper, type AdamWState } from "./adamw";

/** Where a weight sits in the flat buffers (the gradients' layout). */
export interface FlatSlot {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** The shared buffers: weights, first and second moments (float32, `total` each), and a byte per weight that has moments. */
export interface SharedOptimizerBuffers {
  readonly weights: SharedArrayBuffer;
  readonly m: SharedArrayBuffer;
  readonly v: SharedArrayBuffer;
  readonly hasMoments: SharedArrayBuffer;
}

/** New shared buffers holding `weights` (by name) and the moments of `state`; names outside `layout` are an error. */
export function sharedOptimizerBuffers(layout: readonly FlatSlot[], total: number, weights: ReadonlyMap<string, { readonly values: Float32Array }>, state: AdamWState): SharedOptimizerBuffers {
  const buffers: SharedOptimizerBuffers = {
    weights: new SharedArrayBuffer(4 * total),
    m: new SharedArrayBuffer(4 * total),
    v: new SharedArrayBuffer(4 * total),
    hasMoments: new SharedArrayBuffer(layout.length),
  };
  const w = new Float32Array(buffers.weights);
  const m = new Float32Array(buffers.m);
  const v = new Float32Array(buffers.v);
  const has = new Uint8Array(buffers.hasMoments);
  const index = new Map(layout.map((s, i) => [s.name, i]));
  layout.forEach((s) => {
    const value = weights.get(s.name);
    if (!value || value.values.length !== s.size) throw new Error(`shared AdamW: no weight "${s.name}" of ${s.size} values to start from.`);
    w.set(value.values, s.offset);
  });
  for (const [name, moments] of state.moments) {
    const i = index.get(name);
    if (i === undefined) throw new Error(`shared AdamW: the saved state has moments for "${name}", which this optimizer does not update.`);
    const s = layout[i];
    if (moments.m.length !== s.size || moments.v.length !== s.size) throw new Error(`shared AdamW: moments of "${name}" have ${moments.m.length}/${moments.v.length} values, the weight ${s.size}.`);
    m.set(moments.m, s.offset);
    v.set(moments.v, s.offset);
    has[i] = 1;
  }
  return buffers;
}

export class SharedAdamW {
  readonly weights: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly has: Uint8Array;
  private steps: number;

  constructor(
    private readonly layout: readonly FlatSlot[],
    buffers: SharedOptimizerBuffers,
    private readonly hyper: AdamWHyper,
    private readonly decayed: ReadonlySet<string>,
    private readonly scales: ReadonlyMap<string, number> | null,
    step: number
  ) {
    this.weights = new Float32Array(buffers.weights);
    this.m = new Float32Array(buffers.m);
    this.v = new Float32Array(buffers.v);
    this.has = new Uint8Array(buffers.hasMoments);
    this.steps = step;
  }

  get step(): number {
    return this.steps;
  }

  /**
   * One update of the elements [lo, hi) of the weights that got a gradient (`updated[i]` for
   * layout slot i), from the summed gradient `grad` times `gradScale`. Every worker calls it with
   * its own segment (so every worker's step count advances).
   */
  apply(grad: Float32Array, updated: ArrayLike<boolean>, lr: number, gradScale: number, lo: number, hi: number): void {
    this.steps++;
    this.layout.forEach((s, i) => {
      if (!updated[i]) return;
      const a = Math.max(lo, s.offset);
      const b = Math.min(hi, s.offset + s.size);
      // The weight has moments from now on, whoever updates which part of it.
      this.has[i] = 1;
      if (a >= b) return;
      const w = this.weights.subarray(a, b);
      const m = this.m.subarray(a, b);
      const v = this.v.subarray(a, b);
      adamwUpdateValues(w, m, v, grad.subarray(a, b), {
        lr: this.scales ? lr * (this.scales.get(s.name) ?? 1) : lr,
        beta1: this.hyper.beta1,
        beta2: this.hyper.beta2,
        epsilon: this.hyper.epsilon,
        weightDecay: this.decayed.has(s.name) ? this.hyper.weightDecay : 0,
        step: this.steps,
        gradScale,
      }, w, m, v);
    });
  }

  /** A copy of the step count and the moments of every weight that has them (as `AdamW.state`). */
  state(): AdamWState {
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    this.layout.forEach((s, i) => {
      if (this.has[i]) moments.set(s.name, { m: this.m.slice(s.offset, s.offset + s.size), v: this.v.slice(s.offset, s.offset + s.size) });
    });
    return { step: this.steps, moments };
  }
}
