/**
 * Markdown summary, JUnit XML and writeReports on a hand-built results.json: content, counts, atomic writes,
 * size, and tolerance of result shapes the report has never seen.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml, renderJunit, renderMarkdown, writeReports } from '../../src/report/index.js';
import type { Results } from '../../src/results/schema.js';
import { makeResults } from '../fixtures/report/results-fixture.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir('assay-report-');
afterAll(() => tmp.cleanup());
const results = makeResults();

describe('summary.md', () => {
  const md = renderMarkdown(results);
  it('leads with the outcome and counts', () => {
    expect(md.split('\n')[0]).toBe('## Assay: German credit scoring model — FAILED');
    expect(md).toContain(
      '3 of 4 tests with thresholds passed, 1 failed a threshold, 2 reported results without thresholds, 1 ended with an error, 1 skipped.',
    );
  });
  it('has one table row per test and lists every failed threshold', () => {
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Test') && !l.startsWith('| ---'));
    expect(rows).toHaveLength(results.tests.length);
    expect(md).toContain('- fairness.classification: demographic_parity_difference = 0.142 (required <= 0.1)');
    expect(md).toContain('❌ disparate_impact_ratio = 0.79 (>= 0.8)');
  });
  it('gives a coverage headline for each of the five frameworks', () => {
    const lines = md.split('\n').filter((l) => / evidenced/.test(l) && l.startsWith('- '));
    expect(lines).toHaveLength(5);
    expect(md).toMatch(/- NIST AI RMF[^:]*: \d+ of 72 evidenced/);
    expect(md).toMatch(/- AI Verify[^:]*: \d+ of 72 evidenced/);
  });
});

describe('junit.xml', () => {
  const xml = renderJunit(results);
  const count = (re: RegExp) => (xml.match(re) ?? []).length;
  it('has one test case per test and per threshold', () => {
    const thresholds = results.tests.reduce((a, t) => a + t.thresholds.length, 0);
    expect(count(/<testcase /g)).toBe(results.tests.length + thresholds);
    expect(xml).toContain(`tests="${results.tests.length + thresholds}"`);
  });
  it('reports failures, errors and skips as JUnit does', () => {
    // 1 failed test + 3 failed thresholds; 1 error; 1 skipped.
    expect(xml).toContain('failures="4" errors="1" skipped="1"');
    expect(count(/<failure /g)).toBe(4);
    expect(count(/<error /g)).toBe(1);
    expect(count(/<skipped /g)).toBe(1);
    expect(xml).toContain('MODEL_OUTPUT_INVALID: the model returned 3 scores per row; expected 2');
  });
  it('escapes markup in names and messages', () => {
    const r = structuredClone(results);
    r.tests[0].title = 'a <b> & "c"';
    const x = renderJunit(r);
    expect(x).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(x).not.toContain('<b>');
  });
});

describe('writeReports', () => {
  it('writes every format atomically into the folder', async () => {
    const out = path.join(tmp.dir, 'all');
    const { written, warnings } = await writeReports(results, out, {
      formats: ['html', 'md', 'junit', 'aiverify', 'oscal'],
    });
    expect(warnings).toEqual([]);
    for (const f of [
      'report.html',
      'summary.md',
      'junit.xml',
      'oscal/assessment-results.json',
      'aiverify/manifest.json',
    ]) {
      expect(written).toContain(path.join(out, f));
      expect(existsSync(path.join(out, f))).toBe(true);
    }
    // No temporary files left behind.
    const all = [
      ...readdirSync(out),
      ...readdirSync(path.join(out, 'aiverify')),
      ...readdirSync(path.join(out, 'oscal')),
    ];
    expect(all.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(statSync(path.join(out, 'report.html')).size).toBeLessThan(2_000_000);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toContain('could not be drawn');
    expect((html.match(/<figure class="chart"><svg /g) ?? []).length).toBeGreaterThanOrEqual(12);
    // Self-contained: no scripts, no external resources.
    expect(html).not.toMatch(/<script|<link |src="http|href="http|@import|url\(http/);
    // Internal SVG ids are unique in the page.
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    const oscal = JSON.parse(readFileSync(path.join(out, 'oscal/assessment-results.json'), 'utf8'));
    expect(oscal['assessment-results'].metadata['oscal-version']).toBe('1.2.2');
  });

  it('writes only the formats asked for', async () => {
    const out = path.join(tmp.dir, 'md-only');
    const { written } = await writeReports(results, out, { formats: ['md'] });
    expect(written).toEqual([path.join(out, 'summary.md')]);
    expect(readdirSync(out)).toEqual(['summary.md']);
  });

  it('warns about a format name it does not know', async () => {
    const out = path.join(tmp.dir, 'unknown');
    const { written, warnings } = await writeReports(results, out, { formats: ['md', 'docx' as never] });
    expect(written).toEqual([path.join(out, 'summary.md')]);
    expect(warnings).toEqual(['unknown report format "docx" (known: html, pdf, md, junit, oscal, aiverify)']);
  });

  it('without Chromium still writes the HTML and warns how to get one', async () => {
    const out = path.join(tmp.dir, 'no-browser');
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = path.join(tmp.dir, 'no-such-chromium');
    try {
      const { written, warnings } = await writeReports(results, out, { formats: ['pdf'] });
      expect(written).toEqual([path.join(out, 'report.html')]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('apt-get install chromium');
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
  });
});

describe('shapes the report does not know', () => {
  it('renders odd results, processChecks and coverage without throwing', async () => {
    const r = structuredClone(results) as Results;
    r.tests[0].results = {
      weird: [[1, [2, { deep: { deeper: { deepest: [null, true, 'x'] } } }]]],
      empty: {},
      list: [],
    };
    r.tests[1].results = 'just a string';
    r.tests[2].results = [{ group: 'a', fpr: 'not numbers', tpr: null }];
    r.tests[3].aiverify = [
      {
        gid: 'x',
        cid: 'shap_toolbox',
        version: '1',
        algorithmArgs: {},
        output: { feature_names: 3, results: 'no' },
        convention: 'c',
      },
    ];
    const loose = r as unknown as Record<string, unknown>;
    // Shapes from other versions of results.json: read generically, never a crash.
    loose.processChecks = { something: ['else'] };
    loose.coverage = [
      {
        id: 'custom',
        name: 'Custom framework',
        controls: [{ id: 'C-1', title: 'A control', status: 'evidenced', evidence: ['t1'] }],
      },
    ];
    const html = await renderHtml(r);
    expect(html).toContain('just a string');
    expect(html).toContain('deepest');
    expect(renderMarkdown(r)).toContain('## Assay:');
    expect(renderJunit(r)).toContain('<testsuites');
  });

  it('renders a run that stopped before the tests', async () => {
    const r = structuredClone(results) as Results;
    r.tests = [];
    r.status = 'error';
    r.summary = { tests: 0, passed: 0, failed: 0, error: 0, skipped: 0 };
    r.error = { code: 'FILE_NOT_FOUND', message: 'data/missing.csv does not exist' };
    const html = await renderHtml(r);
    expect(html).toContain('The run stopped before the tests: data/missing.csv does not exist');
    expect(renderJunit(r)).toContain('<error message="FILE_NOT_FOUND: data/missing.csv does not exist"');
  });
});
