/**
 * A fine-tuned model on disk: not a copy of the pretrained encoder but a reference to it (its
 * folder and the sha256 of its weights file) plus what fine-tuning added: the task head, the
 * method's own weights (LoRA factors, adapters, prefixes, AdaLoRA's factors and rank masks) and,
 * only when the method trains the encoder (full fine-tuning), the encoder's weights. A LoRA
 * checkpoint of the course model is a few tens of kilobytes; loading it onto any other base
 * checkpoint is refused, naming both checksums.
 *
 * Written all or nothing: into a sibling folder that is renamed into place at the end.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { writeFolderAtomically } from "../core/files";
import * as path from "node:path";
import { loadEncoder, readCheckpoint, readTensorFile, writeTensorFile, type Checkpoint, type TensorFileEntry } from "../model/checkpoint";
import type { EncoderConfig } from "../model/config";
import type { WeightValue } from "../model/parameters";
import { loadTokenizer } from "../text/io";
import type { WordPieceTokenizer } from "../text/wordpiece";
import { SequenceClassifier } from "./classifier";
import { SequenceClassificationHead, type Pooling } from "./heads";
import { makeMethod, type MethodSettings } from "./run";
import type { MethodName } from "./method";
import { hasMatchChannel, withMatchChannel } from "./match-channel";

export const FINE_TUNED_FORMAT = "shoplm-finetuned";
export const FINE_TUNED_VERSION = 1;
const MANIFEST = "finetuned.json";
const WEIGHTS = "finetuned.bin";

export interface FineTunedManifest {
  readonly format: typeof FINE_TUNED_FORMAT;
  readonly version: number;
  /** What the head predicts ("relevance", "intent", ...). */
  readonly task: string;
  readonly base: {
    /** The base checkpoint's folder, relative to this folder when it can be. */
    readonly checkpoint: string;
    /** sha256 of the base's weights file: the identity a fine-tuned model is loaded against. */
    readonly weightsSha256: string;
    readonly config: EncoderConfig;
  };
  readonly method: { readonly name: MethodName; readonly settings: MethodSettings; readonly seed: number; readonly state: Record<string, number[]> | null };
  readonly head: { readonly kind: "sequence"; readonly labels: readonly string[]; readonly pooling: Pooling };
  /** The relevance scale's numeric grades (cross-encoders), in label order. */
  readonly grades: readonly number[] | null;
  readonly maxLength: number;
  /** The encoder has the lexical match channel's segment rows (match-channel.ts); absent in older files: false. */
  readonly matchChannel?: boolean;
  /** head/..., method/... and (full fine-tuning only) encoder/... tensors. */
  readonly weights: TensorFileEntry;
  readonly metadata: Record<string, unknown>;
}

export interface SaveFineTunedOptions {
  readonly base: Checkpoint;
  readonly task: string;
  /** The settings and seed the method was built with (`makeMethod` rebuilds it from them). */
  readonly settings?: MethodSettings;
  readonly seed?: number;
  readonly maxLength: number;
  readonly grades?: readonly number[];
  readonly metadata?: Record<string, unknown>;
}

function prefixed(prefix: string, snapshot: Map<string, WeightValue>): [string, WeightValue][] {
  return [...snapshot.entries()].map(([name, w]) => [`${prefix}/${name}`, w]);
}

/** Save a fine-tuned sequence classifier into `dir` (replacing an earlier fine-tuned checkpoint there). */
export function saveFineTuned(dir: string, classifier: SequenceClassifier, options: SaveFineTunedOptions): FineTunedManifest {
  const target = path.resolve(dir);
  if (existsSync(target) && !existsSync(path.join(target, MANIFEST))) throw new Error(`saveFineTuned: ${target} exists and is not a fine-tuned checkpoint; choose a new folder.`);
  return writeFolderAtomically(target, (partial) => {
    const method = classifier.method;
    const tensors = [...prefixed("head", classifier.head.params.snapshot())];
    if (method.params) tensors.push(...prefixed("method", method.params.snapshot()));
    if (method.trainsEncoder) tensors.push(...prefixed("encoder", classifier.encoder.params.snapshot()));
    const weights = writeTensorFile(path.join(partial, WEIGHTS), tensors);
    const baseDir = path.resolve(options.base.dir);
    const relative = path.relative(target, baseDir);
    const manifest: FineTunedManifest = {
      format: FINE_TUNED_FORMAT,
      version: FINE_TUNED_VERSION,
      task: options.task,
      base: { checkpoint: path.isAbsolute(relative) ? baseDir : relative, weightsSha256: options.base.manifest.weights.sha256, config: options.base.config },
      method: { name: method.name, settings: options.settings ?? {}, seed: options.seed ?? 0, state: method.exportState?.() ?? null },
      head: { kind: "sequence", labels: [...classifier.head.labels], pooling: classifier.head.pooling },
      grades: options.grades ? [...options.grades] : null,
      maxLength: options.maxLength,
      matchChannel: hasMatchChannel(classifier.encoder),
      weights,
      metadata: options.metadata ?? {},
    };
    writeFileSync(path.join(partial, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    return manifest;
  });
}

/**
 * The base checkpoint a saved model was trained on: `given`, else the manifest's folder (relative
 * to the model's `dir`), checked by the sha256 of its weights. `what` names the model in errors.
 */
export function baseOf(what: string, dir: string, recorded: { readonly checkpoint: string; readonly weightsSha256: string }, given?: string | Checkpoint): Checkpoint {
  const base = typeof given === "object" ? given : readCheckpoint(given ?? (path.isAbsolute(recorded.checkpoint) ? recorded.checkpoint : path.join(dir, recorded.checkpoint)));
  if (base.manifest.weights.sha256 !== recorded.weightsSha256) {
    throw new Error(
      `${what} was trained on the base whose weights have sha256 ${recorded.weightsSha256}, ` +
        `but ${base.dir} has ${base.manifest.weights.sha256}: it is another base model (pass the right one as \`base\`).`
    );
  }
  return base;
}

/** The manifest of a fine-tuned checkpoint, checked. */
export function readFineTunedManifest(dir: string): FineTunedManifest {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) throw new Error(`Fine-tuned checkpoint ${dir}: no ${MANIFEST} (not a fine-tuned checkpoint folder, or its write did not finish).`);
  let manifest: FineTunedManifest;
  try {
    manifest = JSON.parse(readFileSync(file, "utf8")) as FineTunedManifest;
  } catch (error) {
    throw new Error(`Fine-tuned checkpoint ${dir}: ${MANIFEST} is not valid JSON (${(error as Error).message}).`);
  }
  if (manifest.format !== FINE_TUNED_FORMAT) throw new Error(`Fine-tuned checkpoint ${dir}: format is "${String(manifest.format)}", expected "${FINE_TUNED_FORMAT}".`);
  if (manifest.version !== FINE_TUNED_VERSION) throw new Error(`Fine-tuned checkpoint ${dir}: format version ${manifest.version}; this library reads version ${FINE_TUNED_VERSION}.`);
  return manifest;
}

export interface LoadedFineTuned {
  readonly manifest: FineTunedManifest;
  readonly classifier: SequenceClassifier;
  readonly tokenizer: WordPieceTokenizer;
  readonly base: Checkpoint;
}

/**
 * Rebuild a fine-tuned classifier: the base checkpoint (the manifest's, or `base`), checked by the
 * sha256 of its weights; the method rebuilt by name, settings and seed, then its saved weights and
 * state; the head. A tensor of another shape names the tensor and both shapes.
 */
export function loadFineTuned(dir: string, options: { readonly base?: string | Checkpoint; readonly tokenizer?: WordPieceTokenizer } = {}): LoadedFineTuned {
  const manifest = readFineTunedManifest(dir);
  const base = baseOf(`Fine-tuned checkpoint ${dir}`, dir, manifest.base, options.base);
  const tokenizer = options.tokenizer ?? (base.tokenizerPath ? loadTokenizer(base.tokenizerPath) : null);
  if (!tokenizer) throw new Error(`loadFineTuned: base checkpoint ${base.dir} has no tokenizer.json; pass \`tokenizer\`.`);
  const weights = readTensorFile(dir, manifest.weights);
  const part = (prefix: string): Map<string, WeightValue> =>
    new Map([...weights.entries()].filter(([n]) => n.startsWith(`${prefix}/`)).map(([n, w]) => [n.slice(prefix.length + 1), w]));
  const encoder = manifest.matchChannel ? withMatchChannel(loadEncoder(base)) : loadEncoder(base);
  const method = makeMethod(manifest.method.name, encoder, manifest.method.settings, manifest.method.seed);
  const head = new SequenceClassificationHead({ hiddenSize: base.config.hiddenSize, labels: manifest.head.labels, pooling: manifest.head.pooling });
  try {
    const source = `fine-tuned checkpoint ${dir}`;
    head.params.load(part("head"), { source });
    if (method.params) method.params.load(part("method"), { source });
    else if (part("method").size) throw new Error(`${source}: holds method weights, but method ${method.name} has none.`);
    if (manifest.method.state) {
      if (!method.restoreState) throw new Error(`${source}: holds method state, but method ${method.name} keeps none.`);
      method.restoreState(manifest.method.state);
    }
    if (method.trainsEncoder) encoder.params.load(part("encoder"), { source });
    return { manifest, classifier: new SequenceClassifier(encoder, method, head), tokenizer, base };
  } catch (error) {
    method.dispose();
    head.dispose();
    encoder.dispose();
    throw error;
  }
}
