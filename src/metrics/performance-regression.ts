/** performance.regression: error metrics from sums aggregated in DuckDB (formulas as scikit-learn's). */
import { z } from 'zod';
import { defineTest, type TestContext, type TestOutcome } from '../tests/types.js';
import { regressionMetrics, regressionSums, weightedMedianAbs } from './regression-stats.js';
import { MetricSink } from './values.js';

export const PerformanceRegressionParams = z
  .object({
    mapeZeroTargets: z
      .enum(['undefined', 'epsilon', 'exclude'])
      .default('undefined')
      .describe(
        'MAPE when a target is 0: "undefined" (null with a reason), "epsilon" (divide by 2.2e-16 as sklearn), "exclude" (skip those rows)',
      ),
  })
  .strict();
export type PerformanceRegressionParams = z.infer<typeof PerformanceRegressionParams>;

/** Unweighted sessions use the exact median; weighted ones sklearn's weighted percentile. */
export async function medianAbsErrors(ctx: TestContext, part: string[]): Promise<Map<string, number> | null> {
  const unit = Number(await ctx.db.scalar('SELECT count(*) FILTER (WHERE w <> 1) FROM scored')) === 0;
  return unit ? null : weightedMedianAbs(ctx.db, part);
}

export async function performanceRegression(
  ctx: TestContext,
  params: PerformanceRegressionParams,
): Promise<TestOutcome> {
  const [s] = await regressionSums(ctx.db, []);
  const weighted = await medianAbsErrors(ctx, []);
  const m = regressionMetrics(s, params.mapeZeroTargets, weighted ? (weighted.get('[]') ?? Number.NaN) : s.medianAbs);
  const sink = new MetricSink();
  for (const [name, v] of Object.entries(m)) sink.put(name, v);
  const notes: string[] = [];
  if (s.zeroTargets > 0) notes.push(`${s.zeroTargets} target(s) are 0; MAPE rule: ${params.mapeZeroTargets}.`);
  const q = s.residualQuantiles;
  return {
    metrics: sink.metrics,
    undefinedReasons: sink.reasons,
    notes,
    results: {
      rows: s.n,
      weight: s.w,
      residual: {
        definition: 'y_true − y_pred',
        mean: m.mean_residual.value,
        std: s.w > 0 ? Math.sqrt(Math.max(0, s.sumSq / s.w - (s.sumRes / s.w) ** 2)) : null,
        min: s.n > 0 ? s.minRes : null,
        q05: q[0] ?? null,
        q25: q[1] ?? null,
        median: q[2] ?? null,
        q75: q[3] ?? null,
        q95: q[4] ?? null,
        max: s.n > 0 ? s.maxRes : null,
      },
      zeroTargets: s.zeroTargets,
      mapeRule: params.mapeZeroTargets,
    },
  };
}

export const performanceRegressionTest = defineTest({
  id: 'performance.regression',
  title: 'Regression performance',
  summary:
    'How far predictions are from the truth: mean absolute and squared error, RMSE, R², median absolute error, MAPE, maximum error, and a summary of the residuals.',
  tasks: ['regression'],
  needsModel: false,
  params: PerformanceRegressionParams,
  evidence: { aiverify: ['3.13', '6.2'], nistAiRmf: ['MEASURE 2.3', 'MEASURE 2.5'] },
  run: performanceRegression,
});
