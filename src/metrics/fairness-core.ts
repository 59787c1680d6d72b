/**
 * The arithmetic of fairness.classification, as a pure function of the groups' confusion matrices, so the
 * bootstrap can re-run it on resampled counts.
 */
import { oneVsRest } from './cells.js';
import { betweenGroups, type Disparity, signedDifference, signedRatio } from './disparity.js';
import { betweenGroupEntropy, generalizedEntropy } from './entropy.js';
import { type Group, mergeConfusion } from './groups.js';
import { binaryRates, RATE_NAMES, type RateName } from './rates.js';
import { combine, type Maybe, MetricSink, undefinedBecause } from './values.js';

export interface FairnessSetup {
  classes: string[];
  /** which groups form the reference (privileged) group; null when the plan names none */
  isReference: ((g: Group) => boolean) | null;
  /** α of the generalized entropy index */
  alpha: number;
  /** leave groups below the minimum size out of between-group aggregates */
  excludeSmall: boolean;
}

export interface ClassFairness {
  class: string;
  overall: Record<RateName, Maybe>;
  groups: { label: string; rates: Record<RateName, Maybe> }[];
  betweenGroups: Record<string, Disparity>;
  reference: null | {
    privileged: Record<RateName, Maybe>;
    unprivileged: Record<RateName, Maybe>;
    /** each non-reference group against the reference group */
    groups: { label: string; statisticalParityDifference: Maybe; disparateImpact: Maybe }[];
  };
}

export interface FairnessComputation {
  sink: MetricSink;
  perClass: ClassFairness[];
  /** every per-group value, keyed "<class>|<group>|<rate>" (for bootstrap intervals) */
  groupValues: Record<string, Maybe>;
}

/** Metric names for class c: plain for binary, "<name>[<class>]" for each class of a multiclass task. */
export function classKey(name: string, label: string | null): string {
  return label === null ? name : `${name}[${label}]`;
}

export function computeFairness(groups: Group[], setup: FairnessSetup): FairnessComputation {
  const k = setup.classes.length;
  const binary = k === 2;
  const targets = binary ? [1] : Array.from({ length: k }, (_, i) => i);
  const sink = new MetricSink();
  const perClass: ClassFairness[] = [];
  const groupValues: Record<string, Maybe> = {};
  const overallConfusion = mergeConfusion(groups, k);
  const compared = setup.excludeSmall ? groups.filter((g) => !g.small) : groups;
  const worstDiff = new Map<string, Maybe[]>();
  const worstRatio = new Map<string, Maybe[]>();
  const collect = (map: Map<string, Maybe[]>, name: string, m: Maybe) => {
    const list = map.get(name) ?? [];
    list.push(m);
    map.set(name, list);
  };

  for (const c of targets) {
    const label = setup.classes[c];
    const tag = binary ? null : label;
    const key = (name: string) => classKey(name, tag);
    const overall = binaryRates(oneVsRest(overallConfusion, c));
    const groupRates = groups.map((g) => ({ label: g.label, rates: binaryRates(oneVsRest(g.confusion, c)) }));
    const comparedRates = groupRates.filter((_, i) => compared.includes(groups[i]));
    for (const g of groupRates) for (const r of RATE_NAMES) groupValues[`${label}|${g.label}|${r}`] = g.rates[r];

    const between: Record<string, Disparity> = {};
    for (const r of RATE_NAMES) {
      between[r] = betweenGroups(
        comparedRates.map((g) => ({ label: g.label, value: g.rates[r] })),
        overall[r],
      );
      sink.put(key(`${r}_difference`), between[r].difference);
      sink.put(key(`${r}_ratio`), between[r].ratio);
    }
    const sr = between.selection_rate;
    const tpr = between.true_positive_rate;
    const fpr = between.false_positive_rate;
    const named: [string, Maybe][] = [
      ['demographic_parity_difference', sr.difference],
      ['demographic_parity_ratio', sr.ratio],
      ['demographic_parity_difference_to_overall', sr.differenceToOverall],
      ['demographic_parity_ratio_to_overall', sr.ratioToOverall],
      ['equal_opportunity_difference', tpr.difference],
      ['equal_opportunity_ratio', tpr.ratio],
      ['equalized_odds_difference', combine([tpr.difference, fpr.difference], Math.max)],
      ['equalized_odds_ratio', combine([tpr.ratio, fpr.ratio], Math.min)],
      ['equalized_odds_difference_mean', combine([tpr.difference, fpr.difference], (a, b) => (a + b) / 2)],
      ['equalized_odds_ratio_mean', combine([tpr.ratio, fpr.ratio], (a, b) => (a + b) / 2)],
      ['equalized_odds_difference_to_overall', combine([tpr.differenceToOverall, fpr.differenceToOverall], Math.max)],
      ['equalized_odds_ratio_to_overall', combine([tpr.ratioToOverall, fpr.ratioToOverall], Math.min)],
    ];
    for (const [name, m] of named) {
      sink.put(key(name), m);
      if (!binary) {
        if (name.includes('difference')) collect(worstDiff, name, m);
        else collect(worstRatio, name, m);
      }
    }
    sink.put(key('selection_rate'), overall.selection_rate);

    let reference: ClassFairness['reference'] = null;
    if (setup.isReference) {
      const isRef = setup.isReference;
      const refGroups = groups.filter((g) => isRef(g));
      const rest = groups.filter((g) => !isRef(g));
      const priv = binaryRates(oneVsRest(mergeConfusion(refGroups, k), c));
      const unpriv = binaryRates(oneVsRest(mergeConfusion(rest, k), c));
      const d = (r: RateName) => signedDifference(unpriv[r], priv[r]);
      sink.put(key('statistical_parity_difference'), d('selection_rate'));
      sink.put(key('disparate_impact'), signedRatio(unpriv.selection_rate, priv.selection_rate));
      sink.put(key('equal_opportunity_difference_vs_reference'), d('true_positive_rate'));
      sink.put(
        key('average_odds_difference'),
        combine([d('false_positive_rate'), d('true_positive_rate')], (a, b) => (a + b) / 2),
      );
      sink.put(
        key('average_abs_odds_difference'),
        combine([d('false_positive_rate'), d('true_positive_rate')], (a, b) => (Math.abs(a) + Math.abs(b)) / 2),
      );
      for (const r of RATE_NAMES) {
        sink.put(key(`${r}_difference_vs_reference`), d(r));
        sink.put(key(`${r}_ratio_vs_reference`), signedRatio(unpriv[r], priv[r]));
      }
      reference = {
        privileged: priv,
        unprivileged: unpriv,
        groups: groupRates
          .filter((_, i) => !isRef(groups[i]))
          .map((g) => ({
            label: g.label,
            statisticalParityDifference: signedDifference(g.rates.selection_rate, priv.selection_rate),
            disparateImpact: signedRatio(g.rates.selection_rate, priv.selection_rate),
          })),
      };
    }
    if (binary) {
      const all = oneVsRest(overallConfusion, c);
      const parts = groups.map((g) => oneVsRest(g.confusion, c));
      sink.put('generalized_entropy_index', generalizedEntropy(all, setup.alpha));
      sink.put('theil_index', generalizedEntropy(all, 1));
      sink.put('between_group_generalized_entropy_index', betweenGroupEntropy(parts, setup.alpha));
      sink.put('between_group_theil_index', betweenGroupEntropy(parts, 1));
    }
    perClass.push({ class: label, overall, groups: groupRates, betweenGroups: between, reference });
  }
  // Multiclass: the plain names hold the worst class (largest difference, smallest ratio).
  const worst = (list: Maybe[], pick: (...v: number[]) => number): Maybe =>
    list.some((m) => m.value === null)
      ? undefinedBecause('undefined for at least one class (see the per-class values)')
      : combine(list, pick);
  for (const [name, list] of worstDiff) sink.put(name, worst(list, Math.max));
  for (const [name, list] of worstRatio) sink.put(name, worst(list, Math.min));
  return { sink, perClass, groupValues };
}
