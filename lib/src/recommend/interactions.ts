/**
 * Interactions with dense indices, the input of every recommender: from the sequences a loader
 * read (`loadRecSequences`) or from the shop's logged sessions.
 */
import type { UserSequence } from "../data/sequences";
import type { SessionEventType, Session } from "../data/records";
import type { InteractionData } from "./recommender";

/** What to do with the same item twice in a row in one user's sequence. */
export type DuplicateRule = "keep" | "collapse";

export interface InteractionDataOptions {
  /**
   * The catalog, in index order. Items nobody interacted with still get an index (cold-start
   * items are part of a full-catalog ranking). Default: the items the sequences name, in order
   * of first appearance (users in input order, each user's items oldest first).
   */
  readonly items?: readonly string[];
  /**
   * A sequence naming an item that is not in `items`: "error" (default) throws, naming the user,
   * the position and the item; "drop" removes the interaction (and a user left with nothing).
   */
  readonly unknownItems?: "error" | "drop";
  /**
   * "keep" (default): a dataset's own sequence is taken as it is (repeat purchases are real
   * behaviour); "collapse": the same item twice in a row counts once.
   */
  readonly duplicates?: DuplicateRule;
}

function collapse(items: number[]): number[] {
  return items.filter((item, i) => i === 0 || items[i - 1] !== item);
}

/**
 * Dense interactions from users' item sequences. Users keep their input order; a user id seen
 * twice, or a user with an empty sequence, is an error (the loader never produces either).
 */
export function interactionData(sequences: readonly UserSequence[], options: InteractionDataOptions = {}): InteractionData {
  if (!Array.isArray(sequences)) throw new Error(`interactionData: expected an array of { user, items } sequences, got ${typeof sequences}.`);
  const unknown = options.unknownItems ?? "error";
  if (unknown !== "error" && unknown !== "drop") throw new Error(`interactionData: options.unknownItems must be "error" or "drop", got ${JSON.stringify(unknown)}.`);
  const duplicates = options.duplicates ?? "keep";
  if (duplicates !== "keep" && duplicates !== "collapse") throw new Error(`interactionData: options.duplicates must be "keep" or "collapse", got ${JSON.stringify(duplicates)}.`);
  const fixedCatalog = options.items !== undefined;
  const itemIds: string[] = [];
  const itemIndex = new Map<string, number>();
  for (const id of options.items ?? []) {
    if (itemIndex.has(id)) throw new Error(`interactionData: options.items lists item "${id}" twice (positions ${itemIndex.get(id)} and ${itemIds.length}).`);
    itemIndex.set(id, itemIds.length);
    itemIds.push(id);
  }
  const userIds: string[] = [];
  const seen = new Set<string>();
  const out: Int32Array[] = [];
  sequences.forEach((seq, s) => {
    if (seq === null || typeof seq !== "object" || typeof seq.user !== "string" || !Array.isArray(seq.items)) {
      throw new Error(`interactionData: sequence ${s}: expected { user: string, items: string[] }, got ${JSON.stringify(seq)?.slice(0, 80)}.`);
    }
    if (seen.has(seq.user)) throw new Error(`interactionData: user "${seq.user}" appears twice (sequence ${s}); merge the user's items into one sequence.`);
    seen.add(seq.user);
    let items: number[] = [];
    seq.items.forEach((id: string, p: number) => {
      let index = itemIndex.get(id);
      if (index === undefined) {
        if (fixedCatalog) {
          if (unknown === "error") throw new Error(`interactionData: user "${seq.user}", position ${p}: item "${id}" is not in options.items (${itemIds.length} items); pass unknownItems: "drop" to skip such interactions.`);
          return;
        }
        index = itemIds.length;
        itemIndex.set(id, index);
        itemIds.push(id);
      }
      items.push(index);
    });
    if (duplicates === "collapse") items = collapse(items);
    if (items.length === 0) {
      if (seq.items.length === 0) throw new Error(`interactionData: user "${seq.user}" (sequence ${s}) has no items.`);
      return; // every item unknown and dropped
    }
    userIds.push(seq.user);
    out.push(Int32Array.from(items));
  });
  if (itemIds.length === 0) throw new Error("interactionData: no items: the sequences are empty and options.items lists none.");
  return { itemIds, itemIndex, userIds, sequences: out };
}

/** The session events that name a product. */
export type ProductEventType = Exclude<SessionEventType, "search">;

export interface ShopInteractionOptions {
  /**
   * Which events count as an interaction. Default all four: a click, a product page view, an
   * add to cart and a purchase all show interest in the product, and the shop's sessions are
   * short, so dropping the weaker signals would leave most users with too few items to split.
   */
  readonly events?: readonly ProductEventType[];
  /** Default "collapse": a click, then a cart, then a purchase of one product is one interaction. */
  readonly duplicates?: DuplicateRule;
}

/** The shop's shape as this module reads it (a loaded shop or a generated world). */
export interface ShopLog {
  readonly products: readonly { readonly id: string }[];
  readonly users: readonly { readonly id: string }[];
  readonly sessions: readonly Session[];
}

/**
 * Each shop user's products in time order (sessions by start time, events by time within a
 * session). The catalog is every product, in the shop's order, so that products nobody touched
 * are ranked too; users keep the shop's order and those with no interaction are left out
 * (sessions of a user missing from `shop.users` are ignored). A product missing from the catalog
 * is an error naming the session.
 */
export function shopInteractions(shop: ShopLog, options: ShopInteractionOptions = {}): InteractionData {
  const allowed: readonly ProductEventType[] = ["click", "view", "cart", "purchase"];
  const events = new Set<string>(options.events ?? allowed);
  for (const e of events) if (!allowed.includes(e as ProductEventType)) throw new Error(`shopInteractions: options.events: expected some of ${allowed.join(", ")}, got "${e}".`);
  if (events.size === 0) throw new Error("shopInteractions: options.events is empty; name at least one of click, view, cart, purchase.");
  const products = shop.products.map((p) => p.id);
  const known = new Set(products);
  const byUser = new Map<string, Session[]>();
  for (const session of shop.sessions) {
    const list = byUser.get(session.user) ?? [];
    list.push(session);
    byUser.set(session.user, list);
  }
  const sequences: UserSequence[] = [];
  for (const user of shop.users) {
    const sessions = byUser.get(user.id);
    if (!sessions) continue;
    // ISO start times sort as strings; ties keep the log's order (stable sort).
    const ordered = [...sessions].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const items: string[] = [];
    for (const session of ordered) {
      const inTime = session.events.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i);
      for (const { e } of inTime) {
        if (e.type === "search" || !events.has(e.type)) continue;
        if (!known.has(e.product)) throw new Error(`shopInteractions: session ${session.id} (user ${session.user}) names product "${e.product}", which is not in the catalog.`);
        items.push(e.product);
      }
    }
    if (items.length > 0) sequences.push({ user: user.id, items, timestamps: null });
  }
  return interactionData(sequences, { items: products, duplicates: options.duplicates ?? "collapse" });
}
