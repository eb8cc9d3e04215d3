/**
 * The recommenders by name, so that `npm run recommend` and the notebook can list them, train
 * any of them on a split and compare them in one table.
 */
import type { ProfileName } from "../core/profile";
import { itemKnnRecommender, markovRecommender, popularityRecommender } from "./baselines";
import { trainBpr } from "./bpr";
import type { LeaveOneOutSplit, Recommender } from "./recommender";
import { DEFAULT_SASREC_CONFIG, SasRecBatches, trainSasRec } from "./sasrec";
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
  /** The settings `train` would use on this split, when they depend on the data (SASRec's size-adapted recipe). */
  plan?(split: LeaveOneOutSplit, options?: RecommenderTrainOptions): SasRecPlan;
  train(split: LeaveOneOutSplit, options?: RecommenderTrainOptions): Promise<Recommender>;
}

/**
 * SASRec's training recipe per profile. On the fast shop (about 900 users) small batches matter
 * most: the number of steps, not of epochs, decides whether it learns in a notebook's time. The
 * full recipe is the best of the tuning runs on amazon-scientific's validation items (batch,
 * learning rate, dropout, epochs); the chapter's results card records what it reaches.
 */
const SASREC_RECIPES = {
  fast: { epochs: 20, batchSize: 32, learningRate: 2e-3 },
  full: { epochs: 40, batchSize: 64, learningRate: 1e-3, dropout: 0.5 },
} as const;

/** Above this many items the output layer scores a sample of the catalog per batch, not all of it. */
export const SASREC_FULL_SOFTMAX_ITEMS = 8192;
/** Uniformly drawn items per batch in sampled softmax (the batch's own targets join them). */
export const SASREC_SAMPLED_ITEMS = 2048;
/**
 * The most next-item predictions one training run makes (epochs x predicted positions): the full
 * recipe on amazon-scientific makes about 1.7 million, about ten minutes on one core. A larger
 * dataset gets fewer epochs, so that `npm run recommend` ends within the hour it promises.
 */
export const SASREC_MAX_PREDICTIONS = 2_500_000;

/** What `sasrec` will train with on this split: the profile's recipe, adapted to the data's size. */
export interface SasRecPlan {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly dropout?: number;
  /** 0: full softmax over the catalog. */
  readonly sampledItems: number;
  /** Why the plan differs from the profile's recipe (empty when it does not). */
  readonly notes: readonly string[];
}

/** The plan for `split` (`epochs`, when given, overrides the recipe and the cap). */
export function sasRecPlan(split: LeaveOneOutSplit, profile: ProfileName = "fast", epochs?: number): SasRecPlan {
  const recipe = SASREC_RECIPES[profile === "full" ? "full" : "fast"];
  const notes: string[] = [];
  const items = split.data.itemIds.length;
  const sampledItems = items > SASREC_FULL_SOFTMAX_ITEMS ? SASREC_SAMPLED_ITEMS : 0;
  if (sampledItems) notes.push(`sampled softmax: ${items} items is more than ${SASREC_FULL_SOFTMAX_ITEMS}, so each batch scores its own targets and ${sampledItems} uniformly drawn items`);
  // Predicted positions per epoch, counted by the batches training would draw.
  const perEpoch = new SasRecBatches(split.train, { batchSize: recipe.batchSize, maxLength: DEFAULT_SASREC_CONFIG.maxLength, sampledItems, items }).tokensPerEpoch;
  let planned = epochs ?? recipe.epochs;
  if (epochs === undefined && perEpoch * planned > SASREC_MAX_PREDICTIONS) {
    planned = Math.max(1, Math.floor(SASREC_MAX_PREDICTIONS / Math.max(1, perEpoch)));
    notes.push(`${planned} epochs instead of ${recipe.epochs}: ${perEpoch} predictions per epoch, at most ${SASREC_MAX_PREDICTIONS} in a run`);
  }
  return { ...recipe, epochs: planned, sampledItems, notes };
}

/** Every recommender the course trains, by name (the baselines first). */
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
    description: "SASRec-style sequential model: causal self-attention over the history (chapter 1's encoder), full softmax (sampled for large catalogs), last position . item embeddings",
    plan: (split, options = {}) => sasRecPlan(split, options.profile, options.epochs),
    train: async (split, options = {}) => {
      const { notes: _notes, ...plan } = sasRecPlan(split, options.profile, options.epochs);
      return (await trainSasRec(split, { seed: options.seed ?? 42, ...plan, onEpoch: options.onProgress })).model;
    },
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
