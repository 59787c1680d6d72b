/**
 * Scoring: the `data` table → the model → the `predictions` table.
 *
 * predictions = (__row_id BIGINT, y_pred INTEGER | DOUBLE, y_score DOUBLE, [p_0 … p_{K−1} DOUBLE]):
 * y_pred is the class index in the RUN's class order (binary: 1 = positive) or the value (regression);
 * y_score is P(positive) for binary models with probabilities, else NULL; p_k exist for multiclass models
 * with probabilities. Model class order is mapped to run order by label text.
 *
 * Real models: feature batches stream out of DuckDB (typed arrays) with their `__row_id`s, through
 * `Model.predict`, and back in with an appender fed whole data chunks by memcpy (`copy_data_to_vector`). The `predictions` adapter needs no model: the table is built in SQL from the data columns,
 * after checking labels and scores.
 */
import { BIGINT, DOUBLE, type DuckDBAppender, type DuckDBConnection, DuckDBDataChunk, INTEGER } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { Plan } from '../config/schema.js';
import { streamFeatureBatches } from '../data/features.js';
import { type DataSession, ident, lit } from '../data/session.js';
import { AssayError, isAssayError } from '../errors.js';
import type { Model, Prediction } from '../models/types.js';

export interface ScoreOptions {
  /** The run's class order (binary: index 1 = positive). Empty for regression. */
  classes: string[];
  progress?: (done: number, total: number) => void;
  /** Image models: n × (C·H·W) floats in [0, 1] for rows [start, start+count) in `__i` order. */
  imageTensor?: (start: number, count: number) => Promise<Float64Array>;
  /** Rows per model call (default: 16384; the adapters batch further by their own batchSize). */
  batchRows?: number;
}

export interface ScoreResult {
  rows: number;
  /**
   * For precomputed predictions: the SELECT expressions over `data` that give y_pred, y_score and p_k, so
   * `scored` can be built from `data` alone.
   */
  inline?: string[];
}

export async function scoreAll(
  db: DataSession,
  model: Model,
  plan: Plan,
  opts: ScoreOptions,
): Promise<ScoreResult> {
  if (plan.model.type === 'predictions') return scoreFromColumns(db, plan, opts);
  if (!model.canPredict) {
    throw new AssayError('MODEL_UNAVAILABLE', 'scoring needs a model that can predict', { configPath: 'model' });
  }
  const total = Number(await db.scalar('SELECT count(*)::DOUBLE FROM data'));
  const task = plan.task;
  const convert = task === 'regression' ? undefined : classMapper(model, opts.classes, task);
  // One DuckDB chunk per model call: while the model runs, DuckDB prepares the next chunk (see features.ts).
  // HTTP models need several of their own batches per call to keep `concurrency` requests in flight.
  const httpRows = plan.model.type === 'http' ? plan.model.batchSize * plan.model.concurrency * 2 : 0;
  const batchRows = opts.batchRows ?? Math.max(2048, httpRows);
  const writer = await PredictionWriter.create(db, task, opts.classes.length);

  const onBatch = async (x: Float64Array, n: number, start: number, ids?: BigInt64Array): Promise<void> => {
    const pred = await model.predict(x, n).catch((e: unknown) => {
      // Adapters name the row within the batch; say which data row it is.
      const row = isAssayError(e) ? e.where.row : undefined;
      if (!isAssayError(e) || row === undefined || !ids || row >= ids.length) throw e;
      throw new AssayError(
        e.code,
        `${e.message} (data row id ${ids[row]})`,
        { ...e.where, row: Number(ids[row]) },
        { cause: e },
      );
    });
    if (pred.labels.length !== n) {
      throw new AssayError(
        'MODEL_OUTPUT_INVALID',
        `the model returned ${pred.labels.length} predictions for ${n} rows`,
        {
          row: start,
        },
      );
    }
    if (task === 'regression') {
      const bad = firstNonFiniteIndex(pred.labels);
      if (bad >= 0) {
        throw new AssayError('MODEL_OUTPUT_INVALID', `the model predicted ${pred.labels[bad]} for row ${ids?.[bad]}`, {
          row: Number(ids?.[bad]),
        });
      }
      writer.write(ids!, n, pred.labels as Float64Array);
    } else {
      const { yPred, yScore, probs } = convert!(pred, n, ids!);
      writer.write(ids!, n, yPred, yScore, probs);
    }
    opts.progress?.(start + n, total);
  };

  let ok = false;
  try {
    if (model.input.kind === 'image') {
      const imageTensor = opts.imageTensor;
      if (!imageTensor) {
        throw new AssayError('MODEL_UNAVAILABLE', 'an image model needs the image folder (data.images) to be scored', {
          configPath: 'data.images',
        });
      }
      // Images are addressed by position in __i order, so the row ids are read in that order too.
      await streamFeatureBatches(
        db,
        [],
        batchRows,
        async (_x, n, start, ids) => onBatch(await imageTensor(start, n), n, start, ids),
        { rowIds: true },
      );
    } else {
      // Storage order, no sort: every prediction travels with its own __row_id.
      await streamFeatureBatches(db, model.input.features, batchRows, onBatch, { rowIds: true, orderBy: null });
    }
    ok = true;
  } finally {
    writer.close();
    if (!ok) await db.exec('DROP TABLE IF EXISTS predictions');
  }
  if (total === 0) opts.progress?.(0, 0);
  return { rows: total };
}

function firstNonFiniteIndex(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

interface Converted {
  yPred: Int32Array;
  yScore?: Float64Array;
  probs?: Float64Array[];
}

/**
 * Maps a prediction in model class order to run class order: y_pred index, y_score (binary) and p_k
 * columns (multiclass). Model classes are matched to run classes by their text.
 */
function classMapper(
  model: Model,
  classes: string[],
  task: Plan['task'],
): (p: Prediction, n: number, ids: BigInt64Array) => Converted {
  const K = classes.length;
  let toRun: Int32Array | undefined; // model index → run index
  if (model.classes) {
    toRun = new Int32Array(model.classes.length);
    model.classes.forEach((c, i) => {
      const j = classes.indexOf(String(c));
      if (j < 0) {
        throw new AssayError(
          'UNKNOWN_LABEL',
          `the model's class '${String(c)}' is not one of the run's classes [${classes.join(', ')}]`,
          { configPath: 'classes' },
        );
      }
      toRun![i] = j;
    });
  }
  const binary = task === 'binary-classification';
  return (pred, n, ids) => {
    const labels = pred.labels as Int32Array;
    const kModel = pred.proba ? pred.proba.length / n : (model.classes?.length ?? K);
    if (pred.proba && !toRun && kModel !== K) {
      throw new AssayError(
        'MODEL_SHAPE_MISMATCH',
        `the model gives ${kModel} class probabilities but the run has ${K} classes [${classes.join(', ')}]; declare model.classes`,
        { configPath: 'model.classes' },
      );
    }
    const yPred = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const m = labels[i];
      const j = toRun ? toRun[m] : m;
      if (j === undefined || j < 0 || j >= K) {
        throw new AssayError('MODEL_OUTPUT_INVALID', `the model predicted class index ${m} for row ${ids[i]}`, {
          row: Number(ids[i]),
        });
      }
      yPred[i] = j;
    }
    if (!pred.proba) return { yPred };
    const proba = pred.proba;
    // Run class j reads model column fromRun[j] (−1: the model has no such class → probability 0).
    const fromRun = new Int32Array(K).fill(-1);
    for (let mIdx = 0; mIdx < kModel; mIdx++) fromRun[toRun ? toRun[mIdx] : mIdx] = mIdx;
    for (let i = 0; i < proba.length; i++) {
      if (!Number.isFinite(proba[i])) {
        const row = ids[Math.floor(i / kModel)];
        throw new AssayError('MODEL_OUTPUT_INVALID', `the model gave probability ${proba[i]} for row ${row}`, {
          row: Number(row),
        });
      }
    }
    if (binary) {
      const col = fromRun[1];
      const yScore = new Float64Array(n);
      for (let i = 0; i < n; i++) yScore[i] = col < 0 ? 0 : proba[i * kModel + col];
      return { yPred, yScore };
    }
    const probs = Array.from({ length: K }, (_, j) => {
      const col = fromRun[j];
      const p = new Float64Array(n);
      if (col >= 0) for (let i = 0; i < n; i++) p[i] = proba[i * kModel + col];
      return p;
    });
    return { yPred, probs };
  };
}

/**
 * Appends rows to the `predictions` table in whole data chunks (one memcpy per column), through its own
 * connection so the appender never interrupts the scoring query streaming on the session's connection.
 */
class PredictionWriter {
  private closed = false;
  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly app: DuckDBAppender,
    private readonly chunk: DuckDBDataChunk,
    private readonly nProbs: number,
  ) {}

  static async create(db: DataSession, task: Plan['task'], K: number): Promise<PredictionWriter> {
    const nProbs = task === 'multiclass-classification' ? K : 0;
    const defs = ['__row_id BIGINT', `y_pred ${task === 'regression' ? 'DOUBLE' : 'INTEGER'}`, 'y_score DOUBLE'];
    for (let k = 0; k < nProbs; k++) defs.push(`p_${k} DOUBLE`);
    await db.exec(`CREATE OR REPLACE TABLE predictions (${defs.join(', ')})`);
    const conn = await db.instance.connect();
    const app = await conn.createAppender('predictions');
    const types = [
      BIGINT,
      task === 'regression' ? DOUBLE : INTEGER,
      DOUBLE,
      ...Array.from({ length: nProbs }, () => DOUBLE),
    ];
    // One chunk, refilled for every append: the appender copies it, and creating a chunk per append cost
    // about as much as the append itself (measured 80 ms per 1M rows).
    return new PredictionWriter(conn, app, DuckDBDataChunk.create(types, duckdb.vector_size()), nProbs);
  }

  /** Writes n rows; without `yScore` the column is NULL, without `probs` the p_k are NULL. */
  write(
    ids: BigInt64Array,
    n: number,
    yPred: Int32Array | Float64Array,
    yScore?: Float64Array,
    probs?: Float64Array[],
  ): void {
    const chunkMax = duckdb.vector_size();
    for (let off = 0; off < n; off += chunkMax) {
      const m = Math.min(chunkMax, n - off);
      const chunk = this.chunk;
      duckdb.data_chunk_reset(chunk.chunk); // also marks every value valid again
      duckdb.data_chunk_set_size(chunk.chunk, m);
      const vec = (c: number) => duckdb.data_chunk_get_vector(chunk.chunk, c);
      copyInto(vec(0), ids, off, m);
      copyInto(vec(1), yPred, off, m);
      if (yScore) copyInto(vec(2), yScore, off, m);
      else setAllNull(vec(2), m);
      for (let k = 0; k < this.nProbs; k++) {
        if (probs) copyInto(vec(3 + k), probs[k], off, m);
        else setAllNull(vec(3 + k), m);
      }
      this.app.appendDataChunk(chunk);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.app.closeSync();
    } finally {
      this.conn.closeSync();
    }
  }
}

function copyInto(v: duckdb.Vector, a: Int32Array | Float64Array | BigInt64Array, from: number, m: number): void {
  const bpe = a.BYTES_PER_ELEMENT;
  duckdb.copy_data_to_vector(v, 0, a.buffer as ArrayBuffer, a.byteOffset + from * bpe, m * bpe);
}

function setAllNull(v: duckdb.Vector, m: number): void {
  duckdb.vector_ensure_validity_writable(v);
  const mask = new Uint8Array(Math.ceil(m / 64) * 8); // all bits 0 = invalid
  duckdb.copy_data_to_vector_validity(v, 0, mask.buffer, 0, mask.byteLength);
}

// ---------------------------------------------------------------- the `predictions` adapter: pure SQL

async function scoreFromColumns(db: DataSession, plan: Plan, opts: ScoreOptions): Promise<ScoreResult> {
  if (plan.model.type !== 'predictions') throw new Error('unreachable');
  const spec = plan.model;
  const columns = new Map((await db.describe('data')).map((c) => [c.name, c.type]));
  const need = (col: string, configPath: string): string => {
    if (!columns.has(col)) {
      throw new AssayError('COLUMN_MISSING', `column '${col}' (${configPath}) is not in the data`, {
        column: col,
        configPath,
      });
    }
    return ident(col);
  };
  const label = need(spec.label, 'model.label');
  const select: string[] = ['__row_id'];
  const K = opts.classes.length;

  if (plan.task === 'regression') {
    await checkProbabilityColumn(db, spec.label, 'model.label', false);
    select.push(`CAST(${label} AS DOUBLE) AS y_pred`, 'NULL::DOUBLE AS y_score');
  } else {
    const code = classCodeExpr(label, columns.get(spec.label) ?? 'VARCHAR', opts.classes);
    const bad = await db.rows(
      `SELECT __row_id::VARCHAR, CAST(${label} AS VARCHAR) FROM data WHERE ${code} IS NULL ORDER BY __i LIMIT 1`,
    );
    if (bad.length > 0) {
      const [rowId, value] = bad[0] as [string, string | null];
      throw new AssayError(
        'UNKNOWN_LABEL',
        `column '${spec.label}' (model.label), row ${rowId}: predicted label ${value === null ? 'NULL' : `'${value}'`} is not one of the classes [${opts.classes.join(', ')}]`,
        { column: spec.label, row: Number(rowId), configPath: 'model.label' },
      );
    }
    select.push(`(${code})::INTEGER AS y_pred`);
    const probCols = spec.probabilities ?? [];
    if (probCols.length > 0 && probCols.length !== K) {
      throw new AssayError(
        'CONFIG_INVALID',
        `model.probabilities names ${probCols.length} columns, but there are ${K} classes [${opts.classes.join(', ')}]`,
        { configPath: 'model.probabilities' },
      );
    }
    for (const [k, c] of probCols.entries()) {
      need(c, `model.probabilities[${k}]`);
      await checkProbabilityColumn(db, c, `model.probabilities[${k}]`, true);
    }
    if (spec.score) {
      need(spec.score, 'model.score');
      await checkProbabilityColumn(db, spec.score, 'model.score', true);
    }
    // The probability columns follow the plan's `classes` order; the run's order may differ (binary: the
    // positive label moves to index 1), so each run class finds its column by label.
    const declared = (plan.classes ?? opts.classes).map(String);
    const columnFor = (j: number): string | undefined => {
      const k = declared.indexOf(opts.classes[j]);
      return k >= 0 ? probCols[k] : undefined;
    };
    if (plan.task === 'binary-classification') {
      const score = spec.score ?? (probCols.length > 0 ? columnFor(1) : undefined);
      select.push(score ? `CAST(${ident(score)} AS DOUBLE) AS y_score` : 'NULL::DOUBLE AS y_score');
    } else {
      select.push('NULL::DOUBLE AS y_score');
      if (probCols.length > 0) {
        opts.classes.forEach((label, j) => {
          const c = columnFor(j);
          if (!c) {
            throw new AssayError('CONFIG_INVALID', `no probability column for class '${label}' (model.probabilities)`, {
              configPath: 'model.probabilities',
            });
          }
          select.push(`CAST(${ident(c)} AS DOUBLE) AS p_${j}`);
        });
      }
    }
  }
  // A view, not a table: the predictions are columns of `data` already. `scored` inlines these expressions
  // (see `inline`) instead of joining data with a copy of itself, which at 10M rows cost more than the metrics.
  await db.exec(`CREATE OR REPLACE VIEW predictions AS SELECT ${select.join(', ')} FROM data`);
  const rows = Number(await db.scalar('SELECT count(*)::DOUBLE FROM predictions'));
  opts.progress?.(rows, rows);
  return { rows, inline: select.filter((c) => c !== '__row_id') };
}

const NUMERIC_TYPES =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/;

/** SQL for the 0-based index of a label in `classes`, NULL when absent. */
export function classCodeExpr(colSql: string, colType: string, classes: string[]): string {
  const numericClasses = classes.every((c) => c.trim() !== '' && Number.isFinite(Number(c)));
  if (NUMERIC_TYPES.test(colType) && numericClasses) {
    // 1.0 in a DOUBLE column is the class "1".
    return `nullif(list_position([${classes.map((c) => lit(Number(c))).join(', ')}]::DOUBLE[], CAST(${colSql} AS DOUBLE)), 0) - 1`;
  }
  return `nullif(list_position([${classes.map((c) => lit(c)).join(', ')}]::VARCHAR[], CAST(${colSql} AS VARCHAR)), 0) - 1`;
}

/**
 * A score/probability/value column must be numeric and finite everywhere (NON_FINITE names the first bad
 * row); probabilities must also lie in [0, 1] (MODEL_OUTPUT_INVALID).
 */
async function checkProbabilityColumn(
  db: DataSession,
  col: string,
  configPath: string,
  unitInterval: boolean,
): Promise<void> {
  const c = ident(col);
  const v = `TRY_CAST(${c} AS DOUBLE)`;
  const rows = await db.rows(
    `SELECT __row_id::VARCHAR, CAST(${c} AS VARCHAR), ${v} IS NULL, NOT isfinite(${v}) FROM data ` +
      `WHERE ${v} IS NULL OR NOT isfinite(${v})${unitInterval ? ` OR ${v} < 0 OR ${v} > 1` : ''} ORDER BY __i LIMIT 1`,
  );
  if (rows.length === 0) return;
  const [rowId, text, isNull, nonFinite] = rows[0] as [string, string | null, boolean, boolean];
  const where = { column: col, row: Number(rowId), configPath };
  if (isNull) {
    throw new AssayError(
      text === null ? 'NULL_VALUES' : 'COLUMN_NOT_NUMERIC',
      `column '${col}' (${configPath}), row ${rowId}: ${text === null ? 'NULL' : `'${text}'`} is not a number`,
      where,
    );
  }
  if (nonFinite) {
    throw new AssayError(
      'NON_FINITE',
      `column '${col}' (${configPath}), row ${rowId}: ${text} is not a finite number`,
      where,
    );
  }
  throw new AssayError(
    'MODEL_OUTPUT_INVALID',
    `column '${col}' (${configPath}), row ${rowId}: ${text} is not a probability in [0, 1]`,
    where,
  );
}
