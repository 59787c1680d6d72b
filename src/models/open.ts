/** Opens the model a plan names: one entry point for the three adapters. */
import type { Plan } from '../config/schema.js';
import { openHttpModel } from './http.js';
import { openOnnxModel } from './onnx.js';
import { openPredictionsModel } from './predictions.js';
import type { Model } from './types.js';

export async function openModel(plan: Plan, baseDir: string, opts: { configPath?: string } = {}): Promise<Model> {
  const spec = plan.model;
  const common = { baseDir, task: plan.task, configPath: opts.configPath, features: plan.features };
  switch (spec.type) {
    case 'onnx':
      return openOnnxModel(spec, common);
    case 'http':
      return openHttpModel(spec, common);
    case 'predictions':
      return openPredictionsModel(spec, { features: plan.features, classes: plan.classes });
  }
}
