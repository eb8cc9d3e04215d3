/** Reference solutions and hidden checks: left out of the student release. */
import type { Solution } from "shoplm";
import { chapter0 } from "./ch00";

export const solutions: readonly Solution[] = [...chapter0];
