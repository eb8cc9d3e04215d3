/**
 * The shop's users: each drawn from a persona (runner, home cook, new parent...) with hidden
 * preferences (favourite categories and brands, price and rating sensitivity, attribute tastes
 * such as colour, clothing size or the phone they own) and an activity level. The preferences
 * are shipped so that later chapters can replay the same users against other rankers.
 */
import { Rng } from "../core/random";
import { BRANDS, type PriceTier } from "./brands";
import { LOG_END, LOG_START, addDays, daysBetween, isoDay, toMs } from "./calendar";
import type { AttributeTaste, Preference, User } from "./records";
import { CATEGORIES, DEVICES, categoryById, type AttributeName } from "./taxonomy";

export interface Persona {
  readonly id: string;
  /** Relative share of users. */
  readonly share: number;
  readonly categories: readonly string[];
  /** Vague needs these users search for (NEEDS ids). */
  readonly needs: readonly string[];
  /** Mean price sensitivity (0..1). */
  readonly priceSensitivity: number;
}

export const PERSONAS: readonly Persona[] = [
  { id: "runner", share: 1, priceSensitivity: 0.4, categories: ["running-shoes", "fitness-trackers", "socks", "water-bottles", "smartwatches", "earbuds", "rain-jackets"], needs: ["gym-music", "stay-hydrated", "runner-gift"] },
  { id: "home-cook", share: 1.2, priceSensitivity: 0.5, categories: ["frying-pans", "saucepans", "knife-sets", "cutting-boards", "blenders", "air-fryers", "food-containers", "toasters"], needs: ["first-kitchen", "less-oil", "smoothies", "leftovers"] },
  { id: "coffee-lover", share: 0.8, priceSensitivity: 0.35, categories: ["coffee-makers", "espresso-machines", "coffee-grinders", "mugs", "travel-mugs", "electric-kettles", "vacuum-flasks"], needs: ["keep-coffee-hot", "coffee-lover-gift", "quick-breakfast"] },
  { id: "remote-worker", share: 1.2, priceSensitivity: 0.4, categories: ["office-chairs", "desks", "desk-lamps", "monitors", "webcams", "keyboards", "computer-mice", "laptop-sleeves", "desk-organizers"], needs: ["home-office", "video-calls", "desk-back-pain", "tidy-desk"] },
  { id: "tech-enthusiast", share: 1.3, priceSensitivity: 0.3, categories: ["smartphones", "tablets", "earbuds", "over-ear-headphones", "smartwatches", "power-banks", "phone-chargers", "phone-cases", "screen-protectors", "laptops", "bluetooth-speakers", "tablet-cases"], needs: ["charge-on-the-go", "protect-phone"] },
  { id: "gamer", share: 0.7, priceSensitivity: 0.35, categories: ["keyboards", "computer-mice", "monitors", "over-ear-headphones", "laptops", "webcams"], needs: ["gamer-gift"] },
  { id: "new-parent", share: 0.8, priceSensitivity: 0.45, categories: ["strollers", "car-seats", "diaper-bags", "baby-bottles", "baby-monitors", "plush-toys"], needs: ["baby-shower", "travel-with-baby", "sleep-better"] },
  { id: "dog-owner", share: 0.9, priceSensitivity: 0.5, categories: ["dog-beds", "dog-leashes", "dog-toys", "pet-bowls", "rain-jackets", "umbrellas"], needs: ["new-puppy", "rainy-walks"] },
  { id: "cat-owner", share: 0.6, priceSensitivity: 0.5, categories: ["cat-trees", "litter-boxes", "pet-bowls", "throw-pillows"], needs: ["busy-cat"] },
  { id: "outdoor-adventurer", share: 0.9, priceSensitivity: 0.35, categories: ["tents", "sleeping-bags", "hiking-backpacks", "camping-lanterns", "hiking-boots", "rain-jackets", "water-bottles", "vacuum-flasks", "sunglasses"], needs: ["hiking-trip", "camping-trip", "warm-camping"] },
  { id: "home-fitness", share: 0.8, priceSensitivity: 0.5, categories: ["yoga-mats", "dumbbells", "resistance-bands", "water-bottles", "fitness-trackers", "earbuds"], needs: ["yoga-at-home", "home-strength", "gym-music"] },
  { id: "fashion", share: 1.2, priceSensitivity: 0.45, categories: ["t-shirts", "hoodies", "jeans", "sneakers", "sunglasses", "winter-gloves", "socks", "backpacks"], needs: ["cold-hands", "beach-trip"] },
  { id: "home-decorator", share: 0.9, priceSensitivity: 0.4, categories: ["throw-pillows", "rugs", "floor-lamps", "wall-clocks", "bookshelves", "plant-pots", "string-lights", "bed-sheets"], needs: ["cosy-living-room", "garden-party"] },
  { id: "sleep-and-wellness", share: 0.8, priceSensitivity: 0.4, categories: ["pillows", "duvets", "bed-sheets", "weighted-blankets", "sleep-masks", "bath-towels", "face-moisturizers"], needs: ["sleep-better", "bathroom-refresh"] },
  { id: "diy-gardener", share: 0.8, priceSensitivity: 0.45, categories: ["cordless-drills", "drill-bits", "screwdriver-sets", "garden-hoses", "plant-pots", "pruning-shears", "string-lights"], needs: ["diy-repairs", "balcony-herbs", "garden-party"] },
  { id: "beauty", share: 0.8, priceSensitivity: 0.4, categories: ["face-moisturizers", "sunscreen", "shampoo", "hair-dryers", "electric-toothbrushes", "razors"], needs: ["sun-protection", "beach-trip"] },
  { id: "student", share: 1, priceSensitivity: 0.8, categories: ["backpacks", "notebooks", "pens", "laptops", "earbuds", "desk-lamps", "mugs", "food-containers"], needs: ["back-to-school", "stay-hydrated", "leftovers"] },
  { id: "family-with-kids", share: 0.9, priceSensitivity: 0.55, categories: ["building-blocks", "board-games", "jigsaw-puzzles", "plush-toys", "rc-cars", "bike-helmets", "t-shirts"], needs: ["kids-birthday", "game-night"] },
  { id: "cycle-commuter", share: 0.6, priceSensitivity: 0.4, categories: ["bike-helmets", "rain-jackets", "winter-gloves", "backpacks", "power-banks", "sunglasses"], needs: ["cycle-commute", "cold-hands"] },
  { id: "bargain-hunter", share: 1, priceSensitivity: 0.9, categories: [], needs: [] },
];

const TASTE_COLOURS = ["black", "white", "grey", "navy", "blue", "red", "green", "pink", "beige", "brown", "silver"];
const TASTE_MATERIALS = ["leather", "cotton", "stainless steel", "wood", "bamboo", "ceramic", "wool", "glass", "linen"];
const TASTE_STYLES = ["minimalist", "modern", "vintage", "rustic", "scandinavian", "industrial", "boho", "classic"];
const APPAREL_SIZES = ["XS", "S", "M", "L", "XL", "XXL"];

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function tierFit(tier: PriceTier, priceSensitivity: number): number {
  const level = { budget: 0, mid: 1, premium: 2, luxury: 3 }[tier];
  // Sensitive users lean to budget brands, insensitive ones to premium: a soft match.
  const ideal = 3 * (1 - priceSensitivity);
  return Math.exp(-Math.abs(level - ideal));
}

function drawUser(index: number, width: number, rng: Rng): User {
  const persona = PERSONAS[rng.weightedIndex(PERSONAS.map((p) => p.share))];
  const pool = persona.categories.length > 0 ? persona.categories.slice() : rng.sample(CATEGORIES.map((c) => c.id), 10);
  const keep = Math.min(pool.length, 3 + rng.int(4));
  const picked = rng.sample(pool, keep);
  // One or two categories from outside the persona: people are not stereotypes.
  const outside = CATEGORIES.map((c) => c.id).filter((id) => !picked.includes(id));
  const extra = rng.sample(outside, 1 + rng.int(2));
  const strengths = rng.dirichlet(picked.map(() => 1));
  const top = strengths.reduce((m, x) => Math.max(m, x), -Infinity);
  const categories: Preference[] = [
    ...picked.map((value, i) => ({ value, weight: round3(Math.max(0.05, strengths[i] / top)) })),
    ...extra.map((value) => ({ value, weight: round3(0.05 + 0.15 * rng.next()) })),
  ].sort((p, q) => q.weight - p.weight || (p.value < q.value ? -1 : 1));

  const priceSensitivity = round3(clamp01(persona.priceSensitivity + rng.normal(0, 0.15)));
  const departments = new Set(categories.slice(0, 4).map((c) => categoryById(c.value).department));
  const candidates = BRANDS.filter((b) => b.departments.some((d) => departments.has(d)));
  const nBrands = Math.min(candidates.length, 1 + rng.int(3));
  const brands: Preference[] = [];
  const remaining = candidates.slice();
  for (let k = 0; k < nBrands; k++) {
    const i = rng.weightedIndex(remaining.map((b) => b.share * tierFit(b.tier, priceSensitivity)));
    brands.push({ value: remaining[i].name, weight: round3(0.3 + 0.7 * rng.next()) });
    remaining.splice(i, 1);
  }
  brands.sort((p, q) => q.weight - p.weight || (p.value < q.value ? -1 : 1));

  const tastes: AttributeTaste[] = [];
  const addTaste = (attribute: AttributeName, value: string, weight: number): void => {
    tastes.push({ attribute, value, weight: round3(weight) });
  };
  for (const colour of rng.sample(TASTE_COLOURS, 1 + rng.int(2))) addTaste("colour", colour, 0.2 + 0.5 * rng.next());
  if (rng.next() < 0.5) addTaste("material", rng.choice(TASTE_MATERIALS), 0.2 + 0.4 * rng.next());
  if (rng.next() < 0.4) addTaste("style", rng.choice(TASTE_STYLES), 0.2 + 0.4 * rng.next());
  // What they own or wear: strong tastes, wrong ones make a product useless to them.
  if (rng.next() < 0.85) addTaste("compatibleWith", rng.choice(DEVICES.filter((d) => d.kind === "phone")).name, 1);
  if (rng.next() < 0.3) addTaste("compatibleWith", rng.choice(DEVICES.filter((d) => d.kind === "tablet")).name, 1);
  if (rng.next() < 0.3) addTaste("compatibleWith", rng.choice(DEVICES.filter((d) => d.kind === "watch")).name, 1);
  addTaste("size", APPAREL_SIZES[Math.min(5, Math.max(0, Math.round(2.5 + rng.normal(0, 1.1))))], 1);
  addTaste("size", String(Math.min(12, Math.max(5, Math.round(8.5 + rng.normal(0, 1.6))))), 1);

  // Most users were customers before the log; a fifth join during it (cold-start users).
  const joined = rng.next() < 0.8 ? addDays("2021-01-01", rng.int(daysBetween("2021-01-01", LOG_START.slice(0, 10)))) : isoDay(toMs(LOG_START) + rng.next() * (toMs(LOG_END) - toMs(LOG_START) - 86_400_000));

  return {
    id: `u${String(index + 1).padStart(width, "0")}`,
    persona: persona.id,
    joined,
    preferences: {
      categories,
      brands,
      priceSensitivity,
      qualitySensitivity: round3(rng.beta(2, 2)),
      attributes: tastes,
      searchPropensity: round3(clamp01(rng.beta(6, 3))),
      // Log-normal activity with mean 1: a few heavy users, many light ones.
      activity: round3(Math.exp(rng.normal(-0.32, 0.8))),
    },
  };
}

/** `count` users, deterministic from `seed`. */
export function generateUsers(count: number, seed: number): User[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`generateUsers: expected a positive integer count, got ${count}.`);
  const rng = new Rng(`${seed}/users`);
  const width = Math.max(5, String(count).length);
  return Array.from({ length: count }, (_, i) => drawUser(i, width, rng));
}
