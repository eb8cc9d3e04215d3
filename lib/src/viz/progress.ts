/**
 * Progress of a loop: count/total, percent, rate, ETA and an info string (the current loss).
 * In a notebook an HTML bar is redrawn in place; in a terminal one line is redrawn by
 * cli-progress; in logs (CI, pipes) a plain line is printed every few seconds and at the end.
 */
import { SingleBar } from "cli-progress";
import { escapeHtml, inNotebook, LiveDisplay, type MimeBundle } from "./display";

export type ProgressMode = "notebook" | "tty" | "log";

export interface ProgressOptions {
  label?: string;
  /** What is counted ("step", "batch", "doc"); default "it". */
  unit?: string;
  /** Where to draw; default: notebook in a kernel, tty when the stream is a terminal, else log. */
  mode?: ProgressMode | "auto";
  /** Minimum time between notebook redraws (default 200 ms); done() always redraws. */
  intervalMs?: number;
  /** Minimum time between log lines (default 5000 ms); done() always prints. */
  logIntervalMs?: number;
  /** Terminal / log output (default process.stdout). */
  stream?: NodeJS.WriteStream;
  /** Clock in milliseconds (tests pass a fake one). */
  now?: () => number;
}

export interface ProgressState {
  readonly value: number;
  readonly total: number | undefined;
  /** value / total, when the total is known. */
  readonly fraction: number | undefined;
  readonly elapsedMs: number;
  /** Units per second since the start (0 before anything was counted). */
  readonly rate: number;
  /** Milliseconds left at the current rate; undefined without a total or a rate. */
  readonly etaMs: number | undefined;
  readonly info: string | undefined;
  readonly done: boolean;
}

/** "m:ss", or "h:mm:ss" from an hour on. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** "12.3 it/s", or "4.20 s/it" when slower than one unit a second (training steps). */
export function formatRate(rate: number, unit: string): string {
  if (!(rate > 0)) return `- ${unit}/s`;
  if (rate < 1) return `${(1 / rate).toFixed(2)} s/${unit}`;
  return `${rate >= 100 ? Math.round(rate) : rate.toFixed(rate >= 10 ? 1 : 2)} ${unit}/s`;
}

/** The one-line text form of a state. */
export function progressLine(state: ProgressState, label: string | undefined, unit: string): string {
  const parts: string[] = [];
  const count = state.total !== undefined ? `${state.value}/${state.total}` : `${state.value} ${unit}`;
  parts.push(state.fraction !== undefined ? `${count} (${(state.fraction * 100).toFixed(0)}%)` : count);
  parts.push(formatRate(state.rate, unit));
  if (state.done) parts.push(`in ${formatDuration(state.elapsedMs)}`);
  else {
    parts.push(`elapsed ${formatDuration(state.elapsedMs)}`);
    if (state.etaMs !== undefined) parts.push(`ETA ${formatDuration(state.etaMs)}`);
  }
  if (state.info) parts.push(state.info);
  return `${label ? `${label}: ` : ""}${parts.join(" | ")}`;
}

function progressHtml(state: ProgressState, label: string | undefined, unit: string): string {
  const line = progressLine(state, undefined, unit);
  const bar =
    state.fraction !== undefined
      ? `<span style="display:inline-block;width:240px;height:10px;background:#e5e7eb;border-radius:5px;vertical-align:middle;overflow:hidden;margin:0 8px">` +
        `<span style="display:block;height:100%;width:${(Math.min(1, Math.max(0, state.fraction)) * 100).toFixed(1)}%;background:${state.done ? "#16a34a" : "#3b82f6"}"></span></span>`
      : "";
  return (
    `<div class="shoplm-progress" style="font-family:monospace;font-size:0.9em;line-height:1.8">` +
    (label ? `<b>${escapeHtml(label)}</b>` : "") +
    bar +
    `<span>${escapeHtml(line)}</span></div>`
  );
}

/** A bar whose redraw timer never keeps a script alive if done() is not reached. */
class UnrefSingleBar extends SingleBar {
  override render(): void {
    super.render();
    (this as unknown as { timer?: { unref?: () => void } | null }).timer?.unref?.();
  }
}

export class ProgressBar {
  private value = 0;
  private info: string | undefined;
  private finished = false;
  private readonly start: number;
  private readonly now: () => number;
  private readonly unit: string;
  private readonly label: string | undefined;
  readonly mode: ProgressMode;
  private readonly intervalMs: number;
  private readonly logIntervalMs: number;
  private readonly stream: NodeJS.WriteStream;
  private live: LiveDisplay | null = null;
  private lastShown = Number.NEGATIVE_INFINITY;
  private terminalBar: SingleBar | null = null;

  constructor(
    readonly total: number | undefined,
    options: ProgressOptions = {},
  ) {
    if (total !== undefined && !(Number.isFinite(total) && total >= 0)) {
      throw new Error(`progress: total should be a finite number >= 0 (or undefined when unknown); found ${total}.`);
    }
    this.now = options.now ?? (() => Date.now());
    this.start = this.now();
    this.unit = options.unit ?? "it";
    this.label = options.label;
    this.stream = options.stream ?? process.stdout;
    this.intervalMs = options.intervalMs ?? 200;
    this.logIntervalMs = options.logIntervalMs ?? 5000;
    const mode = options.mode ?? "auto";
    this.mode = mode !== "auto" ? mode : inNotebook() ? "notebook" : this.stream.isTTY ? "tty" : "log";
    // A log starts its interval now: a loop shorter than the interval prints only its final line.
    if (this.mode === "log") this.lastShown = this.start;
    if (this.mode === "notebook") {
      this.live = new LiveDisplay();
      this.draw();
    } else if (this.mode === "tty") {
      const bar = new UnrefSingleBar({
        stream: this.stream,
        format: `${this.label ? `${this.label} ` : ""}${total !== undefined ? "|{bar}| " : ""}{line}`,
        hideCursor: false,
        barsize: 30,
        fps: 10,
      });
      bar.start(total ?? 0, 0, { line: this.line() });
      this.terminalBar = bar;
    }
  }

  /** Count `n` more units (default 1), optionally replacing the info string. */
  tick(n = 1, info?: string): void {
    this.update(this.value + n, info);
  }

  /** Set the count to `value`, optionally replacing the info string. */
  update(value: number, info?: string): void {
    if (this.finished) return;
    if (!Number.isFinite(value)) throw new Error(`progress: value should be a finite number; found ${value}.`);
    this.value = value;
    if (info !== undefined) this.info = info;
    this.draw();
  }

  /** Finish: final redraw (always), stops the terminal line. Later calls do nothing. */
  done(info?: string): void {
    if (this.finished) return;
    if (info !== undefined) this.info = info;
    this.finished = true;
    this.draw(true);
  }

  /** Where things stand, from the injected clock. */
  state(): ProgressState {
    const elapsedMs = Math.max(0, this.now() - this.start);
    const rate = elapsedMs > 0 ? this.value / (elapsedMs / 1000) : 0;
    const fraction = this.total !== undefined ? (this.total === 0 ? 1 : this.value / this.total) : undefined;
    const etaMs = this.total !== undefined && rate > 0 ? (Math.max(0, this.total - this.value) / rate) * 1000 : undefined;
    return { value: this.value, total: this.total, fraction, elapsedMs, rate, etaMs, info: this.info, done: this.finished };
  }

  /** The current one-line text. */
  line(): string {
    return progressLine(this.state(), this.mode === "tty" ? undefined : this.label, this.unit);
  }

  private draw(force = false): void {
    const time = this.now();
    if (this.mode === "tty") {
      const bar = this.terminalBar!;
      bar.update(this.value, { line: this.line() });
      if (force) bar.stop();
      return;
    }
    const interval = this.mode === "notebook" ? this.intervalMs : this.logIntervalMs;
    if (!force && time - this.lastShown < interval) return;
    this.lastShown = time;
    if (this.mode === "notebook") {
      const state = this.state();
      const bundle: MimeBundle = { "text/html": progressHtml(state, this.label, this.unit), "text/plain": progressLine(state, this.label, this.unit) };
      this.live!.show(bundle);
    } else {
      this.stream.write(`${this.line()}\n`);
    }
  }
}

/** A progress bar for `total` units (undefined when unknown): `tick()` in the loop, `done()` after it. */
export function progress(total: number | undefined, options: ProgressOptions = {}): ProgressBar {
  return new ProgressBar(total, options);
}

/**
 * Yield every item of `iterable` while a bar counts them; the total comes from
 * `options.total`, else the iterable's length or size. The bar is finished even when the loop breaks.
 */
export function* trackProgress<T>(iterable: Iterable<T>, options: ProgressOptions & { total?: number } = {}): Generator<T, void, undefined> {
  const sized = iterable as { length?: unknown; size?: unknown };
  const total = options.total ?? (typeof sized.length === "number" ? sized.length : typeof sized.size === "number" ? sized.size : undefined);
  const bar = progress(total, options);
  try {
    for (const item of iterable) {
      yield item;
      bar.tick();
    }
  } finally {
    bar.done();
  }
}
