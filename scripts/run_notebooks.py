#!/usr/bin/python3
"""Execute course notebooks headless through a real Jupyter client (nbclient) on the course-ts kernel.

Called by scripts/notebooks.mjs, which resolves names, sets JUPYTER_PATH and COURSE_PROFILE:
    run_notebooks.py --out DIR --profile fast --timeout 600 [--kernel course-ts] NOTEBOOK.ipynb...

Per notebook: runs the code cells in order, each within what is left of the notebook's time
budget, and stops at the first failing cell. Writes the executed copy (also when it failed),
the records (outputs of MIME application/vnd.shoplm.record+json) and a run summary to --out.
Exit status: 0 all passed, 1 a notebook failed, 3 the Python side is missing something.
"""

import argparse
import json
import logging
import os
import re
import signal
import sys
import time

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from jupyter_client.kernelspec import NoSuchKernel
except ImportError as error:  # pragma: no cover - depends on the machine
    print(
        f"run_notebooks: {sys.executable} cannot import {error.name} ({error}).\n"
        "  Run `npm run setup` (on Debian as root it installs python3-nbclient), or point COURSE_PYTHON "
        "at a Python that has nbclient and nbformat.",
        file=sys.stderr,
    )
    sys.exit(3)

RECORD_MIME = "application/vnd.shoplm.record+json"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


# The course kernel names a cell's frames In[<execution count>]:<line>:<column> (scripts/kernel).
CELL_POSITION = re.compile(r"In\[(\d+)\]:(\d+):(\d+)")


def strip_ansi(text):
    return ANSI.sub("", text)


def trim_stack(text):
    """Drops the stack frames below the cell (node:vm and tslab's own), which say nothing to a student.
    Only for a kernel that died: a failed cell's error message has no such frames."""
    kept, skipping = [], False
    for line in text.splitlines():
        frame = line.strip().startswith("at ")
        if frame and ("node:vm" in line or "/tslab/dist/" in line or "sigintHandlersWrap" in line):
            skipping = True
            continue
        if not frame:
            skipping = False
        if not (frame and skipping):
            kept.append(line)
    return "\n".join(kept)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", help="paths of .ipynb files, run in this order")
    parser.add_argument("--out", required=True, help="folder for executed copies, records and run summaries")
    parser.add_argument("--profile", default=os.environ.get("COURSE_PROFILE", "fast"))
    parser.add_argument("--timeout", type=float, required=True, help="seconds one notebook may take in all")
    parser.add_argument("--kernel", default="course-ts")
    parser.add_argument("--startup-timeout", type=float, default=120)
    parser.add_argument("--verbose", action="store_true", help="print each cell as it finishes")
    return parser.parse_args(argv)


def records_of(nb):
    """Every record output of the notebook, in order: a later value of a name overwrites an earlier one."""
    values, cells = {}, {}
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data") or {}
            if RECORD_MIME not in data:
                continue
            payload = data[RECORD_MIME]
            if isinstance(payload, str):
                payload = json.loads(payload)
            values[payload["name"]] = payload["value"]
            cells[payload["name"]] = index
    return values, cells


def stream_text(cell, name):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == name)


def describe_failure(cell, reply, error):
    """ename, evalue, traceback text, and the cell's line and column (None when no frame names the
    cell) of a failed cell, from the protocol's error: the execute_reply, else the cell's `error`
    output (the same content, published on iopub), else what nbclient raised."""
    content = (reply or {}).get("content", {})
    if not content.get("ename"):
        content = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), {})
    if content.get("ename"):
        ename, evalue, traceback = content["ename"], content.get("evalue", ""), [strip_ansi(line) for line in content.get("traceback", [])]
    else:
        ename = getattr(error, "ename", None) or type(error).__name__
        evalue = getattr(error, "evalue", None) or strip_ansi(str(error)).strip()
        traceback = []
    line = column = None
    count = (reply or {}).get("content", {}).get("execution_count")
    for match in (m for text in traceback for m in CELL_POSITION.finditer(text)):
        if count is None or int(match.group(1)) == count:
            line, column = int(match.group(2)), int(match.group(3))
            break
    return ename, evalue, "\n".join(traceback), line, column


def numbered_source(source, line):
    """The cell's source with line numbers, the failing line marked."""
    lines = source.rstrip().splitlines()
    width = len(str(len(lines)))
    return "\n".join(f"{'->' if number == line else '  '} {str(number).rjust(width)} | {text}" for number, text in enumerate(lines, start=1))


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def run_notebook(path, args):
    name = os.path.splitext(os.path.basename(path))[0]
    out_nb = os.path.join(args.out, f"{name}.ipynb")
    out_records = os.path.join(args.out, f"{name}.records.json")
    out_run = os.path.join(args.out, f"{name}.run.json")
    # A stale records file must never pass for this run's.
    for stale in (out_records, out_run):
        if os.path.exists(stale):
            os.remove(stale)

    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": args.kernel, "display_name": "TypeScript (course)", "language": "typescript"}
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and cell.source.strip()]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None

    replies = {}
    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=max(1, int(args.timeout)),
        startup_timeout=args.startup_timeout,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
        on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(cell_index, execute_reply),
    )
    started = time.monotonic()
    deadline = started + args.timeout
    result = {"notebook": name, "source": os.path.abspath(path), "profile": args.profile, "status": "passed",
              "codeCells": len(code_cells), "cellsRun": 0, "seconds": 0.0, "failure": None}
    current = None
    try:
        with client.setup_kernel():
            info = client.wait_for_reply(client.kc.kernel_info())
            if info and "language_info" in info["content"]:
                nb.metadata["language_info"] = info["content"]["language_info"]
            for number, index in enumerate(code_cells, start=1):
                current = (number, index)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CellTimeoutError(f"the notebook's budget of {args.timeout:g} s was used up before this cell")
                client.timeout = max(1, int(remaining))
                cell_started = time.monotonic()
                client.execute_cell(nb.cells[index], index, execution_count=number)
                result["cellsRun"] = number
                if args.verbose:
                    print(f"    cell {number}/{len(code_cells)} ({time.monotonic() - cell_started:.1f} s)", flush=True)
    except (CellExecutionError, CellTimeoutError, DeadKernelError, NoSuchKernel, RuntimeError, TimeoutError) as error:
        result["status"] = "failed"
        if isinstance(error, NoSuchKernel):
            failure = {"kind": "kernel", "ename": "NoSuchKernel",
                       "evalue": f"no kernel spec named {args.kernel!r} on JUPYTER_PATH ({os.environ.get('JUPYTER_PATH', 'unset')}); run `npm run setup`",
                       "traceback": ""}
        elif current is None:
            failure = {"kind": "kernel", "ename": type(error).__name__,
                       "evalue": f"the {args.kernel} kernel did not start: {strip_ansi(str(error)).strip()}", "traceback": ""}
        else:
            number, index = current
            cell = nb.cells[index]
            line = column = None
            if isinstance(error, CellTimeoutError):
                ename, evalue, text = "Timeout", f"the notebook exceeded its budget of {args.timeout:g} s (profile {args.profile}; --timeout or COURSE_NOTEBOOK_TIMEOUT sets it)", ""
            elif isinstance(error, DeadKernelError):
                ename, evalue, text = "DeadKernel", "the kernel died while running this cell (out of memory, or process.exit?)", trim_stack(strip_ansi(stream_text(cell, "stderr")))
            else:
                ename, evalue, text, line, column = describe_failure(cell, replies.get(index), error)
            failure = {"kind": "cell", "codeCell": number, "cellIndex": index, "source": cell.source,
                       "ename": ename, "evalue": evalue, "traceback": text, "line": line, "column": column}
        result["failure"] = failure
    except KeyboardInterrupt:
        result["status"] = "interrupted"
        raise
    finally:
        result["seconds"] = round(time.monotonic() - started, 2)
        values, cells = records_of(nb)
        os.makedirs(args.out, exist_ok=True)
        nbformat.write(nb, out_nb)
        write_json(out_records, values)
        write_json(out_run, {**result, "recordCells": cells})
    return result, out_nb


def print_failure(result, out_nb):
    failure = result["failure"]
    name = result["notebook"]
    if failure["kind"] == "kernel":
        print(f"FAILED {name}: {failure['ename']}: {failure['evalue']}", flush=True)
        return
    at_line = f", line {failure['line']}," if failure.get("line") else ""
    print(f"FAILED {name}: code cell {failure['codeCell']} of {result['codeCells']} "
          f"(cell index {failure['cellIndex']} in the file){at_line} raised {failure['ename']}: {failure['evalue']}")
    print("----- cell source -----")
    print(numbered_source(failure["source"], failure.get("line")))
    if failure["traceback"].strip():
        print("----- error -----")
        print(failure["traceback"].rstrip())
    print("-----------------------")
    print(f"  executed copy (up to the failing cell): {out_nb}", flush=True)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly
    os.makedirs(args.out, exist_ok=True)
    os.environ["COURSE_PROFILE"] = args.profile
    results = []
    for path in args.notebooks:
        name = os.path.splitext(os.path.basename(path))[0]
        print(f"running {name} (profile {args.profile}) ...", flush=True)
        try:
            result, out_nb = run_notebook(path, args)
        except KeyboardInterrupt:
            # The kernel was shut down on the way out; asyncio's leftovers need not be shown.
            logging.getLogger("asyncio").setLevel(logging.CRITICAL)
            print(f"interrupted while running {name}; what ran is in {os.path.join(os.path.abspath(args.out), name + '.ipynb')}", flush=True)
            return 130
        results.append(result)
        if result["status"] == "passed":
            print(f"ok     {name}: {result['cellsRun']} code cells in {result['seconds']:.1f} s", flush=True)
        else:
            print_failure(result, out_nb)
    def status(r):
        failure = r["failure"] or {}
        return f"{r['status']} at cell {failure['codeCell']}" if failure.get("kind") == "cell" else r["status"]

    width = max(len("notebook"), *(len(r["notebook"]) for r in results))
    status_width = max(len("status"), *(len(status(r)) for r in results))
    print()
    print(f"{'notebook'.ljust(width)}  {'status'.ljust(status_width)}  code cells run  seconds")
    for r in results:
        cells = f"{r['cellsRun']}/{r['codeCells']}"
        print(f"{r['notebook'].ljust(width)}  {status(r).ljust(status_width)}  {cells:>14}  {r['seconds']:>7.1f}")
    failed = [r for r in results if r["status"] != "passed"]
    print(f"notebooks: {len(results) - len(failed)} passed, {len(failed)} failed")
    print(f"executed copies and records in {os.path.abspath(args.out)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
