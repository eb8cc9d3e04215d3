/**
 * The ONNX export: folder layout, the graph's interface, the weights carried bit for bit, the
 * ONNX project's own checker (Debian python3-onnx, through scripts/golden/onnx_check.py), and
 * the writes being all or nothing. Numerical parity on shop texts is in onnx-serve.test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapters, Encoder, encoderConfig, exportOnnx, initBackend, loadTokenizer, lora, readCheckpoint, shippedCheckpointDir, WordPieceTokenizer, type OnnxExportManifest } from "shoplm";
import { sha256Hex } from "../../lib/src/core/hash";
import { decodeOnnxModel, encodeOnnxModel, onnxModelType, type OnnxModel } from "../../lib/src/embed/onnx-schema";

const CHECK_SCRIPT = path.resolve(__dirname, "../../scripts/golden/onnx_check.py");
const hasOnnx = spawnSync("/usr/bin/python3", ["-c", "import onnx"], { encoding: "utf8" }).status === 0;
if (!hasOnnx) console.warn("onnx-export.test: skipping the python3-onnx checker tests: /usr/bin/python3 cannot import onnx (Debian package python3-onnx).");

/** The standard ops the export may use (opset 17, default domain). */
const ALLOWED_OPS = new Set(["Gather", "Shape", "Slice", "Add", "Sub", "Mul", "Div", "Max", "Sqrt", "LayerNormalization", "MatMul", "Reshape", "Transpose", "Softmax", "Erf", "Cast", "Unsqueeze", "ReduceSum"]);

function runChecker(file: string): { status: number | null; report: Record<string, unknown> } {
  const result = spawnSync("/usr/bin/python3", [CHECK_SCRIPT, file], { encoding: "utf8", timeout: 120_000 });
  return { status: result.status, report: JSON.parse(result.stdout.trim() || "{}") as Record<string, unknown> };
}

describe("exportOnnx", () => {
  let root: string;
  let dir: string;
  let manifest: OnnxExportManifest;
  let model: OnnxModel;

  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    root = mkdtempSync(path.join(tmpdir(), "shoplm-onnx-export-"));
    dir = path.join(root, "shop-encoder");
    manifest = exportOnnx(dir);
    model = decodeOnnxModel(readFileSync(path.join(dir, "onnx/model.onnx")));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("writes the folder transformers.js reads, with a manifest of every file's size and sha256", () => {
    const files = manifest.files.map((f) => f.file);
    expect(files).toEqual(expect.arrayContaining(["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "onnx/model.onnx"]));
    for (const f of manifest.files) {
      const data = readFileSync(path.join(dir, f.file));
      expect(f.byteLength).toBe(data.length);
      expect(f.sha256).toBe(sha256Hex(data));
    }
    const ckpt = readCheckpoint(shippedCheckpointDir());
    expect(manifest.source.weightsSha256).toBe(ckpt.manifest.weights.sha256);
    expect(path.resolve(dir, manifest.source.checkpoint as string)).toBe(path.resolve(shippedCheckpointDir()));
    expect(manifest.source.modelId).toBe(`full@${ckpt.manifest.weights.sha256.slice(0, 12)}`);
    expect(manifest.opset).toBe(17);
    expect(manifest.maxLength).toBe(ckpt.config.maxPositions);
    const config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8"));
    expect(config).toMatchObject({
      model_type: "bert",
      vocab_size: ckpt.config.vocabSize,
      hidden_size: ckpt.config.hiddenSize,
      num_hidden_layers: ckpt.config.layers,
      num_attention_heads: ckpt.config.heads,
      intermediate_size: ckpt.config.intermediateSize,
      max_position_embeddings: ckpt.config.maxPositions,
      hidden_act: "gelu",
      layer_norm_eps: ckpt.config.layerNormEps,
    });
    const tokConfig = JSON.parse(readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
    expect(tokConfig.model_max_length).toBe(ckpt.config.maxPositions);
    // The shipped tokenizer truncates at the window by default, keeping [SEP].
    const tok = loadTokenizer(dir);
    const ids = tok.encode("wireless earbuds ".repeat(100)).inputIds;
    expect(ids.length).toBe(ckpt.config.maxPositions);
    expect(ids[ids.length - 1]).toBe(tok.sepId);
    expect(existsSync(`${dir}.partial-${process.pid}`)).toBe(false);
  });

  it("declares int64 inputs and float outputs with dynamic batch and sequence, in standard ops at opset 17", () => {
    expect(model.ir_version).toBe(8);
    expect(model.opset_import).toEqual([{ domain: "", version: 17 }]);
    const dims = (v: OnnxModel["graph"]["input"][number]) => v.type.tensor_type.shape.dim.map((d) => d.dim_param ?? d.dim_value);
    expect(model.graph.input.map((i) => [i.name, i.type.tensor_type.elem_type, dims(i)])).toEqual([
      ["input_ids", 7, ["batch", "sequence"]],
      ["attention_mask", 7, ["batch", "sequence"]],
      ["token_type_ids", 7, ["batch", "sequence"]],
    ]);
    expect(model.graph.output.map((o) => [o.name, o.type.tensor_type.elem_type, dims(o)])).toEqual([
      ["last_hidden_state", 1, ["batch", "sequence", 128]],
      ["sentence_embedding", 1, ["batch", 128]],
    ]);
    const ops = new Set(model.graph.node.map((n) => n.op_type));
    expect([...ops].filter((op) => !ALLOWED_OPS.has(op))).toEqual([]);
    expect(ops.has("LayerNormalization") && ops.has("Erf") && ops.has("Softmax")).toBe(true);
  });

  it("carries the checkpoint's weights bit for bit", () => {
    const ckpt = readCheckpoint(shippedCheckpointDir());
    const byName = new Map(model.graph.initializer.map((t) => [t.name, t]));
    let compared = 0;
    for (const [name, w] of ckpt.weights) {
      if (name.startsWith("cls.")) continue; // the MLM head is not part of the encoder
      const t = byName.get(name);
      expect(t, name).toBeDefined();
      if (!t) continue;
      expect(t.dims).toEqual([...w.shape]);
      const raw = t.raw_data as Uint8Array;
      const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      expect(Buffer.from(values.buffer).equals(Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength))).toBe(true);
      compared++;
    }
    expect(compared).toBe(5 + 16 * ckpt.config.layers);
  });

  it("encodes repeated scalars as onnx.proto says (TensorProto data packed, dims unpacked)", () => {
    const type = onnxModelType();
    const tensor = type.lookupType("onnx.TensorProto");
    // dims = [2, 3] unpacked: tag (1 << 3 | 0) = 0x08 before each value.
    const bytes = tensor.encode(tensor.fromObject({ dims: [2, 3], int64_data: [5, 6] })).finish();
    expect(Array.from(bytes)).toEqual([0x08, 2, 0x08, 3, 0x3a, 2, 5, 6]);
  });

  it.skipIf(!hasOnnx)("passes python3-onnx's checker with full_check, and the checker rejects a broken graph", () => {
    const { status, report } = runChecker(path.join(dir, "onnx/model.onnx"));
    expect(status, JSON.stringify(report)).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.opset).toEqual({ "ai.onnx": 17 });
    expect(report.outputs).toEqual([
      { name: "last_hidden_state", type: "FLOAT", shape: ["batch", "sequence", 128], inferred: ["batch", "sequence", 128] },
      { name: "sentence_embedding", type: "FLOAT", shape: ["batch", 128], inferred: ["batch", 128] },
    ]);
    // The same graph with one node's op renamed must fail (the check can fail).
    const broken: OnnxModel = { ...model, graph: { ...model.graph, node: model.graph.node.map((n, i) => (i === 3 ? { ...n, op_type: "NoSuchOp" } : n)) } };
    const brokenFile = path.join(root, "broken.onnx");
    writeFileSync(brokenFile, encodeOnnxModel(broken));
    const bad = runChecker(brokenFile);
    expect(bad.status).toBe(1);
    expect(String(bad.report.error)).toContain("NoSuchOp");
  });

  it("exports an in-memory encoder of other sizes (a fine-tuned tower), onnxruntime-node matching tfjs", async () => {
    const vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "red", "blue", "shoe", "##s", "bag", "cheap", "kettle"];
    const tokenizer = new WordPieceTokenizer({ vocab });
    const config = encoderConfig({ vocabSize: vocab.length, hiddenSize: 12, heads: 3, layers: 3, intermediateSize: 20, maxPositions: 10, layerNormEps: 1e-5 });
    const encoder = Encoder.create(config, 11);
    const out = path.join(root, "small");
    const m = exportOnnx(out, { encoder, tokenizer, modelId: "small-test", sentenceEmbedding: false });
    expect(m.outputs).toEqual(["last_hidden_state"]);
    expect(m.source).toEqual({ checkpoint: null, weightsSha256: null, modelId: "small-test" });
    const ids = [
      [2, 5, 7, 8, 3, 0, 0],
      [2, 6, 9, 10, 11, 7, 3],
    ];
    const mask = ids.map((r) => r.map((v, j) => (j === 0 || v !== 0 ? 1 : 0)));
    const types = [
      [0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 1, 1, 1, 1],
    ];
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(path.join(out, "onnx/model.onnx"));
    const big = (a: number[][]) => new ort.Tensor("int64", BigInt64Array.from(a.flat().map(BigInt)), [2, 7]);
    const result = await session.run({ input_ids: big(ids), attention_mask: big(mask), token_type_ids: big(types) });
    const got = result.last_hidden_state.data as Float32Array;
    const want = tf.tidy(() =>
      encoder
        .forward({ inputIds: tf.tensor2d(ids, [2, 7], "int32"), attentionMask: tf.tensor2d(mask, [2, 7], "int32"), tokenTypeIds: tf.tensor2d(types, [2, 7], "int32") })
        .sequence.dataSync()
    );
    let maxAbs = 0;
    for (let i = 0; i < want.length; i++) maxAbs = Math.max(maxAbs, Math.abs(want[i] - got[i]));
    expect(maxAbs).toBeLessThan(1e-5);
    await session.release();
    encoder.dispose();
  });

  it("exports a LoRA-tuned tower with the updates folded in (the encoder untouched), and refuses adapters", async () => {
    const vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "red", "blue", "shoe", "##s", "bag"];
    const tokenizer = new WordPieceTokenizer({ vocab });
    const config = encoderConfig({ vocabSize: vocab.length, hiddenSize: 8, heads: 2, layers: 2, intermediateSize: 16, maxPositions: 8 });
    const encoder = Encoder.create(config, 5);
    const method = lora(encoder, { rank: 2, alpha: 4, targets: ["query", "value"], seed: 3 });
    // B starts at zero (no update); give it values so the update shows.
    for (const [name, v] of method.params.entries()) if (name.endsWith(".lora_B")) v.assign(tf.randomNormal(v.shape, 0, 0.5, "float32", 9));
    const before = encoder.params.snapshot();
    const out = path.join(root, "lora");
    exportOnnx(out, { encoder, method, tokenizer, modelId: "lora-test" });
    for (const [name, w] of encoder.params.snapshot()) expect(Array.from(w.values), name).toEqual(Array.from((before.get(name) as { values: Float32Array }).values));
    const ids = [[2, 5, 6, 7, 8, 3]];
    const mask = [[1, 1, 1, 1, 1, 1]];
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(path.join(out, "onnx/model.onnx"));
    const big = (a: number[][]) => new ort.Tensor("int64", BigInt64Array.from(a.flat().map(BigInt)), [1, 6]);
    const got = (await session.run({ input_ids: big(ids), attention_mask: big(mask), token_type_ids: big([[0, 0, 0, 0, 0, 0]]) })).last_hidden_state.data as Float32Array;
    const forward = (hooks?: typeof method.hooks) => tf.tidy(() => encoder.forward({ inputIds: tf.tensor2d(ids, [1, 6], "int32"), attentionMask: tf.tensor2d(mask, [1, 6], "int32") }, { hooks }).sequence.dataSync());
    const tuned = forward(method.hooks);
    const plain = forward();
    const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    expect(maxAbs(tuned, got)).toBeLessThan(1e-5);
    expect(maxAbs(plain, got)).toBeGreaterThan(1e-3); // the update mattered
    await session.release();
    method.dispose();
    const adapter = adapters(encoder, { size: 2, seed: 1 });
    expect(() => exportOnnx(path.join(root, "adapter"), { encoder, method: adapter, tokenizer })).toThrow(/the adapter method adds its own layers/);
    adapter.dispose();
    encoder.dispose();
  });

  it("replaces an earlier export, refuses a folder that is not one, and leaves nothing half-written on error", () => {
    const again = exportOnnx(dir);
    expect(again.files).toEqual(manifest.files);
    expect(readdirSync(root).filter((n) => n.includes(".partial-") || n.includes(".old-"))).toEqual([]);

    const foreign = path.join(root, "notes");
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, "keep.txt"), "mine");
    expect(() => exportOnnx(foreign)).toThrow(/is not an ONNX export folder \(no shoplm-onnx\.json\)/);
    expect(readFileSync(path.join(foreign, "keep.txt"), "utf8")).toBe("mine");

    const tokenizer = new WordPieceTokenizer({ vocab: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] });
    const encoder = Encoder.create(encoderConfig({ vocabSize: 9, hiddenSize: 8, heads: 2, layers: 1, intermediateSize: 8, maxPositions: 4 }), 1);
    const target = path.join(root, "mismatch");
    expect(() => exportOnnx(target, { encoder, tokenizer })).toThrow("the tokenizer has 5 tokens but the encoder's vocabulary is 9");
    expect(() => exportOnnx(target, { encoder })).toThrow("needs its `tokenizer`");
    encoder.dispose();
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(root).filter((n) => n.includes(".partial-"))).toEqual([]);
  });
});
