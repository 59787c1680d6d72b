import { expect } from 'vitest';
import { AssayError } from '../../src/errors.js';

/** Awaits `p` and returns the AssayError it rejects with; fails the test if it resolves or throws anything else. */
export async function errorOf(p: Promise<unknown>): Promise<AssayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AssayError) return e;
    throw e;
  }
  throw new Error('expected an AssayError');
}

/** Awaits `p`, expects an AssayError with `code` whose message contains every fragment, and returns it. */
export async function expectAssayError(p: Promise<unknown>, code: string, ...fragments: string[]): Promise<AssayError> {
  const e = await errorOf(p);
  expect(e.code, e.message).toBe(code);
  for (const f of fragments) expect(e.message).toContain(f);
  return e;
}
