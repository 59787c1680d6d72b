/**
 * Per-group ROC and calibration curves of fairness.classification equal the same curves computed by
 * performance.classification on that group's rows alone (a path checked against scikit-learn in
 * sklearn.test.ts), on the German credit fixture's real predictions.
 */
import { describe, expect, it } from 'vitest';
import { fairnessClassification, FairnessClassificationParams } from '../../src/metrics/fairness-classification.js';
import {
  PerformanceClassificationParams,
  performanceClassification,
} from '../../src/metrics/performance-classification.js';
import { sharedPath } from '../support/shared.js';
import { arrayContext } from './arrays.js';
import { scoredContext } from './context.js';

interface Curve {
  group: string;
  auc: number | null;
  roc: { fpr: number; tpr: number }[];
  calibration: { meanPredicted: number; fractionPositive: number; weight: number }[];
}

const spec = (filter?: string) => ({
  task: 'binary-classification' as const,
  file: sharedPath('fixtures', 'german_credit', 'test_predictions.csv'),
  yTrue: 'y_true',
  yPred: 'y_pred',
  yScore: 'y_prob',
  classes: ['0', '1'],
  sensitive: ['sex'],
  ...(filter ? { filter } : {}),
});

describe('fairness.classification per-group curves', () => {
  it('equal the performance curves of each group alone', async () => {
    const ctx = await scoredContext(spec());
    const out = await fairnessClassification(ctx, FairnessClassificationParams.parse({}));
    ctx.close();
    const curves = (out.results as { curvesByGroup: Curve[] }).curvesByGroup;
    expect(curves.map((c) => c.group).sort()).toEqual(['sex=female', 'sex=male']);
    for (const c of curves) {
      const value = c.group.split('=')[1];
      const one = await scoredContext(spec(`WHERE sex = '${value}'`));
      const perf = await performanceClassification(one, PerformanceClassificationParams.parse({ rocPoints: 50 }));
      one.close();
      const r = perf.results as {
        scores: { calibration: { bins: Curve['calibration'] }; rocCurves: { points: Curve['roc'] }[] };
      };
      expect(c.auc).toBeCloseTo(perf.metrics.roc_auc as number, 12);
      expect(c.calibration.length).toBe(r.scores.calibration.bins.length);
      c.calibration.forEach((b, i) => {
        const e = r.scores.calibration.bins[i];
        expect(b.meanPredicted).toBeCloseTo(e.meanPredicted, 12);
        expect(b.fractionPositive).toBeCloseTo(e.fractionPositive, 12);
        expect(b.weight).toBe(e.weight);
      });
      expect(c.roc.at(0)).toMatchObject({ fpr: 0, tpr: 0 });
      expect(c.roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
      expect(c.roc.map((p) => [p.fpr, p.tpr])).toEqual(r.scores.rocCurves[0].points.map((p) => [p.fpr, p.tpr]));
    }
  });

  it('counts tied scores within a group as half (Mann-Whitney), rows arriving one by one', async () => {
    // group a: positives at 0.5 and 0.9, negatives at 0.5 and 0.1 -> pairs 0.5 + 1 + 1 + 1 = 3.5 of 4
    // group b: positive 0.3, negatives 0.3 and 0.3 -> 0.5 + 0.5 = 1 of 2
    const ctx = await arrayContext({
      yTrue: [1, 0, 1, 0, 1, 0, 0],
      yPred: [1, 1, 1, 0, 0, 0, 0],
      yScore: [0.5, 0.5, 0.9, 0.1, 0.3, 0.3, 0.3],
      sensitive: { g: ['a', 'a', 'a', 'a', 'b', 'b', 'b'] },
    });
    const out = await fairnessClassification(ctx, FairnessClassificationParams.parse({ minGroupSize: 1 }));
    ctx.close();
    const curves = (out.results as { curvesByGroup: Curve[] }).curvesByGroup;
    expect(curves.find((c) => c.group === 'g=a')?.auc).toBe(0.875);
    expect(curves.find((c) => c.group === 'g=b')?.auc).toBe(0.5);
    // overall: positives 0.9, 0.5, 0.3; negatives 0.5, 0.3, 0.3, 0.1 -> 4 + 3.5 + 2 = 9.5 of 12 (0.3 vs 0.3 ties twice)
    const perf = await arrayContext({
      yTrue: [1, 0, 1, 0, 1, 0, 0],
      yPred: [1, 1, 1, 0, 0, 0, 0],
      yScore: [0.5, 0.5, 0.9, 0.1, 0.3, 0.3, 0.3],
      sensitive: { g: ['a', 'a', 'a', 'a', 'b', 'b', 'b'] },
    });
    const p = await performanceClassification(perf, PerformanceClassificationParams.parse({}));
    perf.close();
    expect(p.metrics.roc_auc).toBeCloseTo(9.5 / 12, 15);
  });
});
