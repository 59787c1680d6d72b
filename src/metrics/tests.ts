import type { TechnicalTest } from '../tests/types.js';
import { fairnessClassificationTest } from './fairness-classification.js';
import { fairnessRegressionTest } from './fairness-regression.js';
import { performanceClassificationTest } from './performance-classification.js';
import { performanceRegressionTest } from './performance-regression.js';

/** The metrics tests, in the order the registry lists them. */
export const metricTests: TechnicalTest[] = [
  performanceClassificationTest,
  performanceRegressionTest,
  fairnessClassificationTest,
  fairnessRegressionTest,
];
