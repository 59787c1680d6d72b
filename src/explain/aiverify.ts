/**
 * AI Verify-compatible outputs of the explain tests, in the shapes of AI Verify's stock plugins' output schemas
 * (aiverify-foundation/aiverify `stock-plugins/aiverify.stock.{shap-toolbox,partial-dependence-plot,
 * accumulated-local-effect}/algorithms/<name>/output.schema.json`). Ids and versions from each plugin's
 * `algo.meta.json` (checked against the reference copies in a test).
 */
import type { AiVerifyOutput, ControlRefs } from '../tests/types.js';

export const AIVERIFY_ALGOS = {
  shap: { gid: 'aiverify.stock.shap_toolbox', cid: 'aiverify_shap_toolbox', version: '2.2.0' },
  pdp: { gid: 'aiverify.stock.partial_dependence_plot', cid: 'aiverify_partial_dependence_plot', version: '2.2.0' },
  ale: { gid: 'aiverify.stock.accumulated_local_effect', cid: 'aiverify_accumulated_local_effect', version: '2.2.0' },
} as const;

/** AI Verify's Explainability criterion and NIST AI RMF MEASURE 2.9 (the model is explained and interpreted). */
export const EXPLAIN_EVIDENCE: ControlRefs = { aiverify: ['2.1'], nistAiRmf: ['MEASURE 2.9'] };

export interface ShapToolboxInput {
  featureNames: string[];
  /** Per output class: expected value. */
  expected: number[];
  /** [class][sample][feature] SHAP values of the explained rows. */
  values: number[][][];
  /** [sample][feature] raw feature values of the explained rows. */
  samples: number[][];
  /** Index of the row shown as the "local" explanation. */
  localIndex: number;
}

export function shapToolboxOutput(
  s: ShapToolboxInput,
  algorithmArgs: Record<string, unknown>,
  convention: string,
): AiVerifyOutput {
  const classes = s.values.length;
  const global = s.values.map((perClass) =>
    s.featureNames.map((_, j) => perClass.reduce((a, row) => a + Math.abs(row[j]), 0) / Math.max(1, perClass.length)),
  );
  return {
    ...AIVERIFY_ALGOS.shap,
    algorithmArgs,
    output: {
      feature_names: s.featureNames,
      results: {
        num_local_classes: classes,
        local: s.values.map((perClass) => [perClass[s.localIndex]]),
        single_explainer_values: s.expected,
        single_shap_values: s.values.map((perClass) => perClass[s.localIndex]),
        global_shap_values: s.values,
        global_samples: s.samples,
        num_global_classes: classes,
        global,
      },
    },
    convention,
  };
}

export function pdpOutput(
  featureNames: string[],
  outputClasses: (string | number)[],
  curves: { grid: number[]; pdp: number[][] /* [grid][class] */ }[],
  convention: string,
): AiVerifyOutput {
  return {
    ...AIVERIFY_ALGOS.pdp,
    algorithmArgs: {},
    output: {
      feature_names: featureNames,
      output_classes: outputClasses,
      results: curves.map((c) =>
        outputClasses.map((_, k) => c.grid.map((g, gi) => ({ feature_value: g, pdp_value: c.pdp[gi][k] }))),
      ),
    },
    convention,
  };
}

export function aleOutput(
  featureNames: string[],
  curves: { edges: number[]; ale: number[]; size: number[] }[],
  convention: string,
): AiVerifyOutput {
  return {
    ...AIVERIFY_ALGOS.ale,
    algorithmArgs: {},
    output: {
      feature_names: featureNames,
      results: curves.map((c) => ({ indices: c.edges, ale: c.ale, size: c.size })),
    },
    convention,
  };
}
