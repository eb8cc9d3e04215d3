/**
 * What the student release's prose promises holds in the release: every file or folder its
 * markdown names (README, dataset and model cards, the glossary) is there, and every npm command
 * it tells a student to type is one of the release's scripts.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelease } from "shoplm/instructor";

const ROOT = path.resolve(__dirname, "..", "..");

/** Paths a text names in backticks that look like files or folders of the course. */
export function mentionedPaths(markdown: string): string[] {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/`([^`\s]+)`/g)) {
    const p = m[1].replace(/[.,;:]$/, "");
    if (/^(notebooks|lib|data|exercises|scripts|docs|build|vendor|solutions|test|bench)\/[\w./<>-]*$/.test(p) || /^[\w-]+\.(md|json|ipynb)$/.test(p)) out.add(p);
  }
  return [...out];
}

/** `npm run NAME`, `npm start`, `npm test` as a text tells someone to type them. */
export function mentionedCommands(markdown: string): string[] {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/npm (run ([\w:-]+)|start|test)\b/g)) out.add(m[2] ?? m[1]);
  return [...out];
}

function allFiles(dir: string): string[] {
  const found: string[] = [];
  const visit = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name === "node_modules") continue;
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) visit(full);
      else found.push(full);
    }
  };
  visit(dir);
  return found;
}

function markdownFiles(dir: string): string[] {
  return allFiles(dir).filter((f) => f.endsWith(".md"));
}

describe("the student release's documents", () => {
  let tmp: string;
  let release: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "course-release-docs-"));
    release = path.join(tmp, "release");
    buildRelease({ root: ROOT, out: release });
  }, 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("the helpers find what they should", () => {
    expect(mentionedPaths("run `notebooks/setup_check.ipynb`, see `data/README.md` and `build/notebooks/`; not `x + 1`")).toEqual(["notebooks/setup_check.ipynb", "data/README.md", "build/notebooks/"]);
    expect(mentionedCommands("`npm start` then `npm run notebooks -- 00` and npm test")).toEqual(["start", "notebooks", "test"]);
  });

  it("every file and folder named exists in the release (build/ outputs aside), every npm command is a release script", () => {
    const scripts = Object.keys((JSON.parse(readFileSync(path.join(release, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
    const problems: string[] = [];
    for (const file of markdownFiles(release)) {
      const text = readFileSync(file, "utf8");
      const rel = path.relative(release, file);
      for (const p of mentionedPaths(text)) {
        // Written by commands (build/, lib/dist), or a pattern such as data/<profile>.
        if (p.startsWith("build/") || p.startsWith("lib/dist") || p.includes("<")) continue;
        const candidates = [path.join(release, p), path.join(path.dirname(file), p)];
        // A bare file name (`run.json`) names a file somewhere in the folder the text describes.
        const bare = !p.includes("/") && allFiles(path.dirname(file)).some((f) => path.basename(f) === p);
        if (!bare && !candidates.some((c) => existsSync(c))) problems.push(`${rel} names ${p}, which the release does not have`);
      }
      // A card's "command" row records how a figure was made; it is not an instruction to type.
      const instructions = text.split("\n").filter((line) => !/^\|\s*command\s*\|/.test(line)).join("\n");
      for (const c of mentionedCommands(instructions)) if (!scripts.includes(c)) problems.push(`${rel} tells students to run npm ${c === "start" || c === "test" ? c : `run ${c}`}, which the release does not have`);
    }
    expect(problems).toEqual([]);
  });

  it("the student README walks a first session: setup_check, an exercise's three cells, only the answer cell graded, handing in", () => {
    const readme = readFileSync(path.join(release, "README.md"), "utf8");
    expect(readme).toMatch(/setup_check\.ipynb/);
    expect(readme).toMatch(/Only the answer cell is graded/);
    expect(readme).toMatch(/hand in/i);
    expect(readme).not.toMatch(/solutions\/|bench\/|test\//);
  });
});
