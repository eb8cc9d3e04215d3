/**
 * Masked-language-model pretraining: draw a batch, mask it, compute the loss at the masked
 * positions, backpropagate, clip the gradients by their global norm, and take an AdamW step at the
 * scheduled learning rate. Every random choice (batch order, masks, dropout) comes from one seeded
 * Rng, so a seed reproduces a run's losses exactly on a given backend. Callbacks report each step
 * (for a progress bar and a live loss curve) and each held-out evaluation.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, type RngState } from "../core/random";
import type { MaskedLanguageModel } from "../model/mlm-head";
import { AdamW, type AdamWOptions, type AdamWState } from "./adamw";
import { BatchSampler, padBatch, type TokenSequence } from "./batches";
import { clipScale, globalNorm } from "./clip";
import { maskTokens, toMlmBatch, type MaskingOptions, type SpecialTokens } from "./masking";
import { MlmMetrics } from "./metrics";
import { learningRateAt, validateSchedule, type Decay, type ScheduleOptions } from "./schedule";

export interface PretrainOptions {
  readonly steps: number;
  readonly batchSize: number;
  /** Sequences are cut to this many tokens (at most the model's maxPositions). */
  readonly maxLength: number;
  /** Pad each batch to its longest sequence (default) or always to maxLength. */
  readonly padTo?: "longest" | "max";
  readonly special: SpecialTokens;
  /** Peak learning rate (default 1e-3, suited to small models). */
  readonly learningRate?: number;
  /** Warm-up steps (default 10 % of the steps). */
  readonly warmupSteps?: number;
  readonly decay?: Decay;
  readonly minLearningRate?: number;
  readonly optimizer?: AdamWOptions;
  /** Global-norm gradient clipping (default 1; null for none). */
  readonly clipNorm?: number | null;
  /** Masking settings other than the vocabulary and special ids. */
  readonly masking?: Omit<MaskingOptions, "vocabSize" | "special">;
  /** Seed of the run's Rng (batch order, masks, dropout). */
  readonly seed?: number;
  /** Evaluate on the held-out sequences every this many steps (and after the last). */
  readonly evalEvery?: number;
  /** Use at most this many held-out batches per evaluation. */
  readonly evalBatches?: number;
  /** Seed of the held-out masks (the same masks at every evaluation, so the numbers compare). */
  readonly evalSeed?: number;
  readonly onStep?: (info: StepInfo) => void | Promise<void>;
  readonly onEval?: (info: EvalInfo) => void | Promise<void>;
}

export interface StepInfo {
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  readonly learningRate: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  readonly clipped: boolean;
  /** Real (non-padding) tokens in the batch, and how many were predicted. */
  readonly tokens: number;
  readonly maskedTokens: number;
  /** Real tokens per second over this step. */
  readonly tokensPerSecond: number;
  readonly stepMs: number;
}

export interface EvalInfo {
  readonly step: number;
  readonly loss: number;
  readonly perplexity: number;
  readonly accuracy: number;
  readonly maskedTokens: number;
}

export interface PretrainResult {
  readonly steps: StepInfo[];
  readonly evals: EvalInfo[];
  readonly seconds: number;
}

/** Everything needed to resume a run where it stopped (stored in checkpoints). */
export interface TrainingState {
  readonly step: number;
  readonly rng: RngState;
  readonly sampler: { order: number[]; at: number; epoch: number };
  readonly optimizer: AdamWState;
}

/** Token ids outside the vocabulary would index past the embedding table (silently, on some backends). */
function checkIds(sequences: readonly TokenSequence[], what: string, vocabSize: number): void {
  sequences.forEach((s, i) => {
    for (let j = 0; j < s.inputIds.length; j++) {
      const id = s.inputIds[j];
      if (!(Number.isInteger(id) && id >= 0 && id < vocabSize)) {
        throw new Error(`pretrain: ${what} sequence ${i} has token id ${id} at position ${j}, outside the model's vocabulary of ${vocabSize} (is the tokenizer's vocabulary size the model's vocabSize?).`);
      }
    }
  });
}

export class Pretrainer {
  readonly optimizer: AdamW;
  readonly schedule: ScheduleOptions;
  private readonly sampler: BatchSampler;
  private readonly masking: MaskingOptions;
  private rng: Rng;
  private steps = 0;

  constructor(
    readonly model: MaskedLanguageModel,
    readonly train: readonly TokenSequence[],
    readonly heldOut: readonly TokenSequence[],
    readonly options: PretrainOptions
  ) {
    if (!Number.isInteger(options.steps) || options.steps < 1) throw new Error(`pretrain: steps must be a positive integer, got ${options.steps}.`);
    if (options.maxLength > model.config.maxPositions) {
      throw new Error(`pretrain: maxLength ${options.maxLength} exceeds the model's ${model.config.maxPositions} positions.`);
    }
    if (train.length === 0) throw new Error("pretrain: no training sequences.");
    checkIds(train, "training", model.config.vocabSize);
    checkIds(heldOut, "held-out", model.config.vocabSize);
    this.schedule = validateSchedule({
      peak: options.learningRate ?? 1e-3,
      totalSteps: options.steps,
      warmupSteps: options.warmupSteps ?? Math.round(0.1 * options.steps),
      decay: options.decay ?? "linear",
      minimum: options.minLearningRate ?? 0,
    });
    this.optimizer = new AdamW(model.params, options.optimizer);
    this.sampler = new BatchSampler(train.length, options.batchSize);
    this.masking = { ...options.masking, vocabSize: model.config.vocabSize, special: options.special };
    this.rng = new Rng(options.seed ?? 0);
  }

  /** Updates done so far. */
  get step(): number {
    return this.steps;
  }

  /** One training step; returns its numbers (no callbacks). */
  trainStep(): StepInfo {
    const start = performance.now();
    const step = this.steps + 1;
    const o = this.options;
    const indices = this.sampler.next(this.rng);
    const batch = padBatch(
      indices.map((i) => this.train[i]),
      { padId: o.special.pad, maxLength: o.maxLength, padTo: o.padTo }
    );
    const masked = maskTokens(batch, this.masking, this.rng);
    const mlm = toMlmBatch(batch, masked);
    let tokens = 0;
    for (let i = 0; i < batch.attentionMask.length; i++) tokens += batch.attentionMask[i];
    const lr = learningRateAt(step, this.schedule);
    let loss = NaN;
    let gradNorm = 0;
    let scale = 1;
    if (masked.positions.length > 0) {
      const params = this.model.params;
      const { value, grads } = tf.variableGrads(() => this.model.loss(mlm, { training: true, rng: this.rng }), params.variables());
      const named = new Map(Object.entries(grads).map(([tfName, g]) => [params.nameOf(tfName), g]));
      loss = value.dataSync()[0];
      gradNorm = globalNorm([...named.values()]);
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        value.dispose();
        tf.dispose([...named.values()]);
        throw new Error(`pretrain: at step ${step} the loss is ${loss} and the gradient norm ${gradNorm}: training diverged (learning rate ${lr}; try a lower one, or clipping).`);
      }
      scale = clipScale(gradNorm, o.clipNorm === undefined ? 1 : o.clipNorm);
      this.optimizer.apply(named, lr, scale);
      value.dispose();
      tf.dispose([...named.values()]);
    }
    this.steps = step;
    const stepMs = performance.now() - start;
    return {
      step,
      totalSteps: o.steps,
      loss,
      learningRate: lr,
      gradNorm,
      clipped: scale < 1,
      tokens,
      maskedTokens: masked.positions.length,
      tokensPerSecond: tokens / (stepMs / 1000),
      stepMs,
    };
  }

  /** Held-out loss, perplexity and masked-token accuracy (dropout off; the same masks every time). */
  evaluate(sequences: readonly TokenSequence[] = this.heldOut, maxBatches = this.options.evalBatches ?? Infinity): EvalInfo {
    return evaluateMlm(this.model, sequences, {
      batchSize: this.options.batchSize,
      maxLength: this.options.maxLength,
      masking: this.masking,
      seed: this.options.evalSeed ?? 12345,
      maxBatches,
      step: this.steps,
    });
  }

  /** Run the remaining steps (or `steps` more), calling the callbacks. */
  async run(steps = this.options.steps - this.steps): Promise<PretrainResult> {
    const start = performance.now();
    const infos: StepInfo[] = [];
    const evals: EvalInfo[] = [];
    const o = this.options;
    const last = this.steps + steps;
    let lastYield = performance.now();
    for (let i = 0; i < steps; i++) {
      const info = this.trainStep();
      infos.push(info);
      if (o.onStep) await o.onStep(info);
      const due = o.evalEvery !== undefined && (this.steps % o.evalEvery === 0 || this.steps === last);
      if (due && this.heldOut.length > 0) {
        const e = this.evaluate();
        evals.push(e);
        if (o.onEval) await o.onEval(e);
      }
      // Let a notebook send the displays' updates (the loop itself never waits on I/O).
      if (performance.now() - lastYield > 100) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    return { steps: infos, evals, seconds: (performance.now() - start) / 1000 };
  }

  /** A copy of where the run stands. */
  state(): TrainingState {
    return { step: this.steps, rng: this.rng.state(), sampler: this.sampler.state(), optimizer: this.optimizer.state() };
  }

  /** Continue from a saved state (same model weights loaded separately). */
  restore(state: TrainingState): void {
    this.optimizer.loadState(state.optimizer);
    this.sampler.restore(state.sampler);
    this.rng = Rng.fromState(state.rng);
    this.steps = state.step;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

export interface MlmEvaluateOptions {
  readonly batchSize: number;
  readonly maxLength: number;
  readonly masking: MaskingOptions;
  readonly seed: number;
  readonly maxBatches?: number;
  /** Reported back in the result. */
  readonly step?: number;
}

/** Masked-LM metrics on `sequences` in order, with masks drawn from `seed` (reproducible). */
export function evaluateMlm(model: MaskedLanguageModel, sequences: readonly TokenSequence[], options: MlmEvaluateOptions): EvalInfo {
  const rng = new Rng(options.seed);
  const metrics = new MlmMetrics();
  const maxBatches = options.maxBatches ?? Infinity;
  for (let start = 0, b = 0; start < sequences.length && b < maxBatches; start += options.batchSize, b++) {
    const batch = padBatch(sequences.slice(start, start + options.batchSize), { padId: options.masking.special.pad, maxLength: options.maxLength });
    const masked = maskTokens(batch, options.masking, rng);
    metrics.add(model.evaluate(toMlmBatch(batch, masked)));
  }
  if (metrics.tokens === 0) throw new Error("evaluateMlm: no token was masked (are the sequences empty or all special tokens?).");
  return { step: options.step ?? 0, loss: metrics.loss(), perplexity: metrics.perplexity(), accuracy: metrics.accuracy(), maskedTokens: metrics.tokens };
}

/** Train `model` for `options.steps` steps; see `Pretrainer` for step-by-step control. */
export async function pretrain(
  model: MaskedLanguageModel,
  data: { train: readonly TokenSequence[]; heldOut?: readonly TokenSequence[] },
  options: PretrainOptions
): Promise<PretrainResult> {
  const trainer = new Pretrainer(model, data.train, data.heldOut ?? [], options);
  try {
    return await trainer.run();
  } finally {
    trainer.dispose();
  }
}
