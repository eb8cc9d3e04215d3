import { describe, expect, it } from "vitest";
import { getProfile, PROFILES, PROFILE_NAMES } from "shoplm";

describe("profiles", () => {
  it("defaults to fast and reads COURSE_PROFILE", () => {
    expect(getProfile(undefined).name).toBe("fast");
    expect(getProfile("").name).toBe("fast");
    expect(getProfile(" full ").name).toBe("full");
    const saved = process.env.COURSE_PROFILE;
    process.env.COURSE_PROFILE = "full";
    try {
      expect(getProfile().name).toBe("full");
    } finally {
      if (saved === undefined) delete process.env.COURSE_PROFILE;
      else process.env.COURSE_PROFILE = saved;
    }
  });

  it("rejects an unknown profile by naming the known ones", () => {
    expect(() => getProfile("fats")).toThrow('Unknown profile "fats": expected one of fast, full.');
    const saved = process.env.COURSE_PROFILE;
    process.env.COURSE_PROFILE = "huge";
    try {
      expect(() => getProfile()).toThrow('Unknown profile "huge" (from COURSE_PROFILE): expected one of fast, full.');
    } finally {
      if (saved === undefined) delete process.env.COURSE_PROFILE;
      else process.env.COURSE_PROFILE = saved;
    }
  });

  it("full is at least as large as fast everywhere, and meets the course's stated minimums", () => {
    expect(PROFILE_NAMES).toEqual(["fast", "full"]);
    const { fast, full } = PROFILES;
    for (const section of ["shop", "model", "train"] as const) {
      for (const [key, value] of Object.entries(fast[section])) {
        if (key === "seed") continue;
        expect(full[section][key as keyof typeof full[typeof section]], `${section}.${key}`).toBeGreaterThanOrEqual(value as number);
      }
    }
    expect(full.shop.products).toBeGreaterThanOrEqual(30000);
    expect(full.shop.queries).toBeGreaterThanOrEqual(3000);
    expect(full.shop.users).toBeGreaterThanOrEqual(10000);
    expect(fast.shop.judgedPerQuery).toBeGreaterThanOrEqual(30);
    expect(fast.model.hiddenSize % fast.model.heads).toBe(0);
    expect(full.model.hiddenSize % full.model.heads).toBe(0);
  });
});
