/**
 * A minimal reader for the parts of an ONNX file Assay needs (TreeSHAP, the masked KernelSHAP rewrite):
 * ModelProto.graph → GraphProto.node → NodeProto (op_type, domain, inputs, outputs, attributes) →
 * AttributeProto (f, i, s, floats, ints, strings, t).
 * Field numbers from onnx/onnx `onnx/onnx.proto3`. Written here rather than pulling in protobufjs plus the ONNX
 * schema: ~150 lines, no dependency, and it reads only what it needs.
 */

import { ProtoReader as Reader } from './protobuf.js';

export interface OnnxTensor {
  dims: number[];
  dataType: number;
  /** Values as doubles (float, double and integer types). */
  values: Float64Array;
}

export interface OnnxAttribute {
  name: string;
  f?: number;
  i?: number;
  s?: string;
  floats: number[];
  ints: number[];
  strings: string[];
  t?: OnnxTensor;
}

export interface OnnxNode {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  inputs: string[];
  outputs: string[];
}

const utf8 = new TextDecoder();

function readTensor(r: Reader): OnnxTensor {
  const dims: number[] = [];
  let dataType = 0;
  const values: number[] = [];
  let raw: Uint8Array | null = null;
  for (const [f, w] of r.fields()) {
    if (f === 1 && w === 2) {
      const p = r.sub();
      while (!p.done()) dims.push(p.int64());
    } else if (f === 1) dims.push(r.int64());
    else if (f === 2) dataType = r.varint();
    else if (f === 4 && w === 2) {
      const p = r.sub();
      while (!p.done()) values.push(p.float32());
    } else if (f === 4) values.push(r.float32());
    else if ((f === 5 || f === 7) && w === 2) {
      const p = r.sub();
      while (!p.done()) values.push(p.int64());
    } else if (f === 10 && w === 2) {
      const p = r.sub();
      while (!p.done()) values.push(p.float64());
    } else if (f === 10) values.push(r.float64());
    else if (f === 9) raw = r.bytes();
    else r.skip(w);
  }
  if (raw) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    // TensorProto.DataType: 1 FLOAT, 11 DOUBLE, 7 INT64, 6 INT32
    const size = dataType === 11 || dataType === 7 ? 8 : 4;
    for (let o = 0; o + size <= raw.byteLength; o += size) {
      if (dataType === 1) values.push(dv.getFloat32(o, true));
      else if (dataType === 11) values.push(dv.getFloat64(o, true));
      else if (dataType === 7) values.push(Number(dv.getBigInt64(o, true)));
      else if (dataType === 6) values.push(dv.getInt32(o, true));
      else throw new Error(`unsupported tensor data type ${dataType}`);
    }
  }
  return { dims, dataType, values: Float64Array.from(values) };
}

function readAttribute(r: Reader): OnnxAttribute {
  const a: OnnxAttribute = { name: '', floats: [], ints: [], strings: [] };
  for (const [f, w] of r.fields()) {
    if (f === 1) a.name = utf8.decode(r.bytes());
    else if (f === 2) a.f = r.float32();
    else if (f === 3) a.i = r.int64();
    else if (f === 4) a.s = utf8.decode(r.bytes());
    else if (f === 5) a.t = readTensor(r.sub());
    else if (f === 7 && w === 2) {
      const p = r.sub();
      while (!p.done()) a.floats.push(p.float32());
    } else if (f === 7) a.floats.push(r.float32());
    else if (f === 8 && w === 2) {
      const p = r.sub();
      while (!p.done()) a.ints.push(p.int64());
    } else if (f === 8) a.ints.push(r.int64());
    else if (f === 9) a.strings.push(utf8.decode(r.bytes()));
    else r.skip(w);
  }
  return a;
}

function readNode(r: Reader): OnnxNode {
  const n: OnnxNode = { opType: '', domain: '', name: '', inputs: [], outputs: [], attributes: new Map() };
  for (const [f, w] of r.fields()) {
    if (f === 1) n.inputs.push(utf8.decode(r.bytes()));
    else if (f === 2) n.outputs.push(utf8.decode(r.bytes()));
    else if (f === 3) n.name = utf8.decode(r.bytes());
    else if (f === 4) n.opType = utf8.decode(r.bytes());
    else if (f === 7) n.domain = utf8.decode(r.bytes());
    else if (f === 5) {
      const a = readAttribute(r.sub());
      n.attributes.set(a.name, a);
    } else r.skip(w);
  }
  return n;
}

/** ValueInfoProto.name (field 1). */
function readValueInfoName(r: Reader): string {
  let name = '';
  for (const [f, w] of r.fields()) {
    if (f === 1) name = utf8.decode(r.bytes());
    else r.skip(w);
  }
  return name;
}

/** Reads the main graph of an ONNX ModelProto. Throws on bytes that are not a ModelProto with a graph. */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  const top = new Reader(bytes);
  for (const [f, w] of top.fields()) {
    if (f === 7 && w === 2) {
      const g = top.sub();
      const graph: OnnxGraph = { nodes: [], inputs: [], outputs: [] };
      for (const [gf, gw] of g.fields()) {
        if (gf === 1) graph.nodes.push(readNode(g.sub()));
        else if (gf === 11) graph.inputs.push(readValueInfoName(g.sub()));
        else if (gf === 12) graph.outputs.push(readValueInfoName(g.sub()));
        else g.skip(gw);
      }
      return graph;
    }
    top.skip(w);
  }
  throw new Error('no graph in the ONNX model');
}
