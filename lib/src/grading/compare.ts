/**
 * How an answer is compared with the expected value: deep, with a numeric tolerance, and with a
 * message that points at the first difference ("at [2].score: expected 0.25, got 0.3").
 */

export interface Tolerance {
  /** Absolute tolerance for numbers (default 1e-9). */
  readonly abs?: number;
  /** Relative tolerance for numbers (default 1e-9). */
  readonly rel?: number;
}

const MAX_PREVIEW = 120;

/** A short, single-line rendering of a value for feedback messages. */
export function preview(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) text = String(value);
  else if (typeof value === "bigint") text = `${value}n`;
  else if (typeof value === "function") text = `[function ${value.name || "anonymous"}]`;
  else if (ArrayBuffer.isView(value)) text = `${value.constructor.name}[${Array.from(value as unknown as ArrayLike<number>).join(", ")}]`;
  else if (value instanceof Map) text = `Map(${value.size}) ${preview(Object.fromEntries(value))}`;
  else if (value instanceof Set) text = `Set(${value.size}) ${preview([...value])}`;
  else {
    try {
      text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return text.length > MAX_PREVIEW ? `${text.slice(0, MAX_PREVIEW - 3)}...` : text;
}

function numbersClose(expected: number, got: number, tol: Required<Tolerance>): boolean {
  if (Number.isNaN(expected) || Number.isNaN(got)) return Number.isNaN(expected) && Number.isNaN(got);
  if (!Number.isFinite(expected) || !Number.isFinite(got)) return expected === got;
  return Math.abs(expected - got) <= Math.max(tol.abs, tol.rel * Math.abs(expected));
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (ArrayBuffer.isView(value)) return "array";
  if (value instanceof Map) return "Map";
  if (value instanceof Set) return "Set";
  return typeof value;
}

function isIndexable(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/**
 * `null` when `got` matches `expected`, else a message about the first difference.
 * Typed arrays and plain arrays compare by their elements; object key order does not matter.
 */
export function compareValues(expected: unknown, got: unknown, tolerance: Tolerance = {}, at = ""): string | null {
  const tol = { abs: tolerance.abs ?? 1e-9, rel: tolerance.rel ?? 1e-9 };
  const where = at === "" ? "" : `at ${at}: `;
  if (typeof expected === "number") {
    if (typeof got !== "number") return `${where}expected the number ${preview(expected)}, got ${kind(got)} ${preview(got)}`;
    return numbersClose(expected, got, tol) ? null : `${where}expected ${preview(expected)}, got ${preview(got)}`;
  }
  if (expected === null || typeof expected !== "object") {
    return Object.is(expected, got) ? null : `${where}expected ${preview(expected)}, got ${preview(got)}`;
  }
  if (isIndexable(expected)) {
    if (!isIndexable(got)) return `${where}expected an array of length ${expected.length}, got ${kind(got)} ${preview(got)}`;
    if (got.length !== expected.length) return `${where}expected length ${expected.length}, got length ${got.length} (${preview(got)})`;
    for (let i = 0; i < expected.length; i++) {
      const diff = compareValues(expected[i], got[i], tol, `${at}[${i}]`);
      if (diff) return diff;
    }
    return null;
  }
  if (expected instanceof Map || expected instanceof Set) {
    if (kind(got) !== kind(expected)) return `${where}expected a ${kind(expected)}, got ${kind(got)} ${preview(got)}`;
    const e = expected instanceof Map ? Object.fromEntries(expected) : [...expected].sort();
    const g = got instanceof Map ? Object.fromEntries(got) : [...(got as Set<unknown>)].sort();
    return compareValues(e, g, tol, at);
  }
  if (typeof got !== "object" || got === null || isIndexable(got)) return `${where}expected an object, got ${kind(got)} ${preview(got)}`;
  const e = expected as Record<string, unknown>;
  const g = got as Record<string, unknown>;
  const missing = Object.keys(e).filter((k) => !(k in g));
  if (missing.length) return `${where}missing key${missing.length > 1 ? "s" : ""} ${missing.map((k) => JSON.stringify(k)).join(", ")}`;
  const extra = Object.keys(g).filter((k) => !(k in e));
  if (extra.length) return `${where}unexpected key${extra.length > 1 ? "s" : ""} ${extra.map((k) => JSON.stringify(k)).join(", ")}`;
  for (const key of Object.keys(e)) {
    const diff = compareValues(e[key], g[key], tol, `${at}.${key}`);
    if (diff) return diff;
  }
  return null;
}

/** A deep copy of plain data, so an answer that mutates its arguments cannot spoil later checks. */
export function cloneArgs<T>(value: T): T {
  return structuredClone(value);
}
