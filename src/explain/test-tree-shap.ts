/** explain.tree_shap: exact path-dependent TreeSHAP on the ONNX file's tree-ensemble node. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AssayError } from '../errors.js';
import { loadPreprocessing, numericPlan, type PreprocessPlan } from '../models/preprocess.js';
import { defineTest, type TestOutcome } from '../tests/types.js';
import { EXPLAIN_EVIDENCE, shapToolboxOutput } from './aiverify.js';
import { displayValue, explainSetup, readRowIds, round, sampledRowsParam, sampleRows } from './context.js';
import { predictEnsemble, readTreeEnsemble, withCoversFromData } from './treeEnsemble.js';
import { treeShap } from './treeShap.js';

const ID = 'explain.tree_shap';

export const TreeShapParams = z
  .object({
    rows: sampledRowsParam(1000, 'explained'),
  })
  .strict();

export const treeShapTest = defineTest({
  id: ID,
  title: 'TreeSHAP feature attributions (exact, tree ensembles)',
  summary:
    'Exact Shapley values of a tree ensemble (ONNX TreeEnsembleClassifier/Regressor) for its raw score per class, ' +
    'computed from the trees themselves (path-dependent TreeSHAP), with no sampling.',
  tasks: ['binary-classification', 'multiclass-classification', 'regression'],
  needsModel: true,
  image: false,
  params: TreeShapParams,
  evidence: EXPLAIN_EVIDENCE,
  async run(ctx, params): Promise<TestOutcome> {
    const spec = ctx.plan.model;
    if (spec.type !== 'onnx') {
      throw new AssayError('TEST_PARAMS', `${ID} reads the trees from an ONNX model file; this model is ${spec.type}`, {
        test: ID,
        configPath: 'model.type',
      });
    }
    const s = await explainSetup(ctx, 'all', ID);
    const file = path.resolve(ctx.baseDir, spec.path);
    let ens: ReturnType<typeof readTreeEnsemble>;
    try {
      ens = readTreeEnsemble(readFileSync(file));
    } catch (e) {
      throw new AssayError('MODEL_INVALID', `${ID}: ${spec.path}: ${(e as Error).message}`, {
        file: spec.path,
        test: ID,
      });
    }
    const pre: PreprocessPlan = spec.preprocessing
      ? loadPreprocessing(spec.preprocessing, { baseDir: ctx.baseDir })
      : numericPlan(s.names);
    const width = pre.width;
    if (ens.features > width) {
      throw new AssayError(
        'MODEL_SHAPE_MISMATCH',
        `${ID}: the trees split on input column ${ens.features - 1}, but the input has ${width} columns`,
        {
          file: spec.path,
          test: ID,
        },
      );
    }
    // Encoded column → raw feature (one-hot columns map back to their feature: the group's φ is their sum, as shap does).
    const owner: number[] = [];
    pre.features.forEach((f, j) => {
      const k = f.kind === 'categorical' ? f.categories.length : 1;
      for (let t = 0; t < k; t++) owner.push(j);
    });
    const encodeAll = (raw: Float64Array, n: number): Float64Array => Float64Array.from(pre.encode(raw, n));
    const notes: string[] = [];
    if (!ens.coversFromFile) {
      ens = withCoversFromData(ens, encodeAll(s.data.x, s.data.n), s.data.n, width);
      notes.push(`The model file has no node hit rates; covers were counted from the ${s.data.n} data rows.`);
    }
    if (ens.postTransform !== 'NONE') {
      notes.push(
        `The ensemble applies ${ens.postTransform} after the trees: SHAP values explain the raw score before it.`,
      );
    }
    const { rows, index } = sampleRows(s.data, params.rows, ctx.seed, 'rows');
    const enc = encodeAll(rows.x, rows.n);
    const r = treeShap(ens, enc, rows.n, width);
    const T = ens.targets;
    // Binary classifiers with a score per class: explain the positive class, as the other tests do.
    const explained = ctx.task === 'binary-classification' && T === 2 ? [1] : Array.from({ length: T }, (_, k) => k);
    // A binary classifier may carry one score (the positive class's); the model output class it matches.
    const singleBinary = ctx.task === 'binary-classification' && T === 1;
    const modelClass = (k: number): number => (singleBinary ? 1 : k);
    const outputNames =
      ctx.task === 'regression'
        ? ['prediction']
        : explained.map(
            (k) =>
              `${ens.postTransform === 'NONE' ? 'P' : 'score'}(${ctx.classes[modelClass(k)] ?? ens.classLabels[k] ?? k})`,
          );
    const m = s.names.length;
    const grouped = new Float64Array(rows.n * m * explained.length);
    for (let i = 0; i < rows.n; i++) {
      for (let c = 0; c < width; c++) {
        explained.forEach((k, e) => {
          grouped[(i * m + owner[c]) * explained.length + e] += r.phi[(i * width + c) * T + k];
        });
      }
    }
    const E = explained.length;
    let additivity = 0;
    for (let i = 0; i < rows.n; i++) {
      explained.forEach((k, e) => {
        let sum = r.expectedValue[k];
        for (let j = 0; j < m; j++) sum += grouped[(i * m + j) * E + e];
        additivity = Math.max(additivity, Math.abs(sum - r.fx[i * T + k]));
      });
    }
    // Agreement with the model as onnxruntime runs it (float32 arithmetic there), when the score is the output.
    const metrics: Record<string, number | null> = {
      explained_rows: rows.n,
      trees: ens.trees.length,
      additivity_error_max: additivity,
    };
    const undefinedReasons: Record<string, string> = {};
    if (ens.postTransform === 'NONE') {
      const model = await s.predict(rows.x, rows.n);
      const ours = predictEnsemble(ens, enc, rows.n, width);
      let diff = 0;
      for (let i = 0; i < rows.n; i++) {
        for (const k of explained) {
          const theirs = ctx.task === 'regression' ? model[i] : model[i * s.outputs + modelClass(k)];
          diff = Math.max(diff, Math.abs(ours[i * T + k] - theirs));
        }
      }
      metrics.max_abs_diff_vs_model = round(diff);
    } else {
      metrics.max_abs_diff_vs_model = null;
      undefinedReasons.max_abs_diff_vs_model = `the model output is ${ens.postTransform}(score), not the score explained`;
    }
    const meanAbs = s.names.map((_, j) => {
      let t = 0;
      for (let i = 0; i < rows.n; i++) for (let e = 0; e < E; e++) t += Math.abs(grouped[(i * m + j) * E + e]);
      return t / (rows.n * E);
    });
    const order = s.names.map((_, j) => j).sort((a, b) => meanAbs[b] - meanAbs[a]);
    for (const j of order) metrics[`mean_abs_shap.${s.names[j]}`] = round(meanAbs[j]);
    const perOutput = Array.from({ length: E }, (_, e) =>
      Array.from({ length: rows.n }, (_, i) =>
        Array.from({ length: m }, (_, j) => round(grouped[(i * m + j) * E + e])),
      ),
    );
    const samples = Array.from({ length: rows.n }, (_, i) => Array.from(rows.x.subarray(i * m, (i + 1) * m), round));
    const rowIds = await readRowIds(ctx);
    const expected = explained.map((k) => round(r.expectedValue[k]));
    return {
      metrics,
      undefinedReasons,
      notes,
      results: {
        method: 'tree_path_dependent',
        outputs: outputNames,
        features: s.names,
        baseValue: expected,
        trees: ens.trees.length,
        global: order.map((j) => ({ feature: s.names[j], meanAbs: meanAbs[j] })),
        local: {
          rowIds: Array.from(index, (i) => rowIds[i]),
          values: samples.map((row) => row.map((v, j) => displayValue(s.features[j], v))),
          shap: perOutput,
        },
      },
      aiverify: [
        shapToolboxOutput(
          { featureNames: s.names, expected, values: perOutput, samples, localIndex: 0 },
          {
            explain_type: 'global',
            // Path-dependent TreeSHAP needs no background sample (the trees' covers stand in for it); AI Verify's
            // input schema still requires a background path, so it names the assessed data, as kernel_shap does.
            background_path: ctx.plan.data.path,
            background_samples: 0,
            data_samples: rows.n,
          },
          'Assay path-dependent TreeSHAP (shap TreeExplainer, feature_perturbation="tree_path_dependent", raw output); ' +
            'one-hot columns summed into their feature',
        ),
      ],
    };
  },
});
