/**
 * Coverage on a hand-built list of test results and answers: statuses follow the documented rules, derived
 * evidence names its crosswalks, totals add up, and unanswered checks are never counted as passed.
 */
import { describe, expect, it } from 'vitest';
import { type CoverageReport, computeCoverage, unknownEvidenceIds } from '../../src/frameworks/coverage.js';
import { emptyProcessCheckAnswers, type ProcessCheckAnswers } from '../../src/process/index.js';
import type { TestResult } from '../../src/results/schema.js';

function test(id: string, status: TestResult['status'], aiverify: string[], nistAiRmf: string[]): TestResult {
  return { id, title: id, status, params: {}, metrics: {}, thresholds: [], evidence: { aiverify, nistAiRmf } };
}

function answered(map: Record<string, 'yes' | 'no' | 'not-applicable'>): ProcessCheckAnswers {
  const a = emptyProcessCheckAnswers();
  for (const c of a.checks) c.answer = map[c.id] ?? null;
  const n = (x: string | null) => a.checks.filter((c) => c.answer === x).length;
  a.summary = { total: 97, yes: n('yes'), no: n('no'), notApplicable: n('not-applicable'), unanswered: n(null) };
  return a;
}

const control = (r: CoverageReport, f: string, id: string) => {
  const k = r.frameworks.find((x) => x.framework === f)?.controls.find((c) => c.id === id);
  if (!k) throw new Error(`${f} ${id} missing from coverage`);
  return k;
};

const tests = [
  test('group-fairness', 'passed', ['7.2'], ['MEASURE 2.11']),
  test('performance', 'failed', [], ['MEASURE 2.3']),
  test('shap', 'error', ['2.1'], ['MEASURE 2.9']),
  test('nothing-mapped', 'passed', [], ['MEASURE 2.2']),
];
const fairnessYes = Object.fromEntries(
  ['7.2.1', '7.5.1', '7.6.1', '7.7.1', '7.8.1', '7.9.1'].map((id) => [id, 'yes' as const]),
);
const report = computeCoverage({
  tests,
  processChecks: answered({ ...fairnessYes, '7.1.1': 'not-applicable', '2.1.1': 'yes', '9.4.1': 'no' }),
});

describe('computeCoverage', () => {
  it('decides AI Verify criteria from tests and their process checks', () => {
    expect(control(report, 'aiverify', '7.2').status).toBe('evidenced');
    expect(control(report, 'aiverify', '7.1').status).toBe('not applicable');
    expect(control(report, 'aiverify', '2.1').status).toBe('partially evidenced'); // yes + errored test
    expect(control(report, 'aiverify', '9.4').status).toBe('not evidenced'); // answered no
    expect(control(report, 'aiverify', '4.1').status).toBe('not evidenced'); // unanswered
    expect(control(report, 'aiverify', '4.1').reason).toBe('1 check(s) unanswered');
    const e = control(report, 'aiverify', '7.2').evidence;
    expect(e.map((x) => `${x.type}:${x.id}:${x.outcome}:${x.via.length}`)).toEqual([
      'process-check:7.2.1:yes:0',
      'test:group-fairness:passed:0',
    ]);
  });
  it('carries evidence to NIST AI RMF through the crosswalks and marks failures', () => {
    const m211 = control(report, 'nist-ai-rmf', 'MEASURE 2.11');
    expect(m211.status).toBe('evidenced'); // test passed, all mapped checks yes or not applicable
    expect(m211.evidence.find((x) => x.id === '7.6.1')?.via).toEqual(['nist-ai-rmf--aiverify--assay']);
    expect(m211.evidence.find((x) => x.id === 'group-fairness')?.via).toEqual([]);
    expect(control(report, 'nist-ai-rmf', 'MEASURE 2.3').status).toBe('failed');
    expect(control(report, 'nist-ai-rmf', 'MEASURE 1.3').status).toBe('not evidenced');
    expect(control(report, 'nist-ai-rmf', 'MEASURE 2.2').status).toBe('evidenced'); // a passed test, no checks map here
    expect(control(report, 'nist-ai-rmf', 'MAP 1.3').reason).toBe(
      'no test or process check gives evidence for this control',
    );
    // Categories roll up their subcategories and the official category-level pairs.
    const m2 = control(report, 'nist-ai-rmf', 'MEASURE 2');
    expect(m2.kind).toBe('category');
    expect(m2.status).toBe('failed');
    expect(m2.evidence.some((x) => x.via.includes('nist-ai-rmf--aiverify--official-2023'))).toBe(true);
  });
  it('composes on to NIST AI 600-1, ISO/IEC 42001 and the EU AI Act, keeping the shortest path', () => {
    const a54 = control(report, 'iso-42001', 'A.5.4');
    // Declared directly against MEASURE 2.11, so one hop (not two through AI Verify 7.2).
    expect(a54.evidence.find((x) => x.id === 'group-fairness')?.via).toEqual(['nist-ai-rmf--iso-42001--assay']);
    expect(a54.evidence.find((x) => x.id === '7.6.1')?.via).toEqual([
      'nist-ai-rmf--aiverify--assay',
      'nist-ai-rmf--iso-42001--assay',
    ]);
    expect(control(report, 'eu-ai-act', 'art-15').status).toBe('failed');
    expect(control(report, 'nist-ai-600-1', 'harmful-bias-homogenization').evidence.length).toBeGreaterThan(0);
  });
  it('follows AI Verify → NIST for a test only when the test declares no NIST id itself', () => {
    // group-fairness declares 7.2 and MEASURE 2.11: it must not reach GOVERN 1.2 through the 7.2 pair.
    expect(control(report, 'nist-ai-rmf', 'GOVERN 1.2').evidence.some((e) => e.id === 'group-fairness')).toBe(false);
    const onlyAv = computeCoverage({ tests: [test('av-only', 'failed', ['7.2'], [])] });
    const g12 = control(onlyAv, 'nist-ai-rmf', 'GOVERN 1.2');
    expect(g12.evidence.find((e) => e.id === 'av-only')?.via).toEqual(['nist-ai-rmf--aiverify--assay']);
    expect(g12.status).toBe('failed');
  });
  it('totals add up per framework and per group', () => {
    const expected = { 'nist-ai-rmf': 72, aiverify: 72, 'nist-ai-600-1': 12, 'iso-42001': 38, 'eu-ai-act': 8 };
    expect(Object.fromEntries(report.frameworks.map((f) => [f.framework, f.totals.total]))).toEqual(expected);
    for (const f of report.frameworks) {
      const t = f.totals;
      expect(t.evidenced + t['partially evidenced'] + t['not evidenced'] + t['not applicable'] + t.failed).toBe(
        t.total,
      );
      for (const key of Object.keys(t) as (keyof typeof t)[])
        expect(
          f.groups.reduce((s, g) => s + g.totals[key], 0),
          `${f.framework} ${key}`,
        ).toBe(t[key]);
    }
    expect(report.frameworks.find((f) => f.framework === 'nist-ai-rmf')?.groups.map((g) => g.totals.total)).toEqual([
      19, 18, 22, 13,
    ]);
    expect(report.processChecks).toMatchObject({ total: 97, yes: 7, no: 1, notApplicable: 1 });
    expect(report.processChecks.unanswered).toHaveLength(88);
  });
  it('never counts unanswered checks as passed', () => {
    const none = computeCoverage({ tests: [] });
    expect(none.processChecks.unanswered).toHaveLength(97);
    for (const f of none.frameworks) {
      expect(f.totals.evidenced, f.framework).toBe(0);
      expect(f.totals['partially evidenced'], f.framework).toBe(0);
      expect(f.totals['not applicable'], f.framework).toBe(0);
    }
    // A passing test next to unanswered checks is only partial evidence.
    const one = computeCoverage({ tests: [test('group-fairness', 'passed', ['7.2'], [])] });
    expect(control(one, 'aiverify', '7.2').status).toBe('partially evidenced');
  });
  it('is deterministic', () => {
    const again = computeCoverage({
      tests,
      processChecks: answered({ ...fairnessYes, '7.1.1': 'not-applicable', '2.1.1': 'yes', '9.4.1': 'no' }),
    });
    expect(JSON.stringify(again)).toBe(JSON.stringify(report));
  });
});

describe('unknownEvidenceIds', () => {
  it('accepts criteria, process checks, subcategories and categories and reports anything else', () => {
    expect(unknownEvidenceIds({ aiverify: ['7.1', '7.2.1'], nistAiRmf: ['MEASURE 2.11', 'MEASURE 2'] })).toEqual([]);
    expect(unknownEvidenceIds({ aiverify: ['7.10', 'fairness', '7'], nistAiRmf: ['MEASURE 2.14', 'MS-2.11'] })).toEqual(
      ['aiverify:7.10', 'aiverify:fairness', 'aiverify:7', 'nist-ai-rmf:MEASURE 2.14', 'nist-ai-rmf:MS-2.11'],
    );
  });
});
