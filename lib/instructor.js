// The `shoplm/instructor` entry point (exercise authoring, release, grading); see src/instructor.ts.
module.exports = require("./dist/instructor");
