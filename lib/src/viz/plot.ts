/**
 * Plots in notebooks with plotly.js, offline. The first plot a page gets carries the whole
 * plotly.js bundle inline (guarded, so it loads once); later plots only call `window.Plotly`. A
 * reloaded page, a second tab or a notebook opened days later is a new front-end session (the
 * course kernel says which), so its first plot carries the bundle again. The
 * builders (lineChart, barChart, histogram, scatter, heatmap) are pure and return a figure, so
 * tests can check what a chart would show; `plot()` displays one.
 */
import { displayBundle, inNotebook, LiveDisplay, PerPage, type MimeBundle } from "./display";
import { assetMarker, assetSource, assetVersion, inlineAssetScript, PLOTLY_ASSET, scriptJson, uniqueElementId } from "./assets";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

export type PlotlyDatum = number | string | null;
/** Values plotly accepts for x / y / text; typed arrays are converted to plain arrays for JSON. */
export type PlotlyValues = readonly PlotlyDatum[] | ArrayLike<number>;

/** The subset of a plotly trace the course uses; any other plotly attribute passes through. */
export interface PlotlyTrace {
  type?: string;
  name?: string;
  x?: PlotlyValues;
  y?: PlotlyValues;
  z?: readonly (readonly PlotlyDatum[] | ArrayLike<number>)[];
  text?: PlotlyValues | string;
  mode?: string;
  orientation?: "v" | "h";
  opacity?: number;
  marker?: { color?: string | readonly string[]; size?: number; [key: string]: unknown };
  line?: { color?: string; width?: number; dash?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface PlotlyAxis {
  title?: string | { text: string };
  type?: "linear" | "log" | "category" | "date";
  range?: readonly [number, number];
  autorange?: boolean | "reversed";
  tickvals?: readonly number[];
  ticktext?: readonly string[];
  [key: string]: unknown;
}

export interface PlotlyLayout {
  title?: string | { text: string };
  width?: number;
  height?: number;
  xaxis?: PlotlyAxis;
  yaxis?: PlotlyAxis;
  barmode?: "group" | "stack" | "overlay" | "relative";
  showlegend?: boolean;
  margin?: { l?: number; r?: number; t?: number; b?: number };
  [key: string]: unknown;
}

export interface PlotlyConfig {
  responsive?: boolean;
  displayModeBar?: boolean;
  staticPlot?: boolean;
  [key: string]: unknown;
}

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout?: PlotlyLayout;
  config?: PlotlyConfig;
}

export interface PlotOptions {
  /** Pixel height of the plot area (default: the layout's height, else 400). */
  height?: number;
}

/** Common labels for the builders. */
export interface ChartLabels {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  height?: number;
}

// ---------------------------------------------------------------- display

/** Which page has plotly.js (a reload, a new tab, a new day: a page that has not). */
const plotlyOnPage = new PerPage();

// Within one page, clearing the output that carried the bundle and re-running a later plot needs plotSetup().
const MISSING_MESSAGE =
  'plotly.js is not loaded on this page (the output that carried it was cleared). Run a cell with `import { plotSetup } from "shoplm"; plotSetup();` and then this one again.';

/** The figure as plain JSON (typed arrays become arrays, so JSON.stringify keeps the numbers). */
export function figureJson(figure: PlotlyFigure): PlotlyFigure {
  const plain = (value: unknown): unknown => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) out[key] = plain(inner);
      return out;
    }
    if (typeof value === "number" && !Number.isFinite(value)) return null; // JSON has no NaN; plotly draws a gap
    return value;
  };
  return plain(figure) as PlotlyFigure;
}

function titleText(title: string | { text: string } | undefined): string | undefined {
  return typeof title === "string" ? title : title?.text;
}

/** One line: trace types with counts, trace names, and the title. */
export function figureSummary(figure: PlotlyFigure): string {
  const counts = new Map<string, number>();
  for (const trace of figure.data) {
    const type = trace.type ?? "scatter";
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  const parts = [...counts].map(([type, n]) => `${n} ${type}`);
  const names = figure.data.map((t) => t.name).filter((n): n is string => typeof n === "string" && n !== "");
  const title = titleText(figure.layout?.title);
  const oneLine = (text: string) => text.replace(/\s+/g, " ");
  return oneLine(
    `plot: ${parts.length ? parts.join(", ") : "no traces"}` +
    (names.length ? ` (${names.join(", ")})` : "") +
    (title ? ` - "${title}"` : "")
  );
}

/** The HTML part: a div and a script that draws into it, with plotly.js inline when `embed`. */
export function plotHtml(figure: PlotlyFigure, options: PlotOptions & { embed: boolean }): string {
  const json = figureJson(figure);
  const height = options.height ?? json.layout?.height ?? 400;
  const layout: PlotlyLayout = { margin: { l: 60, r: 20, t: json.layout?.title ? 50 : 20, b: 50 }, ...json.layout, height };
  const config: PlotlyConfig = { responsive: true, displaylogo: false, ...json.config };
  const id = uniqueElementId("shoplm-plot");
  const draw =
    `<script>(function () {\n` +
    `  var el = document.getElementById(${scriptJson(id)}); var tries = 0;\n` +
    `  function draw() {\n` +
    `    if (window.Plotly) { window.Plotly.newPlot(el, ${scriptJson(json.data)}, ${scriptJson(layout)}, ${scriptJson(config)}); return; }\n` +
    // Outputs render in order, but a later cell's output may be drawn before an earlier one's script has run.
    `    if (++tries > 50) { el.textContent = ${scriptJson(MISSING_MESSAGE)}; el.style.height = "auto"; el.style.color = "#b00"; return; }\n` +
    `    setTimeout(draw, 100);\n` +
    `  }\n` +
    `  draw();\n` +
    `})();</script>`;
  return (
    (options.embed ? inlineAssetScript(PLOTLY_ASSET) : "") +
    `<div class="shoplm-plot" id="${id}" style="width:100%;min-height:${height}px"></div>` +
    draw
  );
}

/** Show a plotly figure: interactive in notebooks and HTML exports, a one-line summary in a terminal. */
export function plot(figure: PlotlyFigure, options: PlotOptions = {}): void {
  validateFigure(figure);
  const embed = plotlyOnPage.needed();
  displayBundle(plotBundle(figure, { ...options, embed }));
  plotlyOnPage.markSent();
}

function plotBundle(figure: PlotlyFigure, options: PlotOptions & { embed: boolean }): MimeBundle {
  return {
    [PLOTLY_MIME]: figureJson(figure),
    "text/html": plotHtml(figure, options),
    "text/plain": figureSummary(figure),
  };
}

/**
 * Send plotly.js to the page now (again). Needed only when the output that carried it was
 * cleared; the first plot() of a session does it by itself.
 */
export function plotSetup(): void {
  const version = assetVersion(PLOTLY_ASSET);
  assetSource(PLOTLY_ASSET); // fail here, with the install hint, if the bundle is missing
  displayBundle({
    "text/html": `${inlineAssetScript(PLOTLY_ASSET)}<div class="shoplm-plot-setup" style="font-size:0.85em;color:#666">plotly.js ${version} loaded for this page (offline).</div>`,
    "text/plain": `plotly.js ${version} loaded for this page.`,
  });
  plotlyOnPage.markSent();
}

/** Marker present once per inline plotly.js bundle in an HTML output. */
export const PLOTLY_EMBED_MARKER = assetMarker(PLOTLY_ASSET);

function validateFigure(figure: PlotlyFigure): void {
  if (figure === null || typeof figure !== "object" || !Array.isArray(figure.data)) {
    throw new Error(`plot: expected a figure { data: PlotlyTrace[], layout?, config? }; found ${figure === null ? "null" : typeof figure}${figure && typeof figure === "object" ? ` with keys [${Object.keys(figure).join(", ")}]` : ""}.`);
  }
}

// ---------------------------------------------------------------- builders

/** Axes grow their margin to fit their labels (long rotated category names are not cut). */
function axisTitle(text: string | undefined): PlotlyAxis {
  return text ? { title: { text }, automargin: true } : { automargin: true };
}

/**
 * Ticks of a log axis at 1, 2 and 5 times the powers of ten inside [min, max], labelled in
 * full (plotly's own labels between decades are bare digits: 400 reads as "4").
 */
export function logTicks(min: number, max: number): { tickvals: number[]; ticktext: string[] } {
  if (!(min > 0) || !(max >= min)) return { tickvals: [], ticktext: [] };
  const tickvals: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= min / 1.0001 && v <= max * 1.0001) tickvals.push(v);
    }
  }
  // Too few inside a narrow range: the bounds themselves say where it is.
  if (tickvals.length < 2) tickvals.splice(0, tickvals.length, Number(min.toPrecision(2)), Number(max.toPrecision(2)));
  return { tickvals, ticktext: tickvals.map((v) => v.toLocaleString("en-US", { maximumSignificantDigits: 3 })) };
}

function baseLayout(labels: ChartLabels): PlotlyLayout {
  const layout: PlotlyLayout = { xaxis: axisTitle(labels.xTitle), yaxis: axisTitle(labels.yTitle) };
  if (labels.title) layout.title = { text: labels.title };
  if (labels.height) layout.height = labels.height;
  return layout;
}

function numbers(values: ArrayLike<number>): number[] {
  return Array.from(values);
}

export interface LineSeries {
  name: string;
  y: ArrayLike<number>;
  /** x values; default the shared `x` option, else 0, 1, 2, ... */
  x?: PlotlyValues;
}

export interface LineChartOptions extends ChartLabels {
  /** Shared x values for series that do not have their own (e.g. training steps). */
  x?: PlotlyValues;
  /** Logarithmic y axis (losses over many orders of magnitude). */
  logY?: boolean;
  /** Draw markers on the points as well as lines. */
  markers?: boolean;
}

/** Lines, one per series: `lineChart({ train: losses, val: valLosses }, { xTitle: "step" })`. */
export function lineChart(series: Readonly<Record<string, ArrayLike<number>>> | readonly LineSeries[], options: LineChartOptions = {}): PlotlyFigure {
  const list: LineSeries[] = Array.isArray(series)
    ? [...(series as readonly LineSeries[])]
    : Object.entries(series as Readonly<Record<string, ArrayLike<number>>>).map(([name, y]) => ({ name, y }));
  if (list.length === 0) throw new Error("lineChart: expected at least one series; found none.");
  const data = list.map((s): PlotlyTrace => {
    const y = numbers(s.y);
    const x = s.x ?? options.x;
    if (x !== undefined && x.length !== y.length) {
      throw new Error(`lineChart: series "${s.name}" has ${y.length} y values but ${x.length} x values.`);
    }
    return {
      type: "scatter",
      mode: options.markers ? "lines+markers" : "lines",
      name: s.name,
      x: x ? Array.from(x) : y.map((_, i) => i),
      y,
    };
  });
  const layout = baseLayout(options);
  if (options.logY) {
    const ys = data.flatMap((t) => (t.y as number[]).filter((v) => Number.isFinite(v) && v > 0));
    const lo = ys.reduce((a, b) => Math.min(a, b), Infinity);
    const hi = ys.reduce((a, b) => Math.max(a, b), -Infinity);
    layout.yaxis = { ...layout.yaxis, type: "log", ...(ys.length ? logTicks(lo, hi) : {}) };
  }
  return { data, layout };
}

export interface BarChartOptions extends ChartLabels {
  /** Horizontal bars (long labels such as category names). */
  horizontal?: boolean;
  /** How several series share a label. */
  barmode?: "group" | "stack";
}

/** Bars per label; several series (a record of value arrays) are grouped or stacked. */
export function barChart(
  labels: readonly (string | number)[],
  values: ArrayLike<number> | Readonly<Record<string, ArrayLike<number>>>,
  options: BarChartOptions = {},
): PlotlyFigure {
  const series: [string | undefined, number[]][] = isArrayLike(values)
    ? [[undefined, numbers(values)]]
    : Object.entries(values).map(([name, v]) => [name, numbers(v)]);
  const data = series.map(([name, v]): PlotlyTrace => {
    if (v.length !== labels.length) {
      throw new Error(`barChart: ${labels.length} labels but ${v.length} values${name ? ` in series "${name}"` : ""}.`);
    }
    const trace: PlotlyTrace = options.horizontal
      ? { type: "bar", orientation: "h", y: [...labels], x: v }
      : { type: "bar", x: [...labels], y: v };
    if (name !== undefined) trace.name = name;
    return trace;
  });
  const layout = baseLayout(options);
  if (series.length > 1) layout.barmode = options.barmode ?? "group";
  // Category axis keeps numeric labels (years, ids) as labels rather than positions.
  if (options.horizontal) layout.yaxis = { ...layout.yaxis, type: "category", autorange: "reversed" };
  else layout.xaxis = { ...layout.xaxis, type: "category" };
  return { data, layout };
}

export interface HistogramOptions extends ChartLabels {
  /** Approximate number of bins (plotly picks round bin edges). */
  bins?: number;
  /** "probability density" makes series of different sizes comparable. */
  normalize?: "count" | "percent" | "probability" | "probability density";
}

/** Distribution of values; several series (a record) overlay each other. */
export function histogram(values: ArrayLike<number> | Readonly<Record<string, ArrayLike<number>>>, options: HistogramOptions = {}): PlotlyFigure {
  const series: [string | undefined, number[]][] = isArrayLike(values)
    ? [[undefined, numbers(values)]]
    : Object.entries(values).map(([name, v]) => [name, numbers(v)]);
  const data = series.map(([name, v]): PlotlyTrace => {
    const trace: PlotlyTrace = { type: "histogram", x: v };
    if (name !== undefined) trace.name = name;
    if (options.bins) trace.nbinsx = options.bins;
    if (options.normalize && options.normalize !== "count") trace.histnorm = options.normalize;
    if (series.length > 1) trace.opacity = 0.6;
    return trace;
  });
  const layout = baseLayout({ yTitle: options.normalize ?? "count", ...options });
  if (series.length > 1) layout.barmode = "overlay";
  return { data, layout };
}

export interface ScatterOptions extends ChartLabels {
  /** Hover text per point (product titles, query strings). */
  labels?: readonly string[];
  /** A group per point; each group becomes its own coloured trace with a legend entry. */
  groups?: readonly (string | number)[];
  markerSize?: number;
}

/** Points in 2-D (e.g. an embedding space coloured by category). */
export function scatter(x: ArrayLike<number>, y: ArrayLike<number>, options: ScatterOptions = {}): PlotlyFigure {
  const xs = numbers(x);
  const ys = numbers(y);
  if (xs.length !== ys.length) throw new Error(`scatter: ${xs.length} x values but ${ys.length} y values.`);
  for (const [what, list] of [["labels", options.labels], ["groups", options.groups]] as const) {
    if (list && list.length !== xs.length) throw new Error(`scatter: ${xs.length} points but ${list.length} ${what}.`);
  }
  const marker = { size: options.markerSize ?? 6 };
  const trace = (indices: number[], name?: string): PlotlyTrace => {
    const t: PlotlyTrace = { type: "scatter", mode: "markers", x: indices.map((i) => xs[i]), y: indices.map((i) => ys[i]), marker };
    if (options.labels) t.text = indices.map((i) => options.labels![i]);
    if (name !== undefined) t.name = name;
    return t;
  };
  const all = xs.map((_, i) => i);
  let data: PlotlyTrace[];
  if (options.groups) {
    const byGroup = new Map<string, number[]>();
    for (const i of all) {
      const key = String(options.groups[i]);
      const list = byGroup.get(key) ?? [];
      list.push(i);
      byGroup.set(key, list);
    }
    data = [...byGroup].map(([name, indices]) => trace(indices, name));
  } else {
    data = [trace(all)];
  }
  return { data, layout: baseLayout(options) };
}

export interface HeatmapOptions extends ChartLabels {
  /** Column tick labels (e.g. key tokens); duplicates are fine. */
  xLabels?: readonly string[];
  /** Row tick labels (e.g. query tokens); row 0 is drawn at the top. */
  yLabels?: readonly string[];
  colorscale?: string;
  zmin?: number;
  zmax?: number;
  /** Write each cell's value in it (small matrices only). */
  showValues?: boolean;
  /** Decimals for `showValues` and hover (default 2). */
  digits?: number;
}

/**
 * A matrix as coloured cells (attention maps, confusion matrices). Cells sit at integer
 * positions with tick labels, so repeated tokens ("the" twice) keep their own row and column.
 */
export function heatmap(z: readonly ArrayLike<number>[], options: HeatmapOptions = {}): PlotlyFigure {
  const rows = z.map(numbers);
  if (rows.length === 0) throw new Error("heatmap: expected a matrix with at least one row; found none.");
  const width = rows[0].length;
  rows.forEach((row, i) => {
    if (row.length !== width) throw new Error(`heatmap: row 0 has ${width} values but row ${i} has ${row.length}; expected a rectangular matrix.`);
  });
  if (options.xLabels && options.xLabels.length !== width) {
    throw new Error(`heatmap: ${width} columns but ${options.xLabels.length} xLabels.`);
  }
  if (options.yLabels && options.yLabels.length !== rows.length) {
    throw new Error(`heatmap: ${rows.length} rows but ${options.yLabels.length} yLabels.`);
  }
  const digits = options.digits ?? 2;
  const trace: PlotlyTrace = {
    type: "heatmap",
    z: rows,
    x: rows[0].map((_, j) => j),
    y: rows.map((_, i) => i),
    colorscale: options.colorscale ?? "Viridis",
    hovertemplate: `%{customdata}: %{z:.${digits}f}<extra></extra>`,
    customdata: rows.map((row, i) => row.map((_, j) => `${options.yLabels?.[i] ?? i} → ${options.xLabels?.[j] ?? j}`)),
  };
  if (options.zmin !== undefined) trace.zmin = options.zmin;
  if (options.zmax !== undefined) trace.zmax = options.zmax;
  if (options.showValues) {
    trace.texttemplate = `%{z:.${digits}f}`;
    trace.textfont = { size: 10 };
  }
  const layout = baseLayout(options);
  // Column labels sit on top (reading order of an attention map), so the title needs room above them.
  layout.margin = { l: 80, r: 20, t: options.title ? 90 : 50, b: 20 };
  layout.xaxis = { ...layout.xaxis, tickvals: rows[0].map((_, j) => j), ticktext: options.xLabels ? [...options.xLabels] : rows[0].map((_, j) => String(j)), side: "top" };
  layout.yaxis = { ...layout.yaxis, tickvals: rows.map((_, i) => i), ticktext: options.yLabels ? [...options.yLabels] : rows.map((_, i) => String(i)), autorange: "reversed" };
  return { data: [trace], layout };
}

function isArrayLike(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

// ---------------------------------------------------------------- live plot

export interface LivePlotOptions extends ChartLabels {
  /** Minimum time between redraws; default 250 ms in a notebook, 5 s elsewhere (text lines). */
  intervalMs?: number;
  logY?: boolean;
  /** Clock in milliseconds (tests pass a fake one). */
  now?: () => number;
}

/**
 * A line chart that redraws in place as points arrive (a live loss curve):
 * `live.push("train", step, loss)` in the loop, `live.done()` at the end.
 */
export class LivePlot {
  private readonly display = new LiveDisplay();
  private readonly series = new Map<string, { x: number[]; y: number[] }>();
  private readonly now: () => number;
  private readonly intervalMs: number;
  private lastShown = Number.NEGATIVE_INFINITY;
  private dirty = false;

  constructor(private readonly options: LivePlotOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.intervalMs = options.intervalMs ?? (inNotebook() ? 250 : 5000);
  }

  /** Add a point to a series (created on first use), and redraw if the interval has passed. */
  push(name: string, x: number, y: number): void {
    let s = this.series.get(name);
    if (!s) {
      s = { x: [], y: [] };
      this.series.set(name, s);
    }
    s.x.push(x);
    s.y.push(y);
    this.dirty = true;
    if (this.now() - this.lastShown >= this.intervalMs) this.show();
  }

  /** The figure as it stands (pure; tests check it). */
  figure(): PlotlyFigure {
    if (this.series.size === 0) return { data: [], layout: baseLayout(this.options) };
    return lineChart(
      [...this.series].map(([name, s]) => ({ name, x: s.x, y: s.y })),
      this.options,
    );
  }

  /** Redraw now if anything changed since the last redraw. */
  flush(): void {
    if (this.dirty) this.show();
  }

  /** Final redraw (always, so the last points are on the page). */
  done(): void {
    this.show();
  }

  private show(): void {
    // The bundle goes in its own output: updates replace this one, and must not resend 4 MB each time.
    // Outside a kernel only the text part is printed, so there is no page to send it to.
    if (plotlyOnPage.needed() && inNotebook()) plotSetup();
    const figure = this.figure();
    const last = [...this.series].map(([name, s]) => `${name} ${formatLast(s.y[s.y.length - 1])} @ ${s.x[s.x.length - 1]}`).join(", ");
    const bundle = plotBundle(figure, { height: this.options.height, embed: false });
    this.display.show({ ...bundle, "text/plain": `${figureSummary(figure)}${last ? ` | last: ${last}` : ""}` });
    this.lastShown = this.now();
    this.dirty = false;
  }
}

function formatLast(v: number | undefined): string {
  if (v === undefined) return "-";
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
}

