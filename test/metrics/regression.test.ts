/**
 * performance.regression and fairness.regression against scikit-learn (diabetes fixture) and against
 * AI Verify's regression toolbox run on the same CSV.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fairnessRegression, FairnessRegressionParams } from '../../src/metrics/fairness-regression.js';
import { performanceRegression, PerformanceRegressionParams } from '../../src/metrics/performance-regression.js';
import { REPO_ROOT, sharedPath } from '../support/shared.js';
import { arrayContext } from './arrays.js';
import { type ScoredContext, scoredContext } from './context.js';
import { close } from './expect-close.js';

const expected = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/metrics/sklearn-expected.json'), 'utf8'))
  .fixtures.diabetes;

describe('regression metrics on the diabetes fixture vs scikit-learn', () => {
  let ctx: ScoredContext;
  beforeAll(async () => {
    ctx = await scoredContext({
      task: 'regression',
      file: sharedPath('fixtures/diabetes/test_predictions.csv'),
      yTrue: 'y_true',
      yPred: 'y_pred',
      sensitive: ['sex'],
      classes: [],
    });
  });
  afterAll(() => ctx.close());

  it('performance.regression matches to 1e-12', async () => {
    const out = await performanceRegression(ctx, PerformanceRegressionParams.parse({}));
    for (const [name, v] of Object.entries(expected.metrics as Record<string, number>))
      close(out.metrics[name], v, 1e-12, name);
  });

  it('the residual summary matches numpy (mean, population std, min, linear quantiles, max)', async () => {
    const out = await performanceRegression(ctx, PerformanceRegressionParams.parse({}));
    const residual = (out.results as { residual: Record<string, number | string> }).residual;
    expect(residual.definition).toBe('y_true − y_pred');
    const exp = expected.residual as Record<string, number>;
    expect(Object.keys(exp).sort()).toEqual(['max', 'mean', 'median', 'min', 'q05', 'q25', 'q75', 'q95', 'std']);
    for (const [k, v] of Object.entries(exp)) close(residual[k] as number, v, 1e-12, `residual.${k}`);
  });

  it('fairness.regression per-group values match sklearn on each group', async () => {
    const out = await fairnessRegression(ctx, FairnessRegressionParams.parse({}));
    const groups = (out.results as { groups: ({ values: { sex: string }; n: number } & Record<string, number>)[] })
      .groups;
    const exp = expected.groups.sex as Record<string, Record<string, number>>;
    expect(groups.map((g) => g.values.sex)).toEqual(Object.keys(exp));
    for (const g of groups) {
      const e = exp[g.values.sex];
      expect(g.n).toBe(e.n);
      for (const k of ['mae', 'mse', 'rmse', 'r2', 'mean_prediction', 'mean_residual']) close(g[k], e[k], 1e-12, k);
    }
    const maes = Object.values(exp).map((e) => e.mae);
    close(out.metrics.mae_difference, Math.max(...maes) - Math.min(...maes));
    close(out.metrics.mae_ratio, Math.min(...maes) / Math.max(...maes));
  });
});

describe('residual summary by hand', () => {
  it('weights the mean and std but not the quantiles, as documented', async () => {
    // residuals 1, 2, 3 with weights 1, 1, 2: weighted mean 9/4; weighted population variance
    // (1·(5/4)² + 1·(1/4)² + 2·(3/4)²)/4 = 11/16. Quantiles of [1, 2, 3], unweighted, linear:
    // q05 = 1.1, q25 = 1.5, median 2, q75 = 2.5, q95 = 2.9.
    const ctx = await arrayContext(
      { yTrue: [1, 2, 3], yPred: [0, 0, 0], weight: [1, 1, 2], sensitive: {} },
      { task: 'regression', classes: [] },
    );
    const out = await performanceRegression(ctx, PerformanceRegressionParams.parse({}));
    ctx.close();
    const r = (out.results as { residual: Record<string, number> }).residual;
    close(r.mean, 9 / 4);
    close(r.std, Math.sqrt(11 / 16));
    close(r.min, 1);
    close(r.q05, 1.1);
    close(r.q25, 1.5);
    close(r.median, 2);
    close(r.q75, 2.5);
    close(r.q95, 2.9);
    close(r.max, 3);
    close(out.metrics.mean_residual, 9 / 4);
  });
});

describe('MAPE with zero targets, and undefined values', () => {
  it('is null with a reason by default, sklearn’s epsilon rule or exclusion on request', async () => {
    const ctx = await arrayContext(
      { yTrue: [0, 2, 4], yPred: [1, 1, 5], sensitive: { g: ['a', 'a', 'b'] } },
      { task: 'regression', classes: [] },
    );
    const dflt = await performanceRegression(ctx, PerformanceRegressionParams.parse({}));
    expect(dflt.metrics.mape).toBeNull();
    expect(dflt.undefinedReasons?.mape).toMatch(/1 target\(s\) are 0/);
    const eps = await performanceRegression(ctx, PerformanceRegressionParams.parse({ mapeZeroTargets: 'epsilon' }));
    close(eps.metrics.mape, (1 / 2.220446049250313e-16 + 0.5 + 0.25) / 3);
    const ex = await performanceRegression(ctx, PerformanceRegressionParams.parse({ mapeZeroTargets: 'exclude' }));
    close(ex.metrics.mape, (0.5 + 0.25) / 2);
    const fair = await fairnessRegression(ctx, FairnessRegressionParams.parse({ minGroupSize: 2 }));
    // group b has one row: R² undefined; flagged small.
    const b = (fair.results as { groups: { label: string; r2: number | null; small: boolean }[] }).groups[1];
    expect(b).toMatchObject({ label: 'g=b', r2: null, small: true });
    expect(fair.notes?.join(' ')).toMatch(/g=b \(1\)/);
    ctx.close();
  });
});

describe('AI Verify Fairness Metrics Toolbox for Regression profile', () => {
  const dir = 'reference/aiverify/algorithms/fairness-metrics-toolbox-for-regression';
  const schema = JSON.parse(readFileSync(sharedPath(dir, 'output.schema.json'), 'utf8'));
  const meta = JSON.parse(readFileSync(sharedPath(dir, 'algo.meta.json'), 'utf8'));
  const validate = new Ajv({ strict: false }).compile(schema);

  it.each([
    [['gender'], 'synthetic_regression_200.fmtr_output.sensitive_gender.json'],
    [['gender', 'race'], 'synthetic_regression_200.fmtr_output.sensitive_gender_race.json'],
  ])('%j equals the reference run exactly', async (sensitive, file) => {
    const ctx = await scoredContext({
      task: 'regression',
      file: sharedPath('reference/aiverify/fmtc-reference-run/synthetic_regression_200.csv'),
      yTrue: 'y_true',
      yPred: 'y_pred',
      sensitive,
      classes: [],
    });
    const out = await fairnessRegression(ctx, FairnessRegressionParams.parse({}));
    ctx.close();
    const av = out.aiverify?.[0];
    expect({ gid: av?.gid, cid: av?.cid, version: av?.version }).toEqual({
      gid: meta.gid,
      cid: meta.cid,
      version: meta.version,
    });
    expect(validate(av?.output), JSON.stringify(validate.errors)).toBe(true);
    const exp = JSON.parse(readFileSync(sharedPath('reference/aiverify/fmtc-reference-run', file), 'utf8'));
    expect(av?.output).toStrictEqual(exp);
  });
});
