/** Shared helpers for the benchmarks: big synthetic data from ../shared, timing, RSS, result files. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSession, lit } from '../src/data/session.js';
import { loadPreprocessing } from '../src/models/preprocess.js';
import { SHARED_DIR } from '../test/support/shared.js';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = path.join(BENCH_DIR, 'data');
export const SHARED = SHARED_DIR;

/** The make_big.mjs CSV with `rows` rows (seed 42), generated once and cached in bench/data/. */
export function bigCsv(rows: number): string {
  const gen = path.join(SHARED, 'fixtures', 'make_big.mjs');
  if (!existsSync(gen))
    throw new Error(`benchmark data generator missing: ${gen} (../shared is needed for benchmarks)`);
  mkdirSync(DATA_DIR, { recursive: true });
  const out = path.join(DATA_DIR, `preds_${rows}.csv`);
  if (!existsSync(out)) {
    console.error(`generating ${out} …`);
    execFileSync(process.execPath, [gen, '--rows', String(rows), '--seed', '42', '--out', out], { stdio: 'inherit' });
  }
  return out;
}

/**
 * `rows` German-credit-like raw rows in bench/data/german_credit_<rows>.parquet (made once), resampled with a
 * fixed hash from the 1000 rows of ../shared/fixtures/german_credit/german_credit.csv (DuckDB COPY).
 */
export async function germanCreditParquet(rows: number): Promise<string> {
  const fixture = path.join(SHARED, 'fixtures', 'german_credit');
  mkdirSync(DATA_DIR, { recursive: true });
  const out = path.join(DATA_DIR, `german_credit_${rows}.parquet`);
  if (existsSync(out)) return out;
  const csv = path.join(fixture, 'german_credit.csv');
  if (!existsSync(csv)) throw new Error(`benchmark data missing: ${csv} (../shared is needed for benchmarks)`);
  const pre = loadPreprocessing('german_credit_mlp.json', { baseDir: fixture });
  // Text columns stay text (the sniffer would make yes/no BOOLEAN); the model's numeric inputs become BIGINT.
  const numeric = new Set(pre.features.filter((f) => f.kind === 'numeric').map((f) => f.name));
  const db = await DataSession.open();
  await db.exec(`CREATE TABLE src AS SELECT * FROM read_csv(${lit(csv)}, header = true, all_varchar = true)`);
  const cols = (await db.describe('src')).map((c) =>
    numeric.has(c.name) || c.name === 'row_id' ? `CAST("${c.name}" AS BIGINT) AS "${c.name}"` : `"${c.name}"`,
  );
  await db.exec(
    `COPY (SELECT ${cols.join(', ')} FROM range(${rows}) r JOIN src ON CAST(src.row_id AS BIGINT) = hash(r.range) % 1000 ORDER BY r.range) ` +
      `TO ${lit(out)} (FORMAT PARQUET)`,
  );
  db.close();
  return out;
}

/**
 * DuckDB's raw `count(*)` of a CSV (the floor the loading and pipeline targets are ratios to), in ms, after a
 * first pass that warms the OS page cache so both sides read from memory.
 */
export async function rawCsvScanMs(file: string): Promise<number> {
  const db = await DataSession.open();
  try {
    await db.scalar(`SELECT count(*) FROM read_csv(${lit(file)})`);
    return (await timed(() => db.scalar(`SELECT count(*)::DOUBLE FROM read_csv(${lit(file)}, delim=',', header=true)`)))
      .ms;
  } finally {
    db.close();
  }
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function machine(): Record<string, unknown> {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function writeResult(name: string, result: Record<string, unknown>): void {
  mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true });
  const file = path.join(BENCH_DIR, 'results', `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ ...result, machine: machine(), date: new Date().toISOString() }, null, 2)}\n`,
  );
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(String(process.argv[i + 1]).replaceAll('_', '')) : fallback;
}
