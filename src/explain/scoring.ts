/**
 * The scores permutation importance compares, computed in-process from model outputs (the performance
 * tests compute theirs in SQL over the scored table; these work on the permuted predictions that never reach
 * the session). Names and definitions are those of `src/metrics` (docs/metrics.md), unweighted; they follow
 * scikit-learn's `sklearn/metrics` (`accuracy_score`, `balanced_accuracy_score`, `precision_score`,
 * `recall_score`, `f1_score`, `matthews_corrcoef`, `roc_auc_score`, `log_loss`, `brier_score_loss`,
 * `mean_absolute_error`, `mean_squared_error`, `r2_score`, `median_absolute_error`, `max_error`), except that
 * 0/0 is undefined (null with a reason) where scikit-learn returns 0.
 *
 * Classification outputs are the class probabilities (n × K, K ≥ 2) or, for a binary model, P(positive) (n × 1);
 * the predicted class is the argmax (ties → lowest index; binary: P(positive) ≥ 0.5).
 */
export const CLASSIFICATION_SCORES = [
  'accuracy',
  'balanced_accuracy',
  'precision',
  'recall',
  'f1',
  'specificity',
  'matthews_corrcoef',
  'roc_auc',
  'log_loss',
  'brier_score',
] as const;
export const REGRESSION_SCORES = ['mae', 'mse', 'rmse', 'r2', 'median_absolute_error', 'max_error'] as const;
/** Scores defined for the positive class (class index 1) only, as in performance.classification. */
export const BINARY_ONLY_SCORES: readonly ScoreName[] = ['precision', 'recall', 'f1', 'specificity', 'brier_score'];
export type ScoreName = (typeof CLASSIFICATION_SCORES)[number] | (typeof REGRESSION_SCORES)[number];

/** A score, or null with the reason it is undefined (never NaN). */
export interface ScoreValue {
  value: number | null;
  reason?: string;
}

const LOSSES: readonly ScoreName[] = [
  'log_loss',
  'brier_score',
  'mae',
  'mse',
  'rmse',
  'median_absolute_error',
  'max_error',
];

/** Whether a larger value is better (importance = drop in a higher-is-better score, rise in a loss). */
export function higherIsBetter(name: ScoreName): boolean {
  return !LOSSES.includes(name);
}

/** Probability of class c for row i (binary single-column outputs expand to [1 − p, p]). */
function prob(y: Float64Array, m: number, i: number, c: number): number {
  if (m === 1) return c === 1 ? y[i] : 1 - y[i];
  return y[i * m + c];
}

function predictedClass(y: Float64Array, m: number, i: number): number {
  if (m === 1) return y[i] >= 0.5 ? 1 : 0;
  let best = 0;
  for (let c = 1; c < m; c++) if (y[i * m + c] > y[i * m + best]) best = c;
  return best;
}

/** Binary ROC AUC by the rank-sum (Mann–Whitney U) formula with average ranks for ties; null if one class is absent. */
export function rocAuc(score: Float64Array, positive: Uint8Array): number | null {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]] === score[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (positive[order[k]]) {
        pos++;
        rankSum += avg;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Unweighted binary confusion counts for the positive class (index 1). */
function binaryCounts(
  y: Float64Array,
  m: number,
  yTrue: Float64Array,
): { tp: number; fp: number; fn: number; tn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = predictedClass(y, m, i) === 1;
    const t = yTrue[i] === 1;
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

const ratio = (num: number, den: number, reason: string): ScoreValue =>
  den === 0 ? { value: null, reason } : { value: num / den };

/** Matthews correlation, multiclass form (Gorodkin 2004) as sklearn's `matthews_corrcoef`; K = number of classes. */
function matthews(y: Float64Array, m: number, yTrue: Float64Array): ScoreValue {
  const n = yTrue.length;
  const k = Math.max(m, 2);
  const t = new Float64Array(k);
  const p = new Float64Array(k);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const c = predictedClass(y, m, i);
    t[yTrue[i]]++;
    p[c]++;
    if (c === yTrue[i]) correct++;
  }
  let tp = 0;
  let tt = 0;
  let pp = 0;
  for (let c = 0; c < k; c++) {
    tp += t[c] * p[c];
    tt += t[c] * t[c];
    pp += p[c] * p[c];
  }
  const den = (n * n - pp) * (n * n - tt);
  if (den === 0)
    return { value: null, reason: 'every label or every prediction is the same class (sklearn returns 0)' };
  return { value: (correct * n - tp) / Math.sqrt(den) };
}

/** Median of |r| (numpy's median: the mean of the two middle values for an even count). */
function medianAbs(y: Float64Array, m: number, yTrue: Float64Array): number {
  const n = yTrue.length;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = Math.abs(y[i * m] - yTrue[i]);
  r.sort();
  return n % 2 === 1 ? r[(n - 1) / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
}

/** Computes a score; null only where it is undefined. */
export function score(name: ScoreName, y: Float64Array, m: number, yTrue: Float64Array): number | null {
  return scoreValue(name, y, m, yTrue).value;
}

/**
 * Computes a score with the reason when it is undefined. y: n × m outputs; yTrue: class index (classification)
 * or value (regression). Binary-only scores take class 1 as the positive class.
 */
export function scoreValue(name: ScoreName, y: Float64Array, m: number, yTrue: Float64Array): ScoreValue {
  const n = yTrue.length;
  if (n === 0) return { value: null, reason: 'no rows' };
  if (BINARY_ONLY_SCORES.includes(name) && m > 2) {
    throw new Error(`${name} is defined for binary classification only (the model has ${m} outputs)`);
  }
  switch (name) {
    case 'precision': {
      const c = binaryCounts(y, m, yTrue);
      return ratio(c.tp, c.tp + c.fp, 'no predicted positives (TP + FP = 0)');
    }
    case 'recall': {
      const c = binaryCounts(y, m, yTrue);
      return ratio(c.tp, c.tp + c.fn, 'no actual positives (TP + FN = 0)');
    }
    case 'f1': {
      const c = binaryCounts(y, m, yTrue);
      return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn, 'no actual or predicted positives (2TP + FP + FN = 0)');
    }
    case 'specificity': {
      const c = binaryCounts(y, m, yTrue);
      return ratio(c.tn, c.tn + c.fp, 'no actual negatives (TN + FP = 0)');
    }
    case 'matthews_corrcoef':
      return matthews(y, m, yTrue);
    case 'brier_score': {
      // Binary form (sklearn brier_score_loss): mean (y − P(positive))².
      let s = 0;
      for (let i = 0; i < n; i++) s += (yTrue[i] - prob(y, m, i, 1)) ** 2;
      return { value: s / n };
    }
    case 'mse': {
      let s = 0;
      for (let i = 0; i < n; i++) s += (y[i * m] - yTrue[i]) ** 2;
      return { value: s / n };
    }
    case 'median_absolute_error':
      return { value: medianAbs(y, m, yTrue) };
    case 'max_error': {
      let s = 0;
      for (let i = 0; i < n; i++) s = Math.max(s, Math.abs(y[i * m] - yTrue[i]));
      return { value: s };
    }
    case 'roc_auc': {
      const v = basicScore(name, y, m, yTrue);
      return v === null ? { value: null, reason: 'only one class among the true labels' } : { value: v };
    }
    case 'r2': {
      const v = basicScore(name, y, m, yTrue);
      return v === null ? { value: null, reason: 'all targets equal (0/0)' } : { value: v };
    }
    default:
      return { value: basicScore(name, y, m, yTrue) };
  }
}

/** The scores whose only undefined case is named by the caller (accuracy, balanced accuracy, ROC AUC, log loss, MAE, RMSE, R²); null when undefined. */
function basicScore(name: ScoreName, y: Float64Array, m: number, yTrue: Float64Array): number | null {
  const n = yTrue.length;
  switch (name) {
    case 'accuracy': {
      let ok = 0;
      for (let i = 0; i < n; i++) if (predictedClass(y, m, i) === yTrue[i]) ok++;
      return ok / n;
    }
    case 'balanced_accuracy': {
      // Mean recall over the classes present in the truth (sklearn's definition, adjusted=False).
      const k = Math.max(m, 2);
      const hit = new Float64Array(k);
      const count = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        count[yTrue[i]]++;
        if (predictedClass(y, m, i) === yTrue[i]) hit[yTrue[i]]++;
      }
      let s = 0;
      let present = 0;
      for (let c = 0; c < k; c++) {
        if (count[c] > 0) {
          s += hit[c] / count[c];
          present++;
        }
      }
      return s / present;
    }
    case 'roc_auc': {
      // Binary: P(class 1); multiclass: macro average of one-vs-rest AUCs (sklearn multi_class="ovr").
      const k = Math.max(m, 2);
      const classes = k === 2 ? [1] : Array.from({ length: k }, (_, c) => c);
      let s = 0;
      for (const c of classes) {
        const sc = new Float64Array(n);
        const pos = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          sc[i] = prob(y, m, i, c);
          pos[i] = yTrue[i] === c ? 1 : 0;
        }
        const a = rocAuc(sc, pos);
        if (a === null) return null;
        s += a;
      }
      return s / classes.length;
    }
    case 'log_loss': {
      // Probabilities clipped to [1e-15, 1 − 1e-15] so a confident mistake costs a finite amount.
      let s = 0;
      for (let i = 0; i < n; i++) {
        const p = Math.min(1 - 1e-15, Math.max(1e-15, prob(y, m, i, yTrue[i])));
        s -= Math.log(p);
      }
      return s / n;
    }
    case 'mae': {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.abs(y[i * m] - yTrue[i]);
      return s / n;
    }
    case 'rmse': {
      let s = 0;
      for (let i = 0; i < n; i++) s += (y[i * m] - yTrue[i]) ** 2;
      return Math.sqrt(s / n);
    }
    case 'r2': {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += yTrue[i] / n;
      let ssRes = 0;
      let ssTot = 0;
      for (let i = 0; i < n; i++) {
        ssRes += (y[i * m] - yTrue[i]) ** 2;
        ssTot += (yTrue[i] - mean) ** 2;
      }
      return ssTot === 0 ? null : 1 - ssRes / ssTot;
    }
    default:
      return null;
  }
}
