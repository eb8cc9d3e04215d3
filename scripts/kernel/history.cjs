// The kernel's input history for `history_request` (tail, range, search), kept in memory for the
// kernel's life: tslab has no history of its own and the course needs none across restarts, so
// there is no history file. The current kernel is session 1 (session 0 and negative sessions in a
// range request also mean "this kernel"; IPython numbers sessions in its SQLite store instead).
"use strict";

const SESSION = 1;

/** Glob as IPython's history search uses it (sqlite GLOB): `*` any run, `?` one character, case-sensitive. */
function globToRegExp(pattern) {
  const escaped = [...pattern].map((char) => (char === "*" ? "[\\s\\S]*" : char === "?" ? "[\\s\\S]" : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${escaped.join("")}$`);
}

function createHistory() {
  /** { line: execution count, input: source, output: text/plain of the result or null } */
  const entries = [];

  function record(line, input) {
    entries.push({ line, input, output: null });
  }

  function recordOutput(line, text) {
    const entry = entries.findLast((e) => e.line === line);
    if (entry) entry.output = text;
  }

  function row(entry, output) {
    return [SESSION, entry.line, output ? [entry.input, entry.output] : entry.input];
  }

  /** The content of a history_reply for the content of a history_request. */
  function reply(request) {
    const output = Boolean(request.output);
    switch (request.hist_access_type) {
      case "tail": {
        const n = Number.isInteger(request.n) && request.n > 0 ? request.n : entries.length;
        return { status: "ok", history: entries.slice(-n).map((e) => row(e, output)) };
      }
      case "range": {
        const session = request.session ?? 0;
        if (session > 0 && session !== SESSION) return { status: "ok", history: [] };
        const start = request.start ?? 0;
        const stop = request.stop ?? null;
        const inRange = entries.filter((e) => e.line >= start && (stop === null || stop === 0 || e.line < stop));
        return { status: "ok", history: inRange.map((e) => row(e, output)) };
      }
      case "search": {
        const pattern = globToRegExp(request.pattern ?? "*");
        let found = entries.filter((e) => pattern.test(e.input));
        if (request.unique) {
          const seen = new Set();
          found = found.reverse().filter((e) => !seen.has(e.input) && seen.add(e.input)).reverse();
        }
        if (Number.isInteger(request.n) && request.n > 0) found = found.slice(-request.n);
        return { status: "ok", history: found.map((e) => row(e, output)) };
      }
      default:
        return {
          status: "error",
          ename: "ValueError",
          evalue: `hist_access_type must be "tail", "range" or "search", got ${JSON.stringify(request.hist_access_type)}`,
          traceback: [],
        };
    }
  }

  return { record, recordOutput, reply };
}

module.exports = { createHistory, globToRegExp };
