/**
 * Permutation importance (Breiman 2001; scikit-learn's `sklearn/inspection/_permutation_importance.py`):
 * the drop in a score when one feature group's values are shuffled across rows, repeated with independent
 * seeded permutations. Importance is signed so that positive = the model relies on the feature (a higher-is-
 * better score drops, a loss rises). Mean and population standard deviation over the repeats, as sklearn.
 * Every group × repeat is evaluated in large predictor batches.
 */
import { permutation, type Rng } from '../util/random.js';
import { type BatchPredictor, type Matrix, predictAll, predictInBatches } from './predictor.js';
import { higherIsBetter, type ScoreName, scoreValue } from './scoring.js';

export interface PermutationImportanceOptions {
  groups: number[][];
  score: ScoreName;
  outputs: number;
  yTrue: Float64Array;
  repeats: number;
  /** Seeded permutations are drawn from it (one per group × repeat, group-major) unless `permutations` is given. */
  rng?: Rng;
  /** Explicit permutations [group][repeat] (for checking against an independent reference). */
  permutations?: Int32Array[][];
  batchRows?: number;
}

export interface PermutationImportanceResult {
  baseline: number | null;
  /** Why the baseline score is undefined (when it is). */
  baselineReason?: string;
  /** groups × repeats importances (null where the score is undefined). */
  importances: (number | null)[][];
  mean: (number | null)[];
  std: (number | null)[];
  /** Per group: why its importance is undefined (the first undefined repeat's reason), or null. */
  reasons: (string | null)[];
  modelEvaluations: number;
}

export async function permutationImportance(
  predict: BatchPredictor,
  data: Matrix,
  options: PermutationImportanceOptions,
): Promise<PermutationImportanceResult> {
  const { groups, outputs, yTrue, repeats } = options;
  const { n, d } = data;
  if (yTrue.length !== n) throw new Error(`yTrue has ${yTrue.length} values for ${n} rows`);
  const perms: Int32Array[][] =
    options.permutations ??
    groups.map(() =>
      Array.from({ length: repeats }, () => {
        if (!options.rng) throw new Error('permutation importance needs an rng or explicit permutations');
        return permutation(options.rng, n);
      }),
    );
  const sign = higherIsBetter(options.score) ? 1 : -1;
  const base = scoreValue(options.score, await predictAll(predict, data, outputs), outputs, yTrue);

  const jobs = groups.length * repeats;
  const scores: { value: number | null; reason?: string }[] = new Array(jobs);
  let filled = 0;
  const batchRows = Math.max(n, Math.floor((options.batchRows ?? 262144) / n) * n);
  await predictInBatches(
    predict,
    jobs * n,
    d,
    outputs,
    batchRows,
    (dst, start, count) => {
      for (let job = start / n, off = 0; off < count * d; job++, off += n * d) {
        const g = Math.floor(job / repeats);
        const p = perms[g][job % repeats];
        dst.set(data.x, off);
        for (const c of groups[g]) for (let i = 0; i < n; i++) dst[off + i * d + c] = data.x[p[i] * d + c];
      }
    },
    (y, start, count) => {
      // Batches hold whole jobs (batchRows is a multiple of n).
      for (let job = start / n, o = 0; o < count * outputs; job++, o += n * outputs) {
        scores[job] = scoreValue(options.score, y.subarray(o, o + n * outputs), outputs, yTrue);
        filled++;
      }
    },
  );
  if (filled !== jobs) throw new Error('internal: permutation batches incomplete');
  const importances: (number | null)[][] = groups.map((_, g) =>
    Array.from({ length: repeats }, (_, r) => {
      const s = scores[g * repeats + r].value;
      return s === null || base.value === null ? null : sign * (base.value - s);
    }),
  );
  const reasons = groups.map((_, g) => {
    if (base.value === null) return `${options.score} is undefined on the unpermuted rows: ${base.reason}`;
    for (let r = 0; r < repeats; r++) {
      const s = scores[g * repeats + r];
      if (s.value === null) return `${options.score} is undefined after permutation ${r + 1}: ${s.reason}`;
    }
    return null;
  });
  const mean: (number | null)[] = [];
  const std: (number | null)[] = [];
  for (const row of importances) {
    if (row.some((v) => v === null)) {
      mean.push(null);
      std.push(null);
      continue;
    }
    const vals = row as number[];
    const mu = vals.reduce((a, b) => a + b, 0) / vals.length;
    mean.push(mu);
    std.push(Math.sqrt(vals.reduce((a, b) => a + (b - mu) ** 2, 0) / vals.length));
  }
  return {
    baseline: base.value,
    ...(base.reason === undefined ? {} : { baselineReason: base.reason }),
    importances,
    mean,
    std,
    reasons,
    modelEvaluations: n + jobs * n,
  };
}
