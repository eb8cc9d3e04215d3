#!/usr/bin/env node
// `npm run release -- --out DIR [--force] [--assignment NAME | --exercises 5.1,5.2]`: build the student release (solution cells replaced
// by stubs, no solutions/, no hidden checks; see docs/grading.md). The work is done by
// lib/dist/grading/cli.js; this wrapper only makes sure the library, exercises and solutions are built.
import { createRequire } from "node:module";
import path from "node:path";
import { buildOrExit } from "./lib/build.mjs";
import { paths } from "./lib/project.mjs";

buildOrExit("release");
const require = createRequire(import.meta.url);
const { releaseMain } = require(path.join(paths.root, "lib", "dist", "grading", "cli.js"));
process.exitCode = await releaseMain(process.argv.slice(2));
