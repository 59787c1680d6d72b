/**
 * explain.kernel_shap uses a model's encoded fast path when the adapter offers one (EncodedAccess in
 * src/explain/context.ts): same SHAP values as the raw path. The "adapter with a fast path" here is Assay's
 * ONNX adapter plus the same sidecar's encoder and an onnxruntime session on the encoded rows (real parts).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxModel, Plan } from '../../src/config/schema.js';
import { DataSession, lit } from '../../src/data/session.js';
import type { EncodedAccess } from '../../src/explain/context.js';
import { kernelShapTest } from '../../src/explain/test-kernel-shap.js';
import { openOnnxModel } from '../../src/models/onnx.js';
import { loadPreprocessing } from '../../src/models/preprocess.js';
import type { Model } from '../../src/models/types.js';
import type { TestContext } from '../../src/tests/types.js';
import { REPO_ROOT } from '../support/shared.js';

const DEMO = path.join(REPO_ROOT, 'demo');
let db: DataSession;
let model: Model;
let session: ort.InferenceSession;

beforeAll(async () => {
  db = await DataSession.open({ threads: 1 });
  await db.exec(
    `CREATE TABLE data AS SELECT *, row_id::BIGINT AS __row_id, (row_number() OVER () - 1)::INTEGER AS __i ` +
      `FROM read_csv(${lit(path.join(DEMO, 'german-credit.csv'))}, header = true, all_varchar = true) WHERE split = 'test'`,
  );
  const spec = OnnxModel.parse({
    type: 'onnx',
    path: 'german-credit-mlp.onnx',
    preprocessing: 'german-credit-mlp.json',
    output: { probabilities: 'probabilities' },
  });
  model = await openOnnxModel(spec, { baseDir: DEMO, task: 'binary-classification' });
  session = await ort.InferenceSession.create(path.join(DEMO, 'german-credit-mlp.onnx'), { intraOpNumThreads: 1 });
});
afterAll(async () => {
  await model.close();
  await session.release();
  db.close();
});

function context(m: Model): TestContext {
  return {
    plan: Plan.parse({
      task: 'binary-classification',
      data: { path: 'x.csv' },
      target: 'credit',
      model: { type: 'predictions', label: 'y' },
    }),
    task: 'binary-classification',
    baseDir: DEMO,
    outDir: mkdtempSync(path.join(os.tmpdir(), 'assay-enc-')),
    db,
    model: m,
    classes: ['bad', 'good'],
    sensitive: [],
    seed: 5,
    progress: () => {},
    writeArtifact: () => Promise.reject(new Error('unused')),
  };
}

describe('explain.kernel_shap with an encoded fast path', () => {
  it('gives the same SHAP values as the raw path', async () => {
    const pre = loadPreprocessing('german-credit-mlp.json', { baseDir: DEMO });
    const columns: [number, number][] = [];
    let off = 0;
    for (const f of pre.features) {
      const k = f.kind === 'categorical' ? f.categories.length : 1;
      columns.push([off, off + k]);
      off += k;
    }
    const encoded: EncodedAccess = {
      width: pre.width,
      columns,
      encode: (raw, n) => pre.encode(raw, n),
      predictEncoded: async (x, n) => {
        const out = await session.run({ input: new ort.Tensor('float32', x, [n, pre.width]) });
        const p = out.probabilities.data as Float32Array;
        const labels = new Int32Array(n);
        for (let i = 0; i < n; i++) labels[i] = p[i * 2 + 1] > p[i * 2] ? 1 : 0;
        return { labels, proba: Float64Array.from(p) };
      },
    };
    const fastModel = Object.assign(Object.create(model) as Model, { encoded });
    const params = kernelShapTest.params.parse({ rows: 4, background: 12, nsamples: 300, batchRows: 3000 });
    const slow = await kernelShapTest.run(context(model), params);
    const fast = await kernelShapTest.run(context(fastModel), params);
    expect(fast.notes?.some((n) => n.includes('encoded fast path'))).toBe(true);
    const phi = (o: typeof slow) => (o.results as { local: { shap: number[][][] } }).local.shap.flat(2);
    const a = phi(slow);
    const b = phi(fast);
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-12);
    expect(fast.metrics.additivity_error_max as number).toBeLessThan(1e-9);
  });
});
