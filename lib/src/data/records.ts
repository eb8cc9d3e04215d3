/**
 * The record types of the generated shop, exactly as they are stored (one JSON object per line
 * in data/<profile>/*.jsonl.gz). The dataset card (data/README.md) documents the same schema.
 */
import type { AttributeName } from "./taxonomy";

export type ProductAttributes = Partial<Record<AttributeName, string>>;

export interface Product {
  /** "p00001"; ids are assigned after shuffling, so they carry no category information. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly brand: string;
  /** Leaf category id ("earbuds"). */
  readonly category: string;
  /** [department, group, leaf name]. */
  readonly categoryPath: readonly string[];
  /** Products of one family are variants of one model (same brand and line, other colour or size). */
  readonly family: string;
  /** Model number as printed on the box ("VX-P310"). */
  readonly model: string;
  /** One value per attribute of the category, keys in taxonomy order. */
  readonly attributes: ProductAttributes;
  /** USD. */
  readonly price: number;
  /** Mean star rating (1 decimal), null when there are no reviews. */
  readonly rating: number | null;
  readonly reviewCount: number;
  /** YYYY-MM-DD; some products launch during the logged period (cold start). */
  readonly launchDate: string;
  /** Relative demand (catalog mean 1), long-tailed; the sessions draw from it. */
  readonly popularity: number;
}

/** The six query kinds; each query is labelled with the one that made it. */
export type QueryKind = "exact-product" | "category-attribute" | "synonym" | "vague" | "misspelled" | "brand";

export const QUERY_KINDS: readonly QueryKind[] = ["exact-product", "category-attribute", "synonym", "vague", "misspelled", "brand"];

/** One category the shopper would accept, with the attribute values they asked for. */
export interface IntentTarget {
  readonly category: string;
  readonly attributes: ProductAttributes;
}

/**
 * What the shopper wants, in the shop's own terms (hidden from rankers; the ESCI grades and the
 * user-choice model are computed from it). Chapter 2's intent classifier predicts `targets[0].category`.
 */
export interface QueryIntent {
  /** Acceptable categories (several for vague needs; all of a brand's categories for brand-only queries). */
  readonly targets: readonly IntentTarget[];
  readonly brand: string | null;
  /** For exact-product queries: the family (model) asked for. */
  readonly family: string | null;
  /** The query names only a brand: other brands are Irrelevant, not Substitutes. */
  readonly brandOnly: boolean;
  /** For vague queries: the need ("keep-coffee-hot"); null otherwise. */
  readonly need: string | null;
}

export type Split = "train" | "validation" | "test";

export const SPLITS: readonly Split[] = ["train", "validation", "test"];

export interface Query {
  /** "q0001". */
  readonly id: string;
  /** What the shopper typed (lower case, as typed). */
  readonly text: string;
  readonly kind: QueryKind;
  readonly intent: QueryIntent;
  /** Random split of the query set (stratified by kind), for models trained on judgments. */
  readonly split: Split;
  /** For misspelled queries: the text before the typo; null otherwise. */
  readonly corrected: string | null;
}

/** ESCI labels: Exact, Substitute, Complement, Irrelevant. */
export type EsciLabel = "E" | "S" | "C" | "I";

export interface Judgment {
  readonly query: string;
  readonly product: string;
  readonly label: EsciLabel;
}

export interface Preference {
  readonly value: string;
  /** Strength in (0, 1]. */
  readonly weight: number;
}

export interface AttributeTaste {
  readonly attribute: AttributeName;
  readonly value: string;
  readonly weight: number;
}

/** A user's hidden preferences: what the choice model reads. Never a feature for a model. */
export interface UserPreferences {
  /** Favourite leaf categories, strongest first. */
  readonly categories: readonly Preference[];
  /** Favoured brands. */
  readonly brands: readonly Preference[];
  /** 0 (indifferent to price) .. 1 (very price sensitive). */
  readonly priceSensitivity: number;
  /** How much ratings sway them, 0..1. */
  readonly qualitySensitivity: number;
  readonly attributes: readonly AttributeTaste[];
  /** Share of sessions that start with a search (the rest start by browsing). */
  readonly searchPropensity: number;
  /** Relative activity (mean 1 over users): scales the number of sessions. */
  readonly activity: number;
}

export interface User {
  /** "u00001". */
  readonly id: string;
  /** The persona the preferences were drawn from ("runner", "home-cook"...). */
  readonly persona: string;
  /** YYYY-MM-DD; users who join during the log are cold-start users. */
  readonly joined: string;
  readonly preferences: UserPreferences;
}

/** Which ranking produced a result list: the shop's keyword ranker, or a uniform shuffle of its top results (exploration traffic). */
export type LoggingPolicy = "ranker" | "shuffle";

export type SessionEvent =
  | { readonly t: number; readonly type: "search"; readonly query: string; readonly shown: readonly string[]; readonly policy: LoggingPolicy }
  | { readonly t: number; readonly type: "click"; readonly product: string; readonly position: number }
  | { readonly t: number; readonly type: "view"; readonly product: string }
  | { readonly t: number; readonly type: "cart"; readonly product: string }
  | { readonly t: number; readonly type: "purchase"; readonly product: string };

export type SessionEventType = SessionEvent["type"];

export interface Session {
  /** "s000001". */
  readonly id: string;
  readonly user: string;
  /** ISO time, UTC, seconds precision. */
  readonly start: string;
  /** Time-based split of the start time. */
  readonly split: Split;
  /**
   * In time order; `t` is seconds since `start`. A click refers to the latest search and its
   * 1-based position in that search's `shown` list; a view is a product page reached by browsing.
   */
  readonly events: readonly SessionEvent[];
}
