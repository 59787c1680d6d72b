import { describe, expect, it } from 'vitest';
import type { FeatureColumn } from '../../src/config/schema.js';
import { buildPreprocess } from '../../src/models/preprocess.js';
import { createRng, deriveSeed } from '../../src/util/random.js';

/** The encoding as the sidecar format states it, one element at a time (the reference for the fast encoder). */
function referenceEncode(columns: FeatureColumn[], raw: Float64Array, n: number): Float32Array {
  const width = columns.reduce((w, c) => w + (c.type === 'numeric' ? 1 : c.categories.length), 0);
  const y = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    let at = i * width;
    columns.forEach((c, j) => {
      const v = raw[i * columns.length + j];
      if (c.type === 'numeric') {
        y[at] = Math.fround((v - (c.mean ?? 0)) / (c.std ?? 1));
        at += 1;
      } else {
        if (Number.isInteger(v) && v >= 0 && v < c.categories.length) y[at + v] = 1;
        at += c.categories.length;
      }
    });
  }
  return y;
}

/** Mixed columns with awkward values: unknown codes, NaN, fractions, codes ≥ K, −0, ±Infinity. */
function mixedCase(d: number, n: number, label: string): { columns: FeatureColumn[]; raw: Float64Array } {
  const rng = createRng(deriveSeed(7, label));
  const columns: FeatureColumn[] = Array.from({ length: d }, (_, j) =>
    j % 3 === 1
      ? { type: 'numeric', name: `x${j}`, mean: rng.normal() * 10, std: 0.5 + rng.next() * 3 }
      : { type: 'categorical', name: `c${j}`, categories: Array.from({ length: 1 + (j % 7) }, (_, k) => `v${k}`) },
  );
  const odd = [-1, Number.NaN, 0.5, 2.5, 99, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const raw = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    columns.forEach((c, j) => {
      const r = rng.next();
      raw[i * d + j] =
        r < 0.1 ? odd[rng.int(odd.length)] : c.type === 'numeric' ? rng.normal() * 20 : rng.int(c.categories.length);
    });
  }
  return { columns, raw };
}

/** Index of the first element whose bits differ (−1: identical); faster than a deep equality on big arrays. */
function firstBitDiff(a: Float32Array, b: Float32Array, count: number): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, count);
  const ub = new Uint32Array(b.buffer, b.byteOffset, count);
  for (let i = 0; i < count; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

describe('preprocess encoder', () => {
  for (const [label, d] of [
    ['narrow plan (unrolled kernel)', 20],
    ['wide plan (loop kernel, > 512 columns)', 600],
  ] as const) {
    it(`${label}: equals the element-wise reference bit for bit, fresh and into a dirty reused buffer`, () => {
      const n = 257;
      const { columns, raw } = mixedCase(d, n, label);
      const plan = buildPreprocess(columns, {});
      const expected = referenceEncode(columns, raw, n);
      // The check can fail: the case has odd values and set one-hot bits.
      expect(raw.some((v) => Number.isNaN(v))).toBe(true);
      expect(expected.some((v) => v === 1)).toBe(true);
      expect(plan.width * n).toBe(expected.length);
      const fresh = plan.encode(raw, n);
      expect(fresh.length).toBe(expected.length);
      expect(firstBitDiff(fresh, expected, expected.length)).toBe(-1);
      const dirty = new Float32Array(n * plan.width + 5).fill(3);
      const reused = plan.encode(raw, n, dirty);
      expect(reused).toBe(dirty);
      expect(firstBitDiff(reused, expected, expected.length)).toBe(-1);
      expect(Array.from(dirty.subarray(n * plan.width))).toEqual([3, 3, 3, 3, 3]); // beyond n rows: untouched
    });
  }

  it('−0 in minus a −0 mean gives +0 (as float64 math does), so means are not folded into literals', () => {
    const plan = buildPreprocess([{ type: 'numeric', name: 'x', mean: -0, std: 1 }], {});
    const y = plan.encode(Float64Array.of(-0), 1);
    expect(Object.is(y[0], 0)).toBe(true);
  });

  it('rejects a raw matrix shorter than n × d', () => {
    const plan = buildPreprocess([{ type: 'numeric', name: 'x' }], {});
    expect(() => plan.encode(new Float64Array(2), 3)).toThrow(/expected 3×1/);
  });
});
