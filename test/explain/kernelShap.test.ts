import path from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { kmeansBackground } from '../../src/explain/background.js';
import { exactDesign, kernelShap, sampledDesign } from '../../src/explain/kernelShap.js';
import type { BatchPredictor, Matrix } from '../../src/explain/predictor.js';
import { OnnxModel } from '../../src/config/schema.js';
import { openOnnxModel } from '../../src/models/onnx.js';
import { loadPreprocessing } from '../../src/models/preprocess.js';
import { createRng } from '../../src/util/random.js';
import { REPO_ROOT } from '../support/shared.js';
import { bruteShapley, type DataFixture, flat, onnxPredictor, readJson } from './support.js';

const data = readJson<DataFixture>('data.json');
const X = flat(data.X);
const d = 4;

function rowsOf(x: Float64Array, from: number, to: number, width = d): Matrix {
  return { n: to - from, d: width, x: x.slice(from * width, to * width) };
}

/** Interventional value v(S) = mean_b f(x_S, bg_¬S) for one output, by direct evaluation (no batching tricks). */
async function bruteValue(
  f: BatchPredictor,
  groups: number[][],
  x: Float64Array,
  bg: Matrix,
  outputs: number,
): Promise<(mask: number) => number[]> {
  const m = groups.length;
  const table: number[][] = [];
  for (let mask = 0; mask < 2 ** m; mask++) {
    const rows = Float64Array.from(bg.x);
    for (let b = 0; b < bg.n; b++) {
      for (let j = 0; j < m; j++) if ((mask >> j) & 1) for (const c of groups[j]) rows[b * bg.d + c] = x[c];
    }
    const y = await f(rows, bg.n);
    const mean = new Array<number>(outputs).fill(0);
    for (let b = 0; b < bg.n; b++) for (let k = 0; k < outputs; k++) mean[k] += y[b * outputs + k] / bg.n;
    table.push(mean);
  }
  return (mask) => table[mask];
}

describe('KernelSHAP', () => {
  it('exact mode equals brute-force Shapley values (MLP probabilities, 2 outputs) and is additive', async () => {
    const ort = await onnxPredictor('mlp_classifier.onnx', { d, dtype: 'float64', output: 'probabilities' });
    const bg = rowsOf(X, 0, 30);
    const explained = rowsOf(X, 100, 110);
    const groups = [[0], [1], [2], [3]];
    const r = await kernelShap(ort.predict, explained, { groups, background: bg, outputs: 2, batchRows: 1000 });
    expect(r.exact).toBe(true);
    expect(r.coalitions).toBe(14);
    let worst = 0;
    let worstAdd = 0;
    for (let i = 0; i < explained.n; i++) {
      const x = explained.x.subarray(i * d, (i + 1) * d);
      const v = await bruteValue(ort.predict, groups, x, bg, 2);
      for (let k = 0; k < 2; k++) {
        const phi = bruteShapley(4, (mask) => v(mask)[k]);
        let sum = r.baseValue[k];
        for (let j = 0; j < 4; j++) {
          worst = Math.max(worst, Math.abs(r.phi[(i * 4 + j) * 2 + k] - phi[j]));
          sum += r.phi[(i * 4 + j) * 2 + k];
        }
        worstAdd = Math.max(worstAdd, Math.abs(sum - r.fx[i * 2 + k]));
        expect(Math.abs(r.baseValue[k] - v(0)[k])).toBeLessThan(1e-12);
        expect(Math.abs(r.fx[i * 2 + k] - v(15)[k])).toBeLessThan(1e-12);
      }
    }
    await ort.close();
    expect(worst).toBeLessThan(1e-9);
    expect(worstAdd).toBeLessThan(1e-9);
    // Every row × coalition × background row went through the model, plus f(x) and the background itself.
    expect(r.modelEvaluations).toBe(10 * 14 * 30 + 10 + 30);
  });

  it('groups columns into one player and stays exact up to 12 players', async () => {
    // A synthetic non-additive function of 12 columns, grouped into 10 players (two pairs move together).
    const width = 12;
    const rng = createRng(3);
    const coef = Array.from({ length: width }, () => rng.normal());
    const f: BatchPredictor = async (x, n) => {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const o = i * width;
        let s = 0;
        for (let j = 0; j < width; j++) s += coef[j] * x[o + j];
        y[i] = Math.tanh(s) + x[o] * x[o + 1] * x[o + 5] + Math.max(0, x[o + 7] - x[o + 11]);
      }
      return y;
    };
    const all = new Float64Array(40 * width).map(() => rng.normal());
    const bg = rowsOf(all, 0, 20, width);
    const explained = rowsOf(all, 20, 23, width);
    const groups = [[0, 1], [2], [3], [4], [5, 6], [7], [8], [9], [10], [11]];
    // Small batches: coalitions split into 5 chunks, buffers reused across rows.
    const r = await kernelShap(f, explained, { groups, background: bg, outputs: 1, batchRows: 5000 });
    expect(r.exact).toBe(true);
    for (let i = 0; i < explained.n; i++) {
      const v = await bruteValue(f, groups, explained.x.subarray(i * width, (i + 1) * width), bg, 1);
      const phi = bruteShapley(groups.length, (mask) => v(mask)[0]);
      let sum = r.baseValue[0];
      for (let j = 0; j < groups.length; j++) {
        expect(Math.abs(r.phi[i * groups.length + j] - phi[j])).toBeLessThan(1e-9);
        sum += r.phi[i * groups.length + j];
      }
      expect(Math.abs(sum - r.fx[i])).toBeLessThan(1e-9);
    }
  });

  it('gives the closed form w·(x − mean(bg)) for the ONNX linear regression', async () => {
    const ort = await onnxPredictor('linear_regression.onnx', { d, dtype: 'float64', output: 'prediction' });
    const bg = rowsOf(X, 0, 50);
    const explained = rowsOf(X, 200, 220);
    const r = await kernelShap(ort.predict, explained, { groups: [[0], [1], [2], [3]], background: bg, outputs: 1 });
    await ort.close();
    const mean = [0, 0, 0, 0];
    for (let b = 0; b < bg.n; b++) for (let j = 0; j < d; j++) mean[j] += bg.x[b * d + j] / bg.n;
    for (let i = 0; i < explained.n; i++) {
      for (let j = 0; j < d; j++) {
        const expected = data.linear.w[j] * (explained.x[i * d + j] - mean[j]);
        expect(Math.abs(r.phi[i * d + j] - expected)).toBeLessThan(1e-9);
      }
    }
  });

  it('sampling mode (20 players) is additive, close to exact values, deterministic, and reports its error', async () => {
    // f = Σ w_j x_j + interactions: exact Shapley values of the interaction terms are known in closed form
    // only for products; compare instead with an exact run on a function whose extra players are inert.
    const width = 20;
    const rng = createRng(11);
    const w = Array.from({ length: width }, () => rng.normal());
    const f: BatchPredictor = async (x, n) => {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const o = i * width;
        let s = 0;
        for (let j = 0; j < width; j++) s += w[j] * x[o + j];
        y[i] = s + 0.5 * x[o] * x[o + 1] + Math.sin(x[o + 2] * x[o + 3]);
      }
      return y;
    };
    const all = new Float64Array(25 * width).map(() => rng.normal());
    const bg = rowsOf(all, 0, 20, width);
    const explained = rowsOf(all, 20, 23, width);
    const groups = Array.from({ length: width }, (_, j) => [j]);
    const run = () =>
      kernelShap(f, explained, { groups, background: bg, outputs: 1, nsamples: 3000, rng: createRng(5) });
    const r = await run();
    expect(r.exact).toBe(false);
    expect(r.stdErr).not.toBeNull();
    const again = await run();
    expect(Array.from(again.phi)).toEqual(Array.from(r.phi));
    // Additive players (j ≥ 4) have φ_j = w_j (x_j − mean_bg x_j) exactly; the solver must recover them closely.
    let maxErr = 0;
    for (let i = 0; i < explained.n; i++) {
      let sum = r.baseValue[0];
      for (let j = 0; j < width; j++) sum += r.phi[i * width + j];
      expect(Math.abs(sum - r.fx[i])).toBeLessThan(1e-9);
      for (let j = 4; j < width; j++) {
        let mean = 0;
        for (let b = 0; b < bg.n; b++) mean += bg.x[b * width + j] / bg.n;
        maxErr = Math.max(maxErr, Math.abs(r.phi[i * width + j] - w[j] * (explained.x[i * width + j] - mean)));
      }
    }
    expect(maxErr).toBeLessThan(0.05);
  });

  it("on a model's encoded rows (Float32, one-hot blocks as players) equals the raw-row result", async () => {
    const dir = path.join(REPO_ROOT, 'demo');
    const pre = loadPreprocessing('german-credit-mlp.json', { baseDir: dir });
    const session = await ort.InferenceSession.create(path.join(dir, 'german-credit-mlp.onnx'), {
      intraOpNumThreads: 1,
    });
    const w = pre.width;
    const encoded: BatchPredictor<Float32Array> = async (x, n) => {
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [n, w]) });
      const p = out[session.outputNames[0]].data as Float32Array;
      return Float64Array.from({ length: n }, (_, i) => p[i * 2 + 1]);
    };
    const raw: BatchPredictor = (x, n) => encoded(pre.encode(x, n), n);
    // Raw rows: category codes / values chosen deterministically within each feature's range.
    const rng = createRng(21);
    const dr = pre.features.length;
    const all = new Float64Array(30 * dr);
    for (let i = 0; i < 30; i++) {
      pre.features.forEach((f, j) => {
        all[i * dr + j] = f.kind === 'categorical' ? rng.int(f.categories.length) : Math.round(20 + 10 * rng.normal());
      });
    }
    const bgRaw = rowsOf(all, 0, 24, dr);
    const xRaw = rowsOf(all, 24, 30, dr);
    const blocks: number[][] = [];
    let off = 0;
    for (const f of pre.features) {
      const k = f.kind === 'categorical' ? f.categories.length : 1;
      blocks.push(Array.from({ length: k }, (_, t) => off + t));
      off += k;
    }
    const opts = { outputs: 1, nsamples: 300, batchRows: 2400 };
    const a = await kernelShap(raw, xRaw, {
      ...opts,
      groups: pre.features.map((_, j) => [j]),
      background: bgRaw,
      rng: createRng(1),
    });
    const enc = (m: Matrix) => ({ n: m.n, d: w, x: pre.encode(m.x, m.n) });
    const b = await kernelShap(encoded, enc(xRaw), {
      ...opts,
      groups: blocks,
      background: enc(bgRaw),
      rng: createRng(1),
    });
    // And through Assay's ONNX adapter (many sequential calls: the adapter reuses its input buffer, so calls
    // must not overlap).
    const model = await openOnnxModel(
      OnnxModel.parse({
        type: 'onnx',
        path: 'german-credit-mlp.onnx',
        preprocessing: 'german-credit-mlp.json',
        output: { probabilities: 'probabilities' },
      }),
      { baseDir: dir, task: 'binary-classification' },
    );
    const viaAdapter: BatchPredictor = async (x, n) => {
      const p = await model.predict(x, n);
      return Float64Array.from({ length: n }, (_, i) => p.proba![i * 2 + 1]);
    };
    const c = await kernelShap(viaAdapter, xRaw, {
      ...opts,
      groups: pre.features.map((_, j) => [j]),
      background: bgRaw,
      rng: createRng(1),
    });
    await model.close();
    await session.release();
    expect(b.phi.length).toBe(a.phi.length);
    let worst = 0;
    for (let i = 0; i < a.phi.length; i++)
      worst = Math.max(worst, Math.abs(a.phi[i] - b.phi[i]), Math.abs(a.phi[i] - c.phi[i]));
    expect(worst).toBeLessThan(1e-12);
  });

  it('k-means background: real rows (categories stay valid), weights = cluster sizes, seeded', () => {
    const features = [
      { kind: 'numeric' as const, name: 'x0' },
      { kind: 'numeric' as const, name: 'x1' },
      { kind: 'categorical' as const, name: 'x2', categories: [0, 1, 2, 3, 4] },
      { kind: 'numeric' as const, name: 'x3' },
    ];
    const a = kmeansBackground({ n: X.length / d, d, x: X }, features, 12, createRng(8));
    const b = kmeansBackground({ n: X.length / d, d, x: X }, features, 12, createRng(8));
    expect(Array.from(a.background.x)).toEqual(Array.from(b.background.x));
    expect(a.background.n).toBeLessThanOrEqual(12);
    expect(a.weights.reduce((s, w) => s + w, 0)).toBe(X.length / d);
    for (let i = 0; i < a.background.n; i++) {
      const row = Array.from(a.background.x.subarray(i * d, (i + 1) * d));
      expect(data.X.some((r) => r.every((v, j) => v === row[j]))).toBe(true);
    }
  });

  it('designs: exact has every proper coalition; sampled keeps the budget and the kernel mass', () => {
    const e = exactDesign(5);
    expect(e.count).toBe(30);
    const s = sampledDesign(20, 2088, createRng(1));
    expect(s.count).toBeLessThanOrEqual(2088);
    expect(s.count).toBeGreaterThan(2000);
    const total = s.weights.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 9);
  });
});
