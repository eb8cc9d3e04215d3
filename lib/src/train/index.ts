/** Chapter 1, training: masking, batches, AdamW, schedules, clipping, the one Trainer (asynchronous step, worker threads) and the course model's recipe. */
export { padBatch, type TokenSequence, type PaddedBatch, type PadOptions, BatchSampler } from "./batches";
export { maskTokens, type SpecialTokens, type MaskingOptions, MASK_KIND, type MaskedTokens } from "./masking";
export {
  validateSchedule, learningRateAt, scheduleCurve, type Decay, type ScheduleOptions,
} from "./schedule";
export {
  decaysByDefault, adamwUpdateValues, adamwUpdateComposite, adamwHyper, type AdamWOptions, type AdamWStep,
  type AdamWState, type AdamWHyper, AdamW,
} from "./adamw";
export { sharedOptimizerBuffers, SharedAdamW, type FlatSlot, type SharedOptimizerBuffers } from "./shared-adamw";
export { sumOfSquares, globalNorm, clipScale, clipByGlobalNorm } from "./clip";
export { perplexity, unigramPerplexity, MlmMetrics } from "./metrics";
export {
  evaluateMlm, pretrain, type PretrainOptions, type StepInfo, type EvalInfo, type PretrainResult,
  type TrainingState, Pretrainer, type MlmEvaluateOptions,
} from "./pretrain";
export { stepSummary, trainingDisplay, type TrainingDisplayOptions, type TrainingDisplay } from "./callbacks";
export {
  shopTextSplit, specialTokenIds, encodeTexts, encodeWindows, trainCourseModel, type TextSplit,
  type CourseModelOptions, type CourseModelRun,
} from "./course-model";
export {
  defaultWorkerCount, resolveWorkers, splitRows, type TrainingTask, type DrawnBatch, type BatchSourceState,
  type BatchSource, type TrainStepInfo, type TrainerOptions, type TrainerRunOptions, type TrainerRunResult,
  Trainer,
} from "./trainer";
export {
  sliceMlmBatch, mlmTrainingTask, mlmWorkerTask, mlmWorkerSpec, type MlmBatchOptions, MlmBatchSource,
} from "./mlm-task";
export {
  type WorkerTaskSpec, type Shard, type WeightSlot, type WorkerSetup, type ToWorker, type FromWorker,
  type WorkerPoolOptions, arriveAtBarrier, abortBarrier, BarrierAborted,
} from "./worker-pool";
export { gatheredRows, stopGradient, workerShareOfLoss, type RowExchange } from "./row-exchange";
export { type DomainAdaptationOptions, type DomainAdaptation, adaptToDomain } from "./domain-adaptation";
