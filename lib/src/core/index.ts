export * from "./profile";
export * from "./backend";
export * from "./wasm-kernels";
export * from "./random";
export * from "./webgpu";
export * from "./hash";
