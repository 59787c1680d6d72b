/**
 * The one list of technical tests, looked up by exact id. Each area exports its tests from its own
 * `tests.ts`; nothing registers itself at import time.
 */
import { AssayError } from '../errors.js';
import { explainTests } from '../explain/tests.js';
import { metricTests } from '../metrics/tests.js';
import { robustnessTests } from '../robustness/tests.js';
import type { TechnicalTest } from './types.js';

const ALL: TechnicalTest[] = [...metricTests, ...explainTests, ...robustnessTests];

const BY_ID = new Map<string, TechnicalTest>();
for (const t of ALL) {
  if (BY_ID.has(t.id)) throw new Error(`duplicate test id ${t.id}`);
  BY_ID.set(t.id, t);
}

export function listTests(): readonly TechnicalTest[] {
  return ALL;
}

export function getTest(id: string, configPath?: string): TechnicalTest {
  const t = BY_ID.get(id);
  if (!t) {
    throw new AssayError(
      'TEST_UNKNOWN',
      `unknown test "${id}". Known tests: ${[...BY_ID.keys()].join(', ') || '(none)'}`,
      configPath ? { configPath } : {},
    );
  }
  return t;
}
