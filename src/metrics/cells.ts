/**
 * Sufficient statistics for classification: one row per (group × y_true × y_pred) with the row count and
 * the weight sum, aggregated inside DuckDB. Everything else in the classification metrics is arithmetic
 * on these few cells, which is what keeps the metrics fast and portable to another SQL engine.
 */

export type GroupKey = (string | null)[];

export interface Cell {
  group: GroupKey;
  /** class index of the ground truth */
  t: number;
  /** class index of the prediction */
  p: number;
  /** rows */
  n: number;
  /** Σ w */
  w: number;
}

export const sensitiveColumns = (m: number): string[] => Array.from({ length: m }, (_, k) => `s_${k}`);

/** A K×K matrix (row = truth, column = prediction) of weights and of counts. */
export interface Confusion {
  k: number;
  w: Float64Array;
  n: Float64Array;
}

export function emptyConfusion(k: number): Confusion {
  return { k, w: new Float64Array(k * k), n: new Float64Array(k * k) };
}

export function addCell(c: Confusion, cell: Cell, scale = 1): void {
  c.w[cell.t * c.k + cell.p] += cell.w * scale;
  c.n[cell.t * c.k + cell.p] += cell.n * scale;
}

/** One-vs-rest counts for class `cls` from a confusion matrix (weights, or counts with `counts`). */
export interface BinaryCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export function oneVsRest(c: Confusion, cls: number, counts = false): BinaryCounts {
  const m = counts ? c.n : c.w;
  let total = 0;
  let row = 0;
  let col = 0;
  for (let i = 0; i < c.k; i++) {
    for (let j = 0; j < c.k; j++) {
      const v = m[i * c.k + j];
      total += v;
      if (i === cls) row += v;
      if (j === cls) col += v;
    }
  }
  const tp = m[cls * c.k + cls];
  const fn = row - tp;
  const fp = col - tp;
  return { tp, fp, fn, tn: total - tp - fp - fn };
}

/** Group key → stable string for maps. */
export const groupId = (g: GroupKey): string => JSON.stringify(g);

/** Orders values numerically when every value is a number, else by code point (as numpy sorts strings). */
export function compareValues(numeric: boolean): (a: string | null, b: string | null) => number {
  return (a, b) => {
    if (a === b) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    if (numeric) return Number(a) - Number(b);
    return a < b ? -1 : 1;
  };
}

export const isNumericText = (v: string | null): boolean => v !== null && v.trim() !== '' && Number.isFinite(Number(v));
