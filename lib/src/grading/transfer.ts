/**
 * Values that cross the sandbox's pipe: check inputs go to the student's process, the answer's
 * outputs come back. JSON with tags for what JSON lacks (NaN, -0, undefined, bigint, typed arrays,
 * Map, Set, Date), so that the trusted side compares exactly what the answer returned.
 *
 * An encoded value is a JSON string, boolean, null, finite number, or a tagged array
 * `[tag, ...payload]`. Decoding never calls code found in the data and never sets a prototype
 * (a "__proto__" key stays an own property), so a hostile output is only data.
 */

export type Encoded = string | number | boolean | null | EncodedTagged;
export type EncodedTagged = readonly [string, ...unknown[]];

/** The value cannot be sent (a function, a symbol, a cycle, too deep), with where it sits. */
export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransferError";
  }
}

export const MAX_TRANSFER_DEPTH = 200;

const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

function tag(value: unknown): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

function bytesOf(view: ArrayBufferView): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString("base64");
}

function encodeNumber(n: number): Encoded {
  if (Number.isNaN(n)) return ["n", "NaN"];
  if (n === Infinity) return ["n", "Infinity"];
  if (n === -Infinity) return ["n", "-Infinity"];
  if (Object.is(n, -0)) return ["n", "-0"];
  return n;
}

/** The encoded form of `value`; throws TransferError for what cannot be sent. */
export function encodeValue(value: unknown): Encoded {
  const seen = new Set<object>();
  const walk = (v: unknown, at: string, depth: number): Encoded => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        return encodeNumber(v);
      case "undefined":
        return ["u"];
      case "bigint":
        return ["b", v.toString()];
      case "function":
      case "symbol":
        throw new TransferError(`a ${typeof v} ${at === "" ? "" : `at ${at} `}cannot be compared; return plain data`);
    }
    if (v === null) return null;
    const obj = v as object;
    if (depth > MAX_TRANSFER_DEPTH) throw new TransferError(`the value is nested more than ${MAX_TRANSFER_DEPTH} levels deep${at === "" ? "" : ` (at ${at})`}`);
    if (seen.has(obj)) throw new TransferError(`the value contains a cycle${at === "" ? "" : ` (at ${at})`}`);
    seen.add(obj);
    try {
      if (Array.isArray(obj)) {
        const items: Encoded[] = [];
        for (let i = 0; i < obj.length; i++) items.push(walk(obj[i], `${at}[${i}]`, depth + 1));
        return ["a", items];
      }
      if (ArrayBuffer.isView(obj)) {
        const name = tag(obj);
        if (name in TYPED_ARRAYS) return ["t", name, bytesOf(obj)];
        return ["dv", bytesOf(obj)];
      }
      const kind = tag(obj);
      if (kind === "ArrayBuffer") return ["ab", Buffer.from(obj as ArrayBuffer).toString("base64")];
      if (kind === "Date") return ["d", encodeNumber((obj as Date).getTime())];
      if (kind === "Map") {
        const entries: [Encoded, Encoded][] = [];
        for (const [k, x] of obj as Map<unknown, unknown>) entries.push([walk(k, `${at}<key>`, depth + 1), walk(x, `${at}.${String(k)}`, depth + 1)]);
        return ["m", entries];
      }
      if (kind === "Set") {
        const items: Encoded[] = [];
        let i = 0;
        for (const x of obj as Set<unknown>) items.push(walk(x, `${at}{${i++}}`, depth + 1));
        return ["s", items];
      }
      // Plain objects and class instances alike: own enumerable keys, as compareValues sees them.
      const entries: [string, Encoded][] = [];
      for (const key of Object.keys(obj)) entries.push([key, walk((obj as Record<string, unknown>)[key], `${at}.${key}`, depth + 1)]);
      return ["o", entries];
    } finally {
      seen.delete(obj);
    }
  };
  return walk(value, "", 0);
}

function decodeNumber(text: unknown): number {
  switch (text) {
    case "NaN":
      return NaN;
    case "Infinity":
      return Infinity;
    case "-Infinity":
      return -Infinity;
    case "-0":
      return -0;
  }
  if (typeof text === "number") return text;
  throw new TransferError(`unknown number ${JSON.stringify(text)}`);
}

function bufferFrom(base64: unknown): Buffer {
  if (typeof base64 !== "string") throw new TransferError("binary data is not a base64 string");
  return Buffer.from(base64, "base64");
}

/** The value an encoded form stands for; throws TransferError on anything malformed. */
export function decodeValue(data: unknown): unknown {
  const walk = (d: unknown, depth: number): unknown => {
    if (d === null || typeof d === "string" || typeof d === "boolean") return d;
    if (typeof d === "number") {
      if (!Number.isFinite(d)) throw new TransferError("a bare non-finite number");
      return d;
    }
    if (!Array.isArray(d) || typeof d[0] !== "string") throw new TransferError(`malformed value ${JSON.stringify(d)?.slice(0, 40)}`);
    if (depth > MAX_TRANSFER_DEPTH + 2) throw new TransferError(`the value is nested more than ${MAX_TRANSFER_DEPTH} levels deep`);
    const list = (x: unknown): unknown[] => {
      if (!Array.isArray(x)) throw new TransferError(`malformed "${String(d[0])}" payload`);
      return x;
    };
    switch (d[0]) {
      case "u":
        return undefined;
      case "n":
        return decodeNumber(d[1]);
      case "b":
        if (typeof d[1] !== "string" || !/^-?\d+$/.test(d[1])) throw new TransferError("malformed bigint");
        return BigInt(d[1]);
      case "a":
        return list(d[1]).map((x) => walk(x, depth + 1));
      case "t": {
        const name = d[1] as TypedArrayName;
        if (typeof d[1] !== "string" || !Object.prototype.hasOwnProperty.call(TYPED_ARRAYS, name)) throw new TransferError(`unknown typed array ${String(d[1])}`);
        const Ctor = TYPED_ARRAYS[name];
        const bytes = bufferFrom(d[2]);
        if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw new TransferError(`${name} data of ${bytes.byteLength} bytes`);
        const copy = new ArrayBuffer(bytes.byteLength);
        new Uint8Array(copy).set(bytes);
        return new Ctor(copy);
      }
      case "dv": {
        const bytes = bufferFrom(d[1]);
        const copy = new ArrayBuffer(bytes.byteLength);
        new Uint8Array(copy).set(bytes);
        return new DataView(copy);
      }
      case "ab": {
        const bytes = bufferFrom(d[1]);
        const copy = new ArrayBuffer(bytes.byteLength);
        new Uint8Array(copy).set(bytes);
        return copy;
      }
      case "d":
        return new Date(decodeNumber(d[1]));
      case "m": {
        const map = new Map<unknown, unknown>();
        for (const pair of list(d[1])) {
          const [k, x] = list(pair);
          map.set(walk(k, depth + 1), walk(x, depth + 1));
        }
        return map;
      }
      case "s":
        return new Set(list(d[1]).map((x) => walk(x, depth + 1)));
      case "o": {
        const obj: Record<string, unknown> = {};
        for (const pair of list(d[1])) {
          const [k, x] = list(pair);
          if (typeof k !== "string") throw new TransferError("an object key that is not a string");
          Object.defineProperty(obj, k, { value: walk(x, depth + 1), enumerable: true, writable: true, configurable: true });
        }
        return obj;
      }
      default:
        throw new TransferError(`unknown tag ${JSON.stringify(d[0])}`);
    }
  };
  return walk(data, 0);
}

/** `value` as the text the pipe carries. */
export function encodeText(value: unknown): string {
  return JSON.stringify(encodeValue(value));
}

export function decodeText(text: string): unknown {
  return decodeValue(JSON.parse(text));
}

/** What a value looks like after a round trip: the form both sides of a comparison take. */
export function roundTrip<T>(value: T): T {
  return decodeValue(encodeValue(value)) as T;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object";
}

/**
 * Make `target` look like `source` in place (arrays, plain objects, typed arrays, Map, Set), so a
 * property check sees how the answer changed the arguments it was given in the other process.
 */
export function syncInto(target: unknown, source: unknown, depth = 0): void {
  if (!isRecord(target) || !isRecord(source) || depth > MAX_TRANSFER_DEPTH) return;
  if (Array.isArray(target) && Array.isArray(source)) {
    target.length = source.length;
    for (let i = 0; i < source.length; i++) {
      if (sameShape(target[i], source[i])) syncInto(target[i], source[i], depth + 1);
      else target[i] = source[i];
    }
    return;
  }
  if (ArrayBuffer.isView(target) && ArrayBuffer.isView(source)) {
    const t = target as unknown as { length?: number; set?: (a: ArrayLike<unknown>) => void };
    const s = source as unknown as { length?: number };
    if (typeof t.set === "function" && t.length === s.length) t.set(source as unknown as ArrayLike<unknown>);
    return;
  }
  if (target instanceof Map && source instanceof Map) {
    target.clear();
    for (const [k, v] of source) target.set(k, v);
    return;
  }
  if (target instanceof Set && source instanceof Set) {
    target.clear();
    for (const v of source) target.add(v);
    return;
  }
  if (Array.isArray(target) || Array.isArray(source) || ArrayBuffer.isView(target) || ArrayBuffer.isView(source)) return;
  for (const key of Object.keys(target)) if (!Object.prototype.hasOwnProperty.call(source, key)) delete target[key];
  for (const key of Object.keys(source)) {
    if (sameShape(target[key], source[key])) syncInto(target[key], source[key], depth + 1);
    else target[key] = source[key];
  }
}

function sameShape(a: unknown, b: unknown): boolean {
  if (!isRecord(a) || !isRecord(b)) return false;
  return tag(a) === tag(b) && Array.isArray(a) === Array.isArray(b);
}
