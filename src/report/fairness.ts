/**
 * What a reader needs from a fairness test at a glance: for each threshold, which groups are furthest apart
 * on the rate behind the metric ("selection rate: sex=female, age_group=<25 0.474 vs sex=male,
 * age_group=>=25 0.809, ratio 0.586"), and charts of the standard conditional rates per group with the
 * threshold drawn where it applies. Read from the fairness test's own per-class results (`perClass[]`:
 * `overall`, `groups`, `betweenGroups`, `reference`); any other shape yields nothing.
 */
import type { TestResult, ThresholdResult } from '../results/schema.js';
import { type Chart, type GroupValue, groupBarChart, groupText } from './charts.js';
import { fmtNumber, humanize, isRecord } from './format.js';

type Rec = Record<string, unknown>;

interface ClassBlock {
  cls: string;
  overall: Rec;
  groups: Rec[];
  between: Rec;
  reference?: { privileged: Rec; unprivileged: Rec; groups: Rec[] };
}

/** The rate(s) a fairness metric compares, and how (Assay's metric names, src/metrics/fairness-core.ts). */
export interface MetricMeaning {
  rates: string[];
  kind: 'ratio' | 'difference';
  /** between: max/min over groups (Fairlearn); overall: each group vs everyone; reference: others vs reference (AIF360). */
  scope: 'between' | 'overall' | 'reference';
  cls?: string;
}

const STEMS: Record<string, string[]> = {
  demographic_parity: ['selection_rate'],
  equal_opportunity: ['true_positive_rate'],
  equalized_odds: ['true_positive_rate', 'false_positive_rate'],
  average_odds: ['false_positive_rate', 'true_positive_rate'],
  average_abs_odds: ['false_positive_rate', 'true_positive_rate'],
  statistical_parity: ['selection_rate'],
};

export function metricMeaning(metric: string): MetricMeaning | undefined {
  const m = /^(.*?)(?:\[(.+)\])?$/.exec(metric);
  if (!m) return undefined;
  let base = m[1];
  const cls = m[2];
  if (base === 'disparate_impact') return { rates: ['selection_rate'], kind: 'ratio', scope: 'reference', cls };
  let scope: MetricMeaning['scope'] = 'between';
  if (base.endsWith('_vs_reference')) {
    scope = 'reference';
    base = base.slice(0, -'_vs_reference'.length);
  } else if (base.endsWith('_to_overall')) {
    scope = 'overall';
    base = base.slice(0, -'_to_overall'.length);
  } else if (base.endsWith('_mean')) base = base.slice(0, -'_mean'.length);
  const k = /^(.*)_(difference|ratio)$/.exec(base);
  if (!k) return undefined;
  const stem = k[1];
  if (stem === 'statistical_parity' || stem.startsWith('average_')) scope = 'reference';
  const rates = STEMS[stem] ?? [stem];
  return { rates, kind: k[2] as 'ratio' | 'difference', scope, cls };
}

function classBlocks(results: unknown): ClassBlock[] {
  if (!isRecord(results) || !Array.isArray(results.perClass)) return [];
  const out: ClassBlock[] = [];
  for (const c of results.perClass) {
    if (!isRecord(c) || !isRecord(c.overall) || !Array.isArray(c.groups) || !isRecord(c.betweenGroups)) continue;
    const ref = isRecord(c.reference) ? c.reference : undefined;
    out.push({
      cls: String(c.class ?? ''),
      overall: c.overall,
      groups: c.groups.filter(isRecord),
      between: c.betweenGroups,
      reference:
        ref && isRecord(ref.privileged) && isRecord(ref.unprivileged)
          ? {
              privileged: ref.privileged,
              unprivileged: ref.unprivileged,
              groups: (Array.isArray(ref.groups) ? ref.groups : []).filter(isRecord),
            }
          : undefined,
    });
  }
  return out;
}

/** Three significant digits: enough to compare rates, short enough to read in one line. */
function f3(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : String(Number(v.toPrecision(3)));
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function blockFor(blocks: ClassBlock[], cls: string | undefined): ClassBlock | undefined {
  return cls === undefined ? blocks[blocks.length - 1] : blocks.find((b) => b.cls === cls);
}

function referenceLabels(results: unknown): string[] {
  if (!isRecord(results) || !Array.isArray(results.groups)) return [];
  return results.groups.filter((g) => isRecord(g) && g.reference === true).map((g) => String((g as Rec).label));
}

function smallNote(block: ClassBlock, labels: string[]): string {
  const small = block.groups.filter((g) => g.small === true && labels.includes(String(g.label)));
  return small.length
    ? ` (${small.map((g) => `${String(g.label)} has only ${fmtNumber(num(g.n) ?? null)} rows`).join('; ')})`
    : '';
}

/** One line naming the groups behind a fairness threshold's value, or undefined when the metric is not one. */
export function fairnessLine(t: TestResult, th: ThresholdResult): string | undefined {
  const meaning = metricMeaning(th.metric);
  const blocks = classBlocks(t.results);
  const block = meaning && blockFor(blocks, meaning.cls);
  if (!meaning || !block) return undefined;
  const value = th.actual === null ? '' : `, ${meaning.kind} ${f3(th.actual)}`;
  const cls = meaning.cls !== undefined ? ` (class ${meaning.cls})` : '';
  if (meaning.scope === 'between') {
    // Several rates (equalized odds): the one whose gap is widest decides the metric.
    const gaps = meaning.rates
      .map((r) => ({ r, b: block.between[r] }))
      .filter(
        (x): x is { r: string; b: Rec } => isRecord(x.b) && num(x.b.min) !== undefined && num(x.b.max) !== undefined,
      );
    if (gaps.length === 0) return undefined;
    const score = (b: Rec) => (meaning.kind === 'ratio' ? -(num(b.ratio) ?? 1) : (num(b.difference) ?? 0));
    const { r, b } = gaps.reduce((a, x) => (score(x.b) > score(a.b) ? x : a));
    const lo = String(b.minGroup ?? '?');
    const hi = String(b.maxGroup ?? '?');
    return `${humanize(r)}${cls}: ${lo} ${f3(num(b.min))} vs ${hi} ${f3(num(b.max))}${value}${smallNote(block, [lo, hi])}`;
  }
  if (meaning.scope === 'reference' && block.reference) {
    const r = meaning.rates[0];
    const refs = referenceLabels(t.results);
    const refName = refs.length ? refs.join(' + ') : 'the reference group';
    return `${humanize(r)}${cls}: other groups ${f3(num(block.reference.unprivileged[r]))} vs ${refName} ${f3(num(block.reference.privileged[r]))}${value}`;
  }
  if (meaning.scope === 'overall') {
    const r = meaning.rates[0];
    const o = num(block.overall[r]);
    if (o === undefined) return undefined;
    let far: Rec | undefined;
    for (const g of block.groups) {
      const v = num(g[r]);
      if (v !== undefined && (far === undefined || Math.abs(v - o) > Math.abs((num(far[r]) ?? o) - o))) far = g;
    }
    if (!far) return undefined;
    return `${humanize(r)}${cls}: ${String(far.label)} ${f3(num(far[r]))} vs everyone ${f3(o)}${value}${smallNote(block, [String(far.label)])}`;
  }
  return undefined;
}

/** The lines for a test's thresholds (all of them, or only the failed ones). */
export function fairnessLines(t: TestResult, onlyFailed = false): { metric: string; passed: boolean; text: string }[] {
  return t.thresholds
    .filter((th) => !onlyFailed || !th.passed)
    .flatMap((th) => {
      const text = fairnessLine(t, th);
      return text ? [{ metric: th.metric, passed: th.passed, text }] : [];
    });
}

/** Every bound in a condition such as ">= 0.8" or ">= 0.8 and <= 1.25". */
export function bounds(condition: string): { op: string; value: number }[] {
  return [...condition.matchAll(/(>=|<=|>|<|==)\s*(-?[0-9.]+(?:e-?\d+)?)/g)]
    .map((m) => ({ op: m[1], value: Number(m[2]) }))
    .filter((b) => Number.isFinite(b.value));
}

/** Rates shown first, in this order: the ones fairness metrics are built from. */
const CHART_RATES = [
  'selection_rate',
  'true_positive_rate',
  'false_positive_rate',
  'positive_predictive_value',
  'accuracy',
  'roc_auc',
];

interface ThresholdMark {
  rate: string;
  at: number;
  text: string;
}

/**
 * Where a threshold sits on a rate's own scale. Between groups, "ratio >= 0.8" fails every group below
 * 0.8 × the highest rate, and "difference <= 0.1" every group below the highest minus 0.1; against the
 * reference group, "ratio >= 0.8" sits at 0.8 × the reference group's rate.
 */
function thresholdMarks(t: TestResult, block: ClassBlock, last: boolean): ThresholdMark[] {
  const marks: ThresholdMark[] = [];
  for (const th of t.thresholds) {
    const m = metricMeaning(th.metric);
    if (!m || (m.cls === undefined ? !last : m.cls !== block.cls)) continue;
    for (const { op, value } of bounds(th.condition)) {
      if (!op.startsWith('>') && m.kind === 'ratio') continue;
      for (const rate of m.rates) {
        if (m.scope === 'between') {
          const b = block.between[rate];
          const max = isRecord(b) ? num(b.max) : undefined;
          if (max === undefined) continue;
          if (m.kind === 'ratio')
            marks.push({
              rate,
              at: value * max,
              text: `${th.metric} ${op} ${value}: ${value} × the highest group (${fmtNumber(value * max)})`,
            });
          else if (op.startsWith('<'))
            marks.push({
              rate,
              at: max - value,
              text: `${th.metric} ${op} ${value}: the highest group − ${value} (${fmtNumber(max - value)})`,
            });
        } else if (m.scope === 'reference' && block.reference) {
          const p = num(block.reference.privileged[rate]);
          if (p === undefined) continue;
          if (m.kind === 'ratio')
            marks.push({
              rate,
              at: value * p,
              text: `${th.metric} ${op} ${value}: ${value} × the reference group (${fmtNumber(value * p)})`,
            });
          else if (op.startsWith('>') && value <= 0)
            marks.push({
              rate,
              at: p + value,
              text: `${th.metric} ${op} ${value}: the reference group ${value} (${fmtNumber(p + value)})`,
            });
        }
      }
    }
  }
  return marks;
}

/**
 * The standard (conditional) rates per group, one chart per class the thresholds concern (binary: the
 * favourable class), with the overall rate dashed and the threshold solid; then each group against the
 * reference group. Keys match the generic charts of the same data so those are dropped.
 */
export function fairnessCharts(t: TestResult): Chart[] {
  const blocks = classBlocks(t.results);
  const charts: Chart[] = [];
  blocks.forEach((block, i) => {
    const last = i === blocks.length - 1;
    // A multiclass run: chart the favourable class and any class a threshold names.
    const named = t.thresholds.some((th) => metricMeaning(th.metric)?.cls === block.cls);
    if (!last && !named) return;
    const marks = thresholdMarks(t, block, last);
    const rows: GroupValue[] = [];
    for (const rate of CHART_RATES) {
      const mark = marks.find((k) => k.rate === rate);
      for (const g of block.groups) {
        const v = num(g[rate]);
        if (v === undefined) continue;
        const ref = num(block.overall[rate]);
        rows.push({
          metric: humanize(rate),
          group: String(g.label),
          value: v,
          ...(ref !== undefined ? { ref } : {}),
          ...(mark ? { threshold: mark.at } : {}),
        });
      }
    }
    if (rows.length === 0) return;
    const c = groupBarChart(
      rows,
      `Rates by group, class ${block.cls} (standard conditional rates)`,
      CHART_RATES.map(humanize),
    );
    const small = block.groups
      .filter((g) => g.small === true)
      .map((g) => `${groupText(String(g.label))} (${fmtNumber(num(g.n) ?? null)} rows)`);
    c.caption = [
      'Each rate within its group (e.g. selection rate = share of the group predicted ' + block.cls + ').',
      'Dashed line: the rate over all rows.',
      ...marks.map((k) => `Solid line on ${humanize(k.rate)}: threshold ${k.text}; bars left of it fail.`),
      small.length ? `Few rows, read with care: ${small.join(', ')}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    c.key = last && blocks.length === 1 ? 'groups:per class / groups' : `fairness:${block.cls}`;
    charts.push(c);
  });
  const block = blocks[blocks.length - 1];
  if (block?.reference && block.reference.groups.length > 0) {
    const refs = referenceLabels(t.results).map(groupText);
    const rows: GroupValue[] = [];
    for (const [key, parity] of [
      ['disparate_impact', 1],
      ['statistical_parity_difference', 0],
    ] as const) {
      const th = t.thresholds.find((x) => x.metric === key);
      const b = th ? bounds(th.condition).find((x) => x.op.startsWith('>')) : undefined;
      for (const g of block.reference.groups) {
        const v = num(g[key]);
        if (v !== undefined)
          rows.push({
            metric: humanize(key),
            group: String(g.label),
            value: v,
            ref: parity,
            ...(b ? { threshold: b.value } : {}),
          });
      }
    }
    if (rows.length > 0) {
      const c = groupBarChart(
        rows,
        `Each group against the reference group${refs.length ? ` (${refs.join(' + ')})` : ''}`,
      );
      c.caption =
        'Disparate impact = the group’s selection rate ÷ the reference group’s; statistical parity difference = the difference. Dashed line: parity (1 and 0).';
      c.key = 'groups:per class / reference / groups';
      charts.push(c);
    }
  }
  return charts;
}
