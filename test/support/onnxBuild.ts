/**
 * Builds small float32 ONNX models for tests (with Assay's own ONNX writers, src/models/onnxWrite.ts), so tests
 * can cover graph shapes no fixture has: float initializers, nodes with int attributes, opset 13.
 */
import { ELEM, floatTensor, intAttr, nodeProto, tensorValueInfo } from '../../src/models/onnxWrite.js';
import { concat, intField, lenField, stringField } from '../../src/models/protobuf.js';

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, number>;
}

/** A model with one float input [N, width] named `input` and the given float outputs ([N, k]). */
export function buildModel(opts: {
  width: number;
  nodes: Node[];
  initializers: { name: string; dims: number[]; values: number[] }[];
  outputs: { name: string; dims: (number | string)[] }[];
}): Uint8Array {
  const nodes = opts.nodes.map((n, i) =>
    nodeProto(
      n.op,
      n.inputs,
      n.outputs,
      `n${i}`,
      Object.entries(n.attrs ?? {}).map(([k, v]) => intAttr(k, v)),
    ),
  );
  const graph = concat(
    ...nodes.map((n) => lenField(1, n)),
    stringField(2, 'test'),
    ...opts.initializers.map((t) => lenField(5, floatTensor(t.name, t.dims, t.values))),
    lenField(11, tensorValueInfo('input', ELEM.FLOAT, ['N', opts.width])),
    ...opts.outputs.map((o) => lenField(12, tensorValueInfo(o.name, ELEM.FLOAT, o.dims))),
  );
  // ir_version 8, opset 13 (default domain)
  return concat(intField(1, 8), lenField(7, graph), lenField(8, intField(2, 13)));
}
