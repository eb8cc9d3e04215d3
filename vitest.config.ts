import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const lib = fileURLToPath(new URL("./lib/src/index.ts", import.meta.url));

export default defineConfig({
  resolve: { alias: { shoplm: lib } },
  test: {
    globals: true,
    environment: "node",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
