/**
 * Background sets for KernelSHAP: a seeded sample of rows, or a k-means summary (as shap.kmeans, which runs
 * sklearn KMeans and weights centres by cluster size). Here the clustering runs on standardised numeric
 * columns and one-hot categorical columns (k-means++ seeding, Lloyd iterations), and each centre is then
 * replaced by the data row nearest to it in its cluster, so every background row is a real row and
 * categorical codes stay valid (shap instead rounds centres to observed values column by column).
 */
import type { FeatureInfo } from '../models/types.js';
import type { Rng } from '../util/random.js';
import type { Matrix } from './predictor.js';

function embed(data: Matrix, features: FeatureInfo[]): { e: Float64Array; w: number } {
  const { n, d } = data;
  const width = features.reduce((a, f) => a + (f.kind === 'categorical' ? f.categories.length : 1), 0);
  const e = new Float64Array(n * width);
  let off = 0;
  for (let j = 0; j < d; j++) {
    const f = features[j];
    if (f.kind === 'categorical') {
      for (let i = 0; i < n; i++) {
        const c = data.x[i * d + j];
        if (c >= 0 && c < f.categories.length) e[i * width + off + c] = Math.SQRT1_2; // a change of category = distance 1
      }
      off += f.categories.length;
    } else {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += data.x[i * d + j] / n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (data.x[i * d + j] - mean) ** 2 / n;
      const sd = Math.sqrt(v) || 1;
      for (let i = 0; i < n; i++) e[i * width + off] = (data.x[i * d + j] - mean) / sd;
      off += 1;
    }
  }
  return { e, w: width };
}

function dist2(a: Float64Array, ao: number, b: Float64Array, bo: number, w: number): number {
  let s = 0;
  for (let t = 0; t < w; t++) {
    const x = a[ao + t] - b[bo + t];
    s += x * x;
  }
  return s;
}

export function kmeansBackground(
  data: Matrix,
  features: FeatureInfo[],
  k: number,
  rng: Rng,
  iterations = 25,
): { background: Matrix; weights: Float64Array } {
  const { n, d } = data;
  if (k >= n) return { background: data, weights: new Float64Array(n).fill(1) };
  const { e, w } = embed(data, features);
  // k-means++ seeding.
  const centres = new Float64Array(k * w);
  const best = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let pick = rng.int(n);
  for (let c = 0; c < k; c++) {
    centres.set(e.subarray(pick * w, (pick + 1) * w), c * w);
    let total = 0;
    for (let i = 0; i < n; i++) {
      best[i] = Math.min(best[i], dist2(e, i * w, centres, c * w, w));
      total += best[i];
    }
    if (c + 1 === k) break;
    let u = rng.next() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      u -= best[i];
      if (u < 0) {
        pick = i;
        break;
      }
    }
  }
  const assign = new Int32Array(n).fill(-1);
  for (let it = 0; it < iterations; it++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let bc = 0;
      let bd = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const dd = dist2(e, i * w, centres, c * w, w);
        if (dd < bd) {
          bd = dd;
          bc = c;
        }
      }
      if (assign[i] !== bc) changed++;
      assign[i] = bc;
    }
    if (changed === 0) break;
    const count = new Float64Array(k);
    const sum = new Float64Array(k * w);
    for (let i = 0; i < n; i++) {
      count[assign[i]]++;
      for (let t = 0; t < w; t++) sum[assign[i] * w + t] += e[i * w + t];
    }
    for (let c = 0; c < k; c++) {
      if (count[c] === 0) continue; // an empty cluster keeps its centre
      for (let t = 0; t < w; t++) centres[c * w + t] = sum[c * w + t] / count[c];
    }
  }
  // Snap each non-empty cluster to its member nearest the centre; weight = cluster size.
  const rows: number[] = [];
  const weights: number[] = [];
  for (let c = 0; c < k; c++) {
    let bi = -1;
    let bd = Number.POSITIVE_INFINITY;
    let size = 0;
    for (let i = 0; i < n; i++) {
      if (assign[i] !== c) continue;
      size++;
      const dd = dist2(e, i * w, centres, c * w, w);
      if (dd < bd) {
        bd = dd;
        bi = i;
      }
    }
    if (bi >= 0) {
      rows.push(bi);
      weights.push(size);
    }
  }
  const x = new Float64Array(rows.length * d);
  rows.forEach((r, t) => {
    x.set(data.x.subarray(r * d, (r + 1) * d), t * d);
  });
  return { background: { n: rows.length, d, x }, weights: Float64Array.from(weights) };
}
