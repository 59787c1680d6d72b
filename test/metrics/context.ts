/**
 * Builds the `scored` table of the metric-test contract (docs/architecture.md) straight from a CSV and a
 * TestContext around it, so the metric tests run before and independently of the
 * core's loading and scoring pipeline.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Plan, type Task } from '../../src/config/schema.js';
import { DataSession, ident, lit } from '../../src/data/session.js';
import type { Model } from '../../src/models/types.js';
import type { TestContext } from '../../src/tests/types.js';

export interface ScoredSpec {
  task: Task;
  /** A CSV or Parquet file (read with DuckDB's auto-detection). */
  file: string;
  /** SQL expressions over the file's columns. */
  yTrue: string;
  yPred: string;
  yScore?: string;
  probs?: string[];
  weight?: string;
  rowId?: string;
  /** Dense 0-based row index expression (default: row_number() over the file). */
  rowIndex?: string;
  /** Sensitive attribute column names in the file. */
  sensitive?: string[];
  classes: string[];
  reference?: Record<string, string | number | boolean>;
  /** Extra SQL appended after FROM (e.g. a WHERE clause). */
  filter?: string;
  threads?: number;
  /** Create `scored` as a view over the file instead of loading it into a table. */
  view?: boolean;
}

export interface ScoredContext extends TestContext {
  close(): void;
}

/** The `predictions` adapter's identity: these tests never query a model. */
export const predictionsOnly: Model = {
  identity: { type: 'predictions' },
  input: { kind: 'tabular', features: [] },
  canPredict: false,
  predict: () => Promise.reject(new Error('the predictions adapter cannot predict')),
  close: () => Promise.resolve(),
};

export function readSql(file: string): string {
  return file.endsWith('.parquet') ? `read_parquet(${lit(file)})` : `read_csv(${lit(file)})`;
}

export async function createScored(db: DataSession, spec: ScoredSpec): Promise<void> {
  const sens = (spec.sensitive ?? []).map((s, k) => `${ident(s)}::VARCHAR AS s_${k}`);
  const regression = spec.task === 'regression';
  const cols = [
    `${spec.rowId ?? '(row_number() OVER () - 1)'}::BIGINT AS __row_id`,
    `${spec.rowIndex ?? '(row_number() OVER () - 1)'}::INTEGER AS __i`,
    `(${spec.yTrue})::${regression ? 'DOUBLE' : 'INTEGER'} AS y_true`,
    `(${spec.yPred})::${regression ? 'DOUBLE' : 'INTEGER'} AS y_pred`,
    `${spec.yScore ? `(${spec.yScore})` : 'NULL'}::DOUBLE AS y_score`,
    ...(spec.probs ?? []).map((p, i) => `(${p})::DOUBLE AS p_${i}`),
    `${spec.weight ? `(${spec.weight})` : '1.0'}::DOUBLE AS w`,
    ...sens,
  ];
  await db.exec(
    `CREATE OR REPLACE ${spec.view ? 'VIEW' : 'TABLE'} scored AS SELECT ${cols.join(', ')} FROM ${readSql(spec.file)} ${spec.filter ?? ''}`,
  );
}

export async function scoredContext(spec: ScoredSpec): Promise<ScoredContext> {
  const db = await DataSession.open({ threads: spec.threads ?? 2 });
  await createScored(db, spec);
  return contextFor(db, spec);
}

export function contextFor(db: DataSession, spec: ScoredSpec): ScoredContext {
  const plan = Plan.parse({
    task: spec.task,
    data: { path: spec.file },
    target: 'y_true',
    sensitive: spec.sensitive ?? [],
    reference: spec.reference,
    model: { type: 'predictions', label: 'y_pred' },
  });
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'assay-metrics-'));
  return {
    plan,
    task: spec.task,
    baseDir: path.dirname(spec.file),
    outDir,
    db,
    model: predictionsOnly,
    classes: spec.classes,
    sensitive: spec.sensitive ?? [],
    seed: 7,
    progress: () => {},
    writeArtifact: () => Promise.reject(new Error('no artifacts in metric tests')),
    close: () => db.close(),
  };
}
