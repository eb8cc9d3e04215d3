/**
 * The public checks catch the common wrong answers: for every exercise, plausible mistakes a
 * student makes each fail at least one public check, and the feedback names that case. (A public
 * check that only a stub fails teaches nothing: a student then meets the mistake at grading.)
 */
import { describe, expect, it } from "vitest";
import { type CheckResult } from "shoplm";
import { feedbackText, runChecks } from "shoplm/instructor";
import { exercises } from "../../exercises/index";
import { wrongAnswers as wrong } from "../fixtures/wrong-answers";

describe("public checks catch plausible wrong answers", () => {
  it("every exercise has at least two wrong answers here", () => {
    expect(exercises.filter((e) => (wrong[e.id]?.length ?? 0) < 2).map((e) => e.id)).toEqual([]);
  });

  for (const exercise of exercises) {
    for (const { mistake, answer } of wrong[exercise.id] ?? []) {
      it(`${exercise.id} (${exercise.title}): "${mistake}" fails a public check, and the feedback names it`, async () => {
        const outcomes = await runChecks(exercise, answer, exercise.checks);
        const failed = outcomes.filter((o) => o.status !== "passed");
        expect(failed.length, `every public check passed for: ${mistake}`).toBeGreaterThan(0);
        const names = exercise.checks.map((c) => c.name);
        for (const o of failed) {
          expect(names).toContain(o.name);
          expect(o.message).not.toBe("");
        }
        const result: CheckResult = {
          id: exercise.id,
          title: exercise.title,
          passed: outcomes.length - failed.length,
          total: outcomes.length,
          outcomes,
          publicPoints: 0,
          hints: [],
        };
        expect(feedbackText(result)).toContain(`FAIL ${failed[0].name}`);
      });
    }
  }
});
