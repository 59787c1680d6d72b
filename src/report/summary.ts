/** Facts every renderer shows first: overall outcome, counts, coverage headlines, model and data identity. */
import type { Results } from '../results/schema.js';
import { fmtNumber } from './format.js';
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
  const ran = s.tests - s.skipped;
  const bits = [`${s.passed} of ${ran} tests passed`];
  if (s.failed) bits.push(`${s.failed} failed a threshold`);
  if (s.error) bits.push(`${s.error} ended with an error`);
  if (s.skipped) bits.push(`${s.skipped} skipped`);
  return `${bits.join(', ')}.`;
}

export function failedThresholds(results: Results): string[] {
  const out: string[] = [];
  for (const t of results.tests) {
    for (const th of t.thresholds) {
      if (!th.passed)
        out.push(
          `${t.id}: ${th.metric} = ${fmtNumber(th.actual)} (required ${th.condition})${th.reason ? ` — ${th.reason}` : ''}`,
        );
    }
  }
  return out;
}
