/** What a student uses from grading: `check()` runs an exercise's checks in the notebook. The instructor's tooling is in `shoplm/instructor`. */
export { findCourseRoot, check, type CheckResult } from "./check";
