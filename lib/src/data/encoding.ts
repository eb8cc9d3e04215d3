/**
 * Text decoding for real files: UTF-8 when the bytes are valid UTF-8, else latin-1 (as the
 * Home Depot search data and many older exports are), and the result says which one it used and
 * where the first invalid byte was.
 */

export type TextEncoding = "utf-8" | "latin1";

export interface DecodedText {
  readonly text: string;
  readonly encoding: TextEncoding;
  /** A UTF-8 byte-order mark was removed. */
  readonly bom: boolean;
  /** Why the encoding was chosen, e.g. "invalid UTF-8 at byte 1043 (line 12); decoded as latin-1". */
  readonly note: string | null;
}

/** Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, max U+10FFFF), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else return i;
    if (i + need >= n) return i; // truncated at the end
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

// Windows-1252 puts printable characters (curly quotes, dashes, euro) where latin-1 has C1
// controls; real "latin-1" files almost always mean these.
const CP1252_HIGH: Readonly<Record<number, number>> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02c6,
  0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201c,
  0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc, 0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a,
  0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};

/** Latin-1 decoding with the Windows-1252 characters in 0x80..0x9F (the WHATWG "latin1" label). */
export function decodeLatin1(bytes: Uint8Array): string {
  let out = "";
  const chunk: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    chunk.push(b >= 0x80 && b <= 0x9f ? (CP1252_HIGH[b] ?? b) : b);
    if (chunk.length === 8192) {
      out += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  return out + String.fromCharCode(...chunk);
}

function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * Decodes `bytes`: "auto" (default) reads UTF-8 and falls back to latin-1 when the bytes are
 * not valid UTF-8; "utf-8" and "latin1" force one (forced UTF-8 on invalid bytes is an error
 * naming the byte offset and line).
 */
export function decodeBytes(bytes: Uint8Array, encoding: TextEncoding | "auto" = "auto", source = "input"): DecodedText {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  if (encoding === "latin1") return { text: decodeLatin1(body), encoding: "latin1", bom, note: "latin-1 requested" };
  const bad = firstInvalidUtf8(body);
  if (bad < 0) return { text: new TextDecoder("utf-8").decode(body), encoding: "utf-8", bom, note: null };
  const where = `byte ${bad + (bom ? 3 : 0)} (line ${lineOf(body, bad)}, value 0x${body[bad].toString(16).padStart(2, "0")})`;
  if (encoding === "utf-8") throw new Error(`${source}: expected UTF-8, found an invalid byte at ${where}. Pass encoding "latin1" (or "auto") to read it as latin-1.`);
  return { text: decodeLatin1(body), encoding: "latin1", bom, note: `invalid UTF-8 at ${where}; decoded as latin-1 (Windows-1252)` };
}
