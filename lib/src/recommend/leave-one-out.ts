/** Leave-one-out split: the usual protocol for next-item recommendation on logged sequences. */
import type { HeldOutItem, InteractionData, LeaveOneOutSplit } from "./recommender";

/**
 * Each user's last item is the test target and the second last the validation target; the rest
 * is training. A test history is everything before the last item (training items plus the
 * validation target), a validation history the training items. Users with fewer than three
 * items keep all of them for training and are not evaluated.
 */
export function leaveOneOutSplit(data: InteractionData): LeaveOneOutSplit {
  if (!data || !Array.isArray(data.sequences) || data.sequences.length !== data.userIds.length) {
    throw new Error("leaveOneOutSplit: expected InteractionData with one sequence per user id (see interactionData).");
  }
  const train: Int32Array[] = [];
  const validation: HeldOutItem[] = [];
  const test: HeldOutItem[] = [];
  data.sequences.forEach((seq, user) => {
    const n = seq.length;
    if (n < 3) {
      train.push(seq.slice());
      return;
    }
    train.push(seq.slice(0, n - 2));
    validation.push({ user, history: seq.slice(0, n - 2), target: seq[n - 2] });
    test.push({ user, history: seq.slice(0, n - 1), target: seq[n - 1] });
  });
  return { data, train, validation, test };
}

/**
 * The same split for the final fit before the test: each evaluated user's training items plus
 * the validation target (exactly the test history), every other user's items unchanged, and no
 * validation items left. Choose settings on the plain split's validation items first; then train
 * on this one and report the test, which is never seen. Every model of a comparison should be
 * fitted on the same one.
 */
export function trainWithValidation(split: LeaveOneOutSplit): LeaveOneOutSplit {
  if (!split || !Array.isArray(split.train) || !Array.isArray(split.test)) throw new Error("trainWithValidation: expected a LeaveOneOutSplit (see leaveOneOutSplit).");
  const train = split.train.slice();
  for (const h of split.test) {
    if (!(h.user >= 0 && h.user < train.length)) throw new Error(`trainWithValidation: test user ${h.user} has no training row (${train.length} users).`);
    train[h.user] = h.history.slice();
  }
  return { data: split.data, train, validation: [], test: split.test };
}
