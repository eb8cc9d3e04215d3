/**
 * What a loader of real data kept, dropped and repaired: nothing is dropped without a count and
 * a reason, and a few examples that say where (file and line).
 */
import type { TextEncoding } from "./encoding";

export interface RecordIssue {
  readonly reason: string;
  readonly count: number;
  /** Up to three, each "file:line: detail". */
  readonly examples: readonly string[];
}

export interface SourceFile {
  readonly file: string;
  readonly encoding: TextEncoding;
  /** Why that encoding (null for plain UTF-8). */
  readonly encodingNote: string | null;
  /** Data rows (or objects) read from it. */
  readonly rows: number;
}

export interface LoadedRecords<T> {
  readonly records: T[];
  /** Rows not in `records`, grouped by reason. */
  readonly dropped: readonly RecordIssue[];
  /** Rows kept after a fix (an empty field filled, HTML stripped), grouped by reason. */
  readonly repaired: readonly RecordIssue[];
  readonly sources: readonly SourceFile[];
  /** What the loader decided about the input as a whole (files it skipped, units it converted), one line each. */
  readonly notes?: readonly string[];
}

const MAX_EXAMPLES = 3;

/** Collects issues while a loader runs. */
export class IssueLog {
  private readonly issues = new Map<string, { count: number; examples: string[] }>();

  add(reason: string, example: string): void {
    const entry = this.issues.get(reason) ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(example);
    this.issues.set(reason, entry);
  }

  get total(): number {
    let n = 0;
    for (const e of this.issues.values()) n += e.count;
    return n;
  }

  list(): RecordIssue[] {
    return [...this.issues.entries()].map(([reason, e]) => ({ reason, count: e.count, examples: e.examples }));
  }
}

/** One line per issue, for printing: "dropped 3: grade not on the scale (e.g. fold-1.csv:12: "5")". */
export function describeIssues(result: Pick<LoadedRecords<unknown>, "dropped" | "repaired">): string[] {
  const line = (kind: string, issue: RecordIssue): string => `${kind} ${issue.count}: ${issue.reason}${issue.examples.length > 0 ? ` (e.g. ${issue.examples.join("; ")})` : ""}`;
  return [...result.dropped.map((i) => line("dropped", i)), ...result.repaired.map((i) => line("repaired", i))];
}
