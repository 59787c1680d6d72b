/**
 * Loads the plan's dataset into the session and checks it, so every later step can trust it.
 *
 * Tables made here:
 * - `source`: the used columns of the file, in file order (rowid = 0-based data row in the file);
 * - `data`: the rows kept (filter, null handling) with `__row_id` (the id column or the file row number)
 *   and `__i` (dense 0..n−1 in file order).
 * Problems are reported with the file, the column and the first offending row (1-based data row, header
 * excluded; for CSV the file line is row + 1).
 */
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Plan } from '../config/schema.js';
import { AssayError } from '../errors.js';
import { closest } from '../util/text.js';
import { type DataSession, ident, lit } from './session.js';

export interface ColumnNeeds {
  /** Columns that must hold numbers (features, scores, regression targets, weights). */
  numeric: string[];
  /** Columns used as text or labels (categorical features, sensitive attributes, targets, ids …). */
  other: string[];
}

export interface LoadedData {
  file: string;
  rowsRead: number;
  rows: number;
  rowsDroppedForNulls: number;
  columns: { name: string; type: string }[];
}

export type Format = 'csv' | 'parquet' | 'json';

export function detectFormat(file: string, declared: Plan['data']['format']): Format {
  if (declared !== 'auto') return declared;
  const f = file.toLowerCase();
  if (f.endsWith('.parquet') || f.endsWith('.pq')) return 'parquet';
  if (f.endsWith('.json') || f.endsWith('.ndjson') || f.endsWith('.jsonl')) return 'json';
  return 'csv';
}

/** The DuckDB table function that reads the file as loadData does (also used by the benchmarks' floors). */
export function readerSql(file: string, format: Format, delimiter?: string): string {
  const f = lit(file);
  if (format === 'parquet') return `read_parquet(${f})`;
  if (format === 'json') return `read_json_auto(${f})`;
  const delim = delimiter ?? (file.toLowerCase().match(/\.tsv(\.gz)?$/) ? '\t' : ',');
  // Only numbers or text: DuckDB would otherwise read yes/no as BOOLEAN (then 'true'), or codes as dates.
  return `read_csv(${f}, delim=${lit(delim)}, header=true, auto_type_candidates=['BIGINT', 'DOUBLE', 'VARCHAR'])`;
}

/** Finds the first ragged CSV line by counting fields outside quotes (only called after DuckDB failed). */
async function findRaggedLine(file: string, delimiter: string): Promise<string | undefined> {
  const input = file.endsWith('.gz') ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let expected = -1;
  let lineNo = 0;
  let header: string[] = [];
  for await (const line of lines) {
    lineNo++;
    let fields = 1;
    let inQuotes = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '"') inQuotes = !inQuotes;
      else if (ch === delimiter && !inQuotes) fields++;
    }
    if (expected < 0) {
      expected = fields;
      header = line.split(delimiter);
      continue;
    }
    if (line.length === 0) continue;
    if (fields !== expected) {
      lines.close();
      return `line ${lineNo} (data row ${lineNo - 1}) has ${fields} fields, but the header has ${expected} (${header.join(', ')})`;
    }
  }
  return undefined;
}

/** A CSV must be text: NUL bytes near the start mean a binary file (Parquet, a spreadsheet, an image …). */
function checkLooksLikeText(file: string, shown: string): void {
  if (file.toLowerCase().endsWith('.gz')) return; // DuckDB decompresses; checked after parsing
  const head = Buffer.alloc(4096);
  const fd = openSync(file, 'r');
  let n = 0;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const bytes = head.subarray(0, n);
  if (bytes.includes(0)) {
    const parquet = bytes.subarray(0, 4).toString('latin1') === 'PAR1';
    throw new AssayError(
      'DATA_UNREADABLE',
      `${shown} is not CSV text: it holds binary data (NUL bytes in its first ${n} bytes)${parquet ? '; it looks like a Parquet file' : ''}`,
      { file: shown, configPath: 'data.format' },
      { hint: parquet ? 'Set data.format: parquet, or give the file a .parquet name.' : 'Export the data as CSV, Parquet or JSON.' },
    );
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}

/** Loads, filters and checks the dataset. Throws AssayError for anything wrong with the data. */
export async function loadData(db: DataSession, plan: Plan, baseDir: string, needs: ColumnNeeds): Promise<LoadedData> {
  const spec = plan.data;
  const file = path.isAbsolute(spec.path) ? spec.path : path.resolve(baseDir, spec.path);
  const shown = spec.path;
  if (!existsSync(file)) {
    throw new AssayError('FILE_NOT_FOUND', `data file not found: ${shown} (resolved to ${file})`, {
      file: shown,
      configPath: 'data.path',
    });
  }
  if (statSync(file).size === 0) {
    throw new AssayError('DATA_EMPTY', `data file ${shown} is empty (0 bytes)`, { file: shown });
  }
  const format = detectFormat(file, spec.format);
  if (format === 'csv') checkLooksLikeText(file, shown);
  const reader = readerSql(file, format, spec.delimiter);

  // 1. The file's columns (DuckDB sniffs types from a sample; a ragged CSV fails here or on the full read).
  let fileColumns: { name: string; type: string }[];
  try {
    const rows = await db.rows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${reader})`);
    fileColumns = rows.map(([n, t]) => ({ name: String(n), type: String(t) }));
  } catch (e) {
    throw await unreadable(e, file, shown, format, spec.delimiter);
  }
  const names = new Set(fileColumns.map((c) => c.name));

  // 2. Every column the plan names must exist.
  const wanted = unique([
    ...needs.numeric,
    ...needs.other,
    ...(spec.id ? [spec.id] : []),
    ...(spec.filter ? [spec.filter.column] : []),
  ]);
  for (const col of wanted) {
    if (!names.has(col)) {
      const close = closest(col, [...names]);
      throw new AssayError(
        'COLUMN_MISSING',
        `column "${col}" is not in ${shown}. Columns present: ${[...names].join(', ')}${close ? `. Did you mean "${close}"?` : ''}`,
        { file: shown, column: col, configPath: configPathOf(plan, col) },
      );
    }
  }

  // 3. Materialise the used columns once (one parse of the file).
  const select = wanted.map(ident).join(', ');
  try {
    await db.exec(`CREATE OR REPLACE TABLE source AS SELECT ${select} FROM ${reader}`);
  } catch (e) {
    throw await unreadable(e, file, shown, format, spec.delimiter);
  }
  const rowsRead = Number(await db.scalar('SELECT count(*)::DOUBLE FROM source'));
  if (rowsRead === 0) throw new AssayError('DATA_EMPTY', `data file ${shown} has a header but no rows`, { file: shown });

  const types = new Map(
    (await db.describe('source')).map((c) => [c.name, c.type] as const),
  );

  // 4. One pass finds the first offending row of every check: text in a numeric column (never coerced),
  //    NaN/Inf, and nulls in used columns among the rows the filter keeps.
  const where = spec.filter
    ? `${ident(spec.filter.column)}::VARCHAR IN (${spec.filter.in.map((v) => lit(String(v))).join(', ')})`
    : 'TRUE';
  const used = unique([...needs.numeric, ...needs.other, ...(spec.id ? [spec.id] : [])]);
  const anyNull = used.length ? used.map((c) => `${ident(c)} IS NULL`).join(' OR ') : 'FALSE';
  const numeric = unique(needs.numeric);
  const checks: string[] = [];
  for (const col of numeric) {
    const c = ident(col);
    const textual = !isNumericType(types.get(col) ?? '');
    checks.push(textual ? `min(rowid) FILTER (WHERE ${c} IS NOT NULL AND TRY_CAST(${c} AS DOUBLE) IS NULL)` : 'NULL');
    checks.push(`min(rowid) FILTER (WHERE ${c} IS NOT NULL AND NOT isfinite(TRY_CAST(${c} AS DOUBLE)))`);
  }
  checks.push(`min(rowid) FILTER (WHERE ${anyNull})`, `count(*) FILTER (WHERE ${anyNull})::DOUBLE`);
  const found = (await db.rows(`SELECT ${checks.join(', ')} FROM source WHERE ${where}`))[0];
  const valueAt = async (col: string, rowid: unknown) =>
    String((await db.rows(`SELECT ${ident(col)}::VARCHAR FROM source WHERE rowid = ${Number(rowid)}`))[0]?.[0]);
  for (let k = 0; k < numeric.length; k++) {
    const col = numeric[k];
    const [textRow, nonFiniteRow] = [found[2 * k], found[2 * k + 1]];
    if (textRow !== null) {
      const row = Number(textRow) + 1;
      throw new AssayError(
        'COLUMN_NOT_NUMERIC',
        `column "${col}" of ${shown} must be numeric, but data row ${row} holds "${await valueAt(col, textRow)}"`,
        { file: shown, column: col, row, configPath: configPathOf(plan, col) },
        { hint: 'Declare it as a categorical feature in the preprocessing spec, or fix the value.' },
      );
    }
    if (nonFiniteRow !== null) {
      const row = Number(nonFiniteRow) + 1;
      throw new AssayError(
        'NON_FINITE',
        `column "${col}" of ${shown} holds ${await valueAt(col, nonFiniteRow)} at data row ${row}; only finite numbers are allowed`,
        { file: shown, column: col, row },
      );
    }
  }

  // 5. Nulls in used columns: an error by default, or dropped and counted.
  let dropped = 0;
  const nullRowId = found[2 * numeric.length];
  if (nullRowId !== null) {
    if (spec.nulls === 'error') {
      const rowid = Number(nullRowId);
      const cols: string[] = [];
      for (const c of used) {
        const v = await db.rows(`SELECT ${ident(c)} IS NULL FROM source WHERE rowid = ${rowid}`);
        if (v[0]?.[0] === true) cols.push(c);
      }
      throw new AssayError(
        'NULL_VALUES',
        `${shown} has a missing value in column${cols.length > 1 ? 's' : ''} ${cols.map((c) => `"${c}"`).join(', ')} at data row ${rowid + 1}`,
        { file: shown, column: cols[0], row: rowid + 1 },
        { hint: 'Fix the data, or set `data.nulls: drop` to drop such rows (the count is recorded in results.json).' },
      );
    }
    dropped = Number(found[2 * numeric.length + 1]);
  }

  // 6. The data table/view with row ids.
  const idExpr = spec.id ? `${ident(spec.id)}` : 'rowid::BIGINT';
  const cols = wanted.map(ident).join(', ');
  if (!spec.filter && dropped === 0) {
    await db.exec(`CREATE OR REPLACE VIEW data AS SELECT ${idExpr} AS __row_id, rowid::INTEGER AS __i, ${cols} FROM source`);
  } else {
    await db.exec(
      `CREATE OR REPLACE TABLE data AS SELECT ${idExpr} AS __row_id, (row_number() OVER (ORDER BY rowid) - 1)::INTEGER AS __i, ${cols}
       FROM source WHERE (${where}) AND NOT (${anyNull}) ORDER BY rowid`,
    );
  }
  const rows = Number(await db.scalar('SELECT count(*)::DOUBLE FROM data'));
  if (rows === 0) {
    throw new AssayError(
      'DATA_EMPTY',
      spec.filter
        ? `no rows of ${shown} match the filter ${spec.filter.column} in [${spec.filter.in.join(', ')}]`
        : `no rows of ${shown} are left after dropping ${dropped} rows with missing values`,
      { file: shown, configPath: spec.filter ? 'data.filter' : 'data.nulls' },
    );
  }

  // 7. Ids must be unique: a distinct count first (cheap), the offending value only when it differs.
  if (spec.id) {
    const distinct = Number(await db.scalar('SELECT count(DISTINCT __row_id)::DOUBLE FROM data'));
    if (distinct !== rows) {
      const dup = await db.rows(
        `SELECT __row_id::VARCHAR, count(*)::DOUBLE, min(__i)::DOUBLE FROM data GROUP BY __row_id HAVING count(*) > 1 ORDER BY min(__i) LIMIT 1`,
      );
      const [id, count] = dup[0];
      throw new AssayError(
        'DUPLICATE_ID',
        `id column "${spec.id}" of ${shown} holds the value ${String(id)} ${Number(count)} times; ids must be unique`,
        { file: shown, column: spec.id, configPath: 'data.id' },
      );
    }
  }

  return {
    file: shown,
    rowsRead,
    rows,
    rowsDroppedForNulls: dropped,
    columns: wanted.map((name) => ({ name, type: types.get(name) ?? 'UNKNOWN' })),
  };
}

/** Checks that every ground-truth label is one of the classes. */
export async function checkLabels(db: DataSession, plan: Plan, classes: string[]): Promise<void> {
  const col = ident(plan.target);
  const list = `[${classes.map((c) => lit(c)).join(', ')}]`;
  const bad = await db.rows(
    `SELECT __i, __row_id::VARCHAR, ${col}::VARCHAR FROM data WHERE NOT list_contains(${list}, ${col}::VARCHAR) ORDER BY __i LIMIT 1`,
  );
  if (bad.length) {
    const [, id, value] = bad[0];
    throw new AssayError(
      'UNKNOWN_LABEL',
      `target column "${plan.target}" holds "${String(value)}" (row id ${String(id)}), which is not one of the declared classes [${classes.join(', ')}]`,
      { file: plan.data.path, column: plan.target, configPath: 'classes' },
      { hint: 'Declare every label in `classes`, or filter those rows out.' },
    );
  }
}

/** The distinct values of a column as strings, sorted (for inferring classes). */
export async function distinctValues(db: DataSession, column: string, limit = 1000): Promise<string[]> {
  const rows = await db.rows(
    `SELECT DISTINCT ${ident(column)}::VARCHAR AS v FROM data WHERE ${ident(column)} IS NOT NULL ORDER BY v LIMIT ${limit + 1}`,
  );
  return rows.map((r) => String(r[0]));
}

export function isNumericType(t: string): boolean {
  return /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/.test(t);
}

async function unreadable(e: unknown, file: string, shown: string, format: Format, delimiter?: string): Promise<AssayError> {
  const msg = e instanceof Error ? e.message : String(e);
  if (format === 'csv') {
    const delim = delimiter ?? (file.toLowerCase().match(/\.tsv(\.gz)?$/) ? '\t' : ',');
    const ragged = await findRaggedLine(file, delim).catch(() => undefined);
    if (ragged) {
      return new AssayError('DATA_UNREADABLE', `${shown} is not a well-formed CSV: ${ragged}`, { file: shown });
    }
  }
  return new AssayError(
    'DATA_UNREADABLE',
    `${shown} cannot be read as ${format.toUpperCase()}: ${firstLine(msg)}`,
    { file: shown },
    { hint: format === 'csv' ? 'Check the delimiter (data.delimiter), quoting and that every row has the same number of fields.' : `Check that the file really is ${format}, or set data.format.` },
  );
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function configPathOf(plan: Plan, col: string): string | undefined {
  if (col === plan.target) return 'target';
  if (plan.sensitive.includes(col)) return `sensitive[${plan.sensitive.indexOf(col)}]`;
  if (plan.weight === col) return 'weight';
  if (plan.features?.includes(col)) return `features[${plan.features.indexOf(col)}]`;
  if (plan.model.type === 'predictions') {
    if (plan.model.label === col) return 'model.label';
    if (plan.model.score === col) return 'model.score';
  }
  return undefined;
}
