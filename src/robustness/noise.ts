/**
 * Noise stability for tabular models: how often predictions change, and how much accuracy falls, when each
 * numeric feature gets Gaussian noise scaled by its own standard deviation and each categorical feature
 * switches to another category with some probability. Immutable features never change; noisy values are
 * clipped to the feature's bounds and whole-number features are rounded, so every row stays valid.
 */
import { createRng, deriveSeed } from '../util/random.js';
import type { Domain } from './domain.js';
import { type Predictor, predictLabels } from './predictor.js';

export interface NoiseLevel {
  /** Noise standard deviation as a multiple of each numeric feature's std. */
  sigma: number;
  /** Probability that a categorical feature switches to a different category (uniform among the others). */
  flip: number;
}

export interface NoiseLevelResult extends NoiseLevel {
  rows: number;
  /** Fraction of noisy rows whose prediction differs from the clean prediction. */
  flipRate: number;
  /** Accuracy on the noisy rows (null without ground truth). */
  accuracy: number | null;
  /** Clean accuracy minus noisy accuracy. */
  accuracyDrop: number | null;
}

export interface NoiseResult {
  cleanLabels: Int32Array;
  cleanAccuracy: number | null;
  levels: NoiseLevelResult[];
}

/**
 * Perturbs every row `repeats` times at each level and compares predictions. `std` is per raw feature (used for
 * numeric features); `isCategorical` marks category-index features. `sameClass(label, truth)` maps the model's
 * label onto the ground truth's class index space.
 */
export async function noiseStability(
  predict: Predictor,
  domain: Domain,
  isCategorical: Uint8Array,
  std: Float64Array,
  x: Float64Array,
  n: number,
  yTrue: ArrayLike<number> | null,
  levels: NoiseLevel[],
  options: { repeats: number; seed: number; maxBatch?: number; sameClass?: (label: number, truth: number) => boolean },
): Promise<NoiseResult> {
  const { d, lo, hi, discrete, mutable } = domain;
  const maxBatch = options.maxBatch ?? 32768;
  const same = options.sameClass ?? ((a: number, b: number) => a === b);
  const clean = await predictLabels(predict, x, n, d, maxBatch);
  const accuracyOf = (labels: Int32Array, rows: number): number | null => {
    if (!yTrue) return null;
    let ok = 0;
    for (let r = 0; r < rows; r++) if (same(labels[r], yTrue[r % n])) ok++;
    return rows === 0 ? null : ok / rows;
  };
  const cleanAccuracy = accuracyOf(clean, n);
  const out: NoiseLevelResult[] = [];
  for (let li = 0; li < levels.length; li++) {
    const { sigma, flip } = levels[li];
    const rng = createRng(deriveSeed(options.seed, 'noise', li));
    const rows = n * options.repeats;
    const noisy = new Float64Array(rows * d);
    // Row r is repeat ⌊r/n⌋ of data row r mod n; draws in row-major order over the mutable features.
    for (let r = 0; r < rows; r++) {
      const src = (r % n) * d;
      noisy.set(x.subarray(src, src + d), r * d);
      for (const k of mutable) {
        const v = x[src + k];
        let w: number;
        if (isCategorical[k]) {
          const K = hi[k] - lo[k] + 1;
          w = v;
          if (rng.next() < flip && K > 1) {
            const other = rng.int(K - 1);
            w = lo[k] + (other >= v - lo[k] ? other + 1 : other);
          }
        } else {
          w = v + sigma * std[k] * rng.normal();
          if (discrete[k]) w = Math.round(w);
          w = Math.min(hi[k], Math.max(lo[k], w));
        }
        noisy[r * d + k] = w;
      }
    }
    const labels = await predictLabels(predict, noisy, rows, d, maxBatch);
    let flips = 0;
    for (let r = 0; r < rows; r++) if (labels[r] !== clean[r % n]) flips++;
    const accuracy = accuracyOf(labels, rows);
    out.push({
      sigma,
      flip,
      rows,
      flipRate: rows === 0 ? 0 : flips / rows,
      accuracy,
      accuracyDrop: accuracy === null || cleanAccuracy === null ? null : cleanAccuracy - accuracy,
    });
  }
  return { cleanLabels: clean, cleanAccuracy, levels: out };
}
