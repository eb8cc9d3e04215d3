/**
 * Data: the generated shop (taxonomy, vocabulary, catalog, queries with ESCI judgments, users,
 * sessions, the user-choice model), its shipped files, and loaders for real public datasets.
 */
export * from "./taxonomy";
export * from "./brands";
export * from "./vocabulary";
export * from "./records";
export * from "./calendar";
export * from "./esci";
export * from "./keyword-match";
export * from "./products";
export * from "./queries";
export * from "./users";
export * from "./choice-model";
export * from "./logging-policy";
export * from "./sessions";
export * from "./world";
export * from "./logs";
export * from "./position-bias";
export * from "./long-tail";
export * from "./describe";
export * from "./shop-files";
export * from "./encoding";
export * from "./html";
export * from "./csv";
export * from "./load-report";
export * from "./judgments";
export * from "./sequences";
export * from "./frames";
