/**
 * report.html: one self-contained file (inline CSS, inline SVG charts, images as data URIs; no scripts,
 * no fonts, no network). Order: summary, tests, process checks, one view per framework, provenance.
 * A pure function of results.json, plus the small example images under its `artifacts/` folder.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadCatalog } from '../frameworks/catalog.js';
import type { Results, TestResult } from '../results/schema.js';
import { renderChart } from './charts.js';
import { fairnessLines } from './fairness.js';
import { displayStatus, escapeHtml as h, fmtNumber, fmtValue, isRecord, STATUS_WORD } from './format.js';
import {
  coverageHeadlines,
  dataIdentity,
  failedThresholds,
  modelIdentity,
  outcomeSentence,
  testMs,
} from './summary.js';
import { cellHtml, renderValue, table } from './tables.js';
import { chartsForTest } from './test-charts.js';
import {
  type CoverageNode,
  type FrameworkView,
  frameworkCounts,
  frameworkViewsOf,
  type ProcessCheckView,
  processCheckViews,
  statusCounts,
} from './views.js';

export interface HtmlOptions {
  /** Folder holding results.json: artifact paths are relative to it. Without it, no images are embedded. */
  baseDir?: string;
  /** Largest image embedded as a data URI (bytes). */
  maxImageBytes?: number;
  /** Budget for all embedded images together (bytes). */
  maxImagesTotal?: number;
}

const LONG_METRICS = 12;

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

const CSS = `
:root{--fg:#1a1a1a;--muted:#555;--line:#d0d0d0;--pass:#00664f;--fail:#a63a00;--err:#7a1f5c;--skip:#555;--bg-pass:#e3f4ee;--bg-fail:#fbe9df;--bg-err:#f6e4ef;--bg-skip:#eee}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0;background:#fff}
header,main,footer,nav{max-width:1000px;margin:0 auto;padding:0 20px}
header{padding-top:24px;border-bottom:2px solid var(--fg)}
h1{font-size:26px;margin:0 0 6px}h2{font-size:21px;margin:32px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:17px;margin:22px 0 8px}h4{font-size:15px;margin:16px 0 6px}h5,h6{font-size:14px;margin:12px 0 4px}
a{color:#0b57a4}
.badge{display:inline-block;white-space:nowrap;padding:1px 8px;border-radius:10px;font-weight:600;font-size:13px;border:1px solid currentColor}
.s-passed,.s-evidenced,.s-yes{color:var(--pass);background:var(--bg-pass)}
.s-failed,.s-no{color:var(--fail);background:var(--bg-fail)}
.s-error{color:var(--err);background:var(--bg-err)}
.s-reported{color:#0b4f8a;background:#e6f0fa}
.s-skipped,.s-unanswered,.s-not-evidenced,.s-unknown{color:var(--skip);background:var(--bg-skip)}
.s-partially-evidenced{color:#7a5a00;background:#fdf3d6}.s-not-applicable{color:var(--muted);background:#f4f4f4}
.outcome{font-size:18px;margin:10px 0}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:10px 0}.facts dt{font-weight:600}.facts dd{margin:0;word-break:break-all}
.table-wrap{overflow-x:auto;margin:8px 0 14px}.cols{display:flex;flex-wrap:wrap;gap:0 18px;align-items:flex-start}
table{border-collapse:collapse;font-size:13px;min-width:40%}caption{text-align:left;font-weight:600;padding:4px 0;color:var(--muted)}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}thead th{background:#f2f2f2}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.tree td:first-child{white-space:nowrap}.d1 td:first-child,.d1 th{padding-left:22px}.d2 td:first-child,.d2 th{padding-left:40px}.d3 td:first-child,.d3 th{padding-left:58px}
tr.parent th,tr.parent td{background:#fafafa;font-weight:600}
figure.chart{margin:12px 0;break-inside:avoid;page-break-inside:avoid}figure.chart svg{max-width:100%;height:auto}
figcaption{font-size:12px;color:var(--muted)}
ul.kvs{list-style:none;margin:0;padding:0}ul.kvs li{margin:0}ul.kvs .k{color:var(--muted)}
table.grid img{width:64px;image-rendering:pixelated;display:block}.examples{display:flex;flex-wrap:wrap;gap:10px}.examples figure{margin:0;width:140px}.examples img{width:140px;image-rendering:pixelated;border:1px solid var(--line)}
article.test{border-top:1px solid var(--line);padding-top:6px}
.note{background:#fff8e1;border-left:4px solid #e6a700;padding:6px 10px;margin:8px 0}
.gaps{border-left:4px solid var(--fail);padding:4px 10px;margin:8px 0;font-size:14px}.gaps ul{margin:4px 0;padding-left:18px}.gaps.ok{border-left-color:var(--pass)}
.findings{border-left:4px solid #888;padding:4px 10px;margin:8px 0;font-size:14px}
.error-box{background:var(--bg-err);border-left:4px solid var(--err);padding:6px 10px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}pre{background:#f6f6f6;padding:8px;overflow-x:auto;white-space:pre-wrap}
nav ol{columns:2;font-size:14px}
.hash{font-family:ui-monospace,monospace;font-size:11.5px;word-break:break-all}
@media print{
  @page{size:A4;margin:14mm 12mm}
  body{font-size:11pt}header,main,footer,nav{max-width:none;padding:0}
  h2{break-before:page;page-break-before:always}h2.first{break-before:auto;page-break-before:auto}
  h2,h3,h4{break-after:avoid;page-break-after:avoid}tr,figure{break-inside:avoid;page-break-inside:avoid}
  a{color:inherit;text-decoration:none}nav{display:none}
  /* Paper does not scroll: wide tables wrap within the page instead of being clipped at its edge. */
  .table-wrap{overflow:visible}table{font-size:8pt;max-width:100%;min-width:0}
  th,td{padding:1px 5px}td,thead th{overflow-wrap:anywhere}tbody th{overflow-wrap:normal}.tree td:first-child{white-space:normal}
  code,.hash{overflow-wrap:anywhere}pre{white-space:pre-wrap;overflow-wrap:anywhere}
  .cols{display:block}small{font-size:7pt}.badge{white-space:normal}
}`;

function badge(status: string): string {
  const cls = `s-${status.replace(/\s+/g, '-')}`;
  const icon =
    status === 'passed' || status === 'evidenced' || status === 'yes'
      ? '✔ '
      : status === 'failed' || status === 'no'
        ? '✘ '
        : status === 'error'
          ? '⚠ '
          : '';
  const word = (STATUS_WORD as Record<string, string>)[status] ?? status;
  return `<span class="badge ${cls}">${icon}${h(word)}</span>`;
}

function anchor(prefix: string, id: string): string {
  return `${prefix}-${id.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

/** What else a reader must know: tests that did not run, and each test's first note. */
function findingsList(results: Results): string {
  const items: string[] = [];
  for (const t of results.tests) {
    if (t.status === 'error')
      items.push(`<strong>${h(t.title)}</strong> ended with an error: ${h(t.error?.message ?? 'unknown error')}`);
    if (t.status === 'skipped')
      items.push(`<strong>${h(t.title)}</strong> was skipped: ${h(t.reason ?? 'no reason given')}`);
    for (const n of (t.notes ?? []).slice(0, 1)) items.push(`<strong>${h(t.title)}</strong>: ${h(n)}`);
  }
  return items.length
    ? `<div class="findings"><strong>Caveats and method notes</strong><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul></div>`
    : '';
}

function summarySection(results: Results): string {
  const s = results.summary;
  const failed = failedThresholds(results);
  const cov = coverageHeadlines(results);
  const counts = table(
    'Tests by status',
    ['status', 'tests'],
    [
      ['passed its thresholds', results.tests.filter((t) => displayStatus(t) === 'passed').length],
      ['failed a threshold', s.failed],
      ['reported, no thresholds', results.tests.filter((t) => displayStatus(t) === 'reported').length],
      ['error', s.error],
      ['skipped', s.skipped],
      ['total', s.tests],
    ].map(([k, v]) => [h(k), `<span class="num">${v}</span>`]),
    { rowHeaders: true },
  );
  const testRows = results.tests.map((t) => {
    const th = t.thresholds.length
      ? t.thresholds
          .map((x) => `${x.passed ? '✔' : '✘'} ${h(x.metric)} = ${h(fmtNumber(x.actual))} (${h(x.condition)})`)
          .join('<br>')
      : '—';
    return [
      `<a href="#${anchor('test', t.id)}">${h(t.title)}</a> <code>${h(t.id)}</code>`,
      badge(displayStatus(t)),
      th,
    ];
  });
  return `<section id="summary" aria-labelledby="summary-h">
<h2 id="summary-h" class="first">Summary</h2>
<p class="outcome">Overall: ${badge(results.status)} — ${h(outcomeSentence(results))}</p>
${results.error ? `<div class="error-box" role="alert"><strong>${h(results.error.code)}</strong>: ${h(results.error.message)}</div>` : ''}
${failed.length ? `<div class="note"><strong>Failed thresholds</strong><ul>${failed.map((f) => `<li>${h(f)}</li>`).join('')}</ul></div>` : ''}
<dl class="facts">
<dt>Model</dt><dd>${h(modelIdentity(results))}</dd>
<dt>Data</dt><dd>${h(dataIdentity(results))}</dd>
<dt>Task</dt><dd>${h(fmtValue(results.plan.task))}${results.data.classes ? ` · classes ${h(results.data.classes.join(', '))}` : ''}</dd>
<dt>Sensitive attributes</dt><dd>${h(fmtValue(results.plan.sensitive) || '—')}</dd>
</dl>
${counts}
${testRows.length ? table('Tests and their thresholds', ['test', 'status', 'thresholds'], testRows) : ''}
${findingsList(results)}
${
  cov.length
    ? table(
        'Coverage by framework',
        ['framework', 'controls', 'coverage'],
        cov.map((c) => [
          `<a href="#${anchor('fw', c.id)}">${h(c.name)}</a>`,
          `<span class="num">${c.controls}</span>`,
          h(c.text),
        ]),
        { rowHeaders: true },
      )
    : '<p>No framework coverage in these results.</p>'
}
</section>`;
}

/** An artifact image as a data URI, or undefined (not an image, outside the output folder, too big, missing). */
async function imageUri(rel: string, opts: HtmlOptions, budget: { left: number }): Promise<string | undefined> {
  const type = IMAGE_TYPES[path.extname(rel).toLowerCase()];
  if (!type || !opts.baseDir) return undefined;
  const file = path.resolve(opts.baseDir, rel);
  // Only files inside the output folder: a results.json cannot make the report read elsewhere.
  if (!file.startsWith(path.resolve(opts.baseDir) + path.sep)) return undefined;
  try {
    const st = await stat(file);
    if (st.size > (opts.maxImageBytes ?? 150_000) || st.size > budget.left) return undefined;
    const data = await readFile(file);
    budget.left -= data.length;
    return `data:${type};base64,${data.toString('base64')}`;
  } catch {
    return undefined;
  }
}

/**
 * Corruption examples (AI Verify's display_info: severity → [image, true label, prediction]) as a grid of
 * corruption × severity; the paths it shows are returned so they are not repeated below.
 */
async function corruptionGrid(
  t: TestResult,
  opts: HtmlOptions,
  budget: { left: number },
  shown: Set<string>,
): Promise<string> {
  const rows: string[][] = [];
  let severities: string[] = [];
  for (const a of t.aiverify ?? []) {
    const res = isRecord(a.output) ? a.output.results : undefined;
    if (!a.cid.includes('corruption') || !Array.isArray(res)) continue;
    for (const r of res) {
      if (!isRecord(r) || !isRecord(r.display_info)) continue;
      const name = String(r.corruption_function ?? '?');
      const entries = Object.entries(r.display_info).filter(([, v]) => Array.isArray(v) && typeof v[0] === 'string');
      if (entries.length > severities.length) severities = entries.map(([k]) => k);
      const cells = [h(name)];
      for (const [sev, v] of entries) {
        const [rel, truth, pred] = v as unknown[];
        const uri = await imageUri(String(rel), opts, budget);
        if (!uri) {
          cells.push('—');
          continue;
        }
        shown.add(String(rel));
        const level = sev.replace(/^severity/, '');
        cells.push(
          `<img src="${uri}" alt="${h(name)} at severity ${h(level)}: true ${h(String(truth))}, predicted ${h(String(pred))}"><br><small>${h(String(pred))}${String(pred) === String(truth) ? '' : ' ✘'}</small>`,
        );
      }
      rows.push(cells);
    }
  }
  if (rows.length === 0) return '';
  return table(
    'Example image under each corruption (prediction below; ✘ = wrong)',
    ['corruption', ...severities.map((s) => h(s.replace(/^severity/, 'severity ')))],
    rows,
    { rowHeaders: true, className: 'grid' },
  );
}

async function exampleImages(t: TestResult, opts: HtmlOptions, budget: { left: number }): Promise<string> {
  if (!opts.baseDir || !t.artifacts?.length) return '';
  const shown = new Set<string>();
  const grid = await corruptionGrid(t, opts, budget, shown);
  const figs: string[] = [];
  const prefix = `artifacts/${t.id}/`;
  for (const rel of t.artifacts) {
    if (shown.has(rel)) continue;
    const uri = await imageUri(rel, opts, budget);
    if (!uri) continue;
    const name = rel.startsWith(prefix) ? rel.slice(prefix.length) : path.basename(rel);
    figs.push(
      `<figure><img src="${uri}" alt="Example image from ${h(t.title)}: ${h(name)}"><figcaption>${h(name)}</figcaption></figure>`,
    );
  }
  if (!grid && figs.length === 0) return '';
  return `<h4>Example images</h4>${grid}${figs.length ? `<div class="examples">${figs.join('')}</div>` : ''}`;
}

async function testSection(
  t: TestResult,
  results: Results,
  opts: HtmlOptions,
  budget: { left: number },
  index: number,
): Promise<string> {
  const out: string[] = [];
  const id = anchor('test', t.id);
  out.push(`<article class="test" id="${id}" aria-labelledby="${id}-h">`);
  out.push(`<h3 id="${id}-h">${h(t.title)} ${badge(displayStatus(t))}</h3>`);
  const ms = testMs(results, index, t.id);
  out.push(`<p><code>${h(t.id)}</code>${ms !== undefined ? ` · ${h(fmtNumber(ms / 1000))} s` : ''}</p>`);
  if (t.status === 'error' && t.error)
    out.push(`<div class="error-box" role="alert"><strong>${h(t.error.code)}</strong>: ${h(t.error.message)}</div>`);
  if (t.status === 'skipped') out.push(`<p class="note">Skipped: ${h(t.reason ?? 'no reason given')}</p>`);
  if (t.thresholds.length) {
    out.push(
      table(
        'Thresholds',
        ['metric', 'required', 'actual', 'result'],
        t.thresholds.map((x) => [
          h(x.metric),
          h(x.condition),
          `${h(fmtNumber(x.actual))}${x.reason ? ` <em>(${h(x.reason)})</em>` : ''}`,
          badge(x.passed ? 'passed' : 'failed'),
        ]),
        { rowHeaders: true },
      ),
    );
  }
  const gaps = fairnessLines(t);
  if (gaps.length)
    out.push(
      `<div class="gaps${gaps.every((g) => g.passed) ? ' ok' : ''}"><strong>Groups furthest apart</strong><ul>${gaps.map((g) => `<li>${g.passed ? '✔' : '✘'} <code>${h(g.metric)}</code> — ${h(g.text)}</li>`).join('')}</ul></div>`,
    );
  const metrics = Object.entries(t.metrics);
  const metricTable = (rows: [string, number | null][], caption: string): string =>
    table(
      caption,
      ['metric', 'value', 'note'],
      rows.map(([k, v]) => [h(k), `<span class="num">${h(fmtNumber(v))}</span>`, h(t.undefinedReasons?.[k] ?? '')]),
      { rowHeaders: true },
    );
  // A few metrics read first; a long list goes after the charts, in two columns.
  const longMetrics = metrics.length > LONG_METRICS;
  if (metrics.length && !longMetrics) out.push(metricTable(metrics, 'Metrics'));
  if (t.notes?.length)
    out.push(
      `<div class="note"><strong>Notes</strong><ul>${t.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul></div>`,
    );
  for (const [k, c] of chartsForTest(t).entries()) {
    try {
      out.push(await renderChart(c, `t${index}c${k}`));
    } catch (e) {
      out.push(`<p class="note">A chart could not be drawn (${h((e as Error).message)}).</p>`);
    }
  }
  if (longMetrics) {
    const half = Math.ceil(metrics.length / 2);
    out.push(
      `<div class="cols">${metricTable(metrics.slice(0, half), `Metrics (1–${half} of ${metrics.length})`)}${metricTable(metrics.slice(half), `Metrics (${half + 1}–${metrics.length} of ${metrics.length})`)}</div>`,
    );
  }
  out.push(await exampleImages(t, opts, budget));
  if (t.results !== undefined && t.results !== null)
    out.push(`<h4>Detailed results</h4>${renderValue('Results', t.results, 5)}`);
  for (const a of t.aiverify ?? [])
    out.push(
      `<p>AI Verify-compatible output <code>${h(a.gid)}:${h(a.cid)}</code> ${h(a.version)} — ${h(a.convention)} (exported under <code>aiverify/</code>).</p>`,
    );
  if (Object.keys(t.params).length)
    out.push(
      table(
        'Parameters',
        ['parameter', 'value'],
        Object.entries(t.params).map(([k, v]) => [h(k), cellHtml(v)]),
        { rowHeaders: true, className: 'kv' },
      ),
    );
  const ev = [
    ...t.evidence.aiverify.map((x) => `AI Verify ${x}`),
    ...t.evidence.nistAiRmf.map((x) => `NIST AI RMF ${x}`),
  ];
  if (ev.length) out.push(`<p><strong>Evidence for:</strong> ${h(ev.join(', '))}</p>`);
  if (t.artifacts?.length)
    out.push(`<p><strong>Artifacts:</strong> ${t.artifacts.map((a) => `<code>${h(a)}</code>`).join(', ')}</p>`);
  out.push('</article>');
  return out.join('\n');
}

/** AI Verify's own words for each process check and the names of its principles (the catalog). */
function processTitles(): { checks: Map<string, string>; principles: Map<string, string> } {
  try {
    const controls = loadCatalog('aiverify').controls;
    return {
      checks: new Map(controls.filter((k) => k.kind === 'process').map((k) => [k.id, k.title])),
      principles: new Map(controls.filter((k) => k.kind === 'principle').map((k) => [k.id, k.title])),
    };
  } catch {
    return { checks: new Map(), principles: new Map() };
  }
}

/** "7 Fairness": a principle's number with its name, whichever of the two the answers carry. */
export function principleHeading(principle: string | undefined, pid: string, names: Map<string, string>): string {
  const num = pid.split('.')[0];
  const p = principle?.trim();
  if (p && !/^\d+$/.test(p)) return p;
  const n = p ?? num;
  const name = names.get(n);
  return name ? `${n} ${name}` : `Principle ${n}`;
}

function processSection(views: ProcessCheckView[]): string {
  const { checks: titles, principles } = processTitles();
  if (views.length === 0)
    return '<section id="process-checks" aria-labelledby="pc-h"><h2 id="pc-h">Process checks</h2><p>No process-check answers in these results.</p></section>';
  const counts: Record<string, number> = {};
  for (const v of views) counts[v.answer] = (counts[v.answer] ?? 0) + 1;
  const byPrinciple = new Map<string, ProcessCheckView[]>();
  for (const v of views) {
    const k = principleHeading(v.principle, v.pid, principles);
    byPrinciple.set(k, [...(byPrinciple.get(k) ?? []), v]);
  }
  const parts = [...byPrinciple].map(([p, vs]) => {
    const answered = vs.filter((v) => v.answer !== 'unanswered');
    const open = vs.filter((v) => v.answer === 'unanswered').map((v) => v.pid);
    const tableHtml = answered.length
      ? table(
          `${h(p)}: answered checks`,
          ['check', 'process', 'answer', 'elaboration', 'evidence'],
          answered.map((v) => [
            h(v.pid),
            h(v.process ?? titles.get(v.pid) ?? ''),
            badge(v.answer),
            h(v.elaboration ?? ''),
            v.evidence
              .map((e) => `${h(e.label)}${e.sha256 ? `<br><span class="hash">sha256 ${h(e.sha256)}</span>` : ''}`)
              .join('<br>'),
          ]),
          { rowHeaders: true },
        )
      : '';
    const openHtml = open.length
      ? `<p><strong>Unanswered (${open.length}):</strong> ${open.map(h).join(', ')}</p>`
      : '';
    return `<h3>${h(p)}</h3>${tableHtml}${openHtml}`;
  });
  return `<section id="process-checks" aria-labelledby="pc-h"><h2 id="pc-h">Process checks</h2>
<p>${views.length} process checks: ${['yes', 'no', 'not-applicable', 'unanswered'].map((a) => `${counts[a] ?? 0} ${a.replace('-', ' ')}`).join(', ')}. Unanswered checks are not counted as met.</p>
${parts.join('\n')}</section>`;
}

function treeRows(nodes: CoverageNode[], depth: number, rows: string[]): void {
  for (const n of nodes) {
    // A parent control rolls its children up: its evidence is theirs, shown on their rows. A criterion
    // whose children are only process-check answers keeps its own evidence.
    const rollup = n.children.some((c) => !c.answer);
    const ev = (rollup ? [] : n.evidence)
      .map((e) => `${h(e.label)}${e.sha256 ? ` <span class="hash">${h(e.sha256.slice(0, 12))}…</span>` : ''}`)
      .join('<br>');
    rows.push(
      `<tr class="d${Math.min(depth, 3)}${rollup ? ' parent' : ''}"><th scope="row">${h(n.id)}</th><td>${h(n.title ?? '')}</td><td>${n.status ? badge(n.status) : ''}${n.reason && n.status !== 'not evidenced' ? `<br><small>${h(n.reason)}</small>` : ''}</td><td>${ev}${n.via && !rollup ? `<br><em>via ${h(n.via)}</em>` : ''}</td></tr>`,
    );
    treeRows(n.children, depth + 1, rows);
  }
}

function frameworkSection(fw: FrameworkView): string {
  const id = anchor('fw', fw.id);
  const counts = frameworkCounts(fw);
  const headline = Object.entries(counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const groups = fw.nodes.map((top) => {
    if (top.children.length === 0) return '';
    const rows: string[] = [];
    treeRows(top.children, 0, rows);
    const c = top.totals ?? statusCounts(top.children);
    return `<h4>${h(top.id)}${top.title ? ` — ${h(top.title)}` : ''} ${top.status ? badge(top.status) : ''}</h4>
<p>${Object.entries(c)
      .map(([k, v]) => `${v} ${h(k)}`)
      .join(', ')}</p>
<div class="table-wrap"><table class="tree"><caption>${h(top.title ?? top.id)}: controls, status and evidence</caption><thead><tr><th scope="col">id</th><th scope="col">control</th><th scope="col">status</th><th scope="col">evidence</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
  });
  const flat = fw.nodes.filter((n) => n.children.length === 0);
  if (flat.length) {
    const rows: string[] = [];
    treeRows(flat, 0, rows);
    groups.push(
      `<div class="table-wrap"><table class="tree"><caption>${h(fw.name)}: controls</caption><thead><tr><th scope="col">id</th><th scope="col">control</th><th scope="col">status</th><th scope="col">evidence</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`,
    );
  }
  return `<section id="${id}" aria-labelledby="${id}-h"><h3 id="${id}-h">${h(fw.name)}</h3><p>${h(headline || 'no controls')}</p>${groups.join('\n')}</section>`;
}

function provenanceSection(results: Results): string {
  const config = results.inputs.find((i) => i.role === 'config');
  const inputs = table(
    'Input files',
    ['role', 'path', 'bytes', 'sha256'],
    results.inputs.map((i) => [
      h(i.role),
      h(i.path),
      `<span class="num">${i.bytes}</span>`,
      `<span class="hash">${h(i.sha256)}</span>`,
    ]),
  );
  const deps = table(
    'Versions',
    ['component', 'version'],
    [
      ['assay', results.tool.version],
      ['node', results.environment.node],
      ['platform', results.environment.platform],
      ...Object.entries(results.environment.dependencies),
    ].map(([k, v]) => [h(k), h(v)]),
    { rowHeaders: true },
  );
  const cfg = config?.path ?? 'assay.yaml';
  return `<section id="provenance" aria-labelledby="prov-h"><h2 id="prov-h">Provenance</h2>
<dl class="facts"><dt>Results schema</dt><dd>${h(results.schemaVersion)}</dd><dt>Seed</dt><dd>${results.seed}</dd>
<dt>Started</dt><dd>${h(results.timing.startedAt)}</dd><dt>Finished</dt><dd>${h(results.timing.finishedAt)}</dd><dt>Duration</dt><dd>${h(fmtNumber(results.timing.durationMs / 1000))} s</dd>
${results.model.sha256 ? `<dt>Model sha256</dt><dd class="hash">${h(results.model.sha256)}</dd>` : ''}</dl>
${inputs}
${deps}
<h3>How to reproduce</h3>
<p>With the same input files (check their sha256 above) and the same Assay version, this run gives the same numbers; only the times under <code>timing</code> differ.</p>
<pre>npx assay run ${h(cfg)}          # seed ${results.seed} is in the config
npx assay report results.json --format html   # re-render this report without model or data</pre>
</section>`;
}

export async function renderHtml(results: Results, opts: HtmlOptions = {}): Promise<string> {
  const budget = { left: opts.maxImagesTotal ?? 600_000 };
  const tests: string[] = [];
  for (const [i, t] of results.tests.entries()) tests.push(await testSection(t, results, opts, budget, i));
  const pcs = processCheckViews(results.processChecks);
  const fws = frameworkViewsOf(results);
  const toc = [
    ['summary', 'Summary'],
    ['tests', 'Technical tests'],
    ['process-checks', 'Process checks'],
    ['frameworks', 'Frameworks'],
    ['provenance', 'Provenance'],
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="generator" content="assay ${h(results.tool.version)}">
<title>${h(results.name)} — Assay report</title>
<style>${CSS}</style>
</head>
<body>
<header role="banner"><h1>${h(results.name)}</h1><p>AI assurance report by Assay ${h(results.tool.version)} · ${badge(results.status)} · ${h(results.timing.startedAt)}</p></header>
<nav aria-label="Contents"><ol>${toc.map(([id, t]) => `<li><a href="#${id}">${t}</a></li>`).join('')}</ol></nav>
<main id="content">
${summarySection(results)}
<section id="tests" aria-labelledby="tests-h"><h2 id="tests-h">Technical tests</h2>
${tests.length ? tests.join('\n') : '<p>No technical tests in these results.</p>'}
</section>
${processSection(pcs)}
<section id="frameworks" aria-labelledby="fw-h"><h2 id="fw-h">Frameworks</h2>
${fws.length ? `<p>One view per framework: each control with its status and the evidence behind it (tests, process checks, and the crosswalk that carried it).</p>${fws.map(frameworkSection).join('\n')}` : '<p>No framework coverage in these results.</p>'}
</section>
${provenanceSection(results)}
</main>
<footer role="contentinfo"><p>Generated by Assay ${h(results.tool.version)} from results.json (schema ${h(results.schemaVersion)}). Self-contained: this file makes no network requests.</p></footer>
</body>
</html>
`;
}
