import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeatureMatrix, streamFeatureBatches } from '../../src/data/features.js';
import { DataSession } from '../../src/data/session.js';
import type { FeatureInfo } from '../../src/models/types.js';

describe('raw feature matrix from the data table', () => {
  let db: DataSession;
  const features: FeatureInfo[] = [
    { kind: 'numeric', name: 'x' },
    { kind: 'categorical', name: 'colour', categories: ['red', 'green', 'blue'] },
    { kind: 'categorical', name: 'level', categories: [1, 2, 3] },
  ];
  beforeAll(async () => {
    db = await DataSession.open({ threads: 1 });
    // Stored out of __i order on purpose; level is DOUBLE (1.0 must match category 1).
    await db.exec(`CREATE TABLE data AS SELECT * FROM (VALUES
      (2, 1.5, 'green', 3.0, 102::BIGINT),
      (0, -2.0, 'red', 1.0, 100::BIGINT),
      (3, NULL, NULL, 7.0, 103::BIGINT),
      (1, 4.25, 'purple', 2.0, 101::BIGINT)
    ) t(__i, x, colour, level, __row_id)`);
  });
  afterAll(() => db?.close());

  it('reads numeric values, category codes (unknown/NULL → −1) and NULL → NaN, in __i order', async () => {
    const { n, x } = await readFeatureMatrix(db, features);
    expect(n).toBe(4);
    expect(Array.from(x)).toEqual([-2, 0, 0, 4.25, -1, 1, 1.5, 1, 2, Number.NaN, -1, -1]);
  });

  it('streams batches across chunk boundaries with row ids; storage order when orderBy is null', async () => {
    const seen: number[][] = [];
    const ids: bigint[] = [];
    const total = await streamFeatureBatches(
      db,
      features,
      3,
      (x, n, start, rowIds) => {
        seen.push([start, n, ...Array.from(x.subarray(0, n * 3))]);
        ids.push(...(rowIds ?? []));
      },
      { rowIds: true },
    );
    expect(total).toBe(4);
    expect(seen).toEqual([
      [0, 3, -2, 0, 0, 4.25, -1, 1, 1.5, 1, 2],
      [3, 1, Number.NaN, -1, -1],
    ]);
    expect(ids).toEqual([100n, 101n, 102n, 103n]);
    const unordered: bigint[] = [];
    await streamFeatureBatches(db, features, 10, (_x, _n, _s, rowIds) => void unordered.push(...(rowIds ?? [])), {
      rowIds: true,
      orderBy: null,
    });
    expect([...unordered].sort()).toEqual([100n, 101n, 102n, 103n]);
  });

  it('handles 5000 rows (several DuckDB chunks, scattered NULLs) identically through both readers', async () => {
    await db.exec(
      "CREATE TABLE big AS SELECT range::INTEGER AS __i, CASE WHEN range % 37 = 0 THEN NULL ELSE range * 0.5 END AS x, ['red','green','blue','pink'][range % 4 + 1] AS colour, CASE WHEN range % 53 = 5 THEN NULL ELSE (range % 3 + 1)::DOUBLE END AS level, range::BIGINT AS __row_id FROM range(5000)",
    );
    const whole = await readFeatureMatrix(db, features, { table: 'big' });
    const parts = new Float64Array(whole.x.length);
    await streamFeatureBatches(db, features, 777, (x, n, start) => parts.set(x.subarray(0, n * 3), start * 3), {
      table: 'big',
    });
    expect(whole.n).toBe(5000);
    expect(parts).toEqual(whole.x);
    expect(Array.from(whole.x.subarray(3 * 4999))).toEqual([2499.5, -1, 1]);
    // Every value checked against the closed form: NULL x → NaN, NULL level → −1 (unknown).
    let bad = -1;
    for (let i = 0; i < 5000 && bad < 0; i++) {
      const want = [i % 37 === 0 ? Number.NaN : i * 0.5, [0, 1, 2, -1][i % 4], i % 53 === 5 ? -1 : i % 3];
      if (!want.every((w, j) => Object.is(w, whole.x[i * 3 + j]))) bad = i;
    }
    expect(bad).toBe(-1);
  });

  it('all-numeric features, and codes past 127 categories (wider code type), read exactly', async () => {
    await db.exec(
      "CREATE TABLE wide AS SELECT range::INTEGER AS __i, 'c' || (range % 300) AS big, CASE WHEN range % 7 = 2 THEN NULL ELSE range * 0.25 END AS y, CASE WHEN range % 11 = 4 THEN NULL ELSE -range - 1 END AS z, range::BIGINT AS __row_id FROM range(4500)",
    );
    const numeric: FeatureInfo[] = [
      { kind: 'numeric', name: 'z' },
      { kind: 'numeric', name: 'y' },
    ];
    const cats = Array.from({ length: 250 }, (_, k) => `c${k}`); // c250…c299 are unknown
    const mixed: FeatureInfo[] = [numeric[1], { kind: 'categorical', name: 'big', categories: cats }, numeric[0]];
    const a = await readFeatureMatrix(db, numeric, { table: 'wide' });
    const b = await readFeatureMatrix(db, mixed, { table: 'wide' });
    let bad = -1;
    for (let i = 0; i < 4500 && bad < 0; i++) {
      const y = i % 7 === 2 ? Number.NaN : i * 0.25;
      const z = i % 11 === 4 ? Number.NaN : -i - 1;
      const code = i % 300 < 250 ? i % 300 : -1;
      const ok =
        Object.is(a.x[i * 2], z) &&
        Object.is(a.x[i * 2 + 1], y) &&
        Object.is(b.x[i * 3], y) &&
        b.x[i * 3 + 1] === code &&
        Object.is(b.x[i * 3 + 2], z);
      if (!ok) bad = i;
    }
    expect([a.n, b.n, bad]).toEqual([4500, 4500, -1]);
  });
});
