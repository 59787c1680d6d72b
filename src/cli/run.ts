/** `assay run <config>` and `assay demo`: both run the same pipeline through the API. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { AssessOptions, AssessOutcome } from '../api.js';
import YAML from 'yaml';
import { loadPlanFile } from '../config/load.js';
import { AssayError } from '../errors.js';
import { PACKAGE_ROOT } from '../results/versions.js';
import { createProgress } from './progress.js';
import { parseFormats } from './report.js';

interface RunFlags {
  out?: string;
  json?: boolean;
  quiet?: boolean;
  reports?: boolean;
  format?: string;
  verbose?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the assessment a config file describes and write results.json and reports')
    .argument('<config>', 'assay.yaml or a JSON plan')
    .option('-o, --out <dir>', 'output folder (default: the config’s `output`)')
    .option('--json', 'print results.json to stdout (human output goes to stderr)')
    .option('-q, --quiet', 'no progress or summary on stderr')
    .option('--no-reports', 'write results.json only')
    .option('--format <list>', 'report formats to write, comma-separated (html,pdf,md,junit,oscal,aiverify)')
    .option('-v, --verbose', 'list every file written')
    .action(async (config: string, flags: RunFlags) => {
      const loaded = await loadPlanFile(config).catch((e) => recordConfigError(e, config, flags.out));
      const { assess } = await import('../api.js'); // heavy (DuckDB, onnxruntime): loaded only when running
      await runAndPrint((opts) => assess(loaded, opts), flags);
    });

  program
    .command('demo')
    .description('run the bundled demo: German credit data and a small ONNX model (offline, no server)')
    .option('-o, --out <dir>', 'output folder', 'assay-demo')
    .option('--json', 'print results.json to stdout')
    .option('-q, --quiet', 'no progress or summary on stderr')
    .option('--no-reports', 'write results.json only')
    .option('--format <list>', 'report formats to write, comma-separated')
    .option('-v, --verbose', 'list every file written')
    .action(async (flags: RunFlags) => {
      const loaded = await loadPlanFile(path.join(PACKAGE_ROOT, 'demo', 'assay.yaml'));
      const { assess } = await import('../api.js');
      await runAndPrint((opts) => assess(loaded, opts), { ...flags, out: path.resolve(flags.out ?? 'assay-demo') }, true);
    });
}

/**
 * A config that does not validate still leaves its mark in the output folder (the `--out` folder, else the
 * config's `output`, else `assay-out`, when that folder already exists): results.json says the run failed,
 * so an older passing results.json is never mistaken for this run's. Then the error goes on to the CLI.
 */
async function recordConfigError(e: unknown, config: string, out?: string): Promise<never> {
  if (e instanceof AssayError && (e.code === 'CONFIG_INVALID' || e.code === 'CONFIG_PARSE')) {
    let raw: Record<string, unknown> = {};
    try {
      const parsed: unknown = YAML.parse(await readFile(config, 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed as Record<string, unknown>;
    } catch {
      // unparsable: nothing to record of the plan
    }
    const outDir = out
      ? path.resolve(out)
      : path.resolve(path.dirname(path.resolve(config)), typeof raw.output === 'string' ? raw.output : 'assay-out');
    if (out || existsSync(outDir)) {
      // Best effort: failing to record the failure must not hide the config error itself.
      await import('../api.js').then((api) => api.writeFailedRun(outDir, e, raw)).catch(() => undefined);
    }
  }
  throw e;
}

/**
 * `demo` exits 0 once the assessment completed, even though its fairness threshold fails: that failure is the
 * finding the demo exists to show. `run` keeps the strict contract (1 when a threshold fails).
 */
async function runAndPrint(
  run: (o: AssessOptions) => Promise<AssessOutcome>,
  flags: RunFlags,
  demo = false,
): Promise<void> {
  const quiet = flags.quiet || flags.json;
  const progress = quiet ? undefined : createProgress(process.stderr);
  let outcome: AssessOutcome;
  try {
    outcome = await run({
      outDir: flags.out ? path.resolve(flags.out) : undefined,
      reports: flags.reports === false ? 'none' : flags.format ? parseFormats(flags.format) : undefined,
      progress: progress?.update,
      log: flags.verbose && !quiet ? (m: string) => process.stderr.write(`${m}\n`) : undefined,
    });
  } finally {
    progress?.done();
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(outcome.results, null, 2)}\n`);
  if (!flags.quiet && !flags.json) process.stderr.write(summarise(outcome));
  else if (flags.json && !flags.quiet) for (const w of outcome.warnings) process.stderr.write(`warning: ${w}\n`);
  if (demo && outcome.exitCode === 1) {
    const failed = outcome.results.tests.filter((t) => t.status === 'failed').map((t) => t.id);
    if (!flags.quiet && !flags.json) {
      process.stderr.write(
        `The demo model fails ${failed.length === 1 ? 'a threshold' : 'thresholds'} (${failed.join(', ')}): ${failed.length === 1 ? 'a real finding' : 'real findings'} about it, shown on purpose. \`assay run\` would exit 1 here; \`assay demo\` exits 0.\n`,
      );
    }
    process.exitCode = 0;
    return;
  }
  process.exitCode = outcome.exitCode;
}

/** The terminal summary: one line per test, then where the files are. */
export function summarise(o: AssessOutcome): string {
  const r = o.results;
  const lines: string[] = ['', `${r.name}: ${r.status.toUpperCase()}  (${r.summary.passed} passed, ${r.summary.failed} failed, ${r.summary.error} error, ${r.summary.skipped} skipped; ${r.data.rows} rows)`];
  for (const t of r.tests) {
    const mark = { passed: 'PASS', failed: 'FAIL', error: 'ERR ', skipped: 'SKIP' }[t.status];
    let detail = '';
    if (t.status === 'error') detail = `${t.error?.code}: ${t.error?.message}`;
    else if (t.status === 'skipped') detail = t.reason ?? '';
    else if (t.thresholds.length) {
      detail = t.thresholds
        .map((th) => `${th.metric} ${th.actual === null ? 'undefined' : round(th.actual)} ${th.passed ? 'meets' : 'fails'} ${th.condition}`)
        .join('; ');
    }
    lines.push(`  ${mark}  ${t.id}${detail ? `  ${detail}` : ''}`);
  }
  for (const w of o.warnings) lines.push(`  warning: ${w}`);
  const shown = path.relative(process.cwd(), o.outDir) || '.';
  const top = [...new Set(o.written.map((f) => path.relative(o.outDir, f).split(path.sep)[0]))];
  lines.push('', `Output: ${shown}${path.sep} (${top.map((f) => (f.includes('.') ? f : `${f}/`)).join(', ')})`);
  return `${lines.join('\n')}\n`;
}

function round(x: number): string {
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(4).replace(/\.?0+$/, '');
}
