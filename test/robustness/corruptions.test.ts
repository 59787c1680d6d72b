import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng, encodePng } from '../../src/data/images.js';
import { CORRUPTIONS, corrupt, getCorruption, type Shape, severityTableRow } from '../../src/robustness/corruptions.js';
import { createRng } from '../../src/util/random.js';
import { REPO_ROOT } from '../support/shared.js';

interface Reference {
  images: Record<string, number[]>;
  shapes: Record<string, [number, number, number]>;
  cases: { name: string; image: string; severity: number; seed: number; expected: number[] }[];
}
const ref = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'test/fixtures/robustness/corruption_reference.json'), 'utf8'),
) as Reference;
const image = (key: string) => Float64Array.from(ref.images[key], (v) => v / 255);

// JPEG: libjpeg's integer DCT (Pillow) vs our float DCT may differ by a level or two in a pixel.
const TOLERANCE: Record<string, number> = { JPEG_Compression: 3 };

describe('image corruptions match the numpy/scipy/Pillow reference', () => {
  it('covers every corruption AI Verify offers in the four groups', () => {
    expect(CORRUPTIONS.map((c) => c.name).sort()).toEqual([...new Set(ref.cases.map((c) => c.name))].sort());
    expect(new Set(CORRUPTIONS.map((c) => c.group))).toEqual(new Set(['General', 'Blur', 'Digital', 'Environment']));
  });

  for (const c of CORRUPTIONS) {
    it(`${c.name}: all severities, grey and RGB`, () => {
      for (const k of ref.cases.filter((x) => x.name === c.name)) {
        const shape = ref.shapes[k.image] as Shape;
        const out = corrupt(c, image(k.image), shape, k.severity, createRng(k.seed));
        const tol = TOLERANCE[c.name] ?? 1; // in 8-bit levels (1 = rounding at a .5 boundary)
        let maxDiff = 0;
        let sumDiff = 0;
        out.forEach((v, i) => {
          const diff = Math.abs(Math.round(v * 255) - k.expected[i]);
          maxDiff = Math.max(maxDiff, diff);
          sumDiff += diff;
        });
        expect(maxDiff, `${c.name} ${k.image} severity ${k.severity}`).toBeLessThanOrEqual(tol);
        expect(sumDiff / out.length, `${c.name} ${k.image} severity ${k.severity} mean`).toBeLessThanOrEqual(0.5);
      }
    });
  }

  it('the severity table in src/robustness/README.md is the one the code uses', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'src/robustness/README.md'), 'utf8');
    for (const c of CORRUPTIONS) expect(readme).toContain(severityTableRow(c));
  });

  it('severity 0 leaves the image unchanged; outputs are valid 8-bit images; same seed, same output', () => {
    const img = image('rgb');
    const shape = ref.shapes.rgb as Shape;
    for (const c of CORRUPTIONS) {
      expect(Array.from(corrupt(c, img, shape, 0, createRng(1)))).toEqual(Array.from(img));
      for (let s = 1; s <= 5; s++) {
        const a = corrupt(c, img, shape, s, createRng(9));
        for (const v of a) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
          expect(Number.isInteger(Math.round(v * 255 * 1e6) / 1e6)).toBe(true);
        }
        expect(Array.from(corrupt(c, img, shape, s, createRng(9)))).toEqual(Array.from(a));
        const png = decodePng(encodePng(a, shape));
        expect(png.pixels.map((v) => Math.round(v * 255))).toEqual(a.map((v) => Math.round(v * 255)));
      }
    }
  });

  it('severity grows: the mean change from the original does not fall from severity 1 to 5 (deterministic ones)', () => {
    const img = image('digit');
    const shape = ref.shapes.digit as Shape;
    for (const name of ['Gaussian_Blur', 'Contrast_Down', 'Brightness_Up', 'Zoom_Blur', 'Defocus_Blur']) {
      const c = getCorruption(name);
      if (!c) throw new Error(name);
      const change = (s: number) =>
        corrupt(c, img, shape, s, createRng(0)).reduce((a, v, i) => a + Math.abs(v - img[i]), 0);
      expect(change(5), name).toBeGreaterThan(change(1));
    }
  });
});
