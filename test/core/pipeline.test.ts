/**
 * The pipeline through the Node API on the real fixture models and data of ../shared: every task type,
 * every model adapter, and the image path. Numbers are checked against the fixtures' saved predictions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assess } from '../../src/api.js';
import { planFromObject } from '../../src/config/load.js';
import type { PlanInput } from '../../src/config/schema.js';
import { startModelServer } from '../models/http-server.js';
import { DIGIT_CLASSES, digitsModel, digitsPlan } from '../support/digits.js';
import { sharedPath } from '../support/shared.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir('assay-pipeline-');
afterAll(() => tmp.cleanup());

function csvColumn(file: string, col: string): string[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const i = header.split(',').indexOf(col);
  return lines.map((l) => l.split(',')[i]);
}

async function run(name: string, plan: PlanInput, baseDir: string) {
  return assess(planFromObject(plan, baseDir), { outDir: path.join(tmp.dir, name), reports: 'none' });
}

describe('pipeline on the fixture models', () => {
  it('regression (diabetes MLP): metrics equal those of the saved predictions', async () => {
    const dir = sharedPath('fixtures', 'diabetes');
    const o = await run(
      'diabetes',
      {
        task: 'regression',
        data: { path: 'diabetes.csv', id: 'row_id', filter: { column: 'split', in: ['test'] } },
        target: 'target',
        sensitive: ['sex'],
        model: {
          type: 'onnx',
          path: 'diabetes_mlp.onnx',
          preprocessing: 'diabetes_mlp.json',
          output: { prediction: 'prediction' },
        },
        tests: [{ id: 'performance.regression', thresholds: { r2: '>= 0.4' } }, { id: 'fairness.regression' }],
      },
      dir,
    );
    expect(o.results.data.rows).toBe(111);
    const yt = csvColumn(path.join(dir, 'test_predictions.csv'), 'y_true').map(Number);
    const yp = csvColumn(path.join(dir, 'test_predictions.csv'), 'y_pred').map(Number);
    const mae = yt.reduce((s, y, i) => s + Math.abs(y - yp[i]), 0) / yt.length;
    const perf = o.results.tests[0];
    expect(perf.status).toBe('passed');
    expect(perf.metrics.mae).toBeCloseTo(mae, 4);
    expect(o.results.tests[1].status).toBe('passed');
  });

  it('precomputed predictions (arrests): no model, model tests skipped with a reason', async () => {
    const dir = sharedPath('fixtures', 'arrests');
    const o = await run(
      'arrests',
      {
        task: 'binary-classification',
        data: { path: 'test_predictions.csv', id: 'row_id' },
        target: 'y_true',
        classes: ['0', '1'],
        positiveLabel: '1',
        sensitive: ['colour'],
        reference: { colour: 'White' },
        model: { type: 'predictions', label: 'y_pred', score: 'y_prob' },
        tests: [
          { id: 'fairness.classification', thresholds: { demographic_parity_ratio: '>= 0.8' } },
          { id: 'explain.permutation_importance' },
        ],
      },
      dir,
    );
    expect(o.results.data.rows).toBe(1568);
    const fair = o.results.tests[0];
    expect(fair.status).toBe('failed'); // selection rate Black 0.386 vs White 0.762 (fixtures README)
    expect(fair.metrics.demographic_parity_ratio).toBeCloseTo(0.38605898123324395 / 0.7623430962343096, 12);
    expect(o.results.tests[1]).toMatchObject({ status: 'skipped' });
    expect(o.results.tests[1].reason).toContain('precomputed predictions');
    expect(o.exitCode).toBe(1);
  });

  it('multiclass images (digits CNN): accuracy equals the saved predictions', async () => {
    const dir = sharedPath('fixtures', 'digits');
    const o = await run(
      'digits',
      digitsPlan({
        model: digitsModel({ classes: [...DIGIT_CLASSES] }), // the model's own class list, declared too
        tests: [{ id: 'performance.classification', thresholds: { accuracy: '>= 0.9' } }],
      }),
      dir,
    );
    expect(o.results.data.rows).toBe(200);
    expect(o.results.tests[0].metrics.accuracy).toBeCloseTo(0.96, 12);
    expect(o.results.inputs.find((i) => i.role === 'images')?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(o.exitCode).toBe(0);
  });

  it('a model behind HTTP gives the same results as the same model run locally, and hides its secret', async () => {
    const dir = sharedPath('fixtures', 'german_credit');
    const server = await startModelServer(dir);
    process.env.ASSAY_TEST_SECRET = 'sekret-123';
    try {
      const common = {
        task: 'binary-classification' as const,
        data: { path: 'german_credit.csv', id: 'row_id', filter: { column: 'split', in: ['test'] } },
        target: 'class',
        classes: ['bad', 'good'],
        positiveLabel: 'good',
        sensitive: ['sex'],
        tests: [{ id: 'performance.classification' }, { id: 'fairness.classification' }],
      };
      const local = await run(
        'gc-local',
        {
          ...common,
          model: {
            type: 'onnx',
            path: 'german_credit_mlp.onnx',
            preprocessing: 'german_credit_mlp.json',
            output: { probabilities: 'probabilities', positiveIndex: 1 },
          },
        },
        dir,
      );
      const remote = await run(
        'gc-http',
        {
          ...common,
          model: {
            type: 'http',
            url: server.url('/predict'),
            preprocessing: 'german_credit_mlp.json',
            classes: ['bad', 'good'],
            auth: { env: 'ASSAY_TEST_SECRET' },
            response: { labels: 'predictions', probabilities: 'probabilities' },
            batchSize: 64,
          },
        },
        dir,
      );
      expect(remote.results.tests.map((t) => t.metrics)).toEqual(local.results.tests.map((t) => t.metrics));
      expect(server.stats.authHeaders[0]).toBe('Bearer sekret-123');
      expect(JSON.stringify(remote.results)).not.toContain('sekret-123');
    } finally {
      delete process.env.ASSAY_TEST_SECRET;
      await server.close();
    }
  });
});
