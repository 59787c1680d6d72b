/**
 * ROC curves are thinned while the sorted scores stream (src/metrics/scores.ts): a curve with more distinct
 * thresholds than `rocPoints` keeps every S-th one, S the smallest power of two that keeps at most `rocPoints`,
 * plus the last. Checked against the full curve of the same data (itself checked against scikit-learn in
 * sklearn.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  PerformanceClassificationParams,
  performanceClassification,
} from '../../src/metrics/performance-classification.js';
import { createRng } from '../../src/util/random.js';
import { arrayContext } from './arrays.js';

interface Point {
  threshold: number | null;
  fpr: number;
  tpr: number;
}

async function rocOf(n: number, rocPoints: number): Promise<Point[]> {
  const rng = createRng(5);
  const yTrue = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
  // Distinct scores except a few ties, loosely related to the label.
  const yScore = yTrue.map(
    (t, i) => Math.round((0.3 * t + 0.7 * rng.next()) * 1e4) / 1e4 + (i % 7 === 0 ? 0 : 1e-9 * i),
  );
  const ctx = await arrayContext({
    yTrue,
    yPred: yScore.map((s) => (s > 0.5 ? 1 : 0)),
    yScore,
    sensitive: { g: yTrue.map(() => 'a') },
  });
  const out = await performanceClassification(ctx, PerformanceClassificationParams.parse({ rocPoints }));
  ctx.close();
  return (out.results as { scores: { rocCurves: { points: Point[] }[] } }).scores.rocCurves[0].points;
}

describe('ROC curve thinning', () => {
  it('keeps every S-th threshold of the full curve (S a power of two), the origin and the last point', async () => {
    const n = 700;
    const full = await rocOf(n, 100_000);
    const thresholds = full.length - 1; // without the origin
    expect(thresholds).toBeGreaterThan(500);
    for (const max of [10, 37, 64, 200]) {
      const thin = await rocOf(n, max);
      let stride = 1;
      while (Math.floor(thresholds / stride) > max) stride *= 2;
      const expected = [full[0]];
      for (let j = stride; j <= thresholds; j += stride) expected.push(full[j]);
      if (thresholds % stride !== 0) expected.push(full[thresholds]);
      expect(thin).toEqual(expected);
      expect(thin.length).toBeLessThanOrEqual(max + 2);
      expect(thin.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    }
  });

  it('keeps every threshold when there are at most rocPoints of them', async () => {
    const full = await rocOf(150, 100_000);
    expect(await rocOf(150, full.length - 1)).toEqual(full);
  });
});
