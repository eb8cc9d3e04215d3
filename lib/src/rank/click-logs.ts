/**
 * Click logs for learning to rank: one record per search result page the shop showed (a
 * "search impression"), with the products in the order shown and which of them were clicked.
 * Chapter 0's `impressions()` (data/logs.ts) has one row per shown product; a ranker learns from
 * whole lists, so here the page is the unit.
 *
 * What counts as a click: a `click` event of the same session that comes after the search and
 * before the next search, whose `position` (1-based) and `product` match that search's shown
 * list (the event schema says a click refers to the latest search). A product clicked twice from
 * one page counts once. Views reached by browsing, carts and purchases are not clicks.
 */
import type { LoggingPolicy, Session, Split } from "../data/records";
import { isoSecond, toMs } from "../data/calendar";

export interface SearchImpression {
  readonly session: string;
  readonly user: string;
  /** The session's time-based split. */
  readonly split: Split;
  /** ISO time of the search. */
  readonly time: string;
  /** Query id. */
  readonly query: string;
  /** Shown product ids, top first: `products[i]` was at position i + 1. */
  readonly products: readonly string[];
  /** `clicked[i]`: the product at position i + 1 was clicked from this page. */
  readonly clicked: readonly boolean[];
  /** "ranker": the shop's keyword ranker; "shuffle": a uniform shuffle of its top results (exploration). */
  readonly policy: LoggingPolicy;
}

export interface SearchImpressionOptions {
  /** Keep only sessions of these splits (default: all; use ["train"] to train a ranker). */
  readonly splits?: readonly Split[];
  /** Keep only pages of these policies (default: both). */
  readonly policies?: readonly LoggingPolicy[];
}

/** Every search result page in `sessions` (in session order, then time order), with its clicks. */
export function searchImpressions(sessions: readonly Session[], options: SearchImpressionOptions = {}): SearchImpression[] {
  const splits = options.splits ? new Set(options.splits) : null;
  const policies = options.policies ? new Set(options.policies) : null;
  const out: SearchImpression[] = [];
  for (const s of sessions) {
    if (splits && !splits.has(s.split)) continue;
    const startMs = toMs(s.start);
    let current: { page: SearchImpression; clicked: boolean[] } | null = null;
    const flush = (): void => {
      if (current && (!policies || policies.has(current.page.policy))) out.push({ ...current.page, clicked: current.clicked });
    };
    s.events.forEach((e, k) => {
      if (e.type === "search") {
        flush();
        const clicked = new Array<boolean>(e.shown.length).fill(false);
        current = { page: { session: s.id, user: s.user, split: s.split, time: isoSecond(startMs + e.t * 1000), query: e.query, products: e.shown, clicked, policy: e.policy }, clicked };
      } else if (e.type === "click") {
        if (!current) throw new Error(`searchImpressions: session ${s.id}, event ${k}: a click on "${e.product}" at position ${e.position} comes before any search.`);
        const i = e.position - 1;
        if (current.page.products[i] !== e.product) {
          throw new Error(`searchImpressions: session ${s.id}, event ${k}: a click on "${e.product}" at position ${e.position}, but the page shows "${String(current.page.products[i])}" there.`);
        }
        current.clicked[i] = true;
      }
    });
    flush();
  }
  return out;
}

/** Clicks per position over `pages` (index i is position i + 1), with the pages long enough to show it. */
export function clicksByPosition(pages: readonly SearchImpression[], maxPosition = 10): { readonly shown: number[]; readonly clicks: number[] } {
  if (!Number.isInteger(maxPosition) || maxPosition < 1) throw new RangeError(`clicksByPosition: maxPosition must be a positive integer, got ${String(maxPosition)}.`);
  const shown = new Array<number>(maxPosition).fill(0);
  const clicks = new Array<number>(maxPosition).fill(0);
  for (const page of pages) {
    for (let i = 0; i < Math.min(maxPosition, page.products.length); i++) {
      shown[i] += 1;
      if (page.clicked[i]) clicks[i] += 1;
    }
  }
  return { shown, clicks };
}
