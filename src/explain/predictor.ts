/**
 * The one shape every explainer works with: a batched predictor over raw feature rows. Pure functions over
 * it (and Float64Array data) keep the algorithms testable without the pipeline.
 */

/** Row storage: raw features are Float64Array; a model's already-encoded input may be Float32Array. */
export type Rows = Float64Array | Float32Array;

/** Predicts n rows of a row-major n × d raw-feature matrix; returns row-major n × m outputs. */
export type BatchPredictor<A extends Rows = Float64Array> = (x: A, n: number) => Promise<Float64Array>;

/** A dense row-major matrix. */
export interface Matrix<A extends Rows = Float64Array> {
  n: number;
  d: number;
  x: A;
}

/** A zeroed array of the same element type as `like`. */
export function allocLike<A extends Rows>(like: A, length: number): A {
  return (like instanceof Float32Array ? new Float32Array(length) : new Float64Array(length)) as A;
}

/** Counts the rows a predictor is asked for (benchmarks and progress). */
export function countingPredictor(f: BatchPredictor): { predict: BatchPredictor; rows: () => number } {
  let rows = 0;
  return {
    predict: (x, n) => {
      rows += n;
      return f(x, n);
    },
    rows: () => rows,
  };
}

/**
 * Evaluates a predictor over `totalRows` synthetic rows in batches of at most `batchRows`. `fill(dst, start,
 * count)` writes rows start..start+count−1 into dst (a reused buffer: fill every value); `consume(y, start,
 * count)` receives the row-major count × m outputs, so callers reduce as they go and never hold every output.
 * Calls are strictly sequential: adapters need not be reentrant (onnxruntime-node runs on the calling thread
 * anyway, and the HTTP adapter parallelises inside one call).
 */
export async function predictInBatches<A extends Rows = Float64Array>(
  predict: BatchPredictor<A>,
  totalRows: number,
  d: number,
  m: number,
  batchRows: number,
  fill: (dst: A, start: number, count: number) => void,
  consume: (y: Float64Array, start: number, count: number) => void,
  like?: A,
): Promise<void> {
  const buffer = allocLike(like ?? (new Float64Array(0) as A), Math.min(batchRows, totalRows) * d);
  for (let start = 0; start < totalRows; start += batchRows) {
    const count = Math.min(batchRows, totalRows - start);
    const buf = buffer.subarray(0, count * d) as A;
    fill(buf, start, count);
    const y = await predict(buf, count);
    if (y.length !== count * m) {
      throw new Error(`predictor returned ${y.length} values for ${count} rows × ${m} outputs`);
    }
    consume(y, start, count);
  }
}

/** Evaluates a predictor on a whole matrix (in batches) and returns the n × m outputs. */
export async function predictAll<A extends Rows = Float64Array>(
  predict: BatchPredictor<A>,
  data: Matrix<A>,
  m: number,
  batchRows = 65536,
): Promise<Float64Array> {
  const out = new Float64Array(data.n * m);
  await predictInBatches(
    predict,
    data.n,
    data.d,
    m,
    batchRows,
    (dst, start, count) => dst.set(data.x.subarray(start * data.d, (start + count) * data.d)),
    (y, start) => out.set(y, start * m),
    data.x,
  );
  return out;
}
