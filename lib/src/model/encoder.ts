/**
 * A BERT-style transformer encoder: embeddings, then `layers` times [self-attention, dropout,
 * residual, layer norm, feed-forward, dropout, residual, layer norm] (the post-norm layout of the
 * original BERT). Weights are explicit named tf variables (see `parameters.ts`).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, type Seed } from "../core/random";
import { multiHeadSelfAttention, attentionSpecs } from "./attention";
import { countParameters, validateEncoderConfig, type EncoderConfig } from "./config";
import { dropout } from "./dropout";
import { embed, embeddingSpecs } from "./embeddings";
import { feedForward, feedForwardSpecs } from "./feed-forward";
import { layerNorm } from "./fused";
import type { EncoderHooks } from "./hooks";
import { Parameters, type ParameterSpec } from "./parameters";

export interface EncoderInputs {
  /** Token ids [batch, length] (int32). */
  readonly inputIds: tf.Tensor2D;
  /** 1 for real tokens, 0 for padding [batch, length]; all real when left out. */
  readonly attentionMask?: tf.Tensor2D;
  /** Segment ids [batch, length] (0 or 1) for text pairs; all 0 when left out. */
  readonly tokenTypeIds?: tf.Tensor2D;
}

export interface ForwardOptions {
  /** Training mode: dropout on, drawing its masks from `rng` (required then). */
  readonly training?: boolean;
  readonly rng?: Rng;
  /** Also return each layer's attention weights [batch, heads, queries, keys]. */
  readonly outputAttentions?: boolean;
  /** Extension points for parameter-efficient fine-tuning (see `EncoderHooks`); none by default. */
  readonly hooks?: EncoderHooks;
  /** Causal self-attention: token i sees tokens 0..i only (a sequential recommender; default off, BERT's bidirectional attention). */
  readonly causal?: boolean;
}

export interface EncoderOutput {
  /** The last layer's token vectors [batch, length, hidden]. */
  readonly sequence: tf.Tensor3D;
  /** One per layer when asked for. */
  readonly attentions?: tf.Tensor4D[];
}

export function layerName(index: number): string {
  return `encoder.layer_${index}`;
}

export function encoderSpecs(config: EncoderConfig): ParameterSpec[] {
  const d = config.hiddenSize;
  const specs = embeddingSpecs(config);
  for (let i = 0; i < config.layers; i++) {
    const prefix = layerName(i);
    specs.push(
      ...attentionSpecs(prefix, config),
      { name: `${prefix}.attention.output.LayerNorm.gamma`, shape: [d], init: "ones" },
      { name: `${prefix}.attention.output.LayerNorm.beta`, shape: [d], init: "zeros" },
      ...feedForwardSpecs(prefix, config),
      { name: `${prefix}.output.LayerNorm.gamma`, shape: [d], init: "ones" },
      { name: `${prefix}.output.LayerNorm.beta`, shape: [d], init: "zeros" }
    );
  }
  return specs;
}

export class Encoder {
  constructor(
    readonly config: EncoderConfig,
    readonly params: Parameters
  ) {
    validateEncoderConfig(config);
    const missing = encoderSpecs(config).filter((s) => !params.has(s.name));
    if (missing.length) throw new Error(`Encoder: the parameters lack ${missing.map((s) => s.name).slice(0, 3).join(", ")}${missing.length > 3 ? ", ..." : ""}.`);
  }

  /** A freshly initialised encoder (truncated normal weights from the seed; same seed, same weights on every backend). */
  static create(config: EncoderConfig, seed: Seed | Rng = 0): Encoder {
    validateEncoderConfig(config);
    const rng = seed instanceof Rng ? seed : new Rng(seed);
    return new Encoder(config, Parameters.create(encoderSpecs(config), rng, config.initializerRange, "encoder"));
  }

  /** Number of scalars in the encoder's weights (a head sharing the parameter set is not counted). */
  parameterCount(): number {
    return encoderSpecs(this.config).reduce((n, s) => n + this.params.get(s.name).size, 0);
  }

  /** The same count from the sizes alone, by part. */
  parameterBreakdown(): ReturnType<typeof countParameters> {
    return countParameters(this.config);
  }

  /** The last layer's vectors as a 2-d [batch * length, hidden] tensor (what the heads use), plus attentions. */
  forwardRows(inputs: EncoderInputs, options: ForwardOptions = {}): { rows: tf.Tensor2D; attentions?: tf.Tensor4D[] } {
    const { inputIds } = inputs;
    if (inputIds.rank !== 2) throw new Error(`Encoder: inputIds must be [batch, length], got shape [${inputIds.shape}].`);
    const [batch, length] = inputIds.shape;
    if (inputs.attentionMask && (inputs.attentionMask.shape[0] !== batch || inputs.attentionMask.shape[1] !== length)) {
      throw new Error(`Encoder: attentionMask of shape [${inputs.attentionMask.shape}] does not match inputIds [${inputIds.shape}].`);
    }
    if (options.training && !options.rng) throw new Error("Encoder: training mode needs an `rng` for the dropout masks (seeded for reproducibility).");
    const rng = options.training ? (options.rng as Rng) : null;
    const c = this.config;
    const p = this.params;
    const hooks = options.hooks;
    return tf.tidy(() => {
      const mask = (inputs.attentionMask ? tf.cast(inputs.attentionMask, "float32") : tf.ones([batch, length])) as tf.Tensor2D;
      let x = embed(p, c, inputIds, inputs.tokenTypeIds, rng);
      const attentions: tf.Tensor4D[] = [];
      for (let i = 0; i < c.layers; i++) {
        const prefix = layerName(i);
        const att = multiHeadSelfAttention(p, prefix, c, x, batch, length, mask, rng, hooks, i, options.causal === true);
        if (options.outputAttentions) attentions.push(att.probs);
        const attOut = hooks?.sublayer ? hooks.sublayer(i, "attention", att.output) : att.output;
        x = layerNorm(
          x.add(dropout(attOut, c.dropout, rng)),
          p.get(`${prefix}.attention.output.LayerNorm.gamma`),
          p.get(`${prefix}.attention.output.LayerNorm.beta`),
          c.layerNormEps
        ) as tf.Tensor2D;
        const ffRaw = feedForward(p, prefix, x, hooks);
        const ff = hooks?.sublayer ? hooks.sublayer(i, "feedForward", ffRaw) : ffRaw;
        x = layerNorm(x.add(dropout(ff, c.dropout, rng)), p.get(`${prefix}.output.LayerNorm.gamma`), p.get(`${prefix}.output.LayerNorm.beta`), c.layerNormEps) as tf.Tensor2D;
      }
      return options.outputAttentions ? { rows: x, attentions } : { rows: x };
    });
  }

  /** Token vectors [batch, length, hidden] (and attention weights when asked). */
  forward(inputs: EncoderInputs, options: ForwardOptions = {}): EncoderOutput {
    const [batch, length] = inputs.inputIds.shape;
    return tf.tidy(() => {
      const { rows, attentions } = this.forwardRows(inputs, options);
      const sequence = rows.reshape([batch, length, this.config.hiddenSize]) as tf.Tensor3D;
      return attentions ? { sequence, attentions } : { sequence };
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}
