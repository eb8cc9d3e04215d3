/**
 * LoRA (Hu et al. 2021, "Low-rank adaptation of large language models"): a frozen projection
 * W [in, out] gets a trainable low-rank update, x W + (alpha / r) x A B with A [in, r] and
 * B [r, out]. B starts at zero, so training starts from the pretrained model exactly. `merge()`
 * folds (alpha / r) A B into W for inference at no extra cost; `unmerge()` takes it out again.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/random";
import type { Encoder } from "../model/encoder";
import { layerName } from "../model/encoder";
import { Parameters, truncatedNormalValues } from "../model/parameters";
import type { FineTuneMethod } from "./method";

/** The projections LoRA can adapt, by short name, and their weight names inside a layer. */
export const LORA_TARGETS = {
  query: "attention.self.query",
  key: "attention.self.key",
  value: "attention.self.value",
  "attention.output": "attention.output.dense",
  intermediate: "intermediate.dense",
  output: "output.dense",
} as const;

export type LoraTarget = keyof typeof LORA_TARGETS;

export interface LoraOptions {
  readonly rank: number;
  /** The update is scaled by alpha / rank (default alpha = rank: scale 1). */
  readonly alpha?: number;
  /** Which projections (default query and value, as in the paper). */
  readonly targets?: readonly LoraTarget[];
  /** Which layers (default all). */
  readonly layers?: readonly number[];
  readonly seed?: number;
}

/** One dense projection a low-rank method adapts. */
export interface AdaptedProjection {
  /** Its weight prefix ("encoder.layer_0.attention.self.query"). */
  readonly name: string;
  readonly inputs: number;
  readonly outputs: number;
}

/**
 * The projections `targets` x `layers` names (default query and value of every layer), checked:
 * an unknown target or layer, or a rank above a kernel's smaller side, is an error naming it.
 */
export function adaptedProjections(
  encoder: Encoder,
  options: { readonly targets?: readonly LoraTarget[]; readonly layers?: readonly number[] },
  rank: number,
  what: string,
  rankName: string
): AdaptedProjection[] {
  const targets = options.targets ?? (["query", "value"] as const);
  if (targets.length === 0) throw new Error(`${what}: targets is empty; name at least one projection (${Object.keys(LORA_TARGETS).join(", ")}).`);
  for (const t of targets) {
    if (!(t in LORA_TARGETS)) throw new Error(`${what}: unknown target "${t}"; expected one of ${Object.keys(LORA_TARGETS).join(", ")}.`);
  }
  const count = encoder.config.layers;
  const layers = options.layers ?? Array.from({ length: count }, (_, i) => i);
  const out: AdaptedProjection[] = [];
  for (const l of layers) {
    if (!(Number.isInteger(l) && l >= 0 && l < count)) throw new Error(`${what}: layer ${l} does not exist (the encoder has layers 0..${count - 1}).`);
    for (const t of targets) {
      const name = `${layerName(l)}.${LORA_TARGETS[t]}`;
      const [inputs, outputs] = encoder.params.get(`${name}.kernel`).shape;
      if (rank > Math.min(inputs, outputs)) {
        throw new Error(`${what}: ${rankName} ${rank} is larger than the layer ${name} allows (kernel [${inputs}, ${outputs}]: at most ${Math.min(inputs, outputs)}).`);
      }
      out.push({ name, inputs, outputs });
    }
  }
  return out;
}

export class Lora implements FineTuneMethod {
  readonly name = "lora" as const;
  readonly trainsEncoder = false;
  readonly encoderDropout = true;
  readonly params: Parameters;
  readonly scale: number;
  /** The adapted projections' weight prefixes ("encoder.layer_0.attention.self.query"). */
  readonly projections: readonly string[];
  private mergedState = false;

  constructor(
    readonly encoder: Encoder,
    readonly options: LoraOptions
  ) {
    const { rank } = options;
    if (!Number.isInteger(rank) || rank < 1) throw new Error(`LoRA: rank must be a positive integer, got ${rank}.`);
    const alpha = options.alpha ?? rank;
    if (!(alpha > 0) || !Number.isFinite(alpha)) throw new Error(`LoRA: alpha must be a positive number, got ${alpha}.`);
    this.scale = alpha / rank;
    const rng = new Rng(options.seed ?? 0);
    this.params = new Parameters("lora");
    const names: string[] = [];
    for (const { name, inputs, outputs } of adaptedProjections(encoder, options, rank, "LoRA", "rank")) {
      // A like a default dense init scaled to its fan-in; B zero, so the update starts at 0.
      this.params.add(`${name}.lora_A`, truncatedNormalValues(inputs * rank, 1 / Math.sqrt(inputs), rng), [inputs, rank]);
      this.params.add(`${name}.lora_B`, new Float32Array(rank * outputs), [rank, outputs]);
      names.push(name);
    }
    this.projections = names;
  }

  get merged(): boolean {
    return this.mergedState;
  }

  readonly hooks = {
    projection: (name: string, x: tf.Tensor2D, output: tf.Tensor2D): tf.Tensor2D => {
      if (this.mergedState || !this.params.has(`${name}.lora_A`)) return output;
      return tf.tidy(() => output.add(tf.matMul(tf.matMul(x, this.params.get(`${name}.lora_A`)), this.params.get(`${name}.lora_B`)).mul(this.scale)));
    },
  };

  /** The update (alpha / r) A B of one projection [in, out]. */
  delta(name: string): tf.Tensor2D {
    return tf.tidy(() => tf.matMul(this.params.get(`${name}.lora_A`), this.params.get(`${name}.lora_B`)).mul(this.scale) as tf.Tensor2D);
  }

  /** Fold the updates into the encoder's kernels (the hooks then pass outputs through unchanged). */
  merge(): void {
    if (this.mergedState) throw new Error("LoRA.merge: already merged.");
    for (const name of this.projections) {
      const kernel = this.encoder.params.get(`${name}.kernel`);
      tf.tidy(() => kernel.assign(kernel.add(this.delta(name))));
    }
    this.mergedState = true;
  }

  /** Take the updates out of the kernels again (up to float rounding). */
  unmerge(): void {
    if (!this.mergedState) throw new Error("LoRA.unmerge: not merged.");
    for (const name of this.projections) {
      const kernel = this.encoder.params.get(`${name}.kernel`);
      tf.tidy(() => kernel.assign(kernel.sub(this.delta(name))));
    }
    this.mergedState = false;
  }

  dispose(): void {
    this.params.dispose();
  }
}

export function lora(encoder: Encoder, options: LoraOptions): Lora {
  return new Lora(encoder, options);
}
