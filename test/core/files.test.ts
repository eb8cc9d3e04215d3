import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFileAtomic, writeFolderAtomically } from "../../lib/src/core/files";

const root = mkdtempSync(path.join(tmpdir(), "shoplm-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("writeFileAtomic", () => {
  it("replaces the content and leaves no temporary file", () => {
    const file = path.join(root, "a.json");
    writeFileAtomic(file, "old");
    writeFileAtomic(file, new TextEncoder().encode("new"));
    expect(readFileSync(file, "utf8")).toBe("new");
    expect(readdirSync(root).filter((f) => f.startsWith(".tmp-"))).toEqual([]);
  });
});

describe("writeFolderAtomically", () => {
  it("replaces the whole folder (old files go) and returns what the writer returned", () => {
    const dir = path.join(root, "model");
    writeFolderAtomically(dir, (f) => writeFileSync(path.join(f, "old.txt"), "1"));
    const result = writeFolderAtomically(dir, (f) => {
      writeFileSync(path.join(f, "new.txt"), "2");
      return 42;
    });
    expect(result).toBe(42);
    expect(readdirSync(dir)).toEqual(["new.txt"]);
    expect(readdirSync(root).filter((f) => f.includes(".partial-") || f.includes(".old-"))).toEqual([]);
  });

  it("a writer that throws leaves the old folder untouched and no partial folder behind", () => {
    const dir = path.join(root, "kept");
    writeFolderAtomically(dir, (f) => writeFileSync(path.join(f, "weights.bin"), "good"));
    expect(() =>
      writeFolderAtomically(dir, (f) => {
        writeFileSync(path.join(f, "weights.bin"), "half");
        throw new Error("disk full");
      })
    ).toThrow("disk full");
    expect(readFileSync(path.join(dir, "weights.bin"), "utf8")).toBe("good");
    expect(readdirSync(root).filter((f) => f.includes(".partial-"))).toEqual([]);
    expect(existsSync(`${dir}.old-${process.pid}`)).toBe(false);
  });
});
