/**
 * results.json: the one contract every report is rendered from. Versioned; its JSON Schema is published
 * as schema/results.schema.json. Everything that varies between two runs with the same inputs and seed
 * (clock times, durations) lives under the one key `timing`.
 */
import { z } from 'zod';
import { CoverageReport } from '../frameworks/coverage.js';
import { ProcessCheckAnswers } from '../process/index.js';

export const RESULTS_SCHEMA_VERSION = '1.0.0';

export const TestStatus = z.enum(['passed', 'failed', 'error', 'skipped']);
export type TestStatus = z.infer<typeof TestStatus>;

export const InputFile = z.object({
  role: z.enum(['config', 'data', 'model', 'preprocessing', 'images', 'process-checks', 'evidence']),
  /** Path relative to the config file's folder (as written in the config). */
  path: z.string(),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type InputFile = z.infer<typeof InputFile>;

export const ThresholdResult = z.object({
  metric: z.string(),
  condition: z.string(),
  actual: z.number().nullable(),
  passed: z.boolean(),
  reason: z.string().optional(),
});
export type ThresholdResult = z.infer<typeof ThresholdResult>;

export const TestResult = z.object({
  id: z.string(),
  title: z.string(),
  status: TestStatus,
  params: z.record(z.string(), z.unknown()),
  /** Scalars thresholds refer to; null = undefined, with the reason in undefinedReasons. */
  metrics: z.record(z.string(), z.number().nullable()),
  undefinedReasons: z.record(z.string(), z.string()).optional(),
  thresholds: z.array(ThresholdResult),
  results: z.unknown().optional(),
  notes: z.array(z.string()).optional(),
  aiverify: z
    .array(
      z.object({
        gid: z.string(),
        cid: z.string(),
        version: z.string(),
        algorithmArgs: z.record(z.string(), z.unknown()),
        output: z.unknown(),
        convention: z.string(),
      }),
    )
    .optional(),
  artifacts: z.array(z.string()).optional(),
  evidence: z.object({ aiverify: z.array(z.string()), nistAiRmf: z.array(z.string()) }),
  error: z
    .object({ code: z.string(), message: z.string(), where: z.record(z.string(), z.unknown()).optional() })
    .optional(),
  reason: z.string().optional(),
});
export type TestResult = z.infer<typeof TestResult>;

export const Results = z.object({
  $schema: z.string().optional(),
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('assay'), version: z.string() }),
  /** Versions of the runtime and of the libraries that computed the numbers. */
  environment: z.object({
    node: z.string(),
    platform: z.string(),
    dependencies: z.record(z.string(), z.string()),
  }),
  name: z.string(),
  status: z.enum(['passed', 'failed', 'error']),
  /** The validated plan (output folder excluded: it does not change the numbers). */
  plan: z.record(z.string(), z.unknown()),
  seed: z.number().int(),
  inputs: z.array(InputFile),
  data: z.object({
    rows: z.number().int(),
    rowsRead: z.number().int(),
    rowsDroppedForNulls: z.number().int(),
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    classes: z.array(z.string()).optional(),
  }),
  model: z.object({
    type: z.string(),
    path: z.string().optional(),
    endpoint: z.string().optional(),
    sha256: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  summary: z.object({
    tests: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    error: z.number().int(),
    skipped: z.number().int(),
  }),
  tests: z.array(TestResult),
  processChecks: ProcessCheckAnswers.optional(),
  coverage: CoverageReport.optional(),
  /** A run that stopped before the tests (bad input): the error. */
  error: z
    .object({ code: z.string(), message: z.string(), where: z.record(z.string(), z.unknown()).optional() })
    .optional(),
  /** The only part that differs between identical runs. */
  timing: z.object({
    startedAt: z.string(),
    finishedAt: z.string(),
    durationMs: z.number(),
    tests: z.record(z.string(), z.number()),
  }),
});
export type Results = z.infer<typeof Results>;
