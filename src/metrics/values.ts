/**
 * Undefined values are explicit. Every metric is either a finite number or `null` with a reason; this
 * module is the one place where 0/0 (and its relatives) are turned into that pair.
 */
import type { MetricValue } from '../tests/types.js';

/** A value that may be undefined; `reason` says why when `value` is null. */
export interface Maybe {
  value: MetricValue;
  reason?: string;
}

export const defined = (value: number): Maybe =>
  Number.isFinite(value) ? { value } : { value: null, reason: `not a finite number (${value})` };

export const undefinedBecause = (reason: string): Maybe => ({ value: null, reason });

/** num / den, or null with `why` when the denominator is 0. */
export function divide(num: number, den: number, why: string): Maybe {
  if (den === 0) return { value: null, reason: why };
  return defined(num / den);
}

/** Applies f to defined inputs; the first undefined input's reason is carried over. */
export function combine(inputs: Maybe[], f: (...v: number[]) => number, why?: string): Maybe {
  for (const m of inputs) if (m.value === null) return { value: null, reason: why ? `${why}: ${m.reason}` : m.reason };
  return defined(f(...inputs.map((m) => m.value as number)));
}

/** The flat metrics map and its reasons, filled in one place so the two never drift apart. */
export class MetricSink {
  readonly metrics: Record<string, MetricValue> = {};
  readonly reasons: Record<string, string> = {};

  put(name: string, m: Maybe): void {
    this.metrics[name] = m.value;
    if (m.value === null) this.reasons[name] = m.reason ?? 'undefined';
  }

  putNumber(name: string, v: number): void {
    this.put(name, defined(v));
  }
}

/** Rounds nothing; converts a Maybe to the JSON form used in `results` tables. */
export const jsonValue = (m: Maybe): MetricValue => m.value;
