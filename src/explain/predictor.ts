/**
 * The one shape every explainer works with: a batched predictor over raw feature rows. Pure functions over
 * it (and Float64Array data) keep the algorithms testable without the pipeline.
 */

/** Predicts n rows of a row-major n × d raw-feature matrix; returns row-major n × m outputs. */
export type BatchPredictor = (x: Float64Array, n: number) => Promise<Float64Array>;

/** A dense row-major matrix. */
export interface Matrix {
  n: number;
  d: number;
  x: Float64Array;
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
 * Evaluates a predictor over `totalRows` synthetic rows in batches of at most `batchRows`, keeping one batch in
 * flight while the next is built. `fill(dst, start, count)` writes rows start..start+count−1 into dst;
 * `consume(y, start, count)` receives the row-major count × m outputs (so callers reduce as they go and never
 * hold every output in memory).
 */
export async function predictInBatches(
  predict: BatchPredictor,
  totalRows: number,
  d: number,
  m: number,
  batchRows: number,
  fill: (dst: Float64Array, start: number, count: number) => void,
  consume: (y: Float64Array, start: number, count: number) => void,
): Promise<void> {
  let inFlight: Promise<void> | null = null;
  // Two buffers in turn: one may still be read by the call in flight while the other is filled.
  const size = Math.min(batchRows, totalRows) * d;
  const buffers = [new Float64Array(size), new Float64Array(totalRows > batchRows ? size : 0)];
  for (let start = 0, turn = 0; start < totalRows; start += batchRows, turn ^= 1) {
    const count = Math.min(batchRows, totalRows - start);
    const buf = buffers[turn].subarray(0, count * d);
    fill(buf, start, count);
    const prev = inFlight;
    inFlight = (async () => {
      const pending = predict(buf, count);
      if (prev) await prev;
      const y = await pending;
      if (y.length !== count * m) {
        throw new Error(`predictor returned ${y.length} values for ${count} rows × ${m} outputs`);
      }
      consume(y, start, count);
    })();
    // At most one batch waits behind the running one, so memory stays bounded.
    if (prev) await prev;
  }
  if (inFlight) await inFlight;
}

/** Evaluates a predictor on a whole matrix (in batches) and returns the n × m outputs. */
export async function predictAll(
  predict: BatchPredictor,
  data: Matrix,
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
  );
  return out;
}
