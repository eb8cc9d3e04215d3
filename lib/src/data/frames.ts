/**
 * danfojs DataFrames of the shop's records and of loaded real data: thin conversions at the
 * edge (flat columns, nested fields summarised), for the notebooks' tables and plots. danfojs is
 * loaded on first use, so the rest of the data module does not pay for it.
 */
import type { DataFrame } from "danfojs-node";
import type { SearchJudgment } from "./judgments";
import type { Impression, Interaction } from "./logs";
import type { Judgment, Product, Query, Session, User } from "./records";
import type { ItemText, UserSequence } from "./sequences";
import { ESCI_GAINS } from "./esci";
import { ATTRIBUTE_NAMES } from "./taxonomy";

type Cell = string | number | boolean | null;

function danfo(): typeof import("danfojs-node") {
  return require("danfojs-node") as typeof import("danfojs-node");
}

function cell(value: unknown): Cell {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}

/** A DataFrame with the given columns, in that order, from row objects (nested values become JSON text). */
export function recordsFrame<R extends object>(rows: readonly R[], columns: ReadonlyArray<keyof R & string>): DataFrame {
  const data: Record<string, Cell[]> = {};
  for (const c of columns) data[c] = rows.map((r) => cell(r[c]));
  const { DataFrame: Frame } = danfo();
  return new Frame(data, { columns: [...columns] });
}

/** One row per product; each attribute is a column (null where the category has no such attribute). */
export function productsFrame(products: readonly Product[]): DataFrame {
  const columns = ["id", "title", "brand", "category", "department", "group", "family", "model", "price", "rating", "reviewCount", "launchDate", "popularity", ...ATTRIBUTE_NAMES];
  return recordsFrame<Record<string, Cell>>(
    products.map((p) => ({
      id: p.id,
      title: p.title,
      brand: p.brand,
      category: p.category,
      department: p.categoryPath[0],
      group: p.categoryPath[1],
      family: p.family,
      model: p.model,
      price: p.price,
      rating: p.rating,
      reviewCount: p.reviewCount,
      launchDate: p.launchDate,
      popularity: p.popularity,
      ...Object.fromEntries(ATTRIBUTE_NAMES.map((a) => [a, p.attributes[a] ?? null])),
    })),
    columns
  );
}

/** One row per query: the first target category is the intent label chapter 2 predicts. */
export function queriesFrame(queries: readonly Query[]): DataFrame {
  return recordsFrame(
    queries.map((q) => ({
      id: q.id,
      text: q.text,
      kind: q.kind,
      split: q.split,
      category: q.intent.targets[0]?.category ?? null,
      targets: q.intent.targets.length,
      brand: q.intent.brand,
      need: q.intent.need,
      corrected: q.corrected,
    })),
    ["id", "text", "kind", "split", "category", "targets", "brand", "need", "corrected"]
  );
}

export function judgmentsFrame(judgments: readonly Judgment[]): DataFrame {
  return recordsFrame(
    judgments.map((j) => ({ query: j.query, product: j.product, label: j.label, gain: ESCI_GAINS[j.label] })),
    ["query", "product", "label", "gain"]
  );
}

/** One row per user with the headline of their hidden preferences. */
export function usersFrame(users: readonly User[]): DataFrame {
  return recordsFrame(
    users.map((u) => ({
      id: u.id,
      persona: u.persona,
      joined: u.joined,
      topCategory: u.preferences.categories[0]?.value ?? null,
      topBrand: u.preferences.brands[0]?.value ?? null,
      priceSensitivity: u.preferences.priceSensitivity,
      qualitySensitivity: u.preferences.qualitySensitivity,
      searchPropensity: u.preferences.searchPropensity,
      activity: u.preferences.activity,
    })),
    ["id", "persona", "joined", "topCategory", "topBrand", "priceSensitivity", "qualitySensitivity", "searchPropensity", "activity"]
  );
}

/** One row per session with event counts. */
export function sessionsFrame(sessions: readonly Session[]): DataFrame {
  return recordsFrame(
    sessions.map((s) => {
      const count = (type: string): number => s.events.filter((e) => e.type === type).length;
      return { id: s.id, user: s.user, start: s.start, split: s.split, events: s.events.length, searches: count("search"), clicks: count("click"), views: count("view"), carts: count("cart"), purchases: count("purchase") };
    }),
    ["id", "user", "start", "split", "events", "searches", "clicks", "views", "carts", "purchases"]
  );
}

export function impressionsFrame(rows: readonly Impression[]): DataFrame {
  const columns: Array<keyof Impression> = ["session", "user", "split", "time", "query", "position", "product", "policy", "clicked", "carted", "purchased"];
  return recordsFrame(rows, columns);
}

export function interactionsFrame(rows: readonly Interaction[]): DataFrame {
  return recordsFrame(rows, ["session", "user", "split", "time", "product", "type", "query", "position"]);
}

export function searchJudgmentsFrame(rows: readonly SearchJudgment[]): DataFrame {
  return recordsFrame(rows, ["query", "queryId", "productId", "title", "description", "label", "gain", "original", "group", "source"]);
}

export function itemsFrame(items: readonly ItemText[]): DataFrame {
  return recordsFrame(
    items.map((i) => ({ id: i.id, title: i.title, description: i.description, brand: i.brand, category: i.categories[i.categories.length - 1] ?? null, path: i.categories.join(" > ") })),
    ["id", "title", "description", "brand", "category", "path"]
  );
}

/** One row per user: sequence length and first / last item. */
export function sequencesFrame(sequences: readonly UserSequence[]): DataFrame {
  return recordsFrame(
    sequences.map((s) => ({ user: s.user, length: s.items.length, first: s.items[0] ?? null, last: s.items[s.items.length - 1] ?? null })),
    ["user", "length", "first", "last"]
  );
}
