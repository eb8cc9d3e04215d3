export * from "./dist/instructor";
