import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
