/**
 * The recommenders by name, so that `npm run recommend` and the notebook can list them, train
 * any of them on a split and compare them in one table.
 */
import type { ProfileName } from "../core/profile";
import { itemKnnRecommender, markovRecommender, popularityRecommender } from "./baselines";
import { trainBpr } from "./bpr";
import type { LeaveOneOutSplit, Recommender } from "./recommender";
import { trainSasRec } from "./sasrec";
import { embedItemTexts, trainTwoTower, type ItemTextVectors } from "./two-tower";

/** Progress of a training run: epochs done, of how many, and the last epoch's mean loss. */
export interface RecommenderProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
}

export interface RecommenderTrainOptions {
  /** Seed for every random choice (initialisation, sampling, shuffling); default 42. */
  readonly seed?: number;
  /** Sizes: "fast" (default) or "full"; each model maps it to its own epochs and dimensions. */
  readonly profile?: ProfileName;
  /** Overrides the profile's number of epochs (models that train). */
  readonly epochs?: number;
  /** Per item index (split.data.itemIds), the item's text, for models that read it (two-tower). */
  readonly itemText?: readonly string[];
  /** The items' text vectors, already embedded (row i: item i); two-tower then skips embedding `itemText`. */
  readonly itemVectors?: ItemTextVectors;
  readonly onProgress?: (progress: RecommenderProgress) => void;
}

export interface RecommenderModel {
  /** One line: what the model scores with. */
  readonly description: string;
  train(split: LeaveOneOutSplit, options?: RecommenderTrainOptions): Promise<Recommender>;
}

/** Every recommender the course trains, by name (the baselines first). */
/**
 * SASRec's training recipe per profile. On the fast shop (about 900 users) small batches matter
 * most: the number of steps, not of epochs, decides whether it learns in a notebook's time. The
 * full recipe is the best of the tuning runs on amazon-scientific (batch, learning rate, dropout,
 * epochs); the chapter's results card records what it reaches.
 */
const SASREC_RECIPES = {
  fast: { epochs: 20, batchSize: 32, learningRate: 2e-3 },
  full: { epochs: 40, batchSize: 64, learningRate: 1e-3, dropout: 0.5 },
} as const;

export const RECOMMENDER_MODELS: Readonly<Record<string, RecommenderModel>> = {
  popularity: {
    description: "each item's number of training interactions, the same list for everyone",
    train: async (split) => popularityRecommender(split),
  },
  "item-knn": {
    description: "item-based kNN: sum of cosine similarities (co-occurrence within users) to the history's items",
    train: async (split) => itemKnnRecommender(split),
  },
  "markov-1": {
    description: "first-order Markov chain: transitions from the last item, popularity as back-off",
    train: async (split) => markovRecommender(split),
  },
  bpr: {
    description: "matrix factorisation trained with BPR (pairwise, uniform negatives, L2), user vector . item vector",
    train: (split, options = {}) => trainBpr(split, { seed: options.seed, profile: options.profile, epochs: options.epochs, onProgress: options.onProgress }),
  },
  sasrec: {
    description: "SASRec-style sequential model: causal self-attention over the history (chapter 1's encoder), full softmax, last position . item embeddings",
    train: async (split, options = {}) =>
      (await trainSasRec(split, { seed: options.seed ?? 42, ...SASREC_RECIPES[options.profile === "full" ? "full" : "fast"], ...(options.epochs ? { epochs: options.epochs } : {}), onEpoch: options.onProgress })).model,
  },
  "two-tower": {
    description: "two towers, in-batch softmax: mean of the history's item vectors . item vector from the item's text (chapter 3's bi-encoder) plus an id embedding; cold items score by text",
    train: async (split, options = {}) => {
      if (!options.itemText && !options.itemVectors) throw new Error(`two-tower: options.itemText (each item's text, in split.data.itemIds order) or options.itemVectors is required; the item tower reads it.`);
      const text = options.itemVectors ?? (await embedItemTexts(options.itemText as readonly string[]));
      return (await trainTwoTower(split, text, { seed: options.seed ?? 42, epochs: options.epochs ?? (options.profile === "full" ? 10 : 3), onEpoch: options.onProgress })).model;
    },
  },
};

/** The model named `name`, or an error listing the names there are. */
export function recommenderModel(name: string): RecommenderModel {
  const model = Object.prototype.hasOwnProperty.call(RECOMMENDER_MODELS, name) ? RECOMMENDER_MODELS[name] : undefined;
  if (!model) throw new Error(`Unknown recommender "${name}": expected one of ${Object.keys(RECOMMENDER_MODELS).join(", ")}.`);
  return model;
}
