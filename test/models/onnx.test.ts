import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/config/schema.js';
import { readFeatureMatrix } from '../../src/data/features.js';
import type { DataSession } from '../../src/data/session.js';
import { openOnnxModel } from '../../src/models/onnx.js';
import { loadPreprocessing } from '../../src/models/preprocess.js';
import type { Model } from '../../src/models/types.js';
import { REPO_ROOT } from '../support/shared.js';
import { fixture, savedByDataOrder, sessionFromCsv } from './helpers.js';
import { expectAssayError } from '../support/errors.js';

const fr = Math.fround;

describe('onnx adapter: german credit MLP', () => {
  let db: DataSession;
  let model: Model;
  const dir = () => fixture('german_credit');
  beforeAll(async () => {
    db = await sessionFromCsv(fixture('german_credit', 'german_credit.csv'), { split: 'test', idColumn: 'row_id' });
    model = await openOnnxModel(
      OnnxModel.parse({ type: 'onnx', path: 'german_credit_mlp.onnx', preprocessing: 'german_credit_mlp.json' }),
      { baseDir: dir(), task: 'binary-classification' },
    );
  });
  afterAll(async () => {
    await model?.close();
    db?.close();
  });

  it('reproduces the saved PyTorch probabilities float32-exactly (≤ 1.2e-7) and all 300 labels', async () => {
    expect(model.input.kind).toBe('tabular');
    if (model.input.kind !== 'tabular') return;
    expect(model.input.features).toHaveLength(20);
    expect(model.classes).toEqual(['bad', 'good']);
    const { n, x } = await readFeatureMatrix(db, model.input.features);
    expect(n).toBe(300);
    const pred = await model.predict(x, n);
    const [yPred, yProb] = await savedByDataOrder(db, fixture('german_credit', 'test_predictions.csv'), [
      'y_pred',
      'y_prob',
    ]);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(pred.proba![i * 2 + 1] - fr(yProb[i])));
      expect(pred.labels[i]).toBe(yPred[i]);
      expect(pred.proba![i * 2] + pred.proba![i * 2 + 1]).toBeCloseTo(1, 6);
    }
    expect(maxDiff).toBeLessThanOrEqual(1.2e-7);
    const manifest = JSON.parse(readFileSync(fixture('manifest.json'), 'utf8')) as {
      files: { path: string; sha256: string }[];
    };
    const entry = manifest.files.find((f) => f.path === 'german_credit/german_credit_mlp.onnx');
    expect(model.identity.sha256).toBe(entry?.sha256);
    expect(JSON.stringify(model.identity.details)).toContain('"name":"input"');
  });

  it('batch size 1 and 4096 give identical outputs', async () => {
    if (model.input.kind !== 'tabular') return;
    const { n, x } = await readFeatureMatrix(db, model.input.features, { limit: 40 });
    const one = await openOnnxModel(
      OnnxModel.parse({
        type: 'onnx',
        path: 'german_credit_mlp.onnx',
        preprocessing: 'german_credit_mlp.json',
        batchSize: 1,
      }),
      { baseDir: dir(), task: 'binary-classification' },
    );
    const a = await one.predict(x, n);
    const b = await model.predict(x, n);
    await one.close();
    expect(Array.from(a.proba!)).toEqual(Array.from(b.proba!));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
  });

  it('concurrent predict calls are safe; predictEncoded(encode(x)) equals predict(x)', async () => {
    if (model.input.kind !== 'tabular') return;
    const { n, x } = await readFeatureMatrix(db, model.input.features);
    const small = await openOnnxModel(
      OnnxModel.parse({
        type: 'onnx',
        path: 'german_credit_mlp.onnx',
        preprocessing: 'german_credit_mlp.json',
        batchSize: 7,
      }),
      { baseDir: dir(), task: 'binary-classification' },
    );
    const half = Math.floor(n / 2);
    const d = model.input.features.length;
    const [a, b] = await Promise.all([small.predict(x, half), small.predict(x.subarray(half * d), n - half)]);
    const whole = await model.predict(x, n);
    expect([...Array.from(a.proba!), ...Array.from(b.proba!)]).toEqual(Array.from(whole.proba!));
    const enc = small.encoded!;
    expect(enc.width).toBe(63);
    expect(enc.columns[0]).toEqual([0, 4]); // checking_status: 4 categories
    expect(enc.columns[1]).toEqual([4, 5]); // duration
    const viaEncoded = await enc.predictEncoded(enc.encode(x, n), n);
    expect(Array.from(viaEncoded.proba!)).toEqual(Array.from(whole.proba!));
    expect(Array.from(viaEncoded.labels)).toEqual(Array.from(whole.labels));
    await small.close();
  });

  it('encodes unknown categories as all zeros and standardises numerics in float64 then float32', () => {
    const pre = loadPreprocessing('german_credit_mlp.json', { baseDir: dir() });
    expect(pre.width).toBe(63);
    const sidecar = JSON.parse(readFileSync(fixture('german_credit', 'german_credit_mlp.json'), 'utf8'));
    expect(pre.inputNames).toEqual(sidecar.feature_names);
    expect(pre.sidecar.positiveIndex).toBe(1);
    const raw = new Float64Array(20).fill(-1);
    raw[1] = 24; // duration
    const y = pre.encode(raw, 1);
    const dur = sidecar.columns[1];
    expect(y[4]).toBe(fr((24 - dur.mean) / dur.std));
    expect(y.slice(0, 4)).toEqual(new Float32Array(4)); // checking_status unknown → zeros
  });
});

describe('onnx adapter: other fixture models', () => {
  it('arrests logistic regression matches the saved probabilities for all 1568 test rows', async () => {
    const db = await sessionFromCsv(fixture('arrests', 'arrests.csv'), { split: 'test', idColumn: 'row_id' });
    const model = await openOnnxModel(
      OnnxModel.parse({ type: 'onnx', path: 'arrests_logreg.onnx', preprocessing: 'arrests_logreg.json' }),
      { baseDir: fixture('arrests'), task: 'binary-classification' },
    );
    if (model.input.kind !== 'tabular') throw new Error('tabular expected');
    const { n, x } = await readFeatureMatrix(db, model.input.features);
    const pred = await model.predict(x, n);
    const [yPred, yProb] = await savedByDataOrder(db, fixture('arrests', 'test_predictions.csv'), ['y_pred', 'y_prob']);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(pred.proba![i * 2 + 1] - fr(yProb[i])));
      expect(pred.labels[i]).toBe(yPred[i]);
    }
    expect(n).toBe(1568);
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    await model.close();
    db.close();
  });

  it('diabetes regressor ([N,1] output) matches the saved predictions bit-for-bit', async () => {
    const db = await sessionFromCsv(fixture('diabetes', 'diabetes.csv'), { split: 'test', idColumn: 'row_id' });
    const model = await openOnnxModel(
      OnnxModel.parse({ type: 'onnx', path: 'diabetes_mlp.onnx', preprocessing: 'diabetes_mlp.json' }),
      { baseDir: fixture('diabetes'), task: 'regression' },
    );
    if (model.input.kind !== 'tabular') throw new Error('tabular expected');
    const { n, x } = await readFeatureMatrix(db, model.input.features);
    const pred = await model.predict(x, n);
    expect(pred.labels).toBeInstanceOf(Float64Array);
    expect(pred.proba).toBeUndefined();
    const [yPred] = await savedByDataOrder(db, fixture('diabetes', 'test_predictions.csv'), ['y_pred']);
    expect(n).toBe(111);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(pred.labels[i] - fr(yPred[i])));
    expect(maxDiff).toBe(0); // float32-exact
    await model.close();
    db.close();
  });

  it('digits CNN on PNG images (n×1×8×8) matches the saved probabilities', async () => {
    const model = await openOnnxModel(
      OnnxModel.parse({
        type: 'onnx',
        path: 'digits_cnn.onnx',
        image: { shape: [1, 8, 8] },
        classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      }),
      { baseDir: fixture('digits'), task: 'multiclass-classification' },
    );
    expect(model.input).toEqual({ kind: 'image', shape: [1, 8, 8] });
    const lines = readFileSync(fixture('digits', 'test_predictions.csv'), 'utf8').trim().split('\n').slice(1);
    const n = lines.length;
    const x = new Float64Array(n * 64);
    lines.forEach((line, i) => {
      const png = PNG.sync.read(readFileSync(path.join(fixture('digits'), line.split(',')[0])));
      for (let p = 0; p < 64; p++) x[i * 64 + p] = png.data[p * 4] / 255;
    });
    const pred = await model.predict(x, n);
    let maxDiff = 0;
    lines.forEach((line, i) => {
      const f = line.split(',');
      expect(pred.labels[i]).toBe(Number(f[2]));
      for (let c = 0; c < 10; c++)
        maxDiff = Math.max(maxDiff, Math.abs(pred.proba![i * 10 + c] - fr(Number(f[3 + c]))));
    });
    expect(n).toBe(200);
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    await model.close();
  });
});

describe('onnx adapter: bad inputs fail at open time', () => {
  const base = () => fixture('german_credit');
  const tmp = mkdtempSync(path.join(tmpdir(), 'assay-onnx-'));

  it('missing file → FILE_NOT_FOUND', async () => {
    await expectAssayError(
      openOnnxModel(OnnxModel.parse({ type: 'onnx', path: 'nope.onnx', preprocessing: 'german_credit_mlp.json' }), {
        baseDir: base(),
        task: 'binary-classification',
      }),
      'FILE_NOT_FOUND',
      'nope.onnx',
    );
  });

  it('a file that is not ONNX → MODEL_INVALID naming the file', async () => {
    const bogus = path.join(tmp, 'model.onnx');
    writeFileSync(bogus, 'this is not a protobuf, just text\n');
    await expectAssayError(
      openOnnxModel(
        OnnxModel.parse({ type: 'onnx', path: bogus, preprocessing: path.join(base(), 'german_credit_mlp.json') }),
        {
          baseDir: tmp,
          task: 'binary-classification',
        },
      ),
      'MODEL_INVALID',
      bogus,
    );
  });

  it('input width ≠ preprocessing width → MODEL_SHAPE_MISMATCH with both shapes', async () => {
    const sidecar = JSON.parse(readFileSync(fixture('german_credit', 'german_credit_mlp.json'), 'utf8'));
    // Drop the numeric `duration`: 62 inputs where the model wants 63.
    const columns = sidecar.columns.filter((c: { name: string }) => c.name !== 'duration');
    await expectAssayError(
      openOnnxModel(OnnxModel.parse({ type: 'onnx', path: 'german_credit_mlp.onnx', preprocessing: { columns } }), {
        baseDir: base(),
        task: 'binary-classification',
      }),
      'MODEL_SHAPE_MISMATCH',
      "'input' has shape [batch, 63]",
      'produces [N, 62]',
    );
  });

  it('probabilities [N,2] but 3 declared classes → MODEL_SHAPE_MISMATCH with both shapes', async () => {
    await expectAssayError(
      openOnnxModel(
        OnnxModel.parse({
          type: 'onnx',
          path: 'german_credit_mlp.onnx',
          preprocessing: 'german_credit_mlp.json',
          classes: ['a', 'b', 'c'],
        }),
        { baseDir: base(), task: 'multiclass-classification' },
      ),
      'MODEL_SHAPE_MISMATCH',
      '[2, 2]',
      '[N, 3]',
    );
  });

  it('a regression task on a [N,10] output → MODEL_SHAPE_MISMATCH', async () => {
    await expectAssayError(
      openOnnxModel(OnnxModel.parse({ type: 'onnx', path: 'digits_cnn.onnx', image: { shape: [1, 8, 8] } }), {
        baseDir: fixture('digits'),
        task: 'regression',
      }),
      'MODEL_SHAPE_MISMATCH',
      '[2, 10]',
      '[N, 1]',
    );
  });

  it('image shape that does not fit the model input → MODEL_SHAPE_MISMATCH', async () => {
    await expectAssayError(
      openOnnxModel(OnnxModel.parse({ type: 'onnx', path: 'digits_cnn.onnx', image: { shape: [3, 8, 8] } }), {
        baseDir: fixture('digits'),
        task: 'multiclass-classification',
      }),
      'MODEL_SHAPE_MISMATCH',
      '[N, 3, 8, 8]',
    );
  });
});

describe('onnx adapter: labels output and 1-D regression output (built by scripts/fixtures/models)', () => {
  const base = path.join(REPO_ROOT, 'test/fixtures/models');
  const cols3 = { columns: ['a', 'b', 'c'].map((name) => ({ type: 'numeric' as const, name })) };
  const x = Float64Array.from([1, 2, 3, 3, 1, 2, 0, 0, 0, -1, 5, 5]);

  it('takes labels from the model’s labels output (ties: first index) and probabilities from its own output', async () => {
    const model = await openOnnxModel(
      OnnxModel.parse({
        type: 'onnx',
        path: 'argmax_labels.onnx',
        preprocessing: cols3,
        classes: ['x', 'y', 'z'],
        output: { probabilities: 'probabilities', labels: 'label' },
      }),
      { baseDir: base, task: 'multiclass-classification' },
    );
    const pred = await model.predict(x, 4);
    expect(Array.from(pred.labels)).toEqual([2, 0, 0, 1]);
    for (let i = 0; i < 4; i++)
      expect(pred.proba![i * 3] + pred.proba![i * 3 + 1] + pred.proba![i * 3 + 2]).toBeCloseTo(1, 6);
    expect(pred.proba![6]).toBe(Math.fround(1 / 3));
    await model.close();
  });

  it('a labels-only model gives labels without probabilities; an index beyond the classes is MODEL_OUTPUT_INVALID', async () => {
    const labelsOnly = await openOnnxModel(
      OnnxModel.parse({ type: 'onnx', path: 'argmax_labels.onnx', preprocessing: cols3, output: { labels: 'label' } }),
      { baseDir: base, task: 'multiclass-classification' },
    );
    const pred = await labelsOnly.predict(x, 4);
    expect(pred.proba).toBeUndefined();
    expect(Array.from(pred.labels)).toEqual([2, 0, 0, 1]);
    await labelsOnly.close();
    const twoClasses = await openOnnxModel(
      OnnxModel.parse({
        type: 'onnx',
        path: 'argmax_labels.onnx',
        preprocessing: cols3,
        classes: ['x', 'y'],
        output: { labels: 'label' },
      }),
      { baseDir: base, task: 'multiclass-classification' },
    );
    await expectAssayError(twoClasses.predict(x, 1), 'MODEL_OUTPUT_INVALID', "output 'label' gave 2", '0..1');
    await twoClasses.close();
  });

  it('regression output of shape [N]: (a − mean)/std in float64 → float32, summed by ORT in float32', async () => {
    const model = await openOnnxModel(
      OnnxModel.parse({
        type: 'onnx',
        path: 'sum_regressor.onnx',
        preprocessing: {
          columns: [
            { type: 'numeric', name: 'a', mean: 1, std: 3 },
            { type: 'numeric', name: 'b' },
          ],
        },
      }),
      { baseDir: base, task: 'regression' },
    );
    const raw = Float64Array.from([2, 0.1, 10, -7.25]);
    const pred = await model.predict(raw, 2);
    expect(pred.labels[0]).toBe(fr(fr((2 - 1) / 3) + fr(0.1)));
    expect(pred.labels[1]).toBe(fr(fr((10 - 1) / 3) + fr(-7.25)));
    await model.close();
  });
});

describe('onnx adapter: a model whose batch dimension is fixed to 1', () => {
  it('runs one row at a time (last batch padded) and matches the closed form of a 2-way softmax', async () => {
    const model = await openOnnxModel(
      OnnxModel.parse({
        type: 'onnx',
        path: 'fixed_batch1.onnx',
        preprocessing: {
          columns: [
            { type: 'numeric', name: 'a' },
            { type: 'numeric', name: 'b' },
          ],
        },
        batchSize: 4096,
      }),
      { baseDir: path.join(REPO_ROOT, 'test/fixtures/models'), task: 'binary-classification' },
    );
    expect(model.identity.details?.input).toMatchObject({ shape: ['1', '2'] });
    const x = Float64Array.from([0, 1, 2, -1, 0.5, 0.5]);
    const pred = await model.predict(x, 3);
    for (let i = 0; i < 3; i++) {
      const p1 = 1 / (1 + Math.exp(x[i * 2] - x[i * 2 + 1]));
      expect(Math.abs(pred.proba![i * 2 + 1] - p1)).toBeLessThanOrEqual(1e-6);
    }
    expect(Array.from(pred.labels)).toEqual([1, 0, 0]); // the tie in row 3 goes to index 0
    const viaEncoded = await model.encoded!.predictEncoded(model.encoded!.encode(x, 3), 3);
    expect(Array.from(viaEncoded.proba!)).toEqual(Array.from(pred.proba!));
    await model.close();
  });
});
