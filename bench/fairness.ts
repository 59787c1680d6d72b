/**
 * Benchmark of performance.classification + fairness.classification end to end from a file, against the
 * floor: DuckDB's raw scan of the same file. Usage:
 *
 *   npx tsx bench/fairness.ts [--rows 1000000] [--bootstrap-rows 1000000] [--no-bootstrap]
 *
 * Data: ../shared/fixtures/make_big.mjs (seed 42), cached in bench/data/ with a Parquet copy written by
 * DuckDB. Checks the per-group counts against the generator's summary, times a 1000-replicate bootstrap,
 * prints a table and writes bench/results/fairness.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSession, lit } from '../src/data/session.js';
import { fairnessClassification, FairnessClassificationParams } from '../src/metrics/fairness-classification.js';
import {
  performanceClassification,
  PerformanceClassificationParams,
} from '../src/metrics/performance-classification.js';
import { contextFor, createScored, readSql, type ScoredSpec } from '../test/metrics/context.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.ASSAY_SHARED ?? path.resolve(root, '../shared');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(String(process.argv[i + 1]).replaceAll('_', '')) : fallback;
}
const rows = arg('rows', 1_000_000);
const bootstrapRows = arg('bootstrap-rows', 1_000_000);
const withBootstrap = !process.argv.includes('--no-bootstrap');
const threads = arg('threads', 2);
/** `--view`: `scored` is a view over the file (every query reads the file) instead of a table loaded once. */
const asView = process.argv.includes('--view');
/** DuckDB's buffer limit for the run (it spills to disk beyond it), e.g. --memory-limit 1GB; default 1GB. */
const memoryLimitIndex = process.argv.indexOf('--memory-limit');
const memoryLimit = memoryLimitIndex >= 0 ? process.argv[memoryLimitIndex + 1] : '1GB';

async function openSession(): Promise<DataSession> {
  const db = await DataSession.open({ threads });
  await db.exec(`SET memory_limit = ${lit(memoryLimit)}`);
  // Every metric query aggregates or orders explicitly, so loading need not keep the file's row order
  // (__i comes from row_id); this halves the load time of a 10M-row CSV.
  await db.exec('SET preserve_insertion_order = false');
  return db;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

function dataFiles(n: number): { csv: string; parquet: string; summary: string } {
  const dir = path.join(root, 'bench/data');
  mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, `preds_${n}.csv`);
  if (!existsSync(csv) || !existsSync(`${csv}.summary.json`)) {
    console.log(`generating ${n} rows with make_big.mjs …`);
    execFileSync(
      process.execPath,
      [path.join(shared, 'fixtures/make_big.mjs'), '--rows', String(n), '--seed', '42', '--out', csv],
      {
        stdio: 'inherit',
      },
    );
  }
  return { csv, parquet: path.join(dir, `preds_${n}.parquet`), summary: `${csv}.summary.json` };
}

async function ensureParquet(csv: string, parquet: string): Promise<void> {
  if (existsSync(parquet)) return;
  const db = await openSession();
  await db.exec(`COPY (SELECT * FROM read_csv(${lit(csv)})) TO ${lit(parquet)} (FORMAT parquet)`);
  db.close();
}

const spec = (file: string): ScoredSpec => ({
  task: 'binary-classification',
  file,
  yTrue: 'y_true',
  yPred: 'y_pred',
  yScore: 'y_prob',
  rowId: 'row_id',
  rowIndex: 'row_id',
  sensitive: ['sex', 'race'],
  classes: ['0', '1'],
  threads,
  view: asView,
});

async function rawScan(file: string): Promise<{ seconds: number; rows: number; columnsSeconds: number }> {
  const db = await openSession();
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

interface GroupRow {
  label: string;
  n: number;
  counts: { tp: number; fp: number; tn: number; fn: number };
}

async function endToEnd(file: string) {
  const db = await openSession();
  const t0 = performance.now();
  const s = spec(file);
  await createScored(db, s);
  const tLoad = seconds(t0);
  const ctx = contextFor(db, s);
  const t1 = performance.now();
  const perf = await performanceClassification(ctx, PerformanceClassificationParams.parse({}));
  const tPerf = seconds(t1);
  const t2 = performance.now();
  const fair = await fairnessClassification(ctx, FairnessClassificationParams.parse({}));
  const tFair = seconds(t2);
  const total = seconds(t0);
  const groups = (fair.results as { perClass: { groups: GroupRow[] }[] }).perClass[0].groups;
  return { db, ctx, perf, fair, groups, times: { load: tLoad, performance: tPerf, fairness: tFair, total } };
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
  return { ok: mismatches.length === 0, mismatches };
}

async function main() {
  const files = dataFiles(rows);
  await ensureParquet(files.csv, files.parquet);
  const out: Record<string, unknown> = {
    rows,
    threads,
    scored: asView ? 'view over the file' : 'table loaded from the file',
    duckdbMemoryLimit: memoryLimit,
    preserveInsertionOrder: false,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    date: new Date().toISOString(),
  };
  for (const [format, file] of [
    ['csv', files.csv],
    ['parquet', files.parquet],
  ] as const) {
    const raw = await rawScan(file);
    if (raw.rows !== rows) throw new Error(`raw scan read ${raw.rows} rows, expected ${rows}`);
    const e2e = await endToEnd(file);
    const check = checkCounts(e2e.groups, files.summary);
    e2e.db.close();
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
        `(load ${e2e.times.load.toFixed(2)}, performance ${e2e.times.performance.toFixed(2)}, fairness ${e2e.times.fairness.toFixed(2)}) ` +
        `| ratio ${(e2e.times.total / raw.seconds).toFixed(2)}× (${(e2e.times.total / raw.columnsSeconds).toFixed(2)}× a 5-column scan of ${raw.columnsSeconds.toFixed(2)} s) | counts ${check.ok ? 'match' : 'MISMATCH'} the summary`,
    );
    if (!check.ok) console.log(check.mismatches.join('\n'));
  }
  if (withBootstrap) {
    const bfiles = dataFiles(bootstrapRows);
    const db = await openSession();
    const s = spec(bfiles.csv);
    await createScored(db, s);
    const ctx = contextFor(db, s);
    const t0 = performance.now();
    await fairnessClassification(ctx, FairnessClassificationParams.parse({ bootstrap: 1000 }));
    const withB = seconds(t0);
    const t1 = performance.now();
    await fairnessClassification(ctx, FairnessClassificationParams.parse({}));
    const without = seconds(t1);
    db.close();
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
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const resultFile = path.join(root, 'bench/results/fairness.json');
  const previous = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : {};
  previous[`rows_${rows}${asView ? '_view' : ''}`] = out;
  writeFileSync(resultFile, `${JSON.stringify(previous, null, 2)}\n`);
  console.log(`wrote ${path.relative(root, resultFile)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
