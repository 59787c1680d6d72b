/**
 * The path primitives of TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2), as shap's
 * `shap/cext/tree_shap.h` (`extend_path`, `unwind_path`, `unwound_path_sum`): a path is a segment starting at
 * `at` of four parallel typed arrays (feature, zero fraction, one fraction, permutation weight).
 */
export interface Path {
  d: Int32Array;
  z: Float64Array;
  o: Float64Array;
  w: Float64Array;
}

export function extend(p: Path, at: number, len: number, pz: number, po: number, pi: number): void {
  p.d[at + len] = pi;
  p.z[at + len] = pz;
  p.o[at + len] = po;
  p.w[at + len] = len === 0 ? 1 : 0;
  for (let i = len - 1; i >= 0; i--) {
    p.w[at + i + 1] += (po * p.w[at + i] * (i + 1)) / (len + 1);
    p.w[at + i] = (pz * p.w[at + i] * (len - i)) / (len + 1);
  }
}

/** Removes element `idx` from a path of `len + 1` elements (len = its last index). */
export function unwind(p: Path, at: number, len: number, idx: number): void {
  const o = p.o[at + idx];
  const z = p.z[at + idx];
  let next = p.w[at + len];
  for (let j = len - 1; j >= 0; j--) {
    if (o !== 0) {
      const t = p.w[at + j];
      p.w[at + j] = (next * (len + 1)) / ((j + 1) * o);
      next = t - (p.w[at + j] * z * (len - j)) / (len + 1);
    } else {
      p.w[at + j] = (p.w[at + j] * (len + 1)) / (z * (len - j));
    }
  }
  for (let j = idx; j < len; j++) {
    p.d[at + j] = p.d[at + j + 1];
    p.z[at + j] = p.z[at + j + 1];
    p.o[at + j] = p.o[at + j + 1];
  }
}

/** Total permutation weight of the path if element `idx` were removed. */
export function unwoundSum(p: Path, at: number, len: number, idx: number): number {
  const o = p.o[at + idx];
  const z = p.z[at + idx];
  let next = p.w[at + len];
  let total = 0;
  for (let j = len - 1; j >= 0; j--) {
    if (o !== 0) {
      const t = (next * (len + 1)) / ((j + 1) * o);
      total += t;
      next = p.w[at + j] - (t * z * (len - j)) / (len + 1);
    } else {
      total += (p.w[at + j] / z) * ((len + 1) / (len - j));
    }
  }
  return total;
}
