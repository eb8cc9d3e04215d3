/**
 * `npm run recommend` on data it has never seen: small sequence folders in the RecBole atomic
 * layout and the items.json + sequences.json layout (one naming an unknown item), the metrics
 * table, metrics.json and top10.jsonl, and clear errors for bad arguments. Each call runs the
 * project's setup first (a rebuild when the library changed), hence the long timeouts.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "shoplm";

const root = path.resolve(__dirname, "../..");
let dir: string;

function recommend(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, "scripts", "recommend.mjs"), ...args], { encoding: "utf8", cwd: root, timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** 30 users walking through 12 items mostly in order (item i then i + 1), with timestamps. */
function walks(): Array<{ user: string; items: string[] }> {
  const rng = new Rng(8);
  return Array.from({ length: 30 }, (_, u) => {
    let item = rng.int(12);
    const items = Array.from({ length: 3 + rng.int(4) }, () => {
      item = rng.next() < 0.8 ? (item + 1) % 12 : rng.int(12);
      return `it${item}`;
    });
    return { user: `user${u}`, items };
  });
}

describe("npm run recommend on new data", () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "recommend-cli-"));
    const recbole = path.join(dir, "recbole");
    mkdirSync(recbole);
    const lines = ["user_id:token\titem_id:token\ttimestamp:float"];
    walks().forEach(({ user, items }) => items.forEach((item, t) => lines.push(`${user}\t${item}\t${1000 + t}`)));
    writeFileSync(path.join(recbole, "walks.inter"), `${lines.join("\n")}\n`);
    const json = path.join(dir, "json");
    mkdirSync(json);
    const items = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`it${i}`, { title: `Item ${i}`, description: "", brand: "", categories: "" }]));
    const sequences = Object.fromEntries(walks().map(({ user, items: seq }) => [user, seq]));
    sequences.user0 = [...sequences.user0, "ghost"];
    writeFileSync(path.join(json, "items.json"), JSON.stringify(items));
    writeFileSync(path.join(json, "sequences.json"), JSON.stringify(sequences));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("trains and evaluates the requested models on RecBole files and writes metrics.json and top10.jsonl", () => {
    const out = path.join(dir, "out");
    const r = recommend(["--data", path.join(dir, "recbole"), "--model", "popularity,markov-1", "--out", out, "--k", "3"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/30 users, 12 items, \d+ interactions; 30 users evaluated/);
    expect(r.stdout).toMatch(/model\s+HR@3\s+NDCG@3\s+MRR/);
    expect(r.stdout).toMatch(/\npopularity\s+0\.\d{4}/);
    expect(r.stdout).toMatch(/\nmarkov-1\s+0\.\d{4}/);
    expect(readdirSync(out).sort()).toEqual(["metrics.json", "top3.jsonl"]);
    const metrics = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8"));
    expect(metrics.models.map((m: { name: string }) => m.name)).toEqual(["popularity", "markov-1"]);
    const markov = metrics.models[1];
    // The walks are mostly "next item": the chain must beat popularity by far.
    expect(markov.ndcg).toBeGreaterThan(metrics.models[0].ndcg + 0.2);
    expect(markov.byActivity.reduce((a: number, g: { count: number }) => a + g.count, 0)).toBe(30);
    const top = readFileSync(path.join(out, "top3.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(top).toHaveLength(30);
    expect(top[0].top["markov-1"]).toHaveLength(3);
  }, 600_000);

  it("drops an interaction with an unknown item and says so", () => {
    const r = recommend(["--data", path.join(dir, "json"), "--model", "popularity"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/amazon-json; 1 record\(s\) dropped: 1 interaction with an item id not in the item file/);
  }, 600_000);

  it("fails clearly on a missing folder, an unknown model or format, and a bad k", () => {
    const missing = recommend(["--data", path.join(dir, "nowhere")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--data: no file or folder at .*nowhere/);
    expect(recommend(["--data", path.join(dir, "json"), "--k", "0"]).stderr).toMatch(/--k must be a whole number >= 1, got "0"/);
    expect(recommend(["--data", path.join(dir, "json"), "--format", "csv"]).stderr).toMatch(/--format must be one of auto, amazon-json, amazon-reviews, recbole/);
    const unknown = recommend(["--data", path.join(dir, "json"), "--model", "popularity,nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown model "nope"; expected one of popularity, item-knn, markov-1, bpr/);
  }, 600_000);
});
