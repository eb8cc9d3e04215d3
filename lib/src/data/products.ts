/**
 * The catalog generator: product families (one brand, one model line) with variants that differ
 * in colour, size, capacity or compatible device, priced by category, brand tier and capacity,
 * rated by brand quality, launched over six years, with long-tailed popularity. Titles and
 * descriptions are composed from many templates, several names per category and attribute
 * phrasings, so that a model has to learn the vocabulary rather than one template.
 */
import { Rng } from "../core/random";
import { BRANDS, TIER_PRICE_FACTOR, brandsForDepartment, type Brand } from "./brands";
import { CATALOG_FIRST_DAY, CATALOG_LAST_DAY, LOG_END, addDays, daysBetween } from "./calendar";
import type { Product, ProductAttributes } from "./records";
import { CATEGORIES, DEVICES, type AttributeName, type AttributeSpec, type Category } from "./taxonomy";
import { VALUE_SYNONYMS } from "./vocabulary";

/** A name drawn with weight 1/rank: sellers mostly use the first name of a category. */
export function pickRanked<T>(items: readonly T[], rng: Rng): T {
  return items[rng.weightedIndex(items.map((_, i) => 1 / (i + 1)))];
}

const SMALL_WORDS = new Set(["a", "an", "and", "by", "for", "in", "of", "on", "or", "the", "to", "with"]);

/** Title Case that leaves words with capitals or digits alone ("USB-C", "128 GB", "iPad"). */
export function titleCase(text: string): string {
  return text
    .split(" ")
    .map((word, i) => {
      if (word.length === 0 || /[A-Z0-9]/.test(word)) return word;
      if (i > 0 && SMALL_WORDS.has(word)) return word;
      return word[0].toUpperCase() + word.slice(1);
    })
    .join(" ");
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

function withArticle(phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) ? "an" : "a"} ${phrase}`;
}

const NOT_PLURAL = new Set(["thermos", "canvas", "glass", "mattress"]);

/** "earbuds", "running shoes", "secateurs" take no article: "Looking for lightweight earbuds?". */
function isPluralName(name: string): boolean {
  const last = name.split(" ").pop() ?? name;
  return /[^su]s$/.test(last) && !NOT_PLURAL.has(last);
}

/** "a compact blender", "an everyday mug", "comfortable running shoes". */
function adjectiveNoun(adjective: string, name: string): string {
  return isPluralName(name) ? `${adjective} ${name}` : `${withArticle(adjective)} ${name}`;
}

/** Two-decimal prices that end the way shops end them (7.99, 24.49, 149.99, 1299.99). */
export function shopPrice(raw: number): number {
  const p = Math.max(raw, 2);
  let price: number;
  if (p < 20) price = Math.floor(p) + (p % 1 < 0.5 ? 0.49 : 0.99);
  else if (p < 100) price = Math.round(p) - 0.01;
  else if (p < 1000) price = Math.round(p / 5) * 5 - 0.01;
  else price = Math.round(p / 10) * 10 - 0.01;
  return Math.round(price * 100) / 100;
}

const APPAREL_DEPARTMENT = "Clothing & Shoes";

/** Does a bigger value of this attribute cost more in this category (capacities, screen and rug sizes)? */
function isPricedOrdinal(category: Category, spec: AttributeSpec): boolean {
  if (spec.name === "capacity") return true;
  return spec.name === "size" && category.department !== APPAREL_DEPARTMENT && category.id !== "bike-helmets";
}

/** How an attribute value reads inside a title. */
function titleAttribute(category: Category, name: AttributeName, value: string, rng: Rng): string {
  switch (name) {
    case "compatibleWith":
      return `for ${value}`;
    case "size":
      if (category.department === APPAREL_DEPARTMENT || category.id === "bike-helmets") return rng.next() < 0.6 ? `Size ${value}` : value;
      if (/^(twin|full|queen|king)$/.test(value)) return rng.next() < 0.5 ? `${titleCase(value)} Size` : titleCase(value);
      return titleCase(value.replace(" inch", rng.next() < 0.4 ? '"' : " Inch"));
    case "capacity":
      return value.replace(/ l$/, rng.next() < 0.5 ? " L" : " Litre");
    default:
      return titleCase(value);
  }
}

/** The value as sellers write it in running text; now and then a spelling variant (gray, aluminum). */
function textValue(value: string, rng: Rng): string {
  const variants = VALUE_SYNONYMS[value];
  if (variants && rng.next() < 0.1) return variants[0];
  return value;
}

const TIER_ADJECTIVES: Readonly<Record<Brand["tier"], readonly string[]>> = {
  budget: ["affordable", "no-frills", "great-value", "simple", "dependable", "budget-friendly"],
  mid: ["reliable", "versatile", "well-made", "practical", "everyday", "solid"],
  premium: ["premium", "refined", "high-performance", "beautifully made", "sleek", "thoughtfully designed"],
  luxury: ["luxurious", "handcrafted", "exquisite", "top-of-the-range", "iconic", "uncompromising"],
};

const GENERAL_ADJECTIVES = ["durable", "sturdy", "lightweight", "compact", "elegant", "comfortable", "stylish", "robust", "easy-to-use", "modern"];

const DEPARTMENT_USES: Readonly<Record<string, readonly string[]>> = {
  Electronics: ["for work and play", "for everyday use", "for travel", "for the home office", "that keeps up with you", "for long days on the go"],
  "Home & Kitchen": ["for everyday cooking", "for busy mornings", "for small kitchens", "for family meals", "for the office kitchen", "for weekend brunch"],
  "Furniture & Decor": ["for the living room", "for small spaces", "for the home office", "for a calm bedroom", "for modern homes"],
  "Bedding & Bath": ["for restful nights", "for guest rooms", "for every season", "for a hotel feel at home"],
  "Sports & Outdoors": ["for training days", "for weekend adventures", "for the trail", "for home workouts", "for all weathers"],
  "Clothing & Shoes": ["for every day", "for the weekend", "for work and beyond", "for active days", "for city streets"],
  "Beauty & Personal Care": ["for your daily routine", "for all hair types", "for sensitive skin", "for travel"],
  "Toys & Games": ["for hours of play", "for family evenings", "for curious kids", "for rainy afternoons"],
  "Pet Supplies": ["for happy pets", "for dogs of all sizes", "for indoor cats", "for daily walks"],
  "Garden & Tools": ["for weekend projects", "for the balcony", "for DIY jobs", "for gardens big and small"],
  Baby: ["for new parents", "for busy families", "from the first day", "for days out with baby"],
  "Office Supplies": ["for school and work", "for tidy desks", "for note takers", "for students"],
};

const CLOSERS = [
  "Backed by a {n}-year warranty.",
  "Ships in plastic-free packaging.",
  "Free returns within 30 days.",
  "A thoughtful gift.",
  "Loved by customers for its value.",
  "Designed in-house by the {B} team.",
  "Covered by our {n}-year guarantee.",
  "Order today and it ships tomorrow.",
];

const DEPARTMENT_CARE: Readonly<Record<string, readonly string[]>> = {
  "Clothing & Shoes": ["Machine wash cold.", "Wash inside out at 30 degrees.", "Do not tumble dry."],
  "Bedding & Bath": ["Machine washable at 40 degrees.", "Tumble dry on low."],
  "Home & Kitchen": ["Dishwasher safe parts.", "Hand wash recommended."],
  "Pet Supplies": ["Wipe clean with a damp cloth.", "Cover is machine washable."],
};

function fill(template: string, slots: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = slots[key];
    if (value === undefined) throw new Error(`Template "${template}" needs slot {${key}}, which was not given.`);
    return value;
  });
}

const OPENERS = [
  "The {B} {L}: {an} {use}.",
  "Meet the {L}: {an} from {B}.",
  "{Adj} and {adj2}, the {B} {L} is made {use}.",
  "Looking for {an}? The {L} from {B} is built {use}.",
  "The {n} from {B}: {adj} and {adj2}.",
  "{B} designed the {L} for anyone who wants {an}.",
  "Our {L} {n}: {adj}, {adj2} and made {use}.",
  "{Adj} {n} {use}, from {B}.",
];

const DETAIL_TEMPLATES = [
  "It comes with {d}.",
  "Highlights include {d} and {d2}.",
  "You also get {d}.",
  "It features {d}.",
  "Other details: {d}, {d2}.",
  "Expect {d} and {d2}.",
  "Includes {d}.",
];

const ATTRIBUTE_SENTENCES: Readonly<Record<AttributeName, readonly string[]>> = {
  colour: ["Colour: {v}.", "Finished in {v}.", "This one comes in {v}.", "Shown here in {v}.", "Color: {v}."],
  material: ["Made from {v}.", "Material: {v}.", "{V} construction.", "Built from durable {v}."],
  size: ["Size: {v}.", "This listing is for size {v}.", "Size {v}."],
  capacity: ["Capacity: {v}.", "Holds {v}.", "{V} capacity.", "Size: {v}."],
  compatibleWith: ["Designed for the {v}.", "Fits the {v} only.", "Compatible with {v}.", "Made to fit the {v}."],
  connectivity: ["Connects via {v}.", "Connection: {v}.", "{V} connection."],
  audience: ["A {v} fit.", "Sized for {v} wear.", "Fit: {v}."],
  feature: ["Key feature: {v}.", "{V} as standard.", "Feature: {v}.", "Highlight: {v}."],
  style: ["{A_v} design.", "Style: {v}.", "The {v} look suits any space."],
};

const ALSO_KNOWN = ["Also known as {q}.", "Some people call it {q}.", "Searching for {q}? This is it."];

interface FamilyPlan {
  readonly category: Category;
  readonly brand: Brand;
  readonly line: string;
  readonly family: string;
  readonly model: string;
  readonly base: ProductAttributes;
  readonly axes: readonly AttributeName[];
  readonly priceFactor: number;
  readonly qualityShift: number;
  readonly launch: string;
  readonly latentPopularity: number;
  /** Title choices a seller makes once per model: its name for the product and its title layout. */
  readonly titleName: string;
  readonly titleTemplate: number;
  readonly titleSeparator: string;
  readonly titleLower: boolean;
  readonly brandUpper: boolean;
}

const VARIANT_AXES: readonly AttributeName[] = ["colour", "size", "capacity", "compatibleWith"];
const LINE_SUFFIXES = ["", "", "2", "3", "4", "5", "Pro", "Lite", "Max", "Plus", "Mini", "X", "S", "Air", "One", "II"];
const DEVICE_EDITIONS = ["", " Dual SIM", " 5G", " Renewed", " Enterprise", " Lite", " (2024)", " (2025)"];

function slug(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Brands that may sell in a category (device leaves: only the device makers). */
function brandsFor(category: Category): Brand[] {
  if (category.deviceKind) {
    const makers = new Set(DEVICES.filter((d) => d.kind === category.deviceKind).map((d) => d.brand));
    return BRANDS.filter((brand) => makers.has(brand.name));
  }
  return brandsForDepartment(category.department);
}

/** Products per category: proportional to weight times a log-normal factor, summing exactly to `count`. */
function allocate(count: number, rng: Rng): number[] {
  const weights = CATEGORIES.map((c) => c.weight * Math.exp(rng.normal(0, 0.3)));
  const minimum = count >= CATEGORIES.length * 4 ? 3 : 0;
  const free = count - minimum * CATEGORIES.length;
  const total = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (free * w) / total);
  const counts = exact.map((x) => minimum + Math.floor(x));
  let left = count - counts.reduce((s, c) => s + c, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((p, q) => q.r - p.r || p.i - q.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k].i]++;
  return counts;
}

function launchDay(rng: Rng): string {
  // Skewed towards recent days: catalogs grow; about 10% launch during the logged half-year.
  const span = daysBetween(CATALOG_FIRST_DAY, CATALOG_LAST_DAY);
  return addDays(CATALOG_FIRST_DAY, Math.floor(Math.pow(rng.next(), 0.7) * span));
}

function planFamily(category: Category, rng: Rng, used: Set<string>): FamilyPlan {
  const brands = brandsFor(category);
  for (let attempt = 0; ; attempt++) {
    const brand = brands[rng.weightedIndex(brands.map((x) => x.share))];
    let line: string;
    if (category.deviceKind) {
      const own = DEVICES.filter((d) => d.kind === category.deviceKind && d.brand === brand.name);
      const device = rng.choice(own);
      // The line is the device itself; editions keep family names unique when the catalog is large.
      const edition = Math.floor(attempt / 3);
      line = device.name.slice(brand.name.length + 1) + (edition < DEVICE_EDITIONS.length ? DEVICE_EDITIONS[edition] : ` Edition ${edition}`);
    } else {
      const name = rng.choice(brand.lines);
      const suffix = attempt < 20 ? rng.choice(LINE_SUFFIXES) : String(attempt);
      line = suffix && suffix !== name ? `${name} ${suffix}` : name;
    }
    const family = slug(`${brand.name} ${line} ${category.id}`);
    if (used.has(family)) continue;
    used.add(family);
    const digits = String(100 + rng.int(900));
    const model = `${brand.modelPrefix}-${slug(line).replace(/-/g, "").slice(0, 2).toUpperCase()}${digits}`;
    const base: ProductAttributes = {};
    for (const spec of category.attributes) base[spec.name] = rng.choice(spec.values);
    const present = VARIANT_AXES.filter((axis) => category.attributes.some((s) => s.name === axis));
    // Devices come in storage sizes and colours; other families vary along one or two axes.
    const axes = category.deviceKind ? present : present.length === 0 ? [] : rng.next() < 0.3 && present.length > 1 ? rng.sample(present, 2) : [rng.choice(present)];
    return {
      category,
      brand,
      line,
      family,
      model,
      base,
      axes,
      priceFactor: Math.exp(rng.normal(0, 0.25)),
      qualityShift: rng.normal(0, 0.3),
      launch: launchDay(rng),
      // Pareto(1.4) demand: a few hits, a long tail.
      latentPopularity: Math.pow(1 - rng.next(), -1 / 1.4),
      titleName: pickRanked(category.titleNames, rng),
      titleTemplate: rng.int(7),
      titleSeparator: [", ", " - ", " | ", " – "][rng.int(4)],
      titleLower: rng.next() < 0.2,
      brandUpper: rng.next() < 0.08,
    };
  }
}

interface Draft {
  readonly plan: FamilyPlan;
  readonly attributes: ProductAttributes;
  readonly launch: string;
  readonly share: number;
}

function variantsOf(plan: FamilyPlan, n: number, rng: Rng): Draft[] {
  const seen = new Set<string>();
  const drafts: Draft[] = [];
  const shares = rng.dirichlet(Array.from({ length: n }, () => 1));
  for (let v = 0; v < n; v++) {
    let attributes: ProductAttributes = { ...plan.base };
    for (let attempt = 0; attempt < 20; attempt++) {
      attributes = { ...plan.base };
      if (v > 0) {
        for (const axis of plan.axes) {
          const spec = plan.category.attributes.find((s) => s.name === axis);
          if (spec) attributes[axis] = rng.choice(spec.values);
        }
      }
      const key = JSON.stringify(attributes);
      if (!seen.has(key)) {
        seen.add(key);
        break;
      }
    }
    const key = JSON.stringify(attributes);
    if (v > 0 && drafts.some((d) => JSON.stringify(d.attributes) === key)) break; // no new combination left
    const delay = v === 0 ? 0 : rng.int(120);
    const launch = addDays(plan.launch, delay) > CATALOG_LAST_DAY ? CATALOG_LAST_DAY : addDays(plan.launch, delay);
    drafts.push({ plan, attributes, launch, share: shares[v] * n });
  }
  return drafts;
}

function composeTitle(draft: Draft, rng: Rng): string {
  const { plan, attributes } = draft;
  const { category, brand } = plan;
  const name = plan.titleName;
  const specs = category.attributes.filter((s) => attributes[s.name] !== undefined);
  // Critical attributes (device, size) nearly always make the title; others now and then.
  const chosen = specs.filter((s) => (s.critical ? rng.next() < 0.9 : rng.next() < 0.45));
  rng.shuffle(chosen);
  const pre: string[] = [];
  const post: string[] = [];
  for (const spec of chosen) {
    const text = titleAttribute(category, spec.name, attributes[spec.name] as string, rng);
    if (spec.name === "audience") pre.unshift(text);
    else if (spec.name === "compatibleWith" || spec.name === "size" || spec.name === "capacity" || spec.name === "colour") post.push(text);
    else if (rng.next() < 0.5) pre.push(text);
    else post.push(text);
  }
  const core = [...pre, plan.titleLower ? name : titleCase(name)].join(" ");
  const brandText = plan.brandUpper ? brand.name.toUpperCase() : brand.name;
  const sep = plan.titleSeparator;
  const tail = post.length > 0 ? sep + post.join(sep) : "";
  switch (plan.titleTemplate) {
    case 0:
    case 1:
      return `${brandText} ${plan.line} ${core}${tail}`;
    case 2:
      return `${brandText} ${core} ${plan.line}${tail}`;
    case 3:
      return `${plan.line} ${core} by ${brandText}${tail}`;
    case 4:
      return `${plan.line} ${core} | ${brandText}${post.length > 0 ? ` | ${post.join(", ")}` : ""}`;
    case 5:
      return `${brandText} ${plan.line} ${core} (${plan.model})${tail}`;
    default:
      // Some sellers leave the model line out of the title.
      return `${brandText} ${core}${tail}`;
  }
}

function composeDescription(draft: Draft, rng: Rng): string {
  const { plan, attributes } = draft;
  const { category, brand } = plan;
  const adjectives = [...TIER_ADJECTIVES[brand.tier], ...GENERAL_ADJECTIVES];
  const [adj, adj2] = rng.sample(adjectives, 2);
  const name = pickRanked(category.titleNames, rng).toLowerCase();
  const uses = DEPARTMENT_USES[category.department] ?? ["for everyday use"];
  const opener = fill(rng.choice(OPENERS), {
    B: brand.name,
    L: plan.line,
    n: name,
    an: adjectiveNoun(adj, name),
    adj,
    Adj: capitalise(adj),
    adj2,
    use: rng.choice(uses),
  });
  const middle: string[] = [];
  const [d, d2] = rng.sample(category.details, 2);
  middle.push(fill(rng.choice(DETAIL_TEMPLATES), { d, d2 }));
  if (rng.next() < 0.4) middle.push(fill("It also has {d}.", { d: rng.choice(category.details.filter((x) => x !== d && x !== d2)) }));
  for (const spec of category.attributes) {
    const value = attributes[spec.name];
    if (value === undefined) continue;
    if (!spec.critical && rng.next() < 0.35) continue;
    const text = textValue(value, rng);
    middle.push(fill(rng.choice(ATTRIBUTE_SENTENCES[spec.name]), { v: text, V: capitalise(text), A_v: capitalise(withArticle(text)) }));
  }
  if (rng.next() < 0.75) middle.push(fill(rng.choice(["Model: {m}.", "Model number {m}.", "Item model {m}."]), { m: plan.model }));
  const care = DEPARTMENT_CARE[category.department];
  if (care && rng.next() < 0.5) middle.push(rng.choice(care));
  rng.shuffle(middle);
  const sentences = [opener, ...middle];
  // Rarely, a seller names what shoppers call it: keyword search then finds this one product.
  if (rng.next() < 0.06) sentences.push(fill(rng.choice(ALSO_KNOWN), { q: rng.choice(category.queryNames) }));
  if (rng.next() < 0.6) sentences.push(fill(rng.choice(CLOSERS), { n: String(1 + rng.int(5)), B: brand.name }));
  return sentences.join(" ");
}

function significant(x: number, digits: number): number {
  return Number(x.toPrecision(digits));
}

/**
 * `count` products, deterministic from `seed`. Ids ("p00001"...) are given after a shuffle, so
 * the id order carries no category or family information.
 */
export function generateProducts(count: number, seed: number): Product[] {
  if (!Number.isInteger(count) || count < CATEGORIES.length) {
    throw new Error(`generateProducts: expected an integer count of at least ${CATEGORIES.length} (one per category), got ${count}.`);
  }
  const rng = new Rng(`${seed}/products`);
  const counts = allocate(count, rng);
  const usedFamilies = new Set<string>();
  const drafts: Draft[] = [];
  CATEGORIES.forEach((category, c) => {
    let left = counts[c];
    while (left > 0) {
      const plan = planFamily(category, rng, usedFamilies);
      let n = category.deviceKind ? 2 : 1;
      while (n < (category.deviceKind ? 8 : 5) && rng.next() < 0.5) n++;
      const variants = variantsOf(plan, Math.min(n, left), rng);
      for (const v of variants) drafts.push(v);
      left -= variants.length;
    }
  });

  const refDay = LOG_END.slice(0, 10);
  const raw = drafts.map((draft) => {
    const { plan } = draft;
    let price = plan.category.basePrice * TIER_PRICE_FACTOR[plan.brand.tier] * plan.priceFactor * Math.exp(rng.normal(0, 0.03));
    for (const spec of plan.category.attributes) {
      if (!isPricedOrdinal(plan.category, spec)) continue;
      const idx = spec.values.indexOf(draft.attributes[spec.name] as string);
      price *= 0.75 + (0.6 * idx) / Math.max(1, spec.values.length - 1);
    }
    const popularity = plan.latentPopularity * draft.share * Math.sqrt(plan.brand.share);
    return { draft, price: shopPrice(price), popularity };
  });
  const meanPopularity = raw.reduce((s, r) => s + r.popularity, 0) / raw.length;

  const products = raw.map(({ draft, price, popularity }) => {
    const { plan } = draft;
    const pop = significant(popularity / meanPopularity, 4);
    const ageYears = Math.max(0.02, daysBetween(draft.launch, refDay) / 365);
    const lambda = pop * 45 * Math.pow(ageYears, 0.7) * rng.gamma(2, 0.5);
    const reviewCount = rng.poisson(lambda);
    let rating: number | null = null;
    if (reviewCount > 0) {
      const noise = rng.normal(0, 0.9 / Math.sqrt(1 + reviewCount / 3));
      rating = Math.round(Math.min(5, Math.max(1, plan.brand.quality + plan.qualityShift + noise)) * 10) / 10;
    }
    const categoryAttrs: ProductAttributes = {};
    for (const spec of plan.category.attributes) categoryAttrs[spec.name] = draft.attributes[spec.name];
    const draftFixed: Draft = { ...draft, attributes: categoryAttrs };
    return {
      title: composeTitle(draftFixed, rng),
      description: composeDescription(draftFixed, rng),
      brand: plan.brand.name,
      category: plan.category.id,
      categoryPath: plan.category.path,
      family: plan.family,
      model: plan.model,
      attributes: categoryAttrs,
      price,
      rating,
      reviewCount,
      launchDate: draft.launch,
      popularity: pop,
    };
  });

  rng.shuffle(products);
  const width = Math.max(5, String(products.length).length);
  return products.map((p, i) => ({ id: `p${String(i + 1).padStart(width, "0")}`, ...p }));
}
