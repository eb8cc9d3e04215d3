/** Core: course profiles, the compute backend (native, WebGPU, wasm, cpu) and seeded random numbers. */
export {
  isProfileName, getProfile, type ProfileName, type Profile, PROFILES, PROFILE_NAMES,
} from "./profile";
export {
  initBackend, backendInfo, type BackendName, BACKEND_NAMES, type BackendAttempt, type BackendInfo,
} from "./backend";
export { type RngState, type Seed, Rng } from "./random";
export { type WebGpuMode, type GpuAdapterDescription } from "./webgpu";
export {
  type InferenceDevice, type InferenceDeviceSetting, INFERENCE_DEVICE_SETTINGS, inferenceDeviceSetting, onnxRuntimeOffer,
  type OnnxRuntimeOffer, type OfferedDevice, type DeviceAttempt,
} from "./inference-device";
