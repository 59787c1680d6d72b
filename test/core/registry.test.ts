import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/api.js';
import type { Results, TestResult } from '../../src/results/schema.js';
import { getTest, listTests } from '../../src/tests/registry.js';

describe('test registry', () => {
  it('lists every test once, each rejecting unknown (misspelt) parameters and declaring evidence', () => {
    const ids = listTests().map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const t of listTests()) {
      expect(t.params.safeParse({ __typo: 1 }).success, `${t.id} must reject unknown params`).toBe(false);
      expect(t.params.safeParse({}).success, `${t.id} must run with default params`).toBe(true);
      expect(t.evidence.aiverify.length + t.evidence.nistAiRmf.length, t.id).toBeGreaterThan(0);
    }
  });

  it('an unknown id is a config error listing the known ones', () => {
    expect(() => getTest('nope', 'tests[0].id')).toThrow(/unknown test "nope". Known tests: performance.classification/);
  });
});

describe('exit codes', () => {
  const base = { tests: [] as TestResult[] } as unknown as Results;
  const test = (status: TestResult['status'], code?: string) =>
    ({ status, ...(code ? { error: { code, message: 'm' } } : {}) }) as TestResult;
  it('0 all passed, 1 a threshold failed, 2 bad input, 3 internal error', () => {
    expect(exitCodeOf({ ...base, tests: [test('passed'), test('skipped')] })).toBe(0);
    expect(exitCodeOf({ ...base, tests: [test('passed'), test('failed')] })).toBe(1);
    expect(exitCodeOf({ ...base, tests: [test('failed'), test('error', 'HTTP_TIMEOUT')] })).toBe(2);
    expect(exitCodeOf({ ...base, tests: [test('error', 'HTTP_TIMEOUT'), test('error', 'INTERNAL')] })).toBe(3);
    expect(exitCodeOf({ ...base, error: { code: 'COLUMN_MISSING', message: 'm' } })).toBe(2);
    expect(exitCodeOf({ ...base, error: { code: 'INTERNAL', message: 'm' } })).toBe(3);
  });
});
