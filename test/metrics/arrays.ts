/** Small in-memory `scored` tables for hand-made cases and property tests (VALUES lists; tiny data only). */
import type { Task } from '../../src/config/schema.js';
import { DataSession, lit } from '../../src/data/session.js';
import { contextFor, type ScoredContext } from './context.js';

export interface Rows {
  yTrue: number[];
  yPred: number[];
  yScore?: number[];
  weight?: number[];
  /** one array of values per sensitive attribute */
  sensitive: Record<string, (string | number)[]>;
}

export async function arrayContext(
  rows: Rows,
  opts: { task?: Task; classes?: string[]; reference?: Record<string, string | number>; db?: DataSession } = {},
): Promise<ScoredContext> {
  const db = opts.db ?? (await DataSession.open({ threads: 1 }));
  const names = Object.keys(rows.sensitive);
  const regression = opts.task === 'regression';
  const type = regression ? 'DOUBLE' : 'INTEGER';
  const values = rows.yTrue.map((t, i) => {
    const s = names.map((n) => lit(String(rows.sensitive[n][i])));
    return `(${[i, i, t, rows.yPred[i], rows.yScore ? rows.yScore[i] : 'NULL', rows.weight ? rows.weight[i] : 1, ...s].join(', ')})`;
  });
  const cols = ['__row_id', '__i', 'y_true', 'y_pred', 'y_score', 'w', ...names.map((_, k) => `s_${k}`)];
  await db.exec(
    `CREATE OR REPLACE TABLE scored AS SELECT __row_id::BIGINT AS __row_id, __i::INTEGER AS __i, y_true::${type} AS y_true, y_pred::${type} AS y_pred, y_score::DOUBLE AS y_score, w::DOUBLE AS w${names
      .map((_, k) => `, s_${k}::VARCHAR AS s_${k}`)
      .join('')} FROM (VALUES ${values.join(', ')}) t(${cols.join(', ')})`,
  );
  const ctx = contextFor(db, {
    task: opts.task ?? 'binary-classification',
    file: 'inline.csv',
    yTrue: 'y_true',
    yPred: 'y_pred',
    sensitive: names,
    classes: opts.classes ?? ['0', '1'],
    reference: opts.reference,
  });
  // A shared session stays open for the caller.
  return opts.db ? { ...ctx, close: () => {} } : ctx;
}
