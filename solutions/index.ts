/** Reference solutions and hidden checks: left out of the student release. */
import type { Solution } from "shoplm/instructor";
import { chapter0 } from "./ch00";
import { chapter1 } from "./ch01";
import { chapter2 } from "./ch02";
import { chapter3 } from "./ch03";
import { chapter4 } from "./ch04";
import { chapter5 } from "./ch05";

export const solutions: readonly Solution[] = [...chapter0, ...chapter1, ...chapter2, ...chapter3, ...chapter4, ...chapter5];
