/**
 * A model's weights by name. Names follow the original BERT checkpoints with dots
 * ("encoder.layer_0.attention.self.query.kernel"), so that a reader can match them to the paper
 * and to other implementations; dense kernels are [in, out]. Every tf variable gets a
 * process-unique prefix, since tfjs refuses two variables with the same name.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/random";

export type Initializer = "normal" | "zeros" | "ones";

export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Initializer;
}

/** A plain copy of a weight: what checkpoints store and load. */
export interface WeightValue {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

let nextModelId = 0;

/** Values of a truncated normal (mean 0, std `std`, redrawn beyond 2 std), from the seeded Rng. */
export function truncatedNormalValues(n: number, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = rng.normal();
    while (z < -2 || z > 2) z = rng.normal();
    out[i] = z * std;
  }
  return out;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export class Parameters {
  /** The prefix of this set's tf variable names (unique in the process). */
  readonly scope: string;
  private readonly vars = new Map<string, tf.Variable>();

  constructor(label = "model") {
    this.scope = `shoplm${nextModelId++}_${label}`;
  }

  /** Create the variables of `specs`, initialised from `rng` (normal ones with std `std`). */
  static create(specs: readonly ParameterSpec[], rng: Rng, std: number, label?: string): Parameters {
    const p = new Parameters(label);
    for (const spec of specs) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const values =
        spec.init === "normal" ? truncatedNormalValues(n, std, rng) : new Float32Array(n).fill(spec.init === "ones" ? 1 : 0);
      p.add(spec.name, values, spec.shape);
    }
    return p;
  }

  /** Add a trainable variable holding `values`. */
  add(name: string, values: Float32Array, shape: readonly number[]): tf.Variable {
    if (this.vars.has(name)) throw new Error(`Parameters: "${name}" is already defined.`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (values.length !== n) throw new Error(`Parameters: "${name}" has ${values.length} values for shape ${shapeText(shape)} (${n}).`);
    const init = tf.tensor(values, shape.slice(), "float32");
    const variable = tf.variable(init, true, `${this.scope}/${name}`);
    init.dispose();
    this.vars.set(name, variable);
    return variable;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) {
      const near = this.names().filter((n) => n.split(".").slice(-2).join(".") === name.split(".").slice(-2).join("."));
      throw new Error(`Parameters: no weight named "${name}"${near.length ? `; similar: ${near.slice(0, 3).join(", ")}` : ""}.`);
    }
    return v;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  entries(): Array<[string, tf.Variable]> {
    return [...this.vars.entries()];
  }

  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** The logical name of one of this set's tf variables (tf.variableGrads keys gradients by the tf name). */
  nameOf(tfName: string): string {
    const prefix = `${this.scope}/`;
    if (!tfName.startsWith(prefix)) throw new Error(`Parameters: variable "${tfName}" does not belong to ${this.scope}.`);
    return tfName.slice(prefix.length);
  }

  /** Number of scalars. */
  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  shapes(): Record<string, number[]> {
    return Object.fromEntries(this.entries().map(([name, v]) => [name, v.shape.slice()]));
  }

  /** A copy of every weight (for checkpoints). */
  snapshot(): Map<string, WeightValue> {
    return new Map(this.entries().map(([name, v]) => [name, { shape: v.shape.slice(), values: Float32Array.from(v.dataSync()) }]));
  }

  /**
   * Overwrite weights from `values`. Every weight of this set (or of `only`) must be there with the
   * same shape; names this set does not have are an error unless `allowExtra` (another head's weights).
   */
  load(values: ReadonlyMap<string, WeightValue>, options: { allowExtra?: boolean; source?: string; only?: Iterable<string> } = {}): void {
    const from = options.source ? ` in ${options.source}` : "";
    const only = options.only ? new Set(options.only) : null;
    const targets = this.entries().filter(([name]) => !only || only.has(name));
    for (const [name, v] of targets) {
      const w = values.get(name);
      if (!w) throw new Error(`Weight "${name}" (shape ${shapeText(v.shape)}) is missing${from}.`);
      const same = w.shape.length === v.shape.length && w.shape.every((d, i) => d === v.shape[i]);
      if (!same) {
        throw new Error(`Weight "${name}" has shape ${shapeText(w.shape)}${from} but the model expects ${shapeText(v.shape)}.`);
      }
    }
    if (!options.allowExtra) {
      const extra = [...values.keys()].filter((n) => !this.vars.has(n));
      if (extra.length) throw new Error(`Weights${from} that the model does not have: ${extra.slice(0, 5).join(", ")}${extra.length > 5 ? ", ..." : ""}.`);
    }
    for (const [name, v] of targets) {
      const w = values.get(name) as WeightValue;
      tf.tidy(() => v.assign(tf.tensor(w.values, v.shape, "float32")));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
