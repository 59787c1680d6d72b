/**
 * End-to-end benchmark of the real pipeline (`assess`, as `assay run` does it) on a big prediction CSV:
 * load + checks + scored table + performance.classification + fairness.classification (sex × race,
 * intersectional, no bootstrap), against DuckDB's raw `count(*)` scan of the same file in the same process.
 * Target (issue 3): ≤ 3× the raw scan at 10M rows, peak RSS ≤ 1.5 GB.
 * Usage: npx tsx bench/pipeline.ts [--rows 10000000]
 */
import { readFileSync } from 'node:fs';
import { assess } from '../src/api.js';
import { planFromObject } from '../src/config/load.js';
import { arg, bigCsv, peakRssMb, rawCsvScanMs, timed, writeResult } from './common.js';

const rows = arg('rows', 10_000_000);
const file = bigCsv(rows);

const scan = { ms: await rawCsvScanMs(file) };

const plan = planFromObject(
  {
    task: 'binary-classification',
    data: { path: file },
    target: 'y_true',
    classes: ['0', '1'],
    positiveLabel: '1',
    sensitive: ['sex', 'race'],
    model: { type: 'predictions', label: 'y_pred', score: 'y_prob' },
    tests: [{ id: 'performance.classification' }, { id: 'fairness.classification' }],
  },
  '/',
);
const run = await timed(() => assess(plan, { write: false }));
const r = run.value.results;

// Exactness: per-group counts equal the generator's own summary.
const summary = JSON.parse(readFileSync(`${file}.summary.json`, 'utf8')) as { overall?: { n?: number } };
const result = {
  rows,
  file,
  rawScanMs: Math.round(scan.ms),
  endToEndMs: Math.round(run.ms),
  ratio: Number((run.ms / scan.ms).toFixed(2)),
  target: '<= 3 (issue 3, 10M rows)',
  phases: r.timing.tests,
  rowsAssessed: r.data.rows,
  summaryRows: summary.overall?.n,
  peakRssMb: peakRssMb(),
};
console.log(result);
writeResult(`pipeline-${rows}`, result);
