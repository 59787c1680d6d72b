/**
 * report.html opened in a real headless Chromium (the system's, through playwright-core): no console errors,
 * no network requests, every section and chart present, accessible structure; a screenshot goes to
 * test-artifacts/. Then the PDF printed from it: text extractable with pdftotext, every section in it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, launchChromium } from '../../src/report/pdf.js';
import { renderHtml, writeReports } from '../../src/report/index.js';
import { Results } from '../../src/results/schema.js';
import { CORRUPTIONS, makeResults } from '../fixtures/report/results-fixture.js';
import { withOfflinePage } from '../support/browser.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/tmp.js';

const chromium = findChromium();
if (!chromium) {
  throw new Error(
    'no Chromium found (set CHROMIUM_PATH or `apt-get install chromium`): the report browser test needs one',
  );
}

const tmp = tempDir('assay-report-browser-');

/** The browser's XML parser, as seen from Node's type checker (the code runs in the page). */
type BrowserGlobals = {
  DOMParser: new () => {
    parseFromString(s: string, type: string): { getElementsByTagName(n: string): { length: number } };
  };
};
const results = makeResults();
const SECTIONS = ['Summary', 'Technical tests', 'Process checks', 'Frameworks', 'Provenance'];

/** A small example image, as a corruption test writes them. */
function png(seed: number): Buffer {
  const p = new PNG({ width: 16, height: 16 });
  for (let i = 0; i < 16 * 16; i++) p.data.set([(i * seed) % 256, (i * 7) % 256, 128, 255], i * 4);
  return PNG.sync.write(p);
}

let written: string[] = [];
let warnings: string[] = [];
beforeAll(async () => {
  const art = path.join(tmp.dir, 'artifacts', 'robustness.image-corruptions');
  mkdirSync(art, { recursive: true });
  writeFileSync(path.join(art, 'example-clean.png'), png(3));
  writeFileSync(path.join(art, 'example-noise.png'), png(11));
  for (const fn of CORRUPTIONS) {
    mkdirSync(path.join(art, fn), { recursive: true });
    for (let s = 0; s <= 5; s++) writeFileSync(path.join(art, fn, `severity${s}.png`), png(s + 2));
  }
  ({ written, warnings } = await writeReports(results, tmp.dir, { formats: ['html', 'pdf', 'junit'] }));
});
afterAll(() => tmp.cleanup());

describe('report.html in Chromium', () => {
  it('loads with no console errors and no network requests, with every section and chart', async () => {
    expect(warnings).toEqual([]);
    const file = path.join(tmp.dir, 'report.html');
    const url = pathToFileURL(file).href;
    await withOfflinePage(url, { width: 1100, height: 900 }, async ({ page, requests, errors }) => {
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);

      // Landmarks and sections, in order: summary first, provenance last.
      expect(await page.locator('header[role="banner"]').count()).toBe(1);
      expect(await page.locator('main').count()).toBe(1);
      expect(await page.locator('nav[aria-label]').count()).toBe(1);
      expect(await page.locator('footer[role="contentinfo"]').count()).toBe(1);
      expect(await page.locator('main h2').allTextContents()).toEqual(SECTIONS);

      // One article per test, each with its status.
      expect(await page.locator('article.test').count()).toBe(results.tests.length);
      for (const t of results.tests) {
        expect(await page.locator(`article.test h3:has-text("${t.title}")`).count()).toBe(1);
      }

      // Charts: inline SVG with a text alternative; the specific ones each present.
      const labels = await page
        .locator('figure.chart svg[role="img"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      expect(labels.length).toBeGreaterThanOrEqual(12);
      for (const want of [
        'ROC curve',
        'Calibration curve',
        "AI Verify's convention (Fairness Metrics Toolbox)",
        'Metrics by group',
        'Mean absolute SHAP value',
        'SHAP values per sample',
        'Partial dependence and ICE: age',
        'Robustness curve',
        'Accuracy under image corruptions',
        'Performance on original vs adversarial samples',
      ]) {
        expect(
          labels.some((l) => l.startsWith(want)),
          want,
        ).toBe(true);
      }
      // Each chart drew marks (not an empty frame).
      const marks = await page
        .locator('figure.chart svg')
        .evaluateAll((els) => els.map((e) => e.querySelectorAll('path, rect, line').length));
      expect(Math.min(...marks)).toBeGreaterThan(5);

      // Example images embedded as data URIs, decoded by the browser, with alt text.
      const imgs = await page.locator('.examples img').evaluateAll((els) =>
        els.map((e) => {
          const img = e as unknown as { naturalWidth: number; src: string };
          return { w: img.naturalWidth, alt: e.getAttribute('alt') ?? '', src: img.src.slice(0, 22) };
        }),
      );
      expect(imgs).toHaveLength(2);
      for (const i of imgs) {
        expect(i.w).toBe(16);
        expect(i.alt).toMatch(/^Example image from /);
        expect(i.src).toBe('data:image/png;base64,');
      }

      // Corruption examples as a corruption × severity grid, with what the model predicted in the alt text.
      const grid = await page.locator('table.grid img').evaluateAll((els) =>
        els.map((e) => ({
          w: (e as unknown as { naturalWidth: number }).naturalWidth,
          alt: e.getAttribute('alt') ?? '',
        })),
      );
      expect(grid).toHaveLength(CORRUPTIONS.length * 6);
      expect(grid.every((g) => g.w === 16)).toBe(true);
      expect(grid[5].alt).toBe('Gaussian_Noise at severity 5: true cat, predicted dog');

      // Every table has column headers and a caption.
      const tables = await page
        .locator('table')
        .evaluateAll((els) =>
          els.map((t) => t.querySelectorAll('thead th').length > 0 && t.querySelector('caption') !== null),
        );
      expect(tables.length).toBeGreaterThan(10);
      expect(tables.every(Boolean)).toBe(true);

      // Framework views: AI Verify by principle → criterion → process check; NIST by function → category → subcategory.
      const fw = page.locator('#frameworks');
      expect(await fw.locator('section h3').count()).toBe(5);
      expect(await fw.locator('#fw-aiverify h4:has-text("Fairness")').count()).toBe(1);
      expect(await fw.locator('#fw-aiverify tr:has(th:text-is("7.1.1"))').count()).toBe(1);
      expect(await fw.locator('#fw-nist-ai-rmf h4:has-text("MEASURE")').count()).toBe(1);
      expect(await fw.locator('#fw-nist-ai-rmf tr:has(th:text-is("MEASURE 2.11"))').count()).toBe(1);

      const shots = path.join(REPO_ROOT, 'test-artifacts');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, 'report-summary.png') });
      await page.locator('#test-fairness-classification').screenshot({ path: path.join(shots, 'report-fairness.png') });

      // junit.xml is well-formed XML (the browser's parser).
      const xml = readFileSync(path.join(tmp.dir, 'junit.xml'), 'utf8');
      const parseErrors = (x: string) =>
        page.evaluate((s) => {
          const { DOMParser } = globalThis as unknown as BrowserGlobals;
          return new DOMParser().parseFromString(s, 'application/xml').getElementsByTagName('parsererror').length;
        }, x);
      expect(await parseErrors(xml)).toBe(0);
      expect(await parseErrors(`${xml}<oops>`)).toBeGreaterThan(0);
    });
  });
});

describe('report.pdf', () => {
  it('is printed, and its text (pdftotext) holds every section and test', () => {
    const pdf = path.join(tmp.dir, 'report.pdf');
    expect(written).toContain(pdf);
    const bytes = readFileSync(pdf);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    for (const s of SECTIONS) expect(text).toContain(s);
    for (const t of results.tests) expect(text).toContain(t.title);
    expect(text).toContain('3 of 4 tests with thresholds passed');
    // Each top-level section starts on a new page in print, so there are at least as many pages.
    const pages = text.split('\f').filter((p) => p.trim().length > 0).length;
    expect(pages).toBeGreaterThanOrEqual(SECTIONS.length);
  });
});

describe('print layout', () => {
  it('on an A4-wide page in print media, no table, chart or text block of the demo report runs off the page', async () => {
    const demo = Results.parse(
      JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/report/demo-results.json'), 'utf8')),
    );
    const file = path.join(tmp.dir, 'demo-report.html');
    writeFileSync(file, await renderHtml(demo));
    const browser = await launchChromium(chromium);
    try {
      // A4 (210 mm) less the 12 mm margins each side is 186 mm ≈ 703 CSS px.
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 703, height: 1000 });
      await page.goto(pathToFileURL(file).href);
      await page.emulateMedia({ media: 'print' });
      const overflowing = await page.evaluate(() => {
        const doc = (
          globalThis as unknown as {
            document: {
              documentElement: { clientWidth: number };
              querySelectorAll(
                s: string,
              ): ArrayLike<{ getBoundingClientRect(): { right: number }; tagName: string; textContent: string | null }>;
            };
          }
        ).document;
        const width = doc.documentElement.clientWidth;
        return Array.from(doc.querySelectorAll('table, figure, pre, p, dl, ul'))
          .filter((e) => e.getBoundingClientRect().right > width + 1)
          .map((e) => `${e.tagName}: ${(e.textContent ?? '').slice(0, 60)}`);
      });
      expect(overflowing).toEqual([]);
      // Adversarial examples show only the features that changed, as "feature: before → after".
      const text = await page.locator('#test-robustness-hopskipjump').textContent();
      expect(text).toMatch(/changed features \(original → adversarial\)/);
      expect(text).toMatch(/duration: \d+ → \d+/);
      // No raw JSON objects in table cells.
      const cells = await page.locator('td').allTextContents();
      expect(cells.filter((c) => /^\{"/.test(c.trim()))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
