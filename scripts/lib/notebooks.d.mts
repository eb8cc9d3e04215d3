// Types of scripts/lib/notebooks.mjs for the TypeScript tests that import it.

export declare const RECORD_MIME: "application/vnd.shoplm.record+json";

/** A recorded value: what `record(name, value)` accepts in the library. */
export type RecordValue = number | string | boolean | null | readonly RecordValue[] | { readonly [key: string]: RecordValue };

export interface NotebookFailure {
  readonly kind: "cell" | "kernel";
  /** 1-based among the notebook's non-empty code cells (kind "cell"). */
  readonly codeCell?: number;
  /** 0-based index among all cells of the file (kind "cell"). */
  readonly cellIndex?: number;
  readonly source?: string;
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: string;
  /** 1-based line and column in the cell where the error arose, from the kernel's error message (kind "cell"); null when no frame names the cell. */
  readonly line?: number | null;
  readonly column?: number | null;
}

export interface NotebookRun {
  readonly notebook: string;
  readonly source: string;
  readonly profile: string;
  readonly status: "passed" | "failed" | "interrupted";
  readonly codeCells: number;
  readonly cellsRun: number;
  readonly seconds: number;
  readonly failure: NotebookFailure | null;
  /** The cell index that last recorded each name. */
  readonly recordCells: Readonly<Record<string, number>>;
}

export declare class UsageError extends Error {}

export declare function listNotebooks(dir?: string): string[];
export declare function resolveNotebooks(requested: readonly string[], dir?: string): string[];
export declare function profiles(): Readonly<Record<string, { readonly name: string; readonly notebookTimeoutSeconds: number }>>;
export declare function resolveProfile(name: string | undefined, source?: string): { readonly name: string; readonly notebookTimeoutSeconds: number };
export declare function readRun(name: string, outDir?: string): NotebookRun | null;
export declare function readRecords(name: string, outDir?: string): Record<string, RecordValue>;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout then stderr. */
  readonly output: string;
}
export declare function runNotebooksCli(args: readonly string[], options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult>;
