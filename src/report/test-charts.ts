/**
 * Finds what can be charted in one test's results. Two sources:
 * 1. the test's AI Verify outputs, whose shapes are fixed by AI Verify's output schemas (FMTC/FMTR group
 *    metrics, SHAP, PDP, ALE, robustness toolbox, image corruptions);
 * 2. Assay's own `results` object, searched for well-known shapes by their field names (fpr/tpr → ROC,
 *    predicted/observed → calibration, grid/pdp/ice → PDP/ICE, epsilon/accuracy → robustness curve,
 *    per-group rows → group bars, feature/importance rows → importance bars).
 * Unknown shapes yield no chart (the generic tables still show them); nothing here throws on odd input.
 */
import type { TestResult } from '../results/schema.js';
import {
  type BarItem,
  barChart,
  beeswarmChart,
  type Cell,
  type Chart,
  type GroupValue,
  groupBarChart,
  heatmapChart,
  lineChart,
  type Point,
  type SwarmPoint,
} from './charts.js';
import { bounds, fairnessCharts } from './fairness.js';
import { asString, humanize, isRecord } from './format.js';

const MAX_FEATURE_CHARTS = 6;
const MAX_SWARM_SAMPLES = 200;
const MAX_SWARM_FEATURES = 12;

/** A number, or the mean of a non-empty array of numbers. */
function meanOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const xs = nums(v);
  return xs ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

function nums(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x))
    ? (v as number[])
    : undefined;
}

function groupLabel(g: unknown): string {
  return Array.isArray(g) ? g.map(String).join(' / ') : String(g);
}

function meanRef(rows: GroupValue[]): GroupValue[] {
  const byMetric = new Map<string, number[]>();
  for (const r of rows) byMetric.set(r.metric, [...(byMetric.get(r.metric) ?? []), r.value]);
  return rows.map((r) => {
    const vs = byMetric.get(r.metric)!;
    return { ...r, ref: vs.reduce((a, b) => a + b, 0) / vs.length };
  });
}

/** Charts from AI Verify-compatible outputs (schemas in AI Verify's stock plugins). */
export function chartsFromAiVerify(
  cid: string,
  output: unknown,
  ctx: { convention?: string; output?: string } = {},
): Chart[] {
  if (!isRecord(output)) return [];
  const charts: Chart[] = [];
  const res = output.results;
  if (cid.includes('fairness_metrics_toolbox_for_classification') && Array.isArray(res) && res.length > 0) {
    const classes = Array.isArray(output.output_classes) ? output.output_classes : [];
    const k = res.length - 1;
    const perClass = res[k];
    const rows: GroupValue[] = [];
    if (isRecord(perClass)) {
      // A group is one value per sensitive attribute; pairwise metrics (Disparate Impact) list two groups.
      const lists = Object.values(perClass).filter(Array.isArray).flat().filter(isRecord);
      const sizes = lists.map((e) => (Array.isArray(e.group) ? e.group.length : 1));
      const n = sizes.length ? Math.min(...sizes) : 1;
      const label = (g: unknown): string =>
        Array.isArray(g) && n > 0 && g.length === 2 * n
          ? `${g.slice(0, n).map(String).join(' · ')} vs ${g.slice(n).map(String).join(' · ')}`
          : Array.isArray(g)
            ? g.map(String).join(' · ')
            : String(g);
      for (const [metric, list] of Object.entries(perClass)) {
        if (!Array.isArray(list)) continue;
        for (const e of list) {
          if (isRecord(e) && typeof e.metric === 'number' && Number.isFinite(e.metric)) {
            rows.push({ metric, group: label(e.group), value: e.metric });
          }
        }
      }
    }
    if (rows.length > 0) {
      const c = groupBarChart(
        meanRef(rows),
        `AI Verify's convention (Fairness Metrics Toolbox): metrics by group, class ${String(classes[k] ?? k)}`,
      );
      c.caption = `AI Verify's toolbox divides each group's counts by whole-dataset class totals, so these are a group's share of the overall rate, not the conditional rates above; shown for comparison with the AI Verify portal. Dashed line: mean across groups.`;
      c.key = 'aiverify:fairness';
      charts.push(c);
    }
  }
  if (cid.includes('fairness_metrics_toolbox_for_regression') && Array.isArray(res)) {
    const rows: GroupValue[] = [];
    for (const r of res) {
      if (!isRecord(r)) continue;
      for (const m of ['mae', 'mse', 'r2']) {
        const v = r[m];
        if (typeof v === 'number' && Number.isFinite(v))
          rows.push({ metric: m.toUpperCase(), group: String(r.subgroup ?? '?'), value: v });
      }
    }
    if (rows.length > 0) {
      const c = groupBarChart(meanRef(rows), 'Regression error by group');
      c.caption = 'AI Verify regression fairness output; dashed line: mean across groups.';
      charts.push(c);
    }
  }
  if (cid.includes('shap') && isRecord(res) && Array.isArray(output.feature_names)) {
    charts.push(...shapCharts(output.feature_names.map(String), res.global_shap_values, res.global_samples));
  }
  if (cid.includes('partial_dependence') && Array.isArray(res) && Array.isArray(output.feature_names)) {
    const names = output.feature_names.map(String);
    const classes = Array.isArray(output.output_classes) ? output.output_classes.map(String) : [];
    res.slice(0, MAX_FEATURE_CHARTS).forEach((perFeature, f) => {
      if (!Array.isArray(perFeature)) return;
      // Binary outputs mirror each other: show the positive class only.
      const pick = perFeature.length === 2 ? [1] : perFeature.map((_, i) => i);
      const pts: Point[] = [];
      for (const c of pick) {
        const line = perFeature[c];
        if (!Array.isArray(line)) continue;
        for (const p of line) {
          if (isRecord(p) && typeof p.feature_value === 'number' && typeof p.pdp_value === 'number') {
            pts.push({ series: `class ${classes[c] ?? c}`, x: p.feature_value, y: p.pdp_value });
          }
        }
      }
      if (pts.length > 0)
        charts.push({
          ...lineChart(pts, {
            title: `Partial dependence: ${names[f]}`,
            xTitle: names[f] ?? `feature ${f}`,
            yTitle: 'average prediction',
          }),
          key: `pdp:${names[f]}`,
        });
    });
  }
  if (cid.includes('accumulated_local_effect') && Array.isArray(res) && Array.isArray(output.feature_names)) {
    const names = output.feature_names.map(String);
    res.slice(0, MAX_FEATURE_CHARTS).forEach((r, f) => {
      if (!isRecord(r)) return;
      const x = nums(r.indices);
      const y = nums(r.ale);
      if (x && y && x.length === y.length) {
        const name = names[f] ?? `feature ${f}`;
        const of = ctx.output ? ` on ${ctx.output}` : '';
        charts.push({
          ...lineChart(
            x.map((xi, i) => ({ series: name, x: xi, y: y[i] })),
            { title: `Accumulated local effect of ${name}${of}`, xTitle: name, yTitle: `ALE${of}` },
          ),
          key: `ale:${name}:${ctx.output ?? ''}`,
        });
      }
    });
  }
  if (cid.includes('robustness_toolbox') && isRecord(res)) {
    const items: BarItem[] = [];
    if (typeof res.org_performance === 'number') items.push({ label: 'original data', value: res.org_performance });
    // The same AI Verify envelope carries random-noise tests and attacks: say which this is.
    const noise = /\bnoise\b/i.test(ctx.convention ?? '');
    if (typeof res.perturbed_performance === 'number')
      items.push({
        label: noise ? 'inputs with random noise' : 'adversarial examples',
        value: res.perturbed_performance,
      });
    if (items.length > 0)
      charts.push(
        barChart(items, {
          title: noise
            ? 'Performance on original vs noisy inputs (random noise, not an attack)'
            : 'Performance on original vs adversarial samples',
          xTitle: 'performance',
        }),
      );
    const bar = charts[charts.length - 1];
    if (items.length > 0 && ctx.convention) bar.caption = `As exported for AI Verify: ${ctx.convention}`;
  }
  if (cid.includes('corruption') && Array.isArray(res)) {
    const cells: Cell[] = [];
    for (const r of res) {
      if (!isRecord(r) || !isRecord(r.accuracy)) continue;
      for (const [sev, v] of Object.entries(r.accuracy)) {
        if (typeof v === 'number' && Number.isFinite(v))
          cells.push({ row: String(r.corruption_function ?? '?'), col: sev.replace(/^severity/, ''), value: v });
      }
    }
    if (cells.length > 0) {
      charts.push(
        heatmapChart(cells, {
          title: 'Accuracy under image corruptions',
          rowTitle: 'corruption',
          colTitle: 'severity',
          valueTitle: 'accuracy',
        }),
      );
    }
  }
  return charts;
}

/** SHAP bar (mean |SHAP|) and beeswarm from a samples × features matrix (or classes × samples × features). */
export function shapCharts(features: string[], shapValues: unknown, samples: unknown): Chart[] {
  let matrix: unknown = shapValues;
  let outputs = 1;
  // classes × samples × features: use the last class (the positive class of a binary model).
  if (Array.isArray(matrix) && Array.isArray(matrix[0]) && Array.isArray(matrix[0][0])) {
    outputs = matrix.length;
    matrix = matrix[matrix.length - 1];
  }
  if (!Array.isArray(matrix) || matrix.length === 0) return [];
  const rows = matrix.map(nums).filter((r): r is number[] => r !== undefined && r.length === features.length);
  if (rows.length === 0) return [];
  const meanAbs = features.map((_, f) => rows.reduce((a, r) => a + Math.abs(r[f]), 0) / rows.length);
  const order = features.map((_, f) => f).sort((a, b) => meanAbs[b] - meanAbs[a]);
  const bar = barChart(
    order.map((f) => ({ label: features[f], value: meanAbs[f] })),
    { title: 'Mean absolute SHAP value by feature', xTitle: 'mean |SHAP value|' },
  );
  bar.caption = `Global importance: mean |SHAP| over ${rows.length} explained samples${outputs > 1 ? ` (output ${outputs} of ${outputs}, as exported for AI Verify)` : ''}.`;
  bar.key = 'shap-bar';
  const charts = [bar];
  const xs = Array.isArray(samples) ? samples.map(nums) : [];
  const shown = order.slice(0, MAX_SWARM_FEATURES);
  const step = Math.max(1, Math.ceil(rows.length / MAX_SWARM_SAMPLES));
  const points: SwarmPoint[] = [];
  for (const f of shown) {
    const col = xs.map((r) => (r ? r[f] : undefined)).filter((v): v is number => typeof v === 'number');
    const lo = col.length > 0 ? Math.min(...col) : 0;
    const hi = col.length > 0 ? Math.max(...col) : 0;
    for (let s = 0; s < rows.length; s += step) {
      const xv = xs[s]?.[f];
      // Deterministic jitter (golden-ratio sequence) so the SVG is identical between renders.
      const jitter = ((s * 0.6180339887) % 1) * 1.6 - 0.8;
      points.push({
        feature: features[f],
        shap: rows[s][f],
        level: typeof xv === 'number' && hi > lo ? (xv - lo) / (hi - lo) : null,
        jitter,
      });
    }
  }
  const swarm = beeswarmChart(
    points,
    shown.map((f) => features[f]),
    'SHAP values per sample',
  );
  swarm.caption = `Each dot is one explained sample; its position is the feature’s SHAP value, its colour the feature value (low → high)${outputs > 1 ? `; output ${outputs} of ${outputs}` : ''}.`;
  charts.push(swarm);
  return charts;
}

const XY_KINDS: { kind: string; x: string[]; y: string[]; diagonal?: boolean; xTitle: string; yTitle: string }[] = [
  {
    kind: 'ROC curve',
    x: ['fpr', 'falsePositiveRate'],
    y: ['tpr', 'truePositiveRate'],
    diagonal: true,
    xTitle: 'false positive rate',
    yTitle: 'true positive rate',
  },
  { kind: 'Precision–recall curve', x: ['recall'], y: ['precision'], xTitle: 'recall', yTitle: 'precision' },
  {
    kind: 'Calibration curve',
    x: [
      'meanPredicted',
      'mean_predicted',
      'prob_pred',
      'predicted',
      'meanScore',
      'confidence',
      'meanPredictedProbability',
    ],
    y: [
      'fractionPositive',
      'fraction_positive',
      'fractionPositives',
      'prob_true',
      'observed',
      'observedRate',
      'accuracy',
    ],
    diagonal: true,
    xTitle: 'mean predicted probability',
    yTitle: 'observed frequency',
  },
  {
    kind: 'Robustness curve',
    x: [
      'epsilon',
      'epsilons',
      'eps',
      'budget',
      'budgets',
      'severity',
      'severities',
      'noise',
      'noiseLevels',
      'sigma',
      'sigmas',
      'levels',
      'strength',
    ],
    y: [
      'accuracy',
      'accuracies',
      'robustAccuracy',
      'successRate',
      'attackSuccessRate',
      'agreement',
      'stability',
      'flipRate',
      'accuracyUnderAttack',
      'score',
    ],
    xTitle: 'perturbation size',
    yTitle: 'value',
  },
];

/** A curve's y values: numbers, or rows of per-output numbers (the last output: the positive class). */
function lastColumn(v: unknown): number[] | undefined {
  const flat = nums(v);
  if (flat) return flat;
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out: number[] = [];
  for (const row of v) {
    const r = nums(row);
    if (!r) return undefined;
    out.push(r[r.length - 1]);
  }
  return out;
}

function pickCurve(o: Record<string, unknown>, keys: string[]): { key: string; values: number[] } | undefined {
  for (const k of keys) {
    const v = lastColumn(o[k]);
    if (v) return { key: k, values: v };
  }
  return undefined;
}

function pick(o: Record<string, unknown>, keys: string[]): { key: string; values: number[] } | undefined {
  for (const k of keys) {
    const v = nums(o[k]);
    if (v) return { key: k, values: v };
  }
  return undefined;
}

/** An array of point objects ([{epsilon, accuracy}, …]) as column arrays, so one detector handles both layouts. */
function columns(list: unknown[]): Record<string, unknown> | undefined {
  if (list.length < 2 || !list.every(isRecord)) return undefined;
  const keys = Object.keys(list[0] as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = list.map((r) => (r as Record<string, unknown>)[k]);
  return out;
}

interface Found {
  lines: Map<string, { kind: (typeof XY_KINDS)[number]; xKey: string; yKey: string; points: Point[] }>;
  pdp: { feature: string; pdp: Point[]; ice: Point[] }[];
  groups: Map<string, { rows: GroupValue[]; overall: boolean; byClass?: boolean }>;
  importance: { title: string; items: BarItem[] }[];
  shapGlobal?: { outputs: number; items: BarItem[] };
  shap?: { features: string[]; values: unknown; samples: unknown };
}

function seriesName(o: Record<string, unknown>, path: string[]): string {
  const g = o.group ?? o.name ?? o.label ?? o.class ?? o.attack ?? o.corruption ?? o.method;
  let name = g !== undefined ? groupLabel(g) : (path.filter((p) => !/^\d+$/.test(p)).slice(-1)[0] ?? 'overall');
  if (typeof o.auc === 'number') name += ` (AUC ${o.auc.toFixed(3)})`;
  return name;
}

function visit(
  node: unknown,
  path: string[],
  found: Found,
  depth: number,
  overall?: Record<string, unknown>,
  hint?: string,
): void {
  if (depth > 6 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    const cols = columns(node);
    if (cols) detect(cols, path, found, node, overall, hint);
    for (const [i, x] of node.slice(0, 50).entries()) visit(x, [...path, String(i)], found, depth + 1);
    return;
  }
  const o = node as Record<string, unknown>;
  detect(o, path, found);
  // A sibling `overall` record gives the reference line of per-group rows.
  const ref = isRecord(o.overall) ? o.overall : undefined;
  // A record that names a group or class names the curves below it (e.g. rocCurves[k].points).
  const named = o.group ?? o.label ?? o.class ?? o.name;
  const childHint =
    named !== undefined && !Array.isArray(named) && typeof named !== 'object' ? seriesName(o, path) : hint;
  for (const [k, v] of Object.entries(o)) visit(v, [...path, k], found, depth + 1, ref, childHint);
}

/** Group rows name their group in `group` or `label`. */
function groupOfRow(r: unknown): unknown {
  return isRecord(r) ? (r.group ?? r.label ?? r.class) : undefined;
}

/** Rates people look for first; other numeric columns follow, up to MAX_GROUP_METRICS. */
const GROUP_METRIC_ORDER = [
  'selection_rate',
  'selectionRate',
  'true_positive_rate',
  'tpr',
  'false_positive_rate',
  'fpr',
  'positive_predictive_value',
  'accuracy',
  'roc_auc',
  'mae',
  'rmse',
  'r2',
];
const MAX_GROUP_METRICS = 6;
const NOT_A_METRIC = /^(n|count|counts|size|support|weight|share|rows|small|reference)$/i;

function detect(
  o: Record<string, unknown>,
  path: string[],
  found: Found,
  rows?: unknown[],
  overall?: Record<string, unknown>,
  hint?: string,
): void {
  // Rows of per-group or per-class metrics (a table with a `class`/`support` column) are not points of one curve.
  const perClass = rows?.every((r) => r !== null && typeof r === 'object' && ('class' in r || 'support' in r)) ?? false;
  const groupRows = perClass || (rows?.every((r) => groupOfRow(r) !== undefined) ?? false);
  for (const kind of groupRows ? [] : XY_KINDS) {
    const x = pick(o, kind.x);
    const y = pick(o, kind.y);
    if (!x || !y || x.values.length !== y.values.length || x.values.length < 2) continue;
    if (kind.kind === 'Robustness curve') {
      // Every rate measured along the perturbation size (accuracy, flip rate, success rate…), on one 0–1 chart.
      const ys = kind.y
        .map((k) => ({ key: k, values: nums(o[k]) }))
        .filter((c): c is { key: string; values: number[] } => c.values?.length === x.values.length);
      const rates = ys.filter((c) => c.values.every((v) => v >= 0 && v <= 1));
      if (rates.length > 1) {
        const key = `${kind.kind}|${x.key}|rates`;
        const entry = found.lines.get(key) ?? { kind, xKey: x.key, yKey: 'rate', points: [] };
        found.lines.set(key, entry);
        const prefix = rows && hint ? `${hint}: ` : '';
        for (const c of rates)
          entry.points.push(
            ...x.values.map((xv, i) => ({ series: `${prefix}${humanize(c.key)}`, x: xv, y: c.values[i] })),
          );
        return;
      }
    }
    const key = `${kind.kind}|${x.key}|${y.key}`;
    const entry = found.lines.get(key) ?? { kind, xKey: x.key, yKey: y.key, points: [] };
    found.lines.set(key, entry);
    const series = rows
      ? (hint ?? path.filter((p) => !/^\d+$/.test(p)).slice(-1)[0] ?? 'overall')
      : seriesName(o, path);
    entry.points.push(...x.values.map((xv, i) => ({ series, x: xv, y: y.values[i] })));
    return;
  }
  const grid = pick(o, ['grid', 'gridValues', 'featureValues', 'values', 'x']);
  const pdp = pickCurve(o, ['pdp', 'average', 'pd', 'partialDependence', 'mean']);
  if (grid && pdp && grid.values.length === pdp.values.length && grid.values.length >= 2) {
    const feature = asString(o.feature) ?? asString(o.name) ?? path.slice(-1)[0] ?? 'feature';
    const ice: Point[] = [];
    if (Array.isArray(o.ice)) {
      o.ice.slice(0, 50).forEach((line, i) => {
        const ys = lastColumn(line);
        if (ys && ys.length === grid.values.length)
          ice.push(...ys.map((y, j) => ({ series: `ice ${i}`, x: grid.values[j], y })));
      });
    }
    found.pdp.push({
      feature,
      pdp: grid.values.map((x, i) => ({ series: 'PDP (average)', x, y: pdp.values[i] })),
      ice,
    });
    return;
  }
  // Rows that carry curves (lists of point records, e.g. per-group ROC) are drawn as curves, not as bars.
  const carriesCurves = rows?.some((r) => isRecord(r) && Object.values(r).some((v) => Array.isArray(v) && isRecord(v[0])));
  if (rows && groupRows && !carriesCurves) {
    const numeric = Object.keys(o).filter((k) => k !== 'group' && nums(o[k]) !== undefined && !NOT_A_METRIC.test(k));
    const metricKeys = [
      ...GROUP_METRIC_ORDER.filter((k) => numeric.includes(k)),
      ...numeric.filter((k) => !GROUP_METRIC_ORDER.includes(k)),
    ].slice(0, MAX_GROUP_METRICS);
    if (metricKeys.length > 0) {
      const named = path.filter((p) => !/^\d+$/.test(p));
      const title = named.length ? humanize(named.join(' / ')) : 'by group';
      const byClass = rows.every((r) => isRecord(r) && r.group === undefined && r.label === undefined);
      const list: GroupValue[] = [];
      for (const r of rows) {
        const rr = r as Record<string, unknown>;
        for (const m of metricKeys) {
          const v = rr[m];
          const ref = overall?.[m];
          if (typeof v === 'number' && Number.isFinite(v))
            list.push({
              metric: humanize(m),
              group: groupLabel(groupOfRow(rr)),
              value: v,
              ...(typeof ref === 'number' && Number.isFinite(ref) ? { ref } : {}),
            });
        }
      }
      if (list.length > 0) found.groups.set(title, { rows: list, overall: overall !== undefined, byClass });
    }
    return;
  }
  if (rows?.every((r) => isRecord(r) && typeof r.feature === 'string')) {
    const recs = rows as Record<string, unknown>[];
    // Mean |SHAP| per feature (a number, or one per explained output: averaged over them).
    const shapKey = ['meanAbsShap', 'meanAbs'].find((k) => recs.every((r) => meanOf(r[k]) !== undefined));
    if (shapKey && !found.shapGlobal) {
      const outputs = Array.isArray(recs[0][shapKey]) ? (recs[0][shapKey] as unknown[]).length : 1;
      found.shapGlobal = {
        outputs,
        items: recs.map((r) => ({ label: String(r.feature), value: meanOf(r[shapKey]) as number })),
      };
      return;
    }
    const vk = ['importance', 'importanceMean', 'mean', 'value'].find((k) => nums(o[k]) !== undefined);
    if (vk) {
      const std = nums(o.std) ?? nums(o.importanceStd);
      const items: BarItem[] = recs
        .map((r, i) => ({
          label: String(r.feature),
          value: Number(r[vk]),
          ...(std ? { err: std[i] } : {}),
        }))
        .filter((i) => Number.isFinite(i.value))
        // Largest first; a negative importance (shuffling helped) is the least important, not the most.
        .sort((a, b) => b.value - a.value)
        .slice(0, 25);
      found.importance.push({
        title: `Feature importance (${humanize(vk)}${path.length ? `, ${humanize(path.filter((p) => !/^\d+$/.test(p)).join(' / '))}` : ''})`,
        items,
      });
    }
  }
  if (!found.shap && Array.isArray(o.featureNames ?? o.feature_names) && Array.isArray(o.shapValues ?? o.values)) {
    found.shap = {
      features: ((o.featureNames ?? o.feature_names) as unknown[]).map(String),
      values: o.shapValues ?? o.values,
      samples: o.samples ?? o.x,
    };
  }
}

export function chartsFromResults(results: unknown): Chart[] {
  const found: Found = { lines: new Map(), pdp: [], groups: new Map(), importance: [] };
  try {
    visit(results, [], found, 0);
  } catch {
    return [];
  }
  const charts: Chart[] = [];
  for (const [title, g] of found.groups) {
    const what = g.byClass ? 'class' : 'group';
    const c = groupBarChart(
      g.overall ? g.rows : meanRef(g.rows),
      g.byClass && title === 'per class' ? 'Metrics by class' : `Metrics by ${what}: ${title}`,
    );
    c.caption = `Metrics by ${what} (${title}); dashed line: ${g.overall ? 'the overall value' : `mean across ${what === 'class' ? 'classes' : 'groups'}`}.`;
    c.key = `groups:${title}`;
    charts.push(c);
  }
  for (const { kind, xKey, yKey, points } of found.lines.values()) {
    const robustness = kind.kind === 'Robustness curve';
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    // Perturbation sizes spanning decades (0.01 … 5) read on a log axis; rates on their whole 0–1 range,
    // so a 3-point drop in accuracy does not fill the chart.
    const logX = robustness && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 100;
    const unit = robustness && Math.min(...ys) >= 0 && Math.max(...ys) <= 1;
    charts.push(
      lineChart(points.slice(0, 4000), {
        title: robustness
          ? `Robustness curve: ${yKey === 'rate' ? 'rates' : humanize(yKey)} by ${humanize(xKey)}`
          : kind.kind,
        xTitle: robustness ? `${humanize(xKey)}${logX ? ' (log scale)' : ''}` : kind.xTitle,
        yTitle: robustness ? humanize(yKey) : kind.yTitle,
        diagonal: kind.diagonal,
        logX,
        yDomain: unit ? [0, 1] : undefined,
      }),
    );
  }
  for (const p of found.pdp.slice(0, MAX_FEATURE_CHARTS)) {
    const c = lineChart(p.pdp, {
      title: `Partial dependence${p.ice.length ? ' and ICE' : ''}: ${p.feature}`,
      xTitle: p.feature,
      yTitle: 'prediction',
      background: p.ice,
    });
    if (p.ice.length)
      c.caption = 'Thick line: partial dependence (average); thin grey lines: individual conditional expectation.';
    c.key = `pdp:${p.feature}`;
    charts.push(c);
  }
  for (const imp of found.importance) {
    const withErr = imp.items.some((i) => i.err !== undefined);
    const c = barChart(imp.items, {
      title: imp.title,
      xTitle: withErr ? 'importance (mean ± std)' : 'importance',
    });
    if (withErr) {
      const noise = imp.items.filter((i) => Math.abs(i.value) <= (i.err ?? 0)).map((i) => i.label);
      const clear = imp.items.filter((i) => Math.abs(i.value) > (i.err ?? 0)).map((i) => i.label);
      const score = isRecord(results) && typeof results.score === 'string' ? results.score : undefined;
      if (score) {
        c.title = `Permutation importance: drop in ${score} when a feature is shuffled`;
        c.alt = c.alt.replace(imp.title, c.title);
      }
      c.caption = `Bars: mean importance; black lines: ± 1 standard deviation over the repeats. A bar within its standard deviation of 0 is noise: the model does not measurably rely on that feature. Beyond noise: ${clear.length ? clear.join(', ') : 'none'}${noise.length ? `; within noise: ${noise.join(', ')}` : ''}.`;
    }
    charts.push(c);
  }
  if (found.shapGlobal) {
    const g = found.shapGlobal;
    const items = [...g.items].sort((a, b) => b.value - a.value);
    const c = barChart(items, { title: 'Mean absolute SHAP value by feature', xTitle: 'mean |SHAP value|' });
    c.caption = `Global importance from this test's own results: mean |SHAP| over the explained rows${g.outputs > 1 ? ` and the ${g.outputs} explained outputs` : ''}.`;
    c.key = 'shap-global';
    charts.push(c);
  }
  if (found.shap) charts.push(...shapCharts(found.shap.features, found.shap.values, found.shap.samples));
  return charts;
}

/**
 * On a robustness curve, the plan's threshold where one names a plotted rate (accuracy_under_attack ↔ the
 * "accuracy under attack" line): a horizontal rule at the bound and, when the test reads the metric at one
 * perturbation size (`results.epsilon`), a vertical rule there.
 */
function markThresholds(t: TestResult, charts: Chart[]): void {
  const eps = isRecord(t.results) && typeof t.results.epsilon === 'number' ? t.results.epsilon : undefined;
  for (const c of charts) {
    if (!c.title?.startsWith('Robustness curve') || !Array.isArray(c.spec.layer)) continue;
    const layer = c.spec.layer as Record<string, unknown>[];
    const data = layer[layer.length - 1].data as { values: Point[] } | undefined;
    const series = new Set((data?.values ?? []).map((p) => p.series));
    const notes: string[] = [];
    for (const th of t.thresholds) {
      if (!series.has(humanize(th.metric))) continue;
      for (const { op, value } of bounds(th.condition)) {
        layer.push({
          data: { values: [{ y: value }] },
          // Black, not vermillion: the curves use the palette's orange, which vermillion is too close to.
          mark: { type: 'rule', color: '#000', strokeWidth: 1.5 },
          encoding: { y: { field: 'y', type: 'quantitative' } },
        });
        notes.push(`${th.metric} ${op} ${value}`);
      }
    }
    if (notes.length === 0) continue;
    if (eps !== undefined)
      layer.push({
        data: { values: [{ x: eps }] },
        mark: { type: 'rule', color: '#000', strokeDash: [6, 3] },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      });
    c.alt += `; solid line: the threshold ${notes.join(', ')}`;
    c.caption = `Solid black line: the plan's threshold (${notes.join(', ')})${eps !== undefined ? `, read at the dashed line (${humanize('epsilon')} = ${eps})` : ''}.`;
  }
}

/** Every chart for a test: its AI Verify outputs first, then its own results, without duplicates. */
export function chartsForTest(t: TestResult): Chart[] {
  const charts: Chart[] = [];
  const outs = t.aiverify ?? [];
  const names = isRecord(t.results) && Array.isArray(t.results.outputs) ? t.results.outputs.map(String) : [];
  for (const a of outs) {
    // Several outputs of one algorithm (ALE per class): each chart says which output it shows.
    const same = outs.filter((b) => b.cid === a.cid);
    const k = same.indexOf(a);
    const output = same.length > 1 ? (same.length === names.length ? names[k] : `output ${k + 1}`) : undefined;
    try {
      charts.push(...chartsFromAiVerify(a.cid, a.output, { convention: a.convention, output }));
    } catch {
      // An output that does not match its schema yields no chart; the tables still show it.
    }
  }
  const fair = fairnessCharts(t);
  const fairKeys = new Set(fair.map((c) => c.key));
  const own = [...fair, ...chartsFromResults(t.results).filter((c) => c.key === undefined || !fairKeys.has(c.key))];
  // SHAP: the AI Verify output holds the full matrix (beeswarm), so it wins over importance-only results;
  // the global bar chart is ours (all explained outputs), not the AI Verify copy's last output.
  const haveShap = charts.some((c) => c.alt.startsWith('SHAP values'));
  const mine = own.filter((c) => c.key === 'shap-global' || !(haveShap && /shap/i.test(c.alt)));
  const ownGlobal = mine.some((c) => c.key === 'shap-global');
  // PDP: Assay's own results also carry ICE lines, so they win over the AI Verify copy.
  const ownKeys = new Set(mine.map((c) => c.key).filter((k) => k !== undefined));
  // AI Verify's fairness convention comes after the standard rates, which a reader should see first.
  const aivFair = charts.filter((c) => c.key === 'aiverify:fairness');
  const rest = charts.filter(
    (c) =>
      c.key !== 'aiverify:fairness' &&
      !(ownGlobal && c.key === 'shap-bar') &&
      (c.key === undefined || !ownKeys.has(c.key)),
  );
  markThresholds(t, mine);
  // One ROC curve: its AUC belongs in the title a reader sees first.
  const auc = t.metrics.roc_auc;
  for (const c of mine)
    if (c.title === 'ROC curve' && typeof auc === 'number' && !c.alt.includes(' for ')) {
      c.title = `ROC curve (AUC ${Number(auc.toPrecision(3))})`;
      c.alt = c.alt.replace(/^ROC curve/, c.title);
    }
  if (ownGlobal) {
    // Our bar first, then AI Verify's beeswarm.
    return [
      ...mine.filter((c) => c.key === 'shap-global'),
      ...rest,
      ...mine.filter((c) => c.key !== 'shap-global'),
      ...aivFair,
    ];
  }
  return fair.length ? [...mine, ...rest, ...aivFair] : [...rest, ...mine, ...aivFair];
}
