/** explain.kernel_shap: model-agnostic Shapley values of the model's probabilities (or regression output). */
import { z } from 'zod';
import { defineTest, type TestOutcome } from '../tests/types.js';
import { createRng, deriveSeed } from '../util/random.js';
import { EXPLAIN_EVIDENCE, shapToolboxOutput } from './aiverify.js';
import { kmeansBackground } from './background.js';
import {
  displayValue,
  encodedAccess,
  explainSetup,
  outputSelector,
  readRowIds,
  round,
  sampledRowsParam,
  sampleRows,
} from './context.js';
import { type KernelShapResult, kernelShap, normalisedWeights } from './kernelShap.js';
import type { Matrix } from './predictor.js';

const ID = 'explain.kernel_shap';

export const KernelShapParams = z
  .object({
    rows: sampledRowsParam(100, 'explained', { max: 100_000 }),
    background: z.number().int().min(1).max(10_000).default(100).describe('Background size (rows or k-means centres)'),
    backgroundMethod: z
      .enum(['sample', 'kmeans'])
      .default('sample')
      .describe('sample: seeded random rows; kmeans: cluster summary weighted by cluster size'),
    exactMaxPlayers: z
      .number()
      .int()
      .min(1)
      .max(16)
      .default(12)
      .describe('Features up to which every coalition is enumerated (exact Shapley values)'),
    nsamples: z
      .number()
      .int()
      .min(10)
      .optional()
      .describe('Coalitions evaluated in sampling mode (default 2M + 2048, as shap)'),
    outputs: z
      .enum(['positive', 'all'])
      .default('positive')
      .describe('Binary models: explain P(positive class) only, or every class probability'),
    batchRows: z.number().int().min(1000).default(262_144).describe('Rows per model call'),
  })
  .strict();

export const kernelShapTest = defineTest({
  id: ID,
  title: 'KernelSHAP feature attributions',
  summary:
    'Shapley values of each feature for the model output (class probability or prediction), per row and averaged ' +
    'as mean |SHAP|: how much each feature moves the prediction away from the average over a background set.',
  tasks: ['binary-classification', 'multiclass-classification', 'regression'],
  needsModel: true,
  image: false,
  params: KernelShapParams,
  evidence: EXPLAIN_EVIDENCE,
  async run(ctx, params): Promise<TestOutcome> {
    const s = await explainSetup(ctx, params.outputs, ID);
    const { rows, index } = sampleRows(s.data, params.rows, ctx.seed, 'rows');
    let background = sampleRows(s.data, params.background, ctx.seed, 'background').rows;
    let weights: Float64Array | undefined;
    if (params.backgroundMethod === 'kmeans') {
      const km = kmeansBackground(s.data, s.features, params.background, createRng(deriveSeed(ctx.seed, 'kmeans')));
      background = km.background;
      weights = km.weights;
    }
    const m = s.features.length;
    const common = {
      backgroundWeights: weights,
      outputs: s.outputs,
      exactMaxPlayers: params.exactMaxPlayers,
      nsamples: params.nsamples,
      rng: createRng(deriveSeed(ctx.seed, 'coalitions')),
      batchRows: params.batchRows,
      progress: (done: number, total: number) => ctx.progress({ phase: 'kernel_shap', done, total }),
    };
    const fast = encodedAccess(ctx.model);
    let r: KernelShapResult;
    if (fast) {
      // Same players and values, built in the model's encoded space (a one-hot feature = its block of columns).
      const { select } = outputSelector(ctx, params.outputs, ID);
      const enc = (mat: Matrix): Matrix<Float32Array> => ({ n: mat.n, d: fast.width, x: fast.encode(mat.x, mat.n) });
      const bg = enc(background);
      const expectMasked = fast.expectMasked?.bind(fast);
      const K = ctx.task === 'regression' ? 1 : ctx.classes.length;
      const bw = normalisedWeights(weights, bg.n);
      /** The explained outputs of v(S): all of them, or the positive class's column. */
      const explained = (all: Float64Array, count: number): Float64Array =>
        s.outputs === K ? all : Float64Array.from({ length: count }, (_, c) => all[c * K + 1]);
      r = await kernelShap(
        async (x: Float32Array, n: number) => select(await fast.predictEncoded(x, n), n),
        enc(rows),
        {
          ...common,
          groups: fast.columns.map(([a, b]) => Array.from({ length: b - a }, (_, t) => a + t)),
          background: bg,
          // The model runtime composes the synthetic rows (same values, no per-row JS writes).
          ...(expectMasked
            ? {
                masked: async (masks: Uint8Array, count: number, row: Float32Array) =>
                  explained(await expectMasked(masks, count, row, bg.x, bw, bg.n), count),
              }
            : {}),
        },
      );
    } else {
      r = await kernelShap(s.predict, rows, { ...common, groups: s.features.map((_, j) => [j]), background });
    }
    const K = s.outputs;
    const at = (i: number, j: number, k: number): number => r.phi[(i * m + j) * K + k];

    // Additivity: base + Σφ = f(x) on every row (exact by construction; reported as a check).
    let additivity = 0;
    for (let i = 0; i < rows.n; i++) {
      for (let k = 0; k < K; k++) {
        let sum = r.baseValue[k];
        for (let j = 0; j < m; j++) sum += at(i, j, k);
        additivity = Math.max(additivity, Math.abs(sum - r.fx[i * K + k]));
      }
    }
    const meanAbs = s.names.map((_, j) => {
      const per = new Array<number>(K).fill(0);
      for (let i = 0; i < rows.n; i++) for (let k = 0; k < K; k++) per[k] += Math.abs(at(i, j, k)) / rows.n;
      return per;
    });
    const meanSigned = s.names.map((_, j) => {
      const per = new Array<number>(K).fill(0);
      for (let i = 0; i < rows.n; i++) for (let k = 0; k < K; k++) per[k] += at(i, j, k) / rows.n;
      return per;
    });
    const importance = meanAbs.map((per) => per.reduce((a, b) => a + b, 0) / K);
    const order = s.names.map((_, j) => j).sort((a, b) => importance[b] - importance[a]);

    const metrics: Record<string, number | null> = {
      players: m,
      explained_rows: rows.n,
      background_rows: background.n,
      coalitions: r.coalitions,
      model_evaluations: r.modelEvaluations,
      additivity_error_max: additivity,
    };
    const undefinedReasons: Record<string, string> = {};
    for (const j of order) metrics[`mean_abs_shap.${s.names[j]}`] = round(importance[j]);
    const notes: string[] = [];
    if (fast)
      notes.push(
        fast.expectMasked
          ? "Coalition values came from the adapter's masked path: for a model whose input feeds one linear layer, that layer is applied to the coalition masks instead of to built synthetic rows (same values up to float32 rounding); otherwise the adapter builds the rows in its encoded input space."
          : "Synthetic rows were built in the model's encoded input space (the adapter's encoded fast path).",
      );
    let maxStdErr: number | null = null;
    if (r.stdErr) {
      maxStdErr = r.stdErr.reduce((a, b) => Math.max(a, b), 0);
      const maxPhi = r.phi.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      metrics.convergence_std_err_max = round(maxStdErr);
      metrics.convergence_std_err_relative = maxPhi > 0 ? round(maxStdErr / maxPhi) : null;
      if (maxPhi === 0) undefinedReasons.convergence_std_err_relative = 'every SHAP value is 0';
      notes.push(
        `${m} features exceed exactMaxPlayers (${params.exactMaxPlayers}): ${r.coalitions} sampled coalitions (paired, Shapley kernel); ` +
          `largest estimated standard error of a SHAP value ${maxStdErr.toPrecision(3)}.`,
      );
    } else {
      metrics.convergence_std_err_max = 0;
      metrics.convergence_std_err_relative = 0;
      notes.push(`Exact: all ${r.coalitions + 2} coalitions of ${m} features enumerated.`);
    }
    if (params.backgroundMethod === 'kmeans')
      notes.push(`Background: ${background.n} k-means centres snapped to data rows, weighted by cluster size.`);

    const rowIds = await readRowIds(ctx);
    const phiRows = (k: number): number[][] =>
      Array.from({ length: rows.n }, (_, i) => Array.from({ length: m }, (_, j) => round(at(i, j, k))));
    const perOutput = Array.from({ length: K }, (_, k) => phiRows(k));
    const samples = Array.from({ length: rows.n }, (_, i) => Array.from(rows.x.subarray(i * m, (i + 1) * m), round));

    const results = {
      method: r.exact ? 'exact' : 'sampled',
      outputs: s.outputNames,
      features: s.names,
      baseValue: Array.from(r.baseValue, round),
      background: { method: params.backgroundMethod, rows: background.n },
      coalitions: r.coalitions,
      global: order.map((j) => ({
        feature: s.names[j],
        meanAbs: meanAbs[j].map(round),
        mean: meanSigned[j].map(round),
      })),
      local: {
        rowIds: Array.from(index, (i) => rowIds[i]),
        values: samples.map((row) => row.map((v, j) => displayValue(s.features[j], v))),
        fx: Array.from({ length: rows.n }, (_, i) => Array.from(r.fx.subarray(i * K, (i + 1) * K), round)),
        /** [output][row][feature]: the beeswarm's points. */
        shap: perOutput,
        ...(r.stdErr
          ? {
              stdErr: Array.from({ length: K }, (_, k) =>
                Array.from({ length: rows.n }, (_, i) =>
                  Array.from({ length: m }, (_, j) => round(r.stdErr![(i * m + j) * K + k])),
                ),
              ),
            }
          : {}),
      },
    };
    return {
      metrics,
      undefinedReasons,
      results,
      notes,
      aiverify: [
        shapToolboxOutput(
          { featureNames: s.names, expected: Array.from(r.baseValue), values: perOutput, samples, localIndex: 0 },
          {
            explain_type: 'global',
            // AI Verify names a separate background file; Assay samples the background from the assessed data.
            background_path: ctx.plan.data.path,
            background_samples: background.n,
            data_samples: rows.n,
          },
          `Assay KernelSHAP on ${s.outputNames.join(', ')} (AI Verify's toolbox explains predicted labels); ` +
            'categorical features are one player each, sampled by category index; the "local" explanation is the first explained row',
        ),
      ],
    };
  },
});
