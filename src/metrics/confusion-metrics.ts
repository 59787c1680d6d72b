/**
 * Label-based performance metrics from a weighted K×K confusion matrix, following scikit-learn's
 * definitions (sklearn/metrics/_classification.py) except that 0/0 is null with a reason where sklearn
 * returns 0 with a warning.
 */
import { type Confusion, oneVsRest } from './cells.js';
import { combine, defined, divide, type Maybe, undefinedBecause } from './values.js';

export interface PerClass {
  support: number;
  precision: Maybe;
  recall: Maybe;
  f1: Maybe;
  specificity: Maybe;
}

export interface LabelMetrics {
  accuracy: Maybe;
  balanced_accuracy: Maybe;
  matthews_corrcoef: Maybe;
  perClass: PerClass[];
  macro: { precision: Maybe; recall: Maybe; f1: Maybe; specificity: Maybe };
  micro: { precision: Maybe; recall: Maybe; f1: Maybe };
  weighted: { precision: Maybe; recall: Maybe; f1: Maybe };
}

function mean(values: Maybe[], what: string, labels: string[]): Maybe {
  const bad = values.findIndex((v) => v.value === null);
  if (bad >= 0) return undefinedBecause(`${what} of class ${labels[bad]} is undefined: ${values[bad].reason}`);
  return defined(values.reduce((s, v) => s + (v.value as number), 0) / values.length);
}

function weightedMean(values: Maybe[], weights: number[], what: string, labels: string[]): Maybe {
  let num = 0;
  let den = 0;
  for (let i = 0; i < values.length; i++) {
    if (weights[i] === 0) continue;
    const v = values[i];
    if (v.value === null) return undefinedBecause(`${what} of class ${labels[i]} is undefined: ${v.reason}`);
    num += weights[i] * v.value;
    den += weights[i];
  }
  return divide(num, den, 'no rows');
}

export function labelMetrics(c: Confusion, labels: string[]): LabelMetrics {
  const k = c.k;
  const m = c.w;
  const rows = new Array<number>(k).fill(0);
  const cols = new Array<number>(k).fill(0);
  let total = 0;
  let trace = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = m[i * k + j];
      rows[i] += v;
      cols[j] += v;
      total += v;
      if (i === j) trace += v;
    }
  }
  const perClass: PerClass[] = [];
  for (let cls = 0; cls < k; cls++) {
    const { tp, fp, fn, tn } = oneVsRest(c, cls);
    const precision = divide(tp, tp + fp, `no predictions of class ${labels[cls]}`);
    const recall = divide(tp, tp + fn, `no rows of class ${labels[cls]}`);
    const f1 = divide(2 * tp, 2 * tp + fp + fn, `no rows or predictions of class ${labels[cls]}`);
    const specificity = divide(tn, tn + fp, `no rows outside class ${labels[cls]}`);
    perClass.push({ support: rows[cls], precision, recall, f1, specificity });
  }
  // Balanced accuracy: mean recall over classes present in y_true (sklearn drops classes with no support).
  const present = perClass.filter((p) => p.support > 0);
  const balanced =
    present.length === 0
      ? undefinedBecause('no rows')
      : defined(present.reduce((s, p) => s + (p.recall.value as number), 0) / present.length);
  // MCC, multiclass form (Gorodkin 2004), as sklearn's matthews_corrcoef.
  let tp_sum = 0;
  let tt = 0;
  let pp = 0;
  for (let i = 0; i < k; i++) {
    tp_sum += rows[i] * cols[i];
    tt += rows[i] * rows[i];
    pp += cols[i] * cols[i];
  }
  const covYtYp = trace * total - tp_sum;
  const covYpYp = total * total - pp;
  const covYtYt = total * total - tt;
  const mcc =
    covYpYp * covYtYt === 0
      ? undefinedBecause('every label or every prediction is the same class (sklearn returns 0)')
      : defined(covYtYp / Math.sqrt(covYtYt * covYpYp));
  const accuracy = divide(trace, total, 'no rows');
  const supports = perClass.map((p) => p.support);
  // Averages run over the classes seen in y_true or y_pred, as sklearn's default `labels`.
  const used = perClass.map((_, i) => rows[i] + cols[i] > 0);
  const pick = (f: (p: PerClass) => Maybe): Maybe[] => perClass.filter((_, i) => used[i]).map(f);
  const usedLabels = labels.filter((_, i) => used[i]);
  return {
    accuracy,
    balanced_accuracy: balanced,
    matthews_corrcoef: mcc,
    perClass,
    macro: {
      precision: mean(
        pick((p) => p.precision),
        'precision',
        usedLabels,
      ),
      recall: mean(
        pick((p) => p.recall),
        'recall',
        usedLabels,
      ),
      f1: mean(
        pick((p) => p.f1),
        'F1',
        usedLabels,
      ),
      specificity: mean(
        pick((p) => p.specificity),
        'specificity',
        usedLabels,
      ),
    },
    // Single-label multiclass: micro precision = micro recall = micro F1 = accuracy.
    micro: { precision: accuracy, recall: accuracy, f1: combine([accuracy], (a) => a) },
    weighted: {
      precision: weightedMean(
        perClass.map((p) => p.precision),
        supports,
        'precision',
        labels,
      ),
      recall: weightedMean(
        perClass.map((p) => p.recall),
        supports,
        'recall',
        labels,
      ),
      f1: weightedMean(
        perClass.map((p) => p.f1),
        supports,
        'F1',
        labels,
      ),
    },
  };
}
