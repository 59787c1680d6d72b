/**
 * AI Verify's Fairness Metrics Toolbox for Regression, reproduced exactly. Source followed:
 * aiverify-foundation/aiverify, stock-plugins/aiverify.stock.fairness-metrics-toolbox-for-regression/.../algo.py:
 * pandas groupby over the sensitive features (sorted keys), per subgroup sklearn's mean_absolute_error,
 * r2_score and mean_squared_error (unweighted), written with DataFrame.to_json, which rounds to 10 decimals
 * and writes NaN as null. r2_score's rules are kept: fewer than 2 rows → NaN; constant targets → 1.0 for a
 * perfect fit, else 0.0.
 */
import type { RegressionSums } from './regression-stats.js';

export const FMTR_META = {
  gid: 'aiverify.stock.fairness_metrics_toolbox_for_regression',
  cid: 'fairness_metrics_toolbox_for_regression',
  version: '2.2.0',
} as const;

export const FMTR_CONVENTION =
  'AI Verify Fairness Metrics Toolbox for Regression 2.2.0, reproduced exactly: per subgroup MAE, MSE and R² ' +
  '(scikit-learn, unweighted), rounded to 10 decimals as pandas.to_json; subgroup = values joined with ",".';

const round10 = (x: number): number => Number(x.toFixed(10));

export function fmtrOutput(
  groups: RegressionSums[],
  sensitive: string[],
): { results: { mae: number; r2: number | null; mse: number; subgroup: string }[]; sensitive_feature: string[] } {
  return {
    results: groups
      .filter((g) => g.n > 0)
      .map((g) => {
        let r2: number | null;
        if (g.n < 2) r2 = null;
        else if (g.ssTot === 0) r2 = g.sumSq === 0 ? 1 : 0;
        else r2 = round10(1 - g.sumSq / g.ssTot);
        return {
          mae: round10(g.sumAbs / g.w),
          r2,
          mse: round10(g.sumSq / g.w),
          subgroup: g.key.map((v) => (v === null ? 'nan' : v)).join(','),
        };
      }),
    sensitive_feature: sensitive,
  };
}
