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
    out = {"stdout": "", "error": None}
    while True:
        msg = kc.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out["stdout"] += content["text"]
        elif kind == "error":
            out["error"] = content["ename"] + ": " + content["evalue"]
        elif kind == "status" and content["execution_state"] == "idle":
            out["status"] = reply_to(kc, msg_id)["status"]
            return out


km, kc = start_new_kernel(kernel_name="course-ts", cwd=sys.argv[1])
try:
    result = {}
    result["import"] = run(kc, 'import { getProfile, backendInfo } from "shoplm";\nconsole.log(getProfile("fast").name);')
    code = 'getProfile("fast").sh'
    result["completion"] = reply_to(kc, kc.complete(code, len(code))).get("matches", [])
    result["typeError"] = run(kc, 'const n: number = getProfile("fast");')
    reply = reply_to(kc, kc.inspect("getProfile", len("getProfile")))
    result["inspect"] = reply.get("data", {}).get("text/plain", "")
    print(json.dumps(result))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
