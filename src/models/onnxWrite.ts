/**
 * Writers for the few ONNX messages Assay builds (field numbers from onnx/onnx `onnx/onnx.proto`): nodes with
 * int / ints attributes, tensor ValueInfos, and int64 / float initializers.
 */
import { concat, intField, lenField, stringField } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const ELEM = { FLOAT: 1, INT64: 7, DOUBLE: 11 } as const;

/** AttributeProto with one int (field 3, type INT = 2). */
export function intAttr(name: string, value: number): Uint8Array {
  return concat(stringField(1, name), intField(3, value), intField(20, 2));
}

/** AttributeProto with ints (field 8, type INTS = 7). */
export function intsAttr(name: string, values: number[]): Uint8Array {
  return concat(stringField(1, name), ...values.map((v) => intField(8, v)), intField(20, 7));
}

/** NodeProto: inputs 1, outputs 2, name 3, op_type 4, attributes 5 (default domain). */
export function nodeProto(
  op: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attrs: Uint8Array[] = [],
): Uint8Array {
  return concat(
    ...inputs.map((s) => stringField(1, s)),
    ...outputs.map((s) => stringField(2, s)),
    stringField(3, name),
    stringField(4, op),
    ...attrs.map((a) => lenField(5, a)),
  );
}

/** ValueInfoProto of a tensor; dims are numbers (fixed) or names (symbolic). */
export function tensorValueInfo(name: string, elemType: number, dims: (number | string)[]): Uint8Array {
  const shape = concat(...dims.map((d) => lenField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d))));
  const tensor = concat(intField(1, elemType), lenField(2, shape));
  return concat(stringField(1, name), lenField(2, lenField(1, tensor)));
}

/** TensorProto initializer with raw little-endian data. */
function rawTensor(name: string, dims: number[], elemType: number, raw: ArrayBufferView): Uint8Array {
  return concat(
    ...dims.map((d) => intField(1, d)),
    intField(2, elemType),
    stringField(8, name),
    lenField(9, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)),
  );
}

export function int64Tensor(name: string, values: number[]): Uint8Array {
  return rawTensor(name, [values.length], ELEM.INT64, BigInt64Array.from(values.map((v) => BigInt(v))));
}

export function floatTensor(name: string, dims: number[], values: number[]): Uint8Array {
  return rawTensor(name, dims, ELEM.FLOAT, Float32Array.from(values));
}
