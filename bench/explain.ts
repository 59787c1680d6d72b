/**
 * Explainability benchmark (run: `npx tsx bench/explain.ts`; writes bench/results/explain.json).
 *
 * 1. KernelSHAP on the German-credit fixture MLP (../shared/fixtures/german_credit): 20 original attributes as
 *    players (so sampling mode, 2M + 2048 coalitions), 200 explained rows, 100 background rows, through Assay's
 *    own ONNX adapter (raw rows → one-hot/standardise → onnxruntime-node). Reports wall time, model evaluations
 *    per second, and — in the same run, same thread settings, same batch size — the throughput of bare
 *    onnxruntime-node `session.run` on an already-encoded float32 batch, 8 bare calls timed after every 32 of
 *    Assay's model calls (excluded from Assay's time), so a shared machine's load hits both alike; and the
 *    adapter alone on a fixed raw batch (what the adapter costs by itself).
 *    The same explanation again the way `assay` runs it on an ONNX model (src/explain/test-kernel-shap.ts):
 *    rows and background encoded once by the adapter (EncodedAccess), one-hot blocks as players, and the
 *    coalition values from the adapter's masked path (src/models/onnxMasked.ts: the model's first linear layer
 *    applied to the coalition masks, so no synthetic rows are built). Bare calls are interleaved the same way.
 *    Its SHAP values must equal the adapter path's up to float32 rounding.
 * 2. TreeSHAP on a 100-tree random forest (test/fixtures/explain/forest100.onnx, depth 5, 8 features): rows/s.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { OnnxModel } from '../src/config/schema.js';
import { readFeatureMatrix } from '../src/data/features.js';
import { DataSession, lit } from '../src/data/session.js';
import { kernelShap, type MaskedPredictor } from '../src/explain/kernelShap.js';
import type { BatchPredictor, Matrix, Rows } from '../src/explain/predictor.js';
import { readTreeEnsemble } from '../src/explain/treeEnsemble.js';
import { treeShap } from '../src/explain/treeShap.js';
import { loadPreprocessing } from '../src/models/preprocess.js';
import { openOnnxModel } from '../src/models/onnx.js';
import { createRng, sampleWithoutReplacement } from '../src/util/random.js';
import { REPO_ROOT, sharedPath } from '../test/support/shared.js';

const GC = sharedPath('fixtures', 'german_credit');
const EXPLAINED = Number(process.env.BENCH_EXPLAIN_ROWS ?? 200); // smaller only for quick trials
const BACKGROUND = 100;
const ORT_BATCH = Number(process.env.BENCH_ORT_BATCH ?? 65_536); // rows per onnxruntime call, for the adapter and the bare measurement alike
const THREADS = 2;
const BLOCK = 8;

function pick(data: Matrix, k: number, seed: number): Matrix {
  const idx = sampleWithoutReplacement(createRng(seed), data.n, k);
  const x = new Float64Array(k * data.d);
  idx.forEach((r, t) => {
    x.set(data.x.subarray(r * data.d, (r + 1) * data.d), t * data.d);
  });
  return { n: k, d: data.d, x };
}

/** A bare onnxruntime session on one pre-encoded batch; `run()` times one call of ORT_BATCH rows. */
async function bareSession(encoded: Float32Array, width: number) {
  const session = await ort.InferenceSession.create(path.join(GC, 'german_credit_mlp.onnx'), {
    intraOpNumThreads: THREADS,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const tensor = new ort.Tensor('float32', encoded, [ORT_BATCH, width]);
  await session.run({ input: tensor });
  let rows = 0;
  let ms = 0;
  return {
    async run(): Promise<void> {
      const t0 = performance.now();
      await session.run({ input: tensor });
      ms += performance.now() - t0;
      rows += ORT_BATCH;
    },
    stats: () => ({ rows, seconds: ms / 1000 }),
    release: () => session.release(),
  };
}

async function main(): Promise<void> {
  const db = await DataSession.open({ threads: 1 });
  await db.exec(
    `CREATE TABLE data AS SELECT *, (row_number() OVER () - 1)::INTEGER AS __i FROM read_csv(${lit(path.join(GC, 'german_credit.csv'))}, header = true, all_varchar = true)`,
  );
  const spec = OnnxModel.parse({
    type: 'onnx',
    path: 'german_credit_mlp.onnx',
    preprocessing: 'german_credit_mlp.json',
    output: { probabilities: 'probabilities' },
    batchSize: ORT_BATCH,
  });
  const model = await openOnnxModel(spec, { baseDir: GC, task: 'binary-classification', threads: THREADS });
  if (model.input.kind !== 'tabular') throw new Error('expected a tabular model');
  const features = model.input.features;
  const { n, x } = await readFeatureMatrix(db, features);
  db.close();
  const data: Matrix = { n, d: features.length, x };
  const rows = pick(data, EXPLAINED, 1);
  const background = pick(data, BACKGROUND, 2);
  // Bare onnxruntime on an encoded batch of real rows, same threads and batch size. The machine is shared, so
  // the bare runs are interleaved with Assay's: after every model call Assay makes, one bare call of the same
  // size is timed (and its time excluded from Assay's), so both see the same load.
  const pre = loadPreprocessing(spec.preprocessing!, { baseDir: GC });
  const rawBatch = new Float64Array(ORT_BATCH * data.d);
  for (let i = 0; i < ORT_BATCH; i++)
    rawBatch.set(data.x.subarray((i % n) * data.d, ((i % n) + 1) * data.d), i * data.d);
  const encoded = pre.encode(rawBatch, ORT_BATCH);
  const bare = await bareSession(encoded, pre.width);
  // The adapter alone (raw rows → model.predict) on the same raw batch: separates the adapter's cost from the
  // explainer's (building synthetic rows, reducing outputs).
  const adapter = { rows: 0, ms: 0 };
  const adapterRun = async (): Promise<void> => {
    const t = performance.now();
    await model.predict(rawBatch, ORT_BATCH);
    adapter.ms += performance.now() - t;
    adapter.rows += ORT_BATCH;
  };
  let interleave = false;
  let calls = 0;
  /** Wraps a predictor: after every BLOCK calls, BLOCK bare calls and BLOCK adapter-only calls are timed. */
  const interleaved =
    <A extends Rows>(f: BatchPredictor<A>, withAdapter: boolean): BatchPredictor<A> =>
    async (xs, k) => {
      const y = await f(xs, k);
      // After every 4·BLOCK calls, BLOCK bare calls (and BLOCK adapter-only calls): blocks, because
      // onnxruntime's worker threads spin briefly after a run and would tax whichever session runs next if
      // the two alternated call by call; a 25% sample, to keep the run short.
      if (interleave && ++calls % (4 * BLOCK) === 0) {
        for (let b = 0; b < BLOCK; b++) await bare.run();
        if (withAdapter) for (let b = 0; b < BLOCK; b++) await adapterRun();
      }
      return y;
    };
  const viaAdapter: BatchPredictor = async (xs, k) => {
    const p = await model.predict(xs, k);
    const y = new Float64Array(k);
    for (let i = 0; i < k; i++) y[i] = p.proba![i * 2 + 1];
    return y;
  };
  // The same explanation the way `assay` runs it on an ONNX model: rows and background encoded once by the
  // adapter's encoder, players = one-hot blocks, coalitions evaluated by the adapter's masked path
  // (src/models/onnxMasked.ts: the first linear layer applied to masks, no synthetic rows built).
  const fast = model.encoded!;
  const viaEncoded: BatchPredictor<Float32Array> = async (xs, k) => {
    const p = (await fast.predictEncoded(xs, k)).proba!;
    const y = new Float64Array(k);
    for (let i = 0; i < k; i++) y[i] = p[i * 2 + 1];
    return y;
  };
  const uniform = new Float64Array(BACKGROUND).fill(1 / BACKGROUND);
  const maskedOn =
    (bgEnc: Matrix<Float32Array>): MaskedPredictor<Float32Array> =>
    async (masks, count, row) => {
      const v = await fast.expectMasked!(masks, count, row, bgEnc.x, uniform, bgEnc.n);
      return Float64Array.from({ length: count }, (_, c) => v[c * 2 + 1]);
    };
  /** After every 4·BLOCK masked calls, BLOCK bare calls of the same size (as `interleaved`). */
  const interleavedMasked =
    (f: MaskedPredictor<Float32Array>): MaskedPredictor<Float32Array> =>
    async (masks, count, row) => {
      const y = await f(masks, count, row);
      if (interleave && ++calls % (4 * BLOCK) === 0) for (let b = 0; b < BLOCK; b++) await bare.run();
      return y;
    };
  const blocks: number[][] = [];
  let col = 0;
  for (const f of features) {
    const k = f.kind === 'categorical' ? f.categories.length : 1;
    blocks.push(Array.from({ length: k }, (_, t) => col + t));
    col += k;
  }
  const encode = (m: Matrix): Matrix<Float32Array> => ({ n: m.n, d: pre.width, x: pre.encode(m.x, m.n) });

  const groups = features.map((_, j) => [j]);
  await kernelShap(viaAdapter, pick(data, 2, 3), { groups, background, outputs: 1, rng: createRng(9) });
  const bgEncoded = encode(background);
  await kernelShap(viaEncoded, encode(pick(data, 2, 3)), {
    groups: blocks,
    background: bgEncoded,
    outputs: 1,
    rng: createRng(9),
    masked: maskedOn(bgEncoded),
  });

  const timed = async <T>(
    run: () => Promise<T>,
  ): Promise<{
    value: T;
    seconds: number;
    bare: { rows: number; seconds: number };
    adapter: { rows: number; seconds: number };
  }> => {
    const b0 = bare.stats();
    const a0 = { ...adapter };
    interleave = true;
    calls = 0;
    const t0 = performance.now();
    const value = await run();
    const total = (performance.now() - t0) / 1000;
    interleave = false;
    const b1 = bare.stats();
    const bareT = { rows: b1.rows - b0.rows, seconds: b1.seconds - b0.seconds };
    const adapterT = { rows: adapter.rows - a0.rows, seconds: (adapter.ms - a0.ms) / 1000 };
    return { value, seconds: total - bareT.seconds - adapterT.seconds, bare: bareT, adapter: adapterT };
  };
  const A = await timed(() =>
    kernelShap(interleaved(viaAdapter, true), rows, {
      groups,
      background,
      outputs: 1,
      rng: createRng(42),
      batchRows: ORT_BATCH,
    }),
  );
  const E = await timed(() =>
    kernelShap(interleaved(viaEncoded, false), encode(rows), {
      groups: blocks,
      background: bgEncoded,
      outputs: 1,
      rng: createRng(42),
      batchRows: ORT_BATCH,
      masked: interleavedMasked(maskedOn(bgEncoded)),
    }),
  );
  await bare.release();
  await model.close();
  const r = A.value;
  let phiDiff = 0;
  for (let i = 0; i < r.phi.length; i++) phiDiff = Math.max(phiDiff, Math.abs(r.phi[i] - E.value.phi[i]));
  const rate = (t: typeof A) => r.modelEvaluations / t.seconds;
  const bareRate = (t: typeof A) => t.bare.rows / t.bare.seconds;
  let additivity = 0;
  for (let i = 0; i < rows.n; i++) {
    let s = r.baseValue[0];
    for (let j = 0; j < features.length; j++) s += r.phi[i * features.length + j];
    additivity = Math.max(additivity, Math.abs(s - r.fx[i]));
  }
  const maxStdErr = r.stdErr ? r.stdErr.reduce((a, b) => Math.max(a, b), 0) : 0;

  // TreeSHAP on the 100-tree forest.
  const ens = readTreeEnsemble(readFileSync(path.join(REPO_ROOT, 'test/fixtures/explain/forest100.onnx')));
  const tx = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/explain/trees.json'), 'utf8')).forest100
    .X as number[][];
  const tn = tx.length;
  const flat = new Float64Array(tn * 8);
  tx.forEach((row, i) => {
    flat.set(row, i * 8);
  });
  treeShap(ens, flat, 10, 8);
  let treeRows = 0;
  const t1 = performance.now();
  while (performance.now() - t1 < 3000) {
    treeShap(ens, flat, tn, 8);
    treeRows += tn;
  }
  const treeSec = (performance.now() - t1) / 1000;

  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      loadavg: os.loadavg().map((v) => Number(v.toFixed(2))),
    },
    node: process.version,
    onnxruntimeNode: JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8'),
    ).version,
    kernelShap: {
      model: 'german_credit_mlp.onnx (63 inputs → 16 → 2), explained output P(good)',
      players: features.length,
      explainedRows: EXPLAINED,
      backgroundRows: BACKGROUND,
      coalitions: r.coalitions,
      modelEvaluations: r.modelEvaluations,
      throughAdapter: {
        what: 'raw rows → Assay ONNX adapter (encode, run, outputs) → P(good)',
        wallSeconds: Number(A.seconds.toFixed(2)),
        evaluationsPerSecond: Math.round(rate(A)),
        bareOnnxruntimeRowsPerSecond: Math.round(bareRate(A)),
        fractionOfBare: Number((rate(A) / bareRate(A)).toFixed(3)),
        adapterAloneRowsPerSecond: Math.round(A.adapter.rows / A.adapter.seconds),
        adapterAloneFractionOfBare: Number((A.adapter.rows / A.adapter.seconds / bareRate(A)).toFixed(3)),
      },
      onEncodedRows: {
        what: "as `assay` runs it: rows and background encoded once by the adapter, players = one-hot blocks, coalitions through the adapter's masked path (first linear layer applied to the masks, src/models/onnxMasked.ts)",
        wallSeconds: Number(E.seconds.toFixed(2)),
        evaluationsPerSecond: Math.round(rate(E)),
        bareOnnxruntimeRowsPerSecond: Math.round(bareRate(E)),
        fractionOfBare: Number((rate(E) / bareRate(E)).toFixed(3)),
        maxAbsDiffShapVsAdapterPath: phiDiff, // float32 rounding: the masked path sums in another order
      },
      ortBatchRows: ORT_BATCH,
      threads: THREADS,
      additivityErrorMax: additivity,
      maxEstimatedStdErr: maxStdErr,
    },
    treeShap: {
      model: 'forest100.onnx (RandomForestRegressor, 100 trees, max_depth 5, 8 features)',
      trees: ens.trees.length,
      rowsExplained: treeRows,
      seconds: Number(treeSec.toFixed(2)),
      rowsPerSecond: Math.round(treeRows / treeSec),
    },
  };
  mkdirSync(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
  writeFileSync(path.join(REPO_ROOT, 'bench/results/explain.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

await main();
