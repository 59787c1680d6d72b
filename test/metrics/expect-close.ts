import { expect } from 'vitest';

/** |a − b| ≤ tol · max(1, |b|), and a is not null. */
export function close(a: number | null | undefined, b: number, tol = 1e-12, label = ''): void {
  expect(a, `${label} expected ${b}`).not.toBeNull();
  expect(Math.abs((a as number) - b), `${label} ${a} vs ${b}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
}
