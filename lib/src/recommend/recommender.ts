/**
 * What every recommender in chapter 4 shares: interactions indexed densely (items and users as
 * numbers, each user's items oldest first), the leave-one-out split, and the one method a model
 * needs for full-catalog evaluation: a score for every item given a user's history.
 */

/** Interactions with dense indices: `itemIds[i]` is item i's id, `sequences[u]` user u's items, oldest first. */
export interface InteractionData {
  readonly itemIds: readonly string[];
  readonly itemIndex: ReadonlyMap<string, number>;
  readonly userIds: readonly string[];
  readonly sequences: readonly Int32Array[];
}

/** One held-out next item: what the user had before it and the item itself. */
export interface HeldOutItem {
  readonly user: number;
  /** Item indices before the target, oldest first. */
  readonly history: Int32Array;
  readonly target: number;
}

/**
 * Leave-one-out: each user's last item is the test target, the second last the validation target,
 * and the rest is training. Users with fewer than three items are training-only.
 */
export interface LeaveOneOutSplit {
  readonly data: InteractionData;
  /** Per user (same index as data.userIds), the training items, oldest first. */
  readonly train: readonly Int32Array[];
  readonly validation: readonly HeldOutItem[];
  readonly test: readonly HeldOutItem[];
}

/** A trained recommender, as the evaluation sees it. */
export interface Recommender {
  readonly name: string;
  /**
   * Scores for every item (length = data.itemIds.length, higher is better) for each history,
   * in order. Batched so that tensor models run one forward pass per batch; `users` are the
   * users' indices, for models that keep a per-user vector.
   */
  scoreBatch(histories: readonly Int32Array[], users: readonly number[]): Float32Array[] | Promise<Float32Array[]>;
}
