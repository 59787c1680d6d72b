/**
 * junit.xml for CI systems: one test case per test and one per threshold, so a CI dashboard shows which
 * threshold failed. Failing thresholds are <failure>, tests that ended in an error are <error>, skipped
 * tests are <skipped>.
 */
import type { Results, TestResult } from '../results/schema.js';
import { fairnessLine } from './fairness.js';
import { escapeXml as x, fmtNumber } from './format.js';
import { testMs } from './summary.js';

function seconds(results: Results, index: number, id: string): string {
  const ms = testMs(results, index, id);
  return ms === undefined ? '0' : (ms / 1000).toFixed(3);
}

function testCase(
  results: Results,
  t: TestResult,
  index: number,
): { xml: string; failures: number; errors: number; skipped: number } {
  const cls = `assay.${t.id}`;
  const open = `    <testcase classname="${x(cls)}" name="${x(`${t.id}: ${t.title}`)}" time="${seconds(results, index, t.id)}"`;
  if (t.status === 'error') {
    const msg = t.error ? `${t.error.code}: ${t.error.message}` : 'the test ended with an error';
    return {
      xml: `${open}>\n      <error message="${x(msg)}" type="${x(t.error?.code ?? 'error')}">${x(msg)}</error>\n    </testcase>`,
      failures: 0,
      errors: 1,
      skipped: 0,
    };
  }
  if (t.status === 'skipped') {
    return {
      xml: `${open}>\n      <skipped message="${x(t.reason ?? 'skipped')}"/>\n    </testcase>`,
      failures: 0,
      errors: 0,
      skipped: 1,
    };
  }
  if (t.status === 'failed') {
    const failed = t.thresholds
      .filter((th) => !th.passed)
      .map((th) => {
        const groups = fairnessLine(t, th);
        return `${th.metric} = ${fmtNumber(th.actual)}, required ${th.condition}${groups ? ` (${groups})` : ''}`;
      });
    const msg = failed.length > 0 ? `threshold failed: ${failed.join('; ')}` : 'the test failed';
    return {
      xml: `${open}>\n      <failure message="${x(msg)}" type="threshold">${x(msg)}</failure>\n    </testcase>`,
      failures: 1,
      errors: 0,
      skipped: 0,
    };
  }
  return { xml: `${open}/>`, failures: 0, errors: 0, skipped: 0 };
}

export function renderJunit(results: Results): string {
  const cases: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const [index, t] of results.tests.entries()) {
    const c = testCase(results, t, index);
    cases.push(c.xml);
    tests++;
    failures += c.failures;
    errors += c.errors;
    skipped += c.skipped;
    for (const th of t.thresholds) {
      tests++;
      const name = `${t.id} threshold: ${th.metric} ${th.condition}`;
      const open = `    <testcase classname="${x(`assay.${t.id}.thresholds`)}" name="${x(name)}" time="0"`;
      if (th.passed) cases.push(`${open}/>`);
      else {
        failures++;
        const groups = fairnessLine(t, th);
        const msg = `${th.metric} = ${fmtNumber(th.actual)}, required ${th.condition}${th.reason ? ` (${th.reason})` : ''}${groups ? ` — ${groups}` : ''}`;
        cases.push(
          `${open}>\n      <failure message="${x(msg)}" type="threshold">${x(msg)}</failure>\n    </testcase>`,
        );
      }
    }
  }
  if (results.error) {
    tests++;
    errors++;
    const msg = `${results.error.code}: ${results.error.message}`;
    cases.push(
      `    <testcase classname="assay" name="run" time="0">\n      <error message="${x(msg)}" type="${x(results.error.code)}">${x(msg)}</error>\n    </testcase>`,
    );
  }
  const time = (results.timing.durationMs / 1000).toFixed(3);
  const attrs = `tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${x(`assay: ${results.name}`)}" ${attrs}>`,
    `  <testsuite name="${x(`assay: ${results.name}`)}" ${attrs} timestamp="${x(results.timing.startedAt)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
