/**
 * What the explain tests share: the model as a batched predictor in the space we explain (probabilities or
 * the regression output), the raw feature matrix from the session, seeded row selection, feature names.
 */
import { z } from 'zod';
import { readFeatureMatrix } from '../data/features.js';
import { AssayError } from '../errors.js';
import type { EncodedAccess, FeatureInfo, Model, Prediction } from '../models/types.js';
import { requirePredictingModel } from '../tests/model-access.js';
import type { TestContext } from '../tests/types.js';
import { createRng, deriveSeed, sampleWithoutReplacement } from '../util/random.js';
import type { BatchPredictor, Matrix } from './predictor.js';

/** Which outputs a classification model is explained in. */
export type OutputMode = 'positive' | 'all';

export interface ExplainSetup {
  features: FeatureInfo[];
  names: string[];
  /** Every data row (raw features, `__i` order). */
  data: Matrix;
  predict: BatchPredictor;
  outputs: number;
  /** Names of the outputs, e.g. ["P(good)"] or ["P(a)", "P(b)", "P(c)"] or ["prediction"]. */
  outputNames: string[];
  /** Class index of each output (classification), for AI Verify's per-class arrays. */
  outputClasses: number[];
}

export function requireTabularModel(ctx: TestContext, testId: string): FeatureInfo[] {
  requirePredictingModel(ctx, testId);
  if (ctx.model.input.kind !== 'tabular') {
    throw new AssayError('TEST_PARAMS', `${testId} explains tabular models; this model takes images`, { test: testId });
  }
  return ctx.model.input.features;
}

/** The model as a predictor of probabilities (positive class or all classes) or of the regression output. */
export type { EncodedAccess } from '../models/types.js';

export function encodedAccess(model: Model): EncodedAccess | undefined {
  return model.encoded;
}

/** Turns a Prediction into the outputs explained (probabilities or the regression value). */
export function outputSelector(
  ctx: TestContext,
  mode: OutputMode,
  testId: string,
): {
  select: (p: Prediction, n: number) => Float64Array;
  outputs: number;
  outputNames: string[];
  outputClasses: number[];
} {
  if (ctx.task === 'regression') {
    return {
      select: (p) => (p.labels instanceof Float64Array ? p.labels : Float64Array.from(p.labels)),
      outputs: 1,
      outputNames: ['prediction'],
      outputClasses: [],
    };
  }
  const k = ctx.classes.length;
  const positiveOnly = ctx.task === 'binary-classification' && mode === 'positive';
  return {
    select: (p, n) => {
      if (!p.proba) {
        throw new AssayError(
          'MODEL_OUTPUT_INVALID',
          `${testId} explains class probabilities, but the model gives labels only; name its probability output (model.output.probabilities)`,
          { test: testId, configPath: 'model.output' },
        );
      }
      if (!positiveOnly) return p.proba;
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = p.proba[i * k + 1];
      return y;
    },
    outputs: positiveOnly ? 1 : k,
    outputNames: positiveOnly ? [`P(${ctx.classes[1]})`] : ctx.classes.map((c) => `P(${c})`),
    outputClasses: positiveOnly ? [1] : ctx.classes.map((_, i) => i),
  };
}

/** The model as a predictor of probabilities (positive class or all classes) or of the regression output. */
export function modelPredictor(
  ctx: TestContext,
  mode: OutputMode,
  testId: string,
): Omit<ExplainSetup, 'features' | 'names' | 'data'> {
  const { select, ...rest } = outputSelector(ctx, mode, testId);
  return { predict: async (x, n) => select(await ctx.model.predict(x, n), n), ...rest };
}

export async function explainSetup(ctx: TestContext, mode: OutputMode, testId: string): Promise<ExplainSetup> {
  const features = requireTabularModel(ctx, testId);
  const { n, x } = await readFeatureMatrix(ctx.db, features);
  if (n === 0) throw new AssayError('DATA_EMPTY', `${testId}: the data has no rows to explain`, { test: testId });
  return {
    features,
    names: features.map((f) => f.name),
    data: { n, d: features.length, x },
    ...modelPredictor(ctx, mode, testId),
  };
}

/** The `rows` parameter of the explainability tests: how many rows a seeded sample takes, and what they are for. */
export function sampledRowsParam(
  defaultRows: number,
  use: 'explained' | 'averaged' | 'used',
  { min = 1, max = 1_000_000 }: { min?: number; max?: number } = {},
) {
  return z
    .number()
    .int()
    .min(min)
    .max(max)
    .default(defaultRows)
    .describe(`Rows ${use} (a seeded sample; all rows if fewer)`);
}

/** A seeded subset of rows (all rows, in order, when `k ≥ n`); returns the matrix and the chosen `__i` indexes. */
export function sampleRows(data: Matrix, k: number, seed: number, label: string): { rows: Matrix; index: Int32Array } {
  if (k >= data.n) return { rows: data, index: Int32Array.from({ length: data.n }, (_, i) => i) };
  const index = sampleWithoutReplacement(createRng(deriveSeed(seed, label)), data.n, k).sort();
  const x = new Float64Array(k * data.d);
  for (let r = 0; r < k; r++) x.set(data.x.subarray(index[r] * data.d, (index[r] + 1) * data.d), r * data.d);
  return { rows: { n: k, d: data.d, x }, index };
}

/** Resolves feature names given as test parameters to column indexes. */
export function featureIndexes(names: string[], wanted: string[], testId: string, param: string): number[] {
  return wanted.map((w, i) => {
    const j = names.indexOf(w);
    if (j < 0) {
      throw new AssayError(
        'TEST_PARAMS',
        `${testId}: ${param}[${i}] = "${w}" is not a model feature (features: ${names.join(', ')})`,
        {
          test: testId,
          configPath: `params.${param}[${i}]`,
        },
      );
    }
    return j;
  });
}

/** Ground truth in `__i` order (class index or value), from the scored view. */
export async function readTruth(ctx: TestContext): Promise<Float64Array> {
  const { cols } = await ctx.db.readDoubles('SELECT y_true FROM scored ORDER BY __i');
  return cols[0];
}

/** Row ids in `__i` order. */
export async function readRowIds(ctx: TestContext): Promise<Float64Array> {
  const { cols } = await ctx.db.readDoubles('SELECT __row_id FROM data ORDER BY __i');
  return cols[0];
}

/** Rounds for JSON results (keeps files small; 1e-12 relative is far below anything a reader sees). */
export function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(12)) : v;
}

export function toRows(a: Float64Array, cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.length; i += cols) out.push(Array.from(a.subarray(i, i + cols), round));
  return out;
}

/** Display value of a raw feature value (category label for categorical features). */
export function displayValue(f: FeatureInfo, v: number): string | number {
  if (f.kind === 'categorical') return v >= 0 && v < f.categories.length ? f.categories[v] : '(unknown)';
  return round(v);
}
