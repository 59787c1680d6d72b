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

export interface RankStats {
  key: (string | number | null)[];
  auc: Maybe;
  averagePrecision: Maybe;
  positives: number;
  negatives: number;
}

let mapCounter = 0;

export interface CurveOptions {
  /** sensitive columns to partition by (none = the whole data) */
  groups: string[];
  /** multiclass: number of classes (one-vs-rest curves per class); binary: null */
  classes: number | null;
  /** keep ROC points (about this many per curve); 0 = none */
  rocPoints: number;
}

export interface Curves {
  stats: RankStats[];
  /** ROC curve per partition, keyed like `stats` */
  roc: RocPoint[][];
}

/**
 * ROC AUC, average precision and ROC curves from score cells sorted by DuckDB (partition, score descending).
 * One pass over the sorted cells accumulates, per partition, TP(> s) and FP(> s):
 *   AUC = Σ_s nw(s)·(TP(> s) + ½·pw(s)) / (P·N)   (Mann–Whitney, ties ½)
 *   AP  = Σ_s pw(s)·TP(≥ s)/(TP(≥ s) + FP(≥ s)) / P
 * The running sums are taken over typed arrays streamed from DuckDB: its running-sum window
 * (`sum(pw) OVER (PARTITION BY … ORDER BY s DESC ROWS UNBOUNDED PRECEDING)`, which is the same computation in
 * SQL for engines such as PostgreSQL) was several times slower than the sort itself.
 */
export async function rankCurves(db: DataSession, opts: CurveOptions): Promise<Curves> {
  const g = opts.groups;
  let gmap: string | null = null;
  let keys: (string | null)[][] = [[]];
  if (g.length > 0) {
    gmap = `__score_groups_${++mapCounter}`;
    await db.exec(
      `CREATE OR REPLACE TEMP TABLE ${gmap} AS SELECT ${g.join(', ')}, (row_number() OVER (ORDER BY ${g.join(', ')}) - 1)::INTEGER AS gid FROM (SELECT DISTINCT ${g.join(', ')} FROM scored)`,
    );
    keys = (await db.rows(`SELECT ${g.join(', ')} FROM ${gmap} ORDER BY gid`)).map((r) =>
      r.map((v) => (v === null ? null : String(v))),
    );
  }
  const from = gmap
    ? `scored d JOIN ${gmap} m ON ${g.map((c) => `d.${c} IS NOT DISTINCT FROM m.${c}`).join(' AND ')}`
    : 'scored d';
  const gid = gmap ? 'm.gid' : '0';
  const k = opts.classes;
  let sql: string;
  if (k === null) {
    sql = `SELECT ${gid} AS gid, 0 AS cls, d.y_score AS s, sum(CASE WHEN d.y_true = 1 THEN d.w ELSE 0 END) AS pw,
        sum(CASE WHEN d.y_true = 1 THEN 0 ELSE d.w END) AS nw
      FROM ${from} WHERE d.y_score IS NOT NULL GROUP BY ALL`;
  } else {
    const probs = Array.from({ length: k }, (_, i) => `p_${i}`).join(', ');
    sql = `SELECT gid, cls, s, sum(CASE WHEN y_true = cls THEN w ELSE 0 END) AS pw, sum(CASE WHEN y_true = cls THEN 0 ELSE w END) AS nw
      FROM (SELECT gid, y_true, w, replace(name, 'p_', '')::INTEGER AS cls, s FROM
        (UNPIVOT (SELECT ${gid} AS gid, d.y_true, d.w, ${Array.from({ length: k }, (_, i) => `d.p_${i}`).join(', ')} FROM ${from})
         ON ${probs} INTO NAME name VALUE s))
      GROUP BY ALL`;
  }
  const perGroup = k ?? 1;
  const parts = keys.length * perGroup;
  const tp = new Float64Array(parts);
  const fp = new Float64Array(parts);
  const aucNum = new Float64Array(parts);
  const apNum = new Float64Array(parts);
  const seen = new Uint8Array(parts);
  const roc: { s: number[]; tp: number[]; fp: number[] }[] = Array.from({ length: parts }, () => ({
    s: [],
    tp: [],
    fp: [],
  }));
  // Constant gid/cls columns are not transferred.
  const sendGid = gmap !== null;
  const sendCls = k !== null;
  const select = [...(sendGid ? ['gid'] : []), ...(sendCls ? ['cls'] : []), 's', 'pw', 'nw'].join(', ');
  await db.streamDoubles(`SELECT ${select} FROM (${sql}) ORDER BY gid, cls, s DESC`, (cols, n) => {
    let c = 0;
    const gc = sendGid ? cols[c++] : null;
    const cc = sendCls ? cols[c++] : null;
    const [sc, pc, nc] = [cols[c], cols[c + 1], cols[c + 2]];
    for (let i = 0; i < n; i++) {
      const at = (gc ? gc[i] : 0) * perGroup + (cc ? cc[i] : 0);
      const pw = pc[i];
      const nw = nc[i];
      seen[at] = 1;
      aucNum[at] += nw * (tp[at] + 0.5 * pw);
      tp[at] += pw;
      fp[at] += nw;
      if (pw > 0) apNum[at] += (pw * tp[at]) / (tp[at] + fp[at]);
      if (opts.rocPoints > 0) {
        roc[at].s.push(sc[i]);
        roc[at].tp.push(tp[at]);
        roc[at].fp.push(fp[at]);
      }
    }
  });
  if (gmap) await db.exec(`DROP TABLE IF EXISTS ${gmap}`);
  const stats: RankStats[] = [];
  const curves: RocPoint[][] = [];
  for (let at = 0; at < parts; at++) {
    const key: (string | number | null)[] = [...keys[Math.floor(at / perGroup)]];
    if (k !== null) key.push(at % perGroup);
    const P = tp[at];
    const N = fp[at];
    const auc = !seen[at]
      ? undefinedBecause('no scored rows')
      : P === 0
        ? undefinedBecause('no positive rows: ROC AUC needs both classes')
        : N === 0
          ? undefinedBecause('no negative rows: ROC AUC needs both classes')
          : defined(aucNum[at] / (P * N));
    stats.push({
      key,
      auc,
      averagePrecision: divide(apNum[at], P, 'no positive rows: average precision needs positives'),
      positives: P,
      negatives: N,
    });
    const r = roc[at];
    const points: RocPoint[] = [];
    const count = r.s.length;
    if (opts.rocPoints > 0 && count > 0 && P > 0 && N > 0) {
      points.push({ threshold: null, fpr: 0, tpr: 0 });
      const step = Math.ceil(count / opts.rocPoints);
      for (let j = 1; j <= count; j++) {
        if (count <= opts.rocPoints || j % step === 0 || j === count) {
          points.push({ threshold: r.s[j - 1], fpr: r.fp[j - 1] / N, tpr: r.tp[j - 1] / P });
        }
      }
    }
    curves.push(points);
  }
  return { stats, roc: curves };
}

export interface RocPoint {
  threshold: number | null;
  fpr: number;
  tpr: number;
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
