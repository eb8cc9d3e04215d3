/** Chapter 4, recommendation: recommenders over users' item sequences and their evaluation. */
export type { InteractionData, HeldOutItem, LeaveOneOutSplit, Recommender } from "./recommender";
export { interactionData, shopInteractions, type InteractionDataOptions, type ShopInteractionOptions, type ProductEventType, type DuplicateRule, type ShopLog } from "./interactions";
export { leaveOneOutSplit, trainWithValidation } from "./leave-one-out";
export { explainRecommendations, type RecommendationExplanation, type HistoryContribution, type ExplainOptions } from "./explain";
export { evaluateRecommender, recommendItems, type RecommendEvaluation, type RecommendEvalOptions, type RecommendMetrics, type RecommendGroup } from "./recommend-eval";
export { popularityRecommender, itemKnnRecommender, markovRecommender, type ItemKnnOptions } from "./baselines";
export { trainBpr, type BprOptions, type BprModel } from "./bpr";
export { RECOMMENDER_MODELS, recommenderModel, sasRecPlan, SASREC_FULL_SOFTMAX_ITEMS, SASREC_SAMPLED_ITEMS, SASREC_MAX_PREDICTIONS, type SasRecPlan, type RecommenderModel, type RecommenderTrainOptions, type RecommenderProgress } from "./registry";
export { SasRec, trainSasRec, saveSasRec, loadSasRec, sasRecConfig, sliceSasRecBatch, sasRecTask, sasRecWorkerSpec, sasRecWorkerTask, type SasRecConfig, type SasRecTrainingOptions, type TrainedSasRec } from "./sasrec";
export { TwoTower, trainTwoTower, embedItemTexts, sliceTwoTowerBatch, twoTowerWorkerSpec, twoTowerWorkerTask, type ItemTextVectors, type TwoTowerOptions, type TwoTowerTrainingOptions, type TrainedTwoTower, type TwoTowerBatch, type TwoTowerRecipe } from "./two-tower";
