/**
 * The masked-language-model head and the model it makes with the encoder. The head transforms a
 * token vector (dense, GELU, layer norm) and scores it against every word embedding: the output
 * matrix is the input embedding table itself ("tied"), plus one bias per word. Only the masked
 * positions are scored: their rows are gathered first, so the vocabulary-sized product covers about
 * 15 % of the tokens instead of all of them.
 */
import * as tf from "@tensorflow/tfjs";
import type { EncoderHooks } from "./hooks";
import { Rng, type Seed } from "../core/random";
import { validateEncoderConfig, type EncoderConfig } from "./config";
import { dense, denseSpecs } from "./dense";
import { WORD_EMBEDDINGS } from "./embeddings";
import { Encoder, encoderSpecs, type EncoderInputs } from "./encoder";
import { gelu, layerNorm, sparseCrossEntropy } from "./fused";
import { Parameters, type ParameterSpec } from "./parameters";

export const MLM_OUTPUT_BIAS = "cls.predictions.output_bias";

export function mlmHeadSpecs(config: EncoderConfig): ParameterSpec[] {
  const d = config.hiddenSize;
  return [
    ...denseSpecs("cls.predictions.transform.dense", d, d),
    { name: "cls.predictions.transform.LayerNorm.gamma", shape: [d], init: "ones" },
    { name: "cls.predictions.transform.LayerNorm.beta", shape: [d], init: "zeros" },
    { name: MLM_OUTPUT_BIAS, shape: [config.vocabSize], init: "zeros" },
  ];
}

/** One MLM batch as plain arrays (see `train/masking.ts`, which makes them). */
export interface MlmBatch {
  readonly batch: number;
  readonly length: number;
  /** [batch * length] token ids after masking. */
  readonly inputIds: Int32Array;
  /** [batch * length] 1 for real tokens, 0 for padding. */
  readonly attentionMask: Float32Array;
  /** [batch * length] segment ids, when the texts are pairs. */
  readonly tokenTypeIds?: Int32Array;
  /** Flat indices (row * length + column) of the positions to predict. */
  readonly positions: Int32Array;
  /** The original token at each of those positions. */
  readonly labels: Int32Array;
}

/** The model's top guesses at one [MASK] position. */
export interface MaskPrediction {
  /** Index of the input sequence, and position in it. */
  readonly sequence: number;
  readonly position: number;
  /** Token ids, most probable first, with their probabilities. */
  readonly ids: number[];
  readonly probabilities: number[];
}

export interface MlmEvaluation {
  /** Sum of the cross-entropy over the predicted positions (nats). */
  readonly lossSum: number;
  readonly correct: number;
  readonly count: number;
}

export class MaskedLanguageModel {
  readonly encoder: Encoder;

  constructor(
    readonly config: EncoderConfig,
    /** Encoder and head weights in one set. */
    readonly params: Parameters
  ) {
    validateEncoderConfig(config);
    this.encoder = new Encoder(config, params);
    const missing = mlmHeadSpecs(config).filter((s) => !params.has(s.name));
    if (missing.length) throw new Error(`MaskedLanguageModel: the parameters lack ${missing.map((s) => s.name).join(", ")}.`);
  }

  /** Fresh weights from the seed (the encoder part equals `Encoder.create(config, seed)`'s). */
  static create(config: EncoderConfig, seed: Seed | Rng = 0): MaskedLanguageModel {
    validateEncoderConfig(config);
    const rng = seed instanceof Rng ? seed : new Rng(seed);
    const params = Parameters.create([...encoderSpecs(config), ...mlmHeadSpecs(config)], rng, config.initializerRange, "mlm");
    return new MaskedLanguageModel(config, params);
  }

  parameterCount(): number {
    return this.params.count();
  }

  /** Vocabulary scores [rows, vocab] for token vectors [rows, hidden]. */
  logits(rows: tf.Tensor2D): tf.Tensor2D {
    const p = this.params;
    return tf.tidy(() => {
      const t = gelu(dense(rows, p.get("cls.predictions.transform.dense.kernel") as tf.Tensor2D, p.get("cls.predictions.transform.dense.bias") as tf.Tensor1D));
      const h = layerNorm(t, p.get("cls.predictions.transform.LayerNorm.gamma"), p.get("cls.predictions.transform.LayerNorm.beta"), this.config.layerNormEps) as tf.Tensor2D;
      return tf.fused.matMul({ a: h, b: p.get(WORD_EMBEDDINGS) as tf.Tensor2D, transposeB: true, bias: p.get(MLM_OUTPUT_BIAS) }) as tf.Tensor2D;
    });
  }

  /** Scores [positions, vocab] at flat positions (row * length + column) of the inputs. */
  logitsAt(inputs: EncoderInputs, positions: ArrayLike<number>, options: { training?: boolean; rng?: Rng; hooks?: EncoderHooks } = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const { rows } = this.encoder.forwardRows(inputs, options);
      return this.logits(tf.gather(rows, tf.tensor1d(Int32Array.from(positions), "int32")) as tf.Tensor2D);
    });
  }

  private tensors(batch: MlmBatch): EncoderInputs {
    const shape: [number, number] = [batch.batch, batch.length];
    const n = batch.batch * batch.length;
    if (batch.inputIds.length !== n || batch.attentionMask.length !== n) {
      throw new Error(`MlmBatch: expected ${n} ids and mask values for ${batch.batch} x ${batch.length}, got ${batch.inputIds.length} and ${batch.attentionMask.length}.`);
    }
    if (batch.positions.length !== batch.labels.length) {
      throw new Error(`MlmBatch: ${batch.positions.length} positions but ${batch.labels.length} labels.`);
    }
    return {
      inputIds: tf.tensor2d(batch.inputIds, shape, "int32"),
      attentionMask: tf.tensor2d(batch.attentionMask, shape, "float32"),
      tokenTypeIds: batch.tokenTypeIds ? tf.tensor2d(batch.tokenTypeIds, shape, "int32") : undefined,
    };
  }

  /** Mean cross-entropy over the batch's masked positions (a scalar to minimise). */
  loss(batch: MlmBatch, options: { training?: boolean; rng?: Rng } = {}): tf.Scalar {
    if (batch.positions.length === 0) throw new Error("MaskedLanguageModel.loss: the batch has no masked positions.");
    return tf.tidy(() => {
      const logits = this.logitsAt(this.tensors(batch), batch.positions, options);
      return sparseCrossEntropy(logits, tf.tensor1d(batch.labels, "int32")).mean() as tf.Scalar;
    });
  }

  /** Loss sum and correct top-1 predictions over the masked positions (no dropout, no gradient). */
  evaluate(batch: MlmBatch): MlmEvaluation {
    if (batch.positions.length === 0) return { lossSum: 0, correct: 0, count: 0 };
    const [lossSum, correct] = tf.tidy(() => {
      const logits = this.logitsAt(this.tensors(batch), batch.positions);
      const labels = tf.tensor1d(batch.labels, "int32");
      const loss = sparseCrossEntropy(logits, labels).sum();
      const hits = tf.equal(tf.argMax(logits, 1), labels).sum();
      return [loss, hits];
    });
    const out = { lossSum: lossSum.dataSync()[0], correct: correct.dataSync()[0], count: batch.positions.length };
    tf.dispose([lossSum, correct]);
    return out;
  }

  /**
   * Fill in the blanks: the `topK` most probable tokens (with probabilities) at every `maskId` in
   * the given id sequences (padded here with `padId`). No dropout. Read asynchronously, so it runs
   * on every backend (WebGPU has no synchronous read under Node).
   */
  async predictMasked(sequences: ReadonlyArray<ArrayLike<number>>, maskId: number, options: { topK?: number; padId?: number } = {}): Promise<MaskPrediction[]> {
    const topK = Math.min(options.topK ?? 5, this.config.vocabSize);
    const length = Math.max(1, ...sequences.map((s) => s.length));
    const ids = new Int32Array(sequences.length * length).fill(options.padId ?? 0);
    const mask = new Float32Array(sequences.length * length);
    const where: Array<{ sequence: number; position: number }> = [];
    sequences.forEach((s, b) => {
      for (let j = 0; j < s.length; j++) {
        ids[b * length + j] = s[j];
        mask[b * length + j] = 1;
        if (s[j] === maskId) where.push({ sequence: b, position: j });
      }
    });
    if (where.length === 0) return [];
    const shape: [number, number] = [sequences.length, length];
    const [values, indices] = tf.tidy(() => {
      const logits = this.logitsAt(
        { inputIds: tf.tensor2d(ids, shape, "int32"), attentionMask: tf.tensor2d(mask, shape) },
        where.map((w) => w.sequence * length + w.position)
      );
      const top = tf.topk(tf.softmax(logits), topK);
      return [top.values, top.indices];
    });
    const [p, i] = await Promise.all([values.array() as Promise<number[][]>, indices.array() as Promise<number[][]>]).finally(() => tf.dispose([values, indices]));
    return where.map((w, n) => ({ ...w, ids: i[n], probabilities: p[n] }));
  }

  dispose(): void {
    this.params.dispose();
  }
}
