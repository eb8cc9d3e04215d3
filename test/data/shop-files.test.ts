import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CARD_BEGIN,
  CARD_END,
  PROFILES,
  QUERY_KINDS,
  checksumLines,
  describeShop,
  generateWorld,
  gzipDeterministic,
  loadShop,
  parseChecksums,
  parseJsonLines,
  readShopFile,
  serializeWorld,
  writeFiles,
  type LoadedShop,
  type ShopStats,
} from "shoplm";

const root = path.resolve(__dirname, "../..");
const dataDir = path.join(root, "data");
const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

let fast: LoadedShop;
let full: LoadedShop;
const stats: Record<string, ShopStats> = {};

beforeAll(() => {
  fast = loadShop("fast");
  full = loadShop("full");
  stats.fast = describeShop(fast);
  stats.full = describeShop(full);
});

describe("shipped data: reproducible byte for byte", () => {
  it("regenerating the fast world in memory gives exactly the shipped bytes", () => {
    const files = serializeWorld(generateWorld(PROFILES.fast.shop), "fast");
    const shipped = readdirSync(path.join(dataDir, "fast")).sort();
    expect([...files.keys()].sort()).toEqual(shipped);
    for (const [name, bytes] of files) {
      const onDisk = readFileSync(path.join(dataDir, "fast", name));
      if (!onDisk.equals(bytes) && name.endsWith(".gz")) {
        // Tell a content change from a zlib that compresses differently.
        const same = gunzipSync(onDisk).equals(gunzipSync(bytes));
        expect.fail(`${name}: bytes differ; uncompressed content ${same ? "is identical (this Node's zlib compresses differently)" : "differs (the generator changed: run npm run data)"}`);
      }
      expect(onDisk.equals(bytes), name).toBe(true);
    }
  });

  it("CHECKSUMS.sha256 lists every shipped file with its sha256", () => {
    const listed = parseChecksums(readFileSync(path.join(dataDir, "CHECKSUMS.sha256"), "utf8"), "CHECKSUMS.sha256");
    const present = ["fast", "full"].flatMap((p) => readdirSync(path.join(dataDir, p)).map((f) => `${p}/${f}`)).sort();
    expect([...listed.keys()].sort()).toEqual(present);
    for (const [name, hex] of listed) expect(sha256(readFileSync(path.join(dataDir, name))), name).toBe(hex);
  });

  it("gzip headers carry no time stamp and a fixed OS byte; the manifest's content hashes hold", () => {
    for (const profile of ["fast", "full"]) {
      const manifest = JSON.parse(readFileSync(path.join(dataDir, profile, "manifest.json"), "utf8")) as { files: Array<{ name: string; rows: number; contentSha256: string }> };
      for (const f of manifest.files) {
        const bytes = readFileSync(path.join(dataDir, profile, f.name));
        expect([bytes[0], bytes[1], bytes[2]]).toEqual([0x1f, 0x8b, 8]);
        expect(bytes.readUInt32LE(4), `${f.name} MTIME`).toBe(0);
        expect(bytes[9], `${f.name} OS`).toBe(3);
        expect(sha256(gunzipSync(bytes)), f.name).toBe(f.contentSha256);
      }
    }
    expect(gzipDeterministic("same").equals(gzipDeterministic("same"))).toBe(true);
  });

  it("is small enough for git (under 40 MB together)", () => {
    let total = 0;
    for (const p of ["fast", "full"]) for (const f of readdirSync(path.join(dataDir, p))) total += statSync(path.join(dataDir, p, f)).size;
    expect(total).toBeLessThan(40e6);
  });
});

describe("shipped data: what the loaders read", () => {
  it("loads both worlds with the profiles' sizes", () => {
    for (const [name, shop] of [["fast", fast], ["full", full]] as const) {
      const s = PROFILES[name].shop;
      expect(shop.settings).toEqual(s);
      expect(shop.products).toHaveLength(s.products);
      expect(shop.queries).toHaveLength(s.queries);
      expect(shop.judgments).toHaveLength(s.queries * s.judgedPerQuery);
      expect(shop.users).toHaveLength(s.users);
    }
    expect(full.products.length).toBeGreaterThanOrEqual(30000);
    expect(full.queries.length).toBeGreaterThanOrEqual(3000);
    expect(full.users.length).toBeGreaterThanOrEqual(10000);
  });

  it("reports a corrupt line and a row count that disagrees with the manifest, naming the file", () => {
    expect(() => parseJsonLines('{"a":1}\n{"a":\n', "x.jsonl")).toThrow(/x\.jsonl: line 2: expected one JSON object per line/);
    const dir = mkdtempSync(path.join(tmpdir(), "shop-"));
    try {
      const files = new Map<string, Buffer>([["manifest.json", Buffer.from(JSON.stringify({ files: [{ name: "users.jsonl.gz", rows: 3, contentSha256: "" }] }))]]);
      files.set("users.jsonl.gz", gzipDeterministic('{"id":"u1"}\n'));
      writeFiles(dir, files);
      expect(() => readShopFile(dir, "users")).toThrow(/users\.jsonl\.gz: the manifest says 3 rows, the file has 1/);
      expect(() => readShopFile(dir, "sessions")).toThrow(/Shop file not found: .*sessions\.jsonl\.gz/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checksum lines are sha256sum's format, sorted", () => {
    const lines = checksumLines(new Map([["b", Buffer.from("x")], ["a", Buffer.from("y")]]));
    expect(lines).toBe(`${sha256(Buffer.from("y"))}  a\n${sha256(Buffer.from("x"))}  b\n`);
    expect(() => parseChecksums("nope  a\n", "C")).toThrow(/C: line 1: expected "<64 hex digits>  <path>"/);
  });
});

/** The generated block of data/README.md as {table title -> row label -> cells}. */
function cardTables(): Map<string, Map<string, string[]>> {
  const card = readFileSync(path.join(dataDir, "README.md"), "utf8");
  const begin = card.indexOf(CARD_BEGIN);
  const end = card.indexOf(CARD_END);
  expect(begin).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(begin);
  const tables = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const line of card.slice(begin, end).split("\n")) {
    const heading = /^### (.+)$/.exec(line);
    if (heading) tables.set(heading[1], (current = new Map()));
    else if (current && line.startsWith("| ") && !line.startsWith("|---")) {
      const cells = line.split("|").slice(1, -1).map((c) => c.trim());
      current.set(cells[0], cells.slice(1));
    }
  }
  return tables;
}

const num = (text: string): number => Number(text.replace(/,/g, "").replace(/%$/, ""));

describe("dataset card (data/README.md)", () => {
  it("states the counts the files hold", () => {
    const counts = cardTables().get("Counts")!;
    const fromFiles = (shop: LoadedShop): Record<string, number> => ({
      products: shop.products.length,
      queries: shop.queries.length,
      judgments: shop.judgments.length,
      users: shop.users.length,
      sessions: shop.sessions.length,
      searches: shop.sessions.reduce((s, x) => s + x.events.filter((e) => e.type === "search").length, 0),
      purchases: shop.sessions.reduce((s, x) => s + x.events.filter((e) => e.type === "purchase").length, 0),
      categories: new Set(shop.products.map((p) => p.category)).size,
      departments: new Set(shop.products.map((p) => p.categoryPath[0])).size,
    });
    const [f, g] = [fromFiles(fast), fromFiles(full)];
    for (const key of Object.keys(f)) {
      expect(counts.get(key), key).toBeDefined();
      expect(num(counts.get(key)![0]), `fast ${key}`).toBe(f[key]);
      expect(num(counts.get(key)![1]), `full ${key}`).toBe(g[key]);
    }
    const kinds = cardTables().get("Queries by kind")!;
    for (const kind of QUERY_KINDS) {
      expect(num(kinds.get(kind)![0])).toBe(fast.queries.filter((q) => q.kind === kind).length);
      expect(num(kinds.get(kind)![1])).toBe(full.queries.filter((q) => q.kind === kind).length);
    }
  });

  it("shows the intended difficulty: keyword search finds far fewer Exact products for synonym and vague queries than for exact ones", () => {
    const table = [...cardTables().entries()].find(([title]) => title.startsWith("Keyword search"))![1];
    for (const [p, profile] of [[0, "fast"], [1, "full"]] as const) {
      const k = stats[profile].keyword;
      for (const kind of QUERY_KINDS) {
        expect(num(table.get(kind)![p * 3]), `${profile} ${kind} recall in the card`).toBeCloseTo(k[kind].exactRecall, 3);
      }
      expect(k["exact-product"].exactRecall).toBeGreaterThan(0.6);
      expect(k.synonym.exactRecall).toBeLessThan(0.5 * k["exact-product"].exactRecall);
      expect(k.vague.exactRecall).toBeLessThan(0.5 * k["exact-product"].exactRecall);
      expect(k.synonym.exactRecall).toBeLessThan(0.2);
      expect(k.vague.exactRecall).toBeLessThan(0.1);
      expect(k.misspelled.exactRecall).toBeLessThan(0.1);
    }
  });

  it("quotes example queries that are in data/fast, under the kind it names", () => {
    const card = readFileSync(path.join(dataDir, "README.md"), "utf8");
    const start = card.indexOf("The kinds (examples from `data/fast`)");
    expect(start).toBeGreaterThan(0);
    const paragraph = card.slice(start, card.indexOf("\n\n", start)).replace(/\s*\n\s*/g, " ");
    const kinds = new Map(fast.queries.map((q) => [q.text, q.kind]));
    let checked = 0;
    for (const section of paragraph.split("**").slice(1)) {
      // Sections alternate: kind name, then its examples.
      if (!(QUERY_KINDS as readonly string[]).includes(section)) continue;
      const examples = paragraph.slice(paragraph.indexOf(`**${section}**`)).split("**")[2];
      for (const m of examples.matchAll(/"([^"]+)"/g)) {
        expect(kinds.get(m[1]), m[1]).toBe(section);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it("shows position bias in the exploration traffic (shuffled lists)", () => {
    for (const profile of ["fast", "full"]) {
      const ctr = stats[profile].ctrByPosition.shuffle;
      expect(ctr[0], profile).toBeGreaterThan(3 * ctr[9]);
    }
  });
});

afterAll(() => {
  // Loaded worlds are large; let them go before the next file.
  fast = undefined as unknown as LoadedShop;
  full = undefined as unknown as LoadedShop;
});
