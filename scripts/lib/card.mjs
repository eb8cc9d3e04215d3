// The command line of a generated card (the model card, the fine-tuning results card): write the
// card's generated block from the records, or with `--check` fail when the card is out of date.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** `expected(card)` returns the card with its generated block rebuilt; `command` is how to rebuild it. */
export function cardCli(file, expected, command, root) {
  const card = readFileSync(file, "utf8");
  const next = expected(card);
  const name = path.relative(root, file);
  if (process.argv.includes("--check")) {
    if (next !== card) {
      console.error(`${name} is out of date: run \`${command}\`.`);
      process.exit(1);
    }
    console.log(`${name} is up to date`);
  } else {
    writeFileSync(file, next);
    console.log(`wrote ${name}`);
  }
}

/**
 * A record's command and date as a two-row table. A card's "command" row records how a figure was
 * made and is not an instruction to type (test/grading/release-docs.test.ts reads it so).
 */
export function commandRows(command, date) {
  return ["| run | |", "| --- | --- |", `| command | \`${command}\` |`, `| date | ${date} |`, ""];
}
