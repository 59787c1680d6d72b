/**
 * What a reader takes in within a minute, on the real demo run: the groups behind a failed fairness
 * threshold, the threshold drawn on the rate it constrains, full group labels, standard rates before
 * AI Verify's convention, "reported" for tests without thresholds, principle names, and real per-test times.
 * Expected values are computed here from the per-group rows, not from the report's own summaries.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { aiverifyTestResults } from '../../src/report/aiverify.js';
import { bounds, fairnessLine, metricMeaning } from '../../src/report/fairness.js';
import { renderValue } from '../../src/report/tables.js';
import { chartsForTest } from '../../src/report/test-charts.js';
import { renderHtml, renderJunit, renderMarkdown } from '../../src/report/index.js';
import { failedThresholds } from '../../src/report/summary.js';
import { Results } from '../../src/results/schema.js';
import { REPO_ROOT } from '../support/shared.js';

const results = Results.parse(
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/report/demo-results.json'), 'utf8')),
);
const fair = results.tests.find((t) => t.id === 'fairness.classification')!;
const three = (v: number) => String(Number(v.toPrecision(3)));

type GroupRow = { label: string; selection_rate: number; n: number };
const groupRows = (fair.results as { perClass: { groups: GroupRow[] }[] }).perClass[0].groups;
const lowest = groupRows.reduce((a, g) => (g.selection_rate < a.selection_rate ? g : a));
const highest = groupRows.reduce((a, g) => (g.selection_rate > a.selection_rate ? g : a));

function article(html: string, id: string): string {
  const start = html.indexOf(`<article class="test" id="test-${id.replace(/[^A-Za-z0-9_-]+/g, '-')}"`);
  expect(start, id).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</article>', start));
}

let html = '';
beforeAll(async () => {
  html = await renderHtml(results);
});

describe('fairness at a glance', () => {
  it('the demo fails demographic parity (what the rest of these checks read)', () => {
    const th = fair.thresholds.find((t) => t.metric === 'demographic_parity_ratio')!;
    expect(th.passed).toBe(false);
    expect(th.actual!).toBeCloseTo(lowest.selection_rate / highest.selection_rate, 12);
  });

  it('the summary names the lowest and highest group on the selection rate, with the ratio', () => {
    const ratio = three(lowest.selection_rate / highest.selection_rate);
    const want = `selection rate: ${lowest.label} ${three(lowest.selection_rate)} vs ${highest.label} ${three(highest.selection_rate)}, ratio ${ratio}`;
    expect(want).toBe('selection rate: sex=female, age_group=<25 0.474 vs sex=male, age_group=>=25 0.809, ratio 0.586');
    const line = failedThresholds(results).find((l) => l.startsWith('fairness.classification'))!;
    expect(line).toContain(want);
    // A group this small is flagged where it is named.
    expect(line).toContain(`${lowest.label} has only ${lowest.n} rows`);
    expect(renderMarkdown(results)).toContain(want);
    expect(renderJunit(results)).toContain(want.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(html).toContain(want.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  });

  it('the standard rates come first, with the threshold drawn at 0.8 × the highest selection rate', () => {
    const a = article(html, fair.id);
    const labels = [...a.matchAll(/<svg role="img" aria-label="([^"]*)"/g)].map((m) => m[1]);
    const standard = labels.findIndex((l) => l.startsWith('Rates by group, class good (standard conditional rates)'));
    const aiv = labels.findIndex((l) => l.startsWith('AI Verify&#39;s convention'));
    expect(standard).toBe(0);
    expect(aiv).toBe(labels.length - 1);
    const at = three(0.8 * highest.selection_rate);
    expect(a).toContain(`0.8 × the highest group (${at})`);
    // One solid vermillion rule in the standard chart (selection rate), at x = at / axis max × width.
    const first = a.slice(a.indexOf('<figure class="chart">'), a.indexOf('</figure>'));
    const rules = [...first.matchAll(/<line [^>]*transform="translate\(([\d.]+),0\)"[^>]*stroke="#D55E00"/g)];
    expect(rules).toHaveLength(1);
    const axisMax = 0.9; // Vega's nice domain for rates up to 0.809
    expect(Number(rules[0][1])).toBeCloseTo(((0.8 * highest.selection_rate) / axisMax) * 420, 0);
  });

  it('group labels are whole (no ellipsis), as "sex=female · age_group=<25"', () => {
    const a = article(html, fair.id);
    expect(a).toContain('>sex=female · age_group=&lt;25</text>');
    expect(a).not.toMatch(/age_gro…|age_group…/);
  });

  it('reads metric names as the rates they compare', () => {
    expect(metricMeaning('demographic_parity_ratio')).toEqual({
      rates: ['selection_rate'],
      kind: 'ratio',
      scope: 'between',
      cls: undefined,
    });
    expect(metricMeaning('equalized_odds_difference[good]')).toMatchObject({
      rates: ['true_positive_rate', 'false_positive_rate'],
      kind: 'difference',
      cls: 'good',
    });
    expect(metricMeaning('disparate_impact')).toMatchObject({ scope: 'reference', kind: 'ratio' });
    expect(metricMeaning('true_positive_rate_ratio_vs_reference')).toMatchObject({
      scope: 'reference',
      rates: ['true_positive_rate'],
    });
    expect(metricMeaning('selection_rate_difference_to_overall')).toMatchObject({ scope: 'overall' });
    expect(metricMeaning('theil_index')).toBeUndefined();
    expect(bounds('>= 0.8 and <= 1.25')).toEqual([
      { op: '>=', value: 0.8 },
      { op: '<=', value: 1.25 },
    ]);
  });

  it('equalized odds names the rate whose gap decides it; AIF360 metrics name the reference group', () => {
    const pc = (fair.results as { perClass: { betweenGroups: Record<string, { difference: number }> }[] }).perClass[0];
    const eo = fairnessLine(fair, {
      metric: 'equalized_odds_difference',
      condition: '<= 0.1',
      actual: 0.3,
      passed: false,
    })!;
    const wider = pc.betweenGroups.true_positive_rate.difference > pc.betweenGroups.false_positive_rate.difference;
    expect(eo.startsWith(wider ? 'true positive rate:' : 'false positive rate:')).toBe(true);
    const di = fairnessLine(fair, { metric: 'disparate_impact', condition: '>= 0.8', actual: 0.8, passed: true })!;
    expect(di).toMatch(/^selection rate: other groups [\d.]+ vs sex=male, age_group=>=25 0\.809, ratio 0\.8$/);
  });
});

describe('status words', () => {
  it('tests without thresholds read "Reported (no thresholds)", never "Passed"; results.json keeps passed', () => {
    for (const t of results.tests) {
      const heading = article(html, t.id).match(/<h3 [^>]*>(.*?)<\/h3>/)![1];
      if (t.thresholds.length === 0) {
        expect(t.status).toBe('passed');
        expect(heading, t.id).toContain('Reported (no thresholds)');
        expect(heading, t.id).not.toContain('Passed');
      } else expect(heading, t.id).toContain(t.status === 'passed' ? 'Passed' : 'Failed');
    }
  });

  it('process checks are headed by principle number and name', () => {
    expect(html).toContain('<h3>7 Fairness</h3>');
    expect(html).toContain('<h3>10 Human Agency &amp; Oversight</h3>');
    expect(html).not.toMatch(/<h3>\d+<\/h3>/);
  });
});

describe('times', () => {
  const ms = (i: number) => results.timing.tests[`${i}:${results.tests[i].id}`];

  it('JUnit test cases carry each test’s own time', () => {
    const xml = renderJunit(results);
    for (const [i, t] of results.tests.entries()) {
      expect(ms(i), t.id).toBeGreaterThan(0);
      expect(xml).toContain(`name="${t.id}: ${t.title.replace(/&/g, '&amp;')}" time="${(ms(i) / 1000).toFixed(3)}"`);
    }
  });

  it('AI Verify results carry timeTaken and a start time after the tests before them', () => {
    const exported = aiverifyTestResults(results);
    expect(exported.length).toBeGreaterThan(0);
    for (const e of exported) {
      const i = results.tests.findIndex((t) => t.id === e.testId);
      expect(e.result.timeTaken, e.file).toBe(Math.round(ms(i)) / 1000);
      let before = 0;
      for (let k = 0; k < i; k++) before += ms(k);
      expect(e.result.startTime, e.file).toBe(new Date(Date.parse(results.timing.startedAt) + before).toISOString());
    }
  });
});

describe('explanation and robustness charts', () => {
  const labelsOf = (id: string) =>
    [...article(html, id).matchAll(/<svg role="img" aria-label="([^"]*)"/g)].map((m) => m[1]);

  it('permutation importance: bars with ± std error bars, and the features within noise named', () => {
    const pi = results.tests.find((t) => t.id === 'explain.permutation_importance')!;
    const rows = (pi.results as { features: { feature: string; mean: number; std: number }[] }).features;
    const noise = rows.filter((r) => Math.abs(r.mean) <= r.std).map((r) => r.feature);
    expect(noise.length).toBeGreaterThan(0);
    const a = article(html, pi.id);
    expect(labelsOf(pi.id)[0]).toContain('± std error bars');
    expect(a).toContain('within its standard deviation of 0 is noise');
    for (const f of noise) expect(a).toMatch(new RegExp(`within noise: [^.]*\\b${f}\\b`));
    // One error bar per feature: a black rule in the chart for each row.
    const chart = a.slice(a.indexOf('<figure class="chart">'), a.indexOf('</figure>'));
    expect((chart.match(/stroke="#000"/g) ?? []).length).toBe(rows.length);
  });

  it('a single ROC curve carries its AUC in the title', () => {
    const auc = results.tests.find((t) => t.id === 'performance.classification')!.metrics.roc_auc!;
    expect(labelsOf('performance.classification')).toContainEqual(
      expect.stringMatching(new RegExp(`^ROC curve \\(AUC ${three(auc)}\\)`)),
    );
  });

  it('noise stability is labelled as random noise, HopSkipJump as adversarial', () => {
    const noise = labelsOf('robustness.noise_stability');
    expect(noise.some((l) => l.includes('noisy inputs (random noise, not an attack)'))).toBe(true);
    expect(noise.join(' ')).not.toMatch(/adversarial/);
    expect(labelsOf('robustness.hopskipjump').some((l) => l.includes('adversarial'))).toBe(true);
  });

  it('robustness curves: every rate on one 0–1 chart, perturbation sizes spanning decades on a log axis', () => {
    const hsj = labelsOf('robustness.hopskipjump').find((l) => l.startsWith('Robustness curve'))!;
    expect(hsj).toContain('against epsilon (log scale) for success rate, accuracy under attack');
    // The plan's threshold on that curve, read at the plan's epsilon.
    expect(hsj).toContain('solid line: the threshold accuracy_under_attack &gt;= 0.7');
    expect(article(html, 'robustness.hopskipjump')).toContain('read at the dashed line (epsilon = 0.1)');
    const noise = labelsOf('robustness.noise_stability').find((l) => l.startsWith('Robustness curve'))!;
    expect(noise).toContain('against sigma for accuracy, flip rate');
    // The noise chart's y axis runs from 0 to 1, not from 0.70 to 0.74.
    const a = article(html, 'robustness.noise_stability');
    const fig = a.slice(a.indexOf('<figure class="chart">', a.indexOf('Robustness curve') - 200));
    expect(fig).toMatch(/>0\.0<\/text>/);
    expect(fig).toMatch(/>1\.0<\/text>/);
  });

  it('KernelSHAP: one global bar chart, from the test’s own mean |SHAP|', () => {
    const ks = results.tests.find((t) => t.id === 'explain.kernel_shap')!;
    const bars = labelsOf(ks.id).filter((l) => l.startsWith('Mean absolute SHAP value by feature'));
    expect(bars).toHaveLength(1);
    const top = (ks.results as { global: { feature: string; meanAbs: number[] }[] }).global[0];
    expect(bars[0]).toContain(`largest ${top.feature} ${three(top.meanAbs[0])}`);
  });

  const ale = (k: number) => ({
    gid: 'aiverify.stock.accumulated_local_effect',
    cid: 'aiverify_accumulated_local_effect',
    version: '2.2.0',
    algorithmArgs: {},
    output: { feature_names: ['age'], results: [{ indices: [20, 40, 60], ale: [k, 0, -k], size: [5, 5] }] },
    convention: `Assay ALE of output ${k}`,
  });
  const base = {
    status: 'passed' as const,
    params: {},
    metrics: {},
    thresholds: [],
    evidence: { aiverify: [], nistAiRmf: [] },
  };

  it('ALE: one chart per class, each title naming its class', () => {
    const charts = chartsForTest({
      ...base,
      id: 'explain.ale',
      title: 'ALE',
      results: { outputs: ['P(bad)', 'P(good)'], features: [] },
      aiverify: [ale(1), ale(2)],
    });
    const titles = charts.map((c) => c.title);
    expect(titles).toEqual(['Accumulated local effect of age on P(bad)', 'Accumulated local effect of age on P(good)']);
  });

  it('TreeSHAP: our global bar (mean over outputs) replaces the AI Verify copy’s last-output bar', () => {
    // Two outputs whose |SHAP| differ: AI Verify's bar would show output 2 only (a: 0.1, b: 0.9).
    const shap = [
      [
        [1, 0.1],
        [1, 0.1],
      ],
      [
        [0.1, 0.9],
        [0.1, 0.9],
      ],
    ];
    const charts = chartsForTest({
      ...base,
      id: 'explain.tree_shap',
      title: 'TreeSHAP',
      results: {
        outputs: ['o1', 'o2'],
        global: [
          { feature: 'a', meanAbs: 0.55 },
          { feature: 'b', meanAbs: 0.5 },
        ],
      },
      aiverify: [
        {
          gid: 'aiverify.stock.shap_toolbox',
          cid: 'aiverify_shap_toolbox',
          version: '2.2.0',
          algorithmArgs: {},
          output: {
            feature_names: ['a', 'b'],
            results: {
              global_shap_values: shap,
              global_samples: [
                [0, 1],
                [1, 0],
              ],
            },
          },
          convention: 'Assay TreeSHAP',
        },
      ],
    });
    const bars = charts.filter((c) => c.alt.startsWith('Mean absolute SHAP value by feature'));
    expect(bars).toHaveLength(1);
    expect(bars[0].alt).toContain('largest a 0.55, b 0.5');
    expect(charts.some((c) => c.alt.startsWith('SHAP values per sample'))).toBe(true);
  });
});

describe('detailed results without JSON dumps', () => {
  it('a record in a cell is a key: value list; deeper records are summarised, never dumped', () => {
    const html = renderValue('rows', [
      { id: 'a', where: { file: 'x.csv', row: 3 }, deep: { inner: { k: 1 } } },
      { id: 'b', where: { file: 'y.csv', row: 4 }, deep: { inner: { k: 2 } } },
      { id: 'c', where: { file: 'z.csv', row: 5 }, deep: { inner: { k: 3 } } },
      { id: 'd', where: { file: 'w.csv', row: 6 }, deep: { inner: { k: 4 } } },
    ]);
    expect(html).toContain(
      '<ul class="kvs"><li><span class="k">file</span>: x.csv</li><li><span class="k">row</span>: 3</li></ul>',
    );
    expect(html).toContain('<span class="k">inner</span>: 1 fields (in results.json)');
    expect(html).not.toContain('{&quot;');
  });

  it('a record of records is one table, a few deep records are sections', () => {
    const html = renderValue('Results', {
      perClass: [
        { class: 'good', between: { selection_rate: { ratio: 0.5, min: 0.4 }, accuracy: { ratio: 0.9, min: 0.7 } } },
      ],
    });
    expect(html).toContain('<h5>per class: good</h5>');
    expect(html).toMatch(
      /<caption>between<\/caption><thead><tr><th scope="col">entry<\/th><th scope="col">ratio<\/th><th scope="col">min<\/th>/,
    );
    expect(html).toContain('<th scope="row">selection rate</th><td>0.5</td><td>0.4</td>');
  });
});

describe('matrices and curve points', () => {
  it('a small numeric matrix is a grid; numeric point lists are cut short (the chart shows them)', () => {
    const m = renderValue('Results', {
      counts: [
        [44, 46],
        [32, 178],
      ],
    });
    expect(m).toContain('<caption>counts</caption>');
    expect(m).toContain('<th scope="row">2</th><td>32</td><td>178</td>');
    const pts = renderValue(
      'points',
      Array.from({ length: 30 }, (_, i) => ({ fpr: i / 30, tpr: i / 29 })),
    );
    expect(pts).toContain('(first 12 of 30 rows)');
  });
});
