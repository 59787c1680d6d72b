/**
 * report.pdf: the HTML printed by a headless Chromium through playwright-core. No browser is downloaded:
 * it uses the system's Chromium ($CHROMIUM_PATH, else the usual install paths). The page may load nothing
 * but the report file itself; every other request is aborted.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AssayError } from '../errors.js';
import { writeFileAtomic } from '../results/write.js';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
];

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const BROWSER_HINT =
  'install Chromium (Debian/Ubuntu: `apt-get install chromium`; Fedora: `dnf install chromium`; macOS: `brew install --cask chromium`) or set CHROMIUM_PATH to a Chromium/Chrome executable';

/** The Chromium executable to use, or undefined when none is installed. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** Launches the system Chromium with a fresh profile; the caller must call `close()`. */
export async function launchChromium(executablePath: string) {
  // Lazy import: only the PDF path and the browser tests need playwright-core.
  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'assay-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    offline: true,
  });
  return {
    context,
    async close(): Promise<void> {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Prints `htmlFile` to `pdfFile` (A4, backgrounds, page numbers). */
export async function printPdf(
  htmlFile: string,
  pdfFile: string,
  executablePath: string | undefined = findChromium(),
): Promise<void> {
  if (!executablePath) {
    throw new AssayError(
      'BROWSER_MISSING',
      `no Chromium found to print ${pdfFile}`,
      { file: pdfFile },
      { hint: BROWSER_HINT },
    );
  }
  const browser = await launchChromium(executablePath);
  try {
    const page = await browser.context.newPage();
    const url = pathToFileURL(path.resolve(htmlFile)).href;
    await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    await page.goto(url, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate:
        '<div style="font-size:8px;width:100%;text-align:center;color:#555"><span class="pageNumber"></span> / <span class="totalPages"></span></div>',
      margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
    });
    await writeFileAtomic(pdfFile, pdf);
  } catch (e) {
    if (e instanceof AssayError) throw e;
    throw new AssayError(
      'OUTPUT_WRITE',
      `Chromium (${executablePath}) could not print ${pdfFile}: ${(e as Error).message}`,
      { file: pdfFile },
      { cause: e },
    );
  } finally {
    await browser.close();
  }
}
