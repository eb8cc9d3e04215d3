// Source map v3 lookups, enough to point a stack frame of a cell's compiled code back at the
// cell's own line and column. Decoding is the base64 VLQ of the spec
// (https://sourcemaps.info/spec.html); node_modules has no maintained decoder the course depends
// on directly, and the kernel only needs line/column lookups, not generation.
"use strict";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((char, index) => [char, index]));

/** The `mappings` string as lines of segments [generatedColumn, sourceIndex, sourceLine, sourceColumn] (0-based). */
function decodeMappings(mappings) {
  const lines = [];
  let sourceIndex = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const lineText of mappings.split(";")) {
    const segments = [];
    let generatedColumn = 0;
    for (const segmentText of lineText.split(",")) {
      if (segmentText === "") continue;
      const fields = decodeVlq(segmentText);
      generatedColumn += fields[0];
      if (fields.length >= 4) {
        sourceIndex += fields[1];
        sourceLine += fields[2];
        sourceColumn += fields[3];
        segments.push([generatedColumn, sourceIndex, sourceLine, sourceColumn]);
      }
    }
    segments.sort((a, b) => a[0] - b[0]);
    lines.push(segments);
  }
  return lines;
}

function decodeVlq(text) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`source map: unexpected character ${JSON.stringify(char)} in mapping "${text}"`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** A lookup (line, column) -> {line, column} of the original, all 0-based; null where unmapped. */
function sourceMapLookup(map) {
  const lines = decodeMappings(map.mappings);
  return (line, column) => {
    const segments = lines[line];
    if (!segments || segments.length === 0) return null;
    // The last segment starting at or before the column; the first one when the column precedes all.
    let found = segments[0];
    for (const segment of segments) {
      if (segment[0] > column) break;
      found = segment;
    }
    return { line: found[2], column: found[3] };
  };
}

/** Two lookups in a row: generated -> intermediate -> original. */
function composeLookups(outer, inner) {
  return (line, column) => {
    const middle = outer(line, column);
    return middle && inner(middle.line, middle.column);
  };
}

const INLINE_MAP = /\n?\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;
const FILE_MAP = /\n?\/\/# sourceMappingURL=[^\n]*\s*$/;

/** Splits code that ends with an inline source map comment: { code, map } (map null when none). */
function takeInlineMap(code) {
  const match = INLINE_MAP.exec(code);
  if (!match) return { code, map: null };
  return { code: code.slice(0, match.index), map: JSON.parse(Buffer.from(match[1], "base64").toString("utf8")) };
}

/** Drops a trailing `//# sourceMappingURL=file.map` comment. */
function dropMapComment(code) {
  return code.replace(FILE_MAP, "");
}

module.exports = { decodeMappings, sourceMapLookup, composeLookups, takeInlineMap, dropMapComment };
