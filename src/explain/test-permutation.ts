/** explain.permutation_importance: how much a score degrades when one feature's values are shuffled. */
import { z } from 'zod';
import { AssayError } from '../errors.js';
import { defineTest, type TestOutcome } from '../tests/types.js';
import { createRng, deriveSeed } from '../util/random.js';
import { EXPLAIN_EVIDENCE } from './aiverify.js';
import { explainSetup, readTruth, round, sampledRowsParam, sampleRows } from './context.js';
import { permutationImportance } from './permutationImportance.js';
import {
  BINARY_ONLY_SCORES,
  CLASSIFICATION_SCORES,
  higherIsBetter,
  REGRESSION_SCORES,
  type ScoreName,
} from './scoring.js';

const ID = 'explain.permutation_importance';

export const PermutationParams = z
  .object({
    score: z
      .enum([...CLASSIFICATION_SCORES, ...REGRESSION_SCORES])
      .optional()
      .describe(
        'Score to degrade, named as in the performance tests (default: accuracy for classification, as scikit-learn; ' +
          'rmse for regression). precision, recall, f1, specificity and brier_score: binary tasks (positive class) only',
      ),
    repeats: z.number().int().min(1).max(100).default(5).describe('Independent seeded permutations per feature'),
    rows: sampledRowsParam(5000, 'used', { min: 10 }),
  })
  .strict();

export const permutationImportanceTest = defineTest({
  id: ID,
  title: 'Permutation feature importance',
  summary:
    'The drop in a performance score when one feature is shuffled across rows (its link to the outcome broken), ' +
    'averaged over seeded repeats: positive means the model relies on the feature.',
  tasks: ['binary-classification', 'multiclass-classification', 'regression'],
  needsModel: true,
  image: false,
  params: PermutationParams,
  evidence: EXPLAIN_EVIDENCE,
  async run(ctx, params): Promise<TestOutcome> {
    const regression = ctx.task === 'regression';
    const name: ScoreName = params.score ?? (regression ? 'rmse' : 'accuracy');
    if (regression !== (REGRESSION_SCORES as readonly string[]).includes(name)) {
      throw new AssayError('TEST_PARAMS', `${ID}: score "${name}" does not apply to a ${ctx.task} task`, {
        test: ID,
        configPath: 'params.score',
      });
    }
    if (ctx.task === 'multiclass-classification' && BINARY_ONLY_SCORES.includes(name)) {
      throw new AssayError(
        'TEST_PARAMS',
        `${ID}: score "${name}" is defined for the positive class of a binary task; this task is multiclass`,
        { test: ID, configPath: 'params.score' },
      );
    }
    const s = await explainSetup(ctx, 'all', ID);
    const truth = await readTruth(ctx);
    const { rows, index } = sampleRows(s.data, params.rows, ctx.seed, 'rows');
    const yTrue = Float64Array.from(index, (i) => truth[i]);
    const r = await permutationImportance(s.predict, rows, {
      groups: s.features.map((_, j) => [j]),
      score: name,
      outputs: s.outputs,
      yTrue,
      repeats: params.repeats,
      rng: createRng(deriveSeed(ctx.seed, 'permutations')),
    });
    const metrics: Record<string, number | null> = {
      baseline_score: r.baseline === null ? null : round(r.baseline),
      rows: rows.n,
    };
    const undefinedReasons: Record<string, string> = {};
    if (r.baseline === null)
      undefinedReasons.baseline_score = `${name} is undefined on these rows: ${r.baselineReason}`;
    const order = s.names
      .map((_, j) => j)
      .sort((a, b) => (r.mean[b] ?? Number.NEGATIVE_INFINITY) - (r.mean[a] ?? Number.NEGATIVE_INFINITY));
    for (const j of order) {
      const key = `importance.${s.names[j]}`;
      metrics[key] = r.mean[j] === null ? null : round(r.mean[j] as number);
      if (r.mean[j] === null) undefinedReasons[key] = r.reasons[j] ?? `${name} is undefined`;
    }
    return {
      metrics,
      undefinedReasons,
      notes: [
        `Importance = ${name} ${higherIsBetter(name) ? 'before − after' : 'after − before'} shuffling, ` +
          `mean and population standard deviation over ${params.repeats} seeded permutations of ${rows.n} rows.`,
      ],
      results: {
        score: name,
        baseline: r.baseline === null ? null : round(r.baseline),
        repeats: params.repeats,
        rows: rows.n,
        features: order.map((j) => ({
          feature: s.names[j],
          mean: r.mean[j] === null ? null : round(r.mean[j] as number),
          std: r.std[j] === null ? null : round(r.std[j] as number),
          importances: r.importances[j].map((v) => (v === null ? null : round(v))),
          ...(r.reasons[j] === null ? {} : { reason: r.reasons[j] }),
        })),
      },
    };
  },
});
