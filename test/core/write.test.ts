import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toJson, writeFileAtomic } from '../../src/results/write.js';
import { errorOf } from '../support/errors.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir('assay-write-');
afterAll(() => tmp.cleanup());

describe('atomic writes', () => {
  it('replaces a file whole and leaves no temp file', async () => {
    const file = path.join(tmp.dir, 'out', 'results.json');
    await writeFileAtomic(file, 'old');
    await Promise.all([writeFileAtomic(file, 'new-a'), writeFileAtomic(file, 'new-b')]);
    expect(['new-a', 'new-b']).toContain(readFileSync(file, 'utf8'));
    expect(readdirSync(path.dirname(file))).toEqual(['results.json']);
  });

  it('fails with OUTPUT_WRITE, naming the file, when the folder cannot be made', async () => {
    const blocker = tmp.file('not-a-folder', 'x');
    const e = await errorOf(writeFileAtomic(path.join(blocker, 'results.json'), 'data'));
    expect(e.code).toBe('OUTPUT_WRITE');
    expect(e.message).toContain(`cannot write ${path.join(blocker, 'results.json')}`);
  });

  it('refuses NaN or Infinity in results (a metric must be null with a reason)', () => {
    expect(() => toJson({ accuracy: Number.NaN })).toThrow(/non-finite number NaN/);
    expect(toJson({ a: 1, b: null })).toBe('{\n  "a": 1,\n  "b": null\n}\n');
  });
});
