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
