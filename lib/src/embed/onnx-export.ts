/**
 * Export the course encoder to ONNX, in the folder layout transformers.js and Hugging Face's
 * tools read for a local model:
 *
 *   config.json            model_type "bert" and the sizes (AutoModel picks BertModel)
 *   tokenizer.json         the course tokenizer (Hugging Face format), truncating at the window
 *   tokenizer_config.json  BertTokenizer, special tokens, model_max_length = the window
 *   special_tokens_map.json, vocab.txt
 *   onnx/model.onnx        the graph: input_ids, attention_mask, token_type_ids (int64, [batch,
 *                          sequence]) -> last_hidden_state [batch, sequence, hidden] and
 *                          sentence_embedding [batch, hidden] (masked mean, L2-normalised)
 *   shoplm-onnx.json       this export's manifest: source checkpoint, opset, inputs and outputs,
 *                          and every file's size and sha256 (the loader checks them)
 *
 * The graph is the encoder's own arithmetic in standard ops at opset 17 (Gather, Add,
 * LayerNormalization, MatMul, Reshape, Transpose, Softmax, Erf, ...), written with protobufjs
 * from the descriptor in `onnx-schema.ts`. The folder is written next to its destination and
 * renamed into place, so a reader never sees half an export.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { writeFolderAtomically } from "../core/files";
import * as path from "node:path";
import { sha256Hex } from "../core/hash";
import { readCheckpoint, type Checkpoint } from "../model/checkpoint";
import type { EncoderConfig } from "../model/config";
import { Encoder, encoderSpecs, layerName } from "../model/encoder";
import type { WeightValue } from "../model/parameters";
import { Lora } from "../finetune/lora";
import type { FineTuneMethod } from "../finetune/method";
import { shippedCheckpointDir } from "../finetune/run";
import { loadTokenizer, saveTokenizer } from "../text/io";
import { WordPieceTokenizer } from "../text/wordpiece";
import {
  encodeOnnxModel,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  OnnxAttributeType,
  OnnxDataType,
  type OnnxAttribute,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from "./onnx-schema";

export const ONNX_EXPORT_FORMAT = "shoplm-onnx";
export const ONNX_EXPORT_VERSION = 1;
export const ONNX_MANIFEST_FILE = "shoplm-onnx.json";
export const ONNX_MODEL_FILE = "onnx/model.onnx";
/** The graph's inputs, in the order BERT exports use. */
export const ONNX_INPUTS = ["input_ids", "attention_mask", "token_type_ids"] as const;
/** Token vectors (what transformers.js's feature-extraction pipeline pools). */
export const LAST_HIDDEN_STATE = "last_hidden_state";
/** Masked mean of the token vectors, L2-normalised (x / max(|x|, 1e-12)). */
export const SENTENCE_EMBEDDING = "sentence_embedding";

/** What a key of attention gets added when its mask is 0: exp of it underflows to exactly 0. */
const MASKED_SCORE = -1e9;
/** The pooling module's clamp for the norm (PyTorch's F.normalize default). */
const NORM_EPS = 1e-12;

export interface OnnxFileEntry {
  /** Path inside the export folder, "/"-separated. */
  readonly file: string;
  readonly byteLength: number;
  readonly sha256: string;
}

export interface OnnxExportManifest {
  readonly format: typeof ONNX_EXPORT_FORMAT;
  readonly version: number;
  /** Where the weights came from: a checkpoint folder (relative to the export folder) and its weights' sha256, or null for an in-memory encoder. */
  readonly source: { readonly checkpoint: string | null; readonly weightsSha256: string | null; readonly modelId: string };
  readonly config: EncoderConfig;
  readonly opset: number;
  readonly irVersion: number;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Longest input, special tokens included (the position embeddings' count). */
  readonly maxLength: number;
  readonly files: readonly OnnxFileEntry[];
  readonly producer: { readonly name: string; readonly version: string };
}

export interface ExportOnnxOptions {
  /** A checkpoint folder or a read checkpoint; default: the shipped chapter-1 checkpoint. */
  readonly checkpoint?: string | Checkpoint;
  /** Export this encoder instead of a checkpoint's (a bi-encoder tower, a fine-tuned encoder); needs `tokenizer`. */
  readonly encoder?: Encoder;
  /**
   * The fine-tuning method trained with `encoder` (a bi-encoder tower's `method`): full fine-tuning
   * and probes export the encoder as it is; LoRA's updates are folded into the exported kernels
   * (the encoder itself is left unchanged); methods that add layers (adapters, prefixes, AdaLoRA)
   * are refused, since the BERT graph has no place for them.
   */
  readonly method?: FineTuneMethod;
  /** The tokenizer to ship; default: the checkpoint's own tokenizer.json. */
  readonly tokenizer?: WordPieceTokenizer;
  /** Also output `sentence_embedding` (masked mean, L2-normalised); default true. */
  readonly sentenceEmbedding?: boolean;
  /** A name for the weights in the manifest and the ONNX metadata; default for a checkpoint: "folder@" + the start of its weights' sha256 (as `loadTextEmbedder` names it). */
  readonly modelId?: string;
}

// ------------------------------------------------------------------ graph building

/** Collects nodes and initializers; every value gets a readable, unique name. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();

  /** Names given from outside (the graph's inputs) that no value may take. */
  reserve(name: string): void {
    this.used.add(name);
  }

  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** A float32 initializer. */
  weight(name: string, dims: readonly number[], values: Float32Array): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (values.length !== n) throw new Error(`exportOnnx: weight "${name}" has ${values.length} values for shape [${dims.join(", ")}].`);
    const id = this.fresh(name);
    this.initializers.push({ name: id, dims: [...dims], data_type: OnnxDataType.FLOAT, raw_data: littleEndianFloats(values) });
    return id;
  }

  /** An int64 constant (shapes, axes). */
  int64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const id = this.fresh(name);
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name: id, dims: [...dims], data_type: OnnxDataType.INT64, raw_data: bytes });
    return id;
  }

  /** A float32 scalar constant. */
  scalar(name: string, value: number): string {
    return this.weight(name, [], Float32Array.of(value));
  }

  /** One node; returns its (first) output's name. */
  op(opType: string, inputs: readonly string[], name: string, attributes: readonly OnnxAttribute[] = [], outputName?: string): string {
    const nodeName = this.fresh(`${name}/${opType}`);
    const output = outputName ?? nodeName;
    if (outputName) this.reserve(outputName);
    this.nodes.push({ name: nodeName, op_type: opType, input: [...inputs], output: [output], attribute: [...attributes] });
    return output;
  }
}

function littleEndianFloats(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

const intAttr = (name: string, i: number): OnnxAttribute => ({ name, type: OnnxAttributeType.INT, i });
const floatAttr = (name: string, f: number): OnnxAttribute => ({ name, type: OnnxAttributeType.FLOAT, f });
const intsAttr = (name: string, ints: readonly number[]): OnnxAttribute => ({ name, type: OnnxAttributeType.INTS, ints: [...ints] });

function tensorInfo(name: string, elemType: number, dims: readonly (number | string)[]): OnnxValueInfo {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

/**
 * The encoder as an ONNX graph (opset 17), from its weights by name (`encoderSpecs` names, dense
 * kernels [in, out] so x @ kernel needs no transpose). Mirrors `Encoder.forward` in inference mode.
 */
export function encoderGraph(config: EncoderConfig, weights: ReadonlyMap<string, WeightValue>, options: { sentenceEmbedding?: boolean; name?: string } = {}): OnnxModel["graph"] {
  for (const spec of encoderSpecs(config)) {
    const w = weights.get(spec.name);
    if (!w) throw new Error(`exportOnnx: the weights lack "${spec.name}" (shape [${spec.shape.join(", ")}]).`);
    if (w.shape.length !== spec.shape.length || w.shape.some((d, i) => d !== spec.shape[i])) {
      throw new Error(`exportOnnx: weight "${spec.name}" has shape [${w.shape.join(", ")}]; the config makes [${spec.shape.join(", ")}].`);
    }
  }
  const g = new GraphBuilder();
  for (const input of ONNX_INPUTS) g.reserve(input);
  const W = (name: string): string => {
    const w = weights.get(name) as WeightValue;
    return g.weight(name, w.shape, w.values);
  };
  const d = config.hiddenSize;
  const h = config.heads;
  const dh = d / h;
  const eps = floatAttr("epsilon", config.layerNormEps);
  const layerNorm = (x: string, prefix: string, scope: string, out?: string) =>
    g.op("LayerNormalization", [x, W(`${prefix}.gamma`), W(`${prefix}.beta`)], scope, [intAttr("axis", -1), eps], out);
  const dense = (x: string, prefix: string, scope: string) => g.op("Add", [g.op("MatMul", [x, W(`${prefix}.kernel`)], scope), W(`${prefix}.bias`)], scope);

  // Embeddings: word + position (the first `sequence` rows) + segment, then layer norm.
  const words = g.op("Gather", [W("embeddings.word_embeddings"), "input_ids"], "embeddings/words", [intAttr("axis", 0)]);
  const seqLen = g.op("Shape", ["input_ids"], "embeddings/length", [intAttr("start", 1), intAttr("end", 2)]);
  const zero = g.int64("zero_1d", [0]);
  const positions = g.op("Slice", [W("embeddings.position_embeddings"), zero, seqLen, zero], "embeddings/positions");
  const types = g.op("Gather", [W("embeddings.token_type_embeddings"), "token_type_ids"], "embeddings/types", [intAttr("axis", 0)]);
  const summed = g.op("Add", [g.op("Add", [words, positions], "embeddings"), types], "embeddings");
  let x = layerNorm(summed, "embeddings.LayerNorm", "embeddings");

  // Padding keys: scores + (1 - mask) * -1e9, broadcast over heads and queries.
  const maskF = g.op("Cast", ["attention_mask"], "mask", [intAttr("to", OnnxDataType.FLOAT)]);
  const one = g.scalar("one", 1);
  const keyBias = g.op("Unsqueeze", [g.op("Mul", [g.op("Sub", [one, maskF], "mask"), g.scalar("masked_score", MASKED_SCORE)], "mask"), g.int64("axes_1_2", [1, 2])], "mask");
  const scale = g.scalar("attention_scale", 1 / Math.sqrt(dh));
  const headsShape = g.int64("heads_shape", [0, 0, h, dh]);
  const mergedShape = g.int64("merged_shape", [0, 0, d]);
  const sqrtHalf = g.scalar("sqrt_half", Math.SQRT1_2);
  const half = g.scalar("half", 0.5);

  for (let i = 0; i < config.layers; i++) {
    const p = layerName(i);
    const s = `layer_${i}`;
    const split = (t: string, perm: readonly number[], what: string) =>
      g.op("Transpose", [g.op("Reshape", [t, headsShape], `${s}/attention/${what}`)], `${s}/attention/${what}`, [intsAttr("perm", perm)]);
    const q = split(dense(x, `${p}.attention.self.query`, `${s}/attention/query`), [0, 2, 1, 3], "query");
    const kT = split(dense(x, `${p}.attention.self.key`, `${s}/attention/key`), [0, 2, 3, 1], "key");
    const v = split(dense(x, `${p}.attention.self.value`, `${s}/attention/value`), [0, 2, 1, 3], "value");
    const scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, kT], `${s}/attention/scores`), scale], `${s}/attention/scores`), keyBias], `${s}/attention/scores`);
    const probs = g.op("Softmax", [scores], `${s}/attention`, [intAttr("axis", -1)]);
    const context = g.op("MatMul", [probs, v], `${s}/attention/context`);
    const merged = g.op("Reshape", [g.op("Transpose", [context], `${s}/attention/context`, [intsAttr("perm", [0, 2, 1, 3])]), mergedShape], `${s}/attention/context`);
    const attended = dense(merged, `${p}.attention.output.dense`, `${s}/attention/output`);
    x = layerNorm(g.op("Add", [x, attended], `${s}/attention/residual`), `${p}.attention.output.LayerNorm`, `${s}/attention/output`);
    // Feed-forward with the exact GELU: 0.5 x (1 + erf(x / sqrt 2)).
    const inner = dense(x, `${p}.intermediate.dense`, `${s}/intermediate`);
    const erf = g.op("Erf", [g.op("Mul", [inner, sqrtHalf], `${s}/gelu`)], `${s}/gelu`);
    const gelu = g.op("Mul", [g.op("Mul", [inner, g.op("Add", [erf, one], `${s}/gelu`)], `${s}/gelu`), half], `${s}/gelu`);
    const out = dense(gelu, `${p}.output.dense`, `${s}/output`);
    const last = i === config.layers - 1;
    x = layerNorm(g.op("Add", [x, out], `${s}/output/residual`), `${p}.output.LayerNorm`, `${s}/output`, last ? LAST_HIDDEN_STATE : undefined);
  }

  const outputs = [tensorInfo(LAST_HIDDEN_STATE, OnnxDataType.FLOAT, ["batch", "sequence", d])];
  if (options.sentenceEmbedding ?? true) {
    // Masked mean (divided by max(count, 1), as the pooling module does), then x / max(|x|, eps).
    const axis1 = g.int64("axes_1", [1]);
    const maskCol = g.op("Unsqueeze", [maskF, g.int64("axes_2", [2])], "pool");
    const total = g.op("ReduceSum", [g.op("Mul", [x, maskCol], "pool"), axis1], "pool", [intAttr("keepdims", 0)]);
    const count = g.op("Max", [g.op("ReduceSum", [maskF, axis1], "pool/count", [intAttr("keepdims", 1)]), one], "pool/count");
    const mean = g.op("Div", [total, count], "pool");
    const norm = g.op("Sqrt", [g.op("ReduceSum", [g.op("Mul", [mean, mean], "normalize"), axis1], "normalize", [intAttr("keepdims", 1)])], "normalize");
    g.op("Div", [mean, g.op("Max", [norm, g.scalar("norm_eps", NORM_EPS)], "normalize")], "normalize", [], SENTENCE_EMBEDDING);
    outputs.push(tensorInfo(SENTENCE_EMBEDDING, OnnxDataType.FLOAT, ["batch", d]));
  }

  return {
    name: options.name ?? "shoplm_encoder",
    node: g.nodes,
    initializer: g.initializers,
    input: ONNX_INPUTS.map((name) => tensorInfo(name, OnnxDataType.INT64, ["batch", "sequence"])),
    output: outputs,
  };
}

// ------------------------------------------------------------------ the folder

/** The encoder's weights as the forward pass with `method`'s hooks sees them (LoRA folded in). */
function encoderWeights(encoder: Encoder, method: FineTuneMethod | undefined): Map<string, WeightValue> {
  const weights = encoder.params.snapshot();
  if (!method?.hooks) return weights;
  if (!(method instanceof Lora)) {
    throw new Error(`exportOnnx: the ${method.name} method adds its own layers to the encoder, which the BERT graph has no place for; export a fully fine-tuned or LoRA encoder.`);
  }
  if (method.merged) return weights; // already in the kernels
  // Folded on the host from the snapshot (scale * A B), so the export needs no synchronous read
  // of a tensor, which WebGPU does not have.
  const lora = (method.params as NonNullable<FineTuneMethod["params"]>).snapshot();
  for (const [name, a] of lora) {
    if (!name.endsWith(".lora_A")) continue;
    const projection = name.slice(0, -".lora_A".length);
    const kernel = weights.get(`${projection}.kernel`) as WeightValue;
    const b = lora.get(`${projection}.lora_B`) as WeightValue;
    const [inputs, rank] = a.shape;
    const outputs = b.shape[1];
    const values = Float32Array.from(kernel.values);
    for (let i = 0; i < inputs; i++) {
      for (let r = 0; r < rank; r++) {
        const air = a.values[i * rank + r] * method.scale;
        if (air === 0) continue;
        const row = i * outputs;
        const brow = r * outputs;
        for (let j = 0; j < outputs; j++) values[row + j] += air * b.values[brow + j];
      }
    }
    weights.set(`${projection}.kernel`, { shape: kernel.shape, values });
  }
  return weights;
}

/** `config.json` as Hugging Face's BertConfig writes it, so AutoModel builds a BertModel. */
export function bertConfigJson(config: EncoderConfig, tokenizer: WordPieceTokenizer): Record<string, unknown> {
  return {
    architectures: ["BertModel"],
    model_type: "bert",
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.layers,
    num_attention_heads: config.heads,
    intermediate_size: config.intermediateSize,
    hidden_act: "gelu",
    hidden_dropout_prob: config.dropout,
    attention_probs_dropout_prob: config.attentionDropout,
    max_position_embeddings: config.maxPositions,
    type_vocab_size: config.typeVocabSize,
    initializer_range: config.initializerRange,
    layer_norm_eps: config.layerNormEps,
    pad_token_id: tokenizer.padId,
    position_embedding_type: "absolute",
    "transformers.js_config": { dtype: "fp32" },
  };
}

/** The tokenizer as shipped with the model: truncating at the model's window by default. */
function windowedTokenizer(tokenizer: WordPieceTokenizer, window: number): WordPieceTokenizer {
  return new WordPieceTokenizer({ ...tokenizer.config, modelMaxLength: window, truncation: { maxLength: window, strategy: "longest_first" } });
}

/** The library's version (lib/package.json, two folders up from src/embed and from dist/embed). */
function producerVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function listFiles(root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * Export an encoder to `outDir` as an ONNX model folder (see the module comment): by default the
 * shipped chapter-1 checkpoint with its tokenizer. Replaces an earlier export in `outDir`; refuses
 * to overwrite a folder that is not one. Returns the manifest written.
 */
export function exportOnnx(outDir: string, options: ExportOnnxOptions = {}): OnnxExportManifest {
  const target = path.resolve(outDir);
  if (existsSync(target) && (!statSync(target).isDirectory() || (listFiles(target).length > 0 && !existsSync(path.join(target, ONNX_MANIFEST_FILE))))) {
    throw new Error(`exportOnnx: ${target} exists and is not an ONNX export folder (no ${ONNX_MANIFEST_FILE}); choose a new folder.`);
  }
  let config: EncoderConfig;
  let weights: ReadonlyMap<string, WeightValue>;
  let tokenizer: WordPieceTokenizer;
  let source: OnnxExportManifest["source"];
  if (options.encoder) {
    if (!options.tokenizer) throw new Error("exportOnnx: an `encoder` needs its `tokenizer` too (the folder ships both).");
    config = options.encoder.config;
    weights = encoderWeights(options.encoder, options.method);
    tokenizer = options.tokenizer;
    source = { checkpoint: null, weightsSha256: null, modelId: options.modelId ?? "encoder" };
  } else {
    const ckpt = typeof options.checkpoint === "object" ? options.checkpoint : readCheckpoint(options.checkpoint ?? shippedCheckpointDir());
    if (!options.tokenizer && !ckpt.tokenizerPath) throw new Error(`exportOnnx: checkpoint ${ckpt.dir} has no tokenizer.json; pass \`tokenizer\`.`);
    config = ckpt.config;
    weights = ckpt.weights;
    tokenizer = options.tokenizer ?? loadTokenizer(ckpt.tokenizerPath as string);
    // Relative to the export (as fine-tuned checkpoints name their base), so a moved project stays consistent.
    const relative = path.relative(target, path.resolve(ckpt.dir));
    source = { checkpoint: path.isAbsolute(relative) ? path.resolve(ckpt.dir) : relative, weightsSha256: ckpt.manifest.weights.sha256, modelId: options.modelId ?? `${path.basename(path.resolve(ckpt.dir))}@${ckpt.manifest.weights.sha256.slice(0, 12)}` };
  }
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new Error(`exportOnnx: the tokenizer has ${tokenizer.vocabSize} tokens but the encoder's vocabulary is ${config.vocabSize}.`);
  }
  const sentence = options.sentenceEmbedding ?? true;
  const graph = encoderGraph(config, weights, { sentenceEmbedding: sentence, name: source.modelId });
  const version = producerVersion();
  const model: OnnxModel = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: "", version: ONNX_OPSET }],
    producer_name: "shoplm",
    producer_version: version,
    model_version: 1,
    doc_string: "The course encoder (BERT layout, post-norm), exported by shoplm's exportOnnx.",
    graph,
    metadata_props: [
      { key: "model_id", value: source.modelId },
      { key: "source_weights_sha256", value: source.weightsSha256 ?? "" },
    ],
  };
  const bytes = encodeOnnxModel(model);

  mkdirSync(path.dirname(target), { recursive: true });
  return writeFolderAtomically(target, (partial) => {
    mkdirSync(path.join(partial, "onnx"), { recursive: true });
    writeFileSync(path.join(partial, ONNX_MODEL_FILE), bytes);
    writeFileSync(path.join(partial, "config.json"), `${JSON.stringify(bertConfigJson(config, tokenizer), null, 2)}\n`);
    saveTokenizer(windowedTokenizer(tokenizer, config.maxPositions), partial);
    const files = listFiles(partial).map((file) => {
      const data = readFileSync(path.join(partial, file));
      return { file, byteLength: data.length, sha256: sha256Hex(data) };
    });
    const manifest: OnnxExportManifest = {
      format: ONNX_EXPORT_FORMAT,
      version: ONNX_EXPORT_VERSION,
      source,
      config: { ...config },
      opset: ONNX_OPSET,
      irVersion: ONNX_IR_VERSION,
      inputs: [...ONNX_INPUTS],
      outputs: sentence ? [LAST_HIDDEN_STATE, SENTENCE_EMBEDDING] : [LAST_HIDDEN_STATE],
      maxLength: config.maxPositions,
      files,
      producer: { name: "shoplm", version },
    };
    writeFileSync(path.join(partial, ONNX_MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`);
    return manifest;
  });
}
