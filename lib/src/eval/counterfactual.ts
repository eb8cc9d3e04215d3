/**
 * Off-policy evaluation on the shop's own logs. A small share of searches was shown a uniform
 * shuffle of the logging ranker's top results (policy "shuffle"), so the chance that any one of
 * those k products landed at position 1 is exactly 1/k: a known propensity. For a new re-ranker
 * of the same candidates, the logs then give an unbiased estimate of its click-through rate at
 * the top slot (IPS), without showing it to anyone; the choice model that made the logs gives
 * the truth to compare with.
 */
import { choiceProbabilities, type ChoiceModelParams } from "../data/choice-model";
import type { Query, Split, User } from "../data/records";
import { ShopLookup, type ShopForSimulation } from "./ab-test";
import type { LoggedEvent } from "./offpolicy";

/** Reorders the candidates a search showed (best first). */
export type ReRanker = (query: Query, user: User, candidates: readonly string[]) => readonly string[];

export interface TopSlotLog {
  /** One event per logged shuffled search: was position 1 clicked, and how likely the logger and the target were to put that product there. */
  readonly events: readonly LoggedEvent[];
  /** The target's expected top-slot click-through rate on the same searches, from the choice model. */
  readonly truth: number;
  /** The logged top-slot click-through rate (what the shuffle itself got). */
  readonly logged: number;
  readonly searches: number;
  /** Rewards are clicks: pass `{ rewardRange: log.rewardRange }` to the estimators to check them and clip intervals to [0, 1]. */
  readonly rewardRange: "binary";
}

/**
 * The logged shuffled searches of a split as off-policy events for `target`, with the choice
 * model's truth. Rewards are clicks (0 or 1): pass `{ rewardRange: log.rewardRange }` to
 * `ipsEstimate` / `snipsEstimate` so that their intervals stay within [0, 1]. A split without
 * any shuffled search is an error (nothing to estimate from).
 */
export function topSlotLog(shop: ShopForSimulation, target: ReRanker, options: { split?: Split | "all"; choiceParams?: ChoiceModelParams } = {}): TopSlotLog {
  const lookup = new ShopLookup(shop, "topSlotLog");
  const split = options.split ?? "all";
  const events: LoggedEvent[] = [];
  let truth = 0;
  let clickedTop = 0;
  for (const session of shop.sessions) {
    if (split !== "all" && session.split !== split) continue;
    const user = lookup.user(session);
    const searches = session.events.map((e, i) => ({ e, i })).filter(({ e }) => e.type === "search");
    for (const [n, { e, i }] of searches.entries()) {
      if (e.type !== "search" || e.policy !== "shuffle" || e.shown.length === 0) continue;
      const query = lookup.query(session, e.query);
      // Clicks belong to this search until the next one starts.
      const end = n + 1 < searches.length ? searches[n + 1].i : session.events.length;
      const clicked = session.events.slice(i + 1, end).some((x) => x.type === "click" && x.position === 1);
      const top = target(query, user, e.shown)[0];
      if (top === undefined || !e.shown.includes(top)) throw new Error(`topSlotLog: the target's top product for ${query.id} is ${String(top)}, not one of the shown candidates.`);
      events.push({ reward: clicked ? 1 : 0, loggingProbability: 1 / e.shown.length, targetProbability: e.shown[0] === top ? 1 : 0 });
      truth += choiceProbabilities(user, query, [lookup.product(top, "the target re-ranker")], options.choiceParams)[0].click;
      if (clicked) clickedTop += 1;
    }
  }
  if (events.length === 0) throw new Error(`topSlotLog: no shuffled searches in the "${split}" split; nothing to estimate from.`);
  return { events, truth: truth / events.length, logged: clickedTop / events.length, searches: events.length, rewardRange: "binary" };
}
