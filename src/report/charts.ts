/**
 * Charts: Vega-Lite specifications compiled and rendered to static SVG in Node (vega's headless 'none'
 * renderer: no canvas, no browser, no network). Every chart gets a text alternative (role="img", <title>),
 * and categorical colours come from the Okabe–Ito palette, which stays distinguishable with colour-blindness.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { escapeHtml } from './format.js';

/** Okabe & Ito (2008), "Color Universal Design": distinguishable for the common colour-vision deficiencies. */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  range: { category: OKABE_ITO },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 200 },
  view: { stroke: '#ccc' },
  // One text alternative per chart (on the <svg>) rather than one ARIA label per mark: smaller, and a
  // screen reader hears a sentence, not hundreds of dots.
  aria: false,
  mark: { aria: false },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 180, aria: false },
};

export interface Chart {
  /** A short text alternative that says what the chart shows. */
  alt: string;
  /** Shown above the chart. */
  title?: string;
  /** What the chart shows, for de-duplication (e.g. `pdp:age`, `shap-bar`). */
  key?: string;
  caption?: string;
  spec: Record<string, unknown>;
}

/**
 * Renders one chart to an accessible <figure> with inline SVG. `idPrefix` makes the SVG's internal ids
 * (gradients, clip paths) unique in the page and independent of Vega's global counters, so the same
 * results always give the same bytes.
 */
export async function renderChart(chart: Chart, idPrefix = 'chart'): Promise<string> {
  const title = chart.title
    ? { title: { text: chart.title, anchor: 'start', fontSize: 13, fontWeight: 600, limit: 0, offset: 10 } }
    : {};
  const spec = { config: CONFIG, background: 'white', ...title, ...chart.spec } as unknown as TopLevelSpec;
  // Quiet loggers: layout notes from Vega-Lite are not the reader's business; errors still throw.
  const logger = vega.logger(vega.Error);
  const view = new vega.View(vega.parse(compile(spec, { logger }).spec), { renderer: 'none', logLevel: vega.Error });
  let svg = await view.toSVG();
  view.finalize();
  // Sub-pixel decimals are invisible: round geometry attributes (never text) to keep dense charts small.
  svg = svg.replace(
    / (d|transform|x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g,
    (_m, k: string, v: string) => ` ${k}="${v.replace(/(\d+\.\d)\d+/g, '$1')}"`,
  );
  const ids = new Map<string, string>();
  svg = svg.replace(/ id="([^"]+)"/g, (_m, id: string) => {
    const fresh = `${idPrefix}-${ids.size + 1}`;
    ids.set(id, fresh);
    return ` id="${fresh}"`;
  });
  svg = svg.replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : m));
  const alt = escapeHtml(chart.alt);
  svg = svg
    .replace(/^<svg /, `<svg role="img" aria-label="${alt}" `)
    .replace(/^(<svg[^>]*>)/, `$1<title>${alt}</title>`);
  const caption = chart.caption ? `<figcaption>${escapeHtml(chart.caption)}</figcaption>` : '';
  return `<figure class="chart">${svg}${caption}</figure>`;
}

export interface GroupValue {
  metric: string;
  group: string;
  value: number;
  /** Reference line for this metric (the overall value, or the mean across groups): dashed. */
  ref?: number;
  /** The plan's threshold drawn on this metric's scale (e.g. 0.8 × the highest rate): solid vermillion. */
  threshold?: number;
}

/** "sex=female, age_group=<25" → "sex=female · age_group=<25": one intersectional group, read at a glance. */
export function groupText(label: string): string {
  return label.replace(/, (?=[^,=]+=)/g, ' · ');
}

/**
 * Group metrics as horizontal bars, one panel per metric (named above it), with the reference as a dashed
 * rule and the threshold, where the plan sets one, as a solid rule. Group labels are never truncated.
 */
export function groupBarChart(rows: GroupValue[], title: string, metricOrder?: string[]): Chart {
  const shown = rows.map((r) => ({ ...r, group: groupText(r.group) }));
  const groups = [...new Set(shown.map((r) => r.group))];
  const found = [...new Set(shown.map((r) => r.metric))];
  const metrics = metricOrder
    ? [...metricOrder.filter((m) => found.includes(m)), ...found.filter((m) => !metricOrder.includes(m))]
    : found;
  const hasThreshold = shown.some((r) => r.threshold !== undefined);
  const layers: Record<string, unknown>[] = [
    {
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'group', type: 'nominal', title: null, sort: groups, axis: { labelLimit: 0 } },
        x: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'group', type: 'nominal', legend: null, sort: groups },
        tooltip: [{ field: 'group' }, { field: 'value', format: '.4g' }],
      },
    },
    {
      mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
      encoding: {
        y: { field: 'group', type: 'nominal', sort: groups },
        x: { field: 'value', type: 'quantitative' },
        text: { field: 'value', type: 'quantitative', format: '.3g' },
      },
    },
    {
      mark: { type: 'rule', strokeDash: [4, 3], color: '#333' },
      encoding: { x: { aggregate: 'max', field: 'ref', type: 'quantitative' } },
    },
  ];
  if (hasThreshold)
    layers.push({
      mark: { type: 'rule', color: '#D55E00', strokeWidth: 2 },
      encoding: { x: { aggregate: 'max', field: 'threshold', type: 'quantitative' } },
    });
  return {
    title,
    alt: `${title}: bar chart of ${metrics.length} metric(s) across ${groups.length} groups (${groups.slice(0, 6).join(', ')})${hasThreshold ? '; solid line: the threshold' : ''}`,
    spec: {
      data: { values: shown },
      facet: {
        row: {
          field: 'metric',
          type: 'nominal',
          title: null,
          sort: metrics,
          header: {
            labelAngle: 0,
            labelOrient: 'top',
            labelAnchor: 'start',
            labelFontSize: 12,
            labelFontWeight: 600,
            labelLimit: 0,
          },
        },
      },
      spec: { width: 420, height: { step: 18 }, layer: layers },
      resolve: { scale: { x: 'independent', y: 'independent' } },
    },
  };
}

export interface Point {
  series: string;
  x: number;
  y: number;
}

export interface LineOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Draw y = x (ROC chance line, perfect calibration). */
  diagonal?: boolean;
  /** Series drawn thin and grey (ICE lines). */
  background?: Point[];
  points?: boolean;
  /** Facet by this field of each point instead of one panel. */
  facetBy?: string;
  /** A log x axis (perturbation sizes spanning decades). */
  logX?: boolean;
  yDomain?: [number, number];
}

export function lineChart(points: Point[], o: LineOptions): Chart {
  const series = [...new Set(points.map((p) => p.series))];
  const layers: Record<string, unknown>[] = [];
  if (o.background && o.background.length > 0) {
    layers.push({
      data: { values: o.background },
      mark: { type: 'line', strokeWidth: 0.6, opacity: 0.35, color: '#777' },
      encoding: {
        x: { field: 'x', type: 'quantitative' },
        y: { field: 'y', type: 'quantitative' },
        detail: { field: 'series', type: 'nominal' },
      },
    });
  }
  if (o.diagonal) {
    layers.push({
      data: {
        values: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
      },
      mark: { type: 'line', strokeDash: [4, 3], color: '#999' },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });
  }
  layers.push({
    data: { values: points },
    mark: { type: 'line', point: o.points ?? points.length / Math.max(series.length, 1) <= 25, strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xTitle, scale: o.logX ? { type: 'log' } : { zero: false } },
      y: {
        field: 'y',
        type: 'quantitative',
        title: o.yTitle,
        scale: o.yDomain ? { domain: o.yDomain } : { zero: false },
      },
      color: { field: 'series', type: 'nominal', title: null, sort: series, legend: series.length > 1 ? { labelLimit: 0 } : null },
      strokeDash: series.length > 4 ? { field: 'series', type: 'nominal', sort: series, legend: null } : undefined,
    },
  });
  return {
    title: o.title,
    alt: `${o.title}: line chart of ${o.yTitle} against ${o.xTitle}${series.length > 1 ? ` for ${series.slice(0, 8).join(', ')}` : ''}`,
    spec: { width: 380, height: 240, layer: layers },
  };
}

export interface BarItem {
  label: string;
  value: number;
  /** Standard deviation: drawn as an error bar from value − err to value + err. */
  err?: number;
}

export function barChart(items: BarItem[], o: { title: string; xTitle: string }): Chart {
  const order = items.map((i) => i.label);
  const withErr = items.some((i) => i.err !== undefined);
  const bar = {
    mark: { type: 'bar', color: OKABE_ITO[0] },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: order, title: null, axis: { labelLimit: 0 } },
      x: { field: 'value', type: 'quantitative', title: o.xTitle },
    },
  };
  const values = withErr ? items.map((i) => ({ ...i, lo: i.value - (i.err ?? 0), hi: i.value + (i.err ?? 0) })) : items;
  return {
    title: o.title,
    alt: `${o.title}: bar chart${withErr ? ' with ± std error bars' : ''}; largest ${items
      .slice(0, 5)
      .map((i) => `${i.label} ${Number(i.value.toPrecision(3))}`)
      .join(', ')}`,
    spec: {
      width: 420,
      height: { step: 18 },
      data: { values },
      ...(withErr
        ? {
            layer: [
              bar,
              {
                mark: { type: 'rule', color: '#000', strokeWidth: 1.2 },
                encoding: {
                  y: { field: 'label', type: 'nominal', sort: order },
                  x: { field: 'lo', type: 'quantitative' },
                  x2: { field: 'hi' },
                },
              },
              {
                mark: { type: 'rule', color: '#555', strokeDash: [2, 2] },
                data: { values: [{ zero: 0 }] },
                encoding: { x: { field: 'zero', type: 'quantitative' } },
              },
            ],
          }
        : bar),
    },
  };
}

export interface SwarmPoint {
  feature: string;
  shap: number;
  /** Feature value scaled to [0, 1] within its feature (colour). */
  level: number | null;
  jitter: number;
}

/** SHAP beeswarm: one row per feature, each dot a sample, colour = feature value (low → high). */
export function beeswarmChart(points: SwarmPoint[], features: string[], title: string): Chart {
  return {
    title,
    alt: `${title}: SHAP beeswarm of ${features.length} features over ${Math.round(points.length / Math.max(features.length, 1))} samples; colour shows the feature value from low to high`,
    spec: {
      width: 420,
      height: { step: 26 },
      data: { values: points },
      mark: { type: 'circle', size: 14, opacity: 0.8 },
      encoding: {
        y: { field: 'feature', type: 'nominal', sort: features, title: null, axis: { labelLimit: 0 } },
        yOffset: { field: 'jitter', type: 'quantitative', scale: { domain: [-1, 1] } },
        x: { field: 'shap', type: 'quantitative', title: 'SHAP value (impact on model output)' },
        color: {
          field: 'level',
          type: 'quantitative',
          title: 'feature value',
          scale: { scheme: 'viridis', domain: [0, 1] },
          legend: { labelExpr: "datum.value == 0 ? 'low' : datum.value == 1 ? 'high' : ''", values: [0, 1] },
        },
      },
    },
  };
}

export interface Cell {
  row: string;
  col: string;
  value: number;
}

/** Heatmap (e.g. accuracy by corruption × severity), sequential colour-blind-safe scheme, values printed. */
export function heatmapChart(
  cells: Cell[],
  o: { title: string; rowTitle: string; colTitle: string; valueTitle: string },
): Chart {
  const rows = [...new Set(cells.map((c) => c.row))];
  const cols = [...new Set(cells.map((c) => c.col))];
  const values = cells.map((c) => c.value);
  // Dark viridis end is the low end: print light text on the lower half of the range.
  const mid = (Math.min(...values) + Math.max(...values)) / 2;
  return {
    title: o.title,
    alt: `${o.title}: heatmap of ${o.valueTitle} for ${rows.length} ${o.rowTitle} × ${cols.length} ${o.colTitle}`,
    spec: {
      data: { values: cells },
      width: { step: 52 },
      height: { step: 22 },
      encoding: {
        y: { field: 'row', type: 'nominal', title: o.rowTitle, sort: rows },
        x: { field: 'col', type: 'nominal', title: o.colTitle, sort: cols, axis: { labelAngle: 0 } },
      },
      layer: [
        {
          mark: 'rect',
          encoding: {
            color: { field: 'value', type: 'quantitative', title: o.valueTitle, scale: { scheme: 'viridis' } },
          },
        },
        {
          mark: { type: 'text', fontSize: 10 },
          encoding: {
            text: { field: 'value', type: 'quantitative', format: '.2f' },
            color: { condition: { test: `datum.value < ${mid}`, value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  };
}
