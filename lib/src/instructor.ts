/**
 * shoplm/instructor: the tooling of the people who write and grade the course (exercise authoring,
 * the release builder, the grader, gradebooks, notebook files). Students never need it; it is kept out
 * of the root `shoplm` so that completion in a notebook shows the course's concepts.
 */
export { preview, compareValues, cloneArgs, type Tolerance } from "./grading/compare";
export {
  defineExercise, defineSolution, runChecks, scoreOutcomes, solutionRegion, type AnswerFunction,
  type CaseCheck, type PropertyCheck, type Check, type Exercise, type Solution, type CheckStatus,
  type CheckOutcome,
} from "./grading/exercise";
export {
  findCourseRoot, loadExercises, findExercise, check, feedbackText, feedbackHtml, type CheckResult,
  STALE_DEFINITIONS,
} from "./grading/check";
export {
  jsonTooDeep, parseNotebook, formatNotebook, cellSource, sourceLines, cellTags, exerciseTag,
  findExerciseCells, normaliseCellSource, lockRecord, checkCellSource, type CellType, type NotebookCell,
  type Notebook, type ExerciseRole, EXERCISE_ROLES, LOCKED_ROLES, NotebookFormatError, MAX_NOTEBOOK_DEPTH,
  type TaggedCell, type ExerciseCells, type LockRecord,
} from "./grading/notebook";
export {
  encodeValue, decodeValue, encodeText, decodeText, roundTrip, syncInto, type Encoded, type EncodedTagged,
  TransferError, MAX_TRANSFER_DEPTH,
} from "./grading/transfer";
export {
  findTools, permissionFlag, nodeVersionOf, nodeBaseMemoryMb, candidateIsolation, libraryDist, libraryExports, sandboxConfig,
  disposeSandbox, sandboxCommand, killLeftoverSandboxes, type SandboxLimits, DEFAULT_LIMITS,
  type IsolationLevel, type SandboxConfig, type SandboxTools, type CallResult, type ProcessFailure,
  type LoadResult, type LoadSpec, SandboxProcess,
} from "./grading/sandbox";
export {
  runPropertyRemote, type RemoteResult, type RemoteAnswer, type PropertyVerdict, PropertyAuthoringError,
  AnswerError, MAX_PROPERTY_CALLS,
} from "./grading/replay";
export {
  safeStem, displayName, discoverSubmissions, findSubmissions, readCapped, readSubmissionNotebook,
  originalCells, tamperFlags, type Submission, type SkippedEntry, type Discovery, MAX_STEM_LENGTH,
  MAX_FOLDER_DEPTH, MAX_FOLDER_ENTRIES, MAX_NOTEBOOKS_PER_STUDENT, MAX_NOTEBOOK_BYTES, type ReadNotebook,
  type OriginalCells, MAX_LOCKED_CELL_BYTES,
} from "./grading/submission";
export {
  writeFileAtomic, exerciseReason, gradebookRows, gradebookCsv, gradebookJson, parseCsv, type FailureKind,
  FAILURE_TEXT, type GradedCheck, type ExerciseStatus, type ExerciseGrade, type StudentGrade, RESULT_VERSION,
  type GradebookRow, GRADEBOOK_COLUMNS,
} from "./grading/gradebook";
export {
  checkLine, feedbackPage, scoreHistogram, scoreHistogramSvg, summaryPage, type ScoreHistogram,
} from "./grading/feedback";
export { transpileCell, transpileBounded, type Transpiled, MAX_CELL_BYTES } from "./grading/compile";
export {
  readCourseNotebooks, loadSolutions, prepareExercise, prepareCourse, gradeCell, readSubmission,
  definedElsewhere, gradeStudent, studentFingerprint, redactor, probeSandbox, defaultJobs, gradeSubmissions,
  GRADER_VERSION, GraderError, type PreparedCheck, type PreparedExercise, type Course,
  type GradeExerciseOptions, type StudentOptions, MAX_SUBMISSION_BYTES, type GradeOptions, type GradeRun,
} from "./grading/grader";
export {
  solutionSource, sameSolution, studentNotebook, releaseSecrets, findLeaks, studentMarkdown, relativeLinks,
  buildRelease, RELEASE_ENTRIES, INSTRUCTOR_SCRIPTS, RELEASE_MARKER, type ReleaseOptions, type ReleaseReport,
  ReleaseError, type ReleaseSecret, DISTINCT_NAME_WORDS, MIN_ARGS_CHARS, MAX_SEARCHED_BYTES,
} from "./grading/release";
export { releaseMain, gradeMain, RELEASE_USAGE, GRADE_USAGE } from "./grading/cli";
export {
  instructionsCellSource, exerciseCellSources, syncExerciseCells, type CellDrift,
} from "./grading/exercise-cells";
export {
  parseAssignment, loadAssignment, assignmentFromOptions, assignmentContext, ALWAYS_RELEASED, AssignmentError,
  type Assignment, type AssignmentContext,
} from "./grading/assignment";
export { scoresCsv, type ScoreSheet, type GradebookAssignment } from "./grading/gradebook";
export { assignmentSheets } from "./grading/grader";
