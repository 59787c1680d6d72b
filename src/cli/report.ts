/**
 * `assay report <results.json> --format … [--out DIR]`: re-renders reports from a results.json alone,
 * without the model or the data.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { AssayError } from '../errors.js';
import { REPORT_FORMATS, type ReportFormat } from '../report/formats.js';
import { Results } from '../results/schema.js';

/** Parses `html,pdf` / `all` into formats; unknown names are an error that lists the known ones. */
export function parseFormats(value: string): ReportFormat[] {
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (names.includes('all')) return [...REPORT_FORMATS];
  const out: ReportFormat[] = [];
  for (const n of names) {
    const f = n === 'markdown' ? 'md' : n;
    if (!(REPORT_FORMATS as readonly string[]).includes(f)) {
      throw new AssayError(
        'CONFIG_INVALID',
        `unknown report format "${n}": expected one of ${REPORT_FORMATS.join(', ')} or all`,
        {
          configPath: '--format',
        },
      );
    }
    if (!out.includes(f as ReportFormat)) out.push(f as ReportFormat);
  }
  if (out.length === 0) throw new AssayError('CONFIG_INVALID', 'no report format given', { configPath: '--format' });
  return out;
}

/** Reads and validates a results.json; every problem names the file and what was expected. */
export async function readResults(file: string): Promise<Results> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new AssayError('FILE_NOT_FOUND', `results file ${file} does not exist or cannot be read`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AssayError(
      'RESULTS_INVALID',
      `${file} is not valid JSON (${(e as Error).message}); expected a results.json written by assay run`,
      { file },
    );
  }
  const parsed = Results.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    throw new AssayError('RESULTS_INVALID', `${file} is not a valid Assay results.json: ${issues}`, { file });
  }
  return parsed.data;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Re-render reports from a results.json, without the model or the data')
    .argument('<results.json>', 'results file written by `assay run`')
    .option('-f, --format <formats>', `comma-separated: ${REPORT_FORMATS.join(', ')}, or all`, 'all')
    .option('-o, --out <dir>', 'output folder (default: the folder of results.json)')
    .action(async (file: string, opts: { format: string; out?: string }) => {
      const formats = parseFormats(opts.format);
      const results = await readResults(file);
      const baseDir = path.dirname(path.resolve(file));
      const outDir = path.resolve(opts.out ?? baseDir);
      const { writeReports } = await import('../report/index.js'); // charts and the browser load only when used
      const { written, warnings } = await writeReports(results, outDir, { formats, baseDir });
      for (const w of written) process.stdout.write(`${w}\n`);
      for (const w of warnings) process.stderr.write(`assay: warning: ${w}\n`);
    });
}
