export * from "./batches";
export * from "./masking";
export * from "./schedule";
export * from "./adamw";
export * from "./clip";
export * from "./metrics";
export * from "./pretrain";
export * from "./callbacks";
