/**
 * The conditional rates of one binary (or one-vs-rest) confusion matrix, with their zero-division rules.
 * Formulas as in AIF360's ClassificationMetric and scikit-learn; unlike either, 0/0 is null with a reason
 * (AIF360 gives NaN for TPR/FPR/TNR/FNR and 0 for PPV/NPV/FDR/FOR/accuracy; sklearn/Fairlearn give 0).
 */
import type { BinaryCounts } from './cells.js';
import { divide, type Maybe } from './values.js';

export const RATE_NAMES = [
  'base_rate',
  'selection_rate',
  'true_positive_rate',
  'false_positive_rate',
  'true_negative_rate',
  'false_negative_rate',
  'positive_predictive_value',
  'negative_predictive_value',
  'false_discovery_rate',
  'false_omission_rate',
  'accuracy',
  'error_rate',
] as const;
export type RateName = (typeof RATE_NAMES)[number];

export function binaryRates(c: BinaryCounts): Record<RateName, Maybe> {
  const { tp, fp, tn, fn } = c;
  const total = tp + fp + tn + fn;
  const noRows = 'no rows (total weight 0)';
  const noPos = 'no actual positives (TP + FN = 0)';
  const noNeg = 'no actual negatives (TN + FP = 0)';
  const noPredPos = 'no predicted positives (TP + FP = 0)';
  const noPredNeg = 'no predicted negatives (TN + FN = 0)';
  return {
    base_rate: divide(tp + fn, total, noRows),
    selection_rate: divide(tp + fp, total, noRows),
    true_positive_rate: divide(tp, tp + fn, noPos),
    false_positive_rate: divide(fp, fp + tn, noNeg),
    true_negative_rate: divide(tn, fp + tn, noNeg),
    false_negative_rate: divide(fn, tp + fn, noPos),
    positive_predictive_value: divide(tp, tp + fp, noPredPos),
    negative_predictive_value: divide(tn, tn + fn, noPredNeg),
    false_discovery_rate: divide(fp, tp + fp, noPredPos),
    false_omission_rate: divide(fn, tn + fn, noPredNeg),
    accuracy: divide(tp + tn, total, noRows),
    error_rate: divide(fp + fn, total, noRows),
  };
}
