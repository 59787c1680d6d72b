/**
 * Generalized entropy index of the "benefit" b = 1 + ŷ − y (Speicher et al. 2018), as AIF360's
 * ClassificationMetric.generalized_entropy_index: b is 0 for a false negative, 1 for a correct
 * prediction, 2 for a false positive, so it reduces to the weighted confusion counts.
 *   GEI(α) = (1/W) Σ_i w_i f(b_i / μ),  f(x) = (x^α − 1) / (α(α − 1)),  α = 1: x ln x (Theil),  α = 0: −ln x.
 * Between groups: every b_i replaced by its group's mean benefit μ_g (AIF360 between_all_groups_*).
 * AIF360 ignores instance weights here; Assay uses them (identical for unit weights).
 */
import type { BinaryCounts } from './cells.js';
import { defined, type Maybe, undefinedBecause } from './values.js';

function f(x: number, alpha: number): number {
  if (alpha === 1) return x === 0 ? 0 : x * Math.log(x);
  if (alpha === 0) return -Math.log(x);
  return (x ** alpha - 1) / (alpha * (alpha - 1));
}

const benefit = (c: BinaryCounts) => ({ w: c.tp + c.fp + c.tn + c.fn, sum: c.tp + c.tn + 2 * c.fp });

export function generalizedEntropy(c: BinaryCounts, alpha: number): Maybe {
  const { w, sum } = benefit(c);
  if (w === 0) return undefinedBecause('no rows');
  const mu = sum / w;
  if (mu === 0) return undefinedBecause('mean benefit is 0 (every row is a false negative)');
  if (alpha === 0 && c.fn > 0) return undefinedBecause('α = 0 is infinite when a row has benefit 0 (a false negative)');
  return defined((c.fn * f(0, alpha) + (c.tp + c.tn) * f(1 / mu, alpha) + c.fp * f(2 / mu, alpha)) / w);
}

export function betweenGroupEntropy(groups: BinaryCounts[], alpha: number): Maybe {
  let w = 0;
  let sum = 0;
  for (const g of groups) {
    const b = benefit(g);
    w += b.w;
    sum += b.sum;
  }
  if (w === 0) return undefinedBecause('no rows');
  const mu = sum / w;
  if (mu === 0) return undefinedBecause('mean benefit is 0 (every row is a false negative)');
  let acc = 0;
  for (const g of groups) {
    const b = benefit(g);
    if (b.w === 0) continue;
    const x = b.sum / b.w / mu;
    if (alpha === 0 && x === 0) return undefinedBecause('α = 0 is infinite when a group has mean benefit 0');
    acc += b.w * f(x, alpha);
  }
  return defined(acc / w);
}
