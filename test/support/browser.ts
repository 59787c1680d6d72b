/**
 * Opens a local page in the system Chromium, offline: every request other than the page itself is aborted
 * and recorded, and console errors/warnings and page errors are collected, so a test can assert both are empty.
 */
import type { Page } from 'playwright-core';
import { findChromium, launchChromium } from '../../src/report/pdf.js';

export interface OfflinePage {
  page: Page;
  requests: string[];
  errors: string[];
}

export async function withOfflinePage(
  url: string,
  viewport: { width: number; height: number },
  body: (p: OfflinePage) => Promise<void>,
): Promise<void> {
  const chromium = findChromium();
  if (!chromium) throw new Error('no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)');
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      requests.push(route.request().url());
      return route.abort();
    });
    await page.setViewportSize(viewport);
    await page.goto(url, { waitUntil: 'load' });
    await body({ page, requests, errors });
  } finally {
    await browser.close();
  }
}
