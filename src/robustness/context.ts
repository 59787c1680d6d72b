/** What the robustness tests share: the model as a labelled predictor, ground truth, and the inputs. */
import { readFeatureMatrix } from '../data/features.js';
import { loadImageTensor } from '../data/images.js';
import { AssayError } from '../errors.js';
import type { FeatureInfo } from '../models/types.js';
import { requirePredictingModel } from '../tests/model-access.js';
import type { TestContext } from '../tests/types.js';
import { createRng, deriveSeed, sampleWithoutReplacement } from '../util/random.js';
import { type CountingPredictor, modelPredictor } from './predictor.js';

export function requireClassifier(ctx: TestContext, testId: string): CountingPredictor {
  requirePredictingModel(ctx, testId);
  if (ctx.task === 'regression') {
    throw new AssayError('TEST_PARAMS', `${testId} applies to classifiers, not regression`, { test: testId });
  }
  return modelPredictor(ctx.model);
}

/**
 * Maps the model's label indexes (its output order, `model.classes`) onto the run's class indexes (`ctx.classes`),
 * so accuracy compares like with like. Identity when the model declares no classes.
 */
export function classIndexOf(ctx: TestContext): (label: number) => number {
  const mc = ctx.model.classes;
  if (!mc) return (l) => l;
  const map = mc.map((c) => ctx.classes.indexOf(String(c)));
  return (l) => (l >= 0 && l < map.length ? map[l] : -1);
}

/** Ground truth class indexes in `__i` order, from the scored view (see docs/architecture.md). */
export async function readTruth(ctx: TestContext): Promise<Int32Array> {
  const { cols } = await ctx.db.readDoubles('SELECT y_true FROM scored ORDER BY __i');
  return Int32Array.from(cols[0], (v) => (Number.isFinite(v) ? v : -1));
}

export interface TabularInput {
  features: FeatureInfo[];
  n: number;
  x: Float64Array;
  min: Float64Array;
  max: Float64Array;
  /** Sample standard deviation (n − 1) of each feature over every data row. */
  std: Float64Array;
}

export async function readTabular(ctx: TestContext, testId: string, immutable: string[]): Promise<TabularInput> {
  if (ctx.model.input.kind !== 'tabular') {
    throw new AssayError('TEST_PARAMS', `${testId} needs a tabular model; this model takes images`, { test: testId });
  }
  const names = ctx.model.input.features.map((f) => f.name);
  immutable.forEach((name, i) => {
    if (!names.includes(name)) {
      throw new AssayError(
        'TEST_PARAMS',
        `${testId}: immutable[${i}] = "${name}" is not a model feature (features: ${names.join(', ')})`,
        {
          test: testId,
          configPath: `params.immutable[${i}]`,
        },
      );
    }
  });
  const features = ctx.model.input.features.map((f) => (immutable.includes(f.name) ? { ...f, immutable: true } : f));
  const { n, x } = await readFeatureMatrix(ctx.db, features);
  if (n === 0) throw new AssayError('DATA_EMPTY', `${testId}: the data has no rows`, { test: testId });
  const d = features.length;
  const min = new Float64Array(d).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(d).fill(Number.NEGATIVE_INFINITY);
  const sum = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const v = x[i * d + k];
      if (v < min[k]) min[k] = v;
      if (v > max[k]) max[k] = v;
      sum[k] += v;
    }
  }
  const std = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    const mean = sum[k] / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (x[i * d + k] - mean) ** 2;
    std[k] = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  }
  return { features, n, x, min, max, std };
}

export async function readImages(ctx: TestContext, testId: string) {
  if (ctx.model.input.kind !== 'image' || !ctx.plan.data.images) {
    throw new AssayError('TEST_PARAMS', `${testId} needs an image model and data.images`, { test: testId });
  }
  return loadImageTensor(ctx.db, ctx.plan, ctx.baseDir);
}

/** Up to k row indexes out of n, seeded, in ascending order (all rows when n ≤ k). */
export function pickRows(n: number, k: number, seed: number, label: string): Int32Array {
  if (n <= k) return Int32Array.from({ length: n }, (_, i) => i);
  return sampleWithoutReplacement(createRng(deriveSeed(seed, label)), n, k).sort();
}

/** Copies the chosen rows (width w) of x into a new matrix. */
export function takeRows(x: Float64Array, w: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * w);
  rows.forEach((r, i) => {
    out.set(x.subarray(r * w, (r + 1) * w), i * w);
  });
  return out;
}

/** Rounds for JSON results (12 significant digits). */
export function r12(v: number): number {
  return Number(v.toPrecision(12));
}

/** Display value of a raw feature value: the category for categorical features. */
export function display(f: FeatureInfo, v: number): string | number {
  if (f.kind === 'categorical') return v >= 0 && v < f.categories.length ? f.categories[v] : '(unknown)';
  return r12(v);
}
