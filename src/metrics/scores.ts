/**
 * Score-based metrics computed inside DuckDB. Binary scores are first reduced to "score cells": one row per
 * (partition, distinct score) with the positive and negative weight at that score. Sorting those cells gives
 * ROC AUC as the Mann–Whitney statistic with ties counted one half (equal to sklearn's trapezoidal
 * roc_auc_score), average precision as sklearn's step-wise sum over distinct thresholds
 * (sklearn/metrics/_ranking.py), the ROC curve, calibration bins, log loss and the Brier score.
 */
import type { DataSession } from '../data/session.js';
import { defined, divide, type Maybe, undefinedBecause } from './values.js';

/** sklearn ≤ 1.2 log_loss clipping (eps = 1e-15), then rows renormalised to sum 1. */
export const LOG_LOSS_EPS = 1e-15;

const partSql = (part: string[]) => ({
  by: part.length ? `PARTITION BY ${part.join(', ')}` : '',
  group: part.length ? `GROUP BY ${part.join(', ')}` : '',
  sel: part.length ? `${part.join(', ')}, ` : '',
});

/** SQL of the score-cell relation for the binary positive class (class index 1). */
export function binaryScoreCells(part: string[]): string {
  const p = partSql(part);
  return `SELECT ${p.sel}y_score AS s, sum(CASE WHEN y_true = 1 THEN w ELSE 0 END)::DOUBLE AS pw, sum(CASE WHEN y_true = 1 THEN 0 ELSE w END)::DOUBLE AS nw FROM scored WHERE y_score IS NOT NULL GROUP BY ${p.sel}y_score`;
}

/** One-vs-rest score cells for every class: partition column `cls` holds the class index. */
export function multiclassScoreCells(part: string[], k: number): string {
  const p = partSql(part);
  const probs = Array.from({ length: k }, (_, i) => `p_${i}`).join(', ');
  return `SELECT ${p.sel}cls, s, sum(CASE WHEN y_true = cls THEN w ELSE 0 END)::DOUBLE AS pw, sum(CASE WHEN y_true = cls THEN 0 ELSE w END)::DOUBLE AS nw FROM (SELECT ${p.sel}y_true, w, (replace(name, 'p_', ''))::INTEGER AS cls, s FROM (UNPIVOT (SELECT ${p.sel}y_true, w, ${probs} FROM scored) ON ${probs} INTO NAME name VALUE s)) GROUP BY ${p.sel}cls, s`;
}

export interface RankStats {
  key: (string | number | null)[];
  auc: Maybe;
  averagePrecision: Maybe;
  positives: number;
  negatives: number;
}

/** ROC AUC and average precision per partition, from a score-cell relation. */
export async function rankStats(db: DataSession, cellsSql: string, part: string[]): Promise<RankStats[]> {
  const p = partSql(part);
  const rows = await db.rows(`WITH cells AS (${cellsSql}), c AS (
      SELECT ${p.sel}s, pw, nw,
        coalesce(sum(nw) OVER (${p.by} ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS nbelow,
        sum(pw) OVER (${p.by} ORDER BY s DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ctp,
        sum(nw) OVER (${p.by} ORDER BY s DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cfp
      FROM cells)
    SELECT ${p.sel}sum(pw * (nbelow + 0.5 * nw))::DOUBLE, sum(pw)::DOUBLE, sum(nw)::DOUBLE,
      sum(CASE WHEN pw > 0 THEN pw * ctp / (ctp + cfp) ELSE 0 END)::DOUBLE
    FROM c ${p.group} ${part.length ? `ORDER BY ${part.join(', ')}` : ''}`);
  return rows.map((r) => {
    const m = part.length;
    const num = Number(r[m]);
    const pos = Number(r[m + 1]);
    const neg = Number(r[m + 2]);
    const ap = Number(r[m + 3]);
    const auc =
      pos === 0
        ? undefinedBecause('no positive rows: ROC AUC needs both classes')
        : neg === 0
          ? undefinedBecause('no negative rows: ROC AUC needs both classes')
          : defined(num / (pos * neg));
    return {
      key: r.slice(0, m).map((v) => (v === null ? null : typeof v === 'number' ? v : String(v))),
      auc,
      averagePrecision: divide(ap, pos, 'no positive rows: average precision needs positives'),
      positives: pos,
      negatives: neg,
    };
  });
}

export interface RocPoint {
  threshold: number | null;
  fpr: number;
  tpr: number;
}

/** ROC curve at distinct thresholds (highest first), thinned to about `maxPoints`; first point (0, 0). */
export async function rocCurve(db: DataSession, cellsSql: string, maxPoints: number): Promise<RocPoint[]> {
  const rows = await db.rows(`WITH cells AS (${cellsSql}), c AS (
      SELECT s, sum(pw) OVER w AS ctp, sum(nw) OVER w AS cfp, row_number() OVER (ORDER BY s DESC) AS i,
        count(*) OVER () AS k, sum(pw) OVER () AS P, sum(nw) OVER () AS N
      FROM cells WINDOW w AS (ORDER BY s DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
    SELECT s::DOUBLE, (cfp / N)::DOUBLE, (ctp / P)::DOUBLE FROM c
    WHERE P > 0 AND N > 0 AND (k <= ${maxPoints} OR i % ceil(k / ${maxPoints})::BIGINT = 0 OR i = k) ORDER BY i`);
  if (rows.length === 0) return [];
  return [
    { threshold: null, fpr: 0, tpr: 0 },
    ...rows.map((r) => ({ threshold: Number(r[0]), fpr: Number(r[1]), tpr: Number(r[2]) })),
  ];
}

/** Bin edges as numpy.linspace(0, 1, bins + 1) computes them (i·step, last edge exactly 1). */
export function binEdges(bins: number): number[] {
  const step = 1 / bins;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? 1 : i * step));
}

/** SQL bin index of `expr` as numpy.searchsorted(edges[1:-1], v) (a value on an edge goes to the lower bin). */
export function binIndexSql(expr: string, bins: number): string {
  const edges = binEdges(bins);
  const whens = edges
    .slice(1, -1)
    .map((e, i) => `WHEN ${expr} <= ${e} THEN ${i}`)
    .join(' ');
  return `CASE ${whens} ELSE ${bins - 1} END`;
}

export interface CalibrationBin {
  bin: number;
  lower: number;
  upper: number;
  weight: number;
  count: number;
  meanPredicted: number;
  fractionPositive: number;
}

export interface Calibration {
  bins: CalibrationBin[];
  ece: Maybe;
}

/**
 * Calibration curve (sklearn calibration_curve, strategy "uniform") and expected calibration error
 * ECE = Σ_b (W_b / W) · |fraction positive_b − mean predicted_b| over non-empty bins (Guo et al. 2017).
 * `confidenceSql`/`hitSql` choose what is calibrated: the positive-class score and y = 1 for binary, the
 * top-label probability and "prediction correct" for multiclass.
 */
export async function calibration(
  db: DataSession,
  confidenceSql: string,
  hitSql: string,
  bins: number,
): Promise<Calibration> {
  const edges = binEdges(bins);
  const rows = await db.rows(`SELECT ${binIndexSql('c', bins)} AS b, sum(w)::DOUBLE, count(*)::DOUBLE,
      sum(w * c)::DOUBLE, sum(w * h)::DOUBLE
    FROM (SELECT ${confidenceSql} AS c, (${hitSql})::DOUBLE AS h, w FROM scored) GROUP BY b ORDER BY b`);
  const out: CalibrationBin[] = [];
  let total = 0;
  let gap = 0;
  for (const r of rows) {
    const b = Number(r[0]);
    const wsum = Number(r[1]);
    if (wsum === 0) continue;
    const meanPredicted = Number(r[3]) / wsum;
    const fractionPositive = Number(r[4]) / wsum;
    out.push({
      bin: b,
      lower: edges[b],
      upper: edges[b + 1],
      weight: wsum,
      count: Number(r[2]),
      meanPredicted,
      fractionPositive,
    });
    total += wsum;
    gap += wsum * Math.abs(fractionPositive - meanPredicted);
  }
  return { bins: out, ece: divide(gap, total, 'no rows with scores') };
}

/** Log loss and Brier score of binary scores (sklearn log_loss with eps 1e-15 and renormalisation). */
export async function binaryProbabilityLosses(db: DataSession): Promise<{ logLoss: Maybe; brier: Maybe }> {
  const eps = LOG_LOSS_EPS;
  const clip = (x: string) => `greatest(least(${x}, ${1 - eps}), ${eps})`;
  const r = await db.rows(`SELECT
      sum(w * -ln(CASE WHEN y_true = 1 THEN ${clip('y_score')} ELSE ${clip('1 - y_score')} END
        / (${clip('y_score')} + ${clip('1 - y_score')})))::DOUBLE,
      sum(w * power((y_true = 1)::DOUBLE - y_score, 2))::DOUBLE, sum(w)::DOUBLE FROM scored`);
  const [ll, br, wsum] = r[0].map(Number);
  return {
    logLoss: divide(ll, wsum, 'no rows'),
    brier: divide(br, wsum, 'no rows'),
  };
}

/**
 * Multiclass log loss (probabilities clipped to [eps, 1 − eps] and renormalised per row, as sklearn ≤ 1.4)
 * and the multiclass Brier score Σ_k (p_k − 1[y = k])² averaged over rows (sklearn ≥ 1.7's definition).
 */
export async function multiclassProbabilityLosses(
  db: DataSession,
  k: number,
): Promise<{ logLoss: Maybe; brier: Maybe }> {
  const eps = LOG_LOSS_EPS;
  const clip = (i: number) => `greatest(least(p_${i}, ${1 - eps}), ${eps})`;
  const clipped = `[${Array.from({ length: k }, (_, i) => clip(i)).join(', ')}]`;
  const sum = Array.from({ length: k }, (_, i) => clip(i)).join(' + ');
  const brier = Array.from({ length: k }, (_, i) => `power(p_${i} - (y_true = ${i})::DOUBLE, 2)`).join(' + ');
  const r = await db.rows(`SELECT sum(w * -ln(list_extract(${clipped}, y_true + 1) / (${sum})))::DOUBLE,
      sum(w * (${brier}))::DOUBLE, sum(w)::DOUBLE FROM scored`);
  const [ll, br, wsum] = r[0].map(Number);
  return { logLoss: divide(ll, wsum, 'no rows'), brier: divide(br, wsum, 'no rows') };
}

/** How many rows lack scores, and whether every score is a probability. */
export async function scoreCoverage(
  db: DataSession,
  cols: string[],
): Promise<{ rows: number; missing: number; outside01: number }> {
  const anyNull = cols.map((c) => `${c} IS NULL`).join(' OR ');
  const outside = cols.map((c) => `${c} < 0 OR ${c} > 1`).join(' OR ');
  const r = await db.rows(
    `SELECT count(*)::DOUBLE, count(*) FILTER (WHERE ${anyNull})::DOUBLE, count(*) FILTER (WHERE ${outside})::DOUBLE FROM scored`,
  );
  return { rows: Number(r[0][0]), missing: Number(r[0][1]), outside01: Number(r[0][2]) };
}
