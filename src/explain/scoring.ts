/**
 * The scores permutation importance compares, computed in-process from model outputs (the performance
 * tests compute theirs in SQL over the scored table; these work on the permuted predictions that never reach
 * the session). Definitions follow scikit-learn's `sklearn/metrics` (`accuracy_score`,
 * `balanced_accuracy_score`, `roc_auc_score`, `log_loss`, `mean_absolute_error`, `mean_squared_error`,
 * `r2_score`), unweighted.
 *
 * Classification outputs are the class probabilities (n × K, K ≥ 2) or, for a binary model, P(positive) (n × 1);
 * the predicted class is the argmax (ties → lowest index; binary: P(positive) ≥ 0.5).
 */
export const CLASSIFICATION_SCORES = ['accuracy', 'balanced_accuracy', 'roc_auc', 'log_loss'] as const;
export const REGRESSION_SCORES = ['mae', 'rmse', 'r2'] as const;
export type ScoreName = (typeof CLASSIFICATION_SCORES)[number] | (typeof REGRESSION_SCORES)[number];

/** Whether a larger value is better (importance = drop in a higher-is-better score, rise in a loss). */
export function higherIsBetter(name: ScoreName): boolean {
  return name === 'accuracy' || name === 'balanced_accuracy' || name === 'roc_auc' || name === 'r2';
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

/**
 * Computes a score. y: n × m outputs; yTrue: class index (classification) or value (regression).
 * Returns null when undefined (ROC AUC with one class; R² with constant truth).
 */
export function score(name: ScoreName, y: Float64Array, m: number, yTrue: Float64Array): number | null {
  const n = yTrue.length;
  if (n === 0) return null;
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
  }
}
