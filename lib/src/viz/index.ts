export * from "./display";
export * from "./record";
export * from "./plot";
export * from "./mermaid";
export * from "./table";
export * from "./progress";
