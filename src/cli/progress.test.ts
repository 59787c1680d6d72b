import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

function stream(isTTY: boolean) {
  const out: string[] = [];
  return { out, s: { isTTY, write: (x: string) => out.push(x) } as unknown as NodeJS.WriteStream };
}

describe('progress bar', () => {
  it('draws on a terminal and clears its line when done', () => {
    const { out, s } = stream(true);
    const p = createProgress(s);
    p.update({ phase: 'scoring', done: 150, total: 300 });
    p.update({ phase: 'scoring', done: 300, total: 300 });
    p.done();
    expect(out[0]).toContain(' 50%  scoring 150/300');
    expect(out[1]).toContain('100%  scoring 300/300');
    expect(out.at(-1)).toBe('\r\x1b[2K');
  });

  it('is silent when the output is not a terminal (CI logs)', () => {
    const { out, s } = stream(false);
    const p = createProgress(s);
    p.update({ phase: 'scoring', done: 1, total: 2 });
    p.done();
    expect(out).toEqual([]);
  });
});
