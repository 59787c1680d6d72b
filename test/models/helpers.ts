/**
 * Test helpers: build the session's `data` table from a fixture CSV the way the core loader does
 * (user columns + `__row_id` BIGINT + `__i` INTEGER dense in file order), and read saved predictions.
 * Columns are read as text: DuckDB's CSV sniffer would otherwise turn yes/no columns into BOOLEAN, and
 * `CAST(true AS VARCHAR)` = 'true' no longer matches the category 'yes'. Numeric features are cast in SQL.
 */
import { DataSession, lit } from '../../src/data/session.js';
import { sharedPath } from '../support/shared.js';

/** Opens a session whose `data` table holds the CSV's rows (optionally only `split = <split>`). */
export async function sessionFromCsv(
  csv: string,
  opts: { split?: string; idColumn?: string } = {},
): Promise<DataSession> {
  const db = await DataSession.open({ threads: 1 });
  const where = opts.split ? `WHERE split = ${lit(opts.split)}` : '';
  const id = opts.idColumn ? `CAST(${opts.idColumn} AS BIGINT)` : '(row_number() OVER () - 1)::BIGINT';
  await db.exec(
    `CREATE TABLE data AS SELECT *, ${id} AS __row_id, (row_number() OVER () - 1)::INTEGER AS __i ` +
      `FROM (SELECT * FROM read_csv(${lit(csv)}, header = true, all_varchar = true) ${where})`,
  );
  return db;
}

export function fixture(...parts: string[]): string {
  return sharedPath('fixtures', ...parts);
}

/** Saved predictions keyed by row_id: column name → Float64Array aligned with `data.__i`. */
export async function savedByDataOrder(
  db: DataSession,
  csv: string,
  columns: string[],
  key = 'row_id',
): Promise<Float64Array[]> {
  const cols = columns.map((c) => `CAST(p.${c} AS DOUBLE)`).join(', ');
  const { cols: out, n } = await db.readDoubles(
    `SELECT ${cols} FROM data d JOIN read_csv(${lit(csv)}, header = true, all_varchar = true) p ` +
      `ON CAST(p.${key} AS VARCHAR) = CAST(d.${key} AS VARCHAR) ORDER BY d.__i`,
  );
  const total = Number(await db.scalar('SELECT count(*) FROM data'));
  if (n !== total) throw new Error(`saved predictions cover ${n} of ${total} rows`);
  return out;
}
