/**
 * The shop's brands: invented names (no real trademark), each with a price tier, the
 * departments it sells in, a quality level (shifts ratings) and a share of shelf space.
 */
import { CATEGORIES, DEPARTMENTS } from "./taxonomy";

export type PriceTier = "budget" | "mid" | "premium" | "luxury";

export const PRICE_TIERS: readonly PriceTier[] = ["budget", "mid", "premium", "luxury"];

/** Price multiplier of each tier against a category's mid-tier median price. */
export const TIER_PRICE_FACTOR: Readonly<Record<PriceTier, number>> = { budget: 0.55, mid: 1, premium: 1.7, luxury: 2.8 };

export interface Brand {
  readonly name: string;
  readonly tier: PriceTier;
  readonly departments: readonly string[];
  /** Mean star rating of its products before noise (1..5). */
  readonly quality: number;
  /** Relative share of its departments' catalog. */
  readonly share: number;
  /** Product-line names the brand uses ("Pulse", "Aero"). */
  readonly lines: readonly string[];
  /** Prefix of its model numbers ("VX"). */
  readonly modelPrefix: string;
}

const b = (name: string, tier: PriceTier, departments: string[], quality: number, share: number, modelPrefix: string, lines: string[]): Brand => ({
  name,
  tier,
  departments,
  quality,
  share,
  lines,
  modelPrefix,
});

const E = "Electronics";
const HK = "Home & Kitchen";
const FD = "Furniture & Decor";
const BB = "Bedding & Bath";
const SO = "Sports & Outdoors";
const CS = "Clothing & Shoes";
const BP = "Beauty & Personal Care";
const TG = "Toys & Games";
const PS = "Pet Supplies";
const GT = "Garden & Tools";
const BA = "Baby";
const OS = "Office Supplies";

export const BRANDS: readonly Brand[] = [
  b("Voltix", "mid", [E], 4.1, 3, "VX", ["Pulse", "Aero", "Core", "Flex", "Volt"]),
  b("Orbis", "premium", [E], 4.4, 3, "OR", ["Halo", "Prime", "Arc", "Studio"]),
  b("Kestrel", "mid", [E, SO], 4.0, 2, "KS", ["Swift", "Glide", "Trek", "Sprint"]),
  b("Nimbus", "luxury", [E], 4.5, 1, "NB", ["Cirrus", "Stratus", "Aura"]),
  b("Zapp", "budget", [E], 3.6, 3, "ZP", ["Go", "Lite", "Spark", "Mini"]),
  b("Sonara", "premium", [E], 4.4, 1.5, "SN", ["Tempo", "Echo", "Encore"]),
  b("Tekko", "budget", [E, OS], 3.7, 2, "TK", ["Basic", "Plus", "One"]),
  b("Copperleaf", "premium", [HK], 4.4, 1.5, "CL", ["Heritage", "Artisan", "Signature"]),
  b("Brisa", "mid", [HK, BB], 4.1, 2.5, "BR", ["Breeze", "Daily", "Fresca"]),
  b("Hearthly", "mid", [HK, FD], 4.2, 2, "HL", ["Cosy", "Homestead", "Ember"]),
  b("Ferro", "premium", [HK], 4.5, 1, "FE", ["Forge", "Anvil", "Carbon"]),
  b("Kitchara", "budget", [HK], 3.7, 2.5, "KC", ["Easy", "Quick", "Handy"]),
  b("Oakhaven", "luxury", [HK, FD, BB], 4.6, 0.8, "OH", ["Manor", "Estate", "Reserve"]),
  b("Nordvik", "mid", [FD, OS], 4.1, 2.5, "NV", ["Fjord", "Linnea", "Skog", "Vinter"]),
  b("Loftline", "premium", [FD], 4.3, 1.2, "LL", ["Atelier", "Metro", "Gallery"]),
  b("Birchwood", "budget", [FD, GT], 3.8, 2, "BW", ["Simple", "Cabin", "Grove"]),
  b("Cloudnest", "mid", [BB], 4.2, 2, "CN", ["Dream", "Hush", "Drift"]),
  b("Linenfield", "premium", [BB], 4.4, 1.2, "LF", ["Meadow", "Pure", "Harvest"]),
  b("Dozy", "budget", [BB, BA], 3.7, 1.5, "DZ", ["Snooze", "Nap", "Cuddle"]),
  b("Stridewell", "mid", [CS, SO], 4.1, 2.5, "SW", ["Tempo", "Stride", "Pace", "Glide"]),
  b("Peakform", "premium", [SO, CS], 4.4, 1.8, "PF", ["Summit", "Ridge", "Apex", "Alpine"]),
  b("Trailborn", "mid", [SO, CS], 4.0, 1.8, "TB", ["Ranger", "Pathfinder", "Canyon"]),
  b("Vantage", "budget", [SO], 3.6, 2, "VT", ["Fit", "Active", "Move"]),
  b("Threadly", "budget", [CS], 3.7, 3, "TH", ["Everyday", "Basics", "Weekend"]),
  b("Northcoast", "mid", [CS], 4.1, 2.5, "NC", ["Harbour", "Coastline", "Tide"]),
  b("Marlowe", "premium", [CS], 4.3, 1.5, "MW", ["Savile", "Chelsea", "Mayfair"]),
  b("Fjellberg", "luxury", [CS, SO], 4.5, 0.8, "FJ", ["Nordkapp", "Tind", "Isbre"]),
  b("Lumessa", "premium", [BP], 4.3, 1.5, "LM", ["Radiance", "Glow", "Velvet"]),
  b("Purely", "budget", [BP], 3.8, 2.5, "PU", ["Fresh", "Clean", "Simple"]),
  b("Velour Lab", "mid", [BP], 4.1, 2, "VL", ["Silk", "Bloom", "Serum"]),
  b("Brightsmile", "mid", [BP], 4.1, 1.2, "BS", ["Sonic", "Gleam", "Care"]),
  b("Tinker Town", "mid", [TG, BA], 4.2, 2, "TT", ["Adventure", "Builder", "Wonder"]),
  b("Blockbay", "budget", [TG], 3.8, 2, "BB", ["Stack", "Click", "Creator"]),
  b("Mindwell", "mid", [TG], 4.3, 1.5, "MD", ["Classic", "Quest", "Clever"]),
  b("Pawsome", "mid", [PS], 4.2, 2.5, "PA", ["Buddy", "Comfort", "Play"]),
  b("Furbridge", "premium", [PS], 4.4, 1.2, "FB", ["Luxe", "Orthocare", "Haven"]),
  b("Happytail", "budget", [PS], 3.7, 2, "HT", ["Wag", "Fetch", "Chew"]),
  b("Greenreach", "mid", [GT], 4.1, 2, "GR", ["Grow", "Verde", "Bloom"]),
  b("Torqline", "premium", [GT], 4.5, 1.5, "TQ", ["Pro", "Titan", "Max"]),
  b("Fixwell", "budget", [GT], 3.7, 2, "FX", ["Handy", "Job", "Fix"]),
  b("Littlenest", "mid", [BA], 4.3, 2, "LN", ["Cocoon", "Sprout", "Wren"]),
  b("Cubby", "budget", [BA], 3.8, 1.5, "CB", ["Tot", "Bumble", "Pip"]),
  b("Babelle", "premium", [BA], 4.5, 1, "BL", ["Étoile", "Lune", "Petit"]),
  b("Quill & Co", "premium", [OS], 4.5, 1.2, "QC", ["Scribe", "Atelier", "Folio"]),
  b("Inkwise", "mid", [OS], 4.1, 2, "IW", ["Flow", "Note", "Study"]),
  b("Paperbay", "budget", [OS], 3.8, 2, "PB", ["Daily", "Office", "School"]),
  // A store brand: cheap, everywhere, middling.
  b("Basix", "budget", [E, HK, FD, BB, SO, CS, PS, GT, OS], 3.6, 1.2, "BX", ["Essentials", "Home", "Value"]),
];

const byName = new Map(BRANDS.map((brand) => [brand.name, brand]));

export function brandByName(name: string): Brand {
  const found = byName.get(name);
  if (!found) throw new Error(`Unknown brand "${name}": expected one of ${BRANDS.map((x) => x.name).join(", ")}.`);
  return found;
}

/** Brands that sell in a department. */
export function brandsForDepartment(department: string): Brand[] {
  return BRANDS.filter((brand) => brand.departments.includes(department));
}

/** Problems in the brand list (unknown departments, departments without brands); empty when sound. */
export function brandProblems(): string[] {
  const problems: string[] = [];
  const names = new Set(DEPARTMENTS.map((d) => d.name));
  for (const brand of BRANDS) for (const d of brand.departments) if (!names.has(d)) problems.push(`${brand.name}: unknown department ${d}`);
  for (const d of DEPARTMENTS) if (brandsForDepartment(d.name).length < 3) problems.push(`department ${d.name} has fewer than three brands`);
  for (const c of CATEGORIES) if (c.deviceKind && brandsForDepartment(c.department).length === 0) problems.push(`${c.id} has no brands`);
  return problems;
}
