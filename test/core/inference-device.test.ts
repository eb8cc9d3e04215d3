/**
 * The inference device setting (COURSE_INFERENCE_DEVICE) that onnxruntime-node and transformers.js
 * read: parsing, the "auto" order, errors that name the device and the remedy, and what
 * `backendInfo()` reports. The runtimes themselves are exercised in test/embed/onnx-serve.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initBackend, inferenceDeviceSetting, onnxRuntimeOffer, type InferenceDevice } from "shoplm";
import { deviceUnavailable, openOnDevice, parseInferenceDevice, type OnnxRuntimeOffer } from "../../lib/src/core/inference-device";

const EVERYTHING: OnnxRuntimeOffer = {
  version: "test",
  devices: [
    { name: "cpu", bundled: true },
    { name: "webgpu", bundled: true },
    { name: "cuda", bundled: true },
  ],
  problem: null,
};

const saved = process.env.COURSE_INFERENCE_DEVICE;
afterEach(() => {
  if (saved === undefined) delete process.env.COURSE_INFERENCE_DEVICE;
  else process.env.COURSE_INFERENCE_DEVICE = saved;
});

describe("the inference device setting", () => {
  it("is cpu by default, read from COURSE_INFERENCE_DEVICE, overridden by an explicit option", () => {
    delete process.env.COURSE_INFERENCE_DEVICE;
    expect(inferenceDeviceSetting()).toBe("cpu");
    process.env.COURSE_INFERENCE_DEVICE = " WebGPU ";
    expect(inferenceDeviceSetting()).toBe("webgpu");
    expect(inferenceDeviceSetting("cuda")).toBe("cuda");
    process.env.COURSE_INFERENCE_DEVICE = "";
    expect(inferenceDeviceSetting()).toBe("cpu");
  });

  it("a misspelt value is an error naming where it came from and the values allowed", async () => {
    expect(() => parseInferenceDevice("gpu")).toThrow('Unknown inference device "gpu" (from COURSE_INFERENCE_DEVICE): expected one of cpu, webgpu, cuda, auto.');
    expect(() => inferenceDeviceSetting("tpu")).toThrow(/from the device option/);
    process.env.COURSE_INFERENCE_DEVICE = "metal";
    // The first cell of a notebook reports it, before any model is exported.
    await expect(initBackend({ forced: "cpu", reset: true })).rejects.toThrow(/Unknown inference device "metal"/);
  });

  it("backendInfo() carries the setting, and details() says what onnxruntime-node offers here", async () => {
    delete process.env.COURSE_INFERENCE_DEVICE;
    const info = await initBackend({ forced: "cpu", reset: true });
    expect(info.inferenceDevice).toBe("cpu");
    expect(info.toString()).not.toContain("Inference device");
    const offer = onnxRuntimeOffer();
    expect(offer.problem).toBeNull();
    expect(offer.devices.map((d) => d.name)).toContain("cpu");
    expect(info.details()).toMatch(new RegExp(`Inference \\(onnxruntime-node, transformers\\.js\\): cpu \\(the default\\); onnxruntime-node ${offer.version!.replace(/\./g, "\\.")} offers cpu`));
    process.env.COURSE_INFERENCE_DEVICE = "auto";
    const named = await initBackend({ forced: "cpu", reset: true });
    expect(named.inferenceDevice).toBe("auto");
    expect(named.toString()).toContain("Inference device: auto.");
    expect(named.details()).toContain("auto (COURSE_INFERENCE_DEVICE)");
  });
});

describe("opening on a device", () => {
  const opener = (works: readonly InferenceDevice[], log: InferenceDevice[]) => async (device: InferenceDevice) => {
    log.push(device);
    if (!works.includes(device)) throw new Error(`/src/provider.cc:12 Init() ok was false. no ${device} adapter here\n    at stack`);
    return `session on ${device}`;
  };

  it("a named device is the only one tried; its failure names the runtime, the device, the reason and the remedy", async () => {
    const log: InferenceDevice[] = [];
    const opened = await openOnDevice("rt", "webgpu", opener(["webgpu", "cpu"], log), EVERYTHING);
    expect([opened.value, opened.device, log]).toEqual(["session on webgpu", "webgpu", ["webgpu"]]);
    const failed: InferenceDevice[] = [];
    await expect(openOnDevice("rt", "webgpu", opener(["cpu"], failed), EVERYTHING)).rejects.toThrow(
      'rt cannot run on the inference device "webgpu": no webgpu adapter here. ONNX Runtime\'s WebGPU needs a hardware adapter'
    );
    expect(failed).toEqual(["webgpu"]); // never a silent fallback to the CPU
  });

  it("auto tries cuda, webgpu, cpu and records why each was skipped", async () => {
    const log: InferenceDevice[] = [];
    const opened = await openOnDevice("rt", "auto", opener(["cpu"], log), EVERYTHING);
    expect(opened.device).toBe("cpu");
    expect(log).toEqual(["cuda", "webgpu", "cpu"]);
    expect(opened.attempts.map((a) => [a.device, a.ok, a.reason])).toEqual([
      ["cuda", false, "no cuda adapter here"],
      ["webgpu", false, "no webgpu adapter here"],
      ["cpu", true, "the first that opened"],
    ]);
    const gpu = await openOnDevice("rt", "auto", opener(["webgpu", "cpu"], []), EVERYTHING);
    expect(gpu.device).toBe("webgpu");
  });

  it("a device the runtime does not offer is not tried; a failure on the CPU is the caller's own error", async () => {
    const cpuOnly: OnnxRuntimeOffer = { version: "test", devices: [{ name: "cpu", bundled: true }], problem: null };
    expect(deviceUnavailable("webgpu", cpuOnly)).toMatch(/onnxruntime-node test on .* has no webgpu provider \(it offers cpu\)/);
    const log: InferenceDevice[] = [];
    await expect(openOnDevice("rt", "cuda", opener(["cuda"], log), cpuOnly)).rejects.toThrow(/has no cuda provider.*npm run setup:gpu/);
    expect(log).toEqual([]);
    const broken: OnnxRuntimeOffer = { version: null, devices: [], problem: "libonnxruntime.so.1: cannot open shared object file" };
    expect(deviceUnavailable("webgpu", broken)).toBe("onnxruntime-node does not load (libonnxruntime.so.1: cannot open shared object file)");
    await expect(
      openOnDevice("rt", "cpu", async () => {
        throw new Error("model.onnx is not a model");
      }, EVERYTHING)
    ).rejects.toThrow(/^model\.onnx is not a model$/);
  });
});
