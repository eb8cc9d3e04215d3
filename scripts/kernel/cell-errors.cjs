// What a failed cell reports through the protocol: `ename`, `evalue` and a `traceback` whose frames
// name the cell (`In[3]:2:7`, its execution count, line and column) instead of the compiled code
// that actually ran (`evalmachine.<anonymous>:5:13`).
"use strict";

const util = require("node:util");

/** The vm filename of the code of execution `count`; frames carry it, the lookups key on it. */
function cellFilename(count) {
  return `In[${count}]`;
}

const CELL_POSITION = /(In\[\d+\]):(\d+):(\d+)/g;
// Frames that belong to the kernel, not to the student's code.
const KERNEL_FRAME = /node:vm|node:internal\/vm|[\\/]tslab[\\/]dist[\\/]|[\\/]scripts[\\/]kernel[\\/]/;

/**
 * cells: Map filename -> { lookup(line, column) -> {line, column} | null (0-based), prefixLength }
 * Rewrites every `In[n]:line:column` of a stack frame to the cell's own position (1-based); null
 * for a frame in the kernel's wrapper around the cell (a position with no place in the cell).
 */
function mapFrame(frame, cells) {
  let unmapped = false;
  const mapped = frame.replace(CELL_POSITION, (whole, filename, lineText, columnText) => {
    const cell = cells.get(filename);
    if (!cell) return whole;
    const line = Number(lineText) - 1;
    // The kernel wraps the compiled code in a function on the code's first line.
    const column = Number(columnText) - 1 - (line === 0 ? cell.prefixLength : 0);
    const original = cell.lookup(line, Math.max(0, column));
    if (!original) unmapped = true;
    return original ? `${filename}:${original.line + 1}:${original.column + 1}` : whole;
  });
  return unmapped ? null : mapped;
}

/** The error content of a value thrown by a cell (an Error or anything else). */
function thrownError(value, cells) {
  if (!(value instanceof Error) && !(value && typeof value === "object" && typeof value.stack === "string" && "message" in value)) {
    const evalue = util.inspect(value);
    return { ename: "Uncaught", evalue, traceback: [`Uncaught ${evalue}`] };
  }
  const ename = String(value.name || (value.constructor && value.constructor.name) || "Error");
  const evalue = String(value.message ?? "");
  const stack = typeof value.stack === "string" ? value.stack : "";
  const frames = stack
    .split("\n")
    .filter((line) => /^\s+at /.test(line) && !KERNEL_FRAME.test(line))
    .map((line) => mapFrame(line, cells))
    .filter((line) => line !== null);
  return { ename, evalue, traceback: [`${ename}: ${evalue}`, ...frames] };
}

const CATEGORY = ["warning", "error", "suggestion", "message"];

/**
 * The error content of a cell that did not compile. diagnostics: tslab's converted diagnostics
 * ({ start: {line, character} (0-based, in the cell), messageText, code, category, fileName? }).
 */
function compileError(diagnostics, count) {
  const where = (d) => `${d.fileName ?? cellFilename(count)}:${d.start.line + 1}:${d.start.character + 1}`;
  const lines = diagnostics.map((d) => `    ${where(d)} - ${CATEGORY[d.category] ?? "error"} TS${d.code}: ${d.messageText}`);
  const first = diagnostics[0];
  const more = diagnostics.length > 1 ? ` (${diagnostics.length - 1} more below)` : "";
  const evalue = `${first.messageText}${more}`;
  return { ename: "CompileError", evalue, traceback: [`CompileError: ${where(first)} - ${first.messageText}`, ...lines] };
}

module.exports = { cellFilename, mapFrame, thrownError, compileError };
