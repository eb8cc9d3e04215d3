/**
 * Chapter 5, evaluation: ranking metrics and TREC files, classification metrics and
 * calibration, beyond-accuracy metrics, significance tests and the distributions behind them.
 * The conventions they share (parameter checks, empty input, warnings instead of silent NaN,
 * scale) are stated in ./validate.ts.
 */
export {
  orderRanking, precisionAtK, recallAtK, rPrecision, averagePrecision, reciprocalRank, hitAtK, dcgAtK,
  idealDcgAtK, ndcgAtK, evaluateRun, perQueryValues, pairedValues, judgmentsFor, type ScoredDoc,
  type Ranking, type Judgments, type Run, type Qrels, type TieRule, type Gain, type GradeScale,
  type RankingOptions, type GainOptions, type MetricSpec, type EvaluateOptions, type RunEvaluation,
} from "./ranking";
export {
  parseQrels, parseRun, formatQrels, formatRun, readQrels, readRun, writeQrels, writeRun, type ParseOptions,
  type FormatRunOptions,
} from "./trec";
export {
  uniqueLabels, accuracy, topKAccuracy, confusionMatrix, mostConfused, type ConfusedPair, precisionRecallFscorePerClass,
  precisionRecallFscore, f1Score, precisionScore, recallScore, rocCurve, rocAuc, rocAucOneVsRest,
  precisionRecallCurve, averagePrecisionScore, logLoss, type Label, type BinaryLabels, type ConfusionMatrix,
  type Average, type PrfOptions, type PerClassScores, type AveragedScores, type RocCurve,
  type PrecisionRecallPoint, type LogLossOptions,
} from "./classification";
export {
  reliabilityBins, expectedCalibrationError, maxCalibrationError, brierScore, type BinStrategy,
  type CalibrationOptions, type ReliabilityBin,
} from "./calibration";
export {
  catalogCoverage, intraListDiversity, categoryDiversity, cosineDistance, embeddingDiversity, novelty,
  popularityHead, longTailShare, giniIndex, itemExposure, exposureGini, groupExposure, type ItemList,
  type Weighting, type ItemLookup, type GroupExposure,
} from "./beyond";
export {
  pairedTTest, rankWithTies, wilcoxonSignedRank, pairedRandomisationTest, bootstrapConfidenceInterval,
  pairedBootstrapTest, holmCorrection, type Alternative, type TestResult, type PairedTTestResult,
  type WilcoxonResult, type RandomisationResult, type ResamplingOptions, type BootstrapInterval,
  type PairedBootstrapResult, type HolmResult,
} from "./significance";
export {
  logGamma, regularizedIncompleteBeta, regularizedGammaP, regularizedGammaQ, erf, erfc, normalCdf, normalSf,
  normalQuantile, studentTCdf, studentTSf, studentTQuantile,
} from "./distributions";
export {
  powerProportions, sampleSizeProportions, powerCurve, twoProportionZTest, type PowerMethod, type Sidedness,
  type ProportionPlan, type SampleSize, type ProportionTest,
} from "./power";
export { simulatePeeking, type PeekingPlan, type PeekingResult } from "./peeking";
export {
  ipsEstimate, snipsEstimate, type LoggedEvent, type LoggedColumns, type LoggedData, type RewardRange,
  type OffPolicyOptions, type OffPolicyEstimate,
} from "./offpolicy";
export {
  simulateAbTest, type Ranker, type ShopForSimulation, type AbTestOptions, type Estimate, type ArmResult,
  type AbTestResult, ShopLookup,
} from "./ab-test";
export { topSlotLog, type ReRanker, type TopSlotLog } from "./counterfactual";
export { type EvalWarning, type EvalWarningCode, EmptyInputError } from "./validate";
export { bioSpans, spanScores, type Span, type SpanScores, type SpanReport } from "./spans";
