/**
 * Serving an exported encoder (see `onnx-export.ts`) with the standard JavaScript inference
 * stack instead of the course's tfjs code: onnxruntime-node (an InferenceSession on the CPU) or
 * transformers.js (`@huggingface/transformers`, local files only, never the network).
 *
 * Both give the same vectors as the library's encoder (the tests check 1e-4 on 1,000 shop texts).
 * One difference between the tokenizers is handled here, documented and tested:
 *  - transformers.js 4.3 truncates a long text by cutting its ids at `model_max_length`, which
 *    drops the final [SEP] (Python's tokenizers keep it). Its `pipeline("feature-extraction")`
 *    therefore sees [CLS] + 63 pieces where the library sees [CLS] + 62 pieces + [SEP], and
 *    vectors of texts longer than the window differ. The "transformers.js" runtime below
 *    tokenises without truncation and truncates the pieces itself, keeping [SEP], as the library does.
 * Otherwise the two tokenizers give the same ids (checked on every shop text, CJK and lone
 * surrogates included: both drop lone surrogates, as clean_text does with every Cs character).
 *
 * Both run where COURSE_INFERENCE_DEVICE (or the `device` option) says: the CPU by default, WebGPU
 * or CUDA where onnxruntime-node offers them (core/inference-device.ts); the embedder reports the
 * device it opened on.
 *
 * A missing, truncated or altered file in the folder is an error naming the file and what is
 * wrong (the export's manifest lists every file's size and sha256); a runtime's load failure is
 * re-thrown with the file it was reading. Errors are rejected promises: nothing exits the process.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { sha256Hex } from "../core/hash";
import { inferenceDeviceSetting, openOnDevice, type DeviceAttempt, type InferenceDevice, type InferenceDeviceSetting } from "../core/inference-device";
import { matMulGraph } from "./vector-search";
import type { Encoder } from "../model/encoder";
import { loadTokenizer } from "../text/io";
import { padBatch } from "../train/batches";
import type { WordPieceTokenizer } from "../text/wordpiece";
import { LAST_HIDDEN_STATE, ONNX_EXPORT_FORMAT, ONNX_EXPORT_VERSION, ONNX_INPUTS, ONNX_MANIFEST_FILE, ONNX_MODEL_FILE, type OnnxExportManifest } from "./onnx-export";
import type { EmbeddingMatrix } from "./embed-texts";
import { l2Normalize, l2NormalizeVector, POOLING_MODES, poolTokens, poolVectors, type PoolingMode } from "./pooling";

/** Which inference library runs the exported graph. */
export type OnnxRuntimeName = "onnxruntime-node" | "transformers.js";

export const ONNX_RUNTIMES: readonly OnnxRuntimeName[] = ["onnxruntime-node", "transformers.js"];

export interface OnnxEmbedderOptions {
  /** Default "onnxruntime-node". */
  readonly runtime?: OnnxRuntimeName;
  /** How token vectors become one vector (default "mean", the sentence embedding). */
  readonly pooling?: PoolingMode;
  /** L2-normalise each vector (default true: cosine = dot product). */
  readonly normalize?: boolean;
  /** Texts per forward pass (default 32). */
  readonly batchSize?: number;
  /** Intra-op threads of the ONNX session (default 1: the course's machines are small and shared). */
  readonly threads?: number;
  /** Check every file against the manifest's sha256 before loading (default true). */
  readonly verify?: boolean;
  /** Where the runtime runs the graph: "cpu", "webgpu", "cuda" or "auto" (default: COURSE_INFERENCE_DEVICE, else "cpu"). */
  readonly device?: InferenceDeviceSetting;
}

/** Ids and token vectors of one text: `vectors` is row-major [ids.length, dimension], real tokens only. */
export interface TokenVectors {
  readonly ids: readonly number[];
  readonly vectors: Float32Array;
}

export interface OnnxEmbedder {
  readonly dir: string;
  readonly runtime: OnnxRuntimeName;
  /** The device the graph runs on, and how it was chosen (each device tried, and why one was skipped). */
  readonly device: InferenceDevice;
  readonly deviceAttempts: readonly DeviceAttempt[];
  readonly manifest: OnnxExportManifest;
  readonly dimension: number;
  /** Weights, pooling and normalisation, spelled as `embeddingModelId` spells them (an index built on the library's vectors accepts these). */
  readonly modelId: string;
  /** The window: longer texts are truncated to it (special tokens included). */
  readonly maxLength: number;
  /** One vector per text, in input order (pooled as the options say). */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** The same vectors as one row-major matrix (what the vector indexes take). */
  embedMatrix(texts: readonly string[]): Promise<EmbeddingMatrix>;
  /** The ids and token vectors of each text (what pooling starts from). */
  tokenVectors(texts: readonly string[]): Promise<TokenVectors[]>;
  /** Free the session. */
  dispose(): Promise<void>;
}

// ------------------------------------------------------------------ the folder

function folderError(dir: string, file: string, problem: string): Error {
  return new Error(`ONNX export ${dir}: ${file} ${problem}`);
}

function readJsonFile(dir: string, file: string): unknown {
  const full = path.join(dir, file);
  if (!existsSync(full)) throw folderError(dir, file, "is missing.");
  try {
    return JSON.parse(readFileSync(full, "utf8"));
  } catch (error) {
    throw folderError(dir, file, `is not valid JSON (${(error as Error).message}).`);
  }
}

/**
 * An export folder's manifest, after checking that every file it lists is there with its size and
 * sha256 (`verify` false: only that the files exist). Throws naming the file and what is wrong.
 */
export function checkOnnxExport(dir: string, verify = true): OnnxExportManifest {
  const root = path.resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`ONNX export ${root}: expected a folder, found ${existsSync(root) ? "a file" : "nothing"}.`);
  if (!existsSync(path.join(root, ONNX_MANIFEST_FILE))) {
    throw folderError(root, ONNX_MANIFEST_FILE, "is missing: not an export folder written by exportOnnx, or its write did not finish.");
  }
  const manifest = readJsonFile(root, ONNX_MANIFEST_FILE) as OnnxExportManifest;
  if (manifest?.format !== ONNX_EXPORT_FORMAT) throw folderError(root, ONNX_MANIFEST_FILE, `has format ${JSON.stringify(manifest?.format)}; expected "${ONNX_EXPORT_FORMAT}".`);
  if (manifest.version !== ONNX_EXPORT_VERSION) throw folderError(root, ONNX_MANIFEST_FILE, `is format version ${manifest.version}; this library reads version ${ONNX_EXPORT_VERSION}.`);
  if (!Array.isArray(manifest.files)) throw folderError(root, ONNX_MANIFEST_FILE, "has no file list.");
  for (const required of [ONNX_MODEL_FILE, "config.json", "tokenizer.json"]) {
    if (!manifest.files.some((f) => f.file === required)) throw folderError(root, ONNX_MANIFEST_FILE, `does not list ${required}.`);
  }
  for (const entry of manifest.files) {
    const full = path.join(root, entry.file);
    if (!existsSync(full)) throw folderError(root, entry.file, "is missing.");
    const size = statSync(full).size;
    if (size !== entry.byteLength) {
      throw folderError(root, entry.file, `is ${size} bytes; the manifest says ${entry.byteLength} (${size < entry.byteLength ? "truncated: an interrupted copy?" : "longer than written"}).`);
    }
    if (verify) {
      const found = sha256Hex(readFileSync(full));
      if (found !== entry.sha256) throw folderError(root, entry.file, `is corrupted: its sha256 is ${found}; the manifest says ${entry.sha256}.`);
    }
  }
  return manifest;
}

// ------------------------------------------------------------------ shared helpers

function checkTexts(texts: readonly string[]): void {
  if (!Array.isArray(texts)) throw new Error(`embed: expected an array of strings, found ${typeof texts}.`);
  texts.forEach((t, i) => {
    if (typeof t !== "string") throw new Error(`embed: expected a string at index ${i}, found ${t === null ? "null" : typeof t}.`);
  });
}

function checkOptions(options: OnnxEmbedderOptions): Required<Omit<OnnxEmbedderOptions, "runtime">> & { runtime: OnnxRuntimeName } {
  const device = inferenceDeviceSetting(options.device);
  const runtime = options.runtime ?? "onnxruntime-node";
  if (!ONNX_RUNTIMES.includes(runtime)) throw new Error(`loadOnnxEmbedder: runtime must be "onnxruntime-node" or "transformers.js"; found ${JSON.stringify(runtime)}.`);
  const batchSize = options.batchSize ?? 32;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`loadOnnxEmbedder: batchSize must be a positive integer; found ${batchSize}.`);
  const threads = options.threads ?? 1;
  if (!(Number.isInteger(threads) && threads > 0)) throw new Error(`loadOnnxEmbedder: threads must be a positive integer; found ${threads}.`);
  const pooling = options.pooling ?? "mean";
  if (!POOLING_MODES.includes(pooling)) throw new Error(`loadOnnxEmbedder: pooling must be "cls", "mean" or "max"; found ${JSON.stringify(pooling)}.`);
  return { runtime, batchSize, threads, pooling, normalize: options.normalize ?? true, verify: options.verify ?? true, device };
}

/** [CLS] + pieces + [SEP] cut to `window` keeping the final [SEP] (what the library's truncation gives for one text). */
export function truncateKeepingLast(ids: readonly number[], window: number): number[] {
  return ids.length <= window ? ids.slice() : [...ids.slice(0, window - 1), ids[ids.length - 1]];
}

/** A padded batch (the training batches' padding) with the int64 columns an ONNX graph takes. */
interface OnnxBatch {
  readonly rows: number;
  readonly length: number;
  readonly ids: readonly (readonly number[])[];
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
}

function onnxBatch(ids: readonly (readonly number[])[], padId: number, window: number): OnnxBatch {
  const b = padBatch(ids.map((inputIds) => ({ inputIds })), { padId, maxLength: window });
  return {
    rows: b.batch,
    length: b.length,
    ids,
    inputIds: BigInt64Array.from(b.ids, BigInt),
    attentionMask: BigInt64Array.from(b.attentionMask, (m) => BigInt(m)),
    tokenTypeIds: new BigInt64Array(b.ids.length),
  };
}

/** Per text: its real tokens' rows of the [rows, length, d] output. */
function splitRows(batch: OnnxBatch, hidden: Float32Array, d: number): TokenVectors[] {
  return batch.ids.map((row, r) => ({ ids: row, vectors: hidden.slice(r * batch.length * d, (r * batch.length + row.length) * d) }));
}

function pool(tv: TokenVectors, d: number, mode: PoolingMode, normalize: boolean): Float32Array {
  const tokens = Array.from({ length: tv.ids.length }, (_, i) => tv.vectors.subarray(i * d, (i + 1) * d));
  const pooled = poolVectors(tokens, new Array<number>(tokens.length).fill(1), mode);
  return Float32Array.from(normalize ? l2NormalizeVector(pooled) : pooled);
}

/** How a runtime turns texts into (ids, token vectors), one batch at a time. */
interface Backend {
  readonly device: InferenceDevice;
  readonly deviceAttempts: readonly DeviceAttempt[];
  tokenize(texts: readonly string[]): number[][];
  run(batch: OnnxBatch): Promise<Float32Array>;
  readonly padId: number;
  dispose(): Promise<void>;
}

function makeEmbedder(dir: string, manifest: OnnxExportManifest, runtime: OnnxRuntimeName, backend: Backend, opts: ReturnType<typeof checkOptions>): OnnxEmbedder {
  const d = manifest.config.hiddenSize;
  let disposed = false;
  const tokenVectors = async (texts: readonly string[]): Promise<TokenVectors[]> => {
    checkTexts(texts);
    if (disposed) throw new Error(`ONNX embedder ${dir}: already disposed.`);
    const out: TokenVectors[] = [];
    for (let start = 0; start < texts.length; start += opts.batchSize) {
      const batch = onnxBatch(backend.tokenize(texts.slice(start, start + opts.batchSize)), backend.padId, manifest.maxLength);
      out.push(...splitRows(batch, await backend.run(batch), d));
    }
    return out;
  };
  const embed = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    checkTexts(texts);
    // Batch by batch, so only one batch of token vectors is alive at a time.
    for (let start = 0; start < texts.length; start += opts.batchSize) {
      for (const tv of await tokenVectors(texts.slice(start, start + opts.batchSize))) out.push(pool(tv, d, opts.pooling, opts.normalize));
    }
    return out;
  };
  const modelId = `${manifest.source.modelId}:${opts.pooling}${opts.normalize ? ":l2" : ""}`;
  return {
    dir,
    runtime,
    device: backend.device,
    deviceAttempts: backend.deviceAttempts,
    manifest,
    dimension: d,
    modelId,
    maxLength: manifest.maxLength,
    tokenVectors,
    embed,
    async embedMatrix(texts) {
      const rows = await embed(texts);
      const vectors = new Float32Array(rows.length * d);
      rows.forEach((row, i) => vectors.set(row, i * d));
      return { vectors, count: rows.length, dimension: d, modelId };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await backend.dispose();
    },
  };
}

// ------------------------------------------------------------------ onnxruntime-node

async function onnxRuntimeBackend(dir: string, manifest: OnnxExportManifest, tokenizer: WordPieceTokenizer, threads: number, setting: InferenceDeviceSetting): Promise<Backend> {
  const ort = await import("onnxruntime-node");
  const modelFile = path.join(dir, ONNX_MODEL_FILE);
  const create = (device: InferenceDevice) =>
    ort.InferenceSession.create(modelFile, {
      executionProviders: [device],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
  // The CPU is always there: a failure on it is the file's, and openOnDevice passes it through.
  const opened = await openOnDevice(`onnxruntime-node (${dir})`, setting, (device) =>
    create(device).catch((error: Error) => {
      throw device === "cpu" ? folderError(dir, ONNX_MODEL_FILE, `could not be loaded by onnxruntime-node: ${error.message}`) : error;
    })
  );
  const session = opened.value;
  const missing = ONNX_INPUTS.filter((n) => !session.inputNames.includes(n));
  if (missing.length || !session.outputNames.includes(LAST_HIDDEN_STATE)) {
    throw folderError(dir, ONNX_MODEL_FILE, `has inputs [${session.inputNames.join(", ")}] and outputs [${session.outputNames.join(", ")}]; expected inputs ${ONNX_INPUTS.join(", ")} and output ${LAST_HIDDEN_STATE}.`);
  }
  const window = manifest.maxLength;
  return {
    device: opened.device,
    deviceAttempts: opened.attempts,
    padId: tokenizer.padId,
    tokenize: (texts) => texts.map((t) => tokenizer.encode(t, null, { truncation: true, maxLength: window }).inputIds.slice()),
    async run(batch) {
      const dims = [batch.rows, batch.length];
      const feeds = {
        input_ids: new ort.Tensor("int64", batch.inputIds, dims),
        attention_mask: new ort.Tensor("int64", batch.attentionMask, dims),
        token_type_ids: new ort.Tensor("int64", batch.tokenTypeIds, dims),
      };
      const result = await session.run(feeds, [LAST_HIDDEN_STATE]);
      const hidden = result[LAST_HIDDEN_STATE];
      const data = hidden.data as Float32Array;
      hidden.dispose();
      return data;
    },
    dispose: () => session.release(),
  };
}

// ------------------------------------------------------------------ transformers.js

type Transformers = typeof import("@huggingface/transformers");

/** transformers.js set to read only local files, with `dir`'s parent as its model folder; returns the model's name there. */
async function localTransformers(dir: string): Promise<{ t: Transformers; name: string }> {
  const t = await import("@huggingface/transformers");
  t.env.allowRemoteModels = false;
  t.env.allowLocalModels = true;
  t.env.localModelPath = path.dirname(dir) + path.sep;
  return { t, name: path.basename(dir) };
}

/**
 * What a cell uses of transformers.js's FeatureExtractionPipeline. Its own declarations (4.8 MB)
 * stay out of the library's, which every notebook cell's type check loads.
 */
export interface OnnxFeatureExtractor {
  /** Token vectors [batch, sequence, hidden] with pooling "none" (default), else [batch, hidden]. */
  (texts: string | string[], options?: { pooling?: "none" | "mean" | "cls"; normalize?: boolean }): Promise<{ readonly data: Float32Array; readonly dims: number[] }>;
  /** Its tokenizer: `tokenizer(texts, { padding, truncation, return_tensor })`. */
  readonly tokenizer: (texts: string | string[], options?: Record<string, unknown>) => unknown;
  dispose(): Promise<void>;
}

/**
 * transformers.js's own `pipeline("feature-extraction")` on an export folder, local files only
 * (the standard call a JavaScript app makes; mind its truncation, see the module comment).
 */
export async function onnxFeatureExtractionPipeline(dir: string, options: { threads?: number; verify?: boolean; device?: InferenceDeviceSetting } = {}): Promise<OnnxFeatureExtractor> {
  const root = path.resolve(dir);
  const setting = inferenceDeviceSetting(options.device);
  checkOnnxExport(root, options.verify ?? true);
  const { t, name } = await localTransformers(root);
  const opened = await openOnDevice(`transformers.js (${root})`, setting, (device) =>
    t
      .pipeline("feature-extraction", name, {
        local_files_only: true,
        dtype: "fp32",
        device,
        session_options: { intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1 },
      })
      .catch((error: Error) => {
        throw device === "cpu" ? new Error(`ONNX export ${root}: transformers.js could not load it: ${error.message}`) : error;
      })
  );
  return opened.value as unknown as OnnxFeatureExtractor;
}

async function transformersBackend(dir: string, manifest: OnnxExportManifest, threads: number, setting: InferenceDeviceSetting): Promise<Backend> {
  const { t, name } = await localTransformers(dir);
  let tokenizer: import("@huggingface/transformers").PreTrainedTokenizer;
  try {
    tokenizer = await t.AutoTokenizer.from_pretrained(name, { local_files_only: true });
  } catch (error) {
    throw folderError(dir, "tokenizer.json", `could not be loaded by transformers.js: ${(error as Error).message}`);
  }
  const opened = await openOnDevice(`transformers.js (${dir})`, setting, (device) =>
    t.AutoModel.from_pretrained(name, {
      local_files_only: true,
      dtype: "fp32",
      device,
      session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
    }).catch((error: Error) => {
      throw device === "cpu" ? folderError(dir, ONNX_MODEL_FILE, `could not be loaded by transformers.js: ${error.message}`) : error;
    })
  );
  const model = opened.value;
  const window = manifest.maxLength;
  const padId = tokenizer.pad_token_id as number;
  return {
    device: opened.device,
    deviceAttempts: opened.attempts,
    padId,
    tokenize(texts) {
      if (texts.length === 0) return [];
      const enc = tokenizer(texts as string[], { add_special_tokens: true, padding: false, truncation: false, return_tensor: false }) as unknown as { input_ids: number[][] };
      return enc.input_ids.map((ids) => truncateKeepingLast(ids, window));
    },
    async run(batch) {
      const dims = [batch.rows, batch.length];
      const output = (await model({
        input_ids: new t.Tensor("int64", batch.inputIds, dims),
        attention_mask: new t.Tensor("int64", batch.attentionMask, dims),
        token_type_ids: new t.Tensor("int64", batch.tokenTypeIds, dims),
      })) as Record<string, import("@huggingface/transformers").Tensor>;
      const hidden = output[LAST_HIDDEN_STATE];
      const data = (hidden.data as Float32Array).slice();
      for (const value of Object.values(output)) value.dispose?.();
      return data;
    },
    async dispose() {
      await model.dispose();
    },
  };
}

// ------------------------------------------------------------------ what this machine can run on

/**
 * Each device opened and run on a one-MatMul graph through onnxruntime-node (the runtime
 * transformers.js uses under Node): ok, or the reason it is not available here. What
 * `npm run setup:gpu` reports; the numbers are checked against the CPU's (1e-4).
 */
export async function probeInferenceDevices(devices: readonly InferenceDevice[] = ["cpu", "webgpu", "cuda"]): Promise<DeviceAttempt[]> {
  const ort = await import("onnxruntime-node");
  const queries = Float32Array.from({ length: 6 }, (_, i) => i / 7 - 0.3);
  const tile = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
  const expected = Array.from({ length: 8 }, (_, k) => {
    const [r, c] = [Math.floor(k / 4), k % 4];
    return [0, 1, 2].reduce((sum, j) => sum + queries[r * 3 + j] * tile[j * 4 + c], 0);
  });
  const out: DeviceAttempt[] = [];
  for (const device of devices) {
    try {
      const opened = await openOnDevice("onnxruntime-node", device, (d) => ort.InferenceSession.create(matMulGraph(), { executionProviders: [d] }));
      const result = await opened.value.run({ queries: new ort.Tensor("float32", queries, [2, 3]), tile: new ort.Tensor("float32", tile, [3, 4]) });
      const scores = result.scores.data as Float32Array;
      await opened.value.release();
      const worst = Math.max(...expected.map((e, k) => Math.abs(e - scores[k])));
      out.push({ device, ok: worst < 1e-4, reason: worst < 1e-4 ? "opened and ran a MatMul correctly" : `ran, but a MatMul is off by ${worst}` });
    } catch (error) {
      out.push({ device, ok: false, reason: (error as Error).message });
    }
  }
  return out;
}

// ------------------------------------------------------------------ entry point

/**
 * An exported encoder folder, ready to embed texts through onnxruntime-node (default) or
 * transformers.js: `const e = await loadOnnxEmbedder(dir); const vectors = await e.embed(texts);`.
 * Texts are truncated to the model's window; an empty text is [CLS][SEP]. Call `dispose()` when done.
 */
export async function loadOnnxEmbedder(dir: string, options: OnnxEmbedderOptions = {}): Promise<OnnxEmbedder> {
  const opts = checkOptions(options);
  const root = path.resolve(dir);
  const manifest = checkOnnxExport(root, opts.verify);
  readJsonFile(root, "config.json");
  if (opts.runtime === "transformers.js") return makeEmbedder(root, manifest, opts.runtime, await transformersBackend(root, manifest, opts.threads, opts.device), opts);
  let tokenizer: WordPieceTokenizer;
  try {
    tokenizer = loadTokenizer(root);
  } catch (error) {
    throw folderError(root, "tokenizer.json", `could not be read: ${(error as Error).message}`);
  }
  return makeEmbedder(root, manifest, opts.runtime, await onnxRuntimeBackend(root, manifest, tokenizer, opts.threads, opts.device), opts);
}

// ------------------------------------------------------------------ parity with the library

/** How far one runtime's outputs are from the library's encoder on the same texts. */
/**
 * Texts for a parity check: the awkward ones first (CJK, emoji, lone surrogates, an empty and a
 * 100,000-character text, full-width and special tokens), then the shop's queries, titles and
 * titles with descriptions (longer than the window), spread evenly over the lists; `count` in all.
 */
export function onnxParityTexts(shop: { readonly queries: readonly { readonly text: string }[]; readonly products: readonly { readonly title: string; readonly description: string }[] }, count = 1000): string[] {
  const special = [
    "防水 bluetooth 耳机 黑色",
    "无线降噪耳机",
    "ワイヤレスイヤホン 防水",
    "블루투스 스피커",
    "保温杯 500ml stainless",
    "a\uD800b lone high surrogate",
    "lone low \uDC00 surrogate",
    "\uD83D\uDE00 emoji \uD83C\uDFA7 headphones",
    "",
    "   ",
    "Ｆｕｌｌｗｉｄｔｈ ＵＳＢ－Ｃ ｃａｂｌｅ",
    "café crème naïve",
    "tab\there\u0000nul\u200bzero-width",
    "[MASK] is a [CLS] token",
    "ﬁsh ½ cup ①",
    "x".repeat(100_000),
    "kettle ".repeat(30_000),
  ];
  if (!(Number.isInteger(count) && count >= special.length)) throw new Error(`onnxParityTexts: count must be an integer of at least ${special.length}, got ${count}.`);
  const every = <T>(list: readonly T[], n: number): T[] => (list.length === 0 ? [] : Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]));
  const rest = count - special.length;
  const queries = Math.round(rest * 0.39);
  const titles = Math.round(rest * 0.2);
  const long = rest - queries - titles;
  return [
    ...special,
    ...every(shop.queries, queries).map((q) => q.text),
    ...every(shop.products, titles).map((p) => p.title),
    ...every(shop.products.slice().reverse(), long).map((p) => `${p.title}. ${p.description}`),
  ].slice(0, count);
}

export interface OnnxParityRow {
  readonly runtime: OnnxRuntimeName;
  readonly texts: number;
  /** Texts cut at the window (their ids include the truncation rule). */
  readonly truncated: number;
  /** Texts whose token ids differ from the library tokenizer's (0 when the tokenizers agree). */
  readonly idsDiffer: number;
  /** Largest |difference| over every real token's vector. */
  readonly maxAbsTokens: number;
  /** Largest |difference| over the pooled, L2-normalised (mean) embeddings. */
  readonly maxAbsEmbedding: number;
}

/**
 * The export served by each runtime against the library's tfjs encoder (`model`: the weights the
 * folder was exported from, e.g. `loadTextEmbedder()`), batch by batch: token ids, token vectors and
 * mean-pooled L2-normalised embeddings. The figures for a results card; 1e-4 is the bar the tests hold.
 */
export async function onnxParity(
  dir: string,
  model: { readonly encoder: Encoder; readonly tokenizer: WordPieceTokenizer },
  texts: readonly string[],
  options: { readonly runtimes?: readonly OnnxRuntimeName[]; readonly batchSize?: number } = {}
): Promise<OnnxParityRow[]> {
  checkTexts(texts);
  const batchSize = options.batchSize ?? 50;
  const embedders: OnnxEmbedder[] = [];
  try {
    for (const runtime of options.runtimes ?? ONNX_RUNTIMES) embedders.push(await loadOnnxEmbedder(dir, { runtime, batchSize }));
    const { manifest, dimension: d, maxLength: window } = embedders[0] ?? { manifest: checkOnnxExport(dir), dimension: 0, maxLength: 0 };
    const c = model.encoder.config;
    if (c.hiddenSize !== manifest.config.hiddenSize || c.vocabSize !== manifest.config.vocabSize || c.layers !== manifest.config.layers) {
      throw new Error(`onnxParity: the library model (${c.layers} layers, d=${c.hiddenSize}, vocab ${c.vocabSize}) is not the exported one (${manifest.config.layers} layers, d=${manifest.config.hiddenSize}, vocab ${manifest.config.vocabSize}).`);
    }
    const rows = embedders.map((e) => ({ runtime: e.runtime, texts: texts.length, truncated: 0, idsDiffer: 0, maxAbsTokens: 0, maxAbsEmbedding: 0 }));
    let truncated = 0;
    for (let start = 0; start < texts.length; start += batchSize) {
      const chunk = texts.slice(start, start + batchSize);
      const ids = chunk.map((t) => model.tokenizer.encode(t, null, { truncation: true, maxLength: window }).inputIds.slice());
      truncated += chunk.filter((t, i) => ids[i].length === window && model.tokenizer.encode(t, null, { truncation: false }).inputIds.length > window).length;
      const b = padBatch(ids.map((inputIds) => ({ inputIds })), { padId: model.tokenizer.padId, maxLength: window });
      const outputs = tf.tidy(() => {
        const mask = tf.tensor2d(b.attentionMask, [b.batch, b.length]);
        const { sequence } = model.encoder.forward({ inputIds: tf.tensor2d(b.ids, [b.batch, b.length], "int32"), attentionMask: mask });
        return [sequence, l2Normalize(poolTokens(sequence, mask, "mean"))];
      });
      // Asynchronous reads: they work on every backend (WebGPU has no synchronous one).
      const [tokens, pooled] = (await Promise.all(outputs.map((t) => t.data()))) as Float32Array[];
      tf.dispose(outputs);
      for (const [k, e] of embedders.entries()) {
        const tv = await e.tokenVectors(chunk);
        const vectors = await e.embed(chunk);
        const row = rows[k];
        tv.forEach((t, i) => {
          if (t.ids.length !== ids[i].length || t.ids.some((v, j) => v !== ids[i][j])) {
            row.idsDiffer++;
            return;
          }
          for (let j = 0; j < t.vectors.length; j++) row.maxAbsTokens = Math.max(row.maxAbsTokens, Math.abs(t.vectors[j] - tokens[i * b.length * d + j]));
          for (let j = 0; j < d; j++) row.maxAbsEmbedding = Math.max(row.maxAbsEmbedding, Math.abs(vectors[i][j] - pooled[i * d + j]));
        });
      }
    }
    return rows.map((r) => ({ ...r, truncated }));
  } finally {
    for (const e of embedders) await e.dispose();
  }
}
