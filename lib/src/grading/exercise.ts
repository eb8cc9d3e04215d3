/**
 * The exercise format. An exercise is written once:
 * - `exercises/chNN.ts`: id, title, points, instructions, the stub cell, hints and the PUBLIC
 *   checks (shipped to students; `check()` runs them in the notebook);
 * - `solutions/chNN.ts`: the reference solution (between `// #region solution <id>` markers,
 *   the exact text of the notebook's solution cell) and the HIDDEN checks (never shipped).
 * The student release builder and the bulk grader read the same two files.
 */
import { cloneArgs, compareValues, preview, type Tolerance } from "./compare";

/** Any function: `never[]` parameters accept every signature, which stays checked where an exercise is defined. */
export type AnswerFunction = (...args: never[]) => unknown;

/** An input and the value a correct answer returns for it. */
export interface CaseCheck<F extends AnswerFunction> {
  readonly name: string;
  readonly args: Parameters<F>;
  /** Left out in hidden checks to take the reference solution's output. */
  readonly expected?: Awaited<ReturnType<F>>;
  readonly tolerance?: Tolerance;
  /** Relative share of the exercise's points (default 1). */
  readonly weight?: number;
  /** Shown when this check fails, before the exercise's general hints (the mistake it catches). */
  readonly hint?: string;
}

/** A property a correct answer has (for example "does not change its input"). */
export interface PropertyCheck<F extends AnswerFunction> {
  readonly name: string;
  /** Throws, or returns a message, when the answer lacks the property. */
  readonly property: (answer: F) => void | string | Promise<void | string>;
  readonly weight?: number;
  readonly hint?: string;
}

export type Check<F extends AnswerFunction> = CaseCheck<F> | PropertyCheck<F>;

export interface Exercise<F extends AnswerFunction = AnswerFunction> {
  /** `chapter.number`, e.g. "1.3". */
  readonly id: string;
  readonly title: string;
  readonly points: number;
  /** Markdown shown above the stub cell. */
  readonly instructions: string;
  /** The name of the function the student writes and passes to `check`. */
  readonly answerName: string;
  /** The source of the stub cell the student starts from. */
  readonly stub: string;
  /** Shown one more each time the same check keeps failing, first one on the first failure. */
  readonly hints: readonly string[];
  readonly tolerance?: Tolerance;
  readonly checks: readonly Check<F>[];
  /**
   * Exports of "shoplm" that compute what this exercise asks for: the graded cell's view of the
   * library leaves them out (the notebook may still use them elsewhere), and a test checks that
   * each agrees with the reference solution on every public and hidden case, or says why not.
   */
  readonly libraryCounterparts?: readonly string[];
}

export interface Solution<F extends AnswerFunction = AnswerFunction> {
  readonly id: string;
  readonly reference: F;
  readonly hidden: readonly Check<F>[];
}

/**
 * Check an exercise's definition and erase its answer type, so exercises of different
 * signatures sit in one list (types are checked here, where the exercise is written).
 */
export function defineExercise<F extends AnswerFunction>(exercise: Exercise<F>): Exercise {
  validateExercise(exercise);
  return Object.freeze(exercise) as unknown as Exercise;
}

export function defineSolution<F extends AnswerFunction>(solution: Solution<F>): Solution {
  if (!ID.test(solution.id)) throw new Error(`Solution id "${solution.id}" must look like "1.3" (chapter.number).`);
  if (typeof solution.reference !== "function") throw new Error(`Solution ${solution.id}: reference must be a function.`);
  if (solution.hidden.length === 0) throw new Error(`Solution ${solution.id}: at least one hidden check is required.`);
  return Object.freeze(solution) as unknown as Solution;
}

const ID = /^\d+\.\d+$/;

function validateExercise<F extends AnswerFunction>(exercise: Exercise<F>): void {
  const problems: string[] = [];
  if (!ID.test(exercise.id)) problems.push(`id "${exercise.id}" must look like "1.3" (chapter.number)`);
  if (!(exercise.points > 0)) problems.push(`points must be positive, got ${exercise.points}`);
  if (!/^[A-Za-z_$][\w$]*$/.test(exercise.answerName)) problems.push(`answerName "${exercise.answerName}" is not an identifier`);
  if (!exercise.stub.includes(exercise.answerName)) problems.push(`the stub does not define ${exercise.answerName}`);
  if (exercise.checks.length === 0) problems.push("at least one public check is required");
  if (exercise.hints.length === 0) problems.push("at least one hint is required");
  const names = exercise.checks.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) problems.push(`two checks are named "${dup}"`);
  for (const name of exercise.libraryCounterparts ?? []) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) problems.push(`libraryCounterparts entry "${name}" is not an identifier`);
  }
  if (problems.length) throw new Error(`Exercise ${exercise.id}: ${problems.join("; ")}.`);
}

export type CheckStatus = "passed" | "failed" | "error";

export interface CheckOutcome {
  readonly name: string;
  readonly status: CheckStatus;
  /** What went wrong, in terms of this check's inputs (empty when passed). */
  readonly message: string;
  readonly weight: number;
  /** The failed case's arguments, shortened (public checks only: `runChecks` sets it, the grader does not). */
  readonly input?: string;
  /** The check's own hint, when it failed and has one. */
  readonly hint?: string;
}

function isCase<F extends AnswerFunction>(check: Check<F>): check is CaseCheck<F> {
  return "args" in check;
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `a non-Error value was thrown: ${preview(error)}`;
}

/**
 * Run `checks` against `answer`, one at a time, each on fresh copies of its arguments.
 * `reference` supplies the expected value of cases that have none (hidden checks).
 */
export async function runChecks<F extends AnswerFunction>(
  exercise: Pick<Exercise<F>, "id" | "tolerance">,
  answer: unknown,
  checks: readonly Check<F>[],
  reference?: F
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    const weight = check.weight ?? 1;
    const failure = (status: "failed" | "error", message: string): CheckOutcome => ({
      name: check.name,
      status,
      message,
      weight,
      ...(isCase(check) ? { input: describeArgs(check.args as readonly unknown[]) } : {}),
      ...(check.hint ? { hint: check.hint } : {}),
    });
    if (typeof answer !== "function") {
      outcomes.push(failure("error", `expected a function, got ${preview(answer)}`));
      continue;
    }
    try {
      if (isCase(check)) {
        let expected: unknown = check.expected;
        if (expected === undefined) {
          if (!reference) throw new Error(`check "${check.name}" of ${exercise.id} has no expected value and no reference solution`);
          expected = await reference(...cloneArgs(check.args));
        }
        const got = await (answer as F)(...cloneArgs(check.args));
        const diff = compareValues(expected, got, check.tolerance ?? exercise.tolerance);
        outcomes.push(diff ? failure("failed", diff) : { name: check.name, status: "passed", message: "", weight });
      } else {
        const verdict = await check.property(answer as F);
        outcomes.push(verdict ? failure("failed", verdict) : { name: check.name, status: "passed", message: "", weight });
      }
    } catch (error) {
      outcomes.push(failure("error", `threw ${describeThrown(error)}`));
    }
  }
  return outcomes;
}

/** A case's arguments as a call would show them, each shortened. */
function describeArgs(args: readonly unknown[]): string {
  return args.map((a) => preview(a)).join(", ");
}

/** Points earned: each check's share of the exercise's points, by weight. */
export function scoreOutcomes(points: number, outcomes: readonly CheckOutcome[]): number {
  const total = outcomes.reduce((s, o) => s + o.weight, 0);
  if (total === 0) return 0;
  const earned = outcomes.filter((o) => o.status === "passed").reduce((s, o) => s + o.weight, 0);
  return Math.round((points * earned * 1000) / total) / 1000;
}

/** The text of the `// #region solution <id>` block of a solutions file: the notebook's solution cell. */
export function solutionRegion(source: string, id: string): string {
  const start = `// #region solution ${id}`;
  const begin = source.indexOf(start);
  if (begin < 0) throw new Error(`No "${start}" marker in the solutions source.`);
  const bodyStart = source.indexOf("\n", begin) + 1;
  const end = source.indexOf("// #endregion", bodyStart);
  if (end < 0) throw new Error(`The region "${start}" is not closed with "// #endregion".`);
  return source.slice(bodyStart, end).replace(/\s+$/, "") + "\n";
}
