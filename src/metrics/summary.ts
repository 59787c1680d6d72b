/**
 * One aggregate query per test over `scored`: the sufficient statistics of every label- and probability-based
 * metric at once. Rows are grouped by sensitive group × y_true × y_pred × calibration bin, and each cell keeps
 * its row count, weight, missing/out-of-range scores, and the weighted sums of the log-loss and Brier terms and
 * of the calibrated confidence. Counts, log loss, Brier score and calibration bins are all additive over cells,
 * so one pass over the data serves them all (the rank metrics need the second, sorted pass in scores.ts).
 */
import type { DataSession } from '../data/session.js';
import { AssayError } from '../errors.js';
import { type Cell, sensitiveColumns } from './cells.js';
import { binIndexSql, LOG_LOSS_EPS } from './scores.js';

export interface SummaryCell extends Cell {
  bin: number | null;
  missing: number;
  outside: number;
  logLoss: number;
  brier: number;
  confidence: number;
}

export interface Summary {
  cells: Cell[];
  /** null when the scored table has no score columns at all */
  scores: null | {
    rows: number;
    missing: number;
    outside01: number;
    weight: number;
    logLossSum: number;
    brierSum: number;
    bins: { bin: number; weight: number; count: number; confidenceSum: number; hitSum: number }[];
  };
}

export async function classificationSummary(
  db: DataSession,
  opts: { m: number; classes: number; calibrationBins: number; scoreSums: boolean },
): Promise<Summary> {
  const k = opts.classes;
  const binary = k === 2;
  const columns = new Set((await db.describe('scored')).map((c) => c.name));
  const probs = Array.from({ length: k }, (_, i) => `p_${i}`);
  const hasScores = binary ? columns.has('y_score') : probs.every((p) => columns.has(p));
  const eps = LOG_LOSS_EPS;
  const clip = (x: string) => `greatest(least(${x}, ${1 - eps}), ${eps})`;
  let scoreSql = '';
  let binSql = 'NULL::INTEGER';
  const scoreCols = binary ? ['y_score'] : probs;
  if (hasScores && !opts.scoreSums) {
    // Coverage only; the probability sums come from elsewhere (binary: the sorted score cells in scores.ts).
    scoreSql = `, count(*) FILTER (WHERE ${scoreCols.map((p) => `${p} IS NULL`).join(' OR ')})::DOUBLE,
      count(*) FILTER (WHERE ${scoreCols.map((p) => `${p} < 0 OR ${p} > 1`).join(' OR ')})::DOUBLE, 0, 0, 0`;
  } else if (hasScores && binary) {
    binSql = binIndexSql('y_score', opts.calibrationBins);
    scoreSql = `, count(*) FILTER (WHERE y_score IS NULL)::DOUBLE, count(*) FILTER (WHERE y_score < 0 OR y_score > 1)::DOUBLE,
      fsum(w * -ln(CASE WHEN y_true = 1 THEN ${clip('y_score')} ELSE ${clip('1 - y_score')} END / (${clip('y_score')} + ${clip('1 - y_score')}))),
      fsum(w * power((y_true = 1)::DOUBLE - y_score, 2)), fsum(w * y_score)`;
  } else if (hasScores) {
    const list = `[${probs.join(', ')}]`;
    const conf = `list_extract(${list}, y_pred + 1)`;
    binSql = binIndexSql(conf, opts.calibrationBins);
    const clipped = `[${probs.map(clip).join(', ')}]`;
    scoreSql = `, count(*) FILTER (WHERE ${probs.map((p) => `${p} IS NULL`).join(' OR ')})::DOUBLE,
      count(*) FILTER (WHERE ${probs.map((p) => `${p} < 0 OR ${p} > 1`).join(' OR ')})::DOUBLE,
      fsum(w * -ln(list_extract(${clipped}, y_true + 1) / (${probs.map(clip).join(' + ')}))),
      fsum(w * (${probs.map((p, i) => `power(${p} - (y_true = ${i})::DOUBLE, 2)`).join(' + ')})), fsum(w * ${conf})`;
  }
  const s = sensitiveColumns(opts.m);
  const keys = [...s, 'y_true', 'y_pred', 'bin'];
  const rows = await db.rows(
    `SELECT ${keys.join(', ')}, count(*)::DOUBLE, sum(w)::DOUBLE${scoreSql}
     FROM (SELECT *, ${binSql} AS bin FROM scored) GROUP BY ${keys.join(', ')} ORDER BY ${keys.join(', ')}`,
  );
  const m = opts.m;
  const cellMap = new Map<string, Cell>();
  const bins = new Map<number, { bin: number; weight: number; count: number; confidenceSum: number; hitSum: number }>();
  let rowsTotal = 0;
  let missing = 0;
  let outside = 0;
  let weight = 0;
  let logLossSum = 0;
  let brierSum = 0;
  for (const r of rows) {
    const t = r[m] === null ? Number.NaN : Number(r[m]);
    const p = r[m + 1] === null ? Number.NaN : Number(r[m + 1]);
    for (const [name, v] of [
      ['y_true', t],
      ['y_pred', p],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v >= k) {
        throw new AssayError(
          'UNKNOWN_LABEL',
          `${name} holds class index ${Number.isNaN(v) ? 'NULL' : v}, expected 0..${k - 1} (one of the declared classes)`,
          { column: name },
        );
      }
    }
    const group = r.slice(0, m).map((v) => (v === null ? null : String(v)));
    const n = Number(r[m + 3]);
    const w = Number(r[m + 4]);
    const id = JSON.stringify([group, t, p]);
    const cell = cellMap.get(id);
    if (cell) {
      cell.n += n;
      cell.w += w;
    } else cellMap.set(id, { group, t, p, n, w });
    rowsTotal += n;
    if (!hasScores) continue;
    missing += Number(r[m + 5]);
    outside += Number(r[m + 6]);
    if (r[m + 2] === null) continue;
    weight += w;
    logLossSum += Number(r[m + 7]);
    brierSum += Number(r[m + 8]);
    const b = Number(r[m + 2]);
    const bin = bins.get(b) ?? { bin: b, weight: 0, count: 0, confidenceSum: 0, hitSum: 0 };
    bin.weight += w;
    bin.count += n;
    bin.confidenceSum += Number(r[m + 9]);
    if (binary ? t === 1 : t === p) bin.hitSum += w;
    bins.set(b, bin);
  }
  return {
    cells: [...cellMap.values()],
    scores: hasScores
      ? {
          rows: rowsTotal,
          missing,
          outside01: outside,
          weight,
          logLossSum,
          brierSum,
          bins: [...bins.values()].sort((a, b) => a.bin - b.bin),
        }
      : null,
  };
}
