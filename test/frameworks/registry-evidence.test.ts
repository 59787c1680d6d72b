/** Every registered technical test declares evidence only with ids that exist in the catalogs. */
import { describe, expect, it } from 'vitest';
import { unknownEvidenceIds } from '../../src/frameworks/coverage.js';
import { listTests } from '../../src/tests/registry.js';

describe('test-to-control declarations', () => {
  it('every registered test declares at least one existing AI Verify and NIST AI RMF id, and no unknown id', () => {
    const tests = listTests();
    expect(tests.length).toBeGreaterThan(0);
    const bad = tests.flatMap((t) => unknownEvidenceIds(t.evidence).map((id) => `${t.id}: ${id}`));
    expect(bad).toEqual([]);
    for (const t of tests) {
      expect(t.evidence.aiverify.length, t.id).toBeGreaterThan(0);
      expect(t.evidence.nistAiRmf.length, t.id).toBeGreaterThan(0);
    }
  });
});
