"""Jupyter's own kernel conformance suite (jupyter_kernel_test) against the course kernel.

Usage: kernel_conformance.py KERNEL_NAME
Runs the suite with TypeScript samples and prints one JSON object as its last line:
{"tests": [{"name", "outcome": "passed" | "skipped" | "failed" | "error", "detail"}]}.
Every sample the suite accepts is given; the tests that cannot apply say why when skipped.
"""
import json
import sys
import unittest

import jupyter_kernel_test

KERNEL_NAME = sys.argv[1] if len(sys.argv) > 1 else "course-ts"


class CourseKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = KERNEL_NAME
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world");'
    code_stderr = 'console.error("something on stderr");'

    completion_samples = [{"text": "Math.flo", "matches": {"floor"}}]
    complete_code_samples = ["1 + 2", "const x = 1;", "function f(a: number) {\n  return a;\n}"]
    incomplete_code_samples = ["function f(a: number) {", "const xs = [1,", "if (true) {"]
    invalid_code_samples = ["const = 1;", "1 +* 2;"]

    code_generate_error = 'throw new Error("boom");'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"shop" + "lm"', "result": "'shoplm'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": '({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>rich</b>" }; } })', "mime": "text/html", "result": "<b>rich</b>"},
    ]
    code_history_pattern = "1 + *"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<b>bold</b>");', "mime": "text/html"},
        {"code": 'import * as tslab from "tslab";\ntslab.display.markdown("*em*");', "mime": "text/markdown"},
    ]

    code_inspect_sample = "Math.floor"
    code_clear_output = 'import * as tslab from "tslab";\nconsole.log("gone soon");\ntslab.clearOutput();'

    def test_pager(self):
        raise unittest.SkipTest(
            "TypeScript has no help syntax (IPython's `?`) that would page text; "
            "a front end asks for documentation with inspect_request, which test_inspect covers"
        )


class Collecting(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes.append((test, "passed", ""))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes.append((test, "skipped", reason))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes.append((test, "failed", self._exc_info_to_string(err, test)))

    def addError(self, test, err):
        super().addError(test, err)
        self.outcomes.append((test, "error", self._exc_info_to_string(err, test)))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self.outcomes.append((subtest, "failed" if failed else "error", self._exc_info_to_string(err, subtest)))


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(CourseKernelTests)
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=Collecting).run(suite)
    # A test with a failed subtest also reports success for itself: the failure wins.
    worst = {}
    rank = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
    for test, outcome, detail in result.outcomes:
        name = test.id().split(".")[-1].split(" ")[0] if hasattr(test, "id") else str(test)
        name = name if not getattr(test, "test_case", None) else test.test_case.id().split(".")[-1]
        if name not in worst or rank[outcome] > rank[worst[name]["outcome"]]:
            worst[name] = {"name": name, "outcome": outcome, "detail": detail}
    print(json.dumps({"tests": sorted(worst.values(), key=lambda t: t["name"])}))


main()
