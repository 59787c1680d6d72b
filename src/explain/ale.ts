/**
 * First-order accumulated local effects (Apley & Zhu 2020) for a numeric feature, centred, following the
 * continuous estimator AI Verify's ALE plugin takes from PyALE (`PyALE/_src/ALE_1D.py`, `aleplot_1D_continuous`):
 * bin edges = unique values of numpy.percentile(x, linspace(0, 100, gridSize)); each row falls in the bin
 * (edge[k−1], edge[k]] (the lowest value joins the first bin); its local effect is f(x with edge[k]) −
 * f(x with edge[k−1]); effects are averaged per bin and accumulated from 0 at the first edge; the curve is then
 * centred by subtracting Σ_k size_k · (ale[k−1] + ale[k]) / 2 / Σ size.
 */
import { percentile, sortedColumn, uniqueSorted } from './partialDependence.js';
import { type BatchPredictor, type Matrix, predictInBatches } from './predictor.js';

export interface AleResult {
  /** Bin edges (E values). */
  edges: Float64Array;
  /** E × outputs: centred accumulated effect at each edge. */
  ale: Float64Array;
  /** E values: rows per bin ending at that edge (size[0] = 0), as AI Verify reports it. */
  size: Float64Array;
}

export function aleEdges(data: Matrix, j: number, gridSize = 25): Float64Array {
  const sorted = sortedColumn(data, j);
  const q = Float64Array.from({ length: gridSize }, (_, g) => percentile(sorted, (100 * g) / (gridSize - 1)));
  return uniqueSorted(q);
}

/** Bin of value v among edges: the k ≥ 1 with edges[k−1] < v ≤ edges[k]; values at or below edges[0] → 1. */
function binOf(edges: Float64Array, v: number): number {
  let lo = 1;
  let hi = edges.length - 1;
  if (v <= edges[0]) return 1;
  if (v > edges[hi]) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] >= v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export async function accumulatedLocalEffects(
  predict: BatchPredictor,
  data: Matrix,
  feature: number,
  edges: Float64Array,
  outputs: number,
  batchRows = 262144,
): Promise<AleResult> {
  const { n, d } = data;
  const e = edges.length;
  if (e < 2) {
    return { edges, ale: new Float64Array(e * outputs), size: new Float64Array(e).fill(n) };
  }
  const bins = new Int32Array(n);
  const size = new Float64Array(e);
  for (let i = 0; i < n; i++) {
    bins[i] = binOf(edges, data.x[i * d + feature]);
    size[bins[i]]++;
  }
  // Synthetic rows 2i (lower edge) and 2i + 1 (upper edge).
  const effect = new Float64Array(e * outputs);
  await predictInBatches(
    predict,
    2 * n,
    d,
    outputs,
    Math.max(2, batchRows - (batchRows % 2)),
    (dst, start, count) => {
      for (let t = 0; t < count; t++) {
        const idx = start + t;
        const i = idx >> 1;
        dst.set(data.x.subarray(i * d, i * d + d), t * d);
        dst[t * d + feature] = edges[bins[i] - 1 + (idx & 1)];
      }
    },
    (y, start, count) => {
      for (let t = 0; t + 1 < count; t += 2) {
        const i = (start + t) >> 1;
        const k = bins[i];
        for (let c = 0; c < outputs; c++) effect[k * outputs + c] += y[(t + 1) * outputs + c] - y[t * outputs + c];
      }
    },
  );
  const ale = new Float64Array(e * outputs);
  for (let k = 1; k < e; k++) {
    for (let c = 0; c < outputs; c++) {
      const mean = size[k] > 0 ? effect[k * outputs + c] / size[k] : 0;
      ale[k * outputs + c] = ale[(k - 1) * outputs + c] + mean;
    }
  }
  for (let c = 0; c < outputs; c++) {
    let centre = 0;
    for (let k = 1; k < e; k++) centre += (size[k] * (ale[(k - 1) * outputs + c] + ale[k * outputs + c])) / 2;
    centre /= n;
    for (let k = 0; k < e; k++) ale[k * outputs + c] -= centre;
  }
  return { edges, ale, size };
}
