"use strict";
// danfojs-node requires "xlsx" at load time; only its Excel readers/writers call into it.
function unavailable(name) {
  return function () {
    throw new Error(
      "xlsx." + name + ": Excel files are not supported in this course. Export the sheet as CSV and use the CSV loaders instead."
    );
  };
}
const api = new Proxy({}, { get: (_t, key) => (typeof key === "string" ? unavailable(key) : undefined) });
module.exports = api;
module.exports.utils = api;
