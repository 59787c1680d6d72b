import type { TechnicalTest } from '../tests/types.js';
import { fairnessClassificationTest } from './fairness-classification.js';
import { performanceClassificationTest } from './performance-classification.js';

/** The metrics tests, in the order the registry lists them. */
export const metricTests: TechnicalTest[] = [performanceClassificationTest, fairnessClassificationTest];
