/**
 * The ONNX adapter's labels-only path (Model.predictLabels, what attacks use) must give exactly the labels of
 * `predict`: probability outputs with K columns (ties included), a single probability column, swapped binary
 * outputs, and a labels output; and the same errors for bad outputs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxModel, type Task } from '../../src/config/schema.js';
import { openOnnxModel } from '../../src/models/onnx.js';
import { createRng } from '../../src/util/random.js';
import { buildModel } from '../support/onnxBuild.js';
import { errorOf } from '../support/errors.js';
import { REPO_ROOT } from '../support/shared.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'assay-labels-'));
const fixtures = path.join(REPO_ROOT, 'test/fixtures/models');
const rng = createRng(3);
const values = (n: number) => Array.from({ length: n }, () => rng.next() * 2 - 1);
const cols = (n: number) => ({
  columns: Array.from({ length: n }, (_, i) => ({ type: 'numeric' as const, name: `f${i}` })),
});

function written(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  writeFileSync(file, bytes);
  return file;
}

const softmax3 = (weights: number[]) =>
  buildModel({
    width: 4,
    nodes: [
      { op: 'MatMul', inputs: ['input', 'W'], outputs: ['z'] },
      { op: 'Softmax', inputs: ['z'], outputs: ['probabilities'], attrs: { axis: 1 } },
    ],
    initializers: [{ name: 'W', dims: [4, 3], values: weights }],
    outputs: [{ name: 'probabilities', dims: ['N', 3] }],
  });

const cases: { name: string; spec: Record<string, unknown>; task: Task; width: number }[] = [
  {
    name: 'demo MLP (two probability columns)',
    spec: {
      path: path.join(REPO_ROOT, 'demo/german-credit-mlp.onnx'),
      preprocessing: path.join(REPO_ROOT, 'demo/german-credit-mlp.json'),
      output: { probabilities: 'probabilities' },
    },
    task: 'binary-classification',
    width: 20,
  },
  {
    name: 'three classes',
    spec: {
      path: written('soft3.onnx', softmax3(values(12))),
      preprocessing: cols(4),
      output: { probabilities: 'probabilities' },
    },
    task: 'multiclass-classification',
    width: 4,
  },
  {
    name: 'three classes, all tied (zero weights): the first index, as argmax',
    spec: {
      path: written('tied.onnx', softmax3(new Array(12).fill(0))),
      preprocessing: cols(4),
      output: { probabilities: 'probabilities' },
    },
    task: 'multiclass-classification',
    width: 4,
  },
  {
    name: 'one probability column',
    spec: {
      path: written(
        'sigmoid.onnx',
        buildModel({
          width: 4,
          nodes: [
            { op: 'MatMul', inputs: ['input', 'W'], outputs: ['z'] },
            { op: 'Sigmoid', inputs: ['z'], outputs: ['p'] },
          ],
          initializers: [{ name: 'W', dims: [4, 1], values: values(4) }],
          outputs: [{ name: 'p', dims: ['N', 1] }],
        }),
      ),
      preprocessing: cols(4),
      output: { probabilities: 'p' },
    },
    task: 'binary-classification',
    width: 4,
  },
  {
    name: 'binary with the positive class first (swapped)',
    spec: {
      path: written('swapped.onnx', binary2()),
      preprocessing: cols(4),
      output: { probabilities: 'probabilities', positiveIndex: 0 },
    },
    task: 'binary-classification',
    width: 4,
  },
  {
    name: 'a labels output',
    spec: {
      path: path.join(fixtures, 'argmax_labels.onnx'),
      preprocessing: cols(3),
      classes: ['x', 'y', 'z'],
      output: { probabilities: 'probabilities', labels: 'label' },
    },
    task: 'multiclass-classification',
    width: 3,
  },
];

function binary2(): Uint8Array {
  return buildModel({
    width: 4,
    nodes: [
      { op: 'MatMul', inputs: ['input', 'W'], outputs: ['z'] },
      { op: 'Softmax', inputs: ['z'], outputs: ['probabilities'], attrs: { axis: 1 } },
    ],
    initializers: [{ name: 'W', dims: [4, 2], values: values(8) }],
    outputs: [{ name: 'probabilities', dims: ['N', 2] }],
  });
}

describe('Model.predictLabels equals predict().labels', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const model = await openOnnxModel(OnnxModel.parse({ type: 'onnx', batchSize: 64, ...c.spec }), {
        baseDir: '/',
        task: c.task,
      });
      try {
        const n = 500; // several batches of 64
        const x = new Float64Array(n * c.width);
        const features = model.input.kind === 'tabular' ? model.input.features : [];
        for (let i = 0; i < n; i++)
          features.forEach((f, j) => {
            x[i * c.width + j] = f.kind === 'categorical' ? rng.int(f.categories.length) : rng.next() * 40 - 20;
          });
        const want = (await model.predict(x, n)).labels;
        const got = await model.predictLabels!(x, n);
        expect(Array.from(got)).toEqual(Array.from(want));
        expect(new Set(got).size).toBeGreaterThan(c.name.includes('tied') ? 0 : 1); // not a constant by accident
      } finally {
        await model.close();
      }
    });
  }

  it('rejects non-finite probabilities as predict does', async () => {
    const model = await openOnnxModel(
      OnnxModel.parse({
        type: 'onnx',
        path: 'sqrt_probs.onnx',
        preprocessing: cols(2),
        output: { probabilities: 'probabilities' },
      }),
      { baseDir: fixtures, task: 'multiclass-classification' },
    );
    const x = Float64Array.from([1, 2, -1, 0]);
    const a = await errorOf(model.predict(x, 2));
    const b = await errorOf(model.predictLabels!(x, 2));
    expect(a.code).toBe('MODEL_OUTPUT_INVALID');
    expect(b.code).toBe(a.code);
    expect(b.message).toBe(a.message);
    await model.close();
  });
});
