/**
 * Robustness algorithms are pure functions over a batched predictor, so they run the same on an ONNX model,
 * an HTTP endpoint or a plain function in a test.
 */
import { AssayError } from '../errors.js';
import type { Model } from '../models/types.js';

/** Predicts n rows of the row-major n × d matrix x; returns class indexes (and probabilities when known). */
export type Predictor = (x: Float64Array, n: number) => Promise<{ labels: Int32Array; proba?: Float64Array }>;

/** A classifier's predictor, with a count of the rows and calls it was asked for. */
export interface CountingPredictor extends Predictor {
  rows: number;
  calls: number;
}

/** Wraps a classification model as a Predictor (labels must be class indexes). */
export function modelPredictor(model: Model): CountingPredictor {
  const f = (async (x: Float64Array, n: number) => {
    f.rows += n;
    f.calls += 1;
    // Robustness tests read labels only: take the adapter's labels-only path when it has one.
    if (model.predictLabels) return { labels: await model.predictLabels(x, n) };
    const p = await model.predict(x, n);
    if (!(p.labels instanceof Int32Array)) {
      throw new AssayError(
        'MODEL_OUTPUT_INVALID',
        'robustness tests need a classifier: the model returned values, not class indexes',
      );
    }
    return { labels: p.labels, proba: p.proba };
  }) as CountingPredictor;
  f.rows = 0;
  f.calls = 0;
  return f;
}

/** Calls `predict` on x in chunks of at most `maxRows` rows and concatenates the labels. */
export async function predictLabels(
  predict: Predictor,
  x: Float64Array,
  n: number,
  d: number,
  maxRows: number,
): Promise<Int32Array> {
  if (n <= maxRows) return (await predict(x, n)).labels;
  const out = new Int32Array(n);
  for (let s = 0; s < n; s += maxRows) {
    const k = Math.min(maxRows, n - s);
    out.set((await predict(x.subarray(s * d, (s + k) * d), k)).labels, s);
  }
  return out;
}
