/**
 * Rows as a table: HTML in notebooks, fixed-width text in a terminal. Accepts the shapes the
 * course produces (row objects, danfojs DataFrames and Series, column objects, 1-D / 2-D number
 * arrays, typed arrays, tfjs tensors) and shows head + tail of long ones.
 */
import { displayBundle, escapeHtml, type MimeBundle } from "./display";

/** A danfojs DataFrame or Series, by shape (no import of danfojs needed). */
export interface DataFrameLike {
  readonly columns: readonly string[];
  readonly values: readonly unknown[];
  readonly index?: readonly (string | number)[];
}

/** A tfjs Tensor, by shape (no import of tfjs needed). */
export interface TensorLike {
  readonly shape: readonly number[];
  arraySync(): unknown;
}

export type TypedNumberArray =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array
  | Uint8Array | Uint16Array | Uint32Array | Uint8ClampedArray;

export type TableData =
  | readonly Readonly<Record<string, unknown>>[]
  | Readonly<Record<string, readonly unknown[] | TypedNumberArray>>
  | readonly (readonly unknown[] | TypedNumberArray)[]
  | readonly unknown[]
  | TypedNumberArray
  | DataFrameLike
  | TensorLike;

export interface TableOptions {
  /** Rows shown before the middle is elided (head + tail); default 20. */
  maxRows?: number;
  /** Decimal places for non-integer numbers; default 4. */
  digits?: number;
  caption?: string;
  /** Show the row index (the DataFrame's own index when it has one); default true, except for one row numbered 0. */
  index?: boolean;
  /** Only these columns, in this order. */
  columns?: readonly string[];
  /** Cells longer than this are cut with "…" in the text rendering; default 40. */
  maxCellWidth?: number;
}

/** The normalised table every input becomes. */
export interface TableModel {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  readonly index: readonly (string | number)[];
}

const ELLIPSIS = "…";

function isTypedArray(value: unknown): value is TypedNumberArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

function isTensorLike(value: unknown): value is TensorLike {
  return value !== null && typeof value === "object" && Array.isArray((value as TensorLike).shape) && typeof (value as TensorLike).arraySync === "function";
}

function isDataFrameLike(value: unknown): value is DataFrameLike {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    // A class instance: a plain { columns: [...], values: [...] } is a column object.
    Object.getPrototypeOf(value) !== Object.prototype &&
    Array.isArray((value as DataFrameLike).columns) &&
    Array.isArray((value as DataFrameLike).values)
  );
}

function isRowObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !isTypedArray(value) && !(value instanceof Date);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isTypedArray(value)) return `a ${value.constructor.name}`;
  if (typeof value === "object") return `an object with keys [${Object.keys(value as object).slice(0, 8).join(", ")}]`;
  return typeof value;
}

/** Any accepted input as columns + rows + row labels. */
export function toTableModel(data: TableData): TableModel {
  if (isTensorLike(data)) {
    const shape = data.shape;
    if (shape.length > 2) {
      throw new Error(`table: a tensor of rank 1 or 2 was expected; found shape [${shape.join(", ")}] (slice or reshape it first).`);
    }
    const values = data.arraySync();
    if (shape.length === 0) return fromMatrix([[values]]);
    return shape.length === 1 ? fromVector(values as readonly unknown[]) : fromMatrix(values as readonly (readonly unknown[])[]);
  }
  if (isTypedArray(data)) return fromVector(Array.from(data));
  if (isDataFrameLike(data)) {
    const { columns, values } = data;
    const rows = values.length > 0 && !Array.isArray(values[0]) ? values.map((v) => [v]) : (values as readonly (readonly unknown[])[]);
    rows.forEach((row, i) => {
      if (row.length !== columns.length) throw new Error(`table: DataFrame row ${i} has ${row.length} values for ${columns.length} columns.`);
    });
    const index = data.index && data.index.length === rows.length ? data.index : rows.map((_, i) => i);
    return { columns: columns.map(String), rows, index };
  }
  if (Array.isArray(data)) {
    const list = data as readonly unknown[];
    if (list.length === 0) return { columns: [], rows: [], index: [] };
    const first = list[0];
    if (Array.isArray(first) || isTypedArray(first)) {
      const rows = list.map((row, i) => {
        if (!Array.isArray(row) && !isTypedArray(row)) throw new Error(`table: row 0 is an array but row ${i} is ${describe(row)}; expected every row to be an array.`);
        return Array.from(row as ArrayLike<unknown>);
      });
      return fromMatrix(rows);
    }
    if (isRowObject(first)) {
      const columns: string[] = [];
      const seen = new Set<string>();
      const rows = list.map((row, i) => {
        if (!isRowObject(row)) throw new Error(`table: row 0 is an object but row ${i} is ${describe(row)}; expected every row to be an object.`);
        for (const key of Object.keys(row)) {
          if (!seen.has(key)) {
            seen.add(key);
            columns.push(key);
          }
        }
        return row;
      });
      return { columns, rows: rows.map((row) => columns.map((c) => row[c])), index: rows.map((_, i) => i) };
    }
    return fromVector(list);
  }
  if (isRowObject(data)) {
    // A column object: { name: values[] }.
    const entries = Object.entries(data);
    if (entries.length === 0) return { columns: [], rows: [], index: [] };
    const columns = entries.map(([name]) => name);
    const arrays = entries.map(([name, values]) => {
      if (!Array.isArray(values) && !isTypedArray(values)) {
        throw new Error(`table: column "${name}" should be an array of values; found ${describe(values)}.`);
      }
      return Array.from(values as ArrayLike<unknown>);
    });
    const length = arrays[0].length;
    arrays.forEach((values, k) => {
      if (values.length !== length) throw new Error(`table: column "${columns[0]}" has ${length} values but column "${columns[k]}" has ${values.length}.`);
    });
    const rows = Array.from({ length }, (_, i) => arrays.map((values) => values[i]));
    return { columns, rows, index: rows.map((_, i) => i) };
  }
  throw new Error(`table: expected rows (objects or arrays), a column object, a DataFrame, a typed array or a tensor; found ${describe(data)}.`);
}

function fromVector(values: readonly unknown[]): TableModel {
  return { columns: ["value"], rows: values.map((v) => [v]), index: values.map((_, i) => i) };
}

function fromMatrix(rows: readonly (readonly unknown[])[]): TableModel {
  const width = Math.max(0, ...rows.map((r) => r.length));
  return { columns: Array.from({ length: width }, (_, j) => String(j)), rows, index: rows.map((_, i) => i) };
}

/** One cell as text: integers exactly, other numbers with `digits` decimals (exponent when tiny or huge). */
export function formatCell(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
    const magnitude = Math.abs(value);
    if (magnitude >= 1e9 || (magnitude > 0 && magnitude < 10 ** -digits)) return value.toExponential(Math.max(digits - 1, 1));
    return value.toFixed(digits);
  }
  if (typeof value === "string") return value;
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  if (isTypedArray(value)) return `[${Array.from(value as ArrayLike<number>, (v) => formatCell(v, digits)).join(", ")}]`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

interface Layout {
  columns: string[];
  /** Formatted cells; null marks the ellipsis row. */
  body: ({ label: string; cells: string[] } | null)[];
  numeric: boolean[];
  total: number;
  truncated: boolean;
  showIndex: boolean;
}

function layoutTable(model: TableModel, options: TableOptions): Layout {
  const digits = options.digits ?? 4;
  const maxRows = options.maxRows ?? 20;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new Error(`table: maxRows should be a positive integer; found ${maxRows}.`);
  let positions = model.columns.map((_, j) => j);
  if (options.columns) {
    positions = options.columns.map((name) => {
      const j = model.columns.indexOf(name);
      if (j < 0) throw new Error(`table: no column "${name}"; the columns are [${model.columns.join(", ")}].`);
      return j;
    });
  }
  const total = model.rows.length;
  const truncated = total > maxRows;
  const head = truncated ? Math.ceil(maxRows / 2) : total;
  const tail = truncated ? maxRows - head : 0;
  const shown = [...Array.from({ length: head }, (_, i) => i), ...Array.from({ length: tail }, (_, k) => total - tail + k)];
  const numeric = positions.map((j) => shown.length > 0 && shown.every((i) => {
    const v = model.rows[i][j];
    return v === null || v === undefined || typeof v === "number" || typeof v === "bigint";
  }));
  const row = (i: number) => ({ label: String(model.index[i] ?? i), cells: positions.map((j) => formatCell(model.rows[i][j], digits)) });
  const body: Layout["body"] = shown.slice(0, head).map(row);
  if (truncated) body.push(null);
  body.push(...shown.slice(head).map(row));
  // A lone row numbered 0 says nothing: its index column is left out unless asked for.
  const showIndex = options.index ?? !(total === 1 && String(model.index[0]) === "0");
  return { columns: positions.map((j) => model.columns[j]), body, numeric, total, truncated, showIndex };
}

function footer(layout: Layout): string {
  return `${layout.total.toLocaleString("en-US")} rows × ${layout.columns.length} columns`;
}

/** The HTML rendering (every cell escaped). */
export function tableHtml(data: TableData, options: TableOptions = {}): string {
  return renderHtml(layoutTable(toTableModel(data), options), options);
}

function renderHtml(layout: Layout, options: TableOptions): string {
  const showIndex = layout.showIndex;
  const cell = (tag: "td" | "th", text: string, right: boolean) =>
    `<${tag} style="text-align:${right ? "right" : "left"};padding:2px 8px;border-bottom:1px solid #ddd;white-space:pre-wrap">${escapeHtml(text)}</${tag}>`;
  const headRow = (showIndex ? cell("th", "", false) : "") + layout.columns.map((c, j) => cell("th", c, layout.numeric[j])).join("");
  const bodyRows = layout.body.map((row) => {
    if (row === null) {
      return `<tr>${(showIndex ? cell("th", ELLIPSIS, false) : "") + layout.columns.map((_, j) => cell("td", ELLIPSIS, layout.numeric[j])).join("")}</tr>`;
    }
    return `<tr>${(showIndex ? cell("th", row.label, false) : "") + row.cells.map((c, j) => cell("td", c, layout.numeric[j])).join("")}</tr>`;
  });
  return (
    `<table class="shoplm-table" style="border-collapse:collapse;font-size:0.9em">` +
    (options.caption ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(options.caption)}</caption>` : "") +
    `<thead><tr>${headRow}</tr></thead><tbody>${bodyRows.join("")}</tbody></table>` +
    (layout.truncated ? `<p class="shoplm-table-size" style="font-size:0.85em;color:#666">${escapeHtml(footer(layout))}</p>` : "")
  );
}

/** The fixed-width text rendering (terminals, text/plain). */
export function tableText(data: TableData, options: TableOptions = {}): string {
  return renderText(layoutTable(toTableModel(data), options), options);
}

function renderText(layout: Layout, options: TableOptions): string {
  const showIndex = layout.showIndex;
  const maxWidth = options.maxCellWidth ?? 40;
  const clip = (text: string) => {
    const flat = text.replace(/\r?\n/g, "⏎");
    return flat.length > maxWidth ? `${flat.slice(0, maxWidth - 1)}${ELLIPSIS}` : flat;
  };
  const header = [...(showIndex ? [""] : []), ...layout.columns.map(clip)];
  const lines = layout.body.map((row) =>
    row === null
      ? header.map(() => ELLIPSIS)
      : [...(showIndex ? [clip(row.label)] : []), ...row.cells.map(clip)],
  );
  const right = [...(showIndex ? [false] : []), ...layout.numeric];
  const widths = header.map((h, k) => Math.max(h.length, ...lines.map((l) => l[k].length)));
  const render = (cells: string[]) => cells.map((c, k) => (right[k] ? c.padStart(widths[k]) : c.padEnd(widths[k]))).join("  ").trimEnd();
  const out = [render(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(render)];
  if (options.caption) out.unshift(options.caption);
  if (layout.truncated) out.push(`[${footer(layout)}]`);
  return out.join("\n");
}

/** Both renderings as a display bundle. */
export function tableBundle(data: TableData, options: TableOptions = {}): MimeBundle {
  const layout = layoutTable(toTableModel(data), options);
  return { "text/html": renderHtml(layout, options), "text/plain": renderText(layout, options) };
}

/** Show rows as a table (HTML in a notebook, fixed-width text in a terminal). */
export function table(data: TableData, options: TableOptions = {}): void {
  displayBundle(tableBundle(data, options));
}
