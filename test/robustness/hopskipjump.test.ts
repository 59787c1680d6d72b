import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../../src/models/types.js';
import { constraintViolation, imageDomain, tabularDomain } from '../../src/robustness/domain.js';
import { hopSkipJump, summarizeAttack } from '../../src/robustness/hopskipjump.js';
import { fillNormal } from '../../src/robustness/normal.js';
import { modelPredictor } from '../../src/robustness/predictor.js';
import { createRng } from '../../src/util/random.js';
import { REPO_ROOT, sharedPath } from '../support/shared.js';
import { germanCreditRows, rawTabularModel, sidecarModel } from './support.js';

const fixture = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/robustness/linear.json'), 'utf8')) as {
  w: number[];
  b: number;
  lo: number;
  hi: number;
  rows: number[][];
  label: number[];
};

describe('HopSkipJump on a linear classifier (analytic boundary distance)', () => {
  let model: Model;
  const d = fixture.w.length;
  const features = fixture.w.map((_, k) => ({
    kind: 'numeric' as const,
    name: `x${k}`,
    min: fixture.lo,
    max: fixture.hi,
  }));
  const domain = tabularDomain(features, [], []);
  const n = 100;
  const x = Float64Array.from(fixture.rows.slice(0, n).flat());
  const wn = Math.hypot(...fixture.w);
  const span = fixture.hi - fixture.lo;

  beforeAll(async () => {
    model = await rawTabularModel(path.join(REPO_ROOT, 'test/fixtures/robustness/linear.onnx'), features);
  });
  afterAll(async () => model.close());

  it('finds the L2 distance |w·x+b|/‖w‖ within 5% for ≥ 95% of samples, with re-scored, valid examples', async () => {
    const predict = modelPredictor(model);
    const r = await hopSkipJump(predict, domain, x, n, { seed: 7 });
    let inBox = 0;
    let close = 0;
    for (let i = 0; i < n; i++) {
      const row = fixture.rows[i];
      const margin = row.reduce((a, v, k) => a + v * fixture.w[k], fixture.b);
      // The analytic foot point must lie inside the bounds for the formula to be the true constrained distance.
      const foot = row.map((v, k) => v - (margin * fixture.w[k]) / (wn * wn));
      if (foot.some((v) => v < fixture.lo || v > fixture.hi)) continue;
      inBox++;
      const s = r.samples[i];
      expect(s.originalLabel).toBe(fixture.label[i]);
      expect(s.success).toBe(true);
      expect(s.queries).toBeLessThanOrEqual(5000);
      const expected = Math.abs(margin) / wn / span; // normalised units: every feature spans hi − lo
      // Never closer than the boundary (it is the minimum), and within 5% of it.
      expect(s.l2 as number).toBeGreaterThanOrEqual(expected * (1 - 1e-4));
      if ((s.l2 as number) <= expected * 1.05) close++;
    }
    expect(inBox).toBeGreaterThanOrEqual(80);
    expect(close / inBox).toBeGreaterThanOrEqual(0.95);
    // Re-score independently: every reported adversarial row changes the label and respects the bounds.
    const again = await model.predict(r.adversarial, n);
    for (let i = 0; i < n; i++) {
      if (!r.samples[i].success) continue;
      expect(again.labels[i]).not.toBe(fixture.label[i]);
      expect(constraintViolation(domain, r.adversarial, i * d, x, i * d)).toBeNull();
    }
  });

  it('L∞ finds the analytic L∞ distance |w·x+b|/‖w‖₁ within 5% on most samples', async () => {
    const r = await hopSkipJump(modelPredictor(model), domain, x, 40, { seed: 3, norm: 'linf' });
    const w1 = fixture.w.reduce((a, v) => a + Math.abs(v), 0);
    let ok = 0;
    for (let i = 0; i < 40; i++) {
      const margin = fixture.rows[i].reduce((a, v, k) => a + v * fixture.w[k], fixture.b);
      const expected = Math.abs(margin) / w1 / span;
      const s = r.samples[i];
      expect(s.success).toBe(true);
      expect(s.linf as number).toBeGreaterThanOrEqual(expected * (1 - 1e-4));
      if ((s.linf as number) <= expected * 1.05) ok++;
    }
    expect(ok / 40).toBeGreaterThanOrEqual(0.9);
  });

  it('same seed, same results; immutable features stay untouched', async () => {
    const frozen = features.map((f, k) => (k === 1 ? { ...f, immutable: true } : f));
    const dom = tabularDomain(frozen, [], []);
    const a = await hopSkipJump(modelPredictor(model), dom, x, 20, { seed: 11, maxQueries: 1500 });
    const b = await hopSkipJump(modelPredictor(model), dom, x, 20, { seed: 11, maxQueries: 1500 });
    expect(a.samples).toEqual(b.samples);
    expect(Array.from(a.adversarial)).toEqual(Array.from(b.adversarial));
    for (let i = 0; i < 20; i++) {
      expect(a.adversarial[i * d + 1]).toBe(x[i * d + 1]);
      expect(a.samples[i].queries).toBeLessThanOrEqual(1500);
    }
    const c = await hopSkipJump(modelPredictor(model), dom, x, 20, { seed: 12, maxQueries: 1500 });
    expect(Array.from(c.adversarial)).not.toEqual(Array.from(a.adversarial));
    // Each sample has its own stream: attacking row 7 alone gives what it got in the batch.
    const alone = await hopSkipJump(modelPredictor(model), dom, x.subarray(7 * d, 8 * d), 1, {
      seed: 11,
      maxQueries: 1500,
      ids: [7],
    });
    expect(alone.samples[0]).toEqual(a.samples[7]);
    expect(Array.from(alone.adversarial)).toEqual(Array.from(a.adversarial.subarray(7 * d, 8 * d)));
  });

  it('reports a failure honestly when re-scoring does not confirm the adversarial example', async () => {
    // A model that answers differently once the attack is over (a flaky endpoint, say): the final re-scoring
    // sees the original label, so no sample may be reported as a success.
    const rows = fixture.rows.filter((_, i) => fixture.label[i] === 0).slice(0, 8);
    const xs = Float64Array.from(rows.flat());
    let over = false;
    const flaky = async (z: Float64Array, k: number) => {
      const labels = new Int32Array(k);
      for (let i = 0; i < k; i++) {
        const margin = fixture.w.reduce((a, w, j) => a + w * z[i * d + j], fixture.b);
        labels[i] = !over && margin > 0 ? 1 : 0;
      }
      return { labels };
    };
    const r = await hopSkipJump(flaky, domain, xs, rows.length, {
      seed: 2,
      maxIter: 3,
      progress: (t, total) => {
        if (t === total) over = true;
      },
    });
    for (const s of r.samples) {
      expect(s.success).toBe(false);
      expect(s.distance).toBeNull();
      expect(s.reason).toBe('re-scoring gave the original label back');
    }
    expect(Array.from(r.adversarial)).toEqual(Array.from(xs)); // failed samples report the original row
  });

  it('the ziggurat normal draws are standard normal (moments, ±1σ/±2σ mass, the tail beyond 3.44)', () => {
    const rng = createRng(123);
    const N = 400_000;
    const z = new Float64Array(N);
    fillNormal(rng, z, 0, N);
    let mean = 0;
    let m2 = 0;
    let in1 = 0;
    let in2 = 0;
    let tail = 0;
    for (const v of z) {
      mean += v;
      m2 += v * v;
      if (Math.abs(v) < 1) in1++;
      if (Math.abs(v) < 2) in2++;
      if (Math.abs(v) > 3.442619855899) tail++;
    }
    expect(Math.abs(mean / N)).toBeLessThan(0.01);
    expect(Math.abs(m2 / N - 1)).toBeLessThan(0.01);
    expect(Math.abs(in1 / N - 0.682689)).toBeLessThan(0.004);
    expect(Math.abs(in2 / N - 0.9545)).toBeLessThan(0.002);
    expect(tail / N).toBeGreaterThan(0.0004); // P(|Z| > 3.4426) = 5.76e-4
    expect(tail / N).toBeLessThan(0.00076);
  });
});

describe('HopSkipJump on real models', () => {
  it('German credit MLP: integer features rounded, categories valid, every example re-scored', async () => {
    const { model, columns } = await sidecarModel(
      sharedPath('fixtures/german_credit/german_credit_mlp.onnx'),
      sharedPath('fixtures/german_credit/german_credit_mlp.json'),
    );
    const data = germanCreditRows(sharedPath('fixtures/german_credit/german_credit.csv'), columns);
    const d = columns.length;
    const min = new Float64Array(d).fill(Number.POSITIVE_INFINITY);
    const max = new Float64Array(d).fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < data.n; i++) {
      for (let k = 0; k < d; k++) {
        min[k] = Math.min(min[k], data.x[i * d + k]);
        max[k] = Math.max(max[k], data.x[i * d + k]);
      }
    }
    const features = model.input.kind === 'tabular' ? model.input.features : [];
    const foreign = columns.findIndex((c) => c.name === 'foreign_worker');
    features[foreign] = { ...features[foreign], immutable: true };
    const domain = tabularDomain(features, min, max);
    const n = 20;
    const r = await hopSkipJump(modelPredictor(model), domain, data.x, n, { seed: 1, maxQueries: 2000 });
    const again = await model.predict(r.adversarial, n);
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const s = r.samples[i];
      if (!s.success) continue;
      ok++;
      expect(again.labels[i]).not.toBe(s.originalLabel);
      expect(again.labels[i]).toBe(s.adversarialLabel);
      expect(constraintViolation(domain, r.adversarial, i * d, data.x, i * d)).toBeNull();
      for (let k = 0; k < d; k++) expect(Number.isInteger(r.adversarial[i * d + k])).toBe(true);
      expect(r.adversarial[i * d + foreign]).toBe(data.x[i * d + foreign]);
    }
    expect(ok).toBeGreaterThanOrEqual(15);
    const summary = summarizeAttack(r.samples, data.y.subarray(0, n), [0.05, 0.1, 0.2, 0.5, 1], 0.2);
    expect(summary.curve.map((c) => c.successRate)).toEqual(
      [...summary.curve.map((c) => c.successRate)].sort((a, b) => a - b),
    );
    await model.close();
  });

  it('digits CNN: images stay in [0, 1] and every example changes the prediction', async () => {
    const { imageModel } = await import('./support.js');
    const { decodePng } = await import('../../src/data/images.js');
    const model = await imageModel(sharedPath('fixtures/digits/digits_cnn.onnx'), [1, 8, 8]);
    const n = 10;
    const x = new Float64Array(n * 64);
    for (let i = 0; i < n; i++) {
      const f = sharedPath(`fixtures/digits/images/digit_${String(i).padStart(4, '0')}.png`);
      x.set(decodePng(readFileSync(f)).pixels, i * 64);
    }
    const domain = imageDomain(64);
    const r = await hopSkipJump(modelPredictor(model), domain, x, n, { seed: 5, maxQueries: 2000 });
    const again = await model.predict(r.adversarial, n);
    for (let i = 0; i < n; i++) {
      expect(r.samples[i].success).toBe(true);
      expect(again.labels[i]).not.toBe(r.samples[i].originalLabel);
      for (let j = 0; j < 64; j++) {
        expect(r.adversarial[i * 64 + j]).toBeGreaterThanOrEqual(0);
        expect(r.adversarial[i * 64 + j]).toBeLessThanOrEqual(1);
      }
    }
    await model.close();
  });
});
