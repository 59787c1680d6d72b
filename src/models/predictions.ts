/**
 * The `predictions` adapter: no model, only precomputed columns in the data (label, score, probabilities).
 * Metric tests work from those columns; tests that must query a model (SHAP, attacks) cannot run, and say so.
 */
import type { z } from 'zod';
import type { PredictionsModel } from '../config/schema.js';
import { AssayError } from '../errors.js';
import type { FeatureInfo, Model } from './types.js';

export type PredictionsSpec = z.infer<typeof PredictionsModel>;

export function openPredictionsModel(
  spec: PredictionsSpec,
  opts: { features?: string[]; classes?: (string | number | boolean)[] } = {},
): Model {
  const features: FeatureInfo[] = (opts.features ?? []).map((name) => ({ kind: 'numeric', name }));
  return {
    identity: {
      type: 'predictions',
      details: {
        label: spec.label,
        ...(spec.score ? { score: spec.score } : {}),
        ...(spec.probabilities ? { probabilities: spec.probabilities } : {}),
      },
    },
    input: { kind: 'tabular', features },
    ...(opts.classes ? { classes: opts.classes } : {}),
    canPredict: false,
    async predict(): Promise<never> {
      throw new AssayError(
        'MODEL_UNAVAILABLE',
        `this test needs a model to query, but the plan gives only precomputed predictions (model.type: predictions, ` +
          `column '${spec.label}'); use an onnx or http model to run it`,
        { configPath: 'model.type' },
      );
    },
    async close(): Promise<void> {},
  };
}
