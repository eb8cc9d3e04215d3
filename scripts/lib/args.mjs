// The course's command lines, parsed one way: node's own util.parseArgs (strict: an unknown
// option, a missing value or a stray word is an error), plus the checks every script repeats
// (whole numbers, positive numbers, one of a list), each failing with `<command>: <what>` and the
// usage, exit code 2.
import { parseArgs } from "node:util";

/**
 * options: { name: "string" | "boolean" } (a value or a flag). Returns { values, has, get, int,
 * number, oneOf, fail, argv }; `--help` prints the usage and exits 0.
 */
export function commandLine(command, options, usage, argv = process.argv.slice(2)) {
  const fail = (message, withUsage = false) => {
    console.error(`${command}: ${message}${withUsage && usage ? `\n${usage}` : ""}`);
    process.exit(2);
  };
  const spec = { help: { type: "boolean" } };
  for (const [name, type] of Object.entries(options)) spec[name] = { type };
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }));
  } catch (error) {
    fail(error.message.replace(/\. To specify a positional argument.*$/s, "."), true);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const has = (name) => values[name] !== undefined;
  const get = (name, fallback) => (has(name) ? values[name] : fallback);
  return {
    values,
    argv,
    /** Exit 2 with `<command>: message` (and the usage when asked). */
    fail,
    /** Exit 2 unless the option was given. */
    require(name) {
      if (!has(name)) fail(`--${name} is required.`, true);
      return values[name];
    },
    has,
    get,
    /** A whole number >= min (default 0); `fallback` when absent. */
    int(name, fallback, min = 0) {
      if (!has(name)) return fallback;
      const v = Number(values[name]);
      if (!(Number.isInteger(v) && v >= min)) fail(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(values[name])}.`);
      return v;
    },
    /** A finite number > 0 (or >= 0 with { zero: true }); `fallback` when absent. */
    number(name, fallback, { zero = false } = {}) {
      if (!has(name)) return fallback;
      const v = Number(values[name]);
      if (!(Number.isFinite(v) && (zero ? v >= 0 : v > 0))) fail(`--${name} must be a number ${zero ? ">= 0" : "> 0"}, got ${JSON.stringify(values[name])}.`);
      return v;
    },
    /** One of `choices`; `fallback` when absent. */
    oneOf(name, choices, fallback) {
      if (!has(name)) return fallback;
      if (!choices.includes(values[name])) fail(`--${name} must be one of ${choices.join(", ")}, got ${JSON.stringify(values[name])}.`);
      return values[name];
    },
  };
}
