/**
 * Seeded randomness. Every sampling step in Assay draws from an Rng made here, so the same seed gives
 * byte-identical results. sfc32 (Chris Doty-Humphrey's Small Fast Counter): 128-bit state, passes
 * PractRand, and is simple to reproduce in any language.
 */

export interface Rng {
  /** Uniform in [0, 1) with 32 random bits. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller; one draw of two uniforms per call, no cached spare, so streams stay simple). */
  normal(): number;
  /** A new independent generator derived from this one (for sub-tasks that must not share a stream). */
  fork(): Rng;
  /**
   * The four sfc32 state words, for hot loops that step the generator inline (src/robustness/normal.ts): they
   * must step it exactly as `next` does and store the words back before calling any method.
   */
  readonly state: Int32Array;
}

/** Mixes a seed and any labels (e.g. a test id) into a 32-bit seed, so each consumer gets its own stream. */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (const label of labels) {
    const s = String(label);
    for (let i = 0; i < s.length; i++) {
      h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b);
      h ^= h >>> 13;
    }
    h = Math.imul(h ^ 0xff, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  // State in a typed array: V8 keeps the words unboxed (measurably faster than closure variables).
  const st = new Int32Array(4);
  st[0] = 0x9e3779b9;
  st[1] = 0x243f6a88;
  st[2] = 0xb7e15162;
  st[3] = seed >>> 0;
  const next32 = (): number => {
    const a = st[0];
    const b = st[1];
    const c = st[2];
    const d = st[3];
    const t = (((a + b) | 0) + d) | 0;
    st[3] = (d + 1) | 0;
    st[0] = b ^ (b >>> 9);
    st[1] = (c + (c << 3)) | 0;
    st[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) next32(); // warm up, as the reference implementation recommends
  const rng: Rng = {
    next: () => next32() / 4294967296,
    int: (n: number) => Math.floor((next32() / 4294967296) * n),
    normal: () => {
      let u = 0;
      while (u === 0) u = next32() / 4294967296;
      const v = next32() / 4294967296;
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    fork: () => createRng(next32()),
    state: st,
  };
  return rng;
}

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(rng: Rng, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** k distinct indexes from 0..n-1 (k ≤ n), in draw order. */
export function sampleWithoutReplacement(rng: Rng, n: number, k: number): Int32Array {
  if (k > n) throw new Error(`cannot sample ${k} of ${n} without replacement`);
  return permutation(rng, n).slice(0, k);
}
