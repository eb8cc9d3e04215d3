/**
 * An exercise's notebook cells come from its one definition: the instructions cell from
 * `exercises/chNN.ts`, the solution cell from the region of `solutions/chNN.ts`, the check cell
 * from the convention `await check("<id>", <answerName>);`. `npm run exercises` writes them into
 * the course notebooks; the authoring test fails on any difference, character for character.
 */
import { checkCellSource, cellSource, exerciseTag, sourceLines, type Notebook } from "./notebook";
import type { Exercise } from "./exercise";

/** The markdown of an exercise's instructions cell. */
export function instructionsCellSource(exercise: Pick<Exercise, "id" | "title" | "instructions">): string {
  return `### Exercise ${exercise.id}: ${exercise.title}\n\n${exercise.instructions.replace(/\s+$/, "")}`;
}

/** The source each of an exercise's three cells must have; `solutionRegion` is its region in solutions/. */
export function exerciseCellSources(exercise: Exercise, solutionRegion: string): Record<"instructions" | "solution" | "check", string> {
  return {
    instructions: instructionsCellSource(exercise),
    solution: solutionRegion.replace(/\s+$/, ""),
    check: checkCellSource(exercise.id, exercise.answerName),
  };
}

export interface CellDrift {
  readonly id: string;
  readonly role: "instructions" | "solution" | "check";
  /** 1-based cell number in the notebook. */
  readonly cell: number;
  /** The first line where the cell and its definition differ. */
  readonly line: number;
  readonly found: string;
  readonly expected: string;
}

function firstDifference(found: string, expected: string): { line: number; found: string; expected: string } {
  const a = found.split("\n");
  const b = expected.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { line: i + 1, found: a[i] ?? "(no line)", expected: b[i] ?? "(no line)" };
  }
  return { line: 0, found: "", expected: "" };
}

/**
 * The tagged cells of `notebook` that differ from their exercise's definition, and the notebook
 * with every such cell rewritten from it (the input is not changed). Cells of unknown exercises
 * are left alone (the authoring test reports them).
 */
export function syncExerciseCells(
  notebook: Notebook,
  exercises: readonly Exercise[],
  solutionRegion: (id: string) => string
): { notebook: Notebook; drift: CellDrift[] } {
  const drift: CellDrift[] = [];
  const cells = notebook.cells.map((cell, index) => {
    const tag = exerciseTag(cell);
    const exercise = tag && exercises.find((e) => e.id === tag.id);
    if (!tag || !exercise) return cell;
    const expected = exerciseCellSources(exercise, solutionRegion(exercise.id))[tag.role];
    const found = cellSource(cell);
    // Jupyter and editors may add a final newline; anything else is drift.
    if (found.replace(/\s+$/, "") === expected) return cell;
    drift.push({ id: exercise.id, role: tag.role, cell: index + 1, ...firstDifference(found, expected) });
    return { ...cell, source: sourceLines(expected) };
  });
  return { notebook: { ...notebook, cells }, drift };
}
