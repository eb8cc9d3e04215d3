/**
 * Real public text for tokenizer tests, read where it lies (../shared/datasets, beside the
 * project) and never copied: the Amazon "Industrial & Scientific" item texts and the Crowdflower
 * search-relevance (query, product) pairs. Each reader returns null when its files are absent.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "csv-parse/sync";

export const DATASETS = path.resolve(__dirname, "../../../shared/datasets");
export const AMAZON_ITEMS = path.join(DATASETS, "amazon-scientific", "items.json");
export const CROWDFLOWER = path.join(DATASETS, "crowdflower-search");

interface AmazonItem {
  title?: string;
  description?: string;
}

/** Titles and descriptions of the Amazon items (two texts per item, empty ones kept). */
export function amazonTexts(): string[] | null {
  if (!fs.existsSync(AMAZON_ITEMS)) return null;
  const items = JSON.parse(fs.readFileSync(AMAZON_ITEMS, "utf8")) as Record<string, AmazonItem>;
  return Object.values(items).flatMap((item) => [item.title ?? "", item.description ?? ""]);
}

export interface CrowdflowerRow {
  readonly query: string;
  readonly title: string;
  readonly description: string;
}

/** All rows of the ten Crowdflower folds, in fold order. */
export function crowdflowerRows(): CrowdflowerRow[] | null {
  const files = Array.from({ length: 10 }, (_, i) => path.join(CROWDFLOWER, `fold-${i + 1}.csv`));
  if (!files.every((f) => fs.existsSync(f))) return null;
  return files.flatMap((file) =>
    (parse(fs.readFileSync(file), { columns: true }) as Record<string, string>[]).map((r) => ({
      query: r.query,
      title: r.product_title,
      description: r.product_description,
    })),
  );
}
