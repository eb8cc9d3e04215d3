/**
 * Values a notebook records for its tests (the Microsoft Recommenders pattern): the notebook
 * calls `record("ndcg@10", 0.41)`, the headless runner collects every output of this MIME type
 * into `<notebook>.records.json`, and a vitest suite asserts on them.
 */
import { displayBundle } from "./display";

export const RECORD_MIME = "application/vnd.shoplm.record+json";

export type RecordValue = number | string | boolean | null | readonly RecordValue[] | { readonly [key: string]: RecordValue };

export function record(name: string, value: RecordValue): void {
  if (!/^[\w.@:/-]+$/.test(name)) {
    throw new Error(`record: name "${name}" must be letters, digits and . @ : / - _ only (it becomes a JSON key read by tests).`);
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new Error(`record: value of "${name}" is ${value}; recorded numbers must be finite.`);
  }
  // The empty text/plain is what a front end renders (nothing): students do not see the
  // bookkeeping; the runner reads the record's own MIME type.
  displayBundle({ [RECORD_MIME]: { name, value }, "text/plain": "" });
}
