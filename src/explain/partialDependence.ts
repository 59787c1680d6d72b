/**
 * Partial dependence (Friedman 2001) and individual conditional expectation (Goldstein et al. 2015): set one
 * feature (or a pair) to each grid value for every row and average the model outputs. The grid follows AI
 * Verify's PDP plugin (`aiverify_partial_dependence_plot/algo.py`): the sorted unique values when there are at
 * most `gridSize` of them, otherwise `gridSize` points evenly spaced between the 1st and 99th percentiles as
 * computed by `scipy.stats.mstats.mquantiles` (plotting positions alphap = betap = 0.4).
 */
import { type BatchPredictor, type Matrix, predictInBatches } from './predictor.js';

/** scipy.stats.mstats.mquantiles(sorted, prob, alphap=0.4, betap=0.4) for one probability. */
export function mquantile(sorted: Float64Array, p: number, alphap = 0.4, betap = 0.4): number {
  const n = sorted.length;
  if (n === 1) return sorted[0];
  const m = alphap + p * (1 - alphap - betap);
  const aleph = n * p + m;
  const k = Math.floor(Math.min(Math.max(aleph, 1), n - 1));
  const gamma = Math.min(Math.max(aleph - k, 0), 1);
  return (1 - gamma) * sorted[k - 1] + gamma * sorted[k];
}

/** numpy.percentile(values, q) with linear interpolation (q in [0, 100]). */
export function percentile(sorted: Float64Array, q: number): number {
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Column j of a row-major matrix, sorted ascending. */
export function sortedColumn(data: Matrix, j: number): Float64Array {
  const c = new Float64Array(data.n);
  for (let i = 0; i < data.n; i++) c[i] = data.x[i * data.d + j];
  return c.sort();
}

export function uniqueSorted(sorted: Float64Array): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]);
  return Float64Array.from(out);
}

/** AI Verify's PDP grid for one column. */
export function pdpGrid(data: Matrix, j: number, gridSize = 25): Float64Array {
  const sorted = sortedColumn(data, j);
  const uniq = uniqueSorted(sorted);
  if (uniq.length <= gridSize) return uniq;
  const lo = mquantile(sorted, 0.01);
  const hi = mquantile(sorted, 0.99);
  return Float64Array.from({ length: gridSize }, (_, g) => lo + ((hi - lo) * g) / (gridSize - 1));
}

export interface PartialDependenceResult {
  grid: Float64Array;
  /** grid × outputs: mean over rows. */
  pdp: Float64Array;
  /** rows × grid × outputs (ICE curves). */
  ice: Float64Array;
}

/** PDP and ICE of one feature column over a grid. */
export async function partialDependence(
  predict: BatchPredictor,
  data: Matrix,
  feature: number,
  grid: Float64Array,
  outputs: number,
  batchRows = 262144,
): Promise<PartialDependenceResult> {
  const { n, d } = data;
  const g = grid.length;
  const ice = new Float64Array(n * g * outputs);
  // Synthetic row (i, gi) at index i·G + gi: row i with the feature set to grid[gi].
  await predictInBatches(
    predict,
    n * g,
    d,
    outputs,
    batchRows,
    (dst, start, count) => {
      for (let t = 0; t < count; t++) {
        const idx = start + t;
        const i = Math.floor(idx / g);
        dst.set(data.x.subarray(i * d, i * d + d), t * d);
        dst[t * d + feature] = grid[idx % g];
      }
    },
    (y, start) => ice.set(y, start * outputs),
  );
  const pdp = new Float64Array(g * outputs);
  for (let i = 0; i < n; i++) for (let t = 0; t < g * outputs; t++) pdp[t] += ice[i * g * outputs + t];
  for (let t = 0; t < g * outputs; t++) pdp[t] /= n;
  return { grid, pdp, ice };
}

/** Two-feature PDP: grid1 × grid2 × outputs, the mean over rows with both features set. */
export async function partialDependence2d(
  predict: BatchPredictor,
  data: Matrix,
  features: [number, number],
  grids: [Float64Array, Float64Array],
  outputs: number,
  batchRows = 262144,
): Promise<Float64Array> {
  const { n, d } = data;
  const [g1, g2] = [grids[0].length, grids[1].length];
  const cells = g1 * g2;
  const pdp = new Float64Array(cells * outputs);
  // Synthetic row index = cell · n + i, so each batch reduces into whole cells.
  await predictInBatches(
    predict,
    cells * n,
    d,
    outputs,
    batchRows,
    (dst, start, count) => {
      for (let t = 0; t < count; t++) {
        const idx = start + t;
        const cell = Math.floor(idx / n);
        const i = idx % n;
        dst.set(data.x.subarray(i * d, i * d + d), t * d);
        dst[t * d + features[0]] = grids[0][Math.floor(cell / g2)];
        dst[t * d + features[1]] = grids[1][cell % g2];
      }
    },
    (y, start, count) => {
      for (let t = 0; t < count; t++) {
        const cell = Math.floor((start + t) / n);
        for (let k = 0; k < outputs; k++) pdp[cell * outputs + k] += y[t * outputs + k] / n;
      }
    },
  );
  return pdp;
}
