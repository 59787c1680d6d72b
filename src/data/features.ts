/**
 * Reads the RAW feature matrix (the input of `Model.predict`) from a session table: numeric features as
 * DOUBLE, categorical features as the index of the value in the feature's category list (−1 = unknown/NULL).
 * The codes are computed in SQL, so no string ever crosses into JavaScript, and each row comes back as one
 * DOUBLE[d] array, whose storage is already the row-major matrix.
 *
 * The chunk reader prefetches: it copies a chunk out, asks DuckDB for the next one (which DuckDB computes on
 * its own threads), and only then hands the rows to the caller. A caller that runs a model synchronously
 * (onnxruntime-node runs on the JS thread) thereby overlaps with DuckDB instead of alternating with it.
 */
import duckdb from '@duckdb/node-bindings';
import type { FeatureInfo } from '../models/types.js';
import type { DataSession } from './session.js';
import { ident, lit } from './session.js';

export interface FeatureQueryOptions {
  /** Table or view to read (default `data`). */
  table?: string;
  /** SQL boolean expression to filter rows (trusted: built by Assay, never from user text). */
  where?: string;
  /** SQL ORDER BY expression (default `__i`); null = storage order (no sort; use with `rowIds`). */
  orderBy?: string | null;
  limit?: number;
}

export interface FeatureBatchOptions extends FeatureQueryOptions {
  /** Also deliver each row's `__row_id` (BIGINT, copied as raw bytes: no per-row BigInt). */
  rowIds?: boolean;
}

/** The SQL expression that yields one feature's raw value as a number. */
export function featureExpr(f: FeatureInfo): string {
  const col = ident(f.name);
  if (f.kind === 'numeric') return `CAST(${col} AS DOUBLE)`;
  // A CASE over constants is measurably faster in DuckDB than list_position over a list literal.
  const allNumbers = f.categories.every((c) => typeof c === 'number');
  if (allNumbers) {
    // Numeric categories compare as numbers (a DOUBLE 1.0 must match category 1).
    const whens = f.categories.map((c, k) => `WHEN ${lit(Number(c))} THEN ${k}`).join(' ');
    return `CAST(CASE TRY_CAST(${col} AS DOUBLE) ${whens} ELSE -1 END AS DOUBLE)`;
  }
  const whens = f.categories.map((c, k) => `WHEN ${lit(String(c))} THEN ${k}`).join(' ');
  return `CAST(CASE CAST(${col} AS VARCHAR) ${whens} ELSE -1 END AS DOUBLE)`;
}

/**
 * The SELECT that yields each row's raw features as one fixed-size array `x` (DOUBLE[d]), then `__row_id`
 * when asked. An ARRAY's child vector is the row-major n × d matrix itself, so DuckDB builds the layout the
 * model wants; measured against d separate DOUBLE columns, this halves DuckDB's CPU time and removes the
 * transpose in JavaScript.
 */
export function featureQuery(features: FeatureInfo[], opts: FeatureBatchOptions = {}): string {
  const cols: string[] = [];
  if (features.length > 0) cols.push(`[${features.map(featureExpr).join(', ')}]::DOUBLE[${features.length}] AS x`);
  if (opts.rowIds) cols.push('CAST(__row_id AS BIGINT) AS __row_id');
  if (cols.length === 0) throw new Error('featureQuery: no features to read');
  const where = opts.where ? ` WHERE ${opts.where}` : '';
  const orderBy = opts.orderBy === undefined ? '__i' : opts.orderBy;
  const order = orderBy === null ? '' : ` ORDER BY ${orderBy}`;
  const limit = opts.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(opts.limit))}` : '';
  return `SELECT ${cols.join(', ')} FROM ${ident(opts.table ?? 'data')}${where}${order}${limit}`;
}

/** Copies `count` 8-byte values of a vector into `out` (the buffer may alias DuckDB memory); NULL → NaN. */
function copyVector(v: duckdb.Vector, count: number, out: Float64Array | BigInt64Array): void {
  const bytes = duckdb.vector_get_data(v, count * 8);
  new Uint8Array(out.buffer, out.byteOffset, count * 8).set(bytes.subarray(0, count * 8));
  if (out instanceof Float64Array) {
    const validity = duckdb.vector_get_validity(v, Math.ceil(count / 64) * 8);
    if (validity && validity.length > 0) {
      for (let i = 0; i < count; i++) if ((validity[i >> 3] & (1 << (i & 7))) === 0) out[i] = Number.NaN;
    }
  }
}

/**
 * Streams a `featureQuery` chunk by chunk with one chunk of prefetch. `onChunk` gets the chunk's row-major
 * n × d matrix and ids as fresh arrays it may keep.
 */
async function streamChunks(
  db: DataSession,
  sql: string,
  d: number,
  withIds: boolean,
  onChunk: (x: Float64Array, ids: BigInt64Array | undefined, n: number) => void | Promise<void>,
): Promise<void> {
  const result = await db.conn.stream(sql);
  let next = result.fetchChunk();
  for (;;) {
    const chunk = await next;
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    const x = new Float64Array(n * d);
    if (d > 0) copyVector(duckdb.array_vector_get_child(duckdb.data_chunk_get_vector(chunk.chunk, 0)), n * d, x);
    let ids: BigInt64Array | undefined;
    if (withIds) {
      ids = new BigInt64Array(n);
      copyVector(duckdb.data_chunk_get_vector(chunk.chunk, d > 0 ? 1 : 0), n, ids);
    }
    next = result.fetchChunk(); // DuckDB computes the next chunk while the caller works on this one
    try {
      await onChunk(x, ids, n);
    } catch (e) {
      next.catch(() => {}); // the prefetch is abandoned; its outcome no longer matters
      throw e;
    }
  }
}

/** Reads the whole raw feature matrix (row-major n × d), in `orderBy` order (default `__i`). */
export async function readFeatureMatrix(
  db: DataSession,
  features: FeatureInfo[],
  opts: FeatureQueryOptions = {},
): Promise<{ n: number; x: Float64Array }> {
  const d = features.length;
  const sql = featureQuery(features, opts);
  const total = Number(await db.scalar<number>(`SELECT count(*)::DOUBLE FROM (${sql})`));
  let x = new Float64Array(total * d);
  let n = 0;
  await streamChunks(db, sql, d, false, (chunk, _ids, k) => {
    if ((n + k) * d > x.length) {
      const grown = new Float64Array(Math.max((n + k) * d, x.length * 2));
      grown.set(x);
      x = grown;
    }
    x.set(chunk, n * d);
    n += k;
  });
  return { n, x: x.length === n * d ? x : x.slice(0, n * d) };
}

/**
 * Streams the raw feature matrix in batches of `batchRows` rows (the last one may be shorter), in `orderBy`
 * order (default `__i`; null = storage order). `onBatch(x, n, start, ids)` gets a row-major buffer that is
 * reused, and with `rowIds` the batch's `__row_id`s: copy what you keep. Returns the number of rows.
 */
export async function streamFeatureBatches(
  db: DataSession,
  features: FeatureInfo[],
  batchRows: number,
  onBatch: (x: Float64Array, n: number, start: number, ids?: BigInt64Array) => void | Promise<void>,
  opts: FeatureBatchOptions = {},
): Promise<number> {
  const d = features.length;
  const size = Math.max(1, Math.floor(batchRows));
  const buf = new Float64Array(size * d);
  const idBuf = opts.rowIds ? new BigInt64Array(size) : undefined;
  let fill = 0;
  let start = 0;
  const flush = async (): Promise<void> => {
    await onBatch(buf, fill, start, idBuf?.subarray(0, fill));
    start += fill;
    fill = 0;
  };
  // Let DuckDB's own threads run further ahead of a slow consumer (default buffer: about 1 MB ≈ 3 chunks).
  await db.exec(`SET streaming_buffer_size = '64MB'`);
  try {
    await streamChunks(db, featureQuery(features, opts), d, opts.rowIds === true, async (chunk, ids, k) => {
      let from = 0;
      while (from < k) {
        const take = Math.min(k - from, size - fill);
        buf.set(chunk.subarray(from * d, (from + take) * d), fill * d);
        if (idBuf && ids) idBuf.set(ids.subarray(from, from + take), fill);
        fill += take;
        from += take;
        if (fill === size) await flush();
      }
    });
    if (fill > 0) await flush();
  } finally {
    await db.exec('RESET streaming_buffer_size');
  }
  return start;
}
