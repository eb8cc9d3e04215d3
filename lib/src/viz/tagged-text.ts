/**
 * Words with BIO tags as coloured spans: one colour per entity type, a legend, the type as a
 * small superscript (and as the span's title). HTML in notebooks, and a text fallback for
 * terminals and tests: `[Orbis]brand [matte black]colour case`. The spans are read from the
 * tags exactly as span-level F1 reads them (`bioSpans`, seqeval's default convention), so what
 * a student sees is what gets scored.
 */
import { bioSpans, type Span } from "../eval/spans";
import { displayBundle, escapeHtml, type MimeBundle } from "./display";

/** One tagged text: a query or a title, split into words, with one BIO tag per word. */
export interface TaggedTextRow {
  readonly words: readonly string[];
  readonly tags: readonly string[];
  /** Shown before the words ("truth", "predicted", a query id). */
  readonly label?: string;
}

export interface TaggedTextOptions {
  /**
   * The entity types in legend order; each keeps its colour from call to call (pass the task's
   * full list, e.g. ATTRIBUTE_TAG_TYPES). Types found in the tags but not listed come after, in
   * order of first appearance. Default: order of first appearance.
   */
  readonly types?: readonly string[];
  /** A colour per type (`#rrggbb`, `#rgb`, a CSS colour name, `rgb(...)` or `hsl(...)`), over the palette. */
  readonly colors?: Readonly<Record<string, string>>;
  readonly caption?: string;
}

/** Light backgrounds that stay apart for readers with colour-vision deficiencies (Okabe–Ito hues, lightened). */
const PALETTE = ["#ffd8a8", "#a5d8ff", "#b2f2bb", "#fff3a0", "#d0bfff", "#ffc9c9", "#99e9f2", "#e9c7a6", "#d8f5a2", "#eebefa"];

/** Past the palette: hues a golden angle apart, light enough for dark text. */
function extraColour(k: number): string {
  return `hsl(${Math.round((k * 137.508) % 360)}, 70%, 82%)`;
}

const CSS_COLOUR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]+|(rgb|hsl)a?\([\d\s.,%/]+\))$/;

interface Laid {
  readonly rows: readonly { readonly label?: string; readonly words: readonly string[]; readonly spans: readonly Span[] }[];
  /** Types in legend order that occur in the rows. */
  readonly shown: readonly string[];
  readonly colour: (type: string) => string;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === "string" ? JSON.stringify(value) : typeof value;
}

/** Check the rows and options and read each row's spans; errors name the row and the field. */
function layout(rows: readonly TaggedTextRow[], options: TaggedTextOptions): Laid {
  if (!Array.isArray(rows)) throw new Error(`taggedText: expected an array of rows { words, tags, label? }; found ${describe(rows)}.`);
  if (rows.length === 0) throw new Error("taggedText: expected at least one row { words, tags }; found an empty array.");
  const laid = rows.map((row, i) => {
    const where = `taggedText: rows[${i}]${row && typeof row.label === "string" ? ` ("${row.label}")` : ""}`;
    if (row === null || typeof row !== "object") throw new Error(`${where}: expected an object { words, tags, label? }; found ${describe(row)}.`);
    if (!Array.isArray(row.words)) throw new Error(`${where}.words: expected an array of words; found ${describe(row.words)}.`);
    if (!Array.isArray(row.tags)) throw new Error(`${where}.tags: expected an array of BIO tags; found ${describe(row.tags)}.`);
    if (row.words.length !== row.tags.length) {
      throw new Error(`${where} has ${row.words.length} words but ${row.tags.length} tags; expected one tag per word.`);
    }
    (row.words as readonly unknown[]).forEach((w, j) => {
      if (typeof w !== "string") throw new Error(`${where}.words[${j}]: expected a string; found ${describe(w)}.`);
    });
    if (row.label !== undefined && typeof row.label !== "string") throw new Error(`${where}.label: expected a string; found ${describe(row.label)}.`);
    return { label: row.label, words: row.words, spans: bioSpans(row.tags, `${where}.tags`) };
  });
  const order = [...(options.types ?? [])];
  const seen = new Set(order);
  for (const { spans } of laid) {
    for (const { type } of spans) {
      if (!seen.has(type)) {
        seen.add(type);
        order.push(type);
      }
    }
  }
  for (const [type, colour] of Object.entries(options.colors ?? {})) {
    if (typeof colour !== "string" || !CSS_COLOUR.test(colour)) {
      throw new Error(`taggedText: colors["${type}"] should be a CSS colour (#rrggbb, a name, rgb(...) or hsl(...)); found ${describe(colour)}.`);
    }
  }
  const present = new Set(laid.flatMap((r) => r.spans.map((s) => s.type)));
  const colour = (type: string): string => {
    const given = options.colors?.[type];
    if (given !== undefined) return given;
    const k = order.indexOf(type);
    return k < PALETTE.length ? PALETTE[k] : extraColour(k);
  };
  return { rows: laid, shown: order.filter((t) => present.has(t)), colour };
}

/** The text rendering: `label: [Orbis]brand [matte black]colour case`. */
function renderText(laid: Laid, options: TaggedTextOptions): string {
  const lines = laid.rows.map(({ label, words, spans }) => {
    const parts: string[] = [];
    let at = 0;
    for (const s of spans) {
      parts.push(...words.slice(at, s.start), `[${words.slice(s.start, s.end).join(" ")}]${s.type}`);
      at = s.end;
    }
    parts.push(...words.slice(at));
    return (label !== undefined ? `${label}: ` : "") + parts.join(" ");
  });
  return (options.caption ? [options.caption, ...lines] : lines).join("\n");
}

function renderHtml(laid: Laid, options: TaggedTextOptions): string {
  const chip = (type: string) =>
    `<span class="shoplm-tag-legend" style="background:${laid.colour(type)};color:#111;padding:1px 6px;margin-right:6px;border-radius:3px">${escapeHtml(type)}</span>`;
  const legend = laid.shown.length
    ? `<div class="shoplm-tag-legend-row" style="margin-bottom:6px;font-size:0.85em">${laid.shown.map(chip).join("")}</div>`
    : `<div class="shoplm-tag-legend-row" style="margin-bottom:6px;font-size:0.85em;color:#666">no tagged spans</div>`;
  const rows = laid.rows.map(({ label, words, spans }) => {
    const parts: string[] = [];
    let at = 0;
    const plain = (from: number, to: number) => words.slice(from, to).map(escapeHtml);
    for (const s of spans) {
      parts.push(...plain(at, s.start));
      const type = escapeHtml(s.type);
      parts.push(
        `<mark class="shoplm-tag" data-type="${type}" title="${type}" style="background:${laid.colour(s.type)};color:#111;padding:1px 4px;border-radius:3px">` +
          `${plain(s.start, s.end).join(" ")}<sup style="font-size:0.65em;margin-left:2px;color:#444">${type}</sup></mark>`
      );
      at = s.end;
    }
    parts.push(...plain(at, words.length));
    const head = label !== undefined ? `<span class="shoplm-tag-label" style="color:#666;font-size:0.85em;margin-right:8px">${escapeHtml(label)}</span>` : "";
    return `<div class="shoplm-tag-row">${head}${parts.join(" ")}</div>`;
  });
  const caption = options.caption ? `<div style="font-weight:bold;margin-bottom:4px">${escapeHtml(options.caption)}</div>` : "";
  return `<div class="shoplm-tagged-text" style="line-height:2">${caption}${legend}${rows.join("")}</div>`;
}

/** Both renderings as a display bundle (HTML and the text fallback). */
export function taggedTextBundle(rows: readonly TaggedTextRow[], options: TaggedTextOptions = {}): MimeBundle {
  const laid = layout(rows, options);
  return { "text/html": renderHtml(laid, options), "text/plain": renderText(laid, options) };
}

/** Show tagged words as coloured spans, one colour per type (HTML in a notebook, bracketed text in a terminal). */
export function taggedText(rows: readonly TaggedTextRow[], options: TaggedTextOptions = {}): void {
  displayBundle(taggedTextBundle(rows, options));
}
