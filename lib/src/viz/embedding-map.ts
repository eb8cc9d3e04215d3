/**
 * Pictures of an embedding space: the catalog in 2-D (PCA coordinates) coloured by department
 * with each product's title and category on hover, and a cosine-similarity heat map of a few
 * products. Both are pure figure builders; `plot(...)` shows them.
 */
import { Rng } from "../core/random";
import type { Product } from "../data/records";
import { heatmap, scatter, type ChartLabels, type PlotlyFigure } from "./plot";

/** 2-D points, row-major (x0, y0, x1, y1, ...; extra columns are ignored): a `PcaResult` is one. */
export interface MapPoints {
  readonly coordinates: ArrayLike<number>;
  /** When given (PCA), the axis titles say how much variance each axis holds. */
  readonly explainedVarianceRatio?: readonly number[];
}

export type MapProduct = Pick<Product, "title" | "category" | "categoryPath">;

export interface EmbeddingMapOptions extends ChartLabels {
  /** Colour by the category path's level: "department" (default, 12 colours), "group" or "category". */
  readonly colorBy?: "department" | "group" | "category";
  readonly markerSize?: number;
  /** At most this many points are drawn, a seeded uniform sample beyond (default 5,000: a light page). */
  readonly maxPoints?: number;
  /** Seed of that sample (default 0). */
  readonly seed?: number;
}

const LEVELS = { department: 0, group: 1, category: 2 } as const;

// Plotly's default palette has 10 colours, so 12 departments would share two; Dark24 keeps them apart.
const PALETTE = ["#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#222A2A", "#B68100", "#750D86", "#EB663B", "#511CB5", "#00A08B", "#FB00D1", "#FC0080", "#B2828D", "#6C7C32", "#778AAE", "#862A16", "#A777F1", "#620042", "#1616A7", "#DA60CA", "#6C4516", "#0D2A63", "#AF0038"];

/**
 * The catalog's 2-D map: `plot(embeddingMap(pca(embeddings), shop.products))`. Point i is
 * product i (the rows of the embedding matrix in catalog order); a large catalog is sampled.
 */
export function embeddingMap(points: MapPoints, products: readonly MapProduct[], options: EmbeddingMapOptions = {}): PlotlyFigure {
  const n = products.length;
  if (n === 0) throw new Error("embeddingMap: expected at least one product; found none.");
  const width = points.coordinates.length / n;
  if (!(Number.isInteger(width) && width >= 2)) {
    throw new Error(`embeddingMap: expected 2 (or more) coordinates per product for ${n} products; found ${points.coordinates.length} values.`);
  }
  const level = LEVELS[options.colorBy ?? "department"];
  if (level === undefined) throw new Error(`embeddingMap: colorBy must be "department", "group" or "category"; found ${JSON.stringify(options.colorBy)}.`);
  const maxPoints = options.maxPoints ?? 5000;
  if (!(Number.isInteger(maxPoints) && maxPoints > 0)) throw new Error(`embeddingMap: maxPoints must be a positive integer; found ${maxPoints}.`);
  const shown = sampleRows(n, maxPoints, options.seed ?? 0);
  const x = shown.map((i) => points.coordinates[i * width]);
  const y = shown.map((i) => points.coordinates[i * width + 1]);
  const picked = shown.map((i) => products[i]);
  const axis = (k: number) => {
    const r = points.explainedVarianceRatio?.[k];
    return r === undefined ? `component ${k + 1}` : `PC${k + 1} (${(100 * r).toFixed(1)} % of variance)`;
  };
  const figure = scatter(x, y, {
    title: options.title ?? `The catalog's embeddings in 2-D (${shown.length < n ? `${shown.length.toLocaleString("en-US")} of ` : ""}${n.toLocaleString("en-US")} products)`,
    xTitle: options.xTitle ?? axis(0),
    yTitle: options.yTitle ?? axis(1),
    height: options.height ?? 600,
    groups: picked.map((p) => p.categoryPath[level] ?? p.category),
    labels: picked.map((p) => `${escapeHover(p.title)}<br>${escapeHover(p.categoryPath.join(" › "))}`),
    markerSize: options.markerSize ?? (shown.length > 2000 ? 4 : 6),
  });
  figure.data.forEach((trace, i) => {
    trace.marker = { ...trace.marker, color: PALETTE[i % PALETTE.length] };
    trace.hovertemplate = "%{text}<extra>%{fullData.name}</extra>";
    trace.opacity = 0.7;
  });
  return figure;
}

/** All rows 0..n-1, or a seeded sample of `max` of them in ascending order (partial Fisher-Yates). */
function sampleRows(n: number, max: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  const rng = new Rng(seed);
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(n - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, max).sort((a, b) => a - b);
}

/** Plotly reads hover text as HTML: a title with "<" or "&" must not become markup. */
function escapeHover(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A heat map of cosine similarities (e.g. `cosineMatrix(embeddings, picks)`), labelled by
 * product: `plot(similarityHeatmap(cosineMatrix(e, picks), picks.map((i) => shop.products[i].title)))`.
 */
export function similarityHeatmap(similarities: readonly (readonly number[])[], labels: readonly string[], options: ChartLabels = {}): PlotlyFigure {
  if (similarities.length !== labels.length) throw new Error(`similarityHeatmap: ${similarities.length} rows but ${labels.length} labels.`);
  const short = labels.map((l) => (l.length > 28 ? `${l.slice(0, 27)}…` : l));
  // Column labels go below the cells, rotated, with room for the longest (the title keeps the top).
  const room = 30 + Math.round(4.5 * Math.max(0, ...short.map((l) => l.length)));
  const figure = heatmap(similarities as number[][], {
    title: options.title ?? "Cosine similarity",
    xLabels: short,
    yLabels: short,
    colorscale: "RdBu",
    zmin: -1,
    zmax: 1,
    showValues: similarities.length <= 12,
    height: options.height ?? 60 + room + 40 * similarities.length,
    xTitle: options.xTitle,
    yTitle: options.yTitle,
  });
  figure.layout = { ...figure.layout, margin: { ...figure.layout?.margin, t: 60, b: room }, xaxis: { ...figure.layout?.xaxis, side: "bottom", tickangle: -40 } };
  return figure;
}
