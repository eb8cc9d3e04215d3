/** Chapter 4, ranking and recommendation (baselines so far). */
export {
  judgedPools, judgmentQrels, randomRanker, popularityRanker, keywordRanker, type PoolRanker,
} from "./baselines";
export { Bm25Index, DEFAULT_BM25_PARAMS, productBm25Index, type Bm25Document, type Bm25Hit, type Bm25IndexOptions, type Bm25Params, type Bm25Tokenizer } from "./bm25";
export { bm25FixedScorer, bm25RelevanceScorer, compareRelevanceScorers, DEFAULT_BM25_GRID, evaluateRelevanceFolds, foldSplit, loadRelevanceFolds, meanGradeScorer, pairScorer, randomRelevanceScorer, relevanceFolds, relevanceGrade, relevanceProducts, relevanceTable, type Bm25Grid, type FoldModel, type PoolScores, type RelevanceEvaluationOptions, type RelevanceFoldOptions, type RelevanceFolds, type RelevanceItem, type RelevancePool, type RelevanceReport, type RelevanceScorer, type ScorerComparison, type ScorerFoldResult, type ScorerResult } from "./relevance-folds";
export { FEATURE_VERSION, FEATURES, FEATURE_NAMES, featureContext, features, checkFeatureVersion, type FeatureSpec, type FeatureSources, type FeatureContext, type FeatureRows, type FeatureOptions, type LoggedInteraction } from "./features";
export { reciprocalRankFusion, linearFusion, fuseRuns, type FusedItem, type RrfOptions, type LinearFusionOptions, type ScoreNormalization } from "./fusion";
