/**
 * The Node API: `assess(plan)` runs an assessment and returns the results object. The CLI is a thin
 * layer over it. One pipeline: plan → data → model → scoring → tests → evidence/coverage → results.json.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedPlan } from './config/load.js';
import { formatIssues, planFromObject, resolveIn } from './config/load.js';
import type { Plan, PlanInput } from './config/schema.js';
import { checkLabels, distinctValues, loadData, type ColumnNeeds, type LoadedData } from './data/load.js';
import { buildScored } from './data/scored.js';
import { DataSession, ident } from './data/session.js';
import { AssayError, toAssayError } from './errors.js';
import { computeCoverage } from './frameworks/index.js';
import { openModel } from './models/open.js';
import type { Model } from './models/types.js';
import { loadProcessChecks } from './process/index.js';
import type { ReportFormat } from './report/formats.js';
import { RESULTS_SCHEMA_VERSION, type InputFile, type Results, type TestResult } from './results/schema.js';
import { hashFile } from './results/hash.js';
import { toJson, writeFileAtomic } from './results/write.js';
import { environment, toolVersion } from './results/versions.js';
import { scoreAll } from './scoring/score.js';
import { getTest } from './tests/registry.js';
import { evaluateThresholds } from './tests/thresholds.js';
import type { ProgressEvent, TechnicalTest, TestContext } from './tests/types.js';
import { deriveSeed } from './util/random.js';

export interface AssessOptions {
  /** Output folder (overrides the plan's `output`). */
  outDir?: string;
  /** Write results.json and reports into the output folder (default true). */
  write?: boolean;
  /** Report formats to write after results.json (default: all). */
  reports?: ReportFormat[] | 'none';
  progress?: (e: ProgressEvent & { test?: string }) => void;
  log?: (msg: string) => void;
}

export interface AssessOutcome {
  results: Results;
  outDir: string;
  /** Files written (results.json first). */
  written: string[];
  warnings: string[];
  exitCode: number;
}

/** Runs an assessment from a loaded plan (or a plan object built in code). */
export async function assess(input: LoadedPlan | PlanInput, options: AssessOptions = {}): Promise<AssessOutcome> {
  const loaded: LoadedPlan = 'plan' in input && 'baseDir' in input ? (input as LoadedPlan) : planFromObject(input as PlanInput);
  const { plan, baseDir } = loaded;
  const outDir = path.resolve(options.outDir ?? resolveIn(baseDir, plan.output));
  const started = new Date();
  const progress = options.progress ?? (() => {});
  const testTimes: Record<string, number> = {};

  const inputs: InputFile[] = [];
  let db: DataSession | undefined;
  let model: Model | undefined;
  let dataInfo: LoadedData | undefined;
  let classes: string[] = [];
  try {
    if (loaded.configFile) inputs.push(await inputFile('config', loaded.configFile, baseDir));
    const planned = planTests(plan);
    // Hashing a big data file takes as long as parsing it: start now, so it overlaps DuckDB's work.
    const dataHash = inputFile('data', resolveIn(baseDir, plan.data.path), baseDir);
    dataHash.catch(() => {}); // a missing file is reported by loadData, with its context
    db = await DataSession.open();
    const m = await openModel(plan, baseDir);
    model = m;
    for (const f of modelFiles(plan)) inputs.push(await inputFile(f.role, resolveIn(baseDir, f.path), baseDir));

    dataInfo = await loadData(db, plan, baseDir, columnNeeds(plan, m));
    inputs.push(await dataHash);
    classes = await resolveClasses(db, plan, m);
    if (plan.task !== 'regression') await checkLabels(db, plan, classes);
    await checkWeights(db, plan);

    progress({ phase: 'scoring', done: 0, total: dataInfo.rows });
    let imageTensor: ((start: number, count: number) => Promise<Float64Array>) | undefined;
    if (plan.data.images) {
      const { loadImageTensor } = await import('./data/images.js');
      const t = await loadImageTensor(db, plan, baseDir);
      const size = t.shape[0] * t.shape[1] * t.shape[2];
      imageTensor = async (start, count) => t.pixels.subarray(start * size, (start + count) * size);
      inputs.push({ role: 'images', path: plan.data.images.folder, ...(await hashFolderOfImages(db, plan, baseDir)) });
    }
    const scoring = await scoreAll(db, m, plan, {
      classes,
      progress: (done: number, total: number) => progress({ phase: 'scoring', done, total }),
      imageTensor,
    });
    await buildScored(db, plan, classes, scoring.inline);

    let processChecks: Awaited<ReturnType<typeof loadProcessChecks>> | undefined;
    if (plan.processChecks) {
      processChecks = await loadProcessChecks(plan.processChecks.path, baseDir);
      inputs.push(...processChecks.inputs);
    }

    const tests: TestResult[] = [];
    for (const { spec, test, params, index } of planned) {
      const t0 = performance.now();
      tests.push(await runOne({ plan, baseDir, outDir, db, model: m, classes, test, params, spec, index, progress }));
      testTimes[`${index}:${test.id}`] = Math.round(performance.now() - t0);
    }

    const coverage = computeCoverage({ tests, processChecks: processChecks?.answers });
    const results = buildResults({
      plan,
      started,
      inputs,
      dataInfo,
      classes,
      model,
      tests,
      coverage,
      processChecks: processChecks?.answers,
      testTimes,
      engineVersion: String(await db.scalar('SELECT version()')),
    });
    return await finish(results, outDir, options);
  } catch (e) {
    const err = toAssayError(e);
    if (options.write !== false && !(err.code === 'OUTPUT_WRITE')) {
      // A run that stops on bad input still says so in results.json: never leave an older, complete-looking file.
      const failed = buildResults({
        plan,
        started,
        inputs,
        dataInfo,
        classes,
        model,
        tests: [],
        testTimes,
        error: err,
        engineVersion: db ? String(await db.scalar('SELECT version()').catch(() => 'unknown')) : 'unknown',
      });
      await mkdir(outDir, { recursive: true }).catch(() => {});
      await writeFileAtomic(path.join(outDir, 'results.json'), toJson(failed)).catch(() => {});
    }
    throw err;
  } finally {
    await model?.close().catch(() => {});
    db?.close();
  }
}

/** Tests and their parameters are checked before any data is read: config errors come first. */
function planTests(plan: Plan) {
  return plan.tests.map((spec, i) => {
    const test = getTest(spec.id, `tests[${i}].id`);
    const parsed = test.params.safeParse(spec.params);
    if (!parsed.success) {
      throw new AssayError(
        'TEST_PARAMS',
        `parameters of test ${spec.id} (tests[${i}].params) are invalid:\n${formatIssues(parsed.error.issues, test.params)}`,
        { configPath: `tests[${i}].params`, test: spec.id },
      );
    }
    return { spec, test, params: parsed.data as Record<string, unknown>, index: i };
  });
}

async function finish(results: Results, outDir: string, options: AssessOptions): Promise<AssessOutcome> {
  const written: string[] = [];
  const warnings: string[] = [];
  if (options.write !== false) {
    const file = path.join(outDir, 'results.json');
    await writeFileAtomic(file, toJson(results));
    written.push(file);
    if (options.reports !== 'none') {
      const { writeReports } = await import('./report/index.js');
      const r = await writeReports(results, outDir, {
        ...(Array.isArray(options.reports) ? { formats: options.reports } : {}),
        log: options.log,
      });
      written.push(...r.written);
      warnings.push(...r.warnings);
    }
  }
  return { results, outDir, written, warnings, exitCode: exitCodeOf(results) };
}

/**
 * Records a run that stopped before its plan could even be validated (bad config), so an older results.json
 * in the output folder never stands as if it were this run's. Used by the CLI.
 */
export async function writeFailedRun(outDir: string, err: AssayError, planRecord: Record<string, unknown> = {}): Promise<string> {
  const now = new Date().toISOString();
  const results: Results = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'assay', version: toolVersion() },
    environment: environment('not started'),
    name: typeof planRecord.name === 'string' ? planRecord.name : 'Assessment',
    status: 'error',
    plan: planRecord,
    seed: typeof planRecord.seed === 'number' && Number.isInteger(planRecord.seed) ? planRecord.seed : 0,
    inputs: [],
    data: { rows: 0, rowsRead: 0, rowsDroppedForNulls: 0, columns: [] },
    model: { type: 'none' },
    summary: { tests: 0, passed: 0, failed: 0, error: 0, skipped: 0 },
    tests: [],
    error: err.toJSON() as Results['error'],
    timing: { startedAt: now, finishedAt: now, durationMs: 0, tests: {} },
  };
  const file = path.join(outDir, 'results.json');
  await writeFileAtomic(file, toJson(results));
  return file;
}

/** 0 all passed, 1 a threshold failed, 2 bad input/config (a test errored on input), 3 internal error. */
export function exitCodeOf(results: Results): number {
  if (results.error) return results.error.code === 'INTERNAL' ? 3 : 2;
  const errors = results.tests.filter((t) => t.status === 'error');
  if (errors.some((t) => t.error?.code === 'INTERNAL')) return 3;
  if (errors.length) return 2;
  if (results.tests.some((t) => t.status === 'failed')) return 1;
  return 0;
}

interface RunOneArgs {
  plan: Plan;
  baseDir: string;
  outDir: string;
  db: DataSession;
  model: Model;
  classes: string[];
  test: TechnicalTest;
  params: Record<string, unknown>;
  spec: Plan['tests'][number];
  index: number;
  progress: NonNullable<AssessOptions['progress']>;
}

async function runOne(a: RunOneArgs): Promise<TestResult> {
  const { test, plan } = a;
  const base = {
    id: test.id,
    title: test.title,
    params: a.params,
    metrics: {},
    thresholds: [],
    evidence: { aiverify: [...test.evidence.aiverify], nistAiRmf: [...test.evidence.nistAiRmf] },
  };
  if (!test.tasks.includes(plan.task)) {
    return { ...base, status: 'skipped', reason: `${test.id} applies to ${test.tasks.join(', ')}, not ${plan.task}` };
  }
  if (test.needsModel && !a.model.canPredict) {
    return {
      ...base,
      status: 'skipped',
      reason: `${test.id} must query the model, and the plan gives precomputed predictions only (model.type: predictions)`,
    };
  }
  if (test.image === true && !plan.data.images) {
    return { ...base, status: 'skipped', reason: `${test.id} needs an image dataset (data.images)` };
  }
  if (test.image === false && plan.data.images) {
    return { ...base, status: 'skipped', reason: `${test.id} needs tabular data, and this plan's data are images` };
  }
  const artifacts: string[] = [];
  const ctx: TestContext = {
    plan,
    task: plan.task,
    baseDir: a.baseDir,
    outDir: a.outDir,
    db: a.db,
    model: a.model,
    classes: a.classes,
    sensitive: plan.sensitive,
    seed: deriveSeed(plan.seed, a.index, test.id),
    progress: (e) => a.progress({ ...e, test: test.id }),
    writeArtifact: async (name, data) => {
      const rel = path.posix.join('artifacts', test.id, name);
      await writeFileAtomic(path.join(a.outDir, rel), data);
      artifacts.push(rel);
      return rel;
    },
  };
  try {
    const out = await test.run(ctx, a.params);
    const { results: thresholds, unknown } = evaluateThresholds(a.spec.thresholds, out.metrics, out.undefinedReasons);
    const common = {
      ...base,
      metrics: out.metrics,
      ...(out.undefinedReasons && Object.keys(out.undefinedReasons).length ? { undefinedReasons: out.undefinedReasons } : {}),
      thresholds,
      results: out.results,
      ...(out.notes?.length ? { notes: out.notes } : {}),
      ...(out.aiverify?.length ? { aiverify: out.aiverify } : {}),
      ...(out.artifacts?.length || artifacts.length ? { artifacts: [...new Set([...(out.artifacts ?? []), ...artifacts])] } : {}),
    };
    if (unknown.length) {
      return {
        ...common,
        status: 'error',
        error: {
          code: 'THRESHOLD_INVALID',
          message: `threshold on unknown metric ${unknown.map((m) => `"${m}"`).join(', ')} of ${test.id}. Metrics it reports: ${Object.keys(out.metrics).join(', ')}`,
          where: { configPath: `tests[${a.index}].thresholds` },
        },
      };
    }
    return { ...common, status: thresholds.every((t) => t.passed) ? 'passed' : 'failed' };
  } catch (e) {
    const err = toAssayError(e);
    return { ...base, status: 'error', error: { code: err.code, message: err.message, where: { ...err.where } } };
  }
}

/** Which columns the data must have, and which must be numeric. */
function columnNeeds(plan: Plan, model: Model): ColumnNeeds {
  const numeric: string[] = [];
  const other: string[] = [plan.target, ...plan.sensitive];
  if (plan.task === 'regression') numeric.push(plan.target);
  if (plan.weight) numeric.push(plan.weight);
  if (model.input.kind === 'tabular') {
    for (const f of model.input.features) (f.kind === 'numeric' ? numeric : other).push(f.name);
  }
  if (plan.data.images) other.push(plan.data.images.fileColumn);
  if (plan.model.type === 'predictions') {
    (plan.task === 'regression' ? numeric : other).push(plan.model.label);
    if (plan.model.score) numeric.push(plan.model.score);
    if (plan.model.probabilities) numeric.push(...plan.model.probabilities);
  }
  return { numeric: [...new Set(numeric)], other: [...new Set(other)].filter((c) => !numeric.includes(c)) };
}

/**
 * Class labels in the run's order: the plan's `classes`, else the model's, else the target's distinct
 * values. Binary tasks put the positive label at index 1 (positiveLabel, else the second declared class).
 */
async function resolveClasses(db: DataSession, plan: Plan, model: Model): Promise<string[]> {
  if (plan.task === 'regression') return [];
  let classes = (plan.classes ?? model.classes)?.map(String) ?? (await distinctValues(db, plan.target));
  if (plan.task === 'binary-classification') {
    if (classes.length !== 2) {
      throw new AssayError(
        'CONFIG_INVALID',
        `a binary-classification plan needs exactly 2 classes, found ${classes.length}: [${classes.slice(0, 10).join(', ')}${classes.length > 10 ? ', …' : ''}]`,
        { configPath: 'classes', column: plan.target },
        { hint: 'Declare `classes` and `positiveLabel`, or use task: multiclass-classification.' },
      );
    }
    if (plan.positiveLabel !== undefined) {
      const pos = String(plan.positiveLabel);
      if (!classes.includes(pos)) {
        throw new AssayError('CONFIG_INVALID', `positiveLabel "${pos}" is not one of the classes [${classes.join(', ')}]`, {
          configPath: 'positiveLabel',
        });
      }
      classes = [classes.find((c) => c !== pos) as string, pos];
    }
  }
  return classes;
}

async function checkWeights(db: DataSession, plan: Plan): Promise<void> {
  if (!plan.weight) return;
  const bad = await db.rows(
    `SELECT __row_id::VARCHAR, ${ident(plan.weight)}::DOUBLE FROM data WHERE ${ident(plan.weight)} < 0 ORDER BY __i LIMIT 1`,
  );
  if (bad.length) {
    throw new AssayError('CONFIG_INVALID', `weight column "${plan.weight}" holds a negative weight ${String(bad[0][1])} (row id ${String(bad[0][0])})`, {
      column: plan.weight,
      configPath: 'weight',
    });
  }
}

function modelFiles(plan: Plan): { role: InputFile['role']; path: string }[] {
  const m = plan.model;
  if (m.type === 'predictions') return [];
  const files: { role: InputFile['role']; path: string }[] = [];
  if (m.type === 'onnx') files.push({ role: 'model', path: m.path });
  if (typeof m.preprocessing === 'string') files.push({ role: 'preprocessing', path: m.preprocessing });
  return files;
}

async function inputFile(role: InputFile['role'], abs: string, baseDir: string): Promise<InputFile> {
  const { sha256, bytes } = await hashFile(abs);
  return { role, path: path.relative(baseDir, abs).split(path.sep).join('/'), bytes, sha256 };
}

/** One hash over the image files the data names (sorted by name), so the images are pinned too. */
async function hashFolderOfImages(db: DataSession, plan: Plan, baseDir: string): Promise<{ bytes: number; sha256: string }> {
  const { createHash } = await import('node:crypto');
  const images = plan.data.images!;
  const rows = await db.rows(`SELECT DISTINCT ${ident(images.fileColumn)}::VARCHAR AS f FROM data ORDER BY f`);
  const h = createHash('sha256');
  let bytes = 0;
  for (const [f] of rows) {
    const file = path.resolve(resolveIn(baseDir, images.folder), String(f));
    const one = await hashFile(file);
    h.update(`${String(f)}\0${one.sha256}\n`);
    bytes += one.bytes;
  }
  return { bytes, sha256: h.digest('hex') };
}

interface BuildArgs {
  plan: Plan;
  started: Date;
  inputs: InputFile[];
  dataInfo?: LoadedData;
  classes: string[];
  model?: Model;
  tests: TestResult[];
  coverage?: Results['coverage'];
  processChecks?: Results['processChecks'];
  testTimes: Record<string, number>;
  error?: AssayError;
  engineVersion: string;
}

function buildResults(a: BuildArgs): Results {
  const finished = new Date();
  const { output: _output, ...recordedPlan } = a.plan;
  const count = (s: TestResult['status']) => a.tests.filter((t) => t.status === s).length;
  const summary = {
    tests: a.tests.length,
    passed: count('passed'),
    failed: count('failed'),
    error: count('error'),
    skipped: count('skipped'),
  };
  const status: Results['status'] = a.error || summary.error ? 'error' : summary.failed ? 'failed' : 'passed';
  const id = a.model?.identity;
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'assay', version: toolVersion() },
    environment: environment(a.engineVersion),
    name: a.plan.name,
    status,
    plan: recordedPlan as Record<string, unknown>,
    seed: a.plan.seed,
    inputs: a.inputs,
    data: {
      rows: a.dataInfo?.rows ?? 0,
      rowsRead: a.dataInfo?.rowsRead ?? 0,
      rowsDroppedForNulls: a.dataInfo?.rowsDroppedForNulls ?? 0,
      columns: a.dataInfo?.columns ?? [],
      ...(a.classes.length ? { classes: a.classes } : {}),
    },
    model: {
      type: a.plan.model.type,
      ...(id?.path ? { path: id.path } : {}),
      ...(id?.endpoint ? { endpoint: id.endpoint } : {}),
      ...(id?.sha256 ? { sha256: id.sha256 } : {}),
      ...(id?.details ? { details: id.details } : {}),
    },
    summary,
    tests: a.tests,
    ...(a.processChecks !== undefined ? { processChecks: a.processChecks } : {}),
    ...(a.coverage !== undefined ? { coverage: a.coverage } : {}),
    ...(a.error ? { error: a.error.toJSON() as Results['error'] } : {}),
    timing: {
      startedAt: a.started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - a.started.getTime(),
      tests: a.testTimes,
    },
  };
}
