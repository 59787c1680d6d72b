/** Small helpers shared by the adapters to turn raw model outputs into a `Prediction`. */
import { AssayError, type ErrorLocation } from '../errors.js';

/**
 * Row-wise argmax of rows [from, from + n) of the row-major n × k matrix `proba`, written to out[at..at + n);
 * ties go to the lowest index (as numpy.argmax). Typed and in place: it runs on every batch a model scores.
 */
export function argmaxRowsInto(
  proba: Float32Array | Float64Array,
  from: number,
  n: number,
  k: number,
  out: Int32Array,
  at = from,
): void {
  if (k === 2) {
    for (let i = 0; i < n; i++) out[at + i] = proba[2 * (from + i) + 1] > proba[2 * (from + i)] ? 1 : 0;
    return;
  }
  for (let i = 0; i < n; i++) {
    const row = (from + i) * k;
    let best = 0;
    let bestV = proba[row];
    for (let j = 1; j < k; j++) {
      const v = proba[row + j];
      if (v > bestV) {
        best = j;
        bestV = v;
      }
    }
    out[at + i] = best;
  }
}

/** Index of the first non-finite value, or −1. */
export function firstNonFinite(values: ArrayLike<number>, count = values.length): number {
  if (values instanceof Float32Array) return firstNonFinite32(values, count);
  for (let i = 0; i < count; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** The float32 case on its own (the tensors every ONNX run returns), so the loop stays monomorphic. */
function firstNonFinite32(values: Float32Array, count: number): number {
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v - v !== 0) return i; // NaN and ±Infinity give NaN
  }
  return -1;
}

/** Throws MODEL_OUTPUT_INVALID when any value is NaN/±Infinity (the first one is named). */
export function assertFinite(
  values: ArrayLike<number>,
  what: string,
  rowWidth: number,
  rowOffset: number,
  where: ErrorLocation,
): void {
  const bad = firstNonFinite(values);
  if (bad >= 0) {
    const row = rowOffset + Math.floor(bad / rowWidth);
    throw new AssayError(
      'MODEL_OUTPUT_INVALID',
      `${what} holds a non-finite value (${values[bad]}) for batch row ${row}; expected finite numbers`,
      { ...where, row },
    );
  }
}

/** "[2, 63]" style shape text; symbolic dims keep their names. */
export function shapeText(dims: readonly (number | string | bigint)[]): string {
  return `[${dims.map(String).join(', ')}]`;
}
