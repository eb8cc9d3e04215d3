/**
 * Language-model metrics: perplexity is exp(mean cross-entropy in nats), the number of equally
 * likely words the model is as unsure as; masked-token accuracy is how often the top prediction
 * at a masked position is the original token. The unigram baseline predicts every position with
 * the corpus word frequencies, the floor any model using context should beat.
 */

export function perplexity(meanLoss: number): number {
  return Math.exp(meanLoss);
}

/** Sums over batches, then the means. */
export class MlmMetrics {
  private lossSum = 0;
  private correct = 0;
  private count = 0;

  add(batch: { lossSum: number; correct: number; count: number }): void {
    this.lossSum += batch.lossSum;
    this.correct += batch.correct;
    this.count += batch.count;
  }

  get tokens(): number {
    return this.count;
  }

  /** Mean cross-entropy per predicted token (nats). */
  loss(): number {
    if (this.count === 0) throw new Error("MlmMetrics: no predicted tokens were added.");
    return this.lossSum / this.count;
  }

  perplexity(): number {
    return perplexity(this.loss());
  }

  accuracy(): number {
    if (this.count === 0) throw new Error("MlmMetrics: no predicted tokens were added.");
    return this.correct / this.count;
  }
}

/**
 * Perplexity of the add-`smoothing` unigram model fitted on `trainIds` when it predicts `targets`
 * (ids in [0, vocabSize)). The yardstick for a masked LM's held-out perplexity.
 */
export function unigramPerplexity(trainIds: Iterable<number>, targets: Iterable<number>, vocabSize: number, smoothing = 1): number {
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new Error(`unigramPerplexity: vocabSize must be a positive integer, got ${vocabSize}.`);
  const counts = new Float64Array(vocabSize);
  let total = 0;
  for (const id of trainIds) {
    if (id < 0 || id >= vocabSize) throw new Error(`unigramPerplexity: training id ${id} is outside [0, ${vocabSize}).`);
    counts[id]++;
    total++;
  }
  const denominator = total + smoothing * vocabSize;
  let nll = 0;
  let n = 0;
  for (const id of targets) {
    if (id < 0 || id >= vocabSize) throw new Error(`unigramPerplexity: target id ${id} is outside [0, ${vocabSize}).`);
    nll -= Math.log((counts[id] + smoothing) / denominator);
    n++;
  }
  if (n === 0) throw new Error("unigramPerplexity: no targets.");
  return Math.exp(nll / n);
}
