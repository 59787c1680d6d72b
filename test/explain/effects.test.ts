/**
 * PDP, ICE, 2-D PDP, ALE and permutation importance against the numpy / scipy / scikit-learn reference
 * (scripts/explain/reference.py → test/fixtures/explain/reference.json), on the ONNX fixture models run by
 * onnxruntime-node with the same weights, grids and permutations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accumulatedLocalEffects, aleEdges } from '../../src/explain/ale.js';
import { partialDependence, partialDependence2d, pdpGrid } from '../../src/explain/partialDependence.js';
import { permutationImportance } from '../../src/explain/permutationImportance.js';
import type { BatchPredictor, Matrix } from '../../src/explain/predictor.js';
import {
  CLASSIFICATION_SCORES,
  REGRESSION_SCORES,
  rocAuc,
  type ScoreName,
  scoreValue,
} from '../../src/explain/scoring.js';
import { createRng } from '../../src/util/random.js';
import { type DataFixture, flat, onnxPredictor, readJson } from './support.js';

interface Reference {
  pdp: Record<string, { grid: number[]; pdp: number[][]; ice_head: number[][][] }>;
  pdp2d: { features: [number, number]; grids: [number[], number[]]; pdp: number[][][] };
  ale: Record<string, { edges: number[]; ale: number[][]; size: number[] }>;
  permutation: Record<string, { baseline: number; importances: number[][]; mean: number[]; std: number[] }>;
  permutations: number[][][];
}

const data = readJson<DataFixture>('data.json');
const ref = readJson<Reference>('reference.json');
const matrix: Matrix = { n: data.X.length, d: 4, x: flat(data.X) };
const TOL = 1e-12;

let mlp: { predict: BatchPredictor; close: () => Promise<void> };
let linear: { predict: BatchPredictor; close: () => Promise<void> };
beforeAll(async () => {
  mlp = await onnxPredictor('mlp_classifier.onnx', { d: 4, dtype: 'float64', output: 'probabilities' });
  linear = await onnxPredictor('linear_regression.onnx', { d: 4, dtype: 'float64', output: 'prediction' });
});
afterAll(async () => {
  await mlp.close();
  await linear.close();
});

function maxDiff(a: ArrayLike<number>, b: number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('partial dependence and ICE', () => {
  it('uses AI Verify grids (uniques when few, mquantile 1–99% otherwise) and matches numpy', async () => {
    for (const [key, r] of Object.entries(ref.pdp)) {
      const j = Number(key);
      const grid = pdpGrid(matrix, j);
      expect(maxDiff(grid, r.grid)).toBeLessThan(1e-12);
      // Small batches so the test covers rows split across predictor calls.
      const res = await partialDependence(mlp.predict, matrix, j, grid, 2, 1000);
      expect(maxDiff(res.pdp, r.pdp.flat())).toBeLessThan(TOL);
      const g = grid.length;
      expect(maxDiff(res.ice.subarray(0, r.ice_head.length * g * 2), r.ice_head.flat(2))).toBeLessThan(TOL);
    }
  });

  it('2-D PDP matches numpy', async () => {
    const { features, grids, pdp } = ref.pdp2d;
    const g = [pdpGrid(matrix, features[0], 8), pdpGrid(matrix, features[1], 6)] as [Float64Array, Float64Array];
    expect(maxDiff(g[0], grids[0])).toBeLessThan(1e-12);
    expect(maxDiff(g[1], grids[1])).toBeLessThan(1e-12);
    const res = await partialDependence2d(mlp.predict, matrix, features, g, 2, 777);
    expect(maxDiff(res, pdp.flat(2))).toBeLessThan(TOL);
  });
});

describe('accumulated local effects', () => {
  it('matches the numpy estimator (edges, sizes, centred curves)', async () => {
    for (const [key, r] of Object.entries(ref.ale)) {
      const j = Number(key);
      const edges = aleEdges(matrix, j);
      expect(maxDiff(edges, r.edges)).toBeLessThan(1e-12);
      const res = await accumulatedLocalEffects(mlp.predict, matrix, j, edges, 2, 100);
      expect(Array.from(res.size)).toEqual(r.size);
      expect(maxDiff(res.ale, r.ale.flat())).toBeLessThan(TOL);
    }
  });
});

describe('permutation importance', () => {
  const perms = ref.permutations.map((g) => g.map((p) => Int32Array.from(p)));
  it('the reference covers every score permutation importance offers', () => {
    expect(Object.keys(ref.permutation).sort()).toEqual([...CLASSIFICATION_SCORES, ...REGRESSION_SCORES].sort());
  });

  for (const name of [...CLASSIFICATION_SCORES, ...REGRESSION_SCORES] as ScoreName[]) {
    it(`${name}: same baseline, importances, mean and std as scikit-learn on the same permutations`, async () => {
      const reg = (REGRESSION_SCORES as readonly string[]).includes(name);
      const r = ref.permutation[name];
      const res = await permutationImportance(reg ? linear.predict : mlp.predict, matrix, {
        groups: [[0], [1], [2], [3]],
        score: name,
        outputs: reg ? 1 : 2,
        yTrue: Float64Array.from(reg ? data.y_reg : data.y_class),
        repeats: 3,
        permutations: perms,
        batchRows: 700,
      });
      expect(Math.abs((res.baseline as number) - r.baseline)).toBeLessThan(1e-12);
      expect(maxDiff(res.importances.flat() as number[], r.importances.flat())).toBeLessThan(1e-12);
      expect(maxDiff(res.mean as number[], r.mean)).toBeLessThan(1e-12);
      expect(maxDiff(res.std as number[], r.std)).toBeLessThan(1e-12);
    });
  }

  it('seeded permutations are reproducible and a group moves its columns together', async () => {
    const run = () =>
      permutationImportance(mlp.predict, matrix, {
        groups: [[0, 1], [2], [3]],
        score: 'log_loss',
        outputs: 2,
        yTrue: Float64Array.from(data.y_class),
        repeats: 2,
        rng: createRng(4),
      });
    const a = await run();
    const b = await run();
    expect(a.importances).toEqual(b.importances);
    expect(a.mean[0] as number).toBeGreaterThan(0);
  });

  it('undefined scores are null with a reason (sklearn returns 0 there), never NaN', async () => {
    // Every row predicted negative (P(positive) = 0.2): no predicted positives.
    const allNegative: BatchPredictor = async (_x, n) =>
      Float64Array.from({ length: n * 2 }, (_, k) => (k % 2 ? 0.2 : 0.8));
    const yTrue = Float64Array.from(data.y_class);
    const y = await allNegative(matrix.x, matrix.n);
    expect(scoreValue('precision', y, 2, yTrue)).toEqual({
      value: null,
      reason: 'no predicted positives (TP + FP = 0)',
    });
    expect(scoreValue('recall', y, 2, yTrue).value).toBe(0);
    expect(scoreValue('f1', y, 2, yTrue).value).toBe(0);
    expect(scoreValue('specificity', y, 2, yTrue).value).toBe(1);
    expect(scoreValue('matthews_corrcoef', y, 2, yTrue).value).toBeNull();
    expect(scoreValue('matthews_corrcoef', y, 2, yTrue).reason).toContain('same class');
    const ones = new Float64Array(yTrue.length).fill(1);
    expect(scoreValue('specificity', y, 2, ones).reason).toBe('no actual negatives (TN + FP = 0)');
    expect(scoreValue('recall', y, 2, new Float64Array(yTrue.length)).reason).toBe('no actual positives (TP + FN = 0)');
    expect(scoreValue('f1', y, 2, new Float64Array(yTrue.length)).value).toBeNull();
    expect(scoreValue('max_error', new Float64Array(0), 1, new Float64Array(0))).toEqual({
      value: null,
      reason: 'no rows',
    });
    expect(() => scoreValue('f1', new Float64Array(9), 3, new Float64Array(3))).toThrow(/binary/);

    const res = await permutationImportance(allNegative, matrix, {
      groups: [[0], [1]],
      score: 'precision',
      outputs: 2,
      yTrue,
      repeats: 2,
      rng: createRng(3),
    });
    expect(res.baseline).toBeNull();
    expect(res.baselineReason).toBe('no predicted positives (TP + FP = 0)');
    expect(res.mean).toEqual([null, null]);
    expect(res.std).toEqual([null, null]);
    expect(res.importances.flat()).toEqual([null, null, null, null]);
    expect(res.reasons[0]).toContain('no predicted positives');
  });

  it('median absolute error takes the mean of the two middle residuals for an even count (numpy median)', () => {
    const y = Float64Array.from([1, 2, 3, 4]);
    const t = Float64Array.from([1.5, 2, 0, 8]); // |r| = 0.5, 0, 3, 4
    expect(scoreValue('median_absolute_error', y, 1, t).value).toBe(1.75);
    expect(scoreValue('median_absolute_error', y.subarray(0, 3), 1, t.subarray(0, 3)).value).toBe(0.5);
    expect(scoreValue('max_error', y, 1, t).value).toBe(4);
  });

  it('ROC AUC handles ties with average ranks and is undefined with one class', () => {
    expect(rocAuc(Float64Array.from([0.1, 0.4, 0.35, 0.8]), Uint8Array.from([0, 0, 1, 1]))).toBeCloseTo(0.75, 12);
    expect(rocAuc(Float64Array.from([0.5, 0.5, 0.5]), Uint8Array.from([0, 1, 1]))).toBeCloseTo(0.5, 12);
    expect(rocAuc(Float64Array.from([0.5, 0.2]), Uint8Array.from([1, 1]))).toBeNull();
  });
});
