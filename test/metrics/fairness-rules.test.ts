/**
 * fairness.classification's own rules, on data small enough to compute every expected value by hand (the
 * arithmetic is written next to each number): multiclass one-vs-rest with the worst class under the plain
 * name, cartesian groups with an empty combination, small groups (flagged, optionally excluded), and 0/0
 * values that are null with a reason and fail a threshold with that reason.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assess } from '../../src/api.js';
import { fairnessClassification, FairnessClassificationParams } from '../../src/metrics/fairness-classification.js';
import { evaluateThresholds } from '../../src/tests/thresholds.js';
import type { TestOutcome } from '../../src/tests/types.js';
import { arrayContext, type Rows } from './arrays.js';
import { close } from './expect-close.js';

type Row = { label: string; n: number; small: boolean; undefinedReasons: Record<string, string> } & Record<
  string,
  number | null
>;
interface PerClass {
  class: string;
  groups: Row[];
  betweenGroups: Record<string, { skippedGroups: string[] }>;
}
interface Results {
  groups: { label: string; n: number; weight: number; small: boolean }[];
  perClass: PerClass[];
}
const results = (out: TestOutcome) => out.results as unknown as Results;

async function run(rows: Rows, params: object, opts: Parameters<typeof arrayContext>[1] = {}) {
  const ctx = await arrayContext(rows, opts);
  try {
    return await fairnessClassification(ctx, FairnessClassificationParams.parse(params));
  } finally {
    ctx.close();
  }
}

/** Every number anywhere in the outcome is finite (JSON has no NaN/Infinity; undefined is null). */
function expectFinite(v: unknown, at = 'outcome'): void {
  if (typeof v === 'number') expect(Number.isFinite(v), `${at} = ${v}`).toBe(true);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) expectFinite(x, `${at}.${k}`);
}

describe('multiclass fairness: one-vs-rest per class, plain name = worst class', () => {
  // Classes a, b, c (indices 0, 1, 2); group x has 4 rows, group y 5.
  //   x: y_true 0 1 2 0    y_pred 0 1 1 2
  //   y: y_true 0 1 2 2 1  y_pred 0 0 2 2 1
  const rows: Rows = {
    yTrue: [0, 1, 2, 0, 0, 1, 2, 2, 1],
    yPred: [0, 1, 1, 2, 0, 0, 2, 2, 1],
    sensitive: { g: ['x', 'x', 'x', 'x', 'y', 'y', 'y', 'y', 'y'] },
  };
  // Selection rate (share predicted as the class):  x: a 1/4, b 2/4, c 1/4;  y: a 2/5, b 1/5, c 2/5.
  // TPR:  x: a 1/2 (rows 0 ✓, 3 ✗), b 1/1, c 0/1;  y: a 1/1, b 1/2, c 2/2.
  // FPR:  x: a 0/2, b 1/3 (row 2), c 1/3 (row 3);  y: a 1/4 (row 1), b 0/3, c 0/3.
  // Overall selection rate: a 3/9, b 3/9, c 3/9.
  const expected: Record<string, Record<string, number>> = {
    demographic_parity_difference: { a: 0.4 - 0.25, b: 0.5 - 0.2, c: 0.4 - 0.25 },
    demographic_parity_ratio: { a: 0.25 / 0.4, b: 0.2 / 0.5, c: 0.25 / 0.4 },
    // max |SR_g − SR_all|: a max(|1/4 − 1/3|, |2/5 − 1/3|) = 1/12; b max(1/6, 2/15) = 1/6
    demographic_parity_difference_to_overall: { a: 1 / 12, b: 1 / 6, c: 1 / 12 },
    // min over groups of min(SR_g/SR_all, SR_all/SR_g): a min(3/4, 5/6); b min(2/3, 3/5)
    demographic_parity_ratio_to_overall: { a: 0.75, b: 0.6, c: 0.75 },
    equal_opportunity_difference: { a: 0.5, b: 0.5, c: 1 },
    equal_opportunity_ratio: { a: 0.5, b: 0.5, c: 0 },
    // max(TPR diff, FPR diff): a max(1/2, 1/4); b max(1/2, 1/3); c max(1, 1/3)
    equalized_odds_difference: { a: 0.5, b: 0.5, c: 1 },
    equalized_odds_difference_mean: { a: (0.5 + 0.25) / 2, b: (0.5 + 1 / 3) / 2, c: (1 + 1 / 3) / 2 },
    // the FPR ratio is 0 for every class (one group has FPR 0), so min(TPR ratio, FPR ratio) = 0
    equalized_odds_ratio: { a: 0, b: 0, c: 0 },
    selection_rate: { a: 1 / 3, b: 1 / 3, c: 1 / 3 },
  };

  it('reports <metric>[class] for each class and the worst class under the plain name', async () => {
    const out = await run(rows, { minGroupSize: 0 }, { task: 'multiclass-classification', classes: ['a', 'b', 'c'] });
    for (const [name, perCls] of Object.entries(expected)) {
      for (const [cls, v] of Object.entries(perCls)) close(out.metrics[`${name}[${cls}]`], v, 1e-12, `${name}[${cls}]`);
      if (name === 'selection_rate') continue;
      // worst class: largest difference, smallest ratio
      const worst = name.includes('difference')
        ? Math.max(...Object.values(perCls))
        : Math.min(...Object.values(perCls));
      close(out.metrics[name], worst, 1e-12, name);
    }
    expect(out.metrics.demographic_parity_difference).toBeCloseTo(0.3, 12); // class b
    expect(out.metrics.equalized_odds_difference_mean).toBeCloseTo(2 / 3, 12); // class c
    // AIF360's inequality indices are binary only.
    expect(out.metrics).not.toHaveProperty('generalized_entropy_index');

    const r = results(out);
    expect(r.perClass.map((pc) => pc.class)).toEqual(['a', 'b', 'c']);
    const tpr = r.perClass.map((pc) => pc.groups.map((g) => g.true_positive_rate));
    expect(tpr).toEqual([
      [0.5, 1],
      [1, 0.5],
      [0, 1],
    ]);
    const fpr = r.perClass.map((pc) => pc.groups.map((g) => g.false_positive_rate));
    expect(fpr[0]).toEqual([0, 0.25]);
    close(fpr[1][0], 1 / 3);
    close(fpr[2][0], 1 / 3);
    expectFinite(out);
  });

  it('the plain name is null when one class is undefined (never a partial worst case)', async () => {
    // Class c is predicted once but never true: no actual positives anywhere, so TPR[c] is undefined in
    // both groups and equal_opportunity_difference[c] and the plain name are null.
    const out = await run(
      { yTrue: [0, 1, 0, 1], yPred: [0, 1, 2, 0], sensitive: { g: ['x', 'x', 'y', 'y'] } },
      { minGroupSize: 0 },
      { task: 'multiclass-classification', classes: ['a', 'b', 'c'] },
    );
    expect(out.metrics['equal_opportunity_difference[c]']).toBeNull();
    expect(out.undefinedReasons?.['equal_opportunity_difference[c]']).toBe('no group has a defined value');
    expect(out.metrics.equal_opportunity_difference).toBeNull();
    expect(out.undefinedReasons?.equal_opportunity_difference).toMatch(/undefined for at least one class/);
    // x: 0→0, 1→1; y: 0→2, 1→0.  a: TPR x 1/1, y 0/1 → 1; b: TPR x 1/1, y 0/1 → 1
    expect(out.metrics['equal_opportunity_difference[a]']).toBe(1);
    expect(out.metrics['equal_opportunity_difference[b]']).toBe(1);
  });
});

describe('groups: cartesian lists empty combinations, observed does not', () => {
  // sex × race with no (m, B) row.  f/A: SR 1/2, f/B: SR 2/2, m/A: SR 0/2.
  const rows: Rows = {
    yTrue: [1, 0, 1, 0, 1, 0],
    yPred: [1, 0, 1, 1, 0, 0],
    sensitive: { sex: ['f', 'f', 'f', 'f', 'm', 'm'], race: ['A', 'A', 'B', 'B', 'A', 'A'] },
  };
  const empty = 'sex=m, race=B';

  it('cartesian: the empty group has n = 0, null rates with reasons, and is skipped in comparisons', async () => {
    const out = await run(rows, { groups: 'cartesian', minGroupSize: 0 });
    const r = results(out);
    expect(r.groups.map((g) => [g.label, g.n])).toEqual([
      ['sex=f, race=A', 2],
      ['sex=f, race=B', 2],
      ['sex=m, race=A', 2],
      [empty, 0],
    ]);
    expect(r.groups[3].weight).toBe(0);
    const row = r.perClass[0].groups[3];
    expect(row.label).toBe(empty);
    expect(row.n).toBe(0);
    expect(row.counts).toEqual({ tp: 0, fp: 0, tn: 0, fn: 0 });
    for (const rate of ['base_rate', 'selection_rate', 'accuracy', 'error_rate']) {
      expect(row[rate], rate).toBeNull();
      expect(row.undefinedReasons[rate]).toBe('no rows (total weight 0)');
    }
    expect(row.true_positive_rate).toBeNull();
    expect(row.undefinedReasons.true_positive_rate).toBe('no actual positives (TP + FN = 0)');
    expect(row.positive_predictive_value).toBeNull();
    expect(row.undefinedReasons.positive_predictive_value).toBe('no predicted positives (TP + FP = 0)');
    expect(r.perClass[0].betweenGroups.selection_rate.skippedGroups).toEqual([empty]);
    // The comparison uses the three non-empty groups: 1 − 0 and 0 / 1.
    expect(out.metrics.demographic_parity_difference).toBe(1);
    expect(out.metrics.demographic_parity_ratio).toBe(0);
    expectFinite(out);
  });

  it('observed (the default) lists only the three groups present', async () => {
    const out = await run(rows, { minGroupSize: 0 });
    const r = results(out);
    expect(r.groups.map((g) => g.label)).toEqual(['sex=f, race=A', 'sex=f, race=B', 'sex=m, race=A']);
    expect(r.perClass[0].groups.map((g) => g.label)).not.toContain(empty);
    expect(r.perClass[0].betweenGroups.selection_rate.skippedGroups).toEqual([]);
    expect(out.metrics.demographic_parity_difference).toBe(1);
  });
});

describe('small groups: flagged, never dropped; excludeSmallGroups changes the comparisons', () => {
  // a: SR 2/4, b: SR 1/4, c (2 rows, small at minGroupSize 3): SR 2/2.  Overall SR 5/10.
  const rows: Rows = {
    yTrue: [1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
    yPred: [1, 1, 0, 0, 1, 0, 0, 0, 1, 1],
    sensitive: { g: ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'c'] },
  };

  it('flags the small group in results and notes and keeps it in the comparison by default', async () => {
    const out = await run(rows, { minGroupSize: 3 });
    const r = results(out);
    expect(r.groups.map((g) => [g.label, g.n, g.small])).toEqual([
      ['g=a', 4, false],
      ['g=b', 4, false],
      ['g=c', 2, true],
    ]);
    expect(r.perClass[0].groups[2]).toMatchObject({ label: 'g=c', n: 2, small: true, selection_rate: 1 });
    expect(out.notes).toContainEqual(expect.stringContaining('1 group(s) have fewer than 3 rows'));
    expect(out.notes?.join(' ')).toContain('g=c (2)');
    expect(out.notes?.join(' ')).not.toContain('left out');
    close(out.metrics.demographic_parity_difference, 1 - 0.25); // c − b
    close(out.metrics.demographic_parity_ratio, 0.25 / 1);
    close(out.metrics.demographic_parity_difference_to_overall, 0.5); // |1 − 0.5|
  });

  it('excludeSmallGroups leaves it out of differences and ratios but not out of the tables', async () => {
    const out = await run(rows, { minGroupSize: 3, excludeSmallGroups: true });
    const r = results(out);
    expect(r.perClass[0].groups.map((g) => g.label)).toEqual(['g=a', 'g=b', 'g=c']);
    expect(r.perClass[0].groups[2].selection_rate).toBe(1);
    expect(out.notes?.join(' ')).toContain('left out of the between-group comparisons');
    close(out.metrics.demographic_parity_difference, 0.5 - 0.25); // a − b
    close(out.metrics.demographic_parity_ratio, 0.25 / 0.5);
    close(out.metrics.demographic_parity_difference_to_overall, 0.25); // |0.25 − 0.5|, c's |1 − 0.5| excluded
    // The overall rate still counts every row, including the small group's.
    close(out.metrics.selection_rate, 0.5);
  });

  it('minGroupSize 0 flags nothing', async () => {
    const out = await run(rows, { minGroupSize: 0 });
    expect(results(out).groups.every((g) => !g.small)).toBe(true);
    expect(out.notes?.join(' ') ?? '').not.toContain('flagged as small');
  });
});

describe('0/0: a group with no actual positives', () => {
  // a: y_true 1 1 0 0, y_pred 1 0 1 0 → TPR 1/2, FPR 1/2, SR 2/4.
  // b: y_true 0 0 0,   y_pred 1 0 0   → TPR 0/0 (undefined), FPR 1/3, SR 1/3.  b is the reference group.
  const rows: Rows = {
    yTrue: [1, 1, 0, 0, 0, 0, 0],
    yPred: [1, 0, 1, 0, 1, 0, 0],
    sensitive: { g: ['a', 'a', 'a', 'a', 'b', 'b', 'b'] },
  };
  const noPos = 'no actual positives (TP + FN = 0)';

  it('is null with its reason, in the group table and in every metric built on it', async () => {
    const out = await run(rows, { minGroupSize: 0 }, { reference: { g: 'b' } });
    const b = results(out).perClass[0].groups[1];
    expect(b.label).toBe('g=b');
    expect(b.true_positive_rate).toBeNull();
    expect(b.false_negative_rate).toBeNull();
    expect(b.undefinedReasons).toMatchObject({ true_positive_rate: noPos, false_negative_rate: noPos });
    close(b.false_positive_rate, 1 / 3);

    // Fairlearn would count b's TPR as 0 and report 0.5; Assay skips b and has one group left.
    expect(out.metrics.equal_opportunity_difference).toBeNull();
    expect(out.undefinedReasons?.equal_opportunity_difference).toBe('fewer than two groups have a defined value');
    expect(results(out).perClass[0].betweenGroups.true_positive_rate.skippedGroups).toEqual(['g=b']);
    expect(out.metrics.equalized_odds_difference).toBeNull();
    expect(out.metrics.equal_opportunity_difference_vs_reference).toBeNull();
    expect(out.undefinedReasons?.equal_opportunity_difference_vs_reference).toBe(`reference value undefined: ${noPos}`);
    expect(out.metrics.average_odds_difference).toBeNull();
    expect(out.undefinedReasons?.average_odds_difference).toBe(`reference value undefined: ${noPos}`);
    // Rates that do not divide by b's positives stay defined.
    close(out.metrics.demographic_parity_difference, 0.5 - 1 / 3);
    close(out.metrics.false_positive_rate_difference_vs_reference, 0.5 - 1 / 3);
    close(out.metrics.statistical_parity_difference, 0.5 - 1 / 3);
    // Every null metric has a reason, and nothing is NaN.
    for (const [k, v] of Object.entries(out.metrics)) if (v === null) expect(out.undefinedReasons?.[k], k).toBeTruthy();
    expectFinite(out);
  });

  it('a threshold on the undefined metric fails with that reason; one on a defined metric is evaluated', async () => {
    const out = await run(rows, { minGroupSize: 0 }, { reference: { g: 'b' } });
    const { results: checks, unknown } = evaluateThresholds(
      {
        equal_opportunity_difference_vs_reference: '>= -0.1',
        equal_opportunity_difference: { max: 0.2 },
        demographic_parity_difference: '<= 0.2',
      },
      out.metrics,
      out.undefinedReasons,
    );
    expect(unknown).toEqual([]);
    expect(checks[0]).toEqual({
      metric: 'equal_opportunity_difference_vs_reference',
      condition: '>= -0.1',
      actual: null,
      passed: false,
      reason: `undefined: reference value undefined: ${noPos}`,
    });
    expect(checks[1]).toMatchObject({
      actual: null,
      passed: false,
      reason: 'undefined: fewer than two groups have a defined value',
    });
    expect(checks[2].passed).toBe(true);
    close(checks[2].actual, 1 / 6);
  });

  it('through assess(): the test is failed, and the threshold row carries the reason', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'assay-fairness-rules-'));
    const csv = path.join(dir, 'preds.csv');
    const lines = rows.yTrue.map((t, i) => `${t},${rows.yPred[i]},${rows.sensitive.g[i]}`);
    writeFileSync(csv, `y_true,y_pred,g\n${lines.join('\n')}\n`);
    const { results } = await assess(
      {
        task: 'binary-classification',
        data: { path: csv },
        target: 'y_true',
        classes: ['0', '1'],
        positiveLabel: '1',
        sensitive: ['g'],
        reference: { g: 'b' },
        model: { type: 'predictions', label: 'y_pred' },
        tests: [
          {
            id: 'fairness.classification',
            params: { minGroupSize: 0 },
            thresholds: {
              equal_opportunity_difference_vs_reference: '>= -0.1',
              demographic_parity_difference: '<= 0.2',
            },
          },
        ],
      },
      { write: false, outDir: dir },
    );
    const t = results.tests[0];
    expect(t.status).toBe('failed');
    expect(t.metrics.equal_opportunity_difference_vs_reference).toBeNull();
    expect(t.thresholds).toContainEqual({
      metric: 'equal_opportunity_difference_vs_reference',
      condition: '>= -0.1',
      actual: null,
      passed: false,
      reason: `undefined: reference value undefined: ${noPos}`,
    });
    expect(t.thresholds.find((x) => x.metric === 'demographic_parity_difference')?.passed).toBe(true);
  });
});
