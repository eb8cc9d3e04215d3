export * from "./compare";
export * from "./exercise";
export * from "./check";
