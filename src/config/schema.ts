/**
 * The plan: one config file (assay.yaml or JSON) that describes an assessment. This schema is the single
 * source of the TypeScript types (z.infer) and of the published JSON Schema (schema/assay.schema.json).
 */
import { z } from 'zod';

export const TASKS = ['binary-classification', 'multiclass-classification', 'regression'] as const;
export const Task = z.enum(TASKS);
export type Task = z.infer<typeof Task>;

const nonEmpty = z.string().min(1);

/** A row filter: keep rows whose `column` equals one of `in`. Kept structured (not SQL) so it cannot inject. */
export const RowFilter = z
  .object({
    column: nonEmpty.describe('Column to filter on'),
    in: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).describe('Values to keep'),
  })
  .strict();

export const ImageInput = z
  .object({
    folder: nonEmpty.describe('Folder of image files (PNG), relative to the config file'),
    fileColumn: nonEmpty.default('file').describe('Column of the data CSV that names each image file'),
  })
  .strict();

export const DataSpec = z
  .object({
    path: nonEmpty.describe('Data file (CSV, CSV.gz, Parquet, JSON/NDJSON), relative to the config file'),
    format: z.enum(['auto', 'csv', 'parquet', 'json']).default('auto'),
    delimiter: z.string().length(1).optional().describe('CSV field delimiter (default: "," or tab for .tsv)'),
    id: nonEmpty.optional().describe('Row id column (unique). Without it, the 0-based row number is the id.'),
    filter: RowFilter.optional(),
    nulls: z
      .enum(['error', 'drop'])
      .default('error')
      .describe('What to do with rows that have nulls in used columns: error (default) or drop and count them'),
    images: ImageInput.optional().describe('For image models: the folder and the column naming each file'),
  })
  .strict();

/** One feature of the preprocessing spec: numeric (optionally standardised) or categorical (one-hot). */
export const FeatureColumn = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('numeric'),
      name: nonEmpty,
      mean: z.number().optional(),
      std: z.number().positive().optional(),
      integer: z.boolean().optional().describe('Values are whole numbers (attacks round them)'),
      min: z.number().optional(),
      max: z.number().optional(),
      immutable: z.boolean().optional().describe('Attacks and perturbations must not change it'),
    })
    .strict(),
  z
    .object({
      type: z.literal('categorical'),
      name: nonEmpty,
      categories: z.array(z.union([z.string(), z.number()])).min(1),
      immutable: z.boolean().optional(),
    })
    .strict(),
]);
export type FeatureColumn = z.infer<typeof FeatureColumn>;

export const Preprocessing = z
  .object({
    columns: z.array(FeatureColumn).min(1).describe('Model input = concatenation of these, in order'),
  })
  .strict();

const OnnxOutput = z
  .object({
    probabilities: nonEmpty.optional().describe('Output tensor holding class probabilities [N, K]'),
    labels: nonEmpty.optional().describe('Output tensor holding predicted class indexes or values [N] or [N,1]'),
    prediction: nonEmpty.optional().describe('Regression output tensor [N] or [N,1]'),
    positiveIndex: z.number().int().min(0).optional().describe('Index of the positive class in the probabilities'),
  })
  .strict();

export const OnnxModel = z
  .object({
    type: z.literal('onnx'),
    path: nonEmpty.describe('ONNX file, relative to the config file'),
    preprocessing: z
      .union([Preprocessing, nonEmpty])
      .optional()
      .describe('Preprocessing spec, inline or a path to a sidecar JSON with a `columns` array'),
    input: nonEmpty.optional().describe('Input tensor name (default: the only input)'),
    output: OnnxOutput.default({}),
    classes: z.array(z.union([z.string(), z.number()])).optional().describe('Class labels in the model output order'),
    batchSize: z.number().int().positive().default(4096),
    image: z
      .object({
        shape: z.tuple([z.number().int(), z.number().int(), z.number().int()]).describe('[channels, height, width]'),
        scale: z.number().default(1 / 255),
      })
      .strict()
      .optional(),
  })
  .strict();

export const HttpModel = z
  .object({
    type: z.literal('http'),
    url: z.url(),
    method: z.enum(['POST', 'PUT']).default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
    auth: z
      .object({
        header: nonEmpty.default('Authorization'),
        env: nonEmpty.describe('Environment variable holding the secret (never written to results)'),
        prefix: z.string().default('Bearer '),
      })
      .strict()
      .optional(),
    request: z
      .unknown()
      .default({ instances: '$rows' })
      .describe('JSON body template: the string "$rows" is replaced by the batch (array of objects)'),
    response: z
      .object({
        labels: z.string().optional().describe('Dotted path to the predicted labels array, e.g. "predictions"'),
        probabilities: z.string().optional().describe('Dotted path to an array of per-class probability arrays'),
        scores: z.string().optional().describe('Dotted path to an array of positive-class scores'),
        values: z.string().optional().describe('Regression: dotted path to the predicted values'),
      })
      .strict()
      .default({ labels: 'predictions' }),
    preprocessing: z.union([Preprocessing, nonEmpty]).optional(),
    classes: z.array(z.union([z.string(), z.number()])).optional(),
    batchSize: z.number().int().positive().default(256),
    concurrency: z.number().int().positive().max(64).default(4),
    timeoutMs: z.number().int().positive().default(30_000),
    retries: z.number().int().min(0).max(10).default(3),
    backoffMs: z.number().int().min(0).default(200),
  })
  .strict();

export const PredictionsModel = z
  .object({
    type: z.literal('predictions'),
    label: nonEmpty.describe('Column holding the predicted label (or value for regression)'),
    score: nonEmpty.optional().describe('Binary: column holding the positive-class probability'),
    probabilities: z
      .array(nonEmpty)
      .optional()
      .describe('Multiclass: one probability column per class, in `classes` order'),
  })
  .strict();

export const ModelSpec = z.discriminatedUnion('type', [OnnxModel, HttpModel, PredictionsModel]);
export type ModelSpec = z.infer<typeof ModelSpec>;

/** `">= 0.8"`, `"< 0.1"`, or `{ min: 0.8 }` / `{ max: 0.1 }`. */
export const Threshold = z.union([
  z.string().regex(/^\s*(>=|<=|>|<|==)\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/, 'expected "<op> <number>", e.g. ">= 0.8"'),
  z
    .object({ min: z.number().optional(), max: z.number().optional() })
    .strict()
    .refine((t) => t.min !== undefined || t.max !== undefined, 'give min, max or both'),
]);

export const TestSpec = z
  .object({
    id: nonEmpty.describe('Test id from the registry, e.g. fairness.classification'),
    params: z.record(z.string(), z.unknown()).default({}).describe('Parameters, validated by the test'),
    thresholds: z.record(z.string(), Threshold).default({}).describe('metric name -> condition for `passed`'),
  })
  .strict();
export type TestSpec = z.infer<typeof TestSpec>;

export const ProcessChecks = z
  .object({
    path: nonEmpty.describe('Process-check answers (YAML/JSON) written from `assay checklist`'),
  })
  .strict();

export const Plan = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).default(1),
    name: nonEmpty.default('Assessment'),
    description: z.string().optional(),
    task: Task,
    seed: z.number().int().min(0).default(0),
    data: DataSpec,
    target: nonEmpty.describe('Ground-truth column'),
    features: z
      .array(nonEmpty)
      .optional()
      .describe('Feature columns (default: those of the preprocessing spec, or every other column)'),
    sensitive: z
      .array(nonEmpty)
      .default([])
      .describe('Sensitive attribute columns; several mean intersectional groups'),
    positiveLabel: z.union([z.string(), z.number(), z.boolean()]).optional().describe('Binary: the favourable label'),
    classes: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('Declared labels (default: from the model spec, else the distinct target values)'),
    weight: nonEmpty.optional().describe('Sample-weight column (non-negative numbers); default: every row weighs 1'),
    reference: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('Reference (privileged) group: attribute -> value'),
    model: ModelSpec,
    tests: z.array(TestSpec).default([]),
    processChecks: ProcessChecks.optional(),
    output: nonEmpty.default('assay-out').describe('Output folder, relative to the config file'),
  })
  .strict();

export type Plan = z.infer<typeof Plan>;
export type PlanInput = z.input<typeof Plan>;
