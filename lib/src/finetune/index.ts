/** Chapter 2, fine-tuning: task heads on the pretrained encoder, full and parameter-efficient methods (probe, Adapters, LoRA, AdaLoRA, prefix tuning), and query intent end to end. */
export * from "./method";
export * from "./heads";
export * from "./examples";
export * from "./classifier";
export * from "./early-stopping";
export * from "./fine-tune";
export * from "./probe";
export * from "./full";
export * from "./lora";
export * from "./adapter";
export * from "./prefix";
export * from "./adalora";
export * from "./intent";
