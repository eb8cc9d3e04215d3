/**
 * Attribute tags (chapter 2, token classification): for every query and every product title of
 * the shop, its words and one BIO tag per word saying which words carry the brand, colour, size,
 * material, capacity or compatible device.
 *
 * The tags are derived from the records alone, after generation, without drawing a random number:
 * the generator knows each product's brand and attribute values and each query's intent, and the
 * surface forms it can write them in (title casing, unit spellings, synonyms). The rules:
 * - Words: `splitWords` below. A word is a run of letters and digits, with punctuation inside it
 *   kept ("15.6", "USB-C", "men's", "VX-P310"); any other punctuation or symbol is a word of its
 *   own ('15.6"' -> "15.6", '"'). Every word boundary is also a WordPiece pre-tokenizer boundary,
 *   so each word maps to whole sub-tokens.
 * - A span is every occurrence of one of the record's own values (case and accents folded) in one
 *   of the forms the generator writes it in: for titles the title forms ('13"', "13 Inch",
 *   "1.5 Litre"), for queries the value, its synonyms and unit variants ("gray", "17 oz") and the
 *   keyword form ("15 6 inch"). Longer matches win; the product's model line and model number
 *   (and, for an exact-product query, its line) are never tagged, so line "Pulse S" is not a size S.
 * - Words that introduce a value are not part of it: "for" before a device, "Size" in "Size M" and
 *   "Queen Size" are O; units are part of it ("500 ml", '13"').
 * - Attributes outside the six types (feature, style, connectivity, audience) are O, but their
 *   words are claimed first so that "SPF 30" is never half of another span.
 * - Misspelled queries: the tags of the text before the typo (`corrected`), word for word. The
 *   misspelled word keeps the tag of the word it replaces ("blak" is B-colour, "samsnug" B-brand):
 *   the shopper still meant that attribute, and a tagger should find it.
 * - Splits: a query keeps its own split; a product title gets one from a hash of its family (all
 *   variants of one model in one split, 70 / 15 / 15), so no title's sibling leaks into test.
 */
import { sha256Hex } from "../core/hash";
import { keywordTokens } from "./keyword-match";
import { lineOf } from "./queries";
import type { Product, ProductAttributes, Query, Split } from "./records";
import type { AttributeName } from "./taxonomy";
import { valueVariants } from "./vocabulary";

/** The span types tagged, in the order of the tag set. */
export const ATTRIBUTE_TAG_TYPES = ["brand", "colour", "size", "material", "capacity", "compatibleWith"] as const;
export type AttributeTagType = (typeof ATTRIBUTE_TAG_TYPES)[number];

/** The tag set: "O", then B- and I- of each type. */
export const ATTRIBUTE_TAGS: readonly string[] = Object.freeze(["O", ...ATTRIBUTE_TAG_TYPES.flatMap((t) => [`B-${t}`, `I-${t}`])]);

/** One tagged text of `attributes.jsonl.gz`. */
export interface AttributeTagRow {
  readonly source: "query" | "title";
  /** The query id ("q0001") or product id ("p00001"). */
  readonly id: string;
  readonly split: Split;
  /** The query text or product title, as in the record. */
  readonly text: string;
  /** `splitWords(text)`. */
  readonly words: readonly string[];
  /** One tag of ATTRIBUTE_TAGS per word. */
  readonly tags: readonly string[];
}

/** A word and where it sits in the text (UTF-16 offsets, end exclusive), for rendering spans. */
export interface WordSpan {
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

// A word: letters/digits, optionally joined by punctuation to more letters/digits; else one punctuation or symbol character.
const WORD = /[\p{L}\p{N}\p{M}]+(?:[\p{P}\p{S}]+[\p{L}\p{N}\p{M}]+)*|[\p{P}\p{S}]/gu;

/** The words of a text with their offsets (see the module comment for the rule). */
export function wordSpans(text: string): WordSpan[] {
  return [...text.matchAll(WORD)].map((m) => ({ word: m[0], start: m.index as number, end: (m.index as number) + m[0].length }));
}

/** The words of a text: '13" Laptop Sleeve (SN-EC739)' -> 13, ", Laptop, Sleeve, (, SN-EC739, ). */
export function splitWords(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** Case and accents folded, for matching. */
function fold(word: string): string {
  return word.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

const TAGGED: ReadonlySet<string> = new Set(ATTRIBUTE_TAG_TYPES);

/** A value to find: its tag type (null: claimed but tagged O) and the word sequences it can be written as. */
export interface AttributeMention {
  /** null: claimed but tagged O. */
  readonly type: AttributeTagType | null;
  /** Folded word sequences. */
  readonly forms: readonly string[][];
}

function forms(texts: Iterable<string>): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const text of texts) {
    const words = splitWords(text).map(fold);
    const key = words.join(" ");
    if (words.length === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push(words);
  }
  return out;
}

function occurrences(words: readonly string[], form: readonly string[], taken: readonly boolean[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + form.length <= words.length; i++) {
    let ok = true;
    for (let k = 0; k < form.length && ok; k++) ok = !taken[i + k] && words[i + k] === form[k];
    if (ok) out.push(i);
  }
  return out;
}

/**
 * BIO tags for `words`: `reserved` word sequences are claimed first and stay O; then every
 * occurrence of every mention's forms, longest first (ties: mention order, then position), on
 * words not yet claimed.
 */
export function tagMentions(words: readonly string[], mentions: readonly AttributeMention[], reserved: readonly string[][] = []): string[] {
  const folded = words.map(fold);
  const taken = folded.map(() => false);
  const tags = folded.map(() => "O");
  for (const form of reserved) for (const at of occurrences(folded, form, taken)) for (let k = 0; k < form.length; k++) taken[at + k] = true;
  const candidates: Array<{ type: AttributeTagType | null; form: readonly string[]; order: number }> = [];
  mentions.forEach((m, order) => {
    for (const form of m.forms) candidates.push({ type: m.type, form, order });
  });
  candidates.sort((a, b) => b.form.length - a.form.length || a.order - b.order);
  for (const c of candidates) {
    for (const at of occurrences(folded, c.form, taken)) {
      for (let k = 0; k < c.form.length; k++) {
        taken[at + k] = true;
        if (c.type) tags[at + k] = `${k === 0 ? "B" : "I"}-${c.type}`;
      }
    }
  }
  return tags;
}

function attributeMention(name: AttributeName, texts: Iterable<string>): AttributeMention {
  return { type: TAGGED.has(name) ? (name as AttributeTagType) : null, forms: forms(texts) };
}

/** How the catalog generator can write an attribute value in a title (`titleAttribute` in products.ts), minus "for" and "Size". */
function titleForms(name: AttributeName, value: string): string[] {
  if (name === "size") return [value, value.replace(" inch", '"')];
  if (name === "capacity") return [value, value.replace(/ l$/, " litre")];
  return [value];
}

/** The tags of a product title. */
export function tagTitle(product: Pick<Product, "title" | "brand" | "family" | "category" | "model" | "attributes">): string[] {
  const mentions: AttributeMention[] = [{ type: "brand", forms: forms([product.brand]) }];
  for (const [name, value] of Object.entries(product.attributes) as Array<[AttributeName, string | undefined]>) {
    if (value !== undefined) mentions.push(attributeMention(name, titleForms(name, value)));
  }
  return tagMentions(splitWords(product.title), mentions, forms([lineOf(product), product.model]));
}

/** How a shopper can write an attribute value (`queryValue` in queries.ts), and its keyword form (exact-product queries cut from titles). */
function queryForms(name: AttributeName, value: string): string[] {
  const out = [value, ...valueVariants(name, value)];
  return [...out, ...out.map((v) => keywordTokens(v).join(" "))];
}

/** The tags of `text` written from `intent` (the query's text, or its text before the typo). */
function tagQueryText(text: string, intent: Query["intent"]): string[] {
  const mentions: AttributeMention[] = [];
  if (intent.brand) mentions.push({ type: "brand", forms: forms([intent.brand]) });
  const attributes: ProductAttributes = {};
  for (const t of intent.targets) Object.assign(attributes, t.attributes);
  for (const [name, value] of Object.entries(attributes) as Array<[AttributeName, string | undefined]>) {
    if (value !== undefined) mentions.push(attributeMention(name, queryForms(name, value)));
  }
  const category = intent.targets[0]?.category;
  const reserved = intent.family && intent.brand && category ? forms([lineOf({ family: intent.family, brand: intent.brand, category })]) : [];
  return tagMentions(splitWords(text), mentions, reserved);
}

/** The tags of a query; a misspelled query takes the tags of its text before the typo, word for word. */
export function tagQuery(query: Pick<Query, "id" | "text" | "intent" | "corrected">): string[] {
  if (query.corrected === null) return tagQueryText(query.text, query.intent);
  const tags = tagQueryText(query.corrected, query.intent);
  const words = splitWords(query.text);
  if (words.length !== tags.length) {
    throw new Error(`tagQuery: query ${query.id} "${query.text}" has ${words.length} words but its corrected text "${query.corrected}" has ${tags.length}; a typo is expected to change one word, not the word count.`);
  }
  return tags;
}

/** A product's split: a hash of its family (70 % train, 15 % validation, 15 % test); no random draw. */
export function titleSplit(product: Pick<Product, "family">): Split {
  const u = parseInt(sha256Hex(`attribute-split/${product.family}`).slice(0, 8), 16) / 2 ** 32;
  return u < 0.7 ? "train" : u < 0.85 ? "validation" : "test";
}

/** Every query, then every product title, tagged (the rows of `attributes.jsonl.gz`). Pure. */
export function attributeTagRows(world: { readonly products: readonly Product[]; readonly queries: readonly Query[] }): AttributeTagRow[] {
  const rows: AttributeTagRow[] = [];
  for (const q of world.queries) rows.push({ source: "query", id: q.id, split: q.split, text: q.text, words: splitWords(q.text), tags: tagQuery(q) });
  for (const p of world.products) rows.push({ source: "title", id: p.id, split: titleSplit(p), text: p.title, words: splitWords(p.title), tags: tagTitle(p) });
  return rows;
}

/** Spans per type over rows (a span starts at each B- tag; the generator never writes an I- without its B-). */
export function countAttributeSpans(rows: readonly Pick<AttributeTagRow, "tags">[]): Record<AttributeTagType, number> {
  const counts = Object.fromEntries(ATTRIBUTE_TAG_TYPES.map((t) => [t, 0])) as Record<AttributeTagType, number>;
  for (const r of rows) for (const tag of r.tags) if (tag.startsWith("B-")) counts[tag.slice(2) as AttributeTagType]++;
  return counts;
}

const TAG_SET: ReadonlySet<string> = new Set(ATTRIBUTE_TAGS);
const SPLIT_SET: ReadonlySet<string> = new Set(["train", "validation", "test"]);

/**
 * Checks one row's fields; a problem is an error naming `where`, the field and the value found
 * (and, through `locate`, the column of that value in the source line).
 */
export function checkAttributeTagRow(row: unknown, where = "row", locate: (field: string, value: unknown) => string = () => ""): AttributeTagRow {
  const fail = (field: string, value: unknown, expected: string): never => {
    throw new Error(`${where}${locate(field, value)}: field "${field}": expected ${expected}, found ${JSON.stringify(value)}.`);
  };
  if (typeof row !== "object" || row === null || Array.isArray(row)) fail("(row)", row, "a JSON object");
  const r = row as Record<string, unknown>;
  if (r.source !== "query" && r.source !== "title") fail("source", r.source, '"query" or "title"');
  if (typeof r.id !== "string" || r.id === "") fail("id", r.id, "a non-empty id");
  if (typeof r.split !== "string" || !SPLIT_SET.has(r.split)) fail("split", r.split, "train, validation or test");
  if (typeof r.text !== "string" || r.text.trim() === "") fail("text", r.text, "a non-empty text");
  if (!Array.isArray(r.words) || r.words.length === 0) fail("words", r.words, "a non-empty array of words");
  const words = r.words as unknown[];
  words.forEach((w, i) => {
    if (typeof w !== "string" || w === "" || /\s/.test(w)) fail(`words[${i}]`, w, "a word (non-empty, no spaces)");
  });
  if (!Array.isArray(r.tags)) fail("tags", r.tags, "an array of tags");
  const tags = r.tags as unknown[];
  if (tags.length !== words.length) fail("tags", tags, `one tag per word (${words.length} words, ${tags.length} tags)`);
  tags.forEach((t, i) => {
    if (typeof t !== "string" || !TAG_SET.has(t)) fail(`tags[${i}]`, t, `a tag of {${ATTRIBUTE_TAGS.join(", ")}}`);
  });
  return r as unknown as AttributeTagRow;
}

/** Where a JSON value sits in its line: ", column N" (1-based), or "" when it cannot be found. */
function columnOf(line: string, field: string, value: unknown): string {
  const key = field.replace(/\[\d+\]$/, "");
  const keyAt = line.indexOf(`"${key}":`);
  if (value === undefined) return keyAt >= 0 ? `, column ${keyAt + 1}` : "";
  const text = JSON.stringify(value);
  const at = text === undefined ? -1 : line.indexOf(text, Math.max(0, keyAt));
  if (at >= 0) return `, column ${at + 1}`;
  return keyAt >= 0 ? `, column ${keyAt + 1}` : "";
}

/** Parses and checks the rows of an attribute-tags JSON Lines text; errors name the source, line and column. */
export function parseAttributeTags(text: string, source: string): AttributeTagRow[] {
  const rows: AttributeTagRow[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const message = (error as Error).message;
      const position = /position (\d+)/.exec(message);
      const column = position ? Number(position[1]) + 1 : line.length + 1;
      throw new Error(`${source}: line ${i + 1}, column ${column}: expected one JSON object per line, got invalid JSON (${message}).`);
    }
    rows.push(checkAttributeTagRow(value, `${source}: line ${i + 1}`, (field, v) => columnOf(line, field, v)));
  }
  return rows;
}
