/**
 * Preprocessing: the description of how RAW feature rows become the model's input tensor.
 *
 * A spec is inline (`{ columns: [...] }`) or a path to a sidecar JSON whose `columns` array has the format of
 * the fixtures' `*_mlp.json` files: numeric columns are standardised as (x − mean) / std in float64, then cast
 * to float32; categorical columns become a one-hot block in category order (code −1 = unknown → all zeros).
 * The raw matrix holds category codes, not strings, so the encoder is a tight typed-array loop.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type FeatureColumn, Preprocessing } from '../config/schema.js';
import { AssayError } from '../errors.js';
import type { FeatureInfo } from './types.js';

export type PreprocessingSpec = z.infer<typeof Preprocessing> | string;

/** What a sidecar may add besides `columns` (all optional). */
export interface SidecarFacts {
  classes?: (string | number)[];
  positiveIndex?: number;
  inputName?: string;
  outputName?: string;
}

export interface PreprocessPlan {
  features: FeatureInfo[];
  /** Width of the model input (sum of 1 per numeric and K per categorical feature). */
  width: number;
  /** Expanded input names, e.g. "checking_status=<0", "duration". */
  inputNames: string[];
  /** Encodes n raw rows (row-major n × features.length) into the model input (row-major n × width). */
  encode(raw: Float64Array, n: number, out?: Float32Array): Float32Array;
  sidecar: SidecarFacts;
  /** Sidecar path relative to the base directory, when the spec was a file. */
  source?: string;
}

const Sidecar = z
  .object({
    columns: Preprocessing.shape.columns,
    classes: z.array(z.union([z.string(), z.number()])).optional(),
    positive_index: z.number().int().min(0).optional(),
    input: z.object({ name: z.string().optional() }).passthrough().optional(),
    output: z.object({ name: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

/** Reads and validates a preprocessing spec (inline or sidecar file). */
export function loadPreprocessing(
  spec: PreprocessingSpec,
  opts: { baseDir: string; configPath?: string },
): PreprocessPlan {
  if (typeof spec !== 'string') return buildPreprocess(spec.columns, {});
  const file = path.resolve(opts.baseDir, spec);
  if (!existsSync(file)) {
    throw new AssayError('FILE_NOT_FOUND', `preprocessing sidecar ${spec} does not exist (looked in ${file})`, {
      file: spec,
      configPath: opts.configPath,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AssayError('CONFIG_PARSE', `preprocessing sidecar ${spec} is not valid JSON: ${(e as Error).message}`, {
      file: spec,
      configPath: opts.configPath,
    });
  }
  const parsed = Sidecar.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AssayError(
      'CONFIG_INVALID',
      `preprocessing sidecar ${spec}: expected a "columns" array of numeric/categorical columns; ` +
        `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      { file: spec, configPath: opts.configPath },
    );
  }
  const s = parsed.data;
  const plan = buildPreprocess(s.columns, {
    classes: s.classes,
    positiveIndex: s.positive_index,
    inputName: s.input?.name,
    outputName: s.output?.name,
  });
  plan.source = spec;
  return plan;
}

/** Builds the features and the encoder from validated columns. */
export function buildPreprocess(columns: FeatureColumn[], sidecar: SidecarFacts): PreprocessPlan {
  const d = columns.length;
  const features: FeatureInfo[] = [];
  const inputNames: string[] = [];
  // Per raw column: offset in the output row, numeric mean/std (0/1 when absent), or the category count.
  const offset = new Int32Array(d);
  const mean = new Float64Array(d);
  const std = new Float64Array(d).fill(1);
  const ncat = new Int32Array(d); // 0 = numeric
  let width = 0;
  columns.forEach((c, j) => {
    offset[j] = width;
    if (c.type === 'numeric') {
      features.push({
        kind: 'numeric',
        name: c.name,
        ...(c.integer !== undefined ? { integer: c.integer } : {}),
        ...(c.immutable !== undefined ? { immutable: c.immutable } : {}),
        ...(c.min !== undefined ? { min: c.min } : {}),
        ...(c.max !== undefined ? { max: c.max } : {}),
      });
      mean[j] = c.mean ?? 0;
      std[j] = c.std ?? 1;
      inputNames.push(c.name);
      width += 1;
    } else {
      features.push({
        kind: 'categorical',
        name: c.name,
        categories: [...c.categories],
        ...(c.immutable !== undefined ? { immutable: c.immutable } : {}),
      });
      ncat[j] = c.categories.length;
      for (const cat of c.categories) inputNames.push(`${c.name}=${cat}`);
      width += c.categories.length;
    }
  });

  const encode = (raw: Float64Array, n: number, out?: Float32Array): Float32Array => {
    if (raw.length < n * d) throw new Error(`encode: raw matrix has ${raw.length} values, expected ${n}×${d}`);
    const y = out && out.length >= n * width ? out : new Float32Array(n * width);
    if (out === y) y.fill(0, 0, n * width);
    for (let i = 0; i < n; i++) {
      const rin = i * d;
      const rout = i * width;
      for (let j = 0; j < d; j++) {
        const v = raw[rin + j];
        const k = ncat[j];
        if (k === 0) {
          y[rout + offset[j]] = (v - mean[j]) / std[j]; // float64 math, stored as float32
        } else {
          const code = v | 0; // NaN and fractions fail the equality below and count as unknown
          if (code === v && code >= 0 && code < k) y[rout + offset[j] + code] = 1;
        }
      }
    }
    return y;
  };

  return { features, width, inputNames, encode, sidecar };
}

/** Features for models without a preprocessing spec: every named column is a numeric input. */
export function numericPlan(names: string[]): PreprocessPlan {
  return buildPreprocess(
    names.map((name) => ({ type: 'numeric' as const, name })),
    {},
  );
}
