/**
 * Every size in the course comes from here: `fast` (the default, each chapter notebook runs
 * headless in about two minutes on 2 CPU cores) and `full` (the sizes the shipped data and
 * checkpoints are made with). `COURSE_PROFILE` selects one.
 */

export type ProfileName = "fast" | "full";

export interface Profile {
  readonly name: ProfileName;
  /** The generated shop (chapter 0 and every chapter after it). */
  readonly shop: {
    readonly seed: number;
    readonly products: number;
    readonly queries: number;
    readonly users: number;
    /** Candidate products judged per query (ESCI grades). */
    readonly judgedPerQuery: number;
    readonly sessionsPerUser: number;
  };
  /** Tokenizer and encoder sizes (chapter 1). */
  readonly model: {
    readonly vocabSize: number;
    readonly maxLength: number;
    readonly hiddenSize: number;
    readonly layers: number;
    readonly heads: number;
    readonly intermediateSize: number;
  };
  /** Live training runs inside notebooks (chapters 1 to 4). */
  readonly train: {
    readonly seed: number;
    readonly batchSize: number;
    readonly pretrainSteps: number;
    readonly finetuneSteps: number;
    readonly evalBatches: number;
  };
  /** Evaluation and simulation sizes (chapter 5). */
  readonly evaluation: {
    readonly bootstrapSamples: number;
    readonly permutationSamples: number;
    readonly abSessions: number;
  };
  /** Seconds a single notebook may take in the headless runner before it is stopped. */
  readonly notebookTimeoutSeconds: number;
}

const fast: Profile = {
  name: "fast",
  shop: { seed: 20261127, products: 3000, queries: 400, users: 1000, judgedPerQuery: 30, sessionsPerUser: 6 },
  model: { vocabSize: 4000, maxLength: 48, hiddenSize: 64, layers: 2, heads: 4, intermediateSize: 256 },
  train: { seed: 7, batchSize: 32, pretrainSteps: 250, finetuneSteps: 100, evalBatches: 4 },
  evaluation: { bootstrapSamples: 1000, permutationSamples: 2000, abSessions: 4000 },
  notebookTimeoutSeconds: 600,
};

const full: Profile = {
  name: "full",
  shop: { seed: 20261127, products: 30000, queries: 3000, users: 10000, judgedPerQuery: 40, sessionsPerUser: 12 },
  model: { vocabSize: 8000, maxLength: 64, hiddenSize: 128, layers: 2, heads: 4, intermediateSize: 512 },
  train: { seed: 7, batchSize: 32, pretrainSteps: 4000, finetuneSteps: 1500, evalBatches: 32 },
  evaluation: { bootstrapSamples: 10000, permutationSamples: 10000, abSessions: 40000 },
  notebookTimeoutSeconds: 3600,
};

export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.freeze({ fast, full });

export const PROFILE_NAMES: readonly ProfileName[] = Object.keys(PROFILES) as ProfileName[];

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/**
 * The profile named by `name`, or by `COURSE_PROFILE`, or `fast`.
 * An unknown name is an error that lists the known ones (a typo must not silently run `fast`).
 */
export function getProfile(name: string | undefined = process.env.COURSE_PROFILE): Profile {
  const chosen = name === undefined || name.trim() === "" ? "fast" : name.trim();
  if (!isProfileName(chosen)) {
    throw new Error(
      `Unknown profile "${chosen}"${name === process.env.COURSE_PROFILE ? " (from COURSE_PROFILE)" : ""}: expected one of ${PROFILE_NAMES.join(", ")}.`
    );
  }
  return PROFILES[chosen];
}
