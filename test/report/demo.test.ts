/**
 * Reports of a real run: demo-results.json is `assay demo`'s results (regenerate with
 * test/fixtures/report/make-demo-results.ts). Every test renders with its charts, the report stays small,
 * and the AI Verify export of the real outputs validates against AI Verify's schemas.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aiverifyChecklist, aiverifyTestResults } from '../../src/report/aiverify.js';
import { renderHtml, renderJunit, renderMarkdown } from '../../src/report/index.js';
import { Results } from '../../src/results/schema.js';
import { REPO_ROOT } from '../support/shared.js';
import { aiverifyValidator } from './aiverify-schemas.js';

const results = Results.parse(
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/report/demo-results.json'), 'utf8')),
);

describe('reports of the demo run', () => {
  it('HTML: every test with at least one chart, coverage for five frameworks, under 2 MB', async () => {
    const html = await renderHtml(results);
    expect(Buffer.byteLength(html)).toBeLessThan(2_000_000);
    expect(html).not.toContain('could not be drawn');
    for (const t of results.tests) {
      const start = html.indexOf(`<article class="test" id="test-${t.id.replace(/[^A-Za-z0-9_-]+/g, '-')}"`);
      expect(start, t.id).toBeGreaterThan(0);
      const article = html.slice(start, html.indexOf('</article>', start));
      expect(
        (article.match(/<figure class="chart"><svg /g) ?? []).length,
        `${t.id} has no chart`,
      ).toBeGreaterThanOrEqual(1);
    }
    // Coverage is recomputed from the tests when results.json does not carry it.
    expect((html.match(/<section id="fw-/g) ?? []).length).toBe(5);
    expect(html).toContain('fairness.classification');
  });

  it('Markdown and JUnit agree with the run', () => {
    const md = renderMarkdown(results);
    const gated = results.tests.filter((t) => t.thresholds.length > 0);
    const reported = results.tests.length - gated.length;
    expect(md).toContain(
      `${gated.filter((t) => t.status === 'passed').length} of ${gated.length} tests with thresholds passed`,
    );
    expect(md).toContain(`${reported} reported results without thresholds`);
    expect(md.match(/\| Reported \(no thresholds\) \|/g) ?? []).toHaveLength(reported);
    const xml = renderJunit(results);
    const thresholds = results.tests.reduce((a, t) => a + t.thresholds.length, 0);
    expect((xml.match(/<testcase /g) ?? []).length).toBe(results.tests.length + thresholds);
  });

  it("AI Verify export: every real output validates against AI Verify's schemas", () => {
    const { validate } = aiverifyValidator();
    const exported = aiverifyTestResults(results);
    expect(exported.length).toBeGreaterThanOrEqual(4);
    for (const e of exported) {
      expect(validate(e.result), e.file).toEqual([]);
    }
  });

  it('AI Verify export: every answered process check, in the 12 checklists', () => {
    const group = aiverifyChecklist(results)!;
    const answered = results.processChecks!.checks.filter((c) => c.answer !== null).length;
    expect(answered).toBeGreaterThan(0);
    const completed = group.input_blocks.flatMap((b) => Object.keys(b.data).filter((k) => k.startsWith('completed-')));
    expect(completed).toHaveLength(answered);
    expect(group.input_blocks).toHaveLength(12);
    const words = { yes: 'Yes', no: 'No', 'not-applicable': 'Not Applicable' } as const;
    for (const c of results.processChecks!.checks) {
      if (c.answer === null) continue;
      const block = group.input_blocks.find((b) => `completed-${c.id}` in b.data)!;
      expect(block.data[`completed-${c.id}`]).toBe(words[c.answer]);
    }
  });
});

describe('the demo fixture', () => {
  it('has the tests demo/assay.yaml plans, in its order (regenerate it when the plan changes)', () => {
    const plan = parseYaml(readFileSync(path.join(REPO_ROOT, 'demo/assay.yaml'), 'utf8')) as {
      tests: { id: string }[];
    };
    expect(results.tests.map((t) => t.id)).toEqual(plan.tests.map((t) => t.id));
    // Params the plan sets are the params the fixture ran with.
    for (const [i, t] of plan.tests.entries()) {
      for (const [k, v] of Object.entries((t as { params?: Record<string, unknown> }).params ?? {}))
        expect(results.tests[i].params[k], `${t.id} ${k}`).toEqual(v);
    }
  });
});
