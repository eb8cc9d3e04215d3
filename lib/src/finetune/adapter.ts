/**
 * Adapters (Houlsby et al. 2019, "Parameter-efficient transfer learning for NLP"): a small
 * bottleneck, h + up(GELU(down(h))), after each layer's attention and feed-forward output (before
 * the residual and layer norm). Both projections start near zero, so the adapted encoder starts
 * near the pretrained one; only the adapters (and the task head) train.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/random";
import type { Encoder } from "../model/encoder";
import { gelu } from "../model/fused";
import { Parameters, truncatedNormalValues } from "../model/parameters";
import type { FineTuneMethod } from "./method";

export interface AdapterOptions {
  /** Bottleneck width. */
  readonly size: number;
  /** Standard deviation of both projections' initial weights (near-identity: small; default 1e-2). */
  readonly initStd?: number;
  readonly seed?: number;
}

export class Adapters implements FineTuneMethod {
  readonly name = "adapter" as const;
  readonly trainsEncoder = false;
  readonly encoderDropout = true;
  readonly params: Parameters;

  constructor(
    encoder: Encoder,
    readonly options: AdapterOptions
  ) {
    const d = encoder.config.hiddenSize;
    const m = options.size;
    if (!Number.isInteger(m) || m < 1) throw new Error(`Adapters: size must be a positive integer, got ${m}.`);
    const std = options.initStd ?? 1e-2;
    if (!(std >= 0) || !Number.isFinite(std)) throw new Error(`Adapters: initStd must be a finite number >= 0, got ${std}.`);
    const rng = new Rng(options.seed ?? 0);
    this.params = new Parameters("adapter");
    for (let l = 0; l < encoder.config.layers; l++) {
      for (const which of ["attention", "feedForward"] as const) {
        const p = Adapters.prefix(l, which);
        this.params.add(`${p}.down.kernel`, truncatedNormalValues(d * m, std, rng), [d, m]);
        this.params.add(`${p}.down.bias`, new Float32Array(m), [m]);
        this.params.add(`${p}.up.kernel`, truncatedNormalValues(m * d, std, rng), [m, d]);
        this.params.add(`${p}.up.bias`, new Float32Array(d), [d]);
      }
    }
  }

  static prefix(layer: number, which: "attention" | "feedForward"): string {
    return `adapter.layer_${layer}.${which}`;
  }

  readonly hooks = {
    sublayer: (layer: number, which: "attention" | "feedForward", output: tf.Tensor2D): tf.Tensor2D => {
      const p = Adapters.prefix(layer, which);
      const w = (n: string) => this.params.get(`${p}.${n}`);
      return tf.tidy(() => {
        const inner = gelu(tf.fused.matMul({ a: output, b: w("down.kernel") as tf.Tensor2D, bias: w("down.bias") })) as tf.Tensor2D;
        return output.add(tf.fused.matMul({ a: inner, b: w("up.kernel") as tf.Tensor2D, bias: w("up.bias") })) as tf.Tensor2D;
      });
    },
  };

  dispose(): void {
    this.params.dispose();
  }
}

export function adapters(encoder: Encoder, options: AdapterOptions): Adapters {
  return new Adapters(encoder, options);
}
