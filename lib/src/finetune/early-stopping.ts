/**
 * Early stopping on a validation score: stop when it has not improved by `minDelta` for `patience`
 * evaluations in a row, and remember when it was best (the fine-tuning run restores those weights).
 */

export interface EarlyStoppingOptions {
  /** Evaluations without improvement before stopping. */
  readonly patience: number;
  /** The least change that counts as better (default 0). */
  readonly minDelta?: number;
  /** "max" for accuracy or F1 (default), "min" for a loss. */
  readonly mode?: "max" | "min";
}

export class EarlyStopping {
  private bestValue: number | null = null;
  private bestAt = -1;
  private bad = 0;

  constructor(readonly options: EarlyStoppingOptions) {
    if (!(Number.isInteger(options.patience) && options.patience >= 1)) throw new Error(`EarlyStopping: patience must be a positive integer, got ${options.patience}.`);
    if (!((options.minDelta ?? 0) >= 0)) throw new Error(`EarlyStopping: minDelta must be >= 0, got ${options.minDelta}.`);
  }

  /** Record the score at `step`; true when it is the best so far. */
  update(value: number, step: number): boolean {
    if (!Number.isFinite(value)) throw new Error(`EarlyStopping.update: the score at step ${step} is ${value}.`);
    const delta = this.options.minDelta ?? 0;
    const better = this.bestValue === null || (this.options.mode === "min" ? value < this.bestValue - delta : value > this.bestValue + delta);
    if (better) {
      this.bestValue = value;
      this.bestAt = step;
      this.bad = 0;
    } else {
      this.bad++;
    }
    return better;
  }

  get shouldStop(): boolean {
    return this.bad >= this.options.patience;
  }

  get best(): { value: number; step: number } | null {
    return this.bestValue === null ? null : { value: this.bestValue, step: this.bestAt };
  }
}
