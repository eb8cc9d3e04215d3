/** Chapter 4, ranking and recommendation (baselines so far). */
export {
  judgedPools, judgmentQrels, randomRanker, popularityRanker, keywordRanker, type PoolRanker,
} from "./baselines";
