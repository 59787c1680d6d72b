/**
 * Renderers: every report is a pure function of results.json. `writeReports` writes the chosen formats
 * into one folder, each file atomically.
 */
import path from 'node:path';
import { AssayError, isAssayError } from '../errors.js';
import type { Results } from '../results/schema.js';
import { aiverifyFiles } from './aiverify.js';
import { writeFileAtomic } from '../results/write.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { oscalAssessmentResults } from './oscal.js';
import { BROWSER_HINT, findChromium, printPdf } from './pdf.js';

export { REPORT_FORMATS, type ReportFormat } from './formats.js';
import type { ReportFormat } from './formats.js';
import { REPORT_FORMATS } from './formats.js';

export { renderHtml } from './html.js';
export { renderJunit } from './junit.js';
export { renderMarkdown } from './markdown.js';
export { aiverifyFiles } from './aiverify.js';
export { findChromium, printPdf } from './pdf.js';

export interface WriteReportsOptions {
  /** Formats to write (default: all). */
  formats?: ReportFormat[];
  log?: (msg: string) => void;
  /** Folder that holds results.json and its `artifacts/` (default: outDir). */
  baseDir?: string;
}

/**
 * Writes report.html, report.pdf (when Chromium exists), summary.md, junit.xml, oscal/ and aiverify/.
 * Problems that leave the other formats intact (no Chromium, no OSCAL exporter yet) become warnings; only
 * when the one format asked for cannot be written at all (OSCAL without its exporter) does it throw.
 */
export async function writeReports(
  results: Results,
  outDir: string,
  opts: WriteReportsOptions = {},
): Promise<{ written: string[]; warnings: string[] }> {
  const explicit = opts.formats !== undefined;
  const formats = new Set<ReportFormat>(opts.formats ?? REPORT_FORMATS);
  const log = opts.log ?? (() => undefined);
  const written: string[] = [];
  const warnings: string[] = [];
  let failure: AssayError | undefined;
  const put = async (rel: string, data: string | Uint8Array): Promise<void> => {
    const file = path.join(outDir, rel);
    await writeFileAtomic(file, data);
    written.push(file);
    log(`wrote ${file}`);
  };
  const soft = (e: unknown, format: ReportFormat, fatalAlone = true): void => {
    const err = isAssayError(e)
      ? e
      : new AssayError('INTERNAL', `${format}: ${(e as Error).message}`, {}, { cause: e });
    const msg = `${format}: ${err.message}${err.hint ? ` (${err.hint})` : ''}`;
    warnings.push(msg);
    log(`warning: ${msg}`);
    if (fatalAlone && explicit && formats.size === 1 && !failure) failure = err;
  };

  // Callers passing user input (e.g. `assay run --format`) learn about names that are not formats.
  for (const f of formats) {
    if (!REPORT_FORMATS.includes(f)) {
      const msg = `unknown report format "${String(f)}" (known: ${REPORT_FORMATS.join(', ')})`;
      warnings.push(msg);
      log(`warning: ${msg}`);
    }
  }
  if (formats.has('html') || formats.has('pdf')) {
    await put('report.html', await renderHtml(results, { baseDir: opts.baseDir ?? outDir }));
  }
  if (formats.has('pdf')) {
    const chromium = findChromium();
    if (!chromium) {
      soft(
        new AssayError(
          'BROWSER_MISSING',
          'no Chromium found, so report.pdf was not written; report.html was',
          {},
          { hint: BROWSER_HINT },
        ),
        'pdf',
        false,
      );
    } else {
      try {
        const file = path.join(outDir, 'report.pdf');
        await printPdf(path.join(outDir, 'report.html'), file, chromium);
        written.push(file);
        log(`wrote ${file}`);
      } catch (e) {
        soft(e, 'pdf');
      }
    }
  }
  if (formats.has('md')) await put('summary.md', renderMarkdown(results));
  if (formats.has('junit')) await put('junit.xml', renderJunit(results));
  if (formats.has('aiverify')) {
    for (const f of aiverifyFiles(results))
      await put(path.join('aiverify', f.name), `${JSON.stringify(f.json, null, 2)}\n`);
  }
  if (formats.has('oscal')) {
    try {
      const doc = oscalAssessmentResults(results);
      await put(path.join('oscal', 'assessment-results.json'), `${JSON.stringify(doc, null, 2)}\n`);
    } catch (e) {
      soft(e, 'oscal');
    }
  }
  if (failure) throw failure;
  return { written, warnings };
}
