/**
 * Loading benchmark: time to load a big CSV into the session (the core's loadData: parse, type and null
 * checks, the data view), against DuckDB's raw `SELECT count(*) FROM read_csv(...)` of the same file in the
 * same process (the floor). Target: ≤ 1.5× the raw scan. Usage: npx tsx bench/loading.ts [--rows 10000000]
 */
import { parsePlan } from '../src/config/load.js';
import { loadData } from '../src/data/load.js';
import { DataSession } from '../src/data/session.js';
import { arg, bigCsv, peakRssMb, rawCsvScanMs, timed, writeResult } from './common.js';

const rows = arg('rows', 10_000_000);
const file = bigCsv(rows);

const scan = { ms: await rawCsvScanMs(file) };

const planFor = (id?: string) =>
  parsePlan({
    task: 'binary-classification',
    data: { path: file, ...(id ? { id } : {}) },
    target: 'y_true',
    sensitive: ['sex', 'race'],
    classes: ['0', '1'],
    positiveLabel: '1',
    model: { type: 'predictions', label: 'y_pred', score: 'y_prob' },
  });
const needs = { numeric: ['y_prob'], other: ['y_true', 'y_pred', 'sex', 'race'] };
const loadOnce = async (id?: string) => {
  const db = await DataSession.open();
  try {
    return await timed(() => loadData(db, planFor(id), '/', needs));
  } finally {
    db.close();
  }
};
// Without an id column (row numbers are the ids), then with `row_id` declared (adds the uniqueness check).
const load = await loadOnce();
const loadWithId = await loadOnce('row_id');

const result = {
  rows,
  file,
  rawScanMs: Math.round(scan.ms),
  loadMs: Math.round(load.ms),
  ratio: Number((load.ms / scan.ms).toFixed(2)),
  loadWithIdCheckMs: Math.round(loadWithId.ms),
  ratioWithIdCheck: Number((loadWithId.ms / scan.ms).toFixed(2)),
  target: '<= 1.5',
  rowsLoaded: load.value.rows,
  columnsLoaded: load.value.columns.length,
  peakRssMb: peakRssMb(),
};
console.log(result);
writeResult('loading', result);
