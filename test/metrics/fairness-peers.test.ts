/**
 * fairness.classification against the peers' own published numbers: AIF360's R test values (all 48),
 * AIF360's Python unit cases for the entropy indices, and Fairlearn's documented examples.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataSession, lit } from '../../src/data/session.js';
import { fairnessClassification, FairnessClassificationParams } from '../../src/metrics/fairness-classification.js';
import { sharedPath } from '../support/shared.js';
import { arrayContext } from './arrays.js';
import { contextFor } from './context.js';
import { close } from './expect-close.js';

const params = FairnessClassificationParams.parse({ minGroupSize: 0 });
type Rates = Record<string, number | null>;
interface PerClass {
  overall: Rates;
  overallCounts: { tp: number; fp: number; tn: number; fn: number };
  groups: ({ label: string; n: number } & Rates)[];
  betweenGroups: Record<string, Record<string, number | null>>;
  reference: { privileged: Rates; unprivileged: Rates } | null;
}
const perClass = (results: unknown, i = 0) => (results as { perClass: PerClass[] }).perClass[i];

describe('AIF360 R ClassificationMetric test (aif360-r/tests/testthat/test-classification.R), 20 rows', () => {
  const golden = JSON.parse(
    readFileSync(sharedPath('reference/peers/aif360-r/classification_metric_expected.json'), 'utf8'),
  );

  it('reproduces all 48 published values and the exact recomputation', async () => {
    const db = await DataSession.open({ threads: 1 });
    const actual = lit(sharedPath('reference/peers/aif360-r/actual_data.csv'));
    const predicted = lit(sharedPath('reference/peers/aif360-r/predicted_data.csv'));
    await db.exec(`CREATE TABLE scored AS SELECT (a.r - 1)::BIGINT AS __row_id, (a.r - 1)::INTEGER AS __i,
        a.income::INTEGER AS y_true, p.income::INTEGER AS y_pred, NULL::DOUBLE AS y_score, 1.0::DOUBLE AS w, a.sex::VARCHAR AS s_0
      FROM (SELECT *, row_number() OVER () AS r FROM read_csv(${actual})) a
      JOIN (SELECT income, row_number() OVER () AS r FROM read_csv(${predicted})) p USING (r)`);
    const ctx = contextFor(db, {
      task: 'binary-classification',
      file: 'actual_data.csv',
      yTrue: 'y_true',
      yPred: 'y_pred',
      sensitive: ['sex'],
      classes: ['0', '1'],
      reference: { sex: 1 },
    });
    const out = await fairnessClassification(ctx, params);
    ctx.close();
    const pc = perClass(out.results);
    const rateOf: Record<string, string> = {
      accuracy: 'accuracy',
      error_rate: 'error_rate',
      false_discovery_rate: 'false_discovery_rate',
      false_negative_rate: 'false_negative_rate',
      false_omission_rate: 'false_omission_rate',
      false_positive_rate: 'false_positive_rate',
      negative_predictive_value: 'negative_predictive_value',
      positive_predictive_value: 'positive_predictive_value',
      recall: 'true_positive_rate',
      selection_rate: 'selection_rate',
      specificity: 'true_negative_rate',
      true_negative_rate: 'true_negative_rate',
      true_positive_rate: 'true_positive_rate',
    };
    const scalar: Record<string, number | null> = {
      average_abs_odds_difference: out.metrics.average_abs_odds_difference,
      average_odds_difference: out.metrics.average_odds_difference,
      between_all_groups_generalized_entropy_index_alpha2: out.metrics.between_group_generalized_entropy_index,
      between_all_groups_theil_index: out.metrics.between_group_theil_index,
      disparate_impact: out.metrics.disparate_impact,
      equal_opportunity_difference: out.metrics.equal_opportunity_difference_vs_reference,
      generalized_entropy_index_alpha2: out.metrics.generalized_entropy_index,
      statistical_parity_difference: out.metrics.statistical_parity_difference,
      theil_index: out.metrics.theil_index,
      // AIF360 counts; with no scores in the predicted dataset AIF360 uses the labels, so the
      // "generalized" counts equal the plain ones.
      num_false_negatives: pc.overallCounts.fn,
      num_false_positives: pc.overallCounts.fp,
      num_true_negatives_generalized: pc.overallCounts.tn,
      num_true_positives_generalized: pc.overallCounts.tp,
    };
    let checked = 0;
    for (const e of golden.expected_from_R_test as {
      metric: string;
      group: 'priv' | 'unpriv' | null;
      value: number;
      tolerance: number | null;
    }[]) {
      let actualValue: number | null | undefined;
      const base = e.metric.replace(/_(difference|ratio)$/, '');
      if (e.metric in scalar) actualValue = scalar[e.metric];
      else if (e.metric in rateOf) {
        const rate = rateOf[e.metric];
        const table =
          e.group === 'priv'
            ? pc.reference?.privileged
            : e.group === 'unpriv'
              ? pc.reference?.unprivileged
              : pc.overall;
        actualValue = table?.[rate];
      } else if (base in rateOf) {
        const kind = e.metric.endsWith('_ratio') ? 'ratio' : 'difference';
        actualValue = out.metrics[`${rateOf[base]}_${kind}_vs_reference`];
      }
      expect(actualValue, e.metric).toBeTypeOf('number');
      // The transcribed tolerance is the gap between the R test's rounded constant and the value: accept
      // |x − y| ≤ tolerance absolutely or relatively (testthat); null = equal, here to 1e-12.
      const tol = e.tolerance ?? 0;
      const diff = Math.abs((actualValue as number) - e.value);
      expect(
        diff <= tol + 1e-12 || diff / Math.abs(e.value) < tol,
        `${e.metric} ${e.group}: ${actualValue} vs ${e.value}`,
      ).toBe(true);
      checked++;
    }
    expect(checked).toBe(48);
    const exact = golden.recomputed_exact;
    for (const [rate, v] of Object.entries(exact.rates.all as Record<string, number>)) {
      const name = {
        TPR: 'true_positive_rate',
        TNR: 'true_negative_rate',
        FPR: 'false_positive_rate',
        FNR: 'false_negative_rate',
        PPV: 'positive_predictive_value',
        NPV: 'negative_predictive_value',
        FDR: 'false_discovery_rate',
        FOR: 'false_omission_rate',
        ACC: 'accuracy',
        SR: 'selection_rate',
      }[rate] as string;
      close(pc.overall[name], v, 1e-12, rate);
      close(pc.reference?.privileged[name], exact.rates.priv[rate], 1e-12, `priv ${rate}`);
      // AIF360 returns PPV = 0 for a group with no true positives and no... here TP+FP > 0, so it is defined.
      close(pc.reference?.unprivileged[name], exact.rates.unpriv[rate], 1e-12, `unpriv ${rate}`);
    }
    const d = exact.derived;
    close(out.metrics.statistical_parity_difference, d.statistical_parity_difference);
    close(out.metrics.disparate_impact, d.disparate_impact);
    close(out.metrics.average_odds_difference, d.average_odds_difference);
    close(out.metrics.average_abs_odds_difference, d.average_abs_odds_difference);
    close(out.metrics.error_rate_ratio_vs_reference, d.error_rate_ratio);
    close(out.metrics.false_omission_rate_ratio_vs_reference, d.false_omission_rate_ratio);
    close(out.metrics.generalized_entropy_index, d.generalized_entropy_index_alpha2);
    close(out.metrics.theil_index, d.theil_index);
    close(out.metrics.between_group_generalized_entropy_index, d.between_all_groups_gei_alpha2);
    close(out.metrics.between_group_theil_index, d.between_all_groups_theil);
  });
});

describe('AIF360 Python unit cases (tests/test_classification_metric.py)', () => {
  const cases = JSON.parse(readFileSync(sharedPath('reference/peers/aif360/unit_cases.json'), 'utf8')).cases as {
    metric: string;
    y_true: number[];
    y_pred: number[];
    protected_attribute_values?: number[];
    protected_attributes?: Record<string, number[]>;
    expected: number;
  }[];
  const metricName: Record<string, string> = {
    'generalized_entropy_index(alpha=2)': 'generalized_entropy_index',
    theil_index: 'theil_index',
    'between_all_groups_generalized_entropy_index(alpha=2)': 'between_group_generalized_entropy_index',
    'between_group_generalized_entropy_index(alpha=2)': 'between_group_generalized_entropy_index',
  };
  const entropyCases = cases.filter((c) => c.metric in metricName);

  it.each(entropyCases.map((c, i) => [i, c.metric, c] as const))('case %i: %s', async (_i, metric, c) => {
    const attr = c.protected_attribute_values ?? (c.protected_attributes as Record<string, number[]>).feat;
    const ctx = await arrayContext({ yTrue: c.y_true, yPred: c.y_pred, sensitive: { feat: attr } });
    const out = await fairnessClassification(ctx, params);
    ctx.close();
    close(out.metrics[metricName[metric]], c.expected);
  });
});

describe("Fairlearn's documented examples", () => {
  const cases = JSON.parse(readFileSync(sharedPath('reference/peers/fairlearn/doc_examples.json'), 'utf8')).cases;

  it('MetricFrame docstring: selection rate and accuracy by group, difference, ratio', async () => {
    const c = cases[0];
    const ctx = await arrayContext({ yTrue: c.y_true, yPred: c.y_pred, sensitive: { sex: c.sensitive_features } });
    const out = await fairnessClassification(ctx, params);
    ctx.close();
    const pc = perClass(out.results);
    const byLabel = Object.fromEntries(pc.groups.map((g) => [g.label, g]));
    for (const [metric, rate] of [
      ['selection_rate', 'selection_rate'],
      ['accuracy', 'accuracy'],
    ] as const) {
      const e = c.expected[metric];
      close(byLabel['sex=Female'][rate], e.by_group.Female);
      close(byLabel['sex=Male'][rate], e.by_group.Male);
      close(out.metrics[`${rate}_difference`], e.difference);
      close(out.metrics[`${rate}_ratio`], e.ratio);
      close(pc.betweenGroups[rate].max, e.group_max);
      close(pc.betweenGroups[rate].min, e.group_min);
    }
  });

  it('common fairness metrics: demographic parity and equalized odds (and their variants)', async () => {
    const c = cases[1];
    const ctx = await arrayContext({ yTrue: c.y_true, yPred: c.y_pred, sensitive: { sf: c.sensitive_features } });
    const out = await fairnessClassification(ctx, params);
    ctx.close();
    const m = out.metrics;
    close(m.demographic_parity_difference, c.expected.demographic_parity_difference);
    close(m.demographic_parity_ratio, c.expected.demographic_parity_ratio);
    close(m.equalized_odds_difference, c.expected.equalized_odds_difference);
    close(m.equalized_odds_ratio, c.expected.equalized_odds_ratio);
    const r = c.recomputed_here;
    close(m.equal_opportunity_difference, r.equal_opportunity_difference);
    close(m.equal_opportunity_ratio, r.equal_opportunity_ratio);
    close(m.demographic_parity_difference_to_overall, r.demographic_parity_difference_to_overall);
    close(m.demographic_parity_ratio_to_overall, r.demographic_parity_ratio_to_overall);
    close(m.equalized_odds_difference_mean, r.equalized_odds_difference_agg_mean);
    close(m.equalized_odds_ratio_mean, r.equalized_odds_ratio_agg_mean);
  });

  it('intersecting groups: precision, recall and count per (SF 0, SF 1) group', async () => {
    const c = cases[2];
    const ctx = await arrayContext({
      yTrue: c.y_true,
      yPred: c.y_pred,
      sensitive: { 'SF 0': c.sensitive_features['SF 0'], 'SF 1': c.sensitive_features['SF 1'] },
    });
    const out = await fairnessClassification(ctx, params);
    ctx.close();
    const pc = perClass(out.results);
    close(pc.overall.positive_predictive_value, c.expected.overall.precision);
    close(pc.overall.true_positive_rate, c.expected.overall.recall);
    expect(pc.groups.map((g) => g.label)).toEqual([
      'SF 0=a, SF 1=6',
      'SF 0=a, SF 1=8',
      'SF 0=b, SF 1=6',
      'SF 0=b, SF 1=8',
      'SF 0=c, SF 1=6',
      'SF 0=c, SF 1=8',
    ]);
    for (const g of pc.groups) {
      const [a, b] = g.label.replace('SF 0=', '').replace(' SF 1=', '').split(',');
      const e = c.expected.by_group[`${a}|${b}`];
      // Fairlearn prints 6 decimals.
      close(g.positive_predictive_value, e.precision, 1e-6);
      close(g.true_positive_rate, e.recall, 1e-6);
      expect(g.n).toBe(e.count);
    }
  });
});
