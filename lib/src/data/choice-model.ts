/**
 * How a shop user reacts to a ranked list: a position-based click model (the examination
 * hypothesis: P(click at k) = P(examine k) x P(attracted | examined); Richardson et al. 2007,
 * Craswell et al. 2008) whose attraction depends on the product's ESCI grade for the query and
 * on the user's hidden preferences, followed by add-to-cart and purchase.
 *
 * Pure: the same user, query and list always give the same probabilities. The sessions in
 * data/ were sampled from it, and chapter 5's A/B simulator calls it with other rankers.
 */
import type { Rng } from "../core/random";
import { esciGrade } from "./esci";
import type { EsciLabel, Product, QueryIntent, User } from "./records";
import { attributeSpec, categoryById } from "./taxonomy";

export interface ChoiceModelParams {
  /** P(examine position k) = 1 / k^positionDecay (k from 1). */
  readonly positionDecay: number;
  /** P(click | examined) for a neutral user, by grade. */
  readonly attraction: Readonly<Record<EsciLabel, number>>;
  /** P(add to cart | click) for a neutral user, by grade. */
  readonly cartGivenClick: Readonly<Record<EsciLabel, number>>;
  /** P(purchase | cart) for a price-indifferent user. */
  readonly purchaseGivenCart: number;
  /** Multiplies the preference utility (0 turns personalisation off). */
  readonly utilityScale: number;
}

export const DEFAULT_CHOICE_PARAMS: ChoiceModelParams = Object.freeze({
  positionDecay: 0.9,
  attraction: Object.freeze({ E: 0.45, S: 0.18, C: 0.06, I: 0.012 }),
  cartGivenClick: Object.freeze({ E: 0.16, S: 0.07, C: 0.05, I: 0.005 }),
  purchaseGivenCart: 0.5,
  utilityScale: 1,
});

/** The product fields the choice model reads. */
export type ChoiceProduct = Pick<Product, "id" | "category" | "brand" | "family" | "attributes" | "price" | "rating">;

export interface ChoiceOutcome {
  readonly product: string;
  /** 1-based. */
  readonly position: number;
  readonly grade: EsciLabel;
  readonly examine: number;
  readonly click: number;
  /** Marginal probabilities: cart <= click, purchase <= cart. */
  readonly cart: number;
  readonly purchase: number;
}

/** log(price / the category's mid-tier median): positive when dearer than usual. */
export function relativePrice(product: Pick<Product, "category" | "price">): number {
  return Math.log(product.price / categoryById(product.category).basePrice);
}

/**
 * How much `user` likes `product` regardless of the query (0 is neutral): favourite categories
 * and brands, attribute tastes (a wrong size or a case for another phone is strongly negative),
 * price against their sensitivity, and rating against how much ratings sway them.
 */
export function userUtility(user: User, product: ChoiceProduct): number {
  const prefs = user.preferences;
  let u = 0;
  for (const c of prefs.categories) if (c.value === product.category) u += 1.2 * c.weight;
  for (const b of prefs.brands) if (b.value === product.brand) u += 0.8 * b.weight;
  const category = categoryById(product.category);
  for (const taste of prefs.attributes) {
    const value = product.attributes[taste.attribute];
    if (value === undefined) continue;
    if (value === taste.value) u += taste.weight;
    else {
      const spec = attributeSpec(category, taste.attribute);
      // The taste only speaks where it applies (shoe size 9 says nothing about T-shirt sizes).
      if (spec && spec.values.includes(taste.value)) u -= taste.weight * (spec.critical ? 2.5 : 0.3);
    }
  }
  u -= (prefs.priceSensitivity - 0.3) * 1.5 * relativePrice(product);
  u += product.rating === null ? -0.2 * prefs.qualitySensitivity : 0.8 * prefs.qualitySensitivity * (product.rating - 4);
  return u;
}

/** 2 * sigmoid(u): 1 for a neutral user, between 0 and 2. */
function lift(u: number): number {
  return 2 / (1 + Math.exp(-u));
}

function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}

/** P(purchase | cart): price-sensitive users abandon dear carts more often. */
export function purchaseGivenCart(user: User, product: ChoiceProduct, params: ChoiceModelParams = DEFAULT_CHOICE_PARAMS): number {
  return clamp(params.purchaseGivenCart * (1 - 0.4 * user.preferences.priceSensitivity * Math.max(0, relativePrice(product))), 0.05, 0.95);
}

/**
 * Click, add-to-cart and purchase probabilities of each product of `ranked` (position 1 first)
 * for `user` who searched `query`. Clicks are independent across positions (position-based model).
 */
export function choiceProbabilities(
  user: User,
  query: { readonly intent: QueryIntent },
  ranked: readonly ChoiceProduct[],
  params: ChoiceModelParams = DEFAULT_CHOICE_PARAMS
): ChoiceOutcome[] {
  return ranked.map((product, i) => {
    const grade = esciGrade(query.intent, product);
    const l = lift(params.utilityScale * userUtility(user, product));
    const examine = 1 / Math.pow(i + 1, params.positionDecay);
    const click = examine * clamp(params.attraction[grade] * l, 0, 0.95);
    const cart = click * clamp(params.cartGivenClick[grade] * l, 0, 0.95);
    return { product: product.id, position: i + 1, grade, examine, click, cart, purchase: cart * purchaseGivenCart(user, product, params) };
  });
}

/** P(add to cart) when `user` opens `product`'s page while browsing (no query): an Exact-grade view scaled down. */
export function browseCartProbability(user: User, product: ChoiceProduct, params: ChoiceModelParams = DEFAULT_CHOICE_PARAMS): number {
  return clamp(0.35 * params.cartGivenClick.E * lift(params.utilityScale * userUtility(user, product)), 0, 0.95);
}

export interface SampledChoices {
  /** 1-based positions, ascending. */
  readonly clicks: number[];
  readonly carts: number[];
  readonly purchases: number[];
}

/** One draw of the user's actions from `outcomes`: click, then cart given click, then purchase given cart. */
export function sampleChoices(outcomes: readonly ChoiceOutcome[], rng: Rng): SampledChoices {
  const clicks: number[] = [];
  const carts: number[] = [];
  const purchases: number[] = [];
  for (const o of outcomes) {
    if (!(rng.next() < o.click)) continue;
    clicks.push(o.position);
    if (!(rng.next() < o.cart / o.click)) continue;
    carts.push(o.position);
    if (o.cart > 0 && rng.next() < o.purchase / o.cart) purchases.push(o.position);
  }
  return { clicks, carts, purchases };
}
