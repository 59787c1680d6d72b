import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/config/load.js';
import { checkLabels, loadData } from '../../src/data/load.js';
import { DataSession } from '../../src/data/session.js';
import { errorOf } from '../support/errors.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

let db: DataSession;
beforeEach(async () => {
  db = await DataSession.open();
});
afterEach(() => db.close());

function plan(dataPath: string, extra: Record<string, unknown> = {}) {
  return parsePlan({
    task: 'binary-classification',
    data: { path: dataPath, ...(extra.data as object) },
    target: 'y',
    sensitive: ['g'],
    model: { type: 'predictions', label: 'p', score: 's' },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'data')),
  });
}
const needs = { numeric: ['x', 's'], other: ['y', 'g', 'p'] };
const GOOD = 'id,x,g,y,p,s\n1,0.5,a,yes,yes,0.9\n2,1.5,b,no,no,0.2\n3,2.5,a,no,yes,0.6\n';


describe('loading data', () => {
  it('loads CSV, gzip CSV, Parquet and JSON with row ids', async () => {
    tmp.file('good.csv', GOOD);
    tmp.file('good.csv.gz', GOOD);
    const info = await loadData(db, plan('good.csv', { data: { id: 'id' } }), tmp.dir, needs);
    expect(info).toMatchObject({ rows: 3, rowsRead: 3, rowsDroppedForNulls: 0 });
    expect(await db.rows('SELECT __row_id, __i, g FROM data ORDER BY __i')).toEqual([
      [1n, 0, 'a'],
      [2n, 1, 'b'],
      [3n, 2, 'a'],
    ]);
    await db.exec(`COPY (SELECT * FROM read_csv('${tmp.dir}/good.csv')) TO '${tmp.dir}/good.parquet' (FORMAT PARQUET)`);
    await db.exec(`COPY (SELECT * FROM read_csv('${tmp.dir}/good.csv')) TO '${tmp.dir}/good.json' (FORMAT JSON)`);
    for (const f of ['good.csv.gz', 'good.parquet', 'good.json']) {
      const d2 = await DataSession.open();
      expect((await loadData(d2, plan(f), tmp.dir, needs)).rows).toBe(3);
      expect(await d2.rows('SELECT __row_id FROM data ORDER BY __i')).toEqual([[0n], [1n], [2n]]);
      d2.close();
    }
  });

  it('filters rows and keeps file row numbers as ids', async () => {
    tmp.file('f.csv', GOOD);
    const info = await loadData(db, plan('f.csv', { data: { filter: { column: 'g', in: ['a'] } } }), tmp.dir, needs);
    expect(info.rows).toBe(2);
    expect(await db.rows('SELECT __row_id, __i FROM data ORDER BY __i')).toEqual([
      [0n, 0],
      [2n, 1],
    ]);
  });

  it('missing file', async () => {
    const e = await errorOf(loadData(db, plan('nope.csv'), tmp.dir, needs));
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.message).toContain('data file not found: nope.csv');
  });

  it('empty file and header-only file', async () => {
    tmp.file('empty.csv', '');
    tmp.file('header.csv', 'id,x,g,y,p,s\n');
    const empty = await errorOf(loadData(db, plan('empty.csv'), tmp.dir, needs));
    expect(empty.code).toBe('DATA_EMPTY');
    expect(empty.message).toBe('data file empty.csv is empty (0 bytes)');
    const e = await errorOf(loadData(db, plan('header.csv'), tmp.dir, needs));
    expect(e.code).toBe('DATA_EMPTY');
    expect(e.message).toContain('has a header but no rows');
  });

  it('ragged CSV names the line', async () => {
    tmp.file('ragged.csv', 'id,x,g,y,p,s\n1,0.5,a,yes,yes,0.9\n2,1.5,b,no\n');
    const e = await errorOf(loadData(db, plan('ragged.csv'), tmp.dir, needs));
    expect(e.code).toBe('DATA_UNREADABLE');
    expect(e.message).toContain('line 3 (data row 2) has 4 fields, but the header has 6');
  });

  it('a binary file named .csv is reported as such (and a Parquet file is recognised)', async () => {
    tmp.file('bin.csv', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3]));
    const e = await errorOf(loadData(db, plan('bin.csv'), tmp.dir, needs));
    expect(e.code).toBe('DATA_UNREADABLE');
    expect(e.message).toBe('bin.csv is not CSV text: it holds binary data (NUL bytes in its first 11 bytes)');
    await db.exec(`COPY (SELECT 1 AS a) TO '${tmp.dir}/pq.csv' (FORMAT PARQUET)`);
    const p = await errorOf(loadData(db, plan('pq.csv'), tmp.dir, needs));
    expect(p.message).toContain('it looks like a Parquet file');
    expect(p.hint).toContain('data.format: parquet');
  });

  it('missing column suggests the near name', async () => {
    tmp.file('m.csv', GOOD.replace('id,x,g', 'id,xx,g'));
    const e = await errorOf(loadData(db, plan('m.csv'), tmp.dir, needs));
    expect(e.code).toBe('COLUMN_MISSING');
    expect(e.message).toContain('column "x" is not in m.csv');
    expect(e.message).toContain('Did you mean "xx"?');
    expect(e.where.column).toBe('x');
  });

  it('a numeric column holding text names the row and value', async () => {
    tmp.file('t.csv', GOOD.replace('2,1.5,b', '2,high,b'));
    const e = await errorOf(loadData(db, plan('t.csv'), tmp.dir, needs));
    expect(e.code).toBe('COLUMN_NOT_NUMERIC');
    expect(e.message).toBe('column "x" of t.csv must be numeric, but data row 2 holds "high"');
    expect(e.where).toMatchObject({ file: 't.csv', column: 'x', row: 2 });
  });

  it('NaN or Inf in a score column', async () => {
    tmp.file('nan.csv', GOOD.replace('no,no,0.2', 'no,no,NaN'));
    const e = await errorOf(loadData(db, plan('nan.csv'), tmp.dir, needs));
    expect(e.code).toBe('NON_FINITE');
    expect(e.message).toContain('column "s" of nan.csv holds nan at data row 2');
    tmp.file('inf.csv', GOOD.replace('2,1.5,b', '2,inf,b'));
    expect((await errorOf(loadData(db, plan('inf.csv'), tmp.dir, needs))).code).toBe('NON_FINITE');
  });

  it('nulls: an error by default, dropped and counted on request', async () => {
    tmp.file('null.csv', GOOD.replace('2,1.5,b', '2,,b'));
    const e = await errorOf(loadData(db, plan('null.csv'), tmp.dir, needs));
    expect(e.code).toBe('NULL_VALUES');
    expect(e.message).toContain('missing value in column "x" at data row 2');
    const info = await loadData(db, plan('null.csv', { data: { nulls: 'drop' } }), tmp.dir, needs);
    expect(info).toMatchObject({ rows: 2, rowsDroppedForNulls: 1 });
  });

  it('duplicated ids', async () => {
    tmp.file('dup.csv', GOOD.replace('3,2.5', '2,2.5'));
    const e = await errorOf(loadData(db, plan('dup.csv', { data: { id: 'id' } }), tmp.dir, needs));
    expect(e.code).toBe('DUPLICATE_ID');
    expect(e.message).toContain('holds the value 2 2 times');
  });

  it('labels outside the declared classes', async () => {
    tmp.file('lab.csv', GOOD.replace('3,2.5,a,no', '3,2.5,a,maybe'));
    const p = plan('lab.csv', { data: { id: 'id' } });
    await loadData(db, p, tmp.dir, needs);
    const e = await errorOf(checkLabels(db, p, ['no', 'yes']));
    expect(e.code).toBe('UNKNOWN_LABEL');
    expect(e.message).toContain('holds "maybe" (row id 3), which is not one of the declared classes [no, yes]');
  });

  it('a filter that matches nothing', async () => {
    tmp.file('f2.csv', GOOD);
    const e = await errorOf(loadData(db, plan('f2.csv', { data: { filter: { column: 'g', in: ['zzz'] } } }), tmp.dir, needs));
    expect(e.code).toBe('DATA_EMPTY');
    expect(e.message).toContain('no rows of f2.csv match the filter g in [zzz]');
  });
});
