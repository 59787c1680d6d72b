/**
 * The five explain tests through the real pipeline (`assess`: plan → DuckDB → onnxruntime-node → tests), on the
 * demo's German credit MLP and on the random-forest fixture; AI Verify outputs validated against AI Verify's
 * own input (algorithmArgs) and output schemas with ajv.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { assess } from '../../src/api.js';
import { planFromObject } from '../../src/config/load.js';
import type { PlanInput } from '../../src/config/schema.js';
import { AIVERIFY_ALGOS } from '../../src/explain/aiverify.js';
import type { TestResult } from '../../src/results/schema.js';
import { expectValidAiVerifyOutput } from '../support/aiverify.js';
import { REPO_ROOT, sharedPath } from '../support/shared.js';
import { fixture, readJson } from './support.js';

const DEMO = path.join(REPO_ROOT, 'demo');
const ALGO_DIRS = { shap: 'shap-toolbox', pdp: 'partial-dependence-plot', ale: 'accumulated-local-effect' } as const;

function validateAiVerify(t: TestResult): void {
  expect(t.aiverify?.length ?? 0).toBeGreaterThan(0);
  for (const out of t.aiverify ?? []) {
    const key = (Object.keys(AIVERIFY_ALGOS) as (keyof typeof AIVERIFY_ALGOS)[]).find(
      (k) => AIVERIFY_ALGOS[k].cid === out.cid,
    );
    expect(key, out.cid).toBeDefined();
    expectValidAiVerifyOutput(out, ALGO_DIRS[key!]);
  }
}

async function runDemoWith(tests: PlanInput['tests']): Promise<TestResult[]> {
  const plan = YAML.parse(readFileSync(path.join(DEMO, 'assay.yaml'), 'utf8')) as PlanInput;
  delete plan.$schema;
  const loaded = planFromObject({ ...plan, tests }, DEMO);
  const out = await assess(loaded, { write: false, outDir: mkdtempSync(path.join(os.tmpdir(), 'assay-explain-')) });
  return out.results.tests;
}

describe('explain tests in the pipeline (German credit MLP, 300 test rows, 20 attributes)', () => {
  it('runs KernelSHAP, permutation importance, PDP/ICE and ALE from a plan', async () => {
    const tests = await runDemoWith([
      { id: 'explain.kernel_shap', params: { rows: 6, background: 20, nsamples: 400 } },
      { id: 'explain.kernel_shap', params: { rows: 3, background: 10, backgroundMethod: 'kmeans', nsamples: 300 } },
      { id: 'explain.permutation_importance', params: { repeats: 2, score: 'roc_auc' } },
      {
        id: 'explain.partial_dependence',
        params: { features: ['duration', 'checking_status'], pairs: [['duration', 'age']], gridSize2d: 4 },
      },
      { id: 'explain.ale', params: { features: ['duration', 'age'] } },
      { id: 'explain.permutation_importance', params: { repeats: 2, score: 'f1' } },
    ]);
    for (const t of tests) expect(t.status, `${t.id}: ${JSON.stringify(t.error)}`).toBe('passed');
    const [shap, shapKm, perm, pdp, ale, permF1] = tests;

    expect(shap.metrics.players).toBe(20);
    expect(shap.metrics.additivity_error_max as number).toBeLessThan(1e-9);
    expect(shap.metrics.convergence_std_err_max as number).toBeGreaterThan(0);
    expect(shap.metrics['mean_abs_shap.checking_status'] as number).toBeGreaterThan(0);
    // 6 rows × coalitions × 20 background rows + the rows and the background themselves.
    expect(shap.metrics.model_evaluations).toBe(6 * (shap.metrics.coalitions as number) * 20 + 6 + 20);
    expect(shapKm.metrics.background_rows as number).toBeLessThanOrEqual(10);
    expect(shapKm.metrics.additivity_error_max as number).toBeLessThan(1e-9);
    const local = (shap.results as { local: { shap: number[][][]; fx: number[][] } }).local;
    expect(local.shap.length).toBe(1); // binary: P(good) only
    expect(local.shap[0].length).toBe(6);

    expect(perm.metrics.baseline_score as number).toBeGreaterThan(0.7);
    expect(Object.keys(perm.metrics).filter((k) => k.startsWith('importance.')).length).toBe(20);
    expect((permF1.results as { score: string }).score).toBe('f1');
    expect(permF1.metrics.baseline_score as number).toBeGreaterThan(0.5);
    const f1Importances = Object.entries(permF1.metrics).filter(([k]) => k.startsWith('importance.'));
    expect(f1Importances.length).toBe(20);
    expect(Math.max(...f1Importances.map(([, v]) => v as number))).toBeGreaterThan(0);

    const pr = pdp.results as {
      features: { feature: string; grid: number[]; pdp: number[][]; ice: number[][][] }[];
      pairs: { pdp: number[][][] }[];
    };
    expect(pr.features[1].grid).toEqual([0, 1, 2, 3]); // four checking_status categories
    for (const f of pr.features) for (const row of f.pdp) expect(row[0] + row[1]).toBeCloseTo(1, 6); // P(bad) + P(good)
    expect(pr.pairs[0].pdp.length).toBe(4);

    const ar = ale.results as { features: { ale: number[][]; size: number[] }[] };
    expect(ar.features[0].size.reduce((a, b) => a + b, 0)).toBe(300);

    for (const t of [shap, shapKm, pdp, ale]) validateAiVerify(t);
    expect(perm.aiverify).toBeUndefined(); // AI Verify has no permutation-importance plugin
  });

  it('rejects a categorical feature for ALE with a message naming it', async () => {
    const [t] = await runDemoWith([{ id: 'explain.ale', params: { features: ['purpose'] } }]);
    expect(t.status).toBe('error');
    expect(t.error?.message).toContain('"purpose" is categorical');
  });
});

describe('explain tests in the pipeline (diabetes MLP regression, 10 features: exact KernelSHAP)', () => {
  it('runs exact KernelSHAP, permutation importance (rmse), PDP and ALE on the regression output', async () => {
    const loaded = planFromObject(
      {
        task: 'regression',
        data: { path: 'diabetes.csv', filter: { column: 'split', in: ['test'] } },
        target: 'target',
        model: {
          type: 'onnx',
          path: 'diabetes_mlp.onnx',
          preprocessing: 'diabetes_mlp.json',
          output: { prediction: 'prediction' },
        },
        tests: [
          { id: 'explain.kernel_shap', params: { rows: 4, background: 15 } },
          { id: 'explain.permutation_importance', params: { repeats: 2 } },
          { id: 'explain.partial_dependence', params: { features: ['bmi', 'sex'] } },
          { id: 'explain.ale', params: { features: ['bmi'] } },
        ],
      },
      sharedPath('fixtures', 'diabetes'),
    );
    const out = await assess(loaded, { write: false, outDir: mkdtempSync(path.join(os.tmpdir(), 'assay-diab-')) });
    const [shap, perm, pdp, ale] = out.results.tests;
    for (const t of out.results.tests) expect(t.status, `${t.id}: ${JSON.stringify(t.error)}`).toBe('passed');
    expect(shap.metrics.players).toBe(10);
    expect(shap.metrics.coalitions).toBe(2 ** 10 - 2);
    expect(shap.metrics.convergence_std_err_max).toBe(0);
    expect(shap.metrics.additivity_error_max as number).toBeLessThan(1e-9);
    expect((shap.results as { method: string }).method).toBe('exact');
    expect((perm.results as { score: string }).score).toBe('rmse');
    expect(perm.metrics['importance.bmi'] as number).toBeGreaterThan(0);
    const grid = (pdp.results as { features: { grid: number[] }[] }).features[1].grid;
    expect(grid).toEqual([1, 2]); // sex: two unique values
    for (const t of [shap, pdp, ale]) validateAiVerify(t);
  });
});

describe('explain.tree_shap in the pipeline (random-forest ONNX fixture)', () => {
  it('reads the trees from the model file, is additive and matches onnxruntime', async () => {
    const t = readJson<{ rf_classifier: { X: number[][]; sklearn_proba: number[][] } }>('trees.json');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'assay-tree-'));
    const header = ['x0', 'x1', 'x2', 'x3', 'x4', 'label'];
    const lines = t.rf_classifier.X.map((x, i) => {
      const p = t.rf_classifier.sklearn_proba[i];
      return [...x, p.indexOf(Math.max(...p))].join(',');
    });
    writeFileSync(path.join(dir, 'data.csv'), `${header.join(',')}\n${lines.join('\n')}\n`);
    writeFileSync(path.join(dir, 'rf.onnx'), readFileSync(fixture('rf_classifier.onnx')));
    const loaded = planFromObject(
      {
        task: 'multiclass-classification',
        data: { path: 'data.csv' },
        target: 'label',
        classes: ['0', '1', '2'],
        model: {
          type: 'onnx',
          path: 'rf.onnx',
          preprocessing: { columns: header.slice(0, 5).map((name) => ({ type: 'numeric' as const, name })) },
          output: { probabilities: 'probabilities' },
        },
        tests: [
          { id: 'explain.tree_shap' },
          { id: 'explain.permutation_importance', params: { score: 'f1', repeats: 1 } },
          { id: 'explain.permutation_importance', params: { score: 'matthews_corrcoef', repeats: 1 } },
        ],
      },
      dir,
    );
    const out = await assess(loaded, { write: false, outDir: dir });
    const [r, f1, mcc] = out.results.tests;
    // Binary-only scores are refused on a multiclass task, naming the parameter; MCC is multiclass.
    expect(f1.status).toBe('error');
    expect(f1.error?.message).toContain('score "f1" is defined for the positive class of a binary task');
    expect(mcc.status, JSON.stringify(mcc.error)).toBe('passed');
    expect(r.status, JSON.stringify(r.error)).toBe('passed');
    expect(r.metrics.trees).toBe(5);
    expect(r.metrics.explained_rows).toBe(20);
    expect(r.metrics.additivity_error_max as number).toBeLessThan(1e-9);
    expect(r.metrics.max_abs_diff_vs_model as number).toBeLessThan(1e-6);
    validateAiVerify(r);
  });
});
