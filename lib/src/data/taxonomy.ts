/**
 * The shop's category taxonomy: departments > groups > leaf categories, each leaf with the
 * attributes its products carry, the words shops and shoppers use for it, its price level, and
 * its relations to other leaves (substitutes and complements, which the ESCI grades use).
 *
 * Hand-written on purpose: the names, synonyms and relations are what make the generated shop
 * hard in realistic ways, so they are data a reader can inspect (taxonomy.json), not something sampled.
 */
import taxonomyData from "./taxonomy.json";

/** Attribute names a product can carry (one value each). */
export type AttributeName =
  | "colour"
  | "material"
  | "size"
  | "capacity"
  | "style"
  | "compatibleWith"
  | "connectivity"
  | "audience"
  | "feature";

export const ATTRIBUTE_NAMES: readonly AttributeName[] = [
  "colour",
  "material",
  "size",
  "capacity",
  "style",
  "compatibleWith",
  "connectivity",
  "audience",
  "feature",
];

export interface AttributeSpec {
  readonly name: AttributeName;
  readonly values: readonly string[];
  /**
   * A critical attribute is a central aspect of the query: a product that gets it wrong is
   * Irrelevant, not a Substitute (a case for the wrong phone does not fit; ESCI guidelines).
   */
  readonly critical: boolean;
}

export interface Category {
  /** Slug, unique: "earbuds". */
  readonly id: string;
  /** Display name: "Earbuds". */
  readonly name: string;
  readonly department: string;
  readonly group: string;
  /** [department, group, name]. */
  readonly path: readonly string[];
  /** Names sellers put in titles, most frequent first (weight 1/rank). */
  readonly titleNames: readonly string[];
  /** Names and paraphrases shoppers type that titles (almost) never use. */
  readonly queryNames: readonly string[];
  readonly attributes: readonly AttributeSpec[];
  /** Median price (USD) for a mid-tier brand. */
  readonly basePrice: number;
  /** Phrases about the product, for descriptions. */
  readonly details: readonly string[];
  /** Leaf ids whose products are bought together with this one. */
  readonly complements: readonly string[];
  /** Leaf ids whose products can stand in for this one. */
  readonly substitutes: readonly string[];
  /** Relative share of the catalog. */
  readonly weight: number;
  /** Leaves whose product lines are named after devices (phones, tablets, watches). */
  readonly deviceKind?: DeviceKind;
}

export type DeviceKind = "phone" | "tablet" | "watch";

export interface Department {
  readonly name: string;
  readonly groups: readonly string[];
  readonly categories: readonly string[];
}

/** Devices that accessories are made for; the phone, tablet and watch leaves sell these lines. */
export interface Device {
  readonly name: string;
  readonly brand: string;
  readonly kind: DeviceKind;
}

/** One leaf as the data file writes it (see its "about" field). */
interface LeafSpec {
  readonly id: string;
  readonly name: string;
  readonly weight: number;
  readonly price: number;
  readonly deviceKind?: string;
  readonly titles: readonly string[];
  readonly queries: readonly string[];
  readonly attributes: readonly { readonly name: string; readonly values: readonly string[]; readonly critical?: boolean }[];
  readonly details: readonly string[];
  readonly complements?: readonly string[];
  readonly substitutes?: readonly string[];
}

interface TaxonomySpec {
  readonly valueLists: Readonly<Record<string, readonly string[]>>;
  readonly devices: readonly { readonly name: string; readonly brand: string; readonly kind: string }[];
  readonly departments: readonly { readonly department: string; readonly groups: readonly { readonly group: string; readonly leaves: readonly LeafSpec[] }[] }[];
}

const DEVICE_KINDS: readonly DeviceKind[] = ["phone", "tablet", "watch"];
const FILE = "lib/src/data/taxonomy.json";

function deviceKind(value: string | undefined, where: string): DeviceKind {
  const kind = DEVICE_KINDS.find((k) => k === value);
  if (!kind) throw new Error(`${FILE}: ${where}: device kind ${JSON.stringify(value)} is not one of ${DEVICE_KINDS.join(", ")}.`);
  return kind;
}

function attributeName(value: string, where: string): AttributeName {
  const name = ATTRIBUTE_NAMES.find((n) => n === value);
  if (!name) throw new Error(`${FILE}: ${where}: attribute ${JSON.stringify(value)} is not one of ${ATTRIBUTE_NAMES.join(", ")}.`);
  return name;
}

/** The data file's taxonomy as typed records; value-list references ("@list", "@devices:KIND") resolved. */
function build(spec: TaxonomySpec): { departments: Department[]; categories: Category[]; devices: Device[] } {
  const devices: Device[] = spec.devices.map((d, i) => ({ name: d.name, brand: d.brand, kind: deviceKind(d.kind, `devices[${i}]`) }));
  // "@devices:KIND" and "@NAME" (a value list) expand in place.
  const values = (refs: readonly string[], where: string): readonly string[] =>
    refs.flatMap((ref) => {
      if (!ref.startsWith("@")) return [ref];
      if (ref.startsWith("@devices:")) {
        const kind = deviceKind(ref.slice("@devices:".length), where);
        return devices.filter((d) => d.kind === kind).map((d) => d.name);
      }
      const list = spec.valueLists[ref.slice(1)];
      if (!list) throw new Error(`${FILE}: ${where}: ${JSON.stringify(ref)} names no value list; known: ${Object.keys(spec.valueLists).join(", ")}.`);
      return list;
    });
  const departments: Department[] = [];
  const categories: Category[] = [];
  for (const dept of spec.departments) {
    const ids: string[] = [];
    for (const group of dept.groups) {
      for (const leaf of group.leaves) {
        const where = `leaf ${leaf.id}`;
        ids.push(leaf.id);
        categories.push({
          id: leaf.id,
          name: leaf.name,
          department: dept.department,
          group: group.group,
          path: [dept.department, group.group, leaf.name],
          titleNames: leaf.titles,
          queryNames: leaf.queries,
          attributes: leaf.attributes.map((a) => ({ name: attributeName(a.name, where), values: values(a.values, `${where}, ${a.name}`), critical: a.critical ?? false })),
          basePrice: leaf.price,
          details: leaf.details,
          complements: leaf.complements ?? [],
          substitutes: leaf.substitutes ?? [],
          weight: leaf.weight,
          ...(leaf.deviceKind !== undefined ? { deviceKind: deviceKind(leaf.deviceKind, where) } : {}),
        });
      }
    }
    departments.push({ name: dept.department, groups: dept.groups.map((g) => g.group), categories: ids });
  }
  return { departments, categories, devices };
}

const built = build(taxonomyData as TaxonomySpec);

export const DEVICES: readonly Device[] = built.devices;


export const DEPARTMENTS: readonly Department[] = built.departments;
export const CATEGORIES: readonly Category[] = built.categories;

const byId = new Map(CATEGORIES.map((c) => [c.id, c]));

/** The leaf category with this id; an unknown id is an error that says so. */
export function categoryById(id: string): Category {
  const found = byId.get(id);
  if (!found) throw new Error(`Unknown category id "${id}": expected one of the ${CATEGORIES.length} leaf ids in the taxonomy (e.g. "${CATEGORIES[0].id}").`);
  return found;
}

export function hasCategory(id: string): boolean {
  return byId.has(id);
}

/** The spec of `attribute` in `category`, or undefined when that category does not use it. */
export function attributeSpec(category: Category, attribute: string): AttributeSpec | undefined {
  return category.attributes.find((spec) => spec.name === attribute);
}

/**
 * Problems in the taxonomy (dangling relation ids, duplicate ids, empty lists, a title name that
 * is also a query name); empty when it is sound. A test keeps it empty.
 */
export function taxonomyProblems(): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of CATEGORIES) {
    if (seen.has(c.id)) problems.push(`duplicate category id ${c.id}`);
    seen.add(c.id);
    for (const rel of [...c.complements, ...c.substitutes]) {
      if (!byId.has(rel)) problems.push(`${c.id} relates to unknown category ${rel}`);
      if (rel === c.id) problems.push(`${c.id} relates to itself`);
    }
    if (c.titleNames.length === 0 || c.queryNames.length === 0) problems.push(`${c.id} has no title or query names`);
    if (c.attributes.length === 0) problems.push(`${c.id} has no attributes`);
    for (const spec of c.attributes) if (spec.values.length < 2) problems.push(`${c.id}.${spec.name} has fewer than two values`);
    const titles = new Set(c.titleNames.map((t) => t.toLowerCase()));
    for (const q of c.queryNames) if (titles.has(q.toLowerCase())) problems.push(`${c.id}: "${q}" is both a title name and a query name`);
    if (c.details.length < 3) problems.push(`${c.id} has fewer than three details`);
  }
  return problems;
}
