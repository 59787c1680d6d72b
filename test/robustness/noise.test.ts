/**
 * Noise stability on the German credit MLP (onnxruntime-node, sidecar encoding; numeric and categorical
 * features): no noise changes nothing, the seed fixes the noise, another seed draws other noise. The predictor
 * is the real model, wrapped to keep a copy of every batch it is asked for so the noise itself can be compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../../src/models/types.js';
import { type Domain, tabularDomain } from '../../src/robustness/domain.js';
import { type NoiseLevel, noiseStability } from '../../src/robustness/noise.js';
import { modelPredictor, type Predictor } from '../../src/robustness/predictor.js';
import { sharedPath } from '../support/shared.js';
import { germanCreditRows, sidecarModel } from './support.js';

let model: Model;
let data: { x: Float64Array; y: Int32Array; n: number };
let domain: Domain;
let isCategorical: Uint8Array;
let std: Float64Array;
let d: number;

beforeAll(async () => {
  const m = await sidecarModel(
    sharedPath('fixtures/german_credit/german_credit_mlp.onnx'),
    sharedPath('fixtures/german_credit/german_credit_mlp.json'),
  );
  model = m.model;
  data = germanCreditRows(sharedPath('fixtures/german_credit/german_credit.csv'), m.columns);
  d = m.columns.length;
  const min = new Float64Array(d).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(d).fill(Number.NEGATIVE_INFINITY);
  const mean = new Float64Array(d);
  for (let i = 0; i < data.n; i++) {
    for (let k = 0; k < d; k++) {
      const v = data.x[i * d + k];
      min[k] = Math.min(min[k], v);
      max[k] = Math.max(max[k], v);
      mean[k] += v / data.n;
    }
  }
  std = new Float64Array(d);
  for (let i = 0; i < data.n; i++) for (let k = 0; k < d; k++) std[k] += (data.x[i * d + k] - mean[k]) ** 2 / data.n;
  for (let k = 0; k < d; k++) std[k] = Math.sqrt(std[k]);
  const features = model.input.kind === 'tabular' ? model.input.features : [];
  domain = tabularDomain(features, min, max);
  isCategorical = Uint8Array.from(features, (f) => (f.kind === 'categorical' ? 1 : 0));
});
afterAll(async () => model.close());

/** The model's predictor, keeping a copy of every batch (the first is the clean rows, then one per level). */
function recording(): { predict: Predictor; batches: Float64Array[] } {
  const inner = modelPredictor(model);
  const batches: Float64Array[] = [];
  return {
    batches,
    predict: (x, n) => {
      batches.push(Float64Array.from(x.subarray(0, n * d)));
      return inner(x, n);
    },
  };
}

const REPEATS = 2;
function run(levels: NoiseLevel[], seed: number) {
  const rec = recording();
  const result = noiseStability(rec.predict, domain, isCategorical, std, data.x, data.n, data.y, levels, {
    repeats: REPEATS,
    seed,
  });
  return result.then((r) => ({ r, batches: rec.batches }));
}

/** Data rows repeated REPEATS times, as the noisy batches lay them out. */
function repeated(): Float64Array {
  const out = new Float64Array(data.n * REPEATS * d);
  for (let t = 0; t < REPEATS; t++) out.set(data.x, t * data.n * d);
  return out;
}

describe('robustness.noise_stability', () => {
  it('level 0 and a tiny level change no input and no prediction: flip rate 0, accuracy drop 0', async () => {
    const { r, batches } = await run(
      [
        { sigma: 0, flip: 0 },
        { sigma: 1e-9, flip: 0 },
        { sigma: 1, flip: 0.3 },
      ],
      11,
    );
    expect(r.cleanAccuracy as number).toBeGreaterThan(0.7);
    expect(batches.length).toBe(4); // clean + one batch per level
    const clean = repeated();
    for (const li of [0, 1]) {
      const l = r.levels[li];
      expect(l.rows).toBe(data.n * REPEATS);
      expect(l.flipRate).toBe(0);
      expect(l.accuracyDrop).toBe(0);
      expect(l.accuracy).toBe(r.cleanAccuracy);
      // σ = 0 adds exact zeros; 1e-9·std is rounded away on whole-number features, clipped to the range otherwise.
      const noisy = batches[1 + li];
      let maxChange = 0;
      for (let i = 0; i < noisy.length; i++) maxChange = Math.max(maxChange, Math.abs(noisy[i] - clean[i]));
      expect(maxChange).toBeLessThan(li === 0 ? Number.MIN_VALUE : 1e-6);
    }
    // The same run does detect flips when the noise is real, so the zeros above are not vacuous.
    expect(r.levels[2].flipRate).toBeGreaterThan(0.01);
    expect(r.levels[2].accuracyDrop).not.toBeNull();
  });

  it('a category switches (to a different category) exactly when drawn: never at p = 0, always at p = 1', async () => {
    const { batches } = await run(
      [
        { sigma: 0, flip: 0 },
        { sigma: 0, flip: 1 },
      ],
      5,
    );
    const clean = repeated();
    const cats = Array.from(domain.mutable).filter((k) => isCategorical[k] && domain.hi[k] > domain.lo[k]);
    expect(cats.length).toBeGreaterThan(5);
    for (let r = 0; r < data.n * REPEATS; r++) {
      for (const k of cats) {
        expect(batches[1][r * d + k]).toBe(clean[r * d + k]);
        const v = batches[2][r * d + k];
        expect(v).not.toBe(clean[r * d + k]);
        expect(Number.isInteger(v) && v >= domain.lo[k] && v <= domain.hi[k]).toBe(true);
      }
    }
  });

  it('same seed, identical noise and results; another seed, other noise', async () => {
    const levels = [
      { sigma: 0.2, flip: 0.05 },
      { sigma: 1, flip: 0.2 },
    ];
    const a = await run(levels, 21);
    const b = await run(levels, 21);
    const c = await run(levels, 22);
    expect(b.r).toEqual(a.r);
    expect(b.batches).toEqual(a.batches);
    for (const li of [1, 2]) {
      let differ = 0;
      for (let i = 0; i < a.batches[li].length; i++) if (a.batches[li][i] !== c.batches[li][i]) differ++;
      // Most numeric entries move differently under another seed (whole-number rounding keeps some equal).
      expect(differ).toBeGreaterThan(a.batches[li].length * 0.05);
    }
    expect(c.batches[0]).toEqual(a.batches[0]); // the clean rows are the same
    expect(c.r.levels.map((l) => l.flipRate)).not.toEqual(a.r.levels.map((l) => l.flipRate));
  });
});
