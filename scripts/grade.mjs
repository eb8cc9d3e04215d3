#!/usr/bin/env node
// `npm run grade -- SUBMISSIONS --out DIR [--assignment NAME] [options]`: grade a folder of submitted notebooks in a
// sandbox against the public and hidden checks (see docs/grading.md). The work is done by
// lib/dist/grading/cli.js; this wrapper only makes sure the library, exercises and solutions are built.
import { createRequire } from "node:module";
import path from "node:path";
import { buildOrExit } from "./lib/build.mjs";
import { paths } from "./lib/project.mjs";

buildOrExit("grade");
const require = createRequire(import.meta.url);
const { gradeMain } = require(path.join(paths.root, "lib", "dist", "grading", "cli.js"));
process.exitCode = await gradeMain(process.argv.slice(2));
