/**
 * The `onnx` adapter: a model file run in-process by onnxruntime-node.
 *
 * Everything that can be wrong with the file is found when the model is opened, before any test runs:
 * a missing file, bytes that are not ONNX, an input width that differs from the preprocessing, an output
 * whose shape does not fit the task or the declared classes (checked on the metadata and on a 2-row probe).
 * Inference is batched through one reused Float32Array per batch size.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import type { z } from 'zod';
import type { OnnxModel, Task } from '../config/schema.js';
import { AssayError, type ErrorLocation } from '../errors.js';
import { argmaxRowsInto, assertFinite, shapeText } from './outputs.js';
import { maskedRunner } from './onnxMasked.js';
import { modelPreprocessing, type PreprocessPlan } from './preprocess.js';
import type { EncodedAccess, Model, ModelIdentity, ModelInput, Prediction } from './types.js';

export type OnnxSpec = z.infer<typeof OnnxModel>;

export interface OpenModelOptions {
  /** Folder the spec's relative paths are resolved against (the config file's folder). */
  baseDir: string;
  task: Task;
  /** Config file, for error locations. */
  configPath?: string;
  /** Feature columns when the spec has no preprocessing (each becomes one numeric input). */
  features?: string[];
  /** onnxruntime intra-op threads (default: min(2, cores)). */
  threads?: number;
}

type Dims = readonly (number | string)[];
interface IoMeta {
  name: string;
  isTensor: boolean;
  type?: string;
  shape: Dims;
}

type OutputKind = 'probabilities' | 'labels' | 'prediction';

const FLOAT_TYPES = new Set(['float32', 'float64', 'float16']);

function metaOf(m: ort.InferenceSession.ValueMetadata): IoMeta {
  return m.isTensor
    ? { name: m.name, isTensor: true, type: m.type, shape: m.shape }
    : { name: m.name, isTensor: false, shape: [] };
}

/** The first `count` values of a numeric tensor as a float array (int64 labels are converted). */
function tensorNumbers(t: ort.Tensor, count: number): Float32Array | Float64Array {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array) return d.subarray(0, count);
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float64Array.from(d.subarray(0, count), Number);
  if (Array.isArray(d)) throw new Error('string tensor');
  return Float64Array.from((d as Int32Array).subarray(0, count));
}

function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // ORT's pool threads spin after each run by default; on a small machine that spinning starves the DuckDB
    // threads that produce the next batch (measured: 4.5x slower end to end on 2 cores), so let them sleep.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

export async function openOnnxModel(spec: OnnxSpec, opts: OpenModelOptions): Promise<Model> {
  const where: ErrorLocation = { file: spec.path, configPath: opts.configPath };
  const file = path.resolve(opts.baseDir, spec.path);
  if (!existsSync(file)) {
    throw new AssayError('FILE_NOT_FOUND', `model file ${spec.path} does not exist (looked in ${file})`, {
      ...where,
      configPath: opts.configPath ?? 'model.path',
    });
  }
  const bytes = readFileSync(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const threads = opts.threads ?? Math.max(1, Math.min(2, availableParallelism()));
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, sessionOptions(threads));
  } catch (e) {
    throw new AssayError(
      'MODEL_INVALID',
      `model file ${spec.path} is not a loadable ONNX model: ${(e as Error).message.slice(0, 300)}`,
      where,
      { cause: e },
    );
  }
  try {
    return await buildModel(session, spec, opts, { sha256, where, bytes, threads });
  } catch (e) {
    await session.release();
    throw e;
  }
}

async function buildModel(
  session: ort.InferenceSession,
  spec: OnnxSpec,
  opts: OpenModelOptions,
  facts: { sha256: string; where: ErrorLocation; bytes: Uint8Array; threads: number },
): Promise<Model> {
  const { where } = facts;
  const mismatch = (msg: string): AssayError => new AssayError('MODEL_SHAPE_MISMATCH', msg, where);
  const inputs = session.inputMetadata.map(metaOf);
  const outputs = session.outputMetadata.map(metaOf);

  // --- preprocessing / image layout
  let pre: PreprocessPlan | undefined;
  let rowWidth: number;
  let input: ModelInput;
  if (spec.image) {
    const [c, h, w] = spec.image.shape;
    rowWidth = c * h * w;
    input = { kind: 'image', shape: [c, h, w] };
  } else {
    pre = modelPreprocessing(spec.preprocessing, opts, {
      model: spec.path,
      purpose: 'the model input can be built',
      where,
    });
    rowWidth = pre.width;
    input = { kind: 'tabular', features: pre.features };
  }

  // --- input tensor
  const inputName = pickInput(inputs, spec.input ?? pre?.sidecar.inputName, spec.input !== undefined, mismatch);
  const inMeta = inputs.find((m) => m.name === inputName)!;
  if (!inMeta.isTensor || (inMeta.type !== undefined && inMeta.type !== 'float32')) {
    throw mismatch(`model input '${inputName}' is ${inMeta.type ?? 'not a tensor'}; expected a float32 tensor`);
  }
  const expectedIn: (number | string)[] = spec.image ? ['N', ...spec.image.shape] : ['N', rowWidth];
  const inShape = inMeta.shape;
  if (inShape.length > 0) {
    const bad =
      inShape.length !== expectedIn.length ||
      inShape.some((d, i) => i > 0 && typeof d === 'number' && d >= 0 && d !== expectedIn[i]);
    if (bad) {
      throw mismatch(
        `model input '${inputName}' has shape ${shapeText(inShape)}, but the ${spec.image ? 'image spec' : 'preprocessing'} ` +
          `produces ${shapeText(expectedIn)}`,
      );
    }
  }

  // --- outputs
  const classification = opts.task !== 'regression';
  const chosen = pickOutputs(outputs, spec, classification, pre?.sidecar.outputName, mismatch);
  const classes: (string | number)[] | undefined = spec.classes ?? pre?.sidecar.classes;
  const positiveIndex = spec.output.positiveIndex ?? pre?.sidecar.positiveIndex;

  // --- probe: a run on rows of zeros (2, or the fixed batch) catches what the metadata leaves symbolic
  // Some exports fix the batch dimension (often to 1): then every run has exactly that many rows (padded).
  const fixedBatch = typeof inShape[0] === 'number' && inShape[0] > 0 ? inShape[0] : undefined;
  const probeN = fixedBatch ?? 2;
  const probeIn = new ort.Tensor('float32', new Float32Array(probeN * rowWidth), [
    probeN,
    ...expectedIn.slice(1),
  ] as number[]);
  let probeOut: ort.InferenceSession.OnnxValueMapType;
  try {
    probeOut = await session.run({ [inputName]: probeIn });
  } catch (e) {
    throw mismatch(
      `model ${spec.path} rejected an input of shape ${shapeText([probeN, ...expectedIn.slice(1)])} ` +
        `(model input '${inputName}' ${shapeText(inShape)}): ${(e as Error).message.slice(0, 300)}`,
    );
  }
  let k = 0; // number of probability columns as the model gives them
  let binarySingle = false;
  if (chosen.probabilities) {
    const t = probeOut[chosen.probabilities] as ort.Tensor;
    const dims = t.dims;
    const declared = classes?.length;
    const ok2d = dims.length === 2 && dims[0] === probeN;
    const single = (dims.length === 1 && dims[0] === probeN) || (ok2d && dims[1] === 1);
    if (single && opts.task === 'binary-classification' && (declared === undefined || declared === 2)) {
      binarySingle = true;
      k = 2;
    } else if (!ok2d || (declared !== undefined && dims[1] !== declared) || dims[1] < 2) {
      throw mismatch(
        `model output '${chosen.probabilities}' has shape ${shapeText(dims)} for ${probeN} rows, but the spec expects ` +
          `[N, ${declared ?? 'K≥2'}]${classes ? ` (classes ${classes.join(', ')})` : ''}`,
      );
    } else {
      k = dims[1];
    }
    if (opts.task === 'binary-classification' && k !== 2) {
      throw mismatch(
        `model output '${chosen.probabilities}' has shape ${shapeText(dims)}, but a binary task expects [N, 2]`,
      );
    }
  }
  for (const name of [chosen.labels, chosen.prediction]) {
    if (!name) continue;
    const dims = (probeOut[name] as ort.Tensor).dims;
    const ok = (dims.length === 1 && dims[0] === probeN) || (dims.length === 2 && dims[0] === probeN && dims[1] === 1);
    if (!ok)
      throw mismatch(`model output '${name}' has shape ${shapeText(dims)} for ${probeN} rows; expected [N] or [N, 1]`);
  }
  // Binary models without declared classes: put the positive class at index 1, the run's convention.
  const swapBinary = classification && classes === undefined && k === 2 && positiveIndex === 0 && !binarySingle;

  const identity: ModelIdentity = {
    type: 'onnx',
    path: spec.path,
    sha256: facts.sha256,
    details: {
      input: { name: inputName, shape: inShape.map(String), type: inMeta.type ?? null },
      outputs: outputs.map((o) => ({ name: o.name, shape: o.shape.map(String), type: o.type ?? null })),
      used: chosen,
      inputWidth: rowWidth,
      preprocessing: spec.image ? 'image' : (pre?.source ?? (spec.preprocessing ? 'inline' : 'features')),
      batchSize: spec.batchSize,
    },
  };

  const batchSize = fixedBatch ?? spec.batchSize;
  const d = spec.image ? rowWidth : (pre?.features.length ?? 0);
  const inDims = expectedIn.slice(1) as number[];
  // Input buffers are pooled, not shared: concurrent predict calls each hold their own while ORT runs.
  const pool: Float32Array[] = [];
  const takeBuffer = (rows: number): Float32Array => {
    const b = pool.pop();
    return b && b.length >= rows * rowWidth ? b : new Float32Array(Math.max(rows, 1) * rowWidth);
  };

  /** Encodes (or copies) raw rows [start, start+m) into a pooled buffer and runs them. */
  const runBatch = async (x: Float64Array, start: number, m: number, out: Prediction): Promise<void> => {
    const rowsIn = fixedBatch ?? m;
    const buf = takeBuffer(rowsIn);
    try {
      const view = buf.subarray(0, rowsIn * rowWidth);
      if (pre) pre.encode(x.subarray(start * d, (start + m) * d), m, view);
      else view.set(x.subarray(start * rowWidth, (start + m) * rowWidth)); // native float64 → float32 conversion
      if (rowsIn > m) view.fill(0, m * rowWidth);
      await runEncoded(view, rowsIn, start, m, out);
    } finally {
      pool.push(buf);
    }
  };

  /** Runs an encoded tensor of `rowsIn` rows and stores the first m results at rows [start, start+m) of `out`. */
  const runEncoded = async (view: Float32Array, rowsIn: number, start: number, m: number, out: Prediction) => {
    const tensor = new ort.Tensor('float32', view, [rowsIn, ...inDims]);
    collect(await session.run({ [inputName]: tensor }), start, m, out);
  };

  /** Checks and stores the first m results of a run at rows [start, start+m) of `out`. */
  const collect = (res: ort.InferenceSession.OnnxValueMapType, start: number, m: number, out: Prediction) => {
    const loc = { ...where };
    if (chosen.prediction) {
      const vals = tensorNumbers(res[chosen.prediction] as ort.Tensor, m);
      assertFinite(vals, `model output '${chosen.prediction}'`, 1, start, loc);
      (out.labels as Float64Array).set(vals, start);
    }
    if (chosen.probabilities && out.proba) {
      const p = tensorNumbers(res[chosen.probabilities] as ort.Tensor, m * (binarySingle ? 1 : k));
      assertFinite(p, `model output '${chosen.probabilities}'`, binarySingle ? 1 : k, start, loc);
      const proba = out.proba;
      if (binarySingle) {
        for (let i = 0; i < m; i++) {
          proba[(start + i) * 2] = 1 - p[i];
          proba[(start + i) * 2 + 1] = p[i];
        }
      } else if (swapBinary) {
        for (let i = 0; i < m; i++) {
          proba[(start + i) * 2] = p[i * 2 + 1];
          proba[(start + i) * 2 + 1] = p[i * 2];
        }
      } else {
        proba.set(p, start * k);
      }
      if (!chosen.labels) argmaxRowsInto(proba, start, m, k, out.labels as Int32Array);
    }
    if (chosen.probabilities && !out.proba && !chosen.labels) {
      // Labels only (predictLabels): the argmax straight from the output tensor, without a float64 copy.
      const w = binarySingle ? 1 : k;
      const p = tensorNumbers(res[chosen.probabilities] as ort.Tensor, m * w);
      assertFinite(p, `model output '${chosen.probabilities}'`, w, start, loc);
      labelsFromProbabilities(p, m, k, binarySingle, swapBinary, out.labels as Int32Array, start);
    }
    if (chosen.labels) {
      const t = res[chosen.labels] as ort.Tensor;
      const labels = out.labels as Int32Array;
      const K = classes?.length ?? k;
      if (t.type === 'string') {
        const strs = t.data as string[];
        for (let i = 0; i < m; i++) {
          const idx = classes ? classes.findIndex((c) => String(c) === strs[i]) : -1;
          if (idx < 0) {
            throw new AssayError(
              'MODEL_OUTPUT_INVALID',
              `model output '${chosen.labels}' gave label '${strs[i]}' for batch row ${start + i}, which is not one of the classes ${classes?.join(', ') ?? '(none declared)'}`,
              { ...loc, row: start + i },
            );
          }
          labels[start + i] = idx;
        }
      } else {
        const v = tensorNumbers(t, m);
        for (let i = 0; i < m; i++) {
          const c = v[i];
          if (!Number.isInteger(c) || c < 0 || (K > 0 && c >= K)) {
            throw new AssayError(
              'MODEL_OUTPUT_INVALID',
              `model output '${chosen.labels}' gave ${c} for batch row ${start + i}; expected a class index in 0..${K - 1}`,
              { ...loc, row: start + i },
            );
          }
          labels[start + i] = swapBinary ? 1 - c : c;
        }
      }
    }
  };

  const newPrediction = (n: number): Prediction =>
    classification
      ? { labels: new Int32Array(n), ...(chosen.probabilities ? { proba: new Float64Array(n * k) } : {}) }
      : { labels: new Float64Array(n) };

  // KernelSHAP's coalition values without building the rows (src/models/onnxMasked.ts); opened on first use.
  const maskedOutput = classification ? chosen.probabilities : chosen.prediction;
  const maskedWidth = classification ? (binarySingle ? 1 : k) : 1;
  const masked =
    fixedBatch === undefined && maskedOutput && outputs.find((o) => o.name === maskedOutput)?.type === 'float32'
      ? maskedRunner({
          model: facts.bytes,
          inputName,
          width: rowWidth,
          output: { name: maskedOutput, width: maskedWidth },
          options: sessionOptions(facts.threads),
          where,
        })
      : undefined;

  /** The explainers' fast path: the adapter's own encoder, and predict on rows already encoded. */
  const encodedAccess = (plan: PreprocessPlan): EncodedAccess => {
    const columns: [number, number][] = [];
    let at = 0;
    for (const f of plan.features) {
      const w = f.kind === 'numeric' ? 1 : f.categories.length;
      columns.push([at, at + w]);
      at += w;
    }
    return {
      width: plan.width,
      columns,
      encode: (raw, n) => plan.encode(raw, n),
      async predictEncoded(x: Float32Array, n: number): Promise<Prediction> {
        if (x.length < n * rowWidth) {
          throw new AssayError(
            'INTERNAL',
            `predictEncoded: got ${x.length} values for ${n} rows of ${rowWidth}`,
            where,
          );
        }
        const out = newPrediction(n);
        for (let s = 0; s < n; s += batchSize) {
          const m = Math.min(batchSize, n - s);
          const rows = x.subarray(s * rowWidth, (s + m) * rowWidth);
          if (fixedBatch === undefined || fixedBatch === m) {
            await runEncoded(rows, m, s, m, out);
          } else {
            const buf = takeBuffer(fixedBatch);
            try {
              const view = buf.subarray(0, fixedBatch * rowWidth);
              view.set(rows);
              view.fill(0, m * rowWidth);
              await runEncoded(view, fixedBatch, s, m, out);
            } finally {
              pool.push(buf);
            }
          }
        }
        return out;
      },
      async expectMasked(masks, count, row, background, weights, nb) {
        if (classification && !chosen.probabilities) throw labelsOnly();
        const v = await masked?.run(masks, count, row, background, weights, nb);
        if (!v) {
          // The model's input does not feed one linear layer (or ORT refused the rewrite): build the rows here.
          const kOut = classification ? k : 1;
          const n = count * nb;
          const x = new Float32Array(n * rowWidth);
          for (let c = 0, o = 0; c < count; c++)
            for (let b = 0; b < nb; b++, o += rowWidth)
              for (let j = 0; j < rowWidth; j++)
                x[o + j] = masks[c * rowWidth + j] ? row[j] : background[b * rowWidth + j];
          const y = explainedOutputs(await this.predictEncoded(x, n));
          const mean = new Float64Array(count * kOut);
          for (let c = 0, i = 0; c < count; c++)
            for (let b = 0; b < nb; b++, i++)
              for (let t = 0; t < kOut; t++) mean[c * kOut + t] += weights[b] * y[i * kOut + t];
          return mean;
        }
        if (!classification || (!binarySingle && !swapBinary)) return v;
        // The run's class order: a single column p is [1 − p, p]; a swapped binary output is [p1, p0].
        const out = new Float64Array(count * 2);
        for (let c = 0; c < count; c++) {
          out[2 * c] = binarySingle ? 1 - v[c] : v[2 * c + 1];
          out[2 * c + 1] = binarySingle ? v[c] : v[2 * c];
        }
        return out;
      },
    };
  };

  /** What explainers read: the class probabilities (n × K) or the regression predictions (n). */
  const explainedOutputs = (p: Prediction): Float64Array => {
    if (!classification) return p.labels as Float64Array;
    if (!p.proba) throw labelsOnly();
    return p.proba;
  };
  const labelsOnly = () =>
    new AssayError(
      'MODEL_OUTPUT_INVALID',
      `model ${spec.path} gives labels only; explanations need its probability output (model.output.probabilities)`,
      { ...where, configPath: 'model.output' },
    );

  const model: Model = {
    identity,
    input,
    ...(classification && classes ? { classes } : {}),
    canPredict: true,
    async predict(x: Float64Array, n: number): Promise<Prediction> {
      const need = n * (spec.image ? rowWidth : d);
      if (x.length < need) {
        throw new AssayError('INTERNAL', `predict: got ${x.length} values for ${n} rows; expected ${need}`, where);
      }
      const out = newPrediction(n);
      for (let s = 0; s < n; s += batchSize) await runBatch(x, s, Math.min(batchSize, n - s), out);
      return out;
    },
    ...(classification
      ? {
          async predictLabels(x: Float64Array, n: number): Promise<Int32Array> {
            const need = n * (spec.image ? rowWidth : d);
            if (x.length < need) {
              throw new AssayError(
                'INTERNAL',
                `predictLabels: got ${x.length} values for ${n} rows; expected ${need}`,
                where,
              );
            }
            const out: Prediction = { labels: new Int32Array(n) };
            for (let s = 0; s < n; s += batchSize) await runBatch(x, s, Math.min(batchSize, n - s), out);
            return out.labels as Int32Array;
          },
        }
      : {}),
    ...(pre ? { encoded: encodedAccess(pre) } : {}),
    async close(): Promise<void> {
      await session.release();
      await masked?.release();
    },
  };
  return model;
}

/**
 * Class indexes from a probability output, as `argmaxRowsInto` over the Prediction's probabilities would give
 * them: a single column p means [1 − p, p], a swapped binary output means [p1, p0]; ties to the lower index.
 */
function labelsFromProbabilities(
  p: Float32Array | Float64Array,
  m: number,
  k: number,
  single: boolean,
  swapped: boolean,
  out: Int32Array,
  start: number,
): void {
  if (single) for (let i = 0; i < m; i++) out[start + i] = p[i] > 1 - p[i] ? 1 : 0;
  else if (swapped) for (let i = 0; i < m; i++) out[start + i] = p[2 * i] > p[2 * i + 1] ? 1 : 0;
  else argmaxRowsInto(p, 0, m, k, out, start);
}

function pickInput(
  inputs: IoMeta[],
  wanted: string | undefined,
  explicit: boolean,
  mismatch: (m: string) => AssayError,
): string {
  const names = inputs.map((i) => i.name);
  if (wanted !== undefined && names.includes(wanted)) return wanted;
  if (wanted !== undefined && explicit) {
    throw mismatch(`model has no input named '${wanted}' (inputs: ${names.join(', ')})`);
  }
  if (inputs.length === 1) return names[0];
  throw mismatch(`model has ${inputs.length} inputs (${names.join(', ')}); set model.input to the feature tensor`);
}

function pickOutputs(
  outputs: IoMeta[],
  spec: OnnxSpec,
  classification: boolean,
  sidecarOutput: string | undefined,
  mismatch: (m: string) => AssayError,
): Partial<Record<OutputKind, string>> {
  const names = outputs.map((o) => o.name);
  const need = (name: string, key: string): string => {
    if (!names.includes(name))
      throw mismatch(`model has no output named '${name}' (${key}; outputs: ${names.join(', ')})`);
    return name;
  };
  const o = spec.output;
  if (!classification) {
    if (o.prediction) return { prediction: need(o.prediction, 'model.output.prediction') };
    if (o.labels) return { prediction: need(o.labels, 'model.output.labels') };
    const guess = [sidecarOutput, 'prediction', 'variable'].find((n) => n && names.includes(n));
    if (guess) return { prediction: guess };
    if (outputs.length === 1) return { prediction: names[0] };
    throw mismatch(`model has outputs ${names.join(', ')}; set model.output.prediction`);
  }
  const chosen: Partial<Record<OutputKind, string>> = {};
  if (o.probabilities) chosen.probabilities = need(o.probabilities, 'model.output.probabilities');
  if (o.labels) chosen.labels = need(o.labels, 'model.output.labels');
  if (chosen.probabilities || chosen.labels) return chosen;
  const isFloat = (n: string): boolean => FLOAT_TYPES.has(outputs.find((m) => m.name === n)?.type ?? '');
  const guess = [sidecarOutput, 'probabilities', 'probs', 'output_probability'].find(
    (n) => n && names.includes(n) && isFloat(n),
  );
  if (guess) return { probabilities: guess };
  const tensors = outputs.filter((m) => m.isTensor);
  if (tensors.length === 1)
    return isFloat(tensors[0].name) ? { probabilities: tensors[0].name } : { labels: tensors[0].name };
  throw mismatch(`model has outputs ${names.join(', ')}; set model.output.probabilities or model.output.labels`);
}
