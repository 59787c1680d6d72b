/**
 * Builds small float32 ONNX models for tests, byte by byte (field numbers from onnx/onnx `onnx/onnx.proto`),
 * so tests can cover graph shapes no fixture has. Only what the tests use: float tensors, MatMul / Add /
 * Softmax / Gemm nodes, opset 13.
 */

function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
  return out;
}
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const len = (field: number, payload: Uint8Array) =>
  cat(Uint8Array.from([...varint(field * 8 + 2), ...varint(payload.length)]), payload);
const str = (field: number, s: string) => len(field, new TextEncoder().encode(s));
const int = (field: number, v: number) => Uint8Array.from([...varint(field * 8), ...varint(v)]);

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, number>;
}

function floatTensor(name: string, dims: number[], values: number[]): Uint8Array {
  return cat(
    ...dims.map((d) => int(1, d)),
    int(2, 1),
    str(8, name),
    len(9, new Uint8Array(Float32Array.from(values).buffer)),
  );
}

function valueInfo(name: string, dims: (number | string)[]): Uint8Array {
  const shape = cat(...dims.map((d) => len(1, typeof d === 'number' ? int(1, d) : str(2, d))));
  return cat(str(1, name), len(2, len(1, cat(int(1, 1), len(2, shape)))));
}

function node(n: Node, i: number): Uint8Array {
  const attrs = Object.entries(n.attrs ?? {}).map(([k, v]) => len(5, cat(str(1, k), int(3, v), int(20, 2))));
  return cat(
    ...n.inputs.map((s) => str(1, s)),
    ...n.outputs.map((s) => str(2, s)),
    str(3, `n${i}`),
    str(4, n.op),
    ...attrs,
  );
}

/** A model with one float input [N, width] named `input` and the given float outputs ([N, k]). */
export function buildModel(opts: {
  width: number;
  nodes: Node[];
  initializers: { name: string; dims: number[]; values: number[] }[];
  outputs: { name: string; dims: (number | string)[] }[];
}): Uint8Array {
  const graph = cat(
    ...opts.nodes.map((n, i) => len(1, node(n, i))),
    str(2, 'test'),
    ...opts.initializers.map((t) => len(5, floatTensor(t.name, t.dims, t.values))),
    len(11, valueInfo('input', ['N', opts.width])),
    ...opts.outputs.map((o) => len(12, valueInfo(o.name, o.dims))),
  );
  // ir_version 8, opset 13 (default domain)
  return cat(int(1, 8), len(7, graph), len(8, int(2, 13)));
}
