/**
 * A variant of a tabular ONNX model that evaluates KernelSHAP's synthetic rows without building them.
 *
 * KernelSHAP evaluates f(z) on z_cb = m_c∘x + (1 − m_c)∘bg_b for every coalition mask m_c and background row
 * bg_b. Building those rows costs as much as a small MLP spends on them (written in JS: ~10 scattered stores
 * per row; broadcast in onnxruntime with Where: measured 2× the model's time). But when the model's input feeds
 * one linear layer (Gemm or MatMul with constant weights W, bias β), that layer's output on z_cb is
 *
 *   z_cb·W + β = Σ_j m_cj (x_j − bg_bj) W_j· + (bg_b·W + β)
 *
 * i.e. ONE matrix product [m_c | 1] × Coef, with Coef = [(x_j − bg_bj) W_jk]_(j, bk) stacked on [bg_b·W + β]_(bk):
 * the same multiply-adds as the layer on materialised rows, and no rows. The rest of the graph is unchanged.
 *
 *   __assay_mask  float [C, W+1]  the coalition masks (1 = the column comes from the row), then a column of 1s
 *   __assay_row   float [1, W]    the explained row (encoded)
 *   __assay_bg    float [B, W]    the background (encoded)
 *   __assay_w     double [B·K', K'] background weights spread per output;  __assay_vshape  int64 [2] = [C, B·K']
 *   → __assay_v   double [C, K']  Σ_b w_b · output(z_cb): KernelSHAP's v(S), so only C rows come back
 *
 * Results equal the model on the materialised rows up to float32 rounding (the sum is ordered differently);
 * tests bound the difference. The file is rewritten at the protobuf level (field numbers from onnx/onnx
 * `onnx/onnx.proto`). Models whose input does not go straight into one such layer are left alone (undefined).
 */
import ort from 'onnxruntime-node';
import { readOnnxGraph } from './onnxProto.js';
import type { ErrorLocation } from '../errors.js';
import { ELEM, int64Tensor, intAttr, intsAttr, nodeProto, tensorValueInfo } from './onnxWrite.js';
import { assertFinite } from './outputs.js';
import { concat, lenField, ProtoReader, type ProtoField, splitFields } from './protobuf.js';

export const MASK_INPUT = '__assay_mask';
export const ROW_INPUT = '__assay_row';
export const BACKGROUND_INPUT = '__assay_bg';
/** Background weights (summing to 1) as a double [B·K', K'] matrix: row b·K' + k holds w_b in column k. */
export const WEIGHTS_INPUT = '__assay_w';
/** int64 [C, B·K'] — the shape the chosen output is viewed in before averaging (B is only known per call). */
export const VSHAPE_INPUT = '__assay_vshape';
/** double [C, K']: the background-weighted mean of the chosen output for each coalition. */
export const VALUE_OUTPUT = '__assay_v';

/** The default-domain opset the model imports (0 when absent). */
function defaultOpset(model: ProtoField[]): number {
  let version = 0;
  for (const f of model) {
    if (f.field !== 8 || !f.payload) continue;
    let domain = '';
    let v = 0;
    for (const g of splitFields(f.payload)) {
      if (g.field === 1 && g.payload) domain = new TextDecoder().decode(g.payload);
      if (g.field === 2 && g.value !== undefined) v = g.value;
    }
    if (domain === '' || domain === 'ai.onnx') version = Math.max(version, v);
  }
  return version;
}

function valueInfoName(payload: Uint8Array): string | undefined {
  for (const g of splitFields(payload)) {
    if (g.field === 1 && g.payload) return new TextDecoder().decode(g.payload);
  }
  return undefined;
}

interface TensorFacts {
  dims: number[];
}

/** Names and dims of the graph's initializers (GraphProto field 5 → TensorProto dims 1, name 8). */
function initializerDims(graph: ProtoField[]): Map<string, TensorFacts> {
  const out = new Map<string, TensorFacts>();
  for (const f of graph) {
    if (f.field !== 5 || !f.payload) continue;
    const dims: number[] = [];
    let name = '';
    for (const g of splitFields(f.payload)) {
      if (g.field === 8 && g.payload) name = new TextDecoder().decode(g.payload);
      else if (g.field === 1 && g.value !== undefined) dims.push(g.value);
      else if (g.field === 1 && g.payload) {
        const packed = new ProtoReader(g.payload);
        while (!packed.done()) dims.push(packed.varint());
      }
    }
    out.set(name, { dims });
  }
  return out;
}

/**
 * Rewrites `model` (ONNX bytes) so the linear layer fed by input `inputName` ([N, width] float) is computed
 * from mask, row and background inputs (see the header). Undefined when the model does not have that form.
 */
export function maskedModelBytes(
  model: Uint8Array,
  inputName: string,
  width: number,
  /** The output averaged over the background, and its width per row (1 for [N] outputs). */
  output: { name: string; width: number },
): Uint8Array | undefined {
  let parsed: ReturnType<typeof readOnnxGraph>;
  try {
    parsed = readOnnxGraph(model);
  } catch {
    return undefined;
  }
  const consumers = parsed.nodes.filter((n) => n.inputs.includes(inputName));
  if (consumers.length !== 1) return undefined;
  const layer = consumers[0];
  if (layer.domain !== '' && layer.domain !== 'ai.onnx') return undefined;
  if (layer.inputs[0] !== inputName || layer.outputs.length !== 1) return undefined;
  const attr = (k: string) => layer.attributes.get(k);
  let transB = false;
  if (layer.opType === 'Gemm') {
    if ((attr('transA')?.i ?? 0) !== 0) return undefined;
    if ((attr('alpha')?.f ?? 1) !== 1 || (attr('beta')?.f ?? 1) !== 1) return undefined;
    transB = (attr('transB')?.i ?? 0) === 1;
  } else if (layer.opType !== 'MatMul') return undefined;

  const top = splitFields(model);
  if (defaultOpset(top) < 9) return undefined;
  const graphAt = top.findIndex((f) => f.field === 7 && f.payload);
  if (graphAt < 0) return undefined;
  const graph = splitFields(top[graphAt].payload!);
  const inits = initializerDims(graph);
  const weight = inits.get(layer.inputs[1]);
  if (weight?.dims.length !== 2) return undefined;
  const [w0, w1] = transB ? [weight.dims[1], weight.dims[0]] : weight.dims;
  if (w0 !== width) return undefined;
  const k = w1;
  const bias = layer.opType === 'Gemm' ? layer.inputs[2] : undefined;
  if (bias) {
    const b = inits.get(bias);
    const size = b?.dims.reduce((a, v) => a * v, 1);
    if (!b || size !== k || b.dims.length > 2) return undefined;
  }

  const p = '__assay_';
  const out = layer.outputs[0];
  const nodes: Uint8Array[] = [];
  const add = (op: string, inputs: string[], output: string, attrs: Uint8Array[] = []) =>
    nodes.push(lenField(1, nodeProto(op, inputs, [output], `${output}_node`, attrs)));
  const wk = transB ? `${p}wk` : layer.inputs[1];
  if (transB) add('Transpose', [layer.inputs[1]], wk, [intsAttr('perm', [1, 0])]);
  add('Sub', [ROW_INPUT, BACKGROUND_INPUT], `${p}d`); // [B, W]
  add('Transpose', [`${p}d`], `${p}dt`, [intsAttr('perm', [1, 0])]); // [W, B]
  add('Reshape', [`${p}dt`, `${p}s_wb1`], `${p}dt3`); // [W, B, 1]
  add('Reshape', [wk, `${p}s_w1k`], `${p}wk3`); // [W, 1, K]
  add('Mul', [`${p}dt3`, `${p}wk3`], `${p}r`); // [W, B, K]
  add('Reshape', [`${p}r`, `${p}s_w_bk`], `${p}rf`); // [W, B·K]
  add('MatMul', [BACKGROUND_INPUT, wk], `${p}g`); // [B, K]
  if (bias) add('Add', [`${p}g`, bias], `${p}gb`);
  add('Reshape', [bias ? `${p}gb` : `${p}g`, `${p}s_1_bk`], `${p}gf`); // [1, B·K]
  add('Concat', [`${p}rf`, `${p}gf`], `${p}coef`, [intAttr('axis', 0)]); // [W+1, B·K]
  add('MatMul', [MASK_INPUT, `${p}coef`], `${p}h`); // [C, B·K]
  add('Reshape', [`${p}h`, `${p}s_n_k`], out); // [C·B, K]: the layer's output
  // v(S): the chosen output averaged over the background with the given weights, in double precision, so
  // only C rows come back to JS instead of C·B.
  // One product: the outputs of a coalition's B rows side by side ([C, B·K']) times the weights spread over
  // a [B·K', K'] matrix (w_b where the column's output index matches), not C small ones.
  add('Cast', [output.name], `${p}o64`, [intAttr('to', ELEM.DOUBLE)]);
  add('Reshape', [`${p}o64`, VSHAPE_INPUT], `${p}o2`); // [C, B·K']
  add('MatMul', [`${p}o2`, WEIGHTS_INPUT], VALUE_OUTPUT); // [C, K']

  const layerBytes = graph.filter((f) => f.field === 1 && f.payload);
  const layerIndex = parsed.nodes.indexOf(layer);
  const kept = graph.filter(
    (f) =>
      !(f.field === 11 && f.payload && valueInfoName(f.payload) === inputName) &&
      !(f.field === 1 && f === layerBytes[layerIndex]),
  );
  const tail = [
    lenField(5, int64Tensor(`${p}s_wb1`, [0, -1, 1])),
    lenField(5, int64Tensor(`${p}s_w1k`, [0, 1, -1])),
    lenField(5, int64Tensor(`${p}s_w_bk`, [0, -1])),
    lenField(5, int64Tensor(`${p}s_1_bk`, [1, -1])),
    lenField(5, int64Tensor(`${p}s_n_k`, [-1, k])),
    lenField(11, tensorValueInfo(MASK_INPUT, ELEM.FLOAT, ['C', width + 1])),
    lenField(11, tensorValueInfo(ROW_INPUT, ELEM.FLOAT, [1, width])),
    lenField(11, tensorValueInfo(BACKGROUND_INPUT, ELEM.FLOAT, ['B', width])),
    lenField(11, tensorValueInfo(WEIGHTS_INPUT, ELEM.DOUBLE, ['BK', output.width])),
    lenField(11, tensorValueInfo(VSHAPE_INPUT, ELEM.INT64, [2])),
    lenField(12, tensorValueInfo(VALUE_OUTPUT, ELEM.DOUBLE, ['C', output.width])),
  ];
  // New nodes first: ONNX asks for nodes in topological order, and only they read the new inputs.
  const newGraph = concat(...nodes, ...kept.map((f) => f.bytes), ...tail);
  return concat(
    ...top.slice(0, graphAt).map((f) => f.bytes),
    lenField(7, newGraph),
    ...top.slice(graphAt + 1).map((f) => f.bytes),
  );
}

/** The background weights as the [B·K, K] matrix the graph averages with (w_b at row b·K + k, column k). */
function spreadWeights(weights: Float64Array, nb: number, k: number): ort.Tensor {
  const m = new Float64Array(nb * k * k);
  for (let b = 0; b < nb; b++) for (let t = 0; t < k; t++) m[(b * k + t) * k + t] = weights[b];
  return new ort.Tensor('float64', m, [nb * k, k]);
}

export interface MaskedRunner {
  /**
   * v(S) for `count` coalition masks (count × width) of one explained row over the background: the chosen
   * output averaged with `weights`, count × output.width in the model's own output order; undefined when the
   * model does not have the form this needs (the caller builds the rows instead).
   */
  run(
    masks: Uint8Array,
    count: number,
    row: Float32Array,
    background: Float32Array,
    weights: Float64Array,
    nb: number,
  ): Promise<Float64Array | undefined>;
  release(): Promise<void>;
}

/** Opens (on first use) an onnxruntime session on the rewritten model. */
export function maskedRunner(opts: {
  model: Uint8Array;
  inputName: string;
  width: number;
  output: { name: string; width: number };
  options: ort.InferenceSession.SessionOptions;
  where: ErrorLocation;
}): MaskedRunner {
  const { width, output } = opts;
  let opened: Promise<ort.InferenceSession | undefined> | undefined;
  const session = (): Promise<ort.InferenceSession | undefined> => {
    opened ??= (async () => {
      const bytes = maskedModelBytes(opts.model, opts.inputName, width, output);
      // A model ORT cannot take in this form falls back to built rows: same values, only slower.
      return bytes ? ort.InferenceSession.create(bytes, opts.options).catch(() => undefined) : undefined;
    })();
    return opened;
  };
  let maskCache: { masks: Buffer; tensor: ort.Tensor } | undefined;
  return {
    async run(masks, count, row, background, weights, nb) {
      const s = await session();
      if (!s) return undefined;
      // The same masks come back for every explained row of a chunk: convert them once.
      const w1 = width + 1;
      const mk = Buffer.from(masks.buffer, masks.byteOffset, count * width);
      if (!maskCache?.masks.equals(mk)) {
        const f = new Float32Array(count * w1);
        for (let c = 0; c < count; c++) {
          for (let j = 0; j < width; j++) f[c * w1 + j] = masks[c * width + j];
          f[c * w1 + width] = 1;
        }
        maskCache = { masks: Buffer.from(mk), tensor: new ort.Tensor('float32', f, [count, w1]) };
      }
      const res = await s.run(
        {
          [MASK_INPUT]: maskCache.tensor,
          [ROW_INPUT]: new ort.Tensor('float32', row.subarray(0, width), [1, width]),
          [BACKGROUND_INPUT]: new ort.Tensor('float32', background.subarray(0, nb * width), [nb, width]),
          [WEIGHTS_INPUT]: spreadWeights(weights, nb, output.width),
          [VSHAPE_INPUT]: new ort.Tensor('int64', BigInt64Array.of(BigInt(count), BigInt(nb * output.width)), [2]),
        },
        [VALUE_OUTPUT],
      );
      // A NaN or ±Infinity from any synthetic row reaches its coalition's mean, so checking the means suffices.
      const v = (res[VALUE_OUTPUT] as ort.Tensor).data as Float64Array;
      assertFinite(v, `model output '${output.name}' (averaged over the background)`, output.width, 0, opts.where);
      return v;
    },
    async release() {
      await (await opened)?.release();
    },
  };
}
