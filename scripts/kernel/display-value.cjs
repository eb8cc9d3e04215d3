// How a cell's last expression value is shown (`execute_result`). An object may offer its own
// MIME bundle through the method under Symbol.for("Jupyter.display") (the convention of Deno's
// Jupyter kernel: it returns e.g. { "text/html": ..., "text/plain": ... }); everything else is
// shown as Node's REPL shows it (util.inspect).
"use strict";

const util = require("node:util");

const DISPLAY = Symbol.for("Jupyter.display");
const MIME = /^[\w\-+.]+\/[\w\-+.]+$/;

/**
 * { data, metadata } for an execute_result; `text/plain` is always present. null when the value's
 * display method returns an empty bundle: the value has shown itself already (check() does).
 */
function mimeBundleOf(value) {
  const plain = () => util.inspect(value, { colors: false });
  const offer = value !== null && (typeof value === "object" || typeof value === "function") ? value[DISPLAY] : undefined;
  if (typeof offer !== "function") return { data: { "text/plain": plain() }, metadata: {} };
  let bundle;
  try {
    bundle = offer.call(value);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { data: { "text/plain": `${plain()}\n(its Symbol.for("Jupyter.display") method threw: ${why})` }, metadata: {} };
  }
  if (bundle === null || typeof bundle !== "object" || Array.isArray(bundle)) {
    return { data: { "text/plain": `${plain()}\n(its Symbol.for("Jupyter.display") method returned ${util.inspect(bundle)}, expected an object of MIME type -> data)` }, metadata: {} };
  }
  if (Object.keys(bundle).length === 0) return null;
  const data = {};
  for (const [mime, content] of Object.entries(bundle)) {
    if (!MIME.test(mime)) continue;
    data[mime] = typeof content === "string" || mime.endsWith("json") ? content : String(content);
  }
  if (typeof data["text/plain"] !== "string") data["text/plain"] = plain();
  return { data, metadata: {} };
}

module.exports = { mimeBundleOf, DISPLAY };
