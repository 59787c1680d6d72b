/**
 * AI Verify's Fairness Metrics Toolbox for Classification, reproduced exactly so its users can compare.
 * Source followed: aiverify-foundation/aiverify, stock-plugins/aiverify.stock.fairness-metrics-toolbox-for-
 * classification/.../aiverify_fairness_metrics_toolbox_for_classification/algo.py (`_compute_between_group`).
 * Its conventions differ from the textbook ones and are kept on purpose here:
 * - per-group "rates" divide the group's count by the WHOLE dataset's class total (e.g. "True Positive Rate"
 *   = TP_g / (TP + FN) over all rows), so they are each group's share of the overall rate (issue #272);
 * - "Disparate Impact" is PP_i / PP_j for every pair i < j of groups (PP = predicted-positive share of the group),
 *   not folded to ≤ 1;
 * - "Equal Selection Parity" is |(TP_i + FP_i) − (TP_j + FP_j)|, a difference of COUNTS;
 * - any 0 numerator or denominator gives 0; counts are unweighted; groups are sorted as numpy.unique sorts.
 */
import { type Confusion, isNumericText, oneVsRest } from './cells.js';
import type { Group } from './groups.js';

export const FMTC_META = {
  gid: 'aiverify.stock.fairness_metrics_toolbox_for_classification',
  cid: 'fairness_metrics_toolbox_for_classification',
  version: '2.2.0',
} as const;

export const FMTC_CONVENTION =
  'AI Verify Fairness Metrics Toolbox for Classification 2.2.0, reproduced exactly: per-group rates use whole-dataset ' +
  'class totals as denominators (a group\'s share of the overall rate, not a conditional rate), "Disparate Impact" is ' +
  'the unfolded pairwise ratio of predicted-positive shares, "Equal Selection Parity" is a difference of counts, 0/0 → 0, ' +
  'no sample weights. See fairness.classification results for the standard conditional rates.';

type Json = string | number;
interface Entry {
  group: Json[];
  metric: number;
}

/** AI Verify's `_compute_rate`: 0 when either side is 0. */
const rate = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : a / b);

/** numpy's `tolist()` of the sensitive values: numbers for numeric columns, text otherwise. */
export function aiverifyValue(v: string | null, numeric: boolean): Json {
  if (v === null) return 'nan';
  return numeric ? Number(v) : v;
}

export function fmtcOutput(
  groups: Group[],
  overall: Confusion,
  sensitive: string[],
  classLabels: string[],
): { sensitive_feature: string[]; output_classes: Json[]; results: Record<string, Entry[]>[] } {
  const observed = groups.filter((g) => g.n > 0);
  const numericAttr = sensitive.map((_, i) => observed.every((g) => g.key[i] === null || isNumericText(g.key[i])));
  const numericClass = classLabels.every((c) => isNumericText(c));
  const keyOf = (g: Group) => g.key.map((v, i) => aiverifyValue(v, numericAttr[i]));
  // output_classes = numpy.unique(y_true): the classes that occur in the ground truth.
  const present: number[] = [];
  for (let c = 0; c < overall.k; c++) {
    let row = 0;
    for (let j = 0; j < overall.k; j++) row += overall.n[c * overall.k + j];
    if (row > 0) present.push(c);
  }
  const results = present.map((c) => {
    const all = oneVsRest(overall, c, true);
    const out: Record<string, Entry[]> = {
      'True Positive Rate': [],
      'True Negative Rate': [],
      'Positive Predictive Value Parity': [],
      'Negative Predictive Value Parity': [],
      'False Positive Rate': [],
      'False Negative Rate': [],
      'False Discovery Rate': [],
      'False Omission Rate': [],
    };
    const pp: number[] = [];
    const sel: number[] = [];
    for (const g of observed) {
      const { tp, fp, tn, fn } = oneVsRest(g.confusion, c, true);
      const group = keyOf(g);
      const put = (name: string, metric: number) => out[name].push({ group, metric });
      put('True Positive Rate', rate(tp, all.tp + all.fn));
      put('True Negative Rate', rate(tn, all.tn + all.fp));
      put('Positive Predictive Value Parity', rate(tp, all.tp + all.fp));
      put('Negative Predictive Value Parity', rate(tn, all.tn + all.fn));
      put('False Positive Rate', rate(fp, all.tn + all.fp));
      put('False Negative Rate', rate(fn, all.tp + all.fn));
      put('False Discovery Rate', rate(fp, all.tp + all.fp));
      put('False Omission Rate', rate(fn, all.tn + all.fn));
      pp.push(rate(tp + fp, tp + fp + tn + fn));
      sel.push(tp + fp);
    }
    out['Disparate Impact'] = [];
    out['Equal Selection Parity'] = [];
    for (let i = 0; i < observed.length; i++) {
      for (let j = i + 1; j < observed.length; j++) {
        const group = [...keyOf(observed[i]), ...keyOf(observed[j])];
        out['Disparate Impact'].push({ group, metric: rate(pp[i], pp[j]) });
        out['Equal Selection Parity'].push({ group, metric: Math.abs(sel[i] - sel[j]) });
      }
    }
    return out;
  });
  return {
    sensitive_feature: sensitive,
    output_classes: present.map((c) => (numericClass ? Number(classLabels[c]) : classLabels[c])),
    results,
  };
}
