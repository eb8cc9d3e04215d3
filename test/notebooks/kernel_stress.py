"""Stress the course kernel through a real Jupyter client while every core is busy.

Usage: kernel_stress.py KERNEL_NAME CWD ROUNDS UPDATES [TIMEOUT_SECONDS]
Starts one busy-loop process per core, then one kernel, and runs ROUNDS times in a row: a cell
that sends UPDATES display updates (one display_data, then update_display_data) as fast as it
can, then a second cell. Prints one JSON object: per round, what arrived and in what order.
Never hangs: a message that does not come within the timeout ends the run with the reason.
"""
import json
import os
import queue
import subprocess
import sys
import time

import zmq
from jupyter_client.manager import KernelManager

kernel_name, cwd, rounds, updates = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
# Seconds without a message for the cell before the run is declared stuck.
TIMEOUT = float(sys.argv[5]) if len(sys.argv) > 5 else 60

UPDATE_CELL = """import * as tslab from "tslab";
const bar = tslab.newDisplay();
for (let i = 0; i < %d; i++) {
  bar.html(`<progress value="${i + 1}" max="%d"></progress> ${i + 1}`);
}
"round %d: sent"
"""
SECOND_CELL = 'console.log("round %d: second cell");'


DELIM = b"<IDS|MSG>"


def subscribe(km, kc):
    """A plain SUB socket on the kernel's iopub, live once it has seen the status of a request.
    jupyter_client's own iopub channel is not used: its full deserialization (HMAC, dates) costs
    more than the kernel's sending, and this run is about what the kernel sends. No receive
    high-water mark, so that anything missing was lost by the kernel, not by this client."""
    info = km.get_connection_info()
    socket = zmq.Context.instance().socket(zmq.SUB)
    socket.setsockopt(zmq.RCVHWM, 0)
    socket.setsockopt(zmq.SUBSCRIBE, b"")
    socket.connect(f"{info['transport']}://{info['ip']}:{info['iopub_port']}")
    for _ in range(60):  # a subscription takes effect asynchronously (zeromq's slow joiner)
        kc.kernel_info()
        kc.get_shell_msg(timeout=TIMEOUT)
        if socket.poll(1000):
            while socket.poll(200):
                socket.recv_multipart()
            return socket
    raise RuntimeError("the iopub subscription never saw a message")


def next_iopub(socket, timeout):
    """(header, parent, content) of the next iopub message, or None after timeout seconds."""
    if not socket.poll(timeout * 1000):
        return None
    frames = socket.recv_multipart()
    at = frames.index(DELIM)
    header, parent, _metadata, content = (json.loads(part) for part in frames[at + 2:at + 6])
    return header, parent, content


def run_cell(kc, km, iopub, code):
    """Every iopub message of the cell up to its idle status, and the execute_reply."""
    msg_id = kc.execute(code)
    messages, reply, idle = [], None, False
    while not idle:
        msg = next_iopub(iopub, TIMEOUT)
        if msg is None:
            return messages, reply, f"no idle status within {TIMEOUT} s of the last message (kernel alive: {km.is_alive()})"
        header, parent, content = msg
        if parent.get("msg_id") != msg_id:
            continue
        messages.append((header["msg_type"], content))
        idle = header["msg_type"] == "status" and content["execution_state"] == "idle"
    while reply is None:
        try:
            msg = kc.get_shell_msg(timeout=TIMEOUT)
        except queue.Empty:
            return messages, None, f"no execute_reply within {TIMEOUT} s (kernel alive: {km.is_alive()})"
        if msg["parent_header"].get("msg_id") == msg_id:
            reply = msg["content"]
    return messages, reply, None


def check_update_cell(messages, reply, round_number):
    """The problems with the first cell's messages: order, completeness, the reply."""
    problems = []
    kinds = [kind for kind, _ in messages]
    if reply is None or reply.get("status") != "ok":
        problems.append(f"execute_reply {json.dumps(reply)[:300]}")
    displays = [(kind, content) for kind, content in messages if kind in ("display_data", "update_display_data")]
    expected_kinds = ["status", "execute_input"] + ["display_data"] + ["update_display_data"] * (updates - 1) + ["execute_result", "status"]
    if kinds != expected_kinds:
        first = next((i for i, (a, b) in enumerate(zip(kinds, expected_kinds)) if a != b), min(len(kinds), len(expected_kinds)))
        problems.append(f"{len(kinds)} messages, expected {len(expected_kinds)}; first difference at {first}: "
                        f"got {kinds[first:first + 3]}, expected {expected_kinds[first:first + 3]}")
    numbers = []
    for _, content in displays:
        html = content.get("data", {}).get("text/html", "")
        numbers.append(int(html.rsplit(" ", 1)[-1]) if html else None)
    if numbers != list(range(1, updates + 1)):
        missing = updates - len(numbers)
        out_of_order = sum(1 for a, b in zip(numbers, numbers[1:]) if a is None or b is None or b != a + 1)
        problems.append(f"updates: {len(numbers)} of {updates} arrived ({missing} lost), {out_of_order} out of order")
    ids = {content.get("transient", {}).get("display_id") for _, content in displays}
    if len(ids) != 1 or None in ids:
        problems.append(f"display ids {sorted(map(str, ids))[:3]}: expected one")
    results = [content for kind, content in messages if kind == "execute_result"]
    if not results or results[-1]["data"].get("text/plain") != f"'round {round_number}: sent'":
        problems.append(f"execute_result {json.dumps(results)[:200]}")
    return problems


def check_second_cell(messages, reply, round_number):
    problems = []
    if reply is None or reply.get("status") != "ok":
        problems.append(f"second cell execute_reply {json.dumps(reply)[:300]}")
    text = "".join(c["text"] for k, c in messages if k == "stream" and c["name"] == "stdout")
    if text != f"round {round_number}: second cell\n":
        problems.append(f"second cell printed {text!r}")
    return problems


def main():
    cores = os.cpu_count() or 1
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(cores)]
    summary = {"cores": cores, "busyProcesses": len(busy), "rounds": [], "startSeconds": None}
    km = kc = iopub = None
    try:
        started = time.monotonic()
        km = KernelManager(kernel_name=kernel_name)
        km.start_kernel(cwd=cwd)
        kc = km.client()
        kc.start_channels(shell=True, iopub=False, stdin=False, hb=False)
        iopub = subscribe(km, kc)
        summary["startSeconds"] = round(time.monotonic() - started, 2)
        for number in range(1, rounds + 1):
            began = time.monotonic()
            entry = {"round": number, "problems": []}
            messages, reply, stuck = run_cell(kc, km, iopub, UPDATE_CELL % (updates, updates, number))
            entry["updatesArrived"] = sum(1 for k, _ in messages if k in ("display_data", "update_display_data"))
            entry["problems"] += [stuck] if stuck else check_update_cell(messages, reply, number)
            if not stuck:
                messages, reply, stuck = run_cell(kc, km, iopub, SECOND_CELL % number)
                entry["problems"] += [stuck] if stuck else check_second_cell(messages, reply, number)
            entry["kernelAlive"] = km.is_alive()
            entry["seconds"] = round(time.monotonic() - began, 2)
            summary["rounds"].append(entry)
            if stuck or not entry["kernelAlive"]:
                break
    finally:
        for process in busy:
            process.kill()
            process.wait()
        if iopub is not None:
            iopub.close(linger=0)
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            km.shutdown_kernel(now=True)
    print(json.dumps(summary))


main()
