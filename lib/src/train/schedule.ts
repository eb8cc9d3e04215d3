/**
 * Learning-rate schedule: linear warm-up from 0 to the peak, then linear or cosine decay to the
 * minimum at the last step. Steps count from 1 (the first update uses step 1).
 */

export type Decay = "linear" | "cosine" | "constant";

export interface ScheduleOptions {
  readonly peak: number;
  readonly totalSteps: number;
  readonly warmupSteps: number;
  readonly decay: Decay;
  /** Where the decay ends (default 0). */
  readonly minimum?: number;
}

export function validateSchedule(s: ScheduleOptions): ScheduleOptions {
  if (!(s.peak > 0) || !Number.isFinite(s.peak)) throw new Error(`schedule: peak learning rate must be a positive number, got ${s.peak}.`);
  if (!Number.isInteger(s.totalSteps) || s.totalSteps < 1) throw new Error(`schedule: totalSteps must be a positive integer, got ${s.totalSteps}.`);
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0 || s.warmupSteps > s.totalSteps) {
    throw new Error(`schedule: warmupSteps must be an integer in [0, totalSteps=${s.totalSteps}], got ${s.warmupSteps}.`);
  }
  const min = s.minimum ?? 0;
  if (!(min >= 0 && min <= s.peak)) throw new Error(`schedule: minimum must be in [0, peak=${s.peak}], got ${min}.`);
  if (!["linear", "cosine", "constant"].includes(s.decay)) throw new Error(`schedule: decay must be linear, cosine or constant, got "${s.decay}".`);
  return s;
}

/**
 * The learning rate of update `step` (1-based): peak * step / warmup during warm-up, then with
 * progress = (step - warmup) / (total - warmup) in (0, 1]:
 * linear: peak - (peak - min) * progress; cosine: min + (peak - min) * (1 + cos(pi * progress)) / 2.
 * Steps past the total keep the final rate.
 */
export function learningRateAt(step: number, schedule: ScheduleOptions): number {
  const { peak, totalSteps, warmupSteps, decay } = schedule;
  const min = schedule.minimum ?? 0;
  if (!Number.isInteger(step) || step < 1) throw new Error(`learningRateAt: step must be an integer from 1, got ${step}.`);
  if (step <= warmupSteps) return (peak * step) / warmupSteps;
  if (decay === "constant" || totalSteps === warmupSteps) return peak;
  const progress = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
  if (decay === "linear") return peak - (peak - min) * progress;
  return min + ((peak - min) * (1 + Math.cos(Math.PI * progress))) / 2;
}

/** The rate at every step 1..totalSteps (for a plot). */
export function scheduleCurve(schedule: ScheduleOptions): Float64Array {
  validateSchedule(schedule);
  return Float64Array.from({ length: schedule.totalSteps }, (_, i) => learningRateAt(i + 1, schedule));
}
