/**
 * Technical tests are plain modules: an id, a title, a parameter schema, the controls they give evidence
 * for, and `run(context, params)`. The registry (registry.ts) lists them by exact id.
 */
import type { z } from 'zod';
import type { Plan, Task } from '../config/schema.js';
import type { DataSession } from '../data/session.js';
import type { Model } from '../models/types.js';

/** A scalar a threshold can refer to. `null` means undefined (e.g. 0/0); the reason is in `undefinedReasons`. */
export type MetricValue = number | null;

export interface ControlRefs {
  /** AI Verify testable-criteria / process-check ids, e.g. "4.1" or "fairness" principle ids as in the catalog. */
  aiverify: string[];
  /** NIST AI RMF 1.0 subcategory ids, e.g. "MEASURE 2.11". */
  nistAiRmf: string[];
}

export interface ProgressEvent {
  phase: string;
  done: number;
  total: number;
}

export interface TestContext {
  plan: Plan;
  task: Task;
  /** Folder the config's relative paths are resolved against. */
  baseDir: string;
  /** Output folder of this run (artifacts go under `artifacts/<test id>/`). */
  outDir: string;
  db: DataSession;
  model: Model;
  /** Declared class labels, in class-index order (classification); index 1 is positive for binary tasks. */
  classes: string[];
  /** Sensitive attribute column names (as in the data). */
  sensitive: string[];
  /** Seed for this test: derived from the plan seed and the test's position, so tests don't share streams. */
  seed: number;
  progress(e: ProgressEvent): void;
  /** Writes a file under `<outDir>/artifacts/<test id>/` and returns its path relative to outDir. */
  writeArtifact(name: string, data: Uint8Array | string): Promise<string>;
}

/** AI Verify-compatible output of one of its algorithms (gid/cid as in AI Verify's plugin metadata). */
export interface AiVerifyOutput {
  gid: string;
  cid: string;
  version: string;
  /** AI Verify's `testArguments.algorithmArgs`. */
  algorithmArgs: Record<string, unknown>;
  output: unknown;
  /** Says plainly whose convention the numbers follow. */
  convention: string;
}

export interface TestOutcome {
  /** Flat map of scalar metrics: what thresholds refer to, and what summaries show. */
  metrics: Record<string, MetricValue>;
  /** Why a metric is null, keyed like `metrics`. */
  undefinedReasons?: Record<string, string>;
  /** Full structured results (JSON-serialisable; no NaN/Infinity). */
  results: unknown;
  /** Things a reader must know (small groups flagged, convergence warnings …). */
  notes?: string[];
  /** AI Verify-compatible outputs, when the test has an AI Verify counterpart. */
  aiverify?: AiVerifyOutput[];
  /** Relative paths of artifacts written (images, CSVs). */
  artifacts?: string[];
}

export interface TechnicalTest<P extends z.ZodType = z.ZodType> {
  id: string;
  title: string;
  /** One or two sentences: what it measures, in words a reviewer understands. */
  summary: string;
  tasks: readonly Task[];
  /** True when the test must query the model (it is skipped with a reason for the `predictions` adapter). */
  needsModel: boolean;
  /** True when the test needs an image dataset; false when it needs tabular data; undefined for either. */
  image?: boolean;
  params: P;
  evidence: ControlRefs;
  run(ctx: TestContext, params: z.infer<P>): Promise<TestOutcome>;
}

/** Helper that keeps the parameter type inferred from the schema. */
export function defineTest<P extends z.ZodType>(t: TechnicalTest<P>): TechnicalTest<P> {
  return t;
}
