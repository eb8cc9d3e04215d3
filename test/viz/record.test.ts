import { describe, expect, it } from "vitest";
import { captureDisplay, record, RECORD_MIME, type MimeBundle } from "../../lib/src/viz";

describe("record", () => {
  it("sends the value under its own MIME type and shows the student nothing", () => {
    const seen: MimeBundle[] = [];
    const restore = captureDisplay((bundle) => seen.push(bundle));
    try {
      record("ndcg@10", 0.41);
    } finally {
      restore();
    }
    expect(seen).toEqual([{ [RECORD_MIME]: { name: "ndcg@10", value: 0.41 }, "text/plain": "" }]);
  });

  it("refuses names a JSON key reader would trip on, and numbers that are not finite", () => {
    expect(() => record("a b", 1)).toThrow(/letters, digits/);
    expect(() => record("x", Number.NaN)).toThrow(/must be finite/);
  });
});
