/**
 * Drives a classic Jupyter Notebook 6.4 page in Chromium through the page's own JavaScript API
 * (`window.Jupyter.notebook`), the way the menu items do: open, run cells, wait for the kernel,
 * read what the page drew.
 */
import type { Page } from "playwright-core";

/** The parts of Notebook 6.4's page API this driver uses. */
interface NotebookOutput {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
interface NotebookCell {
  cell_type: string;
  metadata: { tags?: string[] };
  input_prompt_number?: number | string | null;
  last_msg_id?: string | null;
  element: ArrayLike<HTMLElement>;
  output_area?: { outputs: NotebookOutput[] };
  get_text(): string;
  set_text(text: string): void;
}
interface NotebookApi {
  _fully_loaded: boolean;
  kernel: { id: string; is_connected(): boolean; info_reply: { status?: string }; _msg_callbacks: Record<string, { shell_done: boolean; iopub_done: boolean }> } | null;
  get_cells(): NotebookCell[];
  execute_all_cells(): void;
  execute_cells(indices: number[]): void;
  set_autosave_interval(ms: number): void;
  set_dirty(value: boolean): void;
  save_notebook(): Promise<unknown>;
}
type JupyterWindow = Window & { Jupyter?: { notebook?: NotebookApi }; Plotly?: unknown };

/** A cell that failed, as the page holds it. */
export interface CellError {
  cell: number;
  error: string;
}

/** What the page shows of the plots its outputs hold. */
export interface PlotState {
  /** Outputs whose MIME bundle is a plotly figure (what the kernel sent). */
  outputs: number;
  /** Plot containers on the page. */
  containers: number;
  /** Containers plotly.js has drawn an SVG into. */
  drawn: number;
  /** Containers that say plotly.js is missing. */
  missing: number;
  /** Cells (indices) holding a plot output. */
  cells: number[];
  /** Whether the page has plotly.js at all. */
  plotlyLoaded: boolean;
}

/** Text a plot container shows when plotly.js never arrived (lib/src/viz/plot.ts). */
export const PLOTLY_MISSING_TEXT = "plotly.js is not loaded";

/**
 * Open a notebook page and wait until its kernel answered `kernel_info`. Autosave is turned
 * off, so the file on disk keeps the copy's cleared outputs and a reload starts from a page
 * that has no output of this run.
 */
export async function openNotebook(page: Page, url: string, timeoutMs: number): Promise<string> {
  await page.goto(url);
  await page.waitForFunction(
    () => {
      const nb = (window as JupyterWindow).Jupyter?.notebook;
      return !!nb && nb._fully_loaded && !!nb.kernel && nb.kernel.is_connected() && nb.kernel.info_reply?.status === "ok";
    },
    undefined,
    { timeout: timeoutMs, polling: 250 }
  );
  return page.evaluate(() => {
    const nb = (window as JupyterWindow).Jupyter!.notebook!;
    nb.set_autosave_interval(0);
    return nb.kernel!.id;
  });
}

/** Reload the page (the kernel keeps running) without the "leave page?" prompt or a save. */
export async function reloadNotebook(page: Page, url: string, timeoutMs: number): Promise<string> {
  await page.evaluate(() => {
    const nb = (window as JupyterWindow).Jupyter!.notebook!;
    nb.set_dirty(false);
    window.onbeforeunload = null;
  });
  return openNotebook(page, url, timeoutMs);
}

/** Save the notebook, outputs included, as the page holds it (File > Save). */
export async function saveNotebook(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await (window as JupyterWindow).Jupyter!.notebook!.save_notebook();
  });
}

/** Run the given cells (or all) and wait until each has its execute_reply and its idle status. */
export async function runCells(page: Page, cells: number[] | "all", timeoutMs: number): Promise<void> {
  const indices = await page.evaluate((which) => {
    const nb = (window as JupyterWindow).Jupyter!.notebook!;
    if (which === "all") nb.execute_all_cells();
    else nb.execute_cells(which);
    return which === "all" ? nb.get_cells().flatMap((cell, i) => (cell.cell_type === "code" ? [i] : [])) : which;
  }, cells);
  // A cell's prompt shows "*" until its execute_reply (shell); its outputs come on iopub, which may
  // lag behind (a plot carrying plotly.js is megabytes). The page's callbacks of the request record
  // both: shell_done at the reply, iopub_done at the request's idle status.
  const pending = () =>
    page.evaluate(
      (which) => {
        const nb = (window as JupyterWindow).Jupyter!.notebook!;
        const callbacks = nb.kernel?._msg_callbacks ?? {};
        return which.filter((i) => {
          const cell = nb.get_cells()[i];
          const request = cell.last_msg_id ? callbacks[cell.last_msg_id] : undefined;
          return cell.input_prompt_number === "*" || (request !== undefined && !(request.shell_done && request.iopub_done));
        });
      },
      indices
    );
  const deadline = Date.now() + timeoutMs;
  for (let left = await pending(); left.length > 0; left = await pending()) {
    if (Date.now() > deadline) throw new Error(`cells ${left.join(", ")} did not finish (reply and idle status) within ${timeoutMs / 1000} s`);
    await page.waitForTimeout(250);
  }
}

/** Wait until every plot container on the page is either drawn or says plotly.js is missing, then count. */
export async function plotState(page: Page, timeoutMs: number): Promise<PlotState> {
  await page.waitForFunction(
    (missingText) =>
      Array.from(document.querySelectorAll(".shoplm-plot")).every(
        (el) => el.querySelector(".main-svg") !== null || (el.textContent ?? "").includes(missingText)
      ),
    PLOTLY_MISSING_TEXT,
    { timeout: timeoutMs, polling: 250 }
  );
  return page.evaluate((missingText) => {
    const w = window as JupyterWindow;
    const cells = w.Jupyter!.notebook!.get_cells();
    const plotCells: number[] = [];
    let outputs = 0;
    cells.forEach((cell, i) => {
      const n = (cell.output_area?.outputs ?? []).filter((o) => o.data && "application/vnd.plotly.v1+json" in o.data).length;
      outputs += n;
      if (n > 0) plotCells.push(i);
    });
    const containers = Array.from(document.querySelectorAll(".shoplm-plot"));
    return {
      outputs,
      containers: containers.length,
      drawn: containers.filter((el) => el.classList.contains("js-plotly-plot") && el.querySelector(".main-svg") !== null).length,
      missing: containers.filter((el) => (el.textContent ?? "").includes(missingText)).length,
      cells: plotCells,
      plotlyLoaded: w.Plotly !== undefined,
    };
  }, PLOTLY_MISSING_TEXT);
}

/** Every error output on the page: cell index and "name: message". */
export function cellErrors(page: Page): Promise<CellError[]> {
  return page.evaluate(() =>
    (window as JupyterWindow)
      .Jupyter!.notebook!.get_cells()
      .flatMap((cell, i) => (cell.output_area?.outputs ?? []).filter((o) => o.output_type === "error").map((o) => ({ cell: i, error: `${o.ename}: ${o.evalue}` })))
  );
}

/** The index of the cell tagged with every one of `tags`; throws naming the tags when there is none or several. */
export async function cellTagged(page: Page, tags: string[]): Promise<number> {
  const found = await page.evaluate(
    (wanted) =>
      (window as JupyterWindow)
        .Jupyter!.notebook!.get_cells()
        .flatMap((cell, i) => (wanted.every((t) => (cell.metadata.tags ?? []).includes(t)) ? [i] : [])),
    tags
  );
  if (found.length !== 1) throw new Error(`expected one cell tagged ${tags.join(" + ")}, found ${found.length} (${found.join(", ")})`);
  return found[0];
}

/** Replace a cell's source, as typing it would. */
export async function setCellText(page: Page, cell: number, text: string): Promise<void> {
  await page.evaluate(({ cell, text }) => (window as JupyterWindow).Jupyter!.notebook!.get_cells()[cell].set_text(text), { cell, text });
}

/** The rendered text of a cell's output area, as the student reads it. */
export function outputText(page: Page, cell: number): Promise<string> {
  return page.evaluate((cell) => {
    const element = (window as JupyterWindow).Jupyter!.notebook!.get_cells()[cell].element[0];
    return (element.querySelector(".output") as HTMLElement | null)?.innerText ?? "";
  }, cell);
}
