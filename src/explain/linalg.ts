/** Small dense linear algebra for the KernelSHAP normal equations (p ≤ a few dozen unknowns). */

/**
 * Cholesky factor L (row-major p × p, lower) of a symmetric positive-definite matrix A, or null when A is not
 * numerically positive definite (then callers fall back to a pivoted solve).
 */
export function cholesky(a: Float64Array, p: number): Float64Array | null {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      if (i === j) {
        if (!(s > 1e-300)) return null;
        l[i * p + i] = Math.sqrt(s);
      } else {
        l[i * p + j] = s / l[j * p + j];
      }
    }
  }
  return l;
}

/** Solves L Lᵀ x = b in place of a copy of b. */
export function choleskySolve(l: Float64Array, p: number, b: Float64Array): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    let s = y[i];
    for (let k = 0; k < i; k++) s -= l[i * p + k] * y[k];
    y[i] = s / l[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * y[k];
    y[i] = s / l[i * p + i];
  }
  return y;
}

/** Gaussian elimination with partial pivoting (for a singular-looking system); zero pivots give 0 unknowns. */
export function pivotedSolve(a: Float64Array, p: number, b: Float64Array): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);

  for (let c = 0; c < p; c++) {
    let best = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(m[r * p + c]) > Math.abs(m[best * p + c])) best = r;
    if (best !== c) {
      for (let k = 0; k < p; k++) [m[c * p + k], m[best * p + k]] = [m[best * p + k], m[c * p + k]];
      [x[c], x[best]] = [x[best], x[c]];
    }
    const piv = m[c * p + c];
    if (Math.abs(piv) < 1e-14) continue;
    for (let r = c + 1; r < p; r++) {
      const f = m[r * p + c] / piv;
      if (f === 0) continue;
      for (let k = c; k < p; k++) m[r * p + k] -= f * m[c * p + k];
      x[r] -= f * x[c];
    }
  }
  const out = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    const piv = m[i * p + i];
    if (Math.abs(piv) < 1e-14) {
      out[i] = 0;
      continue;
    }
    let s = x[i];
    for (let k = i + 1; k < p; k++) s -= m[i * p + k] * out[k];
    out[i] = s / piv;
  }
  return out;
}

/** Binomial coefficient as a double (exact for the sizes used here). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const j = Math.min(k, n - k);
  let r = 1;
  for (let i = 1; i <= j; i++) r = (r * (n - j + i)) / i;
  return Math.round(r);
}
