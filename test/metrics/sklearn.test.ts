/**
 * Every metric against scikit-learn on the fixtures' real test predictions. Expected values come from
 * scripts/metrics/sklearn_reference.py (Debian python3-sklearn 1.2.1), checked in as JSON.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fairnessClassification, FairnessClassificationParams } from '../../src/metrics/fairness-classification.js';
import {
  performanceClassification,
  PerformanceClassificationParams,
} from '../../src/metrics/performance-classification.js';
import { REPO_ROOT, sharedPath } from '../support/shared.js';
import { type ScoredContext, scoredContext } from './context.js';
import { close } from './expect-close.js';

interface Expected {
  fixtures: Record<string, { metrics: Record<string, number>; confusion_matrix: number[][]; [k: string]: unknown }>;
}
const expected: Expected = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'test/fixtures/metrics/sklearn-expected.json'), 'utf8'),
);

const binaryFixtures = ['german_credit', 'arrests'] as const;

describe.each(binaryFixtures)('performance.classification on %s vs scikit-learn', (name) => {
  let ctx: ScoredContext;
  const exp = expected.fixtures[name];
  beforeAll(async () => {
    ctx = await scoredContext({
      task: 'binary-classification',
      file: sharedPath('fixtures', name, 'test_predictions.csv'),
      yTrue: 'y_true',
      yPred: 'y_pred',
      yScore: 'y_prob',
      classes: ['0', '1'],
    });
  });
  afterAll(() => ctx.close());

  it('matches every scalar metric to 1e-12', async () => {
    const out = await performanceClassification(ctx, PerformanceClassificationParams.parse({}));
    for (const [metric, value] of Object.entries(exp.metrics)) close(out.metrics[metric], value);
    expect(Object.keys(out.undefinedReasons ?? {})).toEqual([]);
    const r = out.results as { confusionMatrix: { counts: number[][] } };
    expect(r.confusionMatrix.counts).toEqual(exp.confusion_matrix);
  });

  it('matches sklearn calibration_curve and roc_curve(drop_intermediate=False)', async () => {
    const out = await performanceClassification(ctx, PerformanceClassificationParams.parse({ rocPoints: 100_000 }));
    const r = out.results as {
      scores: {
        calibration: { bins: { fractionPositive: number; meanPredicted: number }[] };
        rocCurves: { points: { fpr: number; tpr: number; threshold: number | null }[] }[];
      };
    };
    const cal = exp.calibration as { fraction_positive: number[]; mean_predicted: number[] };
    expect(r.scores.calibration.bins.length).toBe(cal.fraction_positive.length);
    r.scores.calibration.bins.forEach((b, i) => {
      close(b.fractionPositive, cal.fraction_positive[i]);
      close(b.meanPredicted, cal.mean_predicted[i]);
    });
    const roc = exp.roc_curve as { fpr: number[]; tpr: number[]; thresholds: number[] };
    const pts = r.scores.rocCurves[0].points;
    expect(pts.length).toBe(roc.fpr.length);
    pts.forEach((p, i) => {
      close(p.fpr, roc.fpr[i]);
      close(p.tpr, roc.tpr[i]);
      if (i > 0) expect(p.threshold).toBe(roc.thresholds[i - 1]);
    });
  });
});

describe('performance.classification on digits (10 classes) vs scikit-learn', () => {
  let ctx: ScoredContext;
  const exp = expected.fixtures.digits;
  beforeAll(async () => {
    ctx = await scoredContext({
      task: 'multiclass-classification',
      file: sharedPath('fixtures', 'digits', 'test_predictions.csv'),
      yTrue: 'y_true',
      yPred: 'y_pred',
      probs: Array.from({ length: 10 }, (_, i) => `prob_${i}`),
      classes: Array.from({ length: 10 }, (_, i) => String(i)),
    });
  });
  afterAll(() => ctx.close());

  it('matches every scalar metric to 1e-12', async () => {
    const out = await performanceClassification(ctx, PerformanceClassificationParams.parse({}));
    for (const [metric, value] of Object.entries(exp.metrics)) close(out.metrics[metric], value);
    const r = out.results as { confusionMatrix: { counts: number[][] } };
    expect(r.confusionMatrix.counts).toEqual(exp.confusion_matrix);
  });
});

describe.each([
  ['german_credit', ['sex', 'age_group']],
  ['arrests', ['colour', 'sex']],
] as const)('fairness.classification per-group rates on %s vs scikit-learn', (name, attrs) => {
  const exp = expected.fixtures[name] as unknown as {
    groups: Record<string, Record<string, Record<string, number | null>>>;
  };
  it.each(attrs)('by %s', async (attr) => {
    const ctx = await scoredContext({
      task: 'binary-classification',
      file: sharedPath('fixtures', name, 'test_predictions.csv'),
      yTrue: 'y_true',
      yPred: 'y_pred',
      yScore: 'y_prob',
      sensitive: [attr],
      classes: ['0', '1'],
    });
    const out = await fairnessClassification(ctx, FairnessClassificationParams.parse({}));
    ctx.close();
    const groups = (
      out.results as { perClass: { groups: ({ label: string; n: number } & Record<string, number | null>)[] }[] }
    ).perClass[0].groups;
    const e = exp.groups[attr];
    expect(groups.map((g) => g.label)).toEqual(Object.keys(e).map((v) => `${attr}=${v}`));
    for (const g of groups) {
      const ge = e[g.label.slice(attr.length + 1)];
      expect(g.n).toBe(ge.n);
      for (const [k, v] of Object.entries(ge)) {
        if (k === 'n') continue;
        if (v === null) expect(g[k], k).toBeNull();
        else close(g[k], v, 1e-12, `${g.label} ${k}`);
      }
    }
    const sr = groups.map((g) => g.selection_rate as number);
    close(out.metrics.demographic_parity_difference, Math.max(...sr) - Math.min(...sr));
    close(out.metrics.demographic_parity_ratio, Math.min(...sr) / Math.max(...sr));
  });
});
