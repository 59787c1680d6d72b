/**
 * The space an attack or a perturbation may move in: per-feature bounds, which features may move, and which
 * must stay whole numbers. Attacks work in normalised coordinates z ∈ [0, 1] over the mutable features
 * (z = (x − lo) / (hi − lo)), so distances do not depend on the units of the features (a credit amount in
 * euros does not dwarf an age in years), and images keep their natural pixel scale (lo = 0, hi = 1).
 *
 * Categorical features are category indexes (see src/models/types.ts): they are treated as whole numbers in
 * [0, K − 1], so every point a model sees names a real category and one-hot groups stay valid by construction.
 */
import type { FeatureInfo } from '../models/types.js';

export interface Domain {
  /** Raw dimension (features per row). */
  d: number;
  lo: Float64Array;
  hi: Float64Array;
  /** 1 when the feature holds whole numbers (integer numeric, or a category index). */
  discrete: Uint8Array;
  /** 1 for category-index features (bounds are always 0..K−1). */
  categorical: Uint8Array;
  /** Raw indexes of the features that may move, in order; their count is the attack's dimension m. */
  mutable: Int32Array;
  /** Raw indexes of the features that never move (the complement of `mutable`). */
  fixed: Int32Array;
  /** True when every feature is mutable, continuous and bounded by [0, 1] (images): z is the raw row itself. */
  unitBox: boolean;
  /** Feature names (raw order), for reports. */
  names: string[];
}

/** A domain over images of d pixels in [0, 1], all mutable. */
export function imageDomain(d: number): Domain {
  const mutable = new Int32Array(d);
  for (let i = 0; i < d; i++) mutable[i] = i;
  return {
    d,
    lo: new Float64Array(d),
    hi: new Float64Array(d).fill(1),
    discrete: new Uint8Array(d),
    categorical: new Uint8Array(d),
    mutable,
    fixed: new Int32Array(0),
    unitBox: true,
    names: Array.from({ length: d }, (_, i) => `pixel_${i}`),
  };
}

/**
 * A domain over tabular raw features. Numeric bounds come from the spec's `min`/`max` when given, else from
 * the data's range (`dataMin`/`dataMax`, per feature). Features whose range is a single value cannot move.
 */
export function tabularDomain(features: FeatureInfo[], dataMin: ArrayLike<number>, dataMax: ArrayLike<number>): Domain {
  const d = features.length;
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  const discrete = new Uint8Array(d);
  const categorical = new Uint8Array(d);
  const mutable: number[] = [];
  features.forEach((f, k) => {
    if (f.kind === 'categorical') {
      lo[k] = 0;
      hi[k] = f.categories.length - 1;
      discrete[k] = 1;
      categorical[k] = 1;
    } else {
      lo[k] = f.min ?? dataMin[k];
      hi[k] = f.max ?? dataMax[k];
      if (f.integer) {
        discrete[k] = 1;
        lo[k] = Math.ceil(lo[k]);
        hi[k] = Math.floor(hi[k]);
      }
    }
    if (!f.immutable && hi[k] > lo[k]) mutable.push(k);
  });
  const fixed = features.map((_, k) => k).filter((k) => !mutable.includes(k));
  return {
    d,
    lo,
    hi,
    discrete,
    categorical,
    mutable: Int32Array.from(mutable),
    fixed: Int32Array.from(fixed),
    unitBox: false,
    names: features.map((f) => f.name),
  };
}

/**
 * Widens numeric bounds so they hold every given row (config bounds narrower than the data would move x itself).
 * Category bounds stay 0..K−1: an unknown category (−1) is not a value an attack may move a row to.
 */
export function widenToRows(domain: Domain, x: Float64Array, n: number): Domain {
  const lo = domain.lo.slice();
  const hi = domain.hi.slice();
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < domain.d; k++) {
      if (domain.categorical[k]) continue;
      const v = x[i * domain.d + k];
      if (v < lo[k]) lo[k] = v;
      if (v > hi[k]) hi[k] = v;
    }
  }
  return { ...domain, lo, hi, unitBox: false };
}

/** Normalised mutable coordinates of raw row `row` of x (length m). */
export function toUnit(domain: Domain, x: Float64Array, row: number, out: Float64Array, outOffset = 0): void {
  const { mutable, lo, hi, d } = domain;
  for (let j = 0; j < mutable.length; j++) {
    const k = mutable[j];
    out[outOffset + j] = (x[row * d + k] - lo[k]) / (hi[k] - lo[k]);
  }
}

/**
 * Projects normalised coordinates z (length m, at zOffset) onto a valid raw row: immutable features copied
 * from the original row x0, each mutable one clipped to its bounds and rounded when discrete.
 */
export function projectRow(
  domain: Domain,
  z: Float64Array,
  zOffset: number,
  x0: Float64Array,
  x0Offset: number,
  out: Float64Array,
  outOffset: number,
): void {
  const { mutable, fixed, lo, hi, discrete } = domain;
  for (let i = 0; i < fixed.length; i++) out[outOffset + fixed[i]] = x0[x0Offset + fixed[i]];
  for (let j = 0; j < mutable.length; j++) {
    const k = mutable[j];
    const u = z[zOffset + j];
    let v = lo[k] + (u < 0 ? 0 : Math.min(u, 1)) * (hi[k] - lo[k]);
    if (discrete[k]) v = Math.round(v);
    out[outOffset + k] = v < lo[k] ? lo[k] : Math.min(v, hi[k]);
  }
}

/** L2 and L∞ distances between two raw rows, in normalised units (only mutable features can differ). */
export function unitDistance(
  domain: Domain,
  a: Float64Array,
  aOffset: number,
  b: Float64Array,
  bOffset: number,
): { l2: number; linf: number } {
  let s = 0;
  let m = 0;
  for (let j = 0; j < domain.mutable.length; j++) {
    const k = domain.mutable[j];
    const t = Math.abs(a[aOffset + k] - b[bOffset + k]) / (domain.hi[k] - domain.lo[k]);
    s += t * t;
    if (t > m) m = t;
  }
  return { l2: Math.sqrt(s), linf: m };
}

/** Why a raw row breaks the domain's constraints relative to its original, or null when it respects them. */
export function constraintViolation(
  domain: Domain,
  x: Float64Array,
  xOffset: number,
  x0: Float64Array,
  x0Offset: number,
): string | null {
  const isMutable = new Uint8Array(domain.d);
  for (const k of domain.mutable) isMutable[k] = 1;
  for (let k = 0; k < domain.d; k++) {
    const v = x[xOffset + k];
    if (!Number.isFinite(v)) return `${domain.names[k]} is not finite`;
    if (!isMutable[k]) {
      if (v !== x0[x0Offset + k]) return `${domain.names[k]} must not change`;
      continue;
    }
    if (v < domain.lo[k] || v > domain.hi[k])
      return `${domain.names[k]}=${v} outside [${domain.lo[k]}, ${domain.hi[k]}]`;
    if (domain.discrete[k] && !Number.isInteger(v)) return `${domain.names[k]}=${v} is not a whole number`;
  }
  return null;
}
