/**
 * Bootstrap confidence intervals without touching rows again. Resampling rows with replacement only
 * changes how many rows fall in each sufficient-statistic cell (group × label × prediction), so each
 * replicate draws every cell's count from Poisson(n_cell) — the Poisson bootstrap (Hanley & MacGibbon 2006;
 * Chamandy et al. 2012), asymptotically equivalent to the multinomial one — and scales the cell's weight
 * by k / n_cell (exact when weights are equal within a cell). Intervals are percentiles of the replicates
 * (linear interpolation, as numpy.quantile). Cost: O(replicates × cells), independent of the row count.
 */
import type { Rng } from '../util/random.js';
import type { MetricValue } from '../tests/types.js';

/** Stirling-series log Γ(x) for x > 0 (the series numpy's random module uses for its Poisson sampler). */
export function logGamma(x: number): number {
  const a = [
    8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4, 8.417508417508418e-4,
    -1.917526917526918e-3, 6.41025641025641e-3, -2.955065359477124e-2, 1.796443723688307e-1, -1.3924322169059,
  ];
  if (x === 1 || x === 2) return 0;
  let x0 = x;
  let n = 0;
  if (x <= 7) {
    n = Math.floor(7 - x);
    x0 = x + n;
  }
  const x2 = 1 / (x0 * x0);
  let gl0 = a[9];
  for (let k = 8; k >= 0; k--) gl0 = gl0 * x2 + a[k];
  let gl = gl0 / x0 + 0.5 * Math.log(2 * Math.PI) + (x0 - 0.5) * Math.log(x0) - x0;
  for (let k = 1; k <= n; k++) {
    gl -= Math.log(x0 - 1);
    x0 -= 1;
  }
  return gl;
}

/**
 * A Poisson(λ) draw: inversion for small λ, Hörmann's transformed rejection (PTRS, "The transformed
 * rejection method for generating Poisson random variables", 1993) for λ ≥ 10.
 */
export function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda < 10) {
    let k = 0;
    let p = Math.exp(-lambda);
    let s = p;
    const u = rng.next();
    while (u > s) {
      k++;
      p *= lambda / k;
      s += p;
      if (p === 0) break;
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = rng.next() - 0.5;
    const V = rng.next();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logGamma(k + 1)) {
      return k;
    }
  }
}

/** numpy.quantile's default (linear) on a sorted array. */
export function quantileSorted(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Interval {
  lower: MetricValue;
  upper: MetricValue;
  /** replicates in which the value was undefined */
  undefinedReplicates: number;
  reason?: string;
}

/** Percentile intervals for every key seen in the replicates. */
export function percentileIntervals(
  replicates: Record<string, MetricValue>[],
  level: number,
): Record<string, Interval> {
  const values = new Map<string, number[]>();
  const missing = new Map<string, number>();
  for (const rep of replicates) {
    for (const [k, v] of Object.entries(rep)) {
      if (!values.has(k)) values.set(k, []);
      if (v === null) missing.set(k, (missing.get(k) ?? 0) + 1);
      else values.get(k)?.push(v);
    }
  }
  const out: Record<string, Interval> = {};
  const tail = (1 - level) / 2;
  for (const [k, list] of values) {
    const undef = missing.get(k) ?? 0;
    if (list.length === 0 || undef * 2 > replicates.length) {
      out[k] = {
        lower: null,
        upper: null,
        undefinedReplicates: undef,
        reason: `undefined in ${undef} of ${replicates.length} bootstrap replicates`,
      };
      continue;
    }
    list.sort((a, b) => a - b);
    out[k] = { lower: quantileSorted(list, tail), upper: quantileSorted(list, 1 - tail), undefinedReplicates: undef };
  }
  return out;
}
