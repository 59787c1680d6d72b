/**
 * explain.kernel_shap uses a model's encoded fast path when the adapter offers one (EncodedAccess in
 * src/explain/context.ts): same SHAP values as the raw path. Three runs on the demo model: raw rows (encoded
 * access hidden), rows built in encoded space (an EncodedAccess over the same sidecar's encoder and an
 * onnxruntime session, without expectMasked), and Assay's ONNX adapter as it is (the masked path).
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
  it('gives the same SHAP values as the raw path, with rows built or with the masked path', async () => {
    const pre = loadPreprocessing('german-credit-mlp.json', { baseDir: DEMO });
    const columns: [number, number][] = [];
    let off = 0;
    for (const f of pre.features) {
      const k = f.kind === 'categorical' ? f.categories.length : 1;
      columns.push([off, off + k]);
      off += k;
    }
    // An encoded path without expectMasked: kernelShap builds the synthetic rows itself.
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
    const rawModel = Object.assign(Object.create(model) as Model, { encoded: undefined });
    const builtModel = Object.assign(Object.create(model) as Model, { encoded });
    expect(model.encoded?.expectMasked).toBeDefined();
    const params = kernelShapTest.params.parse({ rows: 4, background: 12, nsamples: 300, batchRows: 3000 });
    const raw = await kernelShapTest.run(context(rawModel), params);
    const built = await kernelShapTest.run(context(builtModel), params);
    const masked = await kernelShapTest.run(context(model), params);
    expect(built.notes?.some((n) => n.includes('encoded fast path'))).toBe(true);
    expect(masked.notes?.some((n) => n.includes('masked path'))).toBe(true);
    const phi = (o: typeof raw) => (o.results as { local: { shap: number[][][] } }).local.shap.flat(2);
    const a = phi(raw);
    const b = phi(built);
    const c = phi(masked);
    expect(b.length).toBe(a.length);
    expect(c.length).toBe(a.length);
    // Rows built in encoded space: the same float32 rows the raw path's adapter builds, so the same values.
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-12);
    // The masked path sums the first layer in another order: float32 rounding, far below the sampling error.
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - c[i]));
    expect(worst).toBeLessThan(1e-6);
    expect(worst).toBeGreaterThan(0); // it really took the other path
    expect(masked.metrics.additivity_error_max as number).toBeLessThan(1e-9);
  });
});
