/**
 * Test helpers: real ONNX models through onnxruntime-node, wrapped as `Model`s that take RAW feature rows (as
 * src/models/types.ts specifies). The German credit model encodes rows with its sidecar (standardise numeric,
 * one-hot categorical), as the fixtures' verify_onnx.js does.
 */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import type { FeatureInfo, Model, ModelInput } from '../../src/models/types.js';
import { readSidecar, type SidecarColumn } from '../support/sidecar.js';

type Encoder = (x: Float64Array, n: number) => { data: Float32Array; dims: number[] };

async function ortModel(file: string, input: ModelInput, encode: Encoder): Promise<Model> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const inName = session.inputNames[0];
  const outName = session.outputNames[0];
  return {
    identity: { type: 'onnx', path: file },
    input,
    canPredict: true,
    async predict(x, n) {
      const { data, dims } = encode(x, n);
      const out = await session.run({ [inName]: new ort.Tensor('float32', data, dims) });
      const p = out[outName].data as Float32Array;
      const k = p.length / n;
      const labels = new Int32Array(n);
      const proba = new Float64Array(n * k);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 0; c < k; c++) {
          proba[i * k + c] = p[i * k + c];
          if (p[i * k + c] > p[i * k + best]) best = c;
        }
        labels[i] = best;
      }
      return { labels, proba };
    },
    async close() {
      await session.release();
    },
  };
}

/** A model whose ONNX input is the raw row itself (float32 [N, d]). */
export function rawTabularModel(file: string, features: FeatureInfo[]): Promise<Model> {
  const d = features.length;
  return ortModel(file, { kind: 'tabular', features }, (x, n) => ({
    data: Float32Array.from(x.subarray(0, n * d)),
    dims: [n, d],
  }));
}

/** An image model: x is n × C·H·W in [0, 1]. */
export function imageModel(file: string, shape: [number, number, number]): Promise<Model> {
  const size = shape[0] * shape[1] * shape[2];
  return ortModel(file, { kind: 'image', shape }, (x, n) => ({
    data: Float32Array.from(x.subarray(0, n * size)),
    dims: [n, ...shape],
  }));
}

/** The German credit MLP with its sidecar encoding; features in sidecar order, categorical = category index. */
export async function sidecarModel(
  onnxFile: string,
  sidecarFile: string,
): Promise<{ model: Model; columns: SidecarColumn[] }> {
  const { columns } = readSidecar(sidecarFile);
  const width = columns.reduce((a, c) => a + (c.type === 'numeric' ? 1 : (c.categories?.length ?? 0)), 0);
  const features: FeatureInfo[] = columns.map((c) =>
    c.type === 'numeric'
      ? { kind: 'numeric', name: c.name, integer: true }
      : { kind: 'categorical', name: c.name, categories: c.categories ?? [] },
  );
  const d = columns.length;
  const encode: Encoder = (x, n) => {
    const data = new Float32Array(n * width);
    for (let i = 0; i < n; i++) {
      let o = i * width;
      for (let k = 0; k < d; k++) {
        const c = columns[k];
        const v = x[i * d + k];
        if (c.type === 'numeric') data[o++] = (v - (c.mean ?? 0)) / (c.std ?? 1);
        else {
          const K = c.categories?.length ?? 0;
          if (v >= 0 && v < K) {
            if (!Number.isInteger(v)) throw new Error(`category index ${v} of ${c.name} is not whole`);
            data[o + v] = 1;
          }
          o += K;
        }
      }
    }
    return { data, dims: [n, width] };
  };
  return { model: await ortModel(onnxFile, { kind: 'tabular', features }, encode), columns };
}

/** Reads the German credit CSV's test rows as raw features in sidecar order (categorical → index), with labels. */
export function germanCreditRows(
  csvFile: string,
  columns: SidecarColumn[],
): { x: Float64Array; y: Int32Array; n: number } {
  const lines = readFileSync(csvFile, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const idx = columns.map((c) => header.indexOf(c.name));
  const split = header.indexOf('split');
  const cls = header.indexOf('class');
  const rows = lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((r) => r[split] === 'test');
  const d = columns.length;
  const x = new Float64Array(rows.length * d);
  const y = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    columns.forEach((c, k) => {
      const v = r[idx[k]];
      x[i * d + k] = c.type === 'numeric' ? Number(v) : (c.categories ?? []).indexOf(v);
    });
    y[i] = r[cls] === 'good' ? 1 : 0;
  });
  return { x, y, n: rows.length };
}
