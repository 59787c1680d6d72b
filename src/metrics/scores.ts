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

export interface CurveOptions {
  /** sensitive columns: also compute per-group statistics (none = overall only) */
  groups: string[];
  /** the sensitive groups' values in a fixed order (their index is the group id) */
  groupKeys?: (string | null)[][];
  /** multiclass: number of classes (one-vs-rest curves per class); binary: null */
  classes: number | null;
  /** keep overall ROC points (about this many per curve); 0 = none */
  rocPoints: number;
  /** binary: also the log loss, Brier score and calibration bins (this many) from the score cells */
  calibrationBins?: number;
  /** per-group ROC curves (about this many points each) and, with calibrationBins, per-group calibration bins */
  groupRocPoints?: number;
}

export interface ProbabilitySums {
  weight: number;
  logLossSum: number;
  brierSum: number;
  bins: { bin: number; weight: number; count: number; confidenceSum: number; hitSum: number }[];
}

export interface Curves {
  /** per class (one entry for binary), key = [class index] for multiclass, [] for binary */
  overall: RankStats[];
  /** per group × class, key = [...group values, class index?] */
  groups: RankStats[];
  /** overall ROC curve per class */
  roc: RocPoint[][];
  /** binary with `calibrationBins`: additive probability sums over the score cells */
  probability: ProbabilitySums | null;
  /** with `groupRocPoints`: ROC points per entry of `groups` */
  groupRoc?: RocPoint[][];
  /** with `groupRocPoints` and `calibrationBins` (binary): calibration sums per entry of `groups` */
  groupBins?: ProbabilitySums['bins'][];
}

/**
 * Running sums of one curve, fed with (pw, nw) at strictly decreasing scores.
 *
 * ROC points are thinned while streaming, so memory stays O(maxPoints) whatever the number of distinct scores
 * (keeping every point of 15 groups × 5M scores cost 1.5 s in array growth alone): the curve keeps every
 * `stride`-th threshold, and when more than maxPoints are kept the stride doubles and every other kept point is
 * dropped. The result is every S-th threshold, S the smallest power of two that keeps at most maxPoints, plus
 * the last (fpr = tpr = 1); with at most maxPoints distinct scores, every threshold.
 */
class Running {
  tp = 0;
  fp = 0;
  auc = 0;
  ap = 0;
  seen = false;
  private blocks = 0;
  private stride = 1;
  private readonly kept: { s: number[]; tp: number[]; fp: number[] } = { s: [], tp: [], fp: [] };
  private lastS = Number.NaN;
  // Rows of one score may arrive one by one (uncollapsed cells): they are summed here and added as one tie block.
  private pendS = Number.NaN;
  private pendP = 0;
  private pendN = 0;
  /** @param maxPoints ROC points to keep (about); 0 = none */
  constructor(private readonly maxPoints: number) {}
  /** Adds one row or cell at score s; equal scores must arrive consecutively (scores sorted). */
  push(s: number, pw: number, nw: number): void {
    if (s !== this.pendS) {
      this.finish();
      this.pendS = s;
    }
    this.pendP += pw;
    this.pendN += nw;
  }
  /** Adds the pending tie block. */
  finish(): void {
    if (Number.isNaN(this.pendS)) return;
    this.add(this.pendS, this.pendP, this.pendN);
    this.pendS = Number.NaN;
    this.pendP = 0;
    this.pendN = 0;
  }
  add(s: number, pw: number, nw: number): void {
    this.seen = true;
    this.auc += nw * (this.tp + 0.5 * pw);
    this.tp += pw;
    this.fp += nw;
    if (pw > 0) this.ap += (pw * this.tp) / (this.tp + this.fp);
    if (this.maxPoints > 0) this.keep(s);
  }
  private keep(s: number): void {
    this.blocks++;
    if (this.blocks % this.stride === 0) {
      const k = this.kept;
      k.s.push(s);
      k.tp.push(this.tp);
      k.fp.push(this.fp);
      if (k.s.length > this.maxPoints) {
        // Kept points sit at blocks stride, 2·stride, …: the odd multiples go.
        let w = 0;
        for (let r = 1; r < k.s.length; r += 2) {
          k.s[w] = k.s[r];
          k.tp[w] = k.tp[r];
          k.fp[w] = k.fp[r];
          w++;
        }
        k.s.length = k.tp.length = k.fp.length = w;
        this.stride *= 2;
      }
    }
    this.lastS = s;
  }
  stats(key: (string | number | null)[]): RankStats {
    const P = this.tp;
    const N = this.fp;
    const auc = !this.seen
      ? undefinedBecause('no scored rows')
      : P === 0
        ? undefinedBecause('no positive rows: ROC AUC needs both classes')
        : N === 0
          ? undefinedBecause('no negative rows: ROC AUC needs both classes')
          : defined(this.auc / (P * N));
    return {
      key,
      auc,
      averagePrecision: divide(this.ap, P, 'no positive rows: average precision needs positives'),
      positives: P,
      negatives: N,
    };
  }
  /** The kept ROC points from (0, 0), as rates (none when a class is missing). */
  curve(): RocPoint[] {
    const k = this.kept;
    if (this.maxPoints <= 0 || this.tp === 0 || this.fp === 0 || this.blocks === 0) return [];
    const points: RocPoint[] = [{ threshold: null, fpr: 0, tpr: 0 }];
    for (let j = 0; j < k.s.length; j++)
      points.push({ threshold: k.s[j], fpr: k.fp[j] / this.fp, tpr: k.tp[j] / this.tp });
    // The last threshold, unless kept already: every row is then above it (fpr = tpr = 1).
    if (this.blocks % this.stride !== 0) points.push({ threshold: this.lastS, fpr: 1, tpr: 1 });
    return points;
  }
}

/**
 * ROC AUC, average precision and ROC curves from score cells (group × class × distinct score) that DuckDB
 * aggregates and sorts by score, highest first. One pass accumulates TP(> s) and FP(> s) for every group and,
 * summing the groups' cells at equal scores, for the whole data:
 *   AUC = Σ_s nw(s)·(TP(> s) + ½·pw(s)) / (P·N)   (Mann–Whitney, ties ½)
 *   AP  = Σ_s pw(s)·TP(≥ s)/(TP(≥ s) + FP(≥ s)) / P
 * The running sums are taken over typed arrays streamed from DuckDB: its running-sum window
 * (`sum(pw) OVER (PARTITION BY … ORDER BY s DESC ROWS UNBOUNDED PRECEDING)`, the same computation in SQL for
 * engines such as PostgreSQL) was several times slower than the sort itself.
 */
export async function rankCurves(db: DataSession, opts: CurveOptions): Promise<Curves> {
  const g = opts.groups;
  const keys = g.length > 0 ? (opts.groupKeys ?? []) : [[]];
  // Group id from the known group list, so no extra pass is needed to number the groups.
  const gid =
    g.length === 0 || keys.length === 0
      ? '0'
      : `CASE ${keys
          .map(
            (key, i) =>
              `WHEN ${g.map((c, j) => `${c} IS NOT DISTINCT FROM ${key[j] === null ? 'NULL' : `'${String(key[j]).replaceAll("'", "''")}'`}`).join(' AND ')} THEN ${i}`,
          )
          .join(' ')} ELSE -1 END`;
  const k = opts.classes;
  let cells: string;
  if (k === null) {
    // Cells grouped by score: scores often repeat (rounded or float32 probabilities), and the stream is then
    // far shorter than the data. (Sorting raw rows instead was measured: faster only when nearly every score is
    // distinct.) The stream sums any ties that still arrive row by row (Running.push).
    cells = `SELECT ${gid} AS gid, 0 AS cls, y_score AS s, sum(CASE WHEN y_true = 1 THEN w ELSE 0 END) AS pw,
        sum(CASE WHEN y_true = 1 THEN 0 ELSE w END) AS nw, count(*) AS cnt
      FROM scored WHERE y_score IS NOT NULL GROUP BY ALL`;
  } else {
    const probs = Array.from({ length: k }, (_, i) => `p_${i}`).join(', ');
    cells = `SELECT gid, cls, s, sum(CASE WHEN y_true = cls THEN w ELSE 0 END) AS pw, sum(CASE WHEN y_true = cls THEN 0 ELSE w END) AS nw, count(*) AS cnt
      FROM (SELECT gid, y_true, w, replace(name, 'p_', '')::INTEGER AS cls, s FROM
        (UNPIVOT (SELECT ${gid} AS gid, y_true, w, ${probs} FROM scored) ON ${probs} INTO NAME name VALUE s))
      GROUP BY ALL`;
  }
  const perGroup = k ?? 1;
  const withGroups = g.length > 0;
  const groupRuns = withGroups
    ? Array.from({ length: keys.length * perGroup }, () => new Running(opts.groupRocPoints ?? 0))
    : [];
  const overall = Array.from({ length: perGroup }, () => new Running(opts.rocPoints));
  // Constant gid/cls columns are not transferred.
  const probability = k === null && opts.calibrationBins ? opts.calibrationBins : 0;
  const select = [
    ...(withGroups ? ['gid'] : []),
    ...(k !== null ? ['cls'] : []),
    's',
    'pw',
    'nw',
    ...(probability ? ['cnt'] : []),
  ].join(', ');
  // Binary log loss (sklearn ≤ 1.4: clip to [eps, 1 − eps], renormalise), Brier and calibration sums are
  // additive over distinct scores, so they come from the same cells.
  const sums: ProbabilitySums = { weight: 0, logLossSum: 0, brierSum: 0, bins: [] };
  const edges = probability ? binEdges(probability) : [];
  const binTotals = Array.from({ length: probability }, (_, bin) => ({
    bin,
    weight: 0,
    count: 0,
    confidenceSum: 0,
    hitSum: 0,
  }));
  let blockCount = 0;
  const eps = LOG_LOSS_EPS;
  const clip = (x: number) => Math.max(Math.min(x, 1 - eps), eps);
  const addProbability = (sv: number, pw: number, nw: number, count: number) => {
    const p1 = clip(sv);
    const p0 = clip(1 - sv);
    sums.weight += pw + nw;
    sums.logLossSum += pw * -Math.log(p1 / (p0 + p1)) + nw * -Math.log(p0 / (p0 + p1));
    sums.brierSum += pw * (1 - sv) ** 2 + nw * sv ** 2;
    // numpy.searchsorted(edges[1:-1], s): the number of interior edges strictly below s.
    const t = binTotals[binOf(sv)];
    t.weight += pw + nw;
    t.count += count;
    t.confidenceSum += sv * (pw + nw);
    t.hitSum += pw;
  };
  let blockCls = -1;
  let blockS = Number.NaN;
  let blockP = 0;
  let blockN = 0;
  const groupCurves = (opts.groupRocPoints ?? 0) > 0;
  const groupBins = groupCurves && probability ? groupRuns.map(() => binTotals.map((b) => ({ ...b }))) : null;
  const binOf = (sv: number) => {
    let b = 0;
    while (b < probability - 1 && edges[b + 1] < sv) b++;
    return b;
  };
  const flush = () => {
    if (blockCls < 0) return;
    overall[blockCls].add(blockS, blockP, blockN);
    if (probability) addProbability(blockS, blockP, blockN, blockCount);
  };
  await db.streamDoubles(`SELECT ${select} FROM (${cells}) ORDER BY cls, s DESC`, (cols, n) => {
    let c = 0;
    const gc = withGroups ? cols[c++] : null;
    const cc = k !== null ? cols[c++] : null;
    const [sc, pc, nc] = [cols[c], cols[c + 1], cols[c + 2]];
    const cnt = probability ? cols[c + 3] : null;
    for (let i = 0; i < n; i++) {
      const cls = cc ? cc[i] : 0;
      const sv = sc[i];
      if (cls !== blockCls || sv !== blockS) {
        flush();
        blockCls = cls;
        blockS = sv;
        blockP = 0;
        blockN = 0;
        blockCount = 0;
      }
      blockP += pc[i];
      blockN += nc[i];
      if (cnt) blockCount += cnt[i];
      if (gc && gc[i] >= 0) {
        const at = gc[i] * perGroup + cls;
        groupRuns[at].push(sv, pc[i], nc[i]);
        if (groupBins && cnt) {
          const t = groupBins[at][binOf(sv)];
          t.weight += pc[i] + nc[i];
          t.count += cnt[i];
          t.confidenceSum += sv * (pc[i] + nc[i]);
          t.hitSum += pc[i];
        }
      }
    }
  });
  flush();
  for (const r of groupRuns) r.finish();
  return {
    overall: overall.map((r, cls) => r.stats(k === null ? [] : [cls])),
    groups: groupRuns.map((r, at) => {
      const key: (string | number | null)[] = [...keys[Math.floor(at / perGroup)]];
      if (k !== null) key.push(at % perGroup);
      return r.stats(key);
    }),
    roc: overall.map((r) => r.curve()),
    probability: probability ? { ...sums, bins: binTotals.filter((b) => b.weight > 0) } : null,
    ...(groupCurves ? { groupRoc: groupRuns.map((r) => r.curve()) } : {}),
    ...(groupBins ? { groupBins: groupBins.map((bins) => bins.filter((b) => b.weight > 0)) } : {}),
  };
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
  if (bins === 1) return `CASE WHEN ${expr} IS NULL THEN NULL ELSE 0 END`;
  const edges = binEdges(bins);
  const whens = edges
    .slice(1, -1)
    .map((e, i) => `WHEN ${expr} <= ${e} THEN ${i}`)
    .join(' ');
  return `CASE WHEN ${expr} IS NULL THEN NULL ${whens} ELSE ${bins - 1} END`;
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
 * ECE = Σ_b (W_b / W) · |fraction positive_b − mean predicted_b| over non-empty bins (Guo et al. 2017), from
 * per-bin sums. Binary: the positive-class score and y = 1; multiclass: the top-label probability and
 * "prediction correct".
 */
export function calibrationFromBins(
  sums: { bin: number; weight: number; count: number; confidenceSum: number; hitSum: number }[],
  bins: number,
): Calibration {
  const edges = binEdges(bins);
  const out: CalibrationBin[] = [];
  let total = 0;
  let gap = 0;
  for (const b of sums) {
    if (b.weight === 0) continue;
    const meanPredicted = b.confidenceSum / b.weight;
    const fractionPositive = b.hitSum / b.weight;
    out.push({
      bin: b.bin,
      lower: edges[b.bin],
      upper: edges[b.bin + 1],
      weight: b.weight,
      count: b.count,
      meanPredicted,
      fractionPositive,
    });
    total += b.weight;
    gap += b.weight * Math.abs(fractionPositive - meanPredicted);
  }
  return { bins: out, ece: divide(gap, total, 'no rows with scores') };
}
