/** Chapter 4, ranking and recommendation (baselines so far). */
export * from "./baselines";
