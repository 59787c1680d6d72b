/**
 * Thresholds from the plan decide a test's `passed` / `failed` status. A threshold on a metric the test
 * does not report is a plan error; one on an undefined (null) metric fails, with the metric's reason.
 */
import type { z } from 'zod';
import type { Threshold } from '../config/schema.js';
import type { ThresholdResult } from '../results/schema.js';
import type { MetricValue } from './types.js';

type ThresholdSpec = z.infer<typeof Threshold>;

export function describeThreshold(t: ThresholdSpec): string {
  if (typeof t === 'string') return t.trim().replace(/\s+/, ' ');
  const parts: string[] = [];
  if (t.min !== undefined) parts.push(`>= ${t.min}`);
  if (t.max !== undefined) parts.push(`<= ${t.max}`);
  return parts.join(' and ');
}

export function checkThreshold(t: ThresholdSpec, actual: number): boolean {
  if (typeof t !== 'string') {
    return (t.min === undefined || actual >= t.min) && (t.max === undefined || actual <= t.max);
  }
  const m = /^\s*(>=|<=|>|<|==)\s*(\S+)\s*$/.exec(t);
  if (!m) throw new Error(`bad threshold ${t}`);
  const v = Number(m[2]);
  switch (m[1]) {
    case '>=':
      return actual >= v;
    case '<=':
      return actual <= v;
    case '>':
      return actual > v;
    case '<':
      return actual < v;
    default:
      return actual === v;
  }
}

export function evaluateThresholds(
  thresholds: Record<string, ThresholdSpec>,
  metrics: Record<string, MetricValue>,
  undefinedReasons: Record<string, string> = {},
): { results: ThresholdResult[]; unknown: string[] } {
  const results: ThresholdResult[] = [];
  const unknown: string[] = [];
  for (const [metric, t] of Object.entries(thresholds)) {
    if (!(metric in metrics)) {
      unknown.push(metric);
      continue;
    }
    const actual = metrics[metric];
    const condition = describeThreshold(t);
    if (actual === null) {
      results.push({
        metric,
        condition,
        actual: null,
        passed: false,
        reason: `undefined: ${undefinedReasons[metric] ?? 'no value'}`,
      });
    } else {
      results.push({ metric, condition, actual, passed: checkThreshold(t, actual) });
    }
  }
  return { results, unknown };
}
