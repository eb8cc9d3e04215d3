/**
 * An A/B test on the shop's simulated users. The logged sessions of a split are replayed: each
 * session is assigned to control or treatment by a seeded coin (the randomisation unit is the
 * session), every search in it is answered by that arm's ranker, and the user's clicks, carts
 * and purchases are drawn from the same user-choice model that generated the logs (hidden
 * preferences, ESCI grade, position bias). Because the model is known, each arm also reports
 * its exact expected value on the same sessions: the truth the noisy test estimates.
 *
 * Conventions: options are checked, never coerced (alpha in (0, 1), listLength and
 * maxSessions whole numbers >= 1). An arm that receives no session is an error (there is
 * nothing to compare); an arm of one session has intervals (-Infinity, Infinity) and a
 * "variance-not-estimable" warning; a rate of 0 or 1 in an arm gives a zero-width Wald
 * interval, flagged "zero-variance". `warnings` collects these for both arms.
 */
import { Rng, type Seed } from "../core/random";
import { choiceProbabilities, sampleChoices, type ChoiceModelParams } from "../data/choice-model";
import type { Product, Query, Session, Split, User } from "../data/records";
import { normalQuantile, normalSf } from "./distributions";
import { twoProportionZTest, type ProportionTest } from "./power";
import { checkAlpha, checkChoice, optionalNumber, shown, type EvalWarning } from "./validate";

/** A ranker: the product ids to show for `query` to `user`, best first. */
export type Ranker = (query: Query, user: User) => readonly string[];

export interface ShopForSimulation {
  readonly products: readonly Product[];
  readonly queries: readonly Query[];
  readonly users: readonly User[];
  readonly sessions: readonly Session[];
}

export interface AbTestOptions {
  readonly seed: Seed;
  /** Which logged sessions to replay (default "test": the period after the training data). */
  readonly split?: Split | "all";
  /** Replay at most this many sessions (default all of the split). */
  readonly maxSessions?: number;
  /** Results shown per search (default 10). */
  readonly listLength?: number;
  readonly alpha?: number;
  readonly choiceParams?: ChoiceModelParams;
}

export interface Estimate {
  readonly value: number;
  readonly interval: readonly [number, number];
}

export interface ArmResult {
  readonly sessions: number;
  readonly searches: number;
  /** Share of sessions with at least one click. */
  readonly clickThrough: Estimate;
  /** Share of sessions with at least one purchase. */
  readonly conversion: Estimate;
  readonly revenuePerSession: Estimate;
  /** The exact expected values on this arm's sessions, from the choice model. */
  readonly expected: { readonly clickThrough: number; readonly conversion: number; readonly revenuePerSession: number };
}

export interface AbTestResult {
  readonly control: ArmResult;
  readonly treatment: ArmResult;
  readonly clickThrough: ProportionTest;
  readonly conversion: ProportionTest;
  /** Welch (unpooled) normal test of the revenue difference, treatment minus control. */
  readonly revenue: { readonly difference: number; readonly interval: readonly [number, number]; readonly pValue: number };
  /** Problems with the per-arm intervals (see the module comment); empty when there are none. */
  readonly warnings: readonly EvalWarning[];
}

/** The shop's records by id, with lookups whose errors say which session named what. */
export class ShopLookup {
  private readonly products: ReadonlyMap<string, Product>;
  private readonly queries: ReadonlyMap<string, Query>;
  private readonly users: ReadonlyMap<string, User>;

  constructor(shop: ShopForSimulation, private readonly what: string) {
    this.products = new Map(shop.products.map((p) => [p.id, p]));
    this.queries = new Map(shop.queries.map((q) => [q.id, q]));
    this.users = new Map(shop.users.map((u) => [u.id, u]));
  }

  user(session: Session): User {
    const user = this.users.get(session.user);
    if (!user) throw new Error(`${this.what}: session ${session.id} names user ${session.user}, who is not in the shop.`);
    return user;
  }

  query(session: Session, id: string): Query {
    const query = this.queries.get(id);
    if (!query) throw new Error(`${this.what}: session ${session.id} searches ${id}, which is not in the shop's queries.`);
    return query;
  }

  /** `from` names who returned the id ("the control ranker"), `context` what for (" for q0012"). */
  product(id: string, from: string, context = ""): Product {
    const product = this.products.get(id);
    if (!product) throw new Error(`${this.what}: ${from} returned "${id}"${context}, which is not a product of the shop.`);
    return product;
  }
}

interface SessionOutcome {
  clicked: boolean;
  converted: boolean;
  revenue: number;
  pClick: number;
  pConvert: number;
  expectedRevenue: number;
  searches: number;
}

function proportion(successes: number, n: number, z: number): Estimate {
  const p = successes / n;
  if (n < 2) return { value: p, interval: [-Infinity, Infinity] };
  const se = Math.sqrt((p * (1 - p)) / n);
  return { value: p, interval: [p - z * se, p + z * se] };
}

function armWarnings(name: string, arm: ArmResult): EvalWarning[] {
  if (arm.sessions < 2) {
    return [{ code: "variance-not-estimable", message: `the ${name} arm has ${arm.sessions} session: its intervals cannot be estimated and are (-Infinity, Infinity).` }];
  }
  const out: EvalWarning[] = [];
  for (const [metric, e] of [["click-through", arm.clickThrough], ["conversion", arm.conversion], ["revenue per session", arm.revenuePerSession]] as const) {
    if (e.interval[0] === e.interval[1]) {
      out.push({ code: "zero-variance", message: `the ${name} arm's ${metric} is the same in every session (${e.value}), so its interval has width 0; that is not certainty.` });
    }
  }
  return out;
}

function meanVar(xs: readonly number[]): { mean: number; variance: number } {
  const n = xs.length;
  const mean = n > 0 ? xs.reduce((s, x) => s + x, 0) / n : 0;
  const variance = n > 1 ? xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, variance };
}

function summarise(outcomes: readonly SessionOutcome[], z: number): ArmResult {
  const n = outcomes.length;
  const revenue = meanVar(outcomes.map((o) => o.revenue));
  const se = n > 1 ? Math.sqrt(revenue.variance / n) : Infinity;
  const avg = (f: (o: SessionOutcome) => number) => (n > 0 ? outcomes.reduce((s, o) => s + f(o), 0) / n : 0);
  return {
    sessions: n,
    searches: outcomes.reduce((s, o) => s + o.searches, 0),
    clickThrough: proportion(outcomes.filter((o) => o.clicked).length, n, z),
    conversion: proportion(outcomes.filter((o) => o.converted).length, n, z),
    revenuePerSession: { value: revenue.mean, interval: [revenue.mean - z * se, revenue.mean + z * se] },
    expected: { clickThrough: avg((o) => o.pClick), conversion: avg((o) => o.pConvert), revenuePerSession: avg((o) => o.expectedRevenue) },
  };
}

/** Replay the split's sessions with `control` and `treatment` and compare them. */
export function simulateAbTest(shop: ShopForSimulation, control: Ranker, treatment: Ranker, options: AbTestOptions): AbTestResult {
  const what = "simulateAbTest";
  if (options === null || typeof options !== "object") throw new Error(`${what}: options must be an object with a seed, got ${shown(options)}.`);
  if (typeof control !== "function" || typeof treatment !== "function") throw new Error(`${what}: control and treatment must be rankers (functions), got ${shown(control)} and ${shown(treatment)}.`);
  const listLength = optionalNumber(what, "listLength", options.listLength, 10, { integer: true, min: 1 });
  const alpha = checkAlpha(what, options.alpha);
  const z = normalQuantile(1 - alpha / 2);
  const lookup = new ShopLookup(shop, what);
  const split = checkChoice(what, "split", options.split, ["train", "validation", "test", "all"], "test");
  const maxSessions = optionalNumber(what, "maxSessions", options.maxSessions, Infinity, { integer: true, min: 1 });
  let sessions = shop.sessions.filter((s) => (split === "all" || s.split === split) && s.events.some((e) => e.type === "search"));
  if (maxSessions !== Infinity) sessions = sessions.slice(0, maxSessions);
  if (sessions.length < 2) throw new Error(`simulateAbTest: the "${split}" split has ${sessions.length} sessions with a search; at least 2 are needed.`);
  const assign = new Rng(`${options.seed}/assignment`);
  const behave = new Rng(`${options.seed}/behaviour`);
  const arms: { control: SessionOutcome[]; treatment: SessionOutcome[] } = { control: [], treatment: [] };
  for (const session of sessions) {
    const user = lookup.user(session);
    const arm = assign.next() < 0.5 ? "control" : "treatment";
    const ranker = arm === "control" ? control : treatment;
    const outcome: SessionOutcome = { clicked: false, converted: false, revenue: 0, pClick: 0, pConvert: 0, expectedRevenue: 0, searches: 0 };
    let noClick = 1;
    let noPurchase = 1;
    for (const event of session.events) {
      if (event.type !== "search") continue;
      const query = lookup.query(session, event.query);
      const shown = ranker(query, user).slice(0, listLength).map((id) => lookup.product(id, `the ${arm} ranker`, ` for ${query.id}`));
      const probabilities = choiceProbabilities(user, query, shown, options.choiceParams);
      const drawn = sampleChoices(probabilities, behave);
      outcome.searches += 1;
      if (drawn.clicks.length > 0) outcome.clicked = true;
      if (drawn.purchases.length > 0) outcome.converted = true;
      for (const position of drawn.purchases) outcome.revenue += shown[position - 1].price;
      for (const [i, o] of probabilities.entries()) {
        noClick *= 1 - o.click;
        noPurchase *= 1 - o.purchase;
        outcome.expectedRevenue += o.purchase * shown[i].price;
      }
    }
    outcome.pClick = 1 - noClick;
    outcome.pConvert = 1 - noPurchase;
    arms[arm].push(outcome);
  }
  for (const arm of ["control", "treatment"] as const) {
    if (arms[arm].length === 0) throw new Error(`${what}: the ${arm} arm received none of the ${sessions.length} sessions; replay more sessions (maxSessions) to compare two arms.`);
  }
  const c = summarise(arms.control, z);
  const t = summarise(arms.treatment, z);
  const count = (xs: SessionOutcome[], f: (o: SessionOutcome) => boolean) => xs.filter(f).length;
  const rc = meanVar(arms.control.map((o) => o.revenue));
  const rt = meanVar(arms.treatment.map((o) => o.revenue));
  const se = Math.sqrt(rc.variance / Math.max(1, c.sessions) + rt.variance / Math.max(1, t.sessions));
  const difference = rt.mean - rc.mean;
  return {
    control: c,
    treatment: t,
    clickThrough: twoProportionZTest(count(arms.control, (o) => o.clicked), c.sessions, count(arms.treatment, (o) => o.clicked), t.sessions, { alpha }),
    conversion: twoProportionZTest(count(arms.control, (o) => o.converted), c.sessions, count(arms.treatment, (o) => o.converted), t.sessions, { alpha }),
    revenue: { difference, interval: [difference - z * se, difference + z * se], pValue: se > 0 ? Math.min(1, 2 * normalSf(Math.abs(difference) / se)) : 1 },
    warnings: [...armWarnings("control", c), ...armWarnings("treatment", t)],
  };
}
