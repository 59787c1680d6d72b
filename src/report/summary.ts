/** Facts every renderer shows first: overall outcome, counts, coverage headlines, model and data identity. */
import type { Results } from '../results/schema.js';
import { fairnessLine } from './fairness.js';
import { displayStatus, fmtNumber } from './format.js';
import { frameworkCounts, frameworkViewsOf } from './views.js';

export interface CoverageHeadline {
  id: string;
  name: string;
  controls: number;
  counts: Record<string, number>;
  /** "12 of 72 evidenced, 5 partially, 1 failed". */
  text: string;
}

export function coverageHeadlines(results: Results): CoverageHeadline[] {
  return frameworkViewsOf(results).map((fw) => {
    const counts = frameworkCounts(fw);
    const controls = Object.values(counts).reduce((a, b) => a + b, 0);
    const parts = [`${counts.evidenced ?? 0} of ${controls} evidenced`];
    if (counts['partially evidenced']) parts.push(`${counts['partially evidenced']} partially`);
    if (counts.failed) parts.push(`${counts.failed} failed`);
    if (counts['not applicable']) parts.push(`${counts['not applicable']} not applicable`);
    return { id: fw.id, name: fw.name, controls, counts, text: parts.join(', ') };
  });
}

export function modelIdentity(results: Results): string {
  const m = results.model;
  const where = m.path ?? m.endpoint;
  return [m.type, where, m.sha256 ? `sha256 ${m.sha256.slice(0, 12)}…` : undefined].filter(Boolean).join(' · ');
}

export function dataIdentity(results: Results): string {
  const data = results.inputs.find((i) => i.role === 'data');
  const d = results.data;
  const rows = `${d.rows} rows${d.rowsDroppedForNulls ? ` (${d.rowsDroppedForNulls} dropped for nulls)` : ''}`;
  return [data?.path, rows, `${d.columns.length} columns`, data ? `sha256 ${data.sha256.slice(0, 12)}…` : undefined]
    .filter(Boolean)
    .join(' · ');
}

export function outcomeSentence(results: Results): string {
  const s = results.summary;
  if (results.error) return `The run stopped before the tests: ${results.error.message}`;
  const statuses = results.tests.map(displayStatus);
  const count = (k: string) => statuses.filter((x) => x === k).length;
  // Without the per-test list (a summary-only results.json), fall back to the counts.
  const passed = results.tests.length ? count('passed') : s.passed;
  const failed = results.tests.length ? count('failed') : s.failed;
  const reported = count('reported');
  const gated = passed + failed;
  const bits: string[] = [];
  if (gated > 0) bits.push(`${passed} of ${gated} tests with thresholds passed`);
  if (failed) bits.push(`${failed} failed a threshold`);
  if (reported) bits.push(`${reported} reported results without thresholds`);
  if (s.error) bits.push(`${s.error} ended with an error`);
  if (s.skipped) bits.push(`${s.skipped} skipped`);
  if (bits.length === 0) return 'No tests ran.';
  return `${bits.join(', ')}.`;
}

export function failedThresholds(results: Results): string[] {
  const out: string[] = [];
  for (const t of results.tests) {
    for (const th of t.thresholds) {
      if (th.passed) continue;
      // For a fairness metric, the groups behind the number: who is furthest apart, on which rate.
      const groups = fairnessLine(t, th);
      out.push(
        `${t.id}: ${th.metric} = ${fmtNumber(th.actual)} (required ${th.condition})${th.reason ? ` — ${th.reason}` : ''}${groups ? ` — ${groups}` : ''}`,
      );
    }
  }
  return out;
}

/** A test's duration in ms from `timing.tests` (keyed "<index>:<id>"; a bare id is accepted from older runs). */
export function testMs(results: Results, index: number, id: string): number | undefined {
  const ms = results.timing.tests[`${index}:${id}`] ?? results.timing.tests[id];
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * When a test started: the run's start plus the durations of the tests before it (tests run one after
 * another). results.json keeps durations only, so this is the best start time it can give.
 */
export function testStart(results: Results, index: number): string {
  const t0 = Date.parse(results.timing.startedAt);
  if (!Number.isFinite(t0)) return results.timing.startedAt;
  let before = 0;
  for (let i = 0; i < index; i++) before += testMs(results, i, results.tests[i].id) ?? 0;
  return new Date(t0 + Math.round(before)).toISOString();
}
