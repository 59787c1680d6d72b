/**
 * The ONNX adapter's masked path (src/models/onnxMasked.ts): KernelSHAP's coalition values computed by a
 * rewritten graph must equal the model run on the materialised synthetic rows, averaged over the background —
 * for Gemm (both weight layouts) and MatMul first layers, classifiers (K columns, a single probability
 * column) and regressors; models whose input does not feed one linear layer fall back to building the rows.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/config/schema.js';
import { OnnxModel } from '../../src/config/schema.js';
import { openOnnxModel } from '../../src/models/onnx.js';
import { maskedModelBytes } from '../../src/models/onnxMasked.js';
import type { Model } from '../../src/models/types.js';
import { createRng } from '../../src/util/random.js';
import { buildModel } from '../support/onnxBuild.js';
import { REPO_ROOT, sharedPath } from '../support/shared.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'assay-masked-'));

interface Case {
  name: string;
  file: () => string;
  spec: Record<string, unknown>;
  task: Task;
  features?: string[];
  /** Whether the graph rewrite applies (else the adapter builds the rows itself). */
  rewrites: boolean;
  outputName: string;
  outputWidth: number;
}

const rand = createRng(11);
const values = (n: number) => Array.from({ length: n }, () => rand.next() * 2 - 1);

function written(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  writeFileSync(file, bytes);
  return file;
}

const six = Array.from({ length: 6 }, (_, i) => `f${i}`);
const cases: Case[] = [
  {
    name: 'demo MLP (Gemm, weights [W, K])',
    file: () => path.join(REPO_ROOT, 'demo/german-credit-mlp.onnx'),
    spec: {
      preprocessing: path.join(REPO_ROOT, 'demo/german-credit-mlp.json'),
      output: { probabilities: 'probabilities' },
    },
    task: 'binary-classification',
    rewrites: true,
    outputName: 'probabilities',
    outputWidth: 2,
  },
  {
    name: 'fixture MLP (Gemm, transB: weights [K, W])',
    file: () => sharedPath('fixtures', 'german_credit', 'german_credit_mlp.onnx'),
    spec: {
      preprocessing: sharedPath('fixtures', 'german_credit', 'german_credit_mlp.json'),
      output: { probabilities: 'probabilities' },
    },
    task: 'binary-classification',
    rewrites: true,
    outputName: 'probabilities',
    outputWidth: 2,
  },
  {
    name: 'MatMul + Add + Softmax, 3 classes',
    file: () =>
      written(
        'matmul3.onnx',
        buildModel({
          width: 6,
          nodes: [
            { op: 'MatMul', inputs: ['input', 'W'], outputs: ['xw'] },
            { op: 'Add', inputs: ['xw', 'b'], outputs: ['z'] },
            { op: 'Softmax', inputs: ['z'], outputs: ['probabilities'], attrs: { axis: 1 } },
          ],
          initializers: [
            { name: 'W', dims: [6, 3], values: values(18) },
            { name: 'b', dims: [3], values: values(3) },
          ],
          outputs: [{ name: 'probabilities', dims: ['N', 3] }],
        }),
      ),
    spec: { output: { probabilities: 'probabilities' }, classes: ['a', 'b', 'c'] },
    task: 'multiclass-classification',
    features: six,
    rewrites: true,
    outputName: 'probabilities',
    outputWidth: 3,
  },
  {
    name: 'Gemm + Sigmoid, one probability column',
    file: () =>
      written(
        'sigmoid.onnx',
        buildModel({
          width: 6,
          nodes: [
            { op: 'Gemm', inputs: ['input', 'W', 'b'], outputs: ['z'] },
            { op: 'Sigmoid', inputs: ['z'], outputs: ['p'] },
          ],
          initializers: [
            { name: 'W', dims: [6, 1], values: values(6) },
            { name: 'b', dims: [1], values: values(1) },
          ],
          outputs: [{ name: 'p', dims: ['N', 1] }],
        }),
      ),
    spec: { output: { probabilities: 'p' } },
    task: 'binary-classification',
    features: six,
    rewrites: true,
    outputName: 'p',
    outputWidth: 1,
  },
  {
    name: 'linear regressor (MatMul + Add)',
    file: () =>
      written(
        'linreg.onnx',
        buildModel({
          width: 6,
          nodes: [
            { op: 'MatMul', inputs: ['input', 'W'], outputs: ['xw'] },
            { op: 'Add', inputs: ['xw', 'b'], outputs: ['prediction'] },
          ],
          initializers: [
            { name: 'W', dims: [6, 1], values: values(6) },
            { name: 'b', dims: [1], values: values(1) },
          ],
          outputs: [{ name: 'prediction', dims: ['N', 1] }],
        }),
      ),
    spec: { output: { prediction: 'prediction' } },
    task: 'regression',
    features: six,
    rewrites: true,
    outputName: 'prediction',
    outputWidth: 1,
  },
  {
    name: 'random forest (no linear first layer: rows built by the adapter)',
    file: () => path.join(REPO_ROOT, 'test/fixtures/explain/rf_classifier.onnx'),
    spec: { output: { probabilities: 'probabilities' } },
    task: 'multiclass-classification',
    features: ['a', 'b', 'c', 'd', 'e'],
    rewrites: false,
    outputName: 'probabilities',
    outputWidth: 3,
  },
];

/** Σ_b w_b f(mask ? row : bg_b) from rows built here and predictEncoded. */
async function reference(
  model: Model,
  masks: Uint8Array,
  count: number,
  row: Float32Array,
  bg: Float32Array,
  w: Float64Array,
  nb: number,
  task: Task,
): Promise<Float64Array> {
  const enc = model.encoded!;
  const W = enc.width;
  const x = new Float32Array(count * nb * W);
  for (let c = 0; c < count; c++)
    for (let b = 0; b < nb; b++)
      for (let j = 0; j < W; j++) x[(c * nb + b) * W + j] = masks[c * W + j] ? row[j] : bg[b * W + j];
  const p = await enc.predictEncoded(x, count * nb);
  const y = task === 'regression' ? (p.labels as Float64Array) : p.proba!;
  const k = y.length / (count * nb);
  const v = new Float64Array(count * k);
  for (let c = 0; c < count; c++)
    for (let b = 0; b < nb; b++) for (let t = 0; t < k; t++) v[c * k + t] += w[b] * y[(c * nb + b) * k + t];
  return v;
}

describe('the ONNX adapter evaluates KernelSHAP coalitions without building the rows', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const file = c.file();
      const bytes = readFileSync(file);
      const model = await openOnnxModel(OnnxModel.parse({ type: 'onnx', path: file, ...c.spec }), {
        baseDir: '/',
        task: c.task,
        features: c.features,
      });
      try {
        const enc = model.encoded!;
        expect(enc.expectMasked).toBeDefined();
        expect(
          maskedModelBytes(bytes, 'input', enc.width, { name: c.outputName, width: c.outputWidth }) !== undefined,
        ).toBe(c.rewrites);
        const W = enc.width;
        const count = 9;
        const nb = 7;
        const masks = new Uint8Array(count * W).map(() => (rand.next() < 0.5 ? 1 : 0));
        masks.fill(0, 0, W); // the empty coalition
        masks.fill(1, W, 2 * W); // the full one
        const row = Float32Array.from(values(W));
        const bg = Float32Array.from(values(nb * W));
        const raw = Float64Array.from({ length: nb }, () => rand.next() + 0.1);
        const sum = raw.reduce((a, b) => a + b, 0);
        const w = raw.map((v) => v / sum);
        const got = await enc.expectMasked!(masks, count, row, bg, w, nb);
        const want = await reference(model, masks, count, row, bg, w, nb, c.task);
        expect(got.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-6);
        // Called again with the same masks (the cached mask tensor) and another row: still right.
        const row2 = Float32Array.from(values(W));
        const got2 = await enc.expectMasked!(masks, count, row2, bg, w, nb);
        const want2 = await reference(model, masks, count, row2, bg, w, nb, c.task);
        for (let i = 0; i < want2.length; i++) expect(Math.abs(got2[i] - want2[i])).toBeLessThan(1e-6);
      } finally {
        await model.close();
      }
    });
  }
});
