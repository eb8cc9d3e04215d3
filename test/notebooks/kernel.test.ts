/**
 * The library as seen from a notebook: the project's kernel spec starts tslab, which imports
 * "shoplm" from notebooks/ and sees its types (completion, type errors, inspection).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

describe("the course kernel", () => {
  it("imports the library in a notebook folder, completes its members and reports type errors", () => {
    const probe = spawnSync("/usr/bin/python3", [path.join(__dirname, "kernel_probe.py"), path.join(root, "notebooks")], {
      env: { ...process.env, JUPYTER_PATH: path.join(root, ".jupyter-course") },
      encoding: "utf8",
      timeout: 240_000,
    });
    expect(probe.status, probe.stderr).toBe(0);
    const result = JSON.parse(probe.stdout.trim().split("\n").at(-1)!) as {
      import: { stdout: string; error: string | null };
      completion: string[];
      typeError: { stdout: string; status: string };
      inspect: string;
    };
    expect(result.import.error).toBeNull();
    expect(result.import.stdout.trim()).toBe("fast");
    expect(result.completion).toContain("shop");
    // tslab prints the compiler's message and fails the cell.
    expect(result.typeError.stdout).toContain("Type 'Profile' is not assignable to type 'number'");
    expect(result.typeError.status).toBe("error");
    expect(result.inspect).toMatch(/getProfile\(name\?: string/);
  }, 300_000);
});
