/**
 * The ESCI relevance scheme (Reddy et al., "Shopping Queries Dataset", 2022): Exact,
 * Substitute, Complement, Irrelevant, and the rule that grades a product for a query intent in
 * the generated shop. Real judgments on other scales are mapped to it in judgments.ts.
 */
import type { EsciLabel, Product, QueryIntent } from "./records";
import { attributeSpec, categoryById } from "./taxonomy";

export type { EsciLabel } from "./records";

export const ESCI_LABELS: readonly EsciLabel[] = ["E", "S", "C", "I"];

export const ESCI_NAMES: Readonly<Record<EsciLabel, string>> = { E: "Exact", S: "Substitute", C: "Complement", I: "Irrelevant" };

/** Gains used by the Shopping Queries Dataset's ranking task (KDD Cup 2022 task 1) for NDCG. */
export const ESCI_GAINS: Readonly<Record<EsciLabel, number>> = { E: 1, S: 0.1, C: 0.01, I: 0 };

/**
 * Graded relevance on trec_eval's integer scale (Exact 3, Substitute 2, Complement 1, Irrelevant
 * 0): the qrels the course's offline evaluation uses, so NDCG's linear and exponential gains
 * and a relevance threshold ("only Exact counts": 3) read naturally.
 */
export const ESCI_GRADES: Readonly<Record<EsciLabel, number>> = { E: 3, S: 2, C: 1, I: 0 };

export function isEsciLabel(value: unknown): value is EsciLabel {
  return value === "E" || value === "S" || value === "C" || value === "I";
}

export type GradedProduct = Pick<Product, "category" | "brand" | "family" | "attributes">;

/**
 * The ESCI label of `product` for `intent`:
 * - outside every target category: Substitute if a target lists its category as a substitute,
 *   Complement if as a complement, else Irrelevant (brand-only queries: Irrelevant);
 * - inside: Irrelevant if it gets a critical attribute wrong (a case for another phone),
 *   Substitute if it gets another asked-for attribute, the brand or the model wrong, else Exact.
 */
export function esciGrade(intent: QueryIntent, product: GradedProduct): EsciLabel {
  const target = intent.targets.find((t) => t.category === product.category);
  if (!target) {
    if (intent.brandOnly) return "I";
    let complement = false;
    for (const t of intent.targets) {
      const category = categoryById(t.category);
      if (category.substitutes.includes(product.category)) return "S";
      if (category.complements.includes(product.category)) complement = true;
    }
    return complement ? "C" : "I";
  }
  if (intent.brandOnly) return product.brand === intent.brand ? "E" : "I";
  const category = categoryById(product.category);
  let exact = true;
  for (const [name, wanted] of Object.entries(target.attributes)) {
    if (product.attributes[name as keyof typeof product.attributes] === wanted) continue;
    if (attributeSpec(category, name)?.critical) return "I";
    exact = false;
  }
  if (intent.brand !== null && product.brand !== intent.brand) exact = false;
  if (intent.family !== null && product.family !== intent.family) exact = false;
  return exact ? "E" : "S";
}
