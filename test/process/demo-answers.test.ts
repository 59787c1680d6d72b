/** The demo's filled-in answers load, cite only evidence files that exist, and give coverage in all five frameworks. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeCoverage } from '../../src/frameworks/coverage.js';
import { loadProcessChecks } from '../../src/process/index.js';
import { REPO_ROOT } from '../support/shared.js';

const demo = path.join(REPO_ROOT, 'demo');

describe('demo/process-checks.yaml', () => {
  it('answers all 97 checks and hashes each cited evidence file', async () => {
    const { answers, inputs } = await loadProcessChecks('process-checks.yaml', demo);
    expect(answers.summary).toEqual({ total: 97, yes: 36, no: 26, notApplicable: 35, unanswered: 0 });
    const evidence = inputs.filter((i) => i.role === 'evidence');
    expect(evidence.map((e) => e.path).sort()).toEqual([
      'README.md',
      'assay.yaml',
      'evidence/data-sheet.md',
      'evidence/fairness-approach.md',
      'evidence/model-card.md',
      'evidence/training-log.md',
    ]);
    for (const e of evidence) {
      const bytes = readFileSync(path.join(demo, e.path));
      expect(e.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    for (const c of answers.checks) expect(c.elaboration?.length, c.id).toBeGreaterThan(10);
  });
  it('gives coverage for all five frameworks together with the demo tests', async () => {
    const { answers } = await loadProcessChecks('process-checks.yaml', demo);
    const coverage = computeCoverage({
      tests: [
        {
          id: 'fairness.classification',
          title: 'fairness',
          status: 'failed',
          params: {},
          metrics: {},
          thresholds: [],
          evidence: { aiverify: ['7.2', '7.5', '7.8'], nistAiRmf: ['MEASURE 2.11'] },
        },
        {
          id: 'performance.classification',
          title: 'performance',
          status: 'passed',
          params: {},
          metrics: {},
          thresholds: [],
          evidence: { aiverify: ['3.13', '6.2'], nistAiRmf: ['MEASURE 2.3', 'MEASURE 2.5'] },
        },
      ],
      processChecks: answers,
    });
    expect(coverage.frameworks.map((f) => f.framework)).toEqual([
      'nist-ai-rmf',
      'aiverify',
      'nist-ai-600-1',
      'iso-42001',
      'eu-ai-act',
    ]);
    for (const f of coverage.frameworks)
      expect(f.totals.total - f.totals['not evidenced'], f.framework).toBeGreaterThan(0);
    const m211 = coverage.frameworks[0].controls.find((c) => c.id === 'MEASURE 2.11');
    expect(m211?.status).toBe('failed');
    expect(coverage.processChecks.unanswered).toEqual([]);
  });
});
