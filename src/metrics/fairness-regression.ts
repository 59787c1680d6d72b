/**
 * fairness.regression: error and prediction levels per sensitive group (intersectional), compared between
 * groups (Fairlearn's max − min and min ÷ max) and, when the plan names one, against the reference group
 * (AIF360-style unprivileged − reference), plus AI Verify's regression toolbox output.
 */
import { z } from 'zod';
import { AssayError } from '../errors.js';
import { defineTest, type TestContext, type TestOutcome } from '../tests/types.js';
import { FMTR_CONVENTION, FMTR_META, fmtrOutput } from './aiverify-fmtr.js';
import { type GroupKey, groupId, sensitiveColumns } from './cells.js';
import { BETWEEN_GROUPS_CONVENTION, betweenGroups, signedDifference } from './disparity.js';
import { groupLabel, sortKeys } from './groups.js';
import { medianAbsErrors } from './performance-regression.js';
import { type RegressionSums, regressionMetrics, regressionSums } from './regression-stats.js';
import { divide, type Maybe, MetricSink } from './values.js';

export const FairnessRegressionParams = z
  .object({
    minGroupSize: z.number().int().min(0).default(30).describe('Groups with fewer rows are flagged as small'),
    excludeSmallGroups: z.boolean().default(false).describe('Leave small groups out of the between-group comparisons'),
    aiverify: z
      .boolean()
      .default(true)
      .describe("Also emit AI Verify's Fairness Metrics Toolbox for Regression output"),
  })
  .strict();
export type FairnessRegressionParams = z.infer<typeof FairnessRegressionParams>;

const COMPARED = ['mae', 'mse', 'rmse', 'r2', 'mean_prediction', 'mean_residual'] as const;

/** Sums of a union of groups (additive parts only). */
function pool(parts: RegressionSums[]): { w: number; sumAbs: number; sumSq: number; sumPred: number; sumRes: number } {
  const p = { w: 0, sumAbs: 0, sumSq: 0, sumPred: 0, sumRes: 0 };
  for (const g of parts) {
    p.w += g.w;
    p.sumAbs += g.sumAbs;
    p.sumSq += g.sumSq;
    p.sumPred += g.sumPred;
    p.sumRes += g.sumRes;
  }
  return p;
}

function pooledMetrics(parts: RegressionSums[]): Record<string, Maybe> {
  const p = pool(parts);
  const none = 'no rows';
  const mse = divide(p.sumSq, p.w, none);
  return {
    mae: divide(p.sumAbs, p.w, none),
    mse,
    rmse: mse.value === null ? mse : { value: Math.sqrt(mse.value) },
    mean_prediction: divide(p.sumPred, p.w, none),
    mean_residual: divide(p.sumRes, p.w, none),
  };
}

export async function fairnessRegression(ctx: TestContext, params: FairnessRegressionParams): Promise<TestOutcome> {
  const m = ctx.sensitive.length;
  if (m === 0) {
    throw new AssayError(
      'CONFIG_INVALID',
      'fairness.regression needs at least one sensitive attribute: list them under `sensitive` in the plan',
      { configPath: 'sensitive', test: 'fairness.regression' },
    );
  }
  const s = sensitiveColumns(m);
  const raw = await regressionSums(ctx.db, s);
  const byId = new Map(raw.map((g) => [groupId(g.key), g]));
  const sums = sortKeys(
    raw.map((g) => g.key),
    m,
  ).map((k) => byId.get(groupId(k)) as RegressionSums);
  const [overallSums] = await regressionSums(ctx.db, []);
  const weightedMedians = await medianAbsErrors(ctx, s);
  const weightedOverall = weightedMedians ? await medianAbsErrors(ctx, []) : null;
  const overall = regressionMetrics(overallSums, 'exclude', weightedOverall?.get('[]') ?? overallSums.medianAbs);
  const groups = sums.map((g) => ({
    key: g.key as GroupKey,
    label: groupLabel(ctx.sensitive, g.key),
    n: g.n,
    w: g.w,
    small: g.n < params.minGroupSize,
    metrics: regressionMetrics(g, 'exclude', weightedMedians?.get(JSON.stringify(g.key)) ?? g.medianAbs),
  }));
  const compared = params.excludeSmallGroups ? groups.filter((g) => !g.small) : groups;
  const sink = new MetricSink();
  const between: Record<string, ReturnType<typeof betweenGroups>> = {};
  for (const name of COMPARED) {
    const d = betweenGroups(
      compared.map((g) => ({ label: g.label, value: g.metrics[name] })),
      overall[name],
    );
    between[name] = d;
    sink.put(`${name}_difference`, d.difference);
    if (name !== 'r2' && name !== 'mean_residual') sink.put(`${name}_ratio`, d.ratio);
    if (name === 'r2') sink.put('r2_group_min', d.min);
    if (name === 'mae' || name === 'rmse' || name === 'mse') sink.put(`${name}_group_max`, d.max);
  }
  let reference: unknown = null;
  const ref = ctx.plan.reference;
  if (ref && Object.keys(ref).length > 0) {
    const idx = Object.entries(ref).map(([attr, value]) => {
      const i = ctx.sensitive.indexOf(attr);
      if (i < 0) {
        throw new AssayError('CONFIG_INVALID', `reference names "${attr}", which is not a sensitive attribute`, {
          configPath: `reference.${attr}`,
        });
      }
      return [i, String(value)] as const;
    });
    const isRef = (g: RegressionSums) => idx.every(([i, v]) => g.key[i] === v);
    const priv = pooledMetrics(sums.filter(isRef));
    const unpriv = pooledMetrics(sums.filter((g) => !isRef(g)));
    for (const name of Object.keys(priv))
      sink.put(`${name}_difference_vs_reference`, signedDifference(unpriv[name], priv[name]));
    const val = (r: Record<string, Maybe>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.value]));
    reference = { privileged: val(priv), unprivileged: val(unpriv) };
  }
  const notes: string[] = [];
  const small = groups.filter((g) => g.small);
  if (small.length > 0) {
    notes.push(
      `${small.length} group(s) have fewer than ${params.minGroupSize} rows and are flagged as small: ` +
        small.map((g) => `${g.label} (${g.n})`).join('; '),
    );
  }
  let aiverify: TestOutcome['aiverify'];
  if (params.aiverify) {
    const unweighted = Number(await ctx.db.scalar('SELECT count(*) FILTER (WHERE w <> 1) FROM scored')) === 0;
    const avSums = unweighted ? sums : await regressionSums(ctx.db, s, '1.0');
    const avById = new Map(avSums.map((g) => [groupId(g.key), g]));
    aiverify = [
      {
        ...FMTR_META,
        algorithmArgs: { sensitive_feature: ctx.sensitive },
        output: fmtrOutput(
          sums.map((g) => avById.get(groupId(g.key)) as RegressionSums),
          ctx.sensitive,
        ),
        convention: FMTR_CONVENTION,
      },
    ];
  }
  const plain = (r: Record<string, Maybe>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.value]));
  return {
    metrics: sink.metrics,
    undefinedReasons: sink.reasons,
    notes,
    aiverify,
    results: {
      conventions: {
        betweenGroups: BETWEEN_GROUPS_CONVENTION,
        reference: 'unprivileged − reference',
        residual: 'y_true − y_pred',
      },
      attributes: ctx.sensitive,
      minGroupSize: params.minGroupSize,
      overall: plain(overall as unknown as Record<string, Maybe>),
      groups: groups.map((g) => ({
        label: g.label,
        values: Object.fromEntries(ctx.sensitive.map((n, i) => [n, g.key[i]])),
        n: g.n,
        weight: g.w,
        small: g.small,
        ...plain(g.metrics as unknown as Record<string, Maybe>),
      })),
      betweenGroups: Object.fromEntries(
        Object.entries(between).map(([k, d]) => [
          k,
          {
            difference: d.difference.value,
            ratio: d.ratio.value,
            min: d.min.value,
            max: d.max.value,
            minGroup: d.minGroup,
            maxGroup: d.maxGroup,
            skippedGroups: d.skipped,
          },
        ]),
      ),
      reference,
    },
  };
}

export const fairnessRegressionTest = defineTest({
  id: 'fairness.regression',
  title: 'Group fairness (regression)',
  summary:
    'Whether prediction errors and predicted levels differ between groups defined by sensitive attributes: MAE, MSE, RMSE, R², mean prediction and mean residual per group, compared between groups and in AI Verify’s format.',
  tasks: ['regression'],
  needsModel: false,
  params: FairnessRegressionParams,
  evidence: { aiverify: ['7.2', '7.5'], nistAiRmf: ['MEASURE 2.11'] },
  run: fairnessRegression,
});
