/** Small formatting helpers shared by the renderers (numbers, escaping, status words). */
import type { TestStatus } from '../results/schema.js';

export function escapeHtml(s: unknown): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function escapeXml(s: unknown): string {
  // XML 1.0 forbids most control characters even when escaped: drop them.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return escapeHtml(s).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** A number as a person reads it: 4 significant digits, integers as integers, null as an em dash. */
export function fmtNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** Any JSON value, briefly, for a table cell. */
export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return fmtNumber(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) {
    const shown = v.slice(0, 12).map(fmtValue).join(', ');
    return v.length > 12 ? `${shown}, … (${v.length} values)` : shown;
  }
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** What a reader is shown: a test without thresholds that ran is "reported", not "passed" (nothing was checked). */
export type DisplayStatus = TestStatus | 'reported';

export const STATUS_WORD: Record<DisplayStatus, string> = {
  passed: 'Passed',
  failed: 'Failed',
  error: 'Error',
  skipped: 'Skipped',
  reported: 'Reported (no thresholds)',
};

/** results.json keeps `passed` for a test without thresholds; the reports say it only reported. */
export function displayStatus(t: { status: TestStatus; thresholds: readonly unknown[] }): DisplayStatus {
  return t.status === 'passed' && t.thresholds.length === 0 ? 'reported' : t.status;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Plain words from a camelCase or snake_case key: "falsePositiveRate" → "false positive rate". */
export function humanize(key: string): string {
  return key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}
