/**
 * `run.json`, the record `npm run pretrain` writes beside a checkpoint: how the model was made
 * (command, sizes, time, backend) and how well it does on held-out text. The model card and the
 * chapter notebooks read it through `readPretrainRun`, which says which field is wrong.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

export interface PretrainRunRecord {
  readonly command: string;
  readonly profile: string;
  readonly steps: number;
  readonly batchSize: number;
  readonly maxLength: number;
  readonly seconds: number;
  readonly backend: string;
  /** Gradient worker threads; absent in records from before they existed (the main thread alone). */
  readonly workers?: number;
  readonly trainTexts: number;
  readonly heldOutTexts: number;
  readonly trainTokens: number;
  readonly parameters: number;
  readonly heldOut: { readonly loss: number; readonly perplexity: number; readonly accuracy: number; readonly maskedTokens: number };
  readonly unigramPerplexity: number;
  readonly perplexityRatio: number;
  readonly lossCurve: readonly { readonly step: number; readonly loss: number; readonly perplexity: number; readonly accuracy: number }[];
}

const NUMBERS = ["steps", "batchSize", "maxLength", "seconds", "trainTexts", "heldOutTexts", "trainTokens", "parameters", "unigramPerplexity", "perplexityRatio"] as const;
const STRINGS = ["command", "profile", "backend"] as const;

/** Check the shape of a parsed run record; `where` names it in errors. */
export function parsePretrainRun(data: unknown, where = "run.json"): PretrainRunRecord {
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new Error(`${where}: expected a JSON object, found ${Array.isArray(data) ? "an array" : typeof data}.`);
  const r = data as Record<string, unknown>;
  const need = (ok: boolean, field: string, expected: string) => {
    if (!ok) throw new Error(`${where}: field "${field}" should be ${expected}, found ${JSON.stringify(r[field] ?? null)?.slice(0, 80)}.`);
  };
  for (const f of STRINGS) need(typeof r[f] === "string", f, "a string");
  for (const f of NUMBERS) need(typeof r[f] === "number" && Number.isFinite(r[f]), f, "a finite number");
  need(r.workers === undefined || (Number.isInteger(r.workers) && (r.workers as number) >= 1), "workers", "a positive integer when present");
  const held = r.heldOut as Record<string, unknown> | undefined;
  need(!!held && typeof held === "object" && ["loss", "perplexity", "accuracy", "maskedTokens"].every((k) => typeof held[k] === "number"), "heldOut", "{ loss, perplexity, accuracy, maskedTokens } numbers");
  const curve = r.lossCurve;
  need(
    Array.isArray(curve) && curve.length > 0 && curve.every((e) => e && typeof e === "object" && ["step", "loss", "perplexity", "accuracy"].every((k) => typeof (e as Record<string, unknown>)[k] === "number")),
    "lossCurve",
    "a non-empty list of { step, loss, perplexity, accuracy }"
  );
  return data as PretrainRunRecord;
}

/** The run record of the checkpoint folder `dir`. */
export function readPretrainRun(dir: string): PretrainRunRecord {
  const file = path.join(dir, "run.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(`${file} is missing: a checkpoint folder made by \`npm run pretrain\` has one.`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parsePretrainRun(data, file);
}
