/**
 * The whole generated shop from one seed and a few sizes: catalog, queries with judgments,
 * users with hidden preferences, and their sessions. Each part draws from its own seeded
 * stream, so changing the number of users does not change the catalog.
 */
import type { Profile } from "../core/profile";
import { generateProducts } from "./products";
import { generateQueries } from "./queries";
import type { Judgment, Product, Query, Session, User } from "./records";
import { simulateSessions } from "./sessions";
import { generateUsers } from "./users";

export type ShopSettings = Profile["shop"];

export interface ShopWorld {
  readonly settings: ShopSettings;
  readonly products: readonly Product[];
  readonly queries: readonly Query[];
  readonly judgments: readonly Judgment[];
  readonly users: readonly User[];
  readonly sessions: readonly Session[];
}

/** Bumped whenever the generator's output changes on purpose; written to the manifest. */
export const GENERATOR_VERSION = 1;

/** Generates the shop for `settings` (a profile's `shop` section, e.g. `getProfile("fast").shop`). */
export function generateWorld(settings: ShopSettings): ShopWorld {
  const products = generateProducts(settings.products, settings.seed);
  const { queries, judgments } = generateQueries(products, settings.queries, settings.judgedPerQuery, settings.seed);
  const users = generateUsers(settings.users, settings.seed);
  const sessions = simulateSessions(users, products, queries, { seed: settings.seed, sessionsPerUser: settings.sessionsPerUser });
  return { settings, products, queries, judgments, users, sessions };
}
