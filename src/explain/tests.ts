import type { TechnicalTest } from '../tests/types.js';

/** The explain tests, in the order the registry lists them. */
export const explainTests: TechnicalTest[] = [];
