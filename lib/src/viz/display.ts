/**
 * Where rich output goes. Inside a tslab kernel a bundle of several MIME types is sent as one
 * Jupyter display message, so each front end picks what it can render (JupyterLab the mermaid
 * or plotly renderer, exported HTML the `text/html`, a terminal the `text/plain`). Outside a
 * kernel (vitest, scripts) the `text/plain` part is printed.
 */

export type MimeBundle = Readonly<Record<string, string | object>>;

interface DisplayMessage {
  data: Record<string, string | object>;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}
type WriteDisplayData = (message: DisplayMessage, update: boolean) => void;

/** The kernel's display writer, present only when this process is a tslab kernel running a cell. */
function kernelWriter(): WriteDisplayData | null {
  try {
    // The project's kernel spec runs the project's own tslab, so this is the kernel's module instance.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: WriteDisplayData | null };
    return jupyter.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/**
 * The course kernel (scripts/kernel) sets this global to the `session` of the execute request
 * it is running: each page of JupyterLab or Notebook, each tab and each reload has its own. An
 * output that a page needs once (the plotly.js bundle) is sent again when the session changes.
 */
export const FRONT_END_SESSION = Symbol.for("shoplm.kernel.frontEndSession");

/** The front-end session of the running cell, when the kernel says; undefined elsewhere. */
export function frontEndSession(): string | undefined {
  const value = (globalThis as Record<symbol, unknown>)[FRONT_END_SESSION];
  return typeof value === "string" ? value : undefined;
}

/**
 * Remembers which front-end session (page) a once-per-page output, such as a script bundle, was
 * sent to: `needed()` is true until it is sent, and again on a page that has not had it.
 */
export class PerPage {
  private sent = false;
  private page: string | undefined;
  needed(): boolean {
    return !this.sent || frontEndSession() !== this.page;
  }
  markSent(): void {
    this.sent = true;
    this.page = frontEndSession();
  }
}

/** True when output goes to a Jupyter front end (a tslab kernel), false in a terminal or test. */
export function inNotebook(): boolean {
  return kernelWriter() !== null;
}

let sink: ((bundle: MimeBundle, displayId: string | undefined, update: boolean) => void) | null = null;

/**
 * Route every bundle to `capture` instead of the kernel or the terminal (tests use this to see
 * exactly what a notebook would receive). Returns a function that restores the default.
 */
export function captureDisplay(capture: (bundle: MimeBundle, displayId: string | undefined, update: boolean) => void): () => void {
  const previous = sink;
  sink = capture;
  return () => {
    sink = previous;
  };
}

/** Send one output with several representations of the same thing. */
export function displayBundle(bundle: MimeBundle, options: { displayId?: string; update?: boolean } = {}): void {
  const update = options.update ?? false;
  if (sink) {
    sink(bundle, options.displayId, update);
    return;
  }
  const write = kernelWriter();
  if (write) {
    write({ data: { ...bundle }, metadata: {}, transient: options.displayId ? { display_id: options.displayId } : {} }, update);
    return;
  }
  const text = bundle["text/plain"];
  if (typeof text === "string" && text !== "") console.log(text);
}

let nextId = 0;
/** A display that overwrites itself in place (progress bars, live loss curves). */
export class LiveDisplay {
  private readonly id = `shoplm-${process.pid}-${Date.now().toString(36)}-${nextId++}`;
  private shown = false;
  show(bundle: MimeBundle): void {
    displayBundle(bundle, { displayId: this.id, update: this.shown });
    this.shown = true;
  }
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
