/**
 * Benchmark of performance.classification + fairness.classification end to end from a file, through the
 * real pipeline (`assess()` from src/api.ts, as `assay run` does it: loadData → openModel/scoreAll for the
 * `predictions` model → buildScored → the tests), against the floor: DuckDB's raw scan of the same file.
 * DuckDB runs with the core's own settings (`DataSession.open()` defaults); nothing is tuned here.
 * Usage:
 *
 *   npx tsx bench/fairness.ts [--rows 1000000] [--bootstrap-rows 1000000] [--no-bootstrap] [--out FILE]
 *
 * Data: ../shared/fixtures/make_big.mjs (seed 42), cached in bench/data/ with a Parquet copy written by
 * DuckDB. Checks the per-group counts against the generator's summary, times a 1000-replicate bootstrap,
 * prints a table and writes bench/results/fairness.json (or FILE).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assess } from '../src/api.js';
import { planFromObject } from '../src/config/load.js';
import { DataSession, lit } from '../src/data/session.js';
import type { Results } from '../src/results/schema.js';
import { arg, BENCH_DIR, bigCsv, DATA_DIR, peakRssMb } from './common.js';

const root = path.resolve(BENCH_DIR, '..');
const rows = arg('rows', 1_000_000);
const bootstrapRows = arg('bootstrap-rows', 1_000_000);
const withBootstrap = !process.argv.includes('--no-bootstrap');
const outIndex = process.argv.indexOf('--out');
const resultFile =
  outIndex >= 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(root, 'bench/results/fairness.json');

const seconds = (t0: number) => (performance.now() - t0) / 1000;

function dataFiles(n: number): { csv: string; parquet: string; summary: string } {
  const csv = bigCsv(n);
  return { csv, parquet: path.join(DATA_DIR, `preds_${n}.parquet`), summary: `${csv}.summary.json` };
}

/** Data preparation (not timed): the Parquet copy of the CSV. */
async function ensureParquet(csv: string, parquet: string): Promise<void> {
  if (existsSync(parquet)) return;
  const db = await DataSession.open();
  await db.exec(`COPY (SELECT * FROM read_csv(${lit(csv)})) TO ${lit(parquet)} (FORMAT parquet)`);
  db.close();
}

const readSql = (file: string) => (file.endsWith('.parquet') ? `read_parquet(${lit(file)})` : `read_csv(${lit(file)})`);

async function rawScan(file: string): Promise<{ seconds: number; rows: number; columnsSeconds: number }> {
  const db = await DataSession.open();
  const t0 = performance.now();
  const n = Number(await db.scalar(`SELECT count(*) FROM ${readSql(file)}`));
  const s = seconds(t0);
  // Parquet answers count(*) from its footer, so also time a scan that reads the five columns used.
  const t1 = performance.now();
  await db.rows(`SELECT min(y_true), min(y_pred), min(y_prob), min(sex), min(race) FROM ${readSql(file)}`);
  const columnsSeconds = seconds(t1);
  db.close();
  return { seconds: s, rows: n, columnsSeconds };
}

/** The plan `assay run` would get: precomputed predictions and scores, two sensitive attributes. */
function plan(file: string, fairnessParams: Record<string, unknown> = {}) {
  return planFromObject(
    {
      name: 'bench/fairness',
      task: 'binary-classification',
      data: { path: file, id: 'row_id' },
      target: 'y_true',
      classes: ['0', '1'],
      positiveLabel: '1',
      sensitive: ['sex', 'race'],
      model: { type: 'predictions', label: 'y_pred', score: 'y_prob' },
      tests: [{ id: 'performance.classification' }, { id: 'fairness.classification', params: fairnessParams }],
    },
    root,
  );
}

interface GroupRow {
  label: string;
  n: number;
  counts: { tp: number; fp: number; tn: number; fn: number };
}

function testOf(r: Results, id: string) {
  const t = r.tests.find((x) => x.id === id);
  if (!t || t.status === 'error' || t.status === 'skipped')
    throw new Error(`${id} did not run: ${t ? `${t.status} ${JSON.stringify(t.error ?? t.reason)}` : 'missing'}`);
  return t;
}

/** Milliseconds the pipeline spent in one test (results.timing.tests is keyed "<index>:<id>"). */
const testMs = (r: Results, id: string) =>
  Object.entries(r.timing.tests).find(([k]) => k.endsWith(`:${id}`))?.[1] ?? Number.NaN;

async function endToEnd(file: string) {
  const t0 = performance.now();
  const { results } = await assess(plan(file), { write: false });
  const total = seconds(t0);
  if (results.error) throw new Error(`assess failed: ${results.error.message}`);
  const perf = testOf(results, 'performance.classification');
  const fair = testOf(results, 'fairness.classification');
  const tPerf = testMs(results, 'performance.classification') / 1000;
  const tFair = testMs(results, 'fairness.classification') / 1000;
  const groups = (fair.results as { perClass: { groups: GroupRow[] }[] }).perClass[0].groups;
  return {
    results,
    perf,
    fair,
    groups,
    // "load" is everything before the tests: open, load and check the data, hash it, score, build `scored`.
    times: { load: total - tPerf - tFair, performance: tPerf, fairness: tFair, total },
  };
}

/** The generator's marginal counts per sex and per race must equal the sums of our intersectional groups. */
function checkCounts(groups: GroupRow[], summaryFile: string): { ok: boolean; mismatches: string[] } {
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  const mismatches: string[] = [];
  for (const [attr, idx] of [
    ['sex', 0],
    ['race', 1],
  ] as const) {
    for (const [value, exp] of Object.entries(summary.groups[attr] as Record<string, Record<string, number>>)) {
      const mine = { n: 0, tp: 0, fp: 0, tn: 0, fn: 0 };
      for (const g of groups) {
        const parts = g.label.split(', ').map((p) => p.split('=')[1]);
        if (parts[idx] !== value) continue;
        mine.n += g.n;
        mine.tp += g.counts.tp;
        mine.fp += g.counts.fp;
        mine.tn += g.counts.tn;
        mine.fn += g.counts.fn;
      }
      for (const k of ['n', 'tp', 'fp', 'tn', 'fn'] as const) {
        if (mine[k] !== exp[k]) mismatches.push(`${attr}=${value} ${k}: ${mine[k]} vs ${exp[k]}`);
      }
    }
  }
  const total = groups.reduce((s, g) => s + g.n, 0);
  if (total !== summary.overall.n) mismatches.push(`overall n: ${total} vs ${summary.overall.n}`);
  return { ok: mismatches.length === 0, mismatches };
}

async function main() {
  const files = dataFiles(rows);
  await ensureParquet(files.csv, files.parquet);
  const out: Record<string, unknown> = {
    rows,
    pipeline: 'assess() with a predictions model plan (write: false), DuckDB at the core defaults',
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    date: new Date().toISOString(),
  };
  let failed = false;
  for (const [format, file] of [
    ['csv', files.csv],
    ['parquet', files.parquet],
  ] as const) {
    const raw = await rawScan(file);
    if (raw.rows !== rows) throw new Error(`raw scan read ${raw.rows} rows, expected ${rows}`);
    const e2e = await endToEnd(file);
    if (e2e.results.data.rows !== rows) throw new Error(`assess used ${e2e.results.data.rows} rows, expected ${rows}`);
    const check = checkCounts(e2e.groups, files.summary);
    failed ||= !check.ok;
    out[format] = {
      rawScanSeconds: raw.seconds,
      rawColumnScanSeconds: raw.columnsSeconds,
      ratioToColumnScan: e2e.times.total / raw.columnsSeconds,
      endToEndSeconds: e2e.times.total,
      ratioToRawScan: e2e.times.total / raw.seconds,
      breakdown: e2e.times,
      groups: e2e.groups.length,
      countsMatchSummary: check.ok,
      mismatches: check.mismatches,
      accuracy: e2e.perf.metrics.accuracy,
      rocAuc: e2e.perf.metrics.roc_auc,
      demographicParityRatio: e2e.fair.metrics.demographic_parity_ratio,
      equalizedOddsDifference: e2e.fair.metrics.equalized_odds_difference,
    };
    console.log(
      `${format.padEnd(8)} raw scan ${raw.seconds.toFixed(2)} s | end to end ${e2e.times.total.toFixed(2)} s ` +
        `(load+score ${e2e.times.load.toFixed(2)}, performance ${e2e.times.performance.toFixed(2)}, fairness ${e2e.times.fairness.toFixed(2)}) ` +
        `| ratio ${(e2e.times.total / raw.seconds).toFixed(2)}× (${(e2e.times.total / raw.columnsSeconds).toFixed(2)}× a 5-column scan of ${raw.columnsSeconds.toFixed(2)} s) | counts ${check.ok ? 'match' : 'MISMATCH'} the summary`,
    );
    if (!check.ok) console.log(check.mismatches.join('\n'));
  }
  if (withBootstrap) {
    // The bootstrap's cost is the fairness test's time with 1000 replicates minus its time without, both
    // measured inside the same kind of pipeline run.
    const bfiles = dataFiles(bootstrapRows);
    const withRun = await assess(plan(bfiles.csv, { bootstrap: 1000 }), { write: false });
    const withoutRun = await assess(plan(bfiles.csv), { write: false });
    const boot = (testOf(withRun.results, 'fairness.classification').results as { bootstrap: { replicates: number } })
      .bootstrap;
    if (boot?.replicates !== 1000) throw new Error('the fairness test did not report 1000 bootstrap replicates');
    const withB = testMs(withRun.results, 'fairness.classification') / 1000;
    const without = testMs(withoutRun.results, 'fairness.classification') / 1000;
    out.bootstrap = {
      rows: bootstrapRows,
      replicates: 1000,
      fairnessWithBootstrapSeconds: withB,
      fairnessWithoutSeconds: without,
      bootstrapSeconds: withB - without,
    };
    console.log(
      `bootstrap 1000 replicates on ${bootstrapRows} rows: fairness.classification ${withB.toFixed(2)} s ` +
        `(${without.toFixed(2)} s without; bootstrap ${(withB - without).toFixed(2)} s)`,
    );
  }
  out.peakRssMb = peakRssMb();
  console.log(`peak RSS ${out.peakRssMb} MB`);
  mkdirSync(path.dirname(resultFile), { recursive: true });
  const previous = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : {};
  previous[`rows_${rows}`] = out;
  writeFileSync(resultFile, `${JSON.stringify(previous, null, 2)}\n`);
  console.log(`wrote ${path.relative(root, resultFile)}`);
  if (failed) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
