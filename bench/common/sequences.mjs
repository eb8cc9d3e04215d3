// The training sequences the recommender benches (bench/recommend.mjs, bench/twotower.mjs) train
// on: amazon-scientific's leave-one-out training items, or random sequences where that folder is
// absent or --data synthetic asks for them.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { usage } from "./training.mjs";

const require = createRequire(import.meta.url);
const AMAZON = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/datasets/amazon-scientific");

/** "amazon" or "synthetic" from --data (default: amazon where its sequences are there), or a usage error. */
export function sequenceData(option) {
  const there = existsSync(path.join(AMAZON, "sequences.json"));
  const data = option ?? (there ? "amazon" : "synthetic");
  if (data !== "amazon" && data !== "synthetic") usage(`--data: expected "amazon" or "synthetic", got "${data}".`);
  if (data === "amazon" && !there) usage(`--data amazon: ${AMAZON}/sequences.json is absent; use --data synthetic.`);
  return data;
}

/** The training sequences (item indices), the catalog's size and a description of them. */
export async function trainingSequences(data, syntheticItems) {
  const { loadRecSequences, Rng } = require("shoplm");
  if (data === "amazon") {
    const { interactionData } = require("shoplm/dist/recommend/interactions");
    const { leaveOneOutSplit } = require("shoplm/dist/recommend/leave-one-out");
    const loaded = await loadRecSequences(AMAZON);
    const split = leaveOneOutSplit(interactionData(loaded.records));
    return { train: split.train, items: split.data.itemIds.length, what: `amazon-scientific (${split.data.userIds.length} users, leave-one-out training items)` };
  }
  const rng = new Rng(7);
  // Lengths like the real data's: mostly short, a long tail (geometric, mean about 7).
  const train = Array.from({ length: 8000 }, () => Int32Array.from({ length: 2 + Math.min(60, Math.floor(rng.exponential(1 / 5))) }, () => rng.int(syntheticItems)));
  return { train, items: syntheticItems, what: `synthetic (8000 random sequences over ${syntheticItems} items)` };
}
