/**
 * Writing so that a reader (or a crash) never sees half a file or half a folder: write beside the
 * target, then rename, which is atomic within one file system.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** Write a file so that readers see the old content or the new, never a part (rename is atomic). */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.tmp-${path.basename(file)}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(tmp, "w");
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

/**
 * Build a folder all or nothing: `write` fills a sibling folder, which then replaces `target`
 * (the old folder is renamed away first and removed last, so `target` is never half written).
 * If `write` throws, the sibling is removed and `target` is left as it was.
 */
export function writeFolderAtomically<T>(target: string, write: (folder: string) => T): T {
  const dir = path.resolve(target);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  let result: T;
  try {
    result = write(partial);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(partial, dir);
  rmSync(old, { recursive: true, force: true });
  return result;
}
