/**
 * Flat views of the session logs, the shapes chapters work with: one row per impression
 * (a product shown at a position for a search, with what the user did with it), one row per
 * interaction, and each user's time-ordered item sequence.
 */
import { toMs, isoSecond } from "./calendar";
import type { LoggingPolicy, Session, Split } from "./records";

export interface Impression {
  readonly session: string;
  readonly user: string;
  readonly split: Split;
  /** ISO time of the search. */
  readonly time: string;
  readonly query: string;
  /** 1-based. */
  readonly position: number;
  readonly product: string;
  readonly policy: LoggingPolicy;
  readonly clicked: boolean;
  /** Added to cart after clicking from this result list. */
  readonly carted: boolean;
  /** Bought in this session after clicking from this result list. */
  readonly purchased: boolean;
}

/** One row per shown result of every search. */
export function impressions(sessions: readonly Session[]): Impression[] {
  const rows: Impression[] = [];
  for (const s of sessions) {
    const startMs = toMs(s.start);
    // Purchases come at checkout: credit them to the last result list the product was clicked from.
    const boughtProducts = new Set<string>();
    for (const e of s.events) if (e.type === "purchase") boughtProducts.add(e.product);
    const sessionRows: Array<{ row: Impression; clicked: boolean; carted: boolean }> = [];
    let current: Array<{ row: Impression; clicked: boolean; carted: boolean }> = [];
    const lastClick = new Map<string, { row: Impression; clicked: boolean; carted: boolean }>();
    for (const e of s.events) {
      if (e.type === "search") {
        const time = isoSecond(startMs + e.t * 1000);
        current = e.shown.map((product, i) => ({
          row: { session: s.id, user: s.user, split: s.split, time, query: e.query, position: i + 1, product, policy: e.policy, clicked: false, carted: false, purchased: false },
          clicked: false,
          carted: false,
        }));
        for (const r of current) sessionRows.push(r); // a loop, not push(...x): no argument-count limit
      } else if (e.type === "click") {
        const hit = current[e.position - 1];
        if (hit && hit.row.product === e.product) {
          hit.clicked = true;
          lastClick.set(e.product, hit);
        }
      } else if (e.type === "cart") {
        const hit = lastClick.get(e.product);
        if (hit) hit.carted = true;
      }
    }
    for (const r of sessionRows) {
      const purchased = r.carted && boughtProducts.has(r.row.product) && lastClick.get(r.row.product) === r;
      rows.push({ ...r.row, clicked: r.clicked, carted: r.carted, purchased });
    }
  }
  return rows;
}

export type InteractionType = "click" | "view" | "cart" | "purchase";

export interface Interaction {
  readonly session: string;
  readonly user: string;
  readonly split: Split;
  readonly time: string;
  readonly product: string;
  readonly type: InteractionType;
  /** The search a click came from; null for other interactions. */
  readonly query: string | null;
  /** The clicked position; null for other interactions. */
  readonly position: number | null;
}

/** One row per click, view, add-to-cart and purchase, in session and time order. */
export function interactions(sessions: readonly Session[]): Interaction[] {
  const rows: Interaction[] = [];
  for (const s of sessions) {
    const startMs = toMs(s.start);
    let query: string | null = null;
    for (const e of s.events) {
      if (e.type === "search") {
        query = e.query;
        continue;
      }
      rows.push({
        session: s.id,
        user: s.user,
        split: s.split,
        time: isoSecond(startMs + e.t * 1000),
        product: e.product,
        type: e.type,
        query: e.type === "click" ? query : null,
        position: e.type === "click" ? e.position : null,
      });
    }
  }
  return rows;
}

export interface SequenceOptions {
  /** Keep only sessions of these splits (default: all). */
  readonly splits?: readonly Split[];
  /** Interaction types that count as consuming an item (default: click and view). */
  readonly types?: readonly InteractionType[];
}

/** Each user's items in time order (product pages opened, by default), for next-item recommendation. */
export function userSequences(sessions: readonly Session[], options: SequenceOptions = {}): Map<string, string[]> {
  const types = new Set<InteractionType>(options.types ?? ["click", "view"]);
  const splits = options.splits ? new Set(options.splits) : null;
  const ordered = sessions.slice().sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.id < b.id ? -1 : 1));
  const out = new Map<string, string[]>();
  for (const s of ordered) {
    if (splits && !splits.has(s.split)) continue;
    for (const e of s.events) {
      if (e.type === "search" || !types.has(e.type)) continue;
      const list = out.get(s.user);
      if (list) list.push(e.product);
      else out.set(s.user, [e.product]);
    }
  }
  return out;
}
