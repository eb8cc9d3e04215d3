/**
 * shoplm: the library of "LLMs for e-commerce search and recommendation".
 * Grouped by the chapters' concerns; each folder's index lists what it offers.
 */
export * from "./core";
export * from "./viz";
export * from "./grading";
export * from "./eval";
export * from "./data";
export * from "./text";
export * from "./model";
export * from "./train";
export * from "./rank";
export * from "./finetune";
export * from "./embed";
export * from "./recommend";
