/**
 * End-to-end: the built CLI on the bundled demo, as a user runs it. Checks results.json against its
 * published JSON Schema, determinism, exit codes and bad-input handling.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { withOfflinePage } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { oscalValidator } from '../support/oscal.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir('assay-cli-');
afterAll(() => tmp.cleanup());

const DEMO = path.join(REPO_ROOT, 'demo');
const demoPlan = YAML.parse(readFileSync(path.join(DEMO, 'assay.yaml'), 'utf8')) as Record<string, unknown>;

type DemoPlan = {
  data: { path: string } & Record<string, unknown>;
  model: { path: string; preprocessing: string } & Record<string, unknown>;
} & Record<string, unknown>;

/** A copy of the demo plan with absolute paths and changes, written to the temp folder. */
function writePlan(name: string, changes: Record<string, unknown>): string {
  const plan = structuredClone(demoPlan) as DemoPlan;
  delete plan.$schema;
  plan.data = { ...plan.data, path: path.join(DEMO, String(plan.data.path)) };
  plan.model = {
    ...plan.model,
    path: path.join(DEMO, plan.model.path),
    preprocessing: path.join(DEMO, plan.model.preprocessing),
  };
  delete plan.processChecks;
  Object.assign(plan, changes);
  return tmp.file(name, YAML.stringify(plan));
}

function withoutTiming(file: string): string {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  delete r.timing;
  return JSON.stringify(r, null, 2);
}

describe('assay CLI', () => {
  let demoOut: string;
  let demoRun: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    demoOut = path.join(tmp.dir, 'demo');
    demoRun = await runCli(['demo', '--out', demoOut, '--quiet']);
  }, 300_000);

  it('prints its version and help', async () => {
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);
    const h = await runCli(['run', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('--json');
  });

  it('the demo writes a results.json valid against schema/results.schema.json', () => {
    expect(demoRun.stderr).toBe('');
    expect(demoRun.code).toBe(0);
    const results = JSON.parse(readFileSync(path.join(demoOut, 'results.json'), 'utf8'));
    const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schema', 'results.schema.json'), 'utf8'));
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
    expect(validate(results), JSON.stringify(validate.errors)).toBe(true);
    expect(results.data.rows).toBe(300);
    expect(results.data.classes).toEqual(['bad', 'good']);
    expect(results.inputs.map((i: { role: string }) => i.role).sort()).toEqual(
      expect.arrayContaining(['config', 'data', 'model', 'preprocessing']),
    );
    expect(results.tests.length).toBeGreaterThanOrEqual(6);
    for (const t of results.tests)
      expect(['passed', 'failed'], `${t.id}: ${JSON.stringify(t.error ?? t.reason)}`).toContain(t.status);
    // The demo's fairness threshold fails by design (a real finding); `demo` still exits 0 once complete.
    expect(results.status).toBe('failed');
    expect(results.tests.find((t: { id: string }) => t.id === 'fairness.classification').status).toBe('failed');
  });

  it('the demo covers all five frameworks, and its OSCAL assessment results validate against OSCAL 1.2.2', () => {
    const results = JSON.parse(readFileSync(path.join(demoOut, 'results.json'), 'utf8'));
    expect(results.coverage.frameworks.map((f: { framework: string }) => f.framework).sort()).toEqual([
      'aiverify',
      'eu-ai-act',
      'iso-42001',
      'nist-ai-600-1',
      'nist-ai-rmf',
    ]);
    const ar = JSON.parse(readFileSync(path.join(demoOut, 'oscal', 'assessment-results.json'), 'utf8'));
    const validate = oscalValidator('assessment-results');
    expect(validate(ar), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it("the demo's report.html opens in Chromium with no console errors or network requests, every section and chart drawn", async () => {
    const url = pathToFileURL(path.join(demoOut, 'report.html')).href;
    await withOfflinePage(url, { width: 1280, height: 1000 }, async ({ page, requests, errors }) => {
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      expect(await page.locator('main h2').allTextContents()).toEqual([
        'Summary',
        'Technical tests',
        'Process checks',
        'Frameworks',
        'Provenance',
      ]);
      const results = JSON.parse(readFileSync(path.join(demoOut, 'results.json'), 'utf8'));
      expect(await page.locator('article.test').count()).toBe(results.tests.length);
      const labels = await page
        .locator('figure.chart svg[role="img"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      for (const want of [
        'ROC curve',
        'Calibration curve',
        'Rates by group',
        'Mean absolute SHAP value',
        'Robustness curve',
      ]) {
        expect(
          labels.some((l) => l.startsWith(want)),
          want,
        ).toBe(true);
      }
      // Per-group curves of the fairness test are drawn too.
      expect(labels.some((l) => l.startsWith('ROC curve') && l.includes('sex=female'))).toBe(true);
      mkdirSync(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: path.join(REPO_ROOT, 'test-artifacts', 'demo-report.png'), fullPage: true });
    });
    // The PDF printed from it has its text, every section included.
    const text = execFileSync('pdftotext', [path.join(demoOut, 'report.pdf'), '-'], { encoding: 'utf8' });
    for (const section of ['Summary', 'Technical tests', 'Process checks', 'Frameworks', 'Provenance']) {
      expect(text).toContain(section);
    }
    expect(text).toContain('demographic_parity_ratio');
    expect(statSync(path.join(demoOut, 'report.html')).size).toBeLessThan(2 * 1024 * 1024);
  }, 120_000);

  it('the Node API is importable by the package name', async () => {
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const m = await import('assay'); console.log(typeof m.assess, typeof m.loadPlanFile, m.listTests().length);",
        ],
        { cwd: REPO_ROOT },
      );
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(r.code).toBe(0);
    expect(r.out.trim()).toMatch(/^function function \d+$/);
  });

  it('a config that fails validation replaces an older results.json with an error record', async () => {
    const out = path.join(tmp.dir, 'stale');
    const good = writePlan('good.yaml', { tests: [{ id: 'performance.classification' }] });
    expect((await runCli(['run', good, '--quiet', '--no-reports', '--out', out])).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')).status).toBe('passed');
    const bad = writePlan('bad-params.yaml', {
      tests: [{ id: 'performance.classification', params: { calibrationBins: 'ten' } }],
    });
    const r1 = await runCli(['run', bad, '--quiet', '--out', out]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain('TEST_PARAMS');
    expect(JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'))).toMatchObject({
      status: 'error',
      error: { code: 'TEST_PARAMS' },
    });
    expect((await runCli(['run', good, '--quiet', '--no-reports', '--out', out])).code).toBe(0);
    const invalid = writePlan('invalid.yaml', { task: 'clustering' });
    expect((await runCli(['run', invalid, '--quiet', '--out', out])).code).toBe(2);
    expect(JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'))).toMatchObject({
      status: 'error',
      error: { code: 'CONFIG_INVALID' },
    });
  });

  it('is deterministic: a second run gives the same results.json apart from `timing`', async () => {
    const out2 = path.join(tmp.dir, 'demo2');
    const r = await runCli(['demo', '--out', out2, '--quiet', '--no-reports']);
    expect(r.code).toBe(demoRun.code);
    expect(withoutTiming(path.join(out2, 'results.json'))).toBe(withoutTiming(path.join(demoOut, 'results.json')));
  }, 300_000);

  it('--json prints the results to stdout', async () => {
    const cfg = writePlan('json.yaml', { tests: [{ id: 'performance.classification' }] });
    const r = await runCli(['run', cfg, '--json', '--no-reports', '--out', path.join(tmp.dir, 'json')]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.tests[0].id).toBe('performance.classification');
    expect(parsed.tests[0].metrics.accuracy).toBeGreaterThan(0.6);
  });

  it('exit code 1 when a threshold fails', async () => {
    const cfg = writePlan('strict.yaml', {
      tests: [{ id: 'performance.classification', thresholds: { accuracy: '>= 0.99' } }],
    });
    const r = await runCli(['run', cfg, '--quiet', '--no-reports', '--out', path.join(tmp.dir, 'strict')]);
    expect(r.code).toBe(1);
    const res = JSON.parse(readFileSync(path.join(tmp.dir, 'strict', 'results.json'), 'utf8'));
    expect(res.status).toBe('failed');
    expect(res.tests[0].thresholds[0]).toMatchObject({ metric: 'accuracy', condition: '>= 0.99', passed: false });
  });

  it('exit code 2 and a clear message for a missing config', async () => {
    const r = await runCli(['run', path.join(tmp.dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error CONFIG_NOT_FOUND: config file not found');
  });

  it('exit code 2 for an invalid config, naming the path', async () => {
    const cfg = writePlan('bad.yaml', { task: 'clustering' });
    const r = await runCli(['run', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CONFIG_INVALID');
    expect(r.stderr).toContain('task: Invalid option');
  });

  it('exit code 2 for an unknown test id, before any data is read', async () => {
    const cfg = writePlan('unknown.yaml', { tests: [{ id: 'fairness.magic' }] });
    const r = await runCli(['run', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('TEST_UNKNOWN: unknown test "fairness.magic"');
  });

  it('bad data stops the run with exit 2 and says so in results.json', async () => {
    const cfg = writePlan('missingcol.yaml', { sensitive: ['gender'] });
    const out = path.join(tmp.dir, 'missingcol');
    const r = await runCli(['run', cfg, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('COLUMN_MISSING: column "gender" is not in');
    const res = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(res.status).toBe('error');
    expect(res.error.code).toBe('COLUMN_MISSING');
    expect(res.tests).toEqual([]);
  });

  it('an ONNX model with the wrong input width is rejected before any test runs', async () => {
    const sidecar = JSON.parse(
      readFileSync(path.join(DEMO, String((demoPlan.model as { preprocessing: string }).preprocessing)), 'utf8'),
    );
    sidecar.columns = sidecar.columns.slice(1);
    const pre = tmp.file('narrow.json', JSON.stringify(sidecar));
    const cfg = writePlan('narrow.yaml', {});
    const plan = YAML.parse(readFileSync(cfg, 'utf8'));
    plan.model.preprocessing = pre;
    const cfg2 = tmp.file('narrow.yaml', YAML.stringify(plan));
    const r = await runCli(['run', cfg2, '--out', path.join(tmp.dir, 'narrow')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MODEL_SHAPE_MISMATCH');
  });

  it('init writes a starter config and refuses to overwrite it', async () => {
    const r = await runCli(['init'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(existsSync(path.join(tmp.dir, 'assay.yaml'))).toBe(true);
    const again = await runCli(['init'], { cwd: tmp.dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists; pass --force');
  });
});
