/** Chapter 2, fine-tuning: task heads on the pretrained encoder, full and parameter-efficient methods (probe, Adapters, LoRA, AdaLoRA, prefix tuning), and query intent end to end. */
export { type MethodName, type FineTuneMethod } from "./method";
export {
  poolRows, balancedClassWeights, classificationLoss, type Pooling, type HeadOptions,
  SequenceClassificationHead, TokenClassificationHead,
} from "./heads";
export {
  checkTokenizerFits, encodeExamples, type LabelledText, type EncodedExample, type EncodeExamplesOptions,
} from "./examples";
export { classificationBatch, type ClassificationBatch, SequenceClassifier } from "./classifier";
export { type EarlyStoppingOptions, EarlyStopping } from "./early-stopping";
export { fineTune, type FineTuneOptions, type FineTuneEval, type FineTuneResult } from "./fine-tune";
export { linearProbe } from "./probe";
export { layerDecayScale, fullFineTuning, type FullFineTuningOptions } from "./full";
export { lora, LORA_TARGETS, type LoraTarget, type LoraOptions, type AdaptedProjection, Lora } from "./lora";
export { adapters, type AdapterOptions, Adapters } from "./adapter";
export { prefixTuning, type PrefixTuningOptions, PrefixTuning } from "./prefix";
export { adaloraBudget, adalora, type AdaLoraOptions, AdaLora } from "./adalora";
export {
  shippedCheckpointDir, intentData, majorityBaseline, fineTuneIntent, compareIntentMethods, type IntentField,
  type IntentData, type MethodSettings, DEFAULT_LEARNING_RATES, type IntentRunOptions, type SplitScores,
  type IntentRunResult, type IntentComparisonRow,
} from "./intent";
