/**
 * Checkpoints: one folder holding everything to reuse or resume a model.
 *
 *   checkpoint.json  the manifest: format name and version, model config, and for each binary file
 *                    its size and sha256 and every tensor's name, shape, dtype, byte offset, size
 *                    and sha256; the training state's small parts (step, Rng state, batch order);
 *                    free-form metadata (command, backend, metrics)
 *   weights.bin      the weights, float32 little-endian, back to back
 *   training.bin     optional: AdamW's moments, same layout
 *   tokenizer.json   optional: the tokenizer (Hugging Face format), copied as given
 *
 * The manifest is written last, so a folder without one is an unfinished write. Reading checks
 * sizes and checksums and names the damaged file and tensor.
 */
import { sha256Hex } from "../core/hash";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { endianness } from "node:os";
import * as path from "node:path";
import type { RngState } from "../core/random";
import { validateEncoderConfig, type EncoderConfig } from "./config";
import { Encoder, encoderSpecs } from "./encoder";
import { MaskedLanguageModel, mlmHeadSpecs } from "./mlm-head";
import { Parameters, type ParameterSpec, type WeightValue } from "./parameters";

/** An optimizer's step count and moments by weight name (AdamW's `state()`). */
export interface OptimizerMoments {
  readonly step: number;
  readonly moments: Map<string, { m: Float32Array; v: Float32Array }>;
}

/** Where a batch source stands: its epoch's order, position and epoch count. */
export interface SamplerState {
  readonly order: number[];
  readonly at: number;
  readonly epoch: number;
}

/** Everything needed to resume a training run where it stopped (what a checkpoint stores besides the weights). */
export interface TrainingState {
  readonly step: number;
  readonly rng: RngState;
  readonly sampler: SamplerState;
  readonly optimizer: OptimizerMoments;
}

export const CHECKPOINT_FORMAT = "shoplm-checkpoint";
export const CHECKPOINT_VERSION = 1;
export const MANIFEST_FILE = "checkpoint.json";
export const WEIGHTS_FILE = "weights.bin";
export const TRAINING_FILE = "training.bin";
export const TOKENIZER_FILE = "tokenizer.json";

export interface TensorEntry {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: "float32";
  readonly offset: number;
  readonly byteLength: number;
  readonly sha256: string;
}

export interface TensorFileEntry {
  readonly file: string;
  readonly byteLength: number;
  readonly sha256: string;
  readonly tensors: TensorEntry[];
}

export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  /** "mlm": encoder + MLM head; "encoder": encoder only. */
  readonly model: "mlm" | "encoder";
  readonly config: EncoderConfig;
  readonly weights: TensorFileEntry;
  readonly tokenizer: string | null;
  readonly training: null | {
    readonly step: number;
    readonly rng: number[];
    readonly sampler: { order: number[]; at: number; epoch: number };
    readonly optimizer: { readonly name: "adamw"; readonly step: number; readonly moments: TensorFileEntry };
  };
  readonly metadata: Record<string, unknown>;
}

export interface SaveCheckpointOptions {
  /** A path to a tokenizer.json to copy, or the tokenizer's JSON object to write. */
  readonly tokenizer?: string | object;
  readonly training?: TrainingState;
  readonly metadata?: Record<string, unknown>;
}

export interface Checkpoint {
  readonly dir: string;
  readonly manifest: CheckpointManifest;
  readonly config: EncoderConfig;
  readonly weights: Map<string, WeightValue>;
  /** The parsed tokenizer.json, when the checkpoint has one. */
  readonly tokenizer?: unknown;
  readonly tokenizerPath?: string;
  readonly training?: TrainingState;
}

const LITTLE_ENDIAN = endianness() === "LE";

function toBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

function fromBytes(bytes: Uint8Array): Float32Array {
  if (LITTLE_ENDIAN) {
    const copy = new Uint8Array(bytes); // aligned, owned
    return new Float32Array(copy.buffer, 0, bytes.length / 4);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** Write named float32 tensors into one file; returns its manifest entry. */
export function writeTensorFile(file: string, tensors: ReadonlyArray<readonly [string, WeightValue]>): TensorFileEntry {
  const entries: TensorEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, w] of tensors) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (n !== w.values.length) throw new Error(`writeTensorFile: "${name}" has ${w.values.length} values for shape [${w.shape}].`);
    const bytes = toBytes(w.values);
    entries.push({ name, shape: w.shape.slice(), dtype: "float32", offset, byteLength: bytes.length, sha256: sha256Hex(bytes) });
    parts.push(bytes);
    offset += bytes.length;
  }
  const all = Buffer.concat(parts);
  writeFileSync(file, all);
  return { file: path.basename(file), byteLength: all.length, sha256: sha256Hex(all), tensors: entries };
}

/** Read and verify a tensor file against its manifest entry (size, file checksum, each tensor's checksum). */
export function readTensorFile(dir: string, entry: TensorFileEntry): Map<string, WeightValue> {
  const file = path.join(dir, entry.file);
  if (!existsSync(file)) throw new Error(`Checkpoint ${dir}: ${entry.file} is missing.`);
  const size = statSync(file).size;
  if (size !== entry.byteLength) {
    throw new Error(
      `Checkpoint ${dir}: ${entry.file} is ${size} bytes but the manifest says ${entry.byteLength}; the file is ${size < entry.byteLength ? "truncated (an interrupted write or copy?)" : "longer than written"}.`
    );
  }
  const bytes = readFileSync(file);
  const found = sha256Hex(bytes);
  const out = new Map<string, WeightValue>();
  const damaged: string[] = [];
  for (const t of entry.tensors) {
    const slice = bytes.subarray(t.offset, t.offset + t.byteLength);
    if (sha256Hex(slice) !== t.sha256) damaged.push(t.name);
    out.set(t.name, { shape: t.shape.slice(), values: fromBytes(slice) });
  }
  if (found !== entry.sha256 || damaged.length) {
    throw new Error(
      `Checkpoint ${dir}: ${entry.file} is corrupted: its sha256 is ${found}, the manifest says ${entry.sha256}` +
        (damaged.length ? `; damaged tensor(s): ${damaged.slice(0, 5).join(", ")}${damaged.length > 5 ? ", ..." : ""}.` : ".")
    );
  }
  return out;
}

/** Save a model (MLM or encoder only) with optional tokenizer, training state and metadata into `dir`. */
export function saveCheckpoint(dir: string, model: MaskedLanguageModel | Encoder, options: SaveCheckpointOptions = {}): CheckpointManifest {
  mkdirSync(dir, { recursive: true });
  const kind = model instanceof MaskedLanguageModel ? "mlm" : "encoder";
  const snapshot = model.params.snapshot();
  const names = kind === "mlm" ? [...snapshot.keys()] : encoderSpecs(model.config).map((s) => s.name);
  const weights = writeTensorFile(
    path.join(dir, WEIGHTS_FILE),
    names.map((n) => [n, snapshot.get(n) as WeightValue] as const)
  );
  let tokenizer: string | null = null;
  if (options.tokenizer !== undefined) {
    const target = path.join(dir, TOKENIZER_FILE);
    if (typeof options.tokenizer === "string") {
      if (!existsSync(options.tokenizer)) throw new Error(`saveCheckpoint: tokenizer file ${options.tokenizer} does not exist.`);
      if (path.resolve(options.tokenizer) !== path.resolve(target)) copyFileSync(options.tokenizer, target);
    } else {
      writeFileSync(target, JSON.stringify(options.tokenizer, null, 2));
    }
    tokenizer = TOKENIZER_FILE;
  }
  let training: CheckpointManifest["training"] = null;
  if (options.training) {
    const t = options.training;
    const moments: Array<readonly [string, WeightValue]> = [];
    for (const [name, { m, v }] of t.optimizer.moments) {
      const shape = snapshot.get(name)?.shape ?? [m.length];
      moments.push([`${name}#m`, { shape, values: m }], [`${name}#v`, { shape, values: v }]);
    }
    training = {
      step: t.step,
      rng: [...t.rng],
      sampler: { order: t.sampler.order.slice(), at: t.sampler.at, epoch: t.sampler.epoch },
      optimizer: { name: "adamw", step: t.optimizer.step, moments: writeTensorFile(path.join(dir, TRAINING_FILE), moments) },
    };
  }
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    model: kind,
    config: { ...model.config },
    weights,
    tokenizer,
    training,
    metadata: options.metadata ?? {},
  };
  writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 1));
  return manifest;
}

/** Read and verify a checkpoint folder. */
export function readCheckpoint(dir: string): Checkpoint {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new Error(`Checkpoint ${dir}: no ${MANIFEST_FILE} (not a checkpoint folder, or its write did not finish).`);
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as CheckpointManifest;
  } catch (error) {
    throw new Error(`Checkpoint ${dir}: ${MANIFEST_FILE} is not valid JSON (${(error as Error).message}).`);
  }
  if (manifest.format !== CHECKPOINT_FORMAT) throw new Error(`Checkpoint ${dir}: format is "${manifest.format}", expected "${CHECKPOINT_FORMAT}".`);
  if (manifest.version !== CHECKPOINT_VERSION) {
    throw new Error(`Checkpoint ${dir}: format version ${manifest.version}; this library reads version ${CHECKPOINT_VERSION}.`);
  }
  const config = validateEncoderConfig(Object.freeze({ ...manifest.config }));
  const weights = readTensorFile(dir, manifest.weights);
  let tokenizer: unknown;
  let tokenizerPath: string | undefined;
  if (manifest.tokenizer) {
    tokenizerPath = path.join(dir, manifest.tokenizer);
    if (!existsSync(tokenizerPath)) throw new Error(`Checkpoint ${dir}: the manifest lists ${manifest.tokenizer} but the file is missing.`);
    tokenizer = JSON.parse(readFileSync(tokenizerPath, "utf8"));
  }
  let training: TrainingState | undefined;
  if (manifest.training) {
    const t = manifest.training;
    const raw = readTensorFile(dir, t.optimizer.moments);
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (const [key, value] of raw) {
      const [name, which] = key.split("#");
      const entry = moments.get(name) ?? { m: new Float32Array(0), v: new Float32Array(0) };
      if (which === "m") entry.m = value.values;
      else entry.v = value.values;
      moments.set(name, entry);
    }
    training = {
      step: t.step,
      rng: t.rng as unknown as RngState,
      sampler: t.sampler,
      optimizer: { step: t.optimizer.step, moments },
    };
  }
  return { dir, manifest, config, weights, tokenizer, tokenizerPath, training };
}

/** New parameters holding the checkpoint's weights for `specs` (checked against the shapes the config makes). */
function parametersFrom(ckpt: Checkpoint, specs: readonly ParameterSpec[], label: string): Parameters {
  for (const spec of specs) {
    const w = ckpt.weights.get(spec.name);
    if (!w) throw new Error(`Weight "${spec.name}" (shape [${spec.shape.join(", ")}]) is missing in checkpoint ${ckpt.dir}.`);
    if (w.shape.length !== spec.shape.length || w.shape.some((d, i) => d !== spec.shape[i])) {
      throw new Error(`Weight "${spec.name}" has shape [${w.shape.join(", ")}] in checkpoint ${ckpt.dir} but its config makes [${spec.shape.join(", ")}].`);
    }
  }
  const params = new Parameters(label);
  for (const spec of specs) params.add(spec.name, (ckpt.weights.get(spec.name) as WeightValue).values, spec.shape);
  return params;
}

/** A masked language model with the checkpoint's weights (the checkpoint must hold the MLM head). */
export function loadMaskedLanguageModel(source: string | Checkpoint): MaskedLanguageModel {
  const ckpt = typeof source === "string" ? readCheckpoint(source) : source;
  if (ckpt.manifest.model !== "mlm") throw new Error(`Checkpoint ${ckpt.dir} holds an encoder without the MLM head; load it with loadEncoder.`);
  return new MaskedLanguageModel(ckpt.config, parametersFrom(ckpt, [...encoderSpecs(ckpt.config), ...mlmHeadSpecs(ckpt.config)], "mlm"));
}

/** An encoder with the checkpoint's weights (an MLM head in the checkpoint is left out). */
export function loadEncoder(source: string | Checkpoint): Encoder {
  const ckpt = typeof source === "string" ? readCheckpoint(source) : source;
  return new Encoder(ckpt.config, parametersFrom(ckpt, encoderSpecs(ckpt.config), "encoder"));
}

/**
 * Load a checkpoint's weights into an existing model (for instance one built with other sizes):
 * a weight whose shape differs is an error naming the weight and both shapes.
 */
export function loadWeightsInto(model: MaskedLanguageModel | Encoder, source: string | Checkpoint): void {
  const ckpt = typeof source === "string" ? readCheckpoint(source) : source;
  if (model instanceof MaskedLanguageModel) {
    model.params.load(ckpt.weights, { source: `checkpoint ${ckpt.dir}` });
    return;
  }
  model.params.load(ckpt.weights, { allowExtra: true, only: encoderSpecs(model.config).map((s) => s.name), source: `checkpoint ${ckpt.dir}` });
}
