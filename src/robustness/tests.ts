import type { TechnicalTest } from '../tests/types.js';

/** The robustness tests, in the order the registry lists them. */
export const robustnessTests: TechnicalTest[] = [];
