import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAssayError } from '../errors.js';
import { DataSession, ident, lit } from './session.js';

describe('DataSession', () => {
  let db: DataSession;
  beforeAll(async () => {
    db = await DataSession.open();
  });
  afterAll(() => db.close());

  it('reads numeric columns into Float64Arrays across chunks, NULL as NaN', async () => {
    const { n, cols } = await db.readDoubles(
      'SELECT i AS a, CASE WHEN i % 1000 = 7 THEN NULL ELSE i * 0.5 END AS b FROM range(5000) t(i)',
    );
    expect(n).toBe(5000);
    expect(cols[0][4999]).toBe(4999);
    expect(cols[1][10]).toBe(5);
    expect(Number.isNaN(cols[1][7])).toBe(true);
    expect(Number.isNaN(cols[1][1007])).toBe(true);
    expect(cols[1][1008]).toBe(504);
  });

  it('quotes identifiers and literals', async () => {
    expect(ident('a"b')).toBe('"a""b"');
    expect(lit("it's")).toBe("'it''s'");
    const v = await db.scalar(`SELECT ${lit("it's")} AS ${ident('we"ird')}`);
    expect(v).toBe("it's");
  });

  it('caps DuckDB memory at 1 GB by default', async () => {
    expect(String(await db.scalar(`SELECT current_setting('memory_limit')`))).toMatch(
      /^(953\.6 MiB|1\.0 GiB|1000\.0 MB)$/,
    );
  });
});

describe('DataSession spilling', () => {
  it('spills past its memory limit into a private folder under the OS temp dir, removed on close', async () => {
    const db = await DataSession.open({ memoryLimit: '40MB' });
    const dir = String(await db.scalar(`SELECT current_setting('temp_directory')`));
    expect(dir.startsWith(os.tmpdir())).toBe(true);
    // A 4M-row sort of random doubles needs far more than 40 MB: it must spill, and still be right.
    await db.exec('CREATE TABLE t AS SELECT hash(i) % 1000003 AS k, i::DOUBLE AS v FROM range(4000000) r(i)');
    let spilled = false;
    let prev = -1;
    let ordered = true;
    let n = 0;
    await db.streamDoubles('SELECT k, v FROM t ORDER BY k, v', (cols, k) => {
      if (!spilled && existsSync(dir) && readdirSync(dir).length > 0) spilled = true;
      for (let i = 0; i < k; i++) {
        if (cols[0][i] < prev) ordered = false;
        prev = cols[0][i];
      }
      n += k;
    });
    expect(n).toBe(4_000_000);
    expect(ordered).toBe(true);
    expect(spilled).toBe(true);
    db.close();
    expect(existsSync(dir)).toBe(false);
  });

  it('reports running out of memory as OUT_OF_MEMORY with a hint, not as a bug', async () => {
    const db = await DataSession.open({ memoryLimit: '30MB' });
    try {
      await db.exec(`SET max_temp_directory_size = '0KB'`); // no spilling allowed: the sort below cannot fit
      const e = await db
        .exec(
          'CREATE TABLE t AS SELECT i::DOUBLE AS v, repeat(i::VARCHAR, 10) AS s FROM range(3000000) r(i) ORDER BY s DESC',
        )
        .then(
          () => undefined,
          (err: unknown) => toAssayError(err),
        );
      expect(e?.code).toBe('OUT_OF_MEMORY');
      expect(e?.hint).toContain('ASSAY_MEMORY_LIMIT');
      expect(e?.exitCode).toBe(2);
    } finally {
      db.close();
    }
  });
});
