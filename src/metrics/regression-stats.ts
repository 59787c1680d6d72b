/**
 * Sufficient statistics for regression, aggregated in DuckDB per partition (none, or the sensitive groups):
 * weighted sums of targets, predictions, residuals, absolute and squared residuals, plus the two-pass
 * total sum of squares for R² and exact medians/quantiles. Residual r = y_true − y_pred.
 * Sums of doubles use DuckDB's fsum (compensated) so results do not depend on thread scheduling.
 */
import type { DataSession } from '../data/session.js';
import { defined, divide, type Maybe, undefinedBecause } from './values.js';

/** sklearn's MAPE floor: numpy.finfo(float64).eps. */
export const MAPE_EPS = 2.220446049250313e-16;

export interface RegressionSums {
  key: (string | null)[];
  n: number;
  w: number;
  sumY: number;
  sumPred: number;
  sumRes: number;
  sumAbs: number;
  sumSq: number;
  ssTot: number;
  maxAbs: number;
  /** unweighted quantiles of the residual: 5, 25, 50, 75, 95 % */
  residualQuantiles: number[];
  minRes: number;
  maxRes: number;
  sumSqRes: number;
  medianAbs: number;
  /** Σ w |r| / max(|y|, eps), over all rows and over rows with y ≠ 0 */
  sumApe: number;
  sumApeNonZero: number;
  wNonZero: number;
  zeroTargets: number;
}

export async function regressionSums(
  db: DataSession,
  part: string[],
  weight: 'w' | '1.0' = 'w',
): Promise<RegressionSums[]> {
  const sel = part.length ? `${part.join(', ')}, ` : '';
  const group = part.length ? `GROUP BY ${part.join(', ')}` : '';
  const join = part.length ? `JOIN m USING (${part.join(', ')})` : 'CROSS JOIN m';
  const W = weight;
  const rows = await db.rows(`WITH m AS (SELECT ${sel}fsum(${W} * y_true) / sum(${W}) AS ybar FROM scored ${group})
    SELECT ${sel}count(*)::DOUBLE, sum(${W})::DOUBLE, fsum(${W} * y_true), fsum(${W} * y_pred),
      fsum(${W} * (y_true - y_pred)), fsum(${W} * abs(y_true - y_pred)), fsum(${W} * power(y_true - y_pred, 2)),
      fsum(${W} * power(y_true - ybar, 2)), max(abs(y_true - y_pred)),
      quantile_cont(y_true - y_pred, [0.05, 0.25, 0.5, 0.75, 0.95]), min(y_true - y_pred), max(y_true - y_pred),
      quantile_cont(abs(y_true - y_pred), 0.5),
      fsum(${W} * abs(y_true - y_pred) / greatest(abs(y_true), ${MAPE_EPS})),
      coalesce(fsum(${W} * abs(y_true - y_pred) / abs(y_true)) FILTER (WHERE y_true <> 0), 0),
      coalesce(sum(${W}) FILTER (WHERE y_true <> 0), 0)::DOUBLE, count(*) FILTER (WHERE y_true = 0)::DOUBLE
    FROM scored ${join} ${group} ${part.length ? `ORDER BY ${part.join(', ')}` : ''}`);
  const k = part.length;
  return rows.map((r) => {
    const num = (i: number) => Number(r[k + i]);
    return {
      key: r.slice(0, k).map((v) => (v === null ? null : String(v))),
      n: num(0),
      w: num(1),
      sumY: num(2),
      sumPred: num(3),
      sumRes: num(4),
      sumAbs: num(5),
      sumSq: num(6),
      ssTot: num(7),
      maxAbs: num(8),
      residualQuantiles: listNumbers(r[k + 9]),
      minRes: num(10),
      maxRes: num(11),
      sumSqRes: num(6),
      medianAbs: num(12),
      sumApe: num(13),
      sumApeNonZero: num(14),
      wNonZero: num(15),
      zeroTargets: num(16),
    };
  });
}

function listNumbers(v: unknown): number[] {
  if (v === null || v === undefined) return [];
  const items = Array.isArray(v) ? v : ((v as { items?: unknown[] }).items ?? []);
  return items.map(Number);
}

/** sklearn's weighted median (_weighted_percentile at 50): smallest |r| whose cumulative weight ≥ half. */
export async function weightedMedianAbs(db: DataSession, part: string[]): Promise<Map<string, number>> {
  const sel = part.length ? `${part.join(', ')}, ` : '';
  const by = part.length ? `PARTITION BY ${part.join(', ')}` : '';
  const rows = await db.rows(`SELECT ${sel}min(a)::DOUBLE FROM (
      SELECT ${sel}abs(y_true - y_pred) AS a, sum(w) OVER (${by} ORDER BY abs(y_true - y_pred) ROWS UNBOUNDED PRECEDING) AS cw,
        sum(w) OVER (${by}) AS tw FROM scored) WHERE cw >= 0.5 * tw ${part.length ? `GROUP BY ${part.join(', ')}` : ''}`);
  return new Map(
    rows.map((r) => [
      JSON.stringify(r.slice(0, part.length).map((v) => (v === null ? null : String(v)))),
      Number(r[part.length]),
    ]),
  );
}

export type MapeRule = 'undefined' | 'epsilon' | 'exclude';

export interface RegressionMetrics {
  mae: Maybe;
  mse: Maybe;
  rmse: Maybe;
  r2: Maybe;
  median_absolute_error: Maybe;
  mape: Maybe;
  max_error: Maybe;
  mean_prediction: Maybe;
  mean_target: Maybe;
  mean_residual: Maybe;
}

export function regressionMetrics(s: RegressionSums, mapeRule: MapeRule, medianAbs: number): RegressionMetrics {
  const none = 'no rows';
  const mse = divide(s.sumSq, s.w, none);
  let r2: Maybe;
  if (s.n < 2) r2 = undefinedBecause('R² needs at least two rows');
  else if (s.ssTot === 0)
    r2 = undefinedBecause('every target is equal, so R² is 0/0 (sklearn reports 1.0 for a perfect fit, else 0.0)');
  else r2 = defined(1 - s.sumSq / s.ssTot);
  let mape: Maybe;
  if (s.zeroTargets > 0 && mapeRule === 'undefined') {
    mape = undefinedBecause(
      `${s.zeroTargets} target(s) are 0, where the percentage error is undefined (set mapeZeroTargets to "epsilon" for sklearn's rule or "exclude")`,
    );
  } else if (mapeRule === 'exclude') mape = divide(s.sumApeNonZero, s.wNonZero, 'every target is 0');
  else mape = divide(s.sumApe, s.w, none);
  return {
    mae: divide(s.sumAbs, s.w, none),
    mse,
    rmse: mse.value === null ? mse : defined(Math.sqrt(mse.value)),
    r2,
    median_absolute_error: s.n === 0 ? undefinedBecause(none) : defined(medianAbs),
    mape,
    max_error: s.n === 0 ? undefinedBecause(none) : defined(s.maxAbs),
    mean_prediction: divide(s.sumPred, s.w, none),
    mean_target: divide(s.sumY, s.w, none),
    mean_residual: divide(s.sumRes, s.w, none),
  };
}
