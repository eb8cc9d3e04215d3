/** Chapter 1, the model: encoder configuration, layers, the masked-LM head, parameters, checkpoints and attention statistics. */
export {
  encoderConfig, encoderConfigFromProfile, countParameters, mlmTrainingFlops, type EncoderConfig,
  DEFAULT_ENCODER_CONFIG, type ParameterCount,
} from "./config";
export { type Initializer, type ParameterSpec, type WeightValue, Parameters } from "./parameters";
export { dropoutMaskValues, shardDropout, dropoutMask, dropout, type DropoutShard } from "./dropout";
export { dense } from "./dense";
export { type EncoderHooks } from "./hooks";
export { embed } from "./embeddings";
export { scaledDotProductAttention, multiHeadSelfAttention, type AttentionResult } from "./attention";
export { feedForward } from "./feed-forward";
export {
  encoderSpecs, type EncoderInputs, type ForwardOptions, type EncoderOutput, Encoder,
} from "./encoder";
export {
  mlmHeadSpecs, type MlmBatch, type MaskPrediction, type MlmEvaluation, MaskedLanguageModel,
} from "./mlm-head";
export {
  saveCheckpoint, readCheckpoint, loadMaskedLanguageModel, loadEncoder, loadWeightsInto,
  type OptimizerMoments, type SamplerState, type TrainingState, type TensorEntry, type TensorFileEntry,
  type CheckpointManifest, type SaveCheckpointOptions, type Checkpoint,
} from "./checkpoint";
export { attentionHeadStats, type HeadStats } from "./attention-stats";
export { parsePretrainRun, readPretrainRun, type PretrainRunRecord } from "./run-record";
