import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const lib = fileURLToPath(new URL("./lib/src/index.ts", import.meta.url));
const instructor = fileURLToPath(new URL("./lib/src/instructor.ts", import.meta.url));

export default defineConfig({
  // Exact matches: "shoplm/dist/..." (deep imports in sandbox tests) must stay the built files.
  resolve: {
    alias: [
      { find: /^shoplm$/, replacement: lib },
      { find: /^shoplm\/instructor$/, replacement: instructor },
    ],
  },
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
