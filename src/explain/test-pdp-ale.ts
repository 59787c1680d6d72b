/** explain.partial_dependence (PDP + ICE, 2-D PDP) and explain.ale (first-order ALE, numeric features). */
import { z } from 'zod';
import { AssayError } from '../errors.js';
import type { FeatureInfo } from '../models/types.js';
import { defineTest, type TestOutcome } from '../tests/types.js';
import { accumulatedLocalEffects, aleEdges } from './ale.js';
import { aleOutput, EXPLAIN_EVIDENCE, pdpOutput } from './aiverify.js';
import { explainSetup, featureIndexes, round, sampledRowsParam, sampleRows, toRows } from './context.js';
import { partialDependence, partialDependence2d, pdpGrid } from './partialDependence.js';
import type { Matrix } from './predictor.js';

const PDP_ID = 'explain.partial_dependence';
const ALE_ID = 'explain.ale';

export const PartialDependenceParams = z
  .object({
    features: z.array(z.string().min(1)).optional().describe('Features to plot (default: every feature)'),
    pairs: z
      .array(z.tuple([z.string().min(1), z.string().min(1)]))
      .default([])
      .describe('Feature pairs for 2-D partial dependence'),
    gridSize: z
      .number()
      .int()
      .min(2)
      .max(200)
      .default(25)
      .describe('Grid points (unique values when there are at most this many)'),
    gridSize2d: z.number().int().min(2).max(50).default(10).describe('Grid points per feature of a 2-D PDP'),
    rows: sampledRowsParam(1000, 'averaged'),
    iceRows: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(50)
      .describe('ICE curves kept in the results (first rows of the sample)'),
  })
  .strict();

/** Grid of a feature: every category index for a categorical feature, AI Verify's grid otherwise. */
function gridFor(f: FeatureInfo, data: Matrix, j: number, size: number): Float64Array {
  if (f.kind === 'categorical') return Float64Array.from(f.categories, (_, i) => i);
  return pdpGrid(data, j, size);
}

export const partialDependenceTest = defineTest({
  id: PDP_ID,
  title: 'Partial dependence and ICE',
  summary:
    'How the predicted probability (or value) changes, on average (PDP) and row by row (ICE), as one feature ' +
    'or a pair is set to each value of a grid with the other features left as they are.',
  tasks: ['binary-classification', 'multiclass-classification', 'regression'],
  needsModel: true,
  image: false,
  params: PartialDependenceParams,
  evidence: EXPLAIN_EVIDENCE,
  async run(ctx, params): Promise<TestOutcome> {
    const s = await explainSetup(ctx, 'all', PDP_ID);
    const chosen = params.features
      ? featureIndexes(s.names, params.features, PDP_ID, 'features')
      : s.names.map((_, j) => j);
    const { rows } = sampleRows(s.data, params.rows, ctx.seed, 'rows');
    const K = s.outputs;
    const metrics: Record<string, number | null> = { rows: rows.n };
    const curves: { grid: number[]; pdp: number[][] }[] = [];
    const features = [];
    for (const [t, j] of chosen.entries()) {
      ctx.progress({ phase: 'partial_dependence', done: t, total: chosen.length });
      const f = s.features[j];
      const grid = gridFor(f, s.data, j, params.gridSize);
      const r = await partialDependence(s.predict, rows, j, grid, K);
      const pdp = toRows(r.pdp, K);
      curves.push({ grid: Array.from(grid), pdp });
      // Range of the PDP curve (max − min over the grid), per output: a one-number effect size.
      const range = Array.from({ length: K }, (_, k) => {
        const col = pdp.map((row) => row[k]);
        return Math.max(...col) - Math.min(...col);
      });
      metrics[`pdp_range.${f.name}`] = round(Math.max(...range));
      const g = grid.length;
      const iceN = Math.min(params.iceRows, rows.n);
      features.push({
        feature: f.name,
        kind: f.kind,
        grid: Array.from(grid, round),
        ...(f.kind === 'categorical' ? { labels: f.categories } : {}),
        pdp,
        ice: Array.from({ length: iceN }, (_, i) => toRows(r.ice.subarray(i * g * K, (i + 1) * g * K), K)),
      });
    }
    const pairs = [];
    for (const [a, b] of params.pairs) {
      const [ja, jb] = featureIndexes(s.names, [a, b], PDP_ID, 'pairs');
      const ga = gridFor(s.features[ja], s.data, ja, params.gridSize2d);
      const gb = gridFor(s.features[jb], s.data, jb, params.gridSize2d);
      const p = await partialDependence2d(s.predict, rows, [ja, jb], [ga, gb], K);
      pairs.push({
        features: [a, b],
        grids: [Array.from(ga, round), Array.from(gb, round)],
        /** [gridA][gridB][output] */
        pdp: Array.from({ length: ga.length }, (_, x) =>
          toRows(p.subarray(x * gb.length * K, (x + 1) * gb.length * K), K),
        ),
      });
    }
    const outputClasses = ctx.task === 'regression' ? ['prediction'] : ctx.classes;
    return {
      metrics,
      notes: [
        `Grids: sorted unique values when at most ${params.gridSize}, else ${params.gridSize} points between the 1st and 99th percentiles (AI Verify's grid); categorical features use every category.`,
      ],
      results: { outputs: s.outputNames, rows: rows.n, features, pairs },
      aiverify: [
        pdpOutput(
          chosen.map((j) => s.names[j]),
          outputClasses,
          curves,
          'Assay PDP on predicted probabilities (AI Verify averages model.predict); categorical features: feature_value = category index',
        ),
      ],
    };
  },
});

export const AleParams = z
  .object({
    features: z.array(z.string().min(1)).optional().describe('Numeric features (default: every numeric feature)'),
    gridSize: z.number().int().min(3).max(200).default(25).describe('Quantile bin edges (AI Verify: 25)'),
    rows: sampledRowsParam(5000, 'used', { min: 2 }),
  })
  .strict();

export const aleTest = defineTest({
  id: ALE_ID,
  title: 'Accumulated local effects',
  summary:
    'The centred effect of a numeric feature on the prediction, built from local differences within quantile ' +
    'bins, so it stays faithful when features are correlated (unlike partial dependence).',
  tasks: ['binary-classification', 'multiclass-classification', 'regression'],
  needsModel: true,
  image: false,
  params: AleParams,
  evidence: EXPLAIN_EVIDENCE,
  async run(ctx, params): Promise<TestOutcome> {
    const s = await explainSetup(ctx, 'positive', ALE_ID);
    const chosen = params.features
      ? featureIndexes(s.names, params.features, ALE_ID, 'features')
      : s.names.map((_, j) => j).filter((j) => s.features[j].kind === 'numeric');
    for (const [i, j] of chosen.entries()) {
      if (s.features[j].kind !== 'numeric') {
        throw new AssayError(
          'TEST_PARAMS',
          `${ALE_ID}: features[${i}] = "${s.names[j]}" is categorical; ALE needs an ordered numeric feature`,
          {
            test: ALE_ID,
            configPath: `params.features[${i}]`,
          },
        );
      }
    }
    if (chosen.length === 0) {
      throw new AssayError('TEST_PARAMS', `${ALE_ID}: the model has no numeric feature to explain`, { test: ALE_ID });
    }
    const { rows } = sampleRows(s.data, params.rows, ctx.seed, 'rows');
    const K = s.outputs;
    const metrics: Record<string, number | null> = { rows: rows.n };
    const features = [];
    const perOutput: { edges: number[]; ale: number[]; size: number[] }[][] = Array.from({ length: K }, () => []);
    for (const [t, j] of chosen.entries()) {
      ctx.progress({ phase: 'ale', done: t, total: chosen.length });
      const edges = aleEdges(rows, j, params.gridSize);
      const r = await accumulatedLocalEffects(s.predict, rows, j, edges, K);
      const ale = toRows(r.ale, K);
      let range = 0;
      for (let k = 0; k < K; k++) {
        const col = ale.map((row) => row[k]);
        range = Math.max(range, Math.max(...col) - Math.min(...col));
        perOutput[k].push({ edges: Array.from(edges, round), ale: col, size: Array.from(r.size) });
      }
      metrics[`ale_range.${s.names[j]}`] = round(range);
      features.push({ feature: s.names[j], edges: Array.from(edges, round), ale, size: Array.from(r.size) });
    }
    const names = chosen.map((j) => s.names[j]);
    return {
      metrics,
      notes: [
        'ALE: bins at unique percentiles of the feature, local differences f(upper edge) − f(lower edge) averaged per bin, accumulated and centred (PyALE / AI Verify).',
      ],
      results: { outputs: s.outputNames, rows: rows.n, features },
      aiverify: perOutput.map((curves, k) =>
        aleOutput(
          names,
          curves,
          `Assay ALE of ${s.outputNames[k]} (AI Verify's continuous estimator; discrete features use the same bins)`,
        ),
      ),
    };
  },
});
