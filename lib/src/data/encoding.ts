/**
 * Text decoding for real files: UTF-8 when the bytes are valid UTF-8, else latin-1 (as the
 * Home Depot search data and many older exports are), and the result says which one it used and
 * where the first invalid byte was. A UTF-8 file with a few stray Windows-1252 bytes (pasted
 * text) keeps its UTF-8 and reads only those bytes as Windows-1252; UTF-16 with a byte-order mark
 * (Excel's "Unicode text") is read as such. Gzip-compressed files are decompressed first.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { gunzipSync } from "node:zlib";

export type TextEncoding = "utf-8" | "latin1" | "utf-16le" | "utf-16be";

export interface DecodedText {
  readonly text: string;
  readonly encoding: TextEncoding;
  /** A UTF-8 byte-order mark was removed. */
  readonly bom: boolean;
  /** Why the encoding was chosen, e.g. "invalid UTF-8 at byte 1043 (line 12); decoded as latin-1". */
  readonly note: string | null;
}

/**
 * The length of the valid UTF-8 sequence at `i` (1 for ASCII, 2-4 for a multi-byte character), or
 * 0 when the byte there starts none (RFC 3629: no overlongs, no surrogates, max U+10FFFF).
 */
function utf8SequenceAt(bytes: Uint8Array, i: number): number {
  const b = bytes[i];
  if (b < 0x80) return 1;
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
  } else return 0;
  if (i + need >= bytes.length) return 0; // truncated at the end
  for (let k = 1; k <= need; k++) {
    const c = bytes[i + k];
    if ((c & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return need + 1;
}

/** Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, max U+10FFFF), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const n = utf8SequenceAt(bytes, i);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

/**
 * Valid multi-byte UTF-8 characters and bytes that start none, over input given in pieces that
 * end at line feeds (a line feed never falls inside a UTF-8 character), and where the first
 * invalid byte is: what `decodeBytes` decides from, whole file or streamed.
 */
export class Utf8Census {
  multiByte = 0;
  invalid = 0;
  /** The first invalid byte: offset in the input, 1-based line, value; null while there is none. */
  first: { offset: number; line: number; value: number } | null = null;
  private offset = 0;
  private line = 1;

  add(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const n = utf8SequenceAt(bytes, i);
      if (n === 0) {
        if (this.first === null) this.first = { offset: this.offset + i, line: this.line + countLineFeeds(bytes, 0, i), value: bytes[i] };
        this.invalid++;
        i++;
      } else {
        if (n > 1) this.multiByte++;
        i += n;
      }
    }
    this.offset += bytes.length;
    this.line += countLineFeeds(bytes, 0, bytes.length);
  }
}

function countLineFeeds(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (bytes[i] === 0x0a) n++;
  return n;
}

/** How a file's UTF-8-or-not bytes are to be decoded, from its census: the decoder and what to say. */
export interface ByteDecoding {
  readonly encoding: TextEncoding;
  readonly note: string | null;
  /** Decodes one piece (whole lines, as given to the census). */
  decode(bytes: Uint8Array): string;
}

/**
 * The decoding `decodeBytes` picks for UTF-8-family input with this census (see there); `offsetShift`
 * is added to byte offsets in messages (a byte-order mark removed before the census).
 */
export function utf8Decoding(census: Utf8Census, encoding: "auto" | "utf-8" | "latin1", source: string, offsetShift = 0): ByteDecoding {
  if (encoding === "latin1") return { encoding: "latin1", note: "latin-1 requested", decode: decodeLatin1 };
  const first = census.first;
  if (first === null) {
    const utf8 = new TextDecoder("utf-8");
    return { encoding: "utf-8", note: null, decode: (b) => utf8.decode(b) };
  }
  const where = `byte ${first.offset + offsetShift} (line ${first.line}, value 0x${first.value.toString(16).padStart(2, "0")})`;
  if (encoding === "utf-8") throw new Error(`${source}: expected UTF-8, found an invalid byte at ${where}. Pass encoding "latin1" (or "auto") to read it as latin-1.`);
  const { multiByte, invalid } = census;
  if (multiByte > invalid) {
    return {
      encoding: "utf-8",
      note: `UTF-8 with ${invalid} invalid byte${invalid === 1 ? "" : "s"} (the first at ${where}) among ${multiByte} valid multi-byte characters; those bytes decoded as Windows-1252`,
      decode: decodeMixed,
    };
  }
  return { encoding: "latin1", note: `invalid UTF-8 at ${where}; decoded as latin-1 (Windows-1252)`, decode: decodeLatin1 };
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

/** Windows-1252's character for one byte (latin-1 outside 0x80..0x9F). */
function cp1252Char(b: number): string {
  return String.fromCharCode(b >= 0x80 && b <= 0x9f ? (CP1252_HIGH[b] ?? b) : b);
}

/** UTF-8 where the bytes are valid UTF-8, each byte that is not read as Windows-1252. */
function decodeMixed(bytes: Uint8Array): string {
  const utf8 = new TextDecoder("utf-8");
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; ) {
    const n = utf8SequenceAt(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > start) parts.push(utf8.decode(bytes.subarray(start, i)));
    parts.push(cp1252Char(bytes[i]));
    start = ++i;
  }
  if (start < bytes.length) parts.push(utf8.decode(bytes.subarray(start)));
  return parts.join("");
}


/**
 * Decodes `bytes`: "auto" (default) reads UTF-16 after its byte-order mark, else UTF-8, and when
 * the bytes are not valid UTF-8: latin-1 (Windows-1252) for the whole text, unless valid
 * multi-byte UTF-8 characters outnumber the invalid bytes (a UTF-8 file with stray Windows-1252
 * bytes), where only those bytes are read as Windows-1252. A forced encoding is used as given
 * (forced UTF-8 on invalid bytes is an error naming the byte offset and line).
 */
export function decodeBytes(bytes: Uint8Array, encoding: TextEncoding | "auto" = "auto", source = "input"): DecodedText {
  const le = bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe;
  const be = bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff;
  if (encoding === "utf-16le" || encoding === "utf-16be" || (encoding === "auto" && (le || be))) {
    const which = encoding === "auto" ? (le ? "utf-16le" : "utf-16be") : encoding;
    const bom = which === "utf-16le" ? le : be;
    // fatal: an odd byte count or a lone surrogate is an error here, not replacement characters.
    try {
      const text = new TextDecoder(which, { fatal: true }).decode(bom ? bytes.subarray(2) : bytes);
      return { text, encoding: which, bom, note: `${which === "utf-16le" ? "UTF-16 little-endian" : "UTF-16 big-endian"} ${bom ? "(byte-order mark)" : "requested"}` };
    } catch (error) {
      throw new Error(`${source}: expected ${which.toUpperCase()} text, could not decode it (${(error as Error).message}).`);
    }
  }
  const bom = hasUtf8Bom(bytes);
  const body = bom ? bytes.subarray(3) : bytes;
  const census = new Utf8Census();
  if (encoding !== "latin1") census.add(body);
  const decoding = utf8Decoding(census, encoding, source, bom ? 3 : 0);
  return { text: decoding.decode(body), encoding: decoding.encoding, bom, note: decoding.note };
}

export function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** The first `bytes` bytes of a file (fewer when it is shorter), to tell its kind. */
export function readFileHead(file: string, bytes: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** The gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * A file's bytes, decompressed when it is gzip (by its content, whatever its name); a truncated or
 * corrupt gzip file is an error that says so.
 */
export function readFileBytes(file: string): { bytes: Uint8Array; gzip: boolean } {
  const raw = readFileSync(file);
  if (!isGzip(raw)) return { bytes: raw, gzip: false };
  try {
    return { bytes: gunzipSync(raw), gzip: true };
  } catch (error) {
    throw gzipError(file, error);
  }
}

/**
 * The error for gzip data zlib could not inflate: truncated (a cut download, the usual cause) or
 * corrupt; `progress` says how far reading got ("after 12 lines"). Errors that are not zlib's
 * (a stream's own) are returned as they are.
 */
export function gzipError(file: string, error: unknown, progress?: string): Error {
  const code = String((error as { code?: unknown }).code ?? "");
  const message = (error as Error).message;
  if (!code.startsWith("Z_")) return error as Error;
  const at = progress ? `, ${progress}` : "";
  return /unexpected end/i.test(message)
    ? new Error(`${file}: the gzip file is truncated (it ends before its compressed data does${at}; download it again) (zlib: ${message}).`)
    : new Error(`${file}: the gzip data is corrupt${progress ? ` (${progress})` : ""} (zlib: ${message}).`);
}

/** `readFileBytes` then `decodeBytes`: a text file, gzip or not, in whatever encoding it was written. */
export function readTextFile(file: string, encoding: TextEncoding | "auto" = "auto"): DecodedText & { readonly gzip: boolean } {
  const { bytes, gzip } = readFileBytes(file);
  return { ...decodeBytes(bytes, encoding, file), gzip };
}
