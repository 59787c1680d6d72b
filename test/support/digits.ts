/** The plan for ../shared/fixtures/digits (200 8×8 test images and the digits CNN), paths relative to that folder. */
import type { z } from 'zod';
import type { OnnxModel, PlanInput } from '../../src/config/schema.js';

export const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export function digitsModel(extra: Partial<z.input<typeof OnnxModel>> = {}): z.input<typeof OnnxModel> {
  return {
    type: 'onnx',
    path: 'digits_cnn.onnx',
    output: { probabilities: 'probabilities' },
    image: { shape: [1, 8, 8] },
    ...extra,
  };
}

export function digitsPlan(extra: Partial<PlanInput> = {}): PlanInput {
  return {
    task: 'multiclass-classification',
    data: { path: 'test_labels.csv', images: { folder: '.', fileColumn: 'file' } },
    target: 'label',
    classes: [...DIGIT_CLASSES],
    model: digitsModel(),
    ...extra,
  };
}
