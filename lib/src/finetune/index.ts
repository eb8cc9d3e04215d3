/** Chapter 2, fine-tuning: task heads on the pretrained encoder, full and parameter-efficient methods (probe, Adapters, LoRA, AdaLoRA, prefix tuning), and query intent end to end. */
export { type MethodName, type FineTuneMethod } from "./method";
export {
  poolRows, balancedClassWeights, classificationLoss, type Pooling, type HeadOptions,
  SequenceClassificationHead, TokenClassificationHead,
} from "./heads";
export {
  checkTokenizerFits, encodeExamples, type LabelledText, type EncodedExample, type EncodeExamplesOptions,
} from "./examples";
export { classificationBatch, sliceClassificationBatch, type ClassificationBatch, SequenceClassifier } from "./classifier";
export { classifierRecipe, classifierWorkerSpec, classifierWorkerTask, type ClassifierRecipe } from "./classifier-worker";
export { type EarlyStoppingOptions, EarlyStopping } from "./early-stopping";
export { fineTune, type FineTuneOptions, type FineTuneEval, type FineTuneResult } from "./fine-tune";
export { linearProbe } from "./probe";
export { layerDecayScale, fullFineTuning, type FullFineTuningOptions } from "./full";
export { lora, LORA_TARGETS, type LoraTarget, type LoraOptions, type AdaptedProjection, Lora } from "./lora";
export { adapters, type AdapterOptions, Adapters } from "./adapter";
export { prefixTuning, type PrefixTuningOptions, PrefixTuning } from "./prefix";
export { adaloraBudget, adalora, type AdaLoraOptions, AdaLora } from "./adalora";
export {
  intentData, majorityBaseline, fineTuneIntent, classifierIntent, type IntentField,
  type IntentData, type IntentRunOptions, type SplitScores,
  type IntentRunResult,
} from "./intent";
export { type FineTunable } from "./fine-tune";
export { encodeTaggedExamples, tokenClassificationBatch, TokenClassifier, type TaggedWords, type EncodedTaggedExample, type EncodeTaggedOptions, type TokenClassificationBatch } from "./token-classifier";
export { attributeData, majorityTags, lexiconTags, fineTuneAttributes, type AttributeSource, type AttributeExample, type AttributeData, type AttributeRunOptions, type AttributeScores, type AttributeSplitScores, type AttributeRunResult } from "./attributes";
export {
  type GradedPair, type CandidatePool, type RelevanceScale, ESCI_SCALE, shopRelevancePairs, candidatePools, CrossEncoder,
  type CrossEncoderOptions, type TrainedCrossEncoder, trainCrossEncoder, gradeRmse, type RelevanceRow,
  type ShopRelevanceResult, type ShopRelevanceOptions, fineTuneShopRelevance, relevanceScaleOf,
  type CrossEncoderScorerOptions, crossEncoderScorer, saveCrossEncoder, loadCrossEncoder, evaluateShopReranking,
  rankingsSideBySide,
} from "./relevance";
export {
  FINE_TUNED_FORMAT, type FineTunedManifest, type SaveFineTunedOptions, saveFineTuned, readFineTunedManifest,
  type LoadedFineTuned, loadFineTuned,
} from "./fine-tuned-checkpoint";
export {
  shippedCheckpointDir, type MethodSettings, DEFAULT_LEARNING_RATES, type TrainedModel, type FineTuneObserver,
  type RunSetup, type TrainingSettings, lossEnds, encoderAndMethod,
} from "./run";
export { type ForgettingOptions, fineTunedMlm } from "./forgetting";
export {
  type ShopTask, SHOP_TASKS, type MethodComparisonOptions, type MethodComparisonRow, type MethodComparison,
  compareFineTuningMethods,
} from "./compare-methods";
export { RANKING_OBJECTIVES, poolRankingLoss, PoolRankingClassifier, type RankingObjective, type PoolRankingOptions, type EncodedPool, type PoolBatch } from "./pool-ranking";
export { MATCH_TYPE_VOCAB, matchKey, matchTokenTypes, hasMatchChannel, withMatchChannel } from "./match-channel";
