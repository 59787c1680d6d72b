/** Small helpers shared by the adapters to turn raw model outputs into a `Prediction`. */
import { AssayError, type ErrorLocation } from '../errors.js';

/** Row-wise argmax of an n × k matrix; ties go to the lowest index (as numpy.argmax). */
export function argmaxRows(proba: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    let best = 0;
    let bestV = proba[row];
    for (let j = 1; j < k; j++) {
      const v = proba[row + j];
      if (v > bestV) {
        best = j;
        bestV = v;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Index of the first non-finite value, or −1. */
export function firstNonFinite(values: ArrayLike<number>, count = values.length): number {
  for (let i = 0; i < count; i++) if (!Number.isFinite(values[i])) return i;
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
