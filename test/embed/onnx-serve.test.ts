/**
 * Serving the exported encoder: onnxruntime-node and transformers.js against the library's tfjs
 * encoder on 1,000 shop texts (queries, titles, titles with descriptions longer than the window,
 * CJK, emoji, lone surrogates, an empty and a 100,000-character text): the same token ids, token
 * vectors and pooled embeddings within 1e-4 (max abs). Then the documented tokenizer difference
 * (transformers.js's truncation drops [SEP]) and every damaged-folder error.
 */
import * as tf from "@tensorflow/tfjs";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Encoder, exportOnnx, initBackend, l2Normalize, loadEncoder, loadOnnxEmbedder, loadShop, loadTokenizer, onnxFeatureExtractionPipeline, onnxParity, poolTokens, probeInferenceDevices, readCheckpoint, shippedCheckpointDir, type WordPieceTokenizer } from "shoplm";
import { onnxParityTexts, truncateKeepingLast } from "../../lib/src/embed/onnx-serve";

const TOLERANCE = 1e-4;
const BATCH = 50;

/** 1,000 texts: every kind of shop text plus the awkward ones. */
function parityTexts(): string[] {
  return onnxParityTexts(loadShop("full"), 1000);
}

interface Reference {
  ids: number[][];
  tokens: Float32Array[];
  mean: Float32Array[];
  cls: Float32Array[];
}

/** The library's encoder (tfjs) on the library tokenizer's ids, batch by batch. */
function reference(encoder: Encoder, tokenizer: WordPieceTokenizer, texts: readonly string[], window: number): Reference {
  const out: Reference = { ids: [], tokens: [], mean: [], cls: [] };
  const d = encoder.config.hiddenSize;
  for (let start = 0; start < texts.length; start += BATCH) {
    const batch = tokenizer.encodeBatch(texts.slice(start, start + BATCH), { truncation: true, maxLength: window, padding: "longest" });
    const ids = batch.inputIds.map((r) => Array.from(r));
    const mask = batch.attentionMask.map((r) => Array.from(r));
    const length = ids[0].length;
    const [seq, mean, cls] = tf.tidy(() => {
      const m = tf.tensor2d(mask, [ids.length, length], "int32");
      const sequence = encoder.forward({ inputIds: tf.tensor2d(ids, [ids.length, length], "int32"), attentionMask: m }).sequence;
      return [sequence.dataSync(), l2Normalize(poolTokens(sequence, m, "mean")).dataSync(), poolTokens(sequence, m, "cls").dataSync()] as Float32Array[];
    });
    ids.forEach((row, r) => {
      const n = mask[r].reduce((a, b) => a + b, 0);
      out.ids.push(row.slice(0, n));
      out.tokens.push(seq.slice(r * length * d, (r * length + n) * d));
      out.mean.push(mean.slice(r * d, (r + 1) * d));
      out.cls.push(cls.slice(r * d, (r + 1) * d));
    });
  }
  return out;
}

function maxAbsDiff(a: readonly Float32Array[], b: readonly ArrayLike<number>[]): number {
  expect(b.length).toBe(a.length);
  let max = 0;
  a.forEach((row, i) => {
    expect(b[i].length, `row ${i}`).toBe(row.length);
    for (let j = 0; j < row.length; j++) max = Math.max(max, Math.abs(row[j] - b[i][j]));
  });
  return max;
}

describe("serving the ONNX export (onnxruntime-node, transformers.js) against the tfjs encoder", () => {
  let root: string;
  let dir: string;
  let texts: string[];
  let ref: Reference;
  let tokenizer: WordPieceTokenizer;
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    root = mkdtempSync(path.join(tmpdir(), "shoplm-onnx-serve-"));
    dir = path.join(root, "shop-encoder");
    exportOnnx(dir);
    texts = parityTexts();
    tokenizer = loadTokenizer(shippedCheckpointDir());
    const encoder = loadEncoder(shippedCheckpointDir());
    const before = tf.memory().numTensors;
    ref = reference(encoder, tokenizer, texts, encoder.config.maxPositions);
    expect(tf.memory().numTensors).toBe(before); // nothing leaked by the reference pass
    encoder.dispose();
  });
  afterAll(() => {
    console.log(`ONNX parity on ${texts?.length} shop texts (max abs):`, JSON.stringify(figures));
    rmSync(root, { recursive: true, force: true });
  });

  it("uses 1,000 texts, among them texts longer than the window, CJK and lone surrogates", () => {
    expect(texts.length).toBe(1000);
    const untruncated = texts.map((t) => tokenizer.encode(t, null, { truncation: false }).inputIds.length);
    expect(untruncated.filter((n) => n > 64).length).toBeGreaterThan(100);
    expect(texts.filter((t) => /[\u4e00-\u9fff]/.test(t)).length).toBeGreaterThanOrEqual(3);
    expect(texts.filter((t) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(t)).length).toBe(2);
    expect(ref.ids.every((ids) => ids.length <= 64 && ids[ids.length - 1] === tokenizer.sepId)).toBe(true);
  });

  for (const runtime of ["onnxruntime-node", "transformers.js"] as const) {
    it(`${runtime}: the same ids, token vectors and pooled embeddings (1e-4)`, async () => {
      const embedder = await loadOnnxEmbedder(dir, { runtime, batchSize: BATCH });
      try {
        expect(embedder.dimension).toBe(128);
        expect(embedder.maxLength).toBe(64);
        const tv = await embedder.tokenVectors(texts);
        tv.forEach((t, i) => expect(t.ids, `ids of text ${i}: ${JSON.stringify(texts[i].slice(0, 60))}`).toEqual(ref.ids[i]));
        const tokenDiff = maxAbsDiff(ref.tokens, tv.map((t) => t.vectors));
        const meanDiff = maxAbsDiff(ref.mean, await embedder.embed(texts));
        figures[`${runtime} tokens`] = tokenDiff;
        figures[`${runtime} mean+l2`] = meanDiff;
        expect(tokenDiff).toBeLessThan(TOLERANCE);
        expect(meanDiff).toBeLessThan(TOLERANCE);
        const matrix = await embedder.embedMatrix(texts.slice(0, 10));
        expect([matrix.count, matrix.dimension, matrix.vectors.length]).toEqual([10, 128, 1280]);
        expect(matrix.modelId).toMatch(/^full@[0-9a-f]{12}:mean:l2$/);
      } finally {
        await embedder.dispose();
      }
      const clsEmbedder = await loadOnnxEmbedder(dir, { runtime, pooling: "cls", normalize: false, verify: false });
      try {
        const clsDiff = maxAbsDiff(ref.cls.slice(0, 200), await clsEmbedder.embed(texts.slice(0, 200)));
        figures[`${runtime} cls`] = clsDiff;
        expect(clsDiff).toBeLessThan(TOLERANCE);
      } finally {
        await clsEmbedder.dispose();
      }
    });
  }

  it("the inference device: cpu by default and from the setting; a GPU that is there gives the CPU's vectors, one that is not is a clear error", async () => {
    const sample = texts.slice(0, 60);
    for (const runtime of ["onnxruntime-node", "transformers.js"] as const) {
      const cpu = await loadOnnxEmbedder(dir, { runtime, device: "cpu", verify: false });
      const onCpu = await cpu.embed(sample);
      expect([cpu.device, cpu.deviceAttempts.map((a) => [a.device, a.ok])]).toEqual(["cpu", [["cpu", true]]]);
      await cpu.dispose();

      const auto = await loadOnnxEmbedder(dir, { runtime, device: "auto", verify: false });
      try {
        // Every device tried before the one that opened is named with the runtime's reason.
        expect(auto.deviceAttempts.map((a) => a.device)).toEqual(["cuda", "webgpu", "cpu"].slice(0, ["cuda", "webgpu", "cpu"].indexOf(auto.device) + 1));
        auto.deviceAttempts.slice(0, -1).forEach((a) => expect(a.ok === false && a.reason.length > 10, `${a.device}: ${a.reason}`).toBe(true));
        expect(maxAbsDiff(onCpu, await auto.embed(sample))).toBeLessThan(TOLERANCE);
      } finally {
        await auto.dispose();
      }

      for (const device of ["webgpu", "cuda"] as const) {
        const opened = await loadOnnxEmbedder(dir, { runtime, device, verify: false }).catch((error: Error) => error);
        if (opened instanceof Error) {
          expect(opened.message).toMatch(new RegExp(`^${runtime.replace(".", "\\.")} \\(.*\\) cannot run on the inference device "${device}": .+\\. .*COURSE_INFERENCE_DEVICE=cpu`));
          continue;
        }
        try {
          expect(opened.device).toBe(device);
          figures[`${runtime} on ${device}`] = maxAbsDiff(onCpu, await opened.embed(sample));
          expect(figures[`${runtime} on ${device}`]).toBeLessThan(TOLERANCE);
        } finally {
          await opened.dispose();
        }
      }
    }
    const saved = process.env.COURSE_INFERENCE_DEVICE;
    process.env.COURSE_INFERENCE_DEVICE = "cuda";
    try {
      const fromSetting = await loadOnnxEmbedder(dir, { verify: false }).catch((error: Error) => error);
      if (fromSetting instanceof Error) expect(fromSetting.message).toContain('cannot run on the inference device "cuda"');
      else {
        expect(fromSetting.device).toBe("cuda");
        await fromSetting.dispose();
      }
      await expect(onnxFeatureExtractionPipeline(dir, { verify: false, device: "cpu" }).then((p) => p.dispose())).resolves.toBeUndefined();
      // What `npm run setup:gpu` reports: the CPU runs a MatMul correctly; each other device runs it or says why not.
      const probe = await probeInferenceDevices();
      expect(probe.map((p) => p.device)).toEqual(["cpu", "webgpu", "cuda"]);
      expect(probe[0]).toEqual({ device: "cpu", ok: true, reason: "opened and ran a MatMul correctly" });
      probe.slice(1).forEach((p) => expect(p.ok ? p.reason : p.reason, p.device).toMatch(p.ok ? /ran a MatMul correctly/ : /cannot run on the inference device/));
    } finally {
      if (saved === undefined) delete process.env.COURSE_INFERENCE_DEVICE;
      else process.env.COURSE_INFERENCE_DEVICE = saved;
    }
  });

  it("the graph's own sentence_embedding output equals the library's mean pooling, L2-normalised", async () => {
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(path.join(dir, "onnx/model.onnx"), { intraOpNumThreads: 1 });
    const rows = ref.ids.slice(0, 100);
    const length = Math.max(...rows.map((r) => r.length));
    const flat = (f: (row: number[], j: number) => number) => BigInt64Array.from(rows.flatMap((row) => Array.from({ length }, (_, j) => BigInt(f(row, j)))));
    const dims = [rows.length, length];
    const result = await session.run({
      input_ids: new ort.Tensor("int64", flat((row, j) => (j < row.length ? row[j] : 0)), dims),
      attention_mask: new ort.Tensor("int64", flat((row, j) => (j < row.length ? 1 : 0)), dims),
      token_type_ids: new ort.Tensor("int64", flat(() => 0), dims),
    });
    const data = result.sentence_embedding.data as Float32Array;
    const diff = maxAbsDiff(ref.mean.slice(0, 100), Array.from({ length: 100 }, (_, i) => data.subarray(i * 128, (i + 1) * 128)));
    figures["sentence_embedding output"] = diff;
    expect(diff).toBeLessThan(TOLERANCE);
    await session.release();
  });

  it("transformers.js's pipeline('feature-extraction'): equal vectors within the window; past it, its truncation drops [SEP] (documented)", async () => {
    const pipe = await onnxFeatureExtractionPipeline(dir);
    try {
      const inWindow = texts.map((t, i) => i).filter((i) => tokenizer.encode(texts[i], null, { truncation: false }).inputIds.length <= 64);
      expect(inWindow.length).toBeGreaterThan(500);
      const chosen = inWindow.slice(0, 400);
      let tokenDiff = 0;
      const pooled: Float32Array[] = [];
      for (let s = 0; s < chosen.length; s += BATCH) {
        const idx = chosen.slice(s, s + BATCH);
        const batchTexts = idx.map((i) => texts[i]);
        const hidden = await pipe(batchTexts, { pooling: "none" });
        const [, length, d] = hidden.dims;
        const data = hidden.data as Float32Array;
        idx.forEach((i, r) => {
          const n = ref.ids[i].length;
          tokenDiff = Math.max(tokenDiff, maxAbsDiff([ref.tokens[i]], [data.subarray(r * length * d, (r * length + n) * d)]));
        });
        const mean = await pipe(batchTexts, { pooling: "mean", normalize: true });
        const md = mean.data as Float32Array;
        idx.forEach((_, r) => pooled.push(md.slice(r * 128, (r + 1) * 128)));
      }
      const meanDiff = maxAbsDiff(chosen.map((i) => ref.mean[i]), pooled);
      figures["pipeline tokens (in window)"] = tokenDiff;
      figures["pipeline mean+l2 (in window)"] = meanDiff;
      expect(tokenDiff).toBeLessThan(TOLERANCE);
      expect(meanDiff).toBeLessThan(TOLERANCE);

      // Past the window: transformers.js cuts the ids at model_max_length, so [SEP] is lost.
      const long = texts.find((t) => tokenizer.encode(t, null, { truncation: false }).inputIds.length > 80) as string;
      const full = tokenizer.encode(long, null, { truncation: false }).inputIds;
      const theirs = pipe.tokenizer([long, "short"], { padding: true, truncation: true, return_tensor: false }) as unknown as { input_ids: number[][] };
      expect(theirs.input_ids[0]).toEqual(full.slice(0, 64));
      expect(theirs.input_ids[0][63]).not.toBe(tokenizer.sepId);
      // ... which the "transformers.js" embedder avoids: it keeps [SEP] as the library does.
      expect(truncateKeepingLast(full, 64)).toEqual(tokenizer.encode(long, null, { truncation: true, maxLength: 64 }).inputIds);
    } finally {
      await pipe.dispose();
    }
  });

  it("transformers.js tokenises every text of the full shop exactly as the library does (no truncation)", async () => {
    const { AutoTokenizer, env } = await import("@huggingface/transformers");
    env.allowRemoteModels = false;
    env.localModelPath = root + path.sep;
    const theirs = await AutoTokenizer.from_pretrained("shop-encoder", { local_files_only: true });
    const shop = loadShop("full");
    const all = [...shop.queries.map((q) => q.text), ...shop.products.map((p) => p.title), ...shop.products.map((p) => p.description), ...texts];
    let differ = 0;
    let first = "";
    for (let s = 0; s < all.length; s += 500) {
      const chunk = all.slice(s, s + 500);
      const got = (theirs(chunk, { return_tensor: false }) as unknown as { input_ids: number[][] }).input_ids;
      chunk.forEach((text, i) => {
        const want = tokenizer.encode(text, null, { truncation: false }).inputIds;
        if (want.length !== got[i].length || want.some((v, j) => v !== got[i][j])) {
          differ++;
          first ||= JSON.stringify(text.slice(0, 80));
        }
      });
    }
    expect(all.length).toBeGreaterThan(10_000);
    expect(differ, `first differing text: ${first}`).toBe(0);
  });

  it("onnxParity: the results-card figures, and a different model shows up as a large difference", async () => {
    const encoder = loadEncoder(shippedCheckpointDir());
    const sample = [...texts.slice(0, 40), ...texts.slice(-40)];
    const before = tf.memory().numTensors;
    const rows = await onnxParity(dir, { encoder, tokenizer }, sample, { batchSize: 32 });
    expect(tf.memory().numTensors).toBe(before);
    expect(rows.map((r) => r.runtime)).toEqual(["onnxruntime-node", "transformers.js"]);
    for (const r of rows) {
      expect(r.texts).toBe(80);
      expect(r.truncated).toBeGreaterThan(10);
      expect(r.idsDiffer).toBe(0);
      expect(r.maxAbsTokens).toBeLessThan(TOLERANCE);
      expect(r.maxAbsEmbedding).toBeLessThan(TOLERANCE);
    }
    encoder.dispose();
    const other = Encoder.create(readCheckpoint(shippedCheckpointDir()).config, 1);
    const [off] = await onnxParity(dir, { encoder: other, tokenizer }, sample.slice(0, 10), { runtimes: ["onnxruntime-node"] });
    expect(off.maxAbsTokens).toBeGreaterThan(0.1);
    other.dispose();
  });

  it("names the file and the problem for a damaged folder, and bad texts by index; nothing crashes", async () => {
    const copy = (name: string) => {
      const target = path.join(root, name);
      cpSync(dir, target, { recursive: true });
      return target;
    };
    const missing = copy("missing");
    unlinkSync(path.join(missing, "onnx/model.onnx"));
    await expect(loadOnnxEmbedder(missing)).rejects.toThrow(/onnx\/model\.onnx is missing/);

    const corrupted = copy("corrupted");
    const bytes = readFileSync(path.join(corrupted, "onnx/model.onnx"));
    bytes[1000] ^= 0xff;
    writeFileSync(path.join(corrupted, "onnx/model.onnx"), bytes);
    await expect(loadOnnxEmbedder(corrupted)).rejects.toThrow(/onnx\/model\.onnx is corrupted: its sha256 is [0-9a-f]{64}; the manifest says/);

    const truncated = copy("truncated");
    truncateSync(path.join(truncated, "tokenizer.json"), 100);
    await expect(loadOnnxEmbedder(truncated, { runtime: "transformers.js" })).rejects.toThrow(/tokenizer\.json is 100 bytes; the manifest says \d+ \(truncated/);

    const noManifest = copy("no-manifest");
    unlinkSync(path.join(noManifest, "shoplm-onnx.json"));
    await expect(loadOnnxEmbedder(noManifest)).rejects.toThrow(/shoplm-onnx\.json is missing: not an export folder/);

    // Not verified by checksum: the runtimes' own load errors, re-thrown with the file's name.
    const garbage = copy("garbage");
    const size = readFileSync(path.join(garbage, "onnx/model.onnx")).length;
    writeFileSync(path.join(garbage, "onnx/model.onnx"), Buffer.alloc(size, 0x5a));
    await expect(loadOnnxEmbedder(garbage, { verify: false })).rejects.toThrow(/onnx\/model\.onnx could not be loaded by onnxruntime-node/);
    await expect(loadOnnxEmbedder(garbage, { verify: false, runtime: "transformers.js" })).rejects.toThrow(/onnx\/model\.onnx could not be loaded by transformers\.js/);
    const badConfig = copy("bad-config");
    const configSize = readFileSync(path.join(badConfig, "config.json")).length;
    writeFileSync(path.join(badConfig, "config.json"), "{ not json".padEnd(configSize)); // same size: only the checksum differs
    await expect(loadOnnxEmbedder(badConfig, { verify: false })).rejects.toThrow(/config\.json is not valid JSON/);
    copyFileSync(path.join(dir, "config.json"), path.join(badConfig, "config.json"));

    await expect(loadOnnxEmbedder(path.join(root, "nowhere"))).rejects.toThrow(/expected a folder, found nothing/);
    await expect(loadOnnxEmbedder(dir, { runtime: "tfjs" as never })).rejects.toThrow(/runtime must be "onnxruntime-node" or "transformers.js"; found "tfjs"/);
    await expect(loadOnnxEmbedder(dir, { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer; found 0/);

    const embedder = await loadOnnxEmbedder(dir);
    await expect(embedder.embed(["ok", 42 as unknown as string])).rejects.toThrow(/expected a string at index 1, found number/);
    expect(await embedder.embed([])).toEqual([]);
    const [empty] = await embedder.tokenVectors([""]);
    expect(empty.ids).toEqual([tokenizer.clsId, tokenizer.sepId]);
    await embedder.dispose();
    await expect(embedder.embed(["after dispose"])).rejects.toThrow(/already disposed/);
  });
});
