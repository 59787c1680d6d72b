/**
 * Test helpers: fixture paths, an onnxruntime-node predictor over the fixture models (real ORT, no mocks),
 * and simple independent references (subset enumeration) the fast algorithms are checked against.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import type { BatchPredictor } from '../../src/explain/predictor.js';
import { REPO_ROOT } from '../support/shared.js';

export const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/explain');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

export function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(fixture(name), 'utf8')) as T;
}

export interface DataFixture {
  features: string[];
  X: number[][];
  y_class: number[];
  y_reg: number[];
  linear: { w: number[]; b: number };
  mlp: { W1: number[][]; b1: number[]; W2: number[][]; b2: number[] };
}

export function flat(rows: number[][]): Float64Array {
  const d = rows[0].length;
  const x = new Float64Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) x.set(rows[i], i * d);
  return x;
}

/**
 * A predictor over an ONNX file with one [N, d] input. `select` picks output columns (e.g. [1] = P(class 1));
 * all columns when absent.
 */
export async function onnxPredictor(
  file: string,
  opts: { d: number; dtype: 'float32' | 'float64'; output: string; select?: number[] },
): Promise<{ predict: BatchPredictor; close: () => Promise<void> }> {
  const session = await ort.InferenceSession.create(fixture(file), { intraOpNumThreads: 1 });
  const predict: BatchPredictor = async (x, n) => {
    const data = opts.dtype === 'float64' ? Float64Array.from(x) : Float32Array.from(x);
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor(opts.dtype, data, [n, opts.d]) });
    const t = out[opts.output];
    const vals = t.data as Float32Array | Float64Array;
    const cols = t.dims.length === 2 ? t.dims[1] : 1;
    if (!opts.select) return Float64Array.from(vals);
    const m = opts.select.length;
    const y = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) y[i * m + k] = vals[i * cols + opts.select[k]];
    return y;
  };
  return { predict, close: () => session.release() };
}

/** Shapley values by enumerating every subset: φ_i = Σ_{S ⊆ N∖i} |S|!(M−|S|−1)!/M! (v(S ∪ i) − v(S)). */
export function bruteShapley(m: number, value: (mask: number) => number): number[] {
  const v = new Float64Array(2 ** m);
  for (let s = 0; s < 2 ** m; s++) v[s] = value(s);
  const fact = [1];
  for (let i = 1; i <= m; i++) fact.push(fact[i - 1] * i);
  const phi = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    for (let s = 0; s < 2 ** m; s++) {
      if ((s >> i) & 1) continue;
      let size = 0;
      for (let j = 0; j < m; j++) size += (s >> j) & 1;
      phi[i] += ((fact[size] * fact[m - size - 1]) / fact[m]) * (v[s | (1 << i)] - v[s]);
    }
  }
  return phi;
}
