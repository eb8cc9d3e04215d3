"""Talk to the project's `course-ts` kernel like JupyterLab does and report what it answers.

Usage: kernel_probe.py <notebook dir>. Prints one JSON object: completion matches, an
execution error for a type mistake, and the stdout of a good cell.
"""
import json
import sys

from jupyter_client.manager import start_new_kernel


def reply_to(kc, msg_id):
    while True:
        msg = kc.get_shell_msg(timeout=120)
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg["content"]


def run(kc, code):
    msg_id = kc.execute(code)
    out = {"stdout": "", "error": None, "traceback": [], "results": []}
    while True:
        msg = kc.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out["stdout"] += content["text"]
        elif kind == "error":
            out["error"] = content["ename"] + ": " + content["evalue"]
            out["traceback"] = content["traceback"]
        elif kind == "execute_result":
            out["results"].append(content["data"])
        elif kind == "status" and content["execution_state"] == "idle":
            reply = reply_to(kc, msg_id)
            out["status"] = reply["status"]
            out["replyError"] = reply.get("ename", "") + ": " + reply.get("evalue", "") if reply["status"] == "error" else None
            return out


km, kc = start_new_kernel(kernel_name="course-ts", cwd=sys.argv[1])
try:
    result = {}
    result["import"] = run(kc, 'import { getProfile, backendInfo } from "shoplm";\nconsole.log(getProfile("fast").name);')
    code = 'getProfile("fast").sh'
    result["completion"] = reply_to(kc, kc.complete(code, len(code))).get("matches", [])
    # What `shoplm.` then Tab offers in a notebook: the root API, nothing else.
    run(kc, 'import * as shoplm from "shoplm";')
    code = "shoplm."
    result["namespaceCompletion"] = reply_to(kc, kc.complete(code, len(code))).get("matches", [])
    result["typeError"] = run(kc, 'const n: number = getProfile("fast");')
    # A runtime error on the cell's third line, called from its fifth.
    result["runtimeError"] = run(kc, 'function explode(): never {\n  const why = "on purpose";\n  throw new RangeError(why);\n}\nexplode();')
    result["lastValue"] = run(kc, 'console.log("printed");\nconst answer = 40;\nanswer + 2')
    result["undefinedValue"] = run(kc, 'let nothing: undefined;\nnothing')
    # A definition whose new version does not compile is marked stale until one compiles again.
    stale = 'const stale = globalThis[Symbol.for("shoplm.kernel.staleDefinitions")] as Set<string>;\nconsole.log(JSON.stringify([...stale].sort()))'
    run(kc, "function answer2(x: number): number {\n  return x + 1;\n}")
    run(kc, 'function answer2(x: number): number {\n  return "not done";\n}')
    result["staleAfterBadEdit"] = run(kc, stale)
    run(kc, "function answer2(x: number): number {\n  return x + 2;\n}")
    result["staleAfterFix"] = run(kc, stale)
    # The page a cell runs for: the session of the request's header.
    result["session"] = run(kc, 'console.log((globalThis as Record<symbol, unknown>)[Symbol.for("shoplm.kernel.frontEndSession")])')
    result["clientSession"] = kc.session.session
    reply = reply_to(kc, kc.inspect("getProfile", len("getProfile")))
    result["inspect"] = reply.get("data", {}).get("text/plain", "")
    print(json.dumps(result))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
