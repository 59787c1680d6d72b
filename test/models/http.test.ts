import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpModel, OnnxModel, Plan } from '../../src/config/schema.js';
import { readFeatureMatrix } from '../../src/data/features.js';
import type { DataSession } from '../../src/data/session.js';
import { getPath, openHttpModel, rowsJsonWriter } from '../../src/models/http.js';
import { openOnnxModel } from '../../src/models/onnx.js';
import { openModel } from '../../src/models/open.js';
import type { Model, Prediction } from '../../src/models/types.js';
import { scoreAll } from '../../src/scoring/score.js';
import { fixture, sessionFromCsv } from './helpers.js';
import { closedPort, type ModelServer, startModelServer } from './http-server.js';
import { expectAssayError } from '../support/errors.js';

const dir = () => fixture('german_credit');
const task = 'binary-classification' as const;

function httpSpec(url: string, extra: Record<string, unknown> = {}) {
  return HttpModel.parse({
    type: 'http',
    url,
    preprocessing: 'german_credit_mlp.json',
    response: { labels: 'predictions', probabilities: 'probabilities' },
    retries: 0,
    backoffMs: 1,
    ...extra,
  });
}

describe('http adapter against a real node:http model server', () => {
  let server: ModelServer;
  let db: DataSession;
  let onnx: Model;
  let x: Float64Array;
  let n: number;
  let reference: Prediction;

  beforeAll(async () => {
    server = await startModelServer(dir(), { delayMs: 15, failFirst: 2 });
    db = await sessionFromCsv(fixture('german_credit', 'german_credit.csv'), { split: 'test', idColumn: 'row_id' });
    onnx = await openOnnxModel(
      OnnxModel.parse({ type: 'onnx', path: 'german_credit_mlp.onnx', preprocessing: 'german_credit_mlp.json' }),
      { baseDir: dir(), task },
    );
    if (onnx.input.kind !== 'tabular') throw new Error('tabular expected');
    ({ n, x } = await readFeatureMatrix(db, onnx.input.features));
    reference = await onnx.predict(x, n);
  });
  afterAll(async () => {
    await server?.close();
    await onnx?.close();
    db?.close();
  });

  it('gives the same labels and probabilities as the onnx adapter; batches and caps concurrency', async () => {
    server.reset();
    const model = await openHttpModel(httpSpec(server.url('/predict'), { batchSize: 25, concurrency: 3 }), {
      baseDir: dir(),
      task,
    });
    expect(model.classes).toEqual(['bad', 'good']);
    const got = await model.predict(x, n);
    expect(Array.from(got.labels)).toEqual(Array.from(reference.labels));
    expect(Array.from(got.proba!)).toEqual(Array.from(reference.proba!));
    expect(server.stats.requests).toBe(12); // 300 rows / 25
    expect(server.stats.batchSizes.every((b) => b === 25)).toBe(true);
    expect(server.stats.maxInFlight).toBe(3);
    expect(model.identity).toMatchObject({ type: 'http', endpoint: server.url('/predict') });
  });

  it('scoreAll through openModel(plan) with an http model writes the same predictions as the onnx model', async () => {
    server.reset();
    const plan = Plan.parse({
      task,
      data: { path: 'unused.csv' },
      target: 'class',
      model: { ...httpSpec(server.url('/predict'), { batchSize: 50, concurrency: 2 }) },
    });
    const model = await openModel(plan, dir());
    expect(model.identity.type).toBe('http');
    await scoreAll(db, model, plan, { classes: ['bad', 'good'] });
    const { cols } = await db.readDoubles(
      'SELECT p.y_pred, p.y_score FROM predictions p JOIN data d USING (__row_id) ORDER BY d.__i',
    );
    for (let i = 0; i < n; i++) {
      expect(cols[0][i]).toBe(reference.labels[i]);
      expect(cols[1][i]).toBe(reference.proba![i * 2 + 1]);
    }
    expect(server.stats.requests).toBe(6);
    expect(server.stats.maxInFlight).toBe(2);
  });

  it('concurrency 1 never has two requests in flight', async () => {
    server.reset();
    const model = await openHttpModel(httpSpec(server.url('/predict'), { batchSize: 100, concurrency: 1 }), {
      baseDir: dir(),
      task,
    });
    await model.predict(x, n);
    expect(server.stats.requests).toBe(3);
    expect(server.stats.maxInFlight).toBe(1);
  });

  it('sends rows as {feature: raw value} with categories decoded', () => {
    if (onnx.input.kind !== 'tabular') return;
    const json = JSON.parse(rowsJsonWriter(onnx.input.features)(x, 0, 1)) as Record<string, unknown>[];
    expect(json).toHaveLength(1);
    expect(Object.keys(json[0])).toHaveLength(20);
    expect(typeof json[0].duration).toBe('number');
    expect(['<0', '0<=X<200', '>=200', 'no checking']).toContain(json[0].checking_status);
    expect(getPath({ a: { b: [1, 2] } }, 'a.b.1')).toBe(2);
  });

  it('retries on 429 with backoff, then succeeds', async () => {
    server.reset();
    const model = await openHttpModel(httpSpec(server.url('/flaky'), { batchSize: 300, retries: 3, backoffMs: 5 }), {
      baseDir: dir(),
      task,
    });
    const got = await model.predict(x, n);
    expect(Array.from(got.labels)).toEqual(Array.from(reference.labels));
    expect(server.stats.requests).toBe(3); // 429, 429, 200
  });

  it('500 after the retries → HTTP_STATUS with endpoint, status and a ≤200-char body snippet', async () => {
    server.reset();
    const model = await openHttpModel(httpSpec(server.url('/error'), { batchSize: 300, retries: 2, backoffMs: 1 }), {
      baseDir: dir(),
      task,
    });
    const e = await expectAssayError(
      model.predict(x, n),
      'HTTP_STATUS',
      server.url('/error'),
      '500',
      'internal failure',
    );
    expect(server.stats.requests).toBe(3);
    const snippet = e.message.slice(e.message.indexOf('{"error"'));
    expect(snippet.length).toBeLessThanOrEqual(200);
  });

  it('endpoint down (closed port) → HTTP_UNREACHABLE', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/predict`;
    const model = await openHttpModel(httpSpec(url, { retries: 1 }), { baseDir: dir(), task });
    await expectAssayError(model.predict(x, 5), 'HTTP_UNREACHABLE', url, 'ECONNREFUSED');
  });

  it('a server that never answers → HTTP_TIMEOUT after timeoutMs', async () => {
    const model = await openHttpModel(httpSpec(server.url('/hang'), { timeoutMs: 150 }), { baseDir: dir(), task });
    const t0 = Date.now();
    await expectAssayError(model.predict(x, 5), 'HTTP_TIMEOUT', server.url('/hang'), '150 ms');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('malformed JSON, wrong length, unknown label → HTTP_BAD_RESPONSE', async () => {
    const open = (route: string) => openHttpModel(httpSpec(server.url(route)), { baseDir: dir(), task });
    await expectAssayError(
      (await open('/malformed')).predict(x, 5),
      'HTTP_BAD_RESPONSE',
      'not JSON',
      '{"predictions": [1, 2,',
    );
    await expectAssayError((await open('/short')).predict(x, 5), 'HTTP_BAD_RESPONSE', 'array of 5', '4 items');
    await expectAssayError((await open('/badlabel')).predict(x, 5), 'HTTP_BAD_RESPONSE', '"excellent"', 'bad, good');
  });

  it('reads the auth header from an env var; the secret is in neither identity nor errors', async () => {
    const secret = 'tok-7f3a9c-very-secret';
    process.env.ASSAY_TEST_MODEL_TOKEN = secret;
    try {
      server.reset();
      const auth = { env: 'ASSAY_TEST_MODEL_TOKEN' };
      const model = await openHttpModel(httpSpec(server.url('/predict?key=abc'), { auth, batchSize: 300 }), {
        baseDir: dir(),
        task,
      });
      await model.predict(x, n);
      expect(server.stats.authHeaders).toEqual([`Bearer ${secret}`]);
      expect(JSON.stringify(model.identity)).not.toContain(secret);
      expect(JSON.stringify(model.identity)).not.toContain('key=abc');
      const failing = await openHttpModel(httpSpec(server.url('/echo-auth-500'), { auth }), { baseDir: dir(), task });
      const e = await expectAssayError(failing.predict(x, 3), 'HTTP_STATUS', '500', 'bad token Bearer ***');
      expect(e.message).not.toContain(secret);
      expect(JSON.stringify(e.toJSON())).not.toContain(secret);
      delete process.env.ASSAY_TEST_MODEL_TOKEN;
      const e2 = await expectAssayError(
        openHttpModel(httpSpec(server.url('/predict'), { auth }), { baseDir: dir(), task }),
        'CONFIG_INVALID',
        'ASSAY_TEST_MODEL_TOKEN',
      );
      expect(e2.message).not.toContain(secret);
    } finally {
      delete process.env.ASSAY_TEST_MODEL_TOKEN;
    }
  });
});
