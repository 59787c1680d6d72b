/**
 * Reads the RAW feature matrix (the input of `Model.predict`) from a session table: numeric features as
 * DOUBLE, categorical features as the index of the value in the feature's category list (−1 = unknown/NULL).
 * The codes are computed in SQL, so no string ever crosses into JavaScript; DuckDB's column-major chunks are
 * transposed into a row-major Float64Array.
 */
import type { DataSession } from './session.js';
import { ident, lit } from './session.js';
import type { FeatureInfo } from '../models/types.js';

export interface FeatureQueryOptions {
  /** Table or view to read (default `data`). */
  table?: string;
  /** SQL boolean expression to filter rows (trusted: built by Assay, never from user text). */
  where?: string;
  /** SQL ORDER BY expression (default `__i`). */
  orderBy?: string;
  limit?: number;
}

/** The SQL expression that yields one feature's raw value as a number. */
export function featureExpr(f: FeatureInfo): string {
  const col = ident(f.name);
  if (f.kind === 'numeric') return `CAST(${col} AS DOUBLE)`;
  const allNumbers = f.categories.every((c) => typeof c === 'number');
  // Numeric categories compare as numbers (a DOUBLE 1.0 must match category 1); otherwise exact text match.
  const list = allNumbers
    ? `[${f.categories.map((c) => lit(Number(c))).join(', ')}]::DOUBLE[]`
    : `[${f.categories.map((c) => lit(String(c))).join(', ')}]::VARCHAR[]`;
  const value = allNumbers ? `TRY_CAST(${col} AS DOUBLE)` : `CAST(${col} AS VARCHAR)`;
  // list_position is 1-based and NULL (or 0 in older versions) when absent.
  return `coalesce(nullif(list_position(${list}, ${value}), 0), 0) - 1`;
}

/** The SELECT that yields the raw feature columns f0..f{d−1}. */
export function featureQuery(features: FeatureInfo[], opts: FeatureQueryOptions = {}): string {
  const cols = features.map((f, j) => `${featureExpr(f)} AS f${j}`).join(', ');
  const where = opts.where ? ` WHERE ${opts.where}` : '';
  const order = ` ORDER BY ${opts.orderBy ?? '__i'}`;
  const limit = opts.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(opts.limit))}` : '';
  return `SELECT ${cols} FROM ${ident(opts.table ?? 'data')}${where}${order}${limit}`;
}

/** Copies column-major chunk columns into a row-major matrix at row `row0`. */
function transposeInto(cols: Float64Array[], n: number, x: Float64Array, row0: number, d: number): void {
  for (let j = 0; j < d; j++) {
    const c = cols[j];
    let k = row0 * d + j;
    for (let i = 0; i < n; i++, k += d) x[k] = c[i];
  }
}

/** Reads the whole raw feature matrix (row-major n × d). */
export async function readFeatureMatrix(
  db: DataSession,
  features: FeatureInfo[],
  opts: FeatureQueryOptions = {},
): Promise<{ n: number; x: Float64Array }> {
  const d = features.length;
  const sql = featureQuery(features, opts);
  const countSql = `SELECT count(*)::DOUBLE FROM (${sql})`;
  const total = Number(await db.scalar<number>(countSql));
  let x = new Float64Array(total * d);
  let n = 0;
  await db.streamDoubles(sql, (cols, k) => {
    if ((n + k) * d > x.length) {
      const grown = new Float64Array(Math.max((n + k) * d, x.length * 2));
      grown.set(x);
      x = grown;
    }
    transposeInto(cols, k, x, n, d);
    n += k;
  });
  return { n, x: x.length === n * d ? x : x.slice(0, n * d) };
}

/**
 * Streams the raw feature matrix in batches of `batchRows` rows (the last one may be shorter), in `orderBy`
 * order. `onBatch(x, n, start)` gets a row-major buffer that is reused: copy what you keep.
 */
export async function streamFeatureBatches(
  db: DataSession,
  features: FeatureInfo[],
  batchRows: number,
  onBatch: (x: Float64Array, n: number, start: number) => void | Promise<void>,
  opts: FeatureQueryOptions = {},
): Promise<number> {
  const d = features.length;
  const size = Math.max(1, Math.floor(batchRows));
  const buf = new Float64Array(size * d);
  let fill = 0;
  let start = 0;
  const sql = featureQuery(features, opts);
  await db.streamDoubles(sql, async (cols, k) => {
    let from = 0;
    while (from < k) {
      const take = Math.min(k - from, size - fill);
      const part = from === 0 && take === k ? cols : cols.map((c) => c.subarray(from, from + take));
      transposeInto(part, take, buf, fill, d);
      fill += take;
      from += take;
      if (fill === size) {
        await onBatch(buf, fill, start);
        start += fill;
        fill = 0;
      }
    }
  });
  if (fill > 0) {
    await onBatch(buf, fill, start);
    start += fill;
  }
  return start;
}
