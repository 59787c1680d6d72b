/** The Poisson bootstrap: a correct Poisson sampler, seeded and deterministic, intervals of the right width. */
import { describe, expect, it } from 'vitest';
import { logGamma, percentileIntervals, poisson, quantileSorted } from '../../src/metrics/bootstrap.js';
import { fairnessClassification, FairnessClassificationParams } from '../../src/metrics/fairness-classification.js';
import { createRng } from '../../src/util/random.js';
import { sharedPath } from '../support/shared.js';
import { scoredContext } from './context.js';
import { close } from './expect-close.js';

describe('Poisson sampler', () => {
  it('log Γ is exact at integers and half-integers', () => {
    close(logGamma(1), 0);
    close(logGamma(5), Math.log(24), 1e-14);
    close(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-13);
    close(logGamma(171), 706.5730622457874, 1e-14);
  });

  it.each([0.3, 4, 10, 57.5, 1e6])('λ = %d: mean and variance within 4 standard errors', (lambda) => {
    const rng = createRng(12345);
    const n = 40_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const k = poisson(rng, lambda);
      expect(Number.isInteger(k) && k >= 0).toBe(true);
      s += k;
      s2 += k * k;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean - lambda)).toBeLessThan(4 * Math.sqrt(lambda / n));
    // Var of the sample variance ≈ (μ4 − σ⁴)/n with μ4 = λ(1 + 3λ) for a Poisson.
    expect(Math.abs(variance - lambda)).toBeLessThan(4 * Math.sqrt((lambda * (1 + 3 * lambda) - lambda * lambda) / n));
  });

  it('percentiles interpolate as numpy.quantile', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    const iv = percentileIntervals([{ a: 1 }, { a: 2 }, { a: 3 }, { a: null }], 0.5);
    expect(iv.a).toEqual({ lower: 1.5, upper: 2.5, undefinedReplicates: 1 });
  });
});

describe('bootstrap intervals of fairness.classification (arrests, colour)', () => {
  it('are seeded, contain the estimate, and have the normal-approximation width', async () => {
    const ctx = await scoredContext({
      task: 'binary-classification',
      file: sharedPath('fixtures/arrests/test_predictions.csv'),
      yTrue: 'y_true',
      yPred: 'y_pred',
      sensitive: ['colour'],
      classes: ['0', '1'],
    });
    const p = FairnessClassificationParams.parse({ bootstrap: 2000 });
    const t0 = performance.now();
    const a = await fairnessClassification(ctx, p);
    const ms = performance.now() - t0;
    const b = await fairnessClassification(ctx, p);
    const c = await fairnessClassification({ ...ctx, seed: ctx.seed + 1 }, p);
    ctx.close();
    type Boot = {
      bootstrap: {
        metrics: Record<string, { lower: number; upper: number }>;
        groups: Record<string, { lower: number; upper: number }>;
      };
      groups: { label: string; n: number }[];
      perClass: { groups: { label: string; selection_rate: number }[] }[];
    };
    const ra = a.results as Boot;
    expect(JSON.stringify(ra.bootstrap)).toBe(JSON.stringify((b.results as Boot).bootstrap));
    expect(JSON.stringify(ra.bootstrap)).not.toBe(JSON.stringify((c.results as Boot).bootstrap));
    const dp = ra.bootstrap.metrics.demographic_parity_difference;
    const est = a.metrics.demographic_parity_difference as number;
    expect(dp.lower).toBeLessThan(est);
    expect(dp.upper).toBeGreaterThan(est);
    for (const g of ra.perClass[0].groups) {
      const n = ra.groups.find((x) => x.label === g.label)?.n as number;
      const iv = ra.bootstrap.groups[`1|${g.label}|selection_rate`];
      const se = Math.sqrt((g.selection_rate * (1 - g.selection_rate)) / n);
      const width = iv.upper - iv.lower;
      expect(width / (2 * 1.959964 * se)).toBeGreaterThan(0.85);
      expect(width / (2 * 1.959964 * se)).toBeLessThan(1.15);
    }
    expect(ms).toBeLessThan(10_000);
  });
});
