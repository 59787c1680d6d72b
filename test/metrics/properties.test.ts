/**
 * Invariances every correct implementation has: permuting rows changes nothing, duplicating every row
 * leaves every rate unchanged, and a weight of 2 is the same as duplicating the row.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSession } from '../../src/data/session.js';
import { fairnessClassification, FairnessClassificationParams } from '../../src/metrics/fairness-classification.js';
import {
  performanceClassification,
  PerformanceClassificationParams,
} from '../../src/metrics/performance-classification.js';
import type { MetricValue } from '../../src/tests/types.js';
import { arrayContext, type Rows } from './arrays.js';

interface Row {
  t: number;
  p: number;
  s: number;
  g: string;
  h: string;
}
const row = fc.record({
  t: fc.integer({ min: 0, max: 1 }),
  p: fc.integer({ min: 0, max: 1 }),
  // few distinct scores, so ties are common
  s: fc.integer({ min: 0, max: 8 }).map((i) => i / 8),
  g: fc.constantFrom('a', 'b', 'c'),
  h: fc.constantFrom('x', 'y'),
});
const dataset = fc.array(row, { minLength: 4, maxLength: 40 });

function toRows(rows: Row[], weight?: number[]): Rows {
  return {
    yTrue: rows.map((r) => r.t),
    yPred: rows.map((r) => r.p),
    yScore: rows.map((r) => r.s),
    weight,
    sensitive: { g: rows.map((r) => r.g), h: rows.map((r) => r.h) },
  };
}

let db: DataSession;
beforeAll(async () => {
  db = await DataSession.open({ threads: 1 });
});
afterAll(() => db.close());

async function allMetrics(rows: Rows): Promise<Record<string, MetricValue>> {
  const ctx = await arrayContext(rows, { reference: { g: 'a' }, db });
  try {
    const perf = await performanceClassification(ctx, PerformanceClassificationParams.parse({}));
    const fair = await fairnessClassification(ctx, FairnessClassificationParams.parse({ aiverify: false }));
    return { ...perf.metrics, ...fair.metrics };
  } finally {
    ctx.close();
  }
}

function same(a: Record<string, MetricValue>, b: Record<string, MetricValue>): void {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const [k, v] of Object.entries(a)) {
    const w = b[k];
    if (v === null || w === null) expect(w, k).toBe(v);
    else expect(Math.abs(v - w), `${k}: ${v} vs ${w}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)));
  }
}

const runs = { numRuns: 10, seed: 20261127 };

describe('metric invariances (fast-check)', () => {
  it('permuting rows changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        dataset.chain((d) => fc.tuple(fc.constant(d), fc.shuffledSubarray(d, { minLength: d.length }))),
        async ([d, shuffled]) => same(await allMetrics(toRows(d)), await allMetrics(toRows(shuffled))),
      ),
      runs,
    );
  });

  it('duplicating every row leaves every rate and score metric unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(dataset, async (d) => same(await allMetrics(toRows(d)), await allMetrics(toRows([...d, ...d])))),
      runs,
    );
  });

  it('a weight of 2 equals duplicating the row', async () => {
    await fc.assert(
      fc.asyncProperty(
        dataset.chain((d) =>
          fc.tuple(fc.constant(d), fc.array(fc.boolean(), { minLength: d.length, maxLength: d.length })),
        ),
        async ([d, twice]) => {
          const weighted = toRows(
            d,
            twice.map((b) => (b ? 2 : 1)),
          );
          const duplicated = toRows([...d, ...d.filter((_, i) => twice[i])]);
          same(await allMetrics(weighted), await allMetrics(duplicated));
        },
      ),
      runs,
    );
  });
});
