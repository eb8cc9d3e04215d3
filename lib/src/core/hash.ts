/** SHA-256 as lowercase hex: checkpoints, shop files, notebook locks, grading fingerprints, caches. */
import { createHash } from "node:crypto";

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
