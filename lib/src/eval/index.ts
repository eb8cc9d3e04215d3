/**
 * Chapter 5, evaluation: ranking metrics and TREC files, classification metrics and
 * calibration, beyond-accuracy metrics, significance tests and the distributions behind them.
 * The conventions they share (parameter checks, empty input, warnings instead of silent NaN,
 * scale) are stated in ./validate.ts.
 */
export * from "./ranking";
export * from "./trec";
export * from "./classification";
export * from "./calibration";
export * from "./beyond";
export * from "./significance";
export * from "./distributions";
export * from "./power";
export * from "./peeking";
export * from "./offpolicy";
export * from "./ab-test";
export * from "./counterfactual";
export { EmptyInputError, type EvalWarning, type EvalWarningCode } from "./validate";
