/** The image-folder input: decoding, channel handling, row order, and errors that name the file and row. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Plan } from '../../src/config/schema.js';
import { decodePng, encodePng, loadImageTensor } from '../../src/data/images.js';
import { DataSession } from '../../src/data/session.js';
import { errorOf } from '../support/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'assay-images-'));
const grey = (seed: number) => Float64Array.from({ length: 12 }, (_, i) => ((i * 37 + seed * 11) % 256) / 255);
let db: DataSession;

function plan(shape?: [number, number, number]) {
  return Plan.parse({
    task: 'multiclass-classification',
    data: { path: 'x.csv', images: { folder: '.', fileColumn: 'file' } },
    target: 'label',
    model: { type: 'onnx', path: 'm.onnx', ...(shape ? { image: { shape } } : {}) },
  });
}

async function table(files: string[]): Promise<void> {
  const values = files.map((f, i) => `(${i}, '${f}')`).join(', ');
  await db.exec(
    `CREATE OR REPLACE TABLE data AS SELECT col0 AS __i, col1 AS file FROM (VALUES ${values}) ORDER BY col0 DESC`,
  );
}

beforeAll(async () => {
  db = await DataSession.open();
  writeFileSync(path.join(dir, 'a.png'), encodePng(grey(1), [1, 3, 4]));
  writeFileSync(path.join(dir, 'b.png'), encodePng(grey(2), [1, 3, 4]));
  const rgb = Float64Array.from({ length: 36 }, (_, i) => ((i * 53) % 256) / 255);
  writeFileSync(path.join(dir, 'rgb.png'), encodePng(rgb, [3, 3, 4]));
  writeFileSync(path.join(dir, 'big.png'), encodePng(new Float64Array(20), [1, 4, 5]));
  writeFileSync(path.join(dir, 'bad.png'), Buffer.from('not a png at all'));
});
afterAll(() => db.close());

describe('loadImageTensor', () => {
  it('reads rows in __i order, greyscale as one channel, values in [0, 1] on the 8-bit grid', async () => {
    await table(['a.png', 'b.png']);
    const t = await loadImageTensor(db, plan(), dir);
    expect(t.n).toBe(2);
    expect(t.shape).toEqual([1, 3, 4]);
    expect(Array.from(t.pixels.subarray(0, 12))).toEqual(Array.from(grey(1)));
    expect(Array.from(t.pixels.subarray(12))).toEqual(Array.from(grey(2)));
  });

  it('converts to the declared channels (RGB → grey with ITU-R 601 luma; grey → RGB copies)', async () => {
    await table(['rgb.png']);
    const t = await loadImageTensor(db, plan([1, 3, 4]), dir);
    const rgb = decodePng(
      Buffer.from(
        encodePng(
          Float64Array.from({ length: 36 }, (_, i) => ((i * 53) % 256) / 255),
          [3, 3, 4],
        ),
      ),
    );
    expect(t.pixels[0]).toBeCloseTo(0.299 * rgb.pixels[0] + 0.587 * rgb.pixels[12] + 0.114 * rgb.pixels[24], 12);
    await table(['a.png']);
    const c = await loadImageTensor(db, plan([3, 3, 4]), dir);
    expect(Array.from(c.pixels.subarray(12, 24))).toEqual(Array.from(grey(1)));
  });

  it('names the file and row of a missing, undecodable or wrong-sized image', async () => {
    await table(['a.png', 'missing.png']);
    const missing = await errorOf(loadImageTensor(db, plan(), dir));
    expect(missing.code).toBe('FILE_NOT_FOUND');
    expect(missing.where.row).toBe(1);
    expect(missing.message).toContain('missing.png');

    await table(['bad.png']);
    const bad = await errorOf(loadImageTensor(db, plan(), dir));
    expect(bad.code).toBe('IMAGE_INVALID');
    expect(bad.message).toContain('bad.png');
    expect(bad.where.row).toBe(0);

    await table(['a.png', 'big.png']);
    const big = await errorOf(loadImageTensor(db, plan(), dir));
    expect(big.code).toBe('IMAGE_INVALID');
    expect(big.message).toMatch(/big\.png.*5×4.*expected 4×3/);
    const declared = await errorOf(loadImageTensor(db, plan([1, 8, 8]), dir));
    expect(declared.message).toContain('model.image.shape');
  });
});
