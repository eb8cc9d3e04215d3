/**
 * Cleanup at the next start (issue 15): where the parent-death signal is missing, a run ends the
 * processes an earlier grader left on the same view before it uses the view. Only processes whose
 * command line names that exact view are touched.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { killLeftoverSandboxes } from "shoplm/instructor";

function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe.skipIf(process.platform !== "linux")("sandboxes left by a grader stopped by kill -9", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "grading-leftovers-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("are ended, with their process group; a process naming another view is left alone", async () => {
    const view = path.join(tmp, "out", ".sandbox-view");
    const other = path.join(tmp, "other", ".sandbox-view");
    // Stand-ins for `unshare ... sh -c SCRIPT sh <view> ...` and its child, in their own group.
    const left = spawn("sh", ["-c", "sleep 300 & wait", "sh", view], { detached: true, stdio: "ignore" });
    const kept = spawn("sh", ["-c", "sleep 300", "sh", other], { detached: true, stdio: "ignore" });
    const leftExit = new Promise((r) => left.on("exit", r));
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(killLeftoverSandboxes(view)).toBe(1);
      await leftExit;
      expect(alive(left.pid!)).toBe(false);
      expect(alive(kept.pid!)).toBe(true);
      expect(killLeftoverSandboxes(view)).toBe(0);
    } finally {
      for (const p of [left, kept]) {
        try {
          process.kill(-p.pid!, "SIGKILL");
        } catch {
          // gone
        }
      }
    }
  });
});
