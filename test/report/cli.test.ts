/** `assay report`: re-renders from results.json alone; bad input is an AssayError that says what is wrong. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFormats, registerReportCommand } from '../../src/cli/report.js';
import { AssayError } from '../../src/errors.js';
import { makeResults } from '../fixtures/report/results-fixture.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir('assay-report-cli-');
afterAll(() => tmp.cleanup());
const resultsFile = tmp.file('results.json', JSON.stringify(makeResults(), null, 2));

function program(): Command {
  const p = new Command();
  p.exitOverride();
  p.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerReportCommand(p);
  return p;
}

async function run(...args: string[]): Promise<void> {
  await program().parseAsync(['node', 'assay', 'report', ...args]);
}

async function failure(...args: string[]): Promise<AssayError> {
  try {
    await run(...args);
  } catch (e) {
    if (e instanceof AssayError) return e;
    throw e;
  }
  throw new Error('expected an AssayError');
}

describe('assay report', () => {
  it('re-renders the chosen formats into --out', async () => {
    const out = path.join(tmp.dir, 'out');
    await run(resultsFile, '--format', 'md,junit,aiverify', '--out', out);
    expect(readdirSync(out).sort()).toEqual(['aiverify', 'junit.xml', 'summary.md']);
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toContain('German credit scoring model');
  });

  it('writes next to results.json without --out', async () => {
    await run(resultsFile, '--format', 'html');
    expect(existsSync(path.join(tmp.dir, 'report.html'))).toBe(true);
  });

  it('rejects a missing file, invalid JSON and a file that is not results.json', async () => {
    const missing = await failure(path.join(tmp.dir, 'nope.json'), '--format', 'md');
    expect(missing.code).toBe('FILE_NOT_FOUND');
    expect(missing.message).toContain('nope.json');

    const bad = tmp.file('bad.json', '{ "schemaVersion": ');
    const parse = await failure(bad, '--format', 'md');
    expect(parse.code).toBe('RESULTS_INVALID');
    expect(parse.message).toMatch(/bad\.json is not valid JSON/);

    const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
    delete r.summary;
    r.tests[0].status = 'great';
    const wrong = tmp.file('wrong.json', JSON.stringify(r));
    const invalid = await failure(wrong, '--format', 'md');
    expect(invalid.code).toBe('RESULTS_INVALID');
    expect(invalid.message).toContain('is not a valid Assay results.json');
    expect(invalid.message).toContain('summary');
    expect(invalid.message).toContain('tests.0.status');
    expect(invalid.where.file).toBe(wrong);
  });

  it('rejects an unknown format, naming the known ones', async () => {
    const e = await failure(resultsFile, '--format', 'docx');
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain('unknown report format "docx"');
    expect(e.message).toContain('html, pdf, md, junit, oscal, aiverify');
    expect(parseFormats('all')).toEqual(['html', 'pdf', 'md', 'junit', 'oscal', 'aiverify']);
    expect(parseFormats('markdown, junit,junit')).toEqual(['md', 'junit']);
  });

  it('a results.json re-rendered gives the same files (pure function of the input)', async () => {
    const a = path.join(tmp.dir, 'a');
    const b = path.join(tmp.dir, 'b');
    await run(resultsFile, '--format', 'html,md,junit,aiverify', '--out', a);
    writeFileSync(path.join(tmp.dir, 'copy.json'), readFileSync(resultsFile));
    await run(path.join(tmp.dir, 'copy.json'), '--format', 'html,md,junit,aiverify', '--out', b);
    for (const f of [
      'report.html',
      'summary.md',
      'junit.xml',
      'aiverify/manifest.json',
      'aiverify/aiverify_shap_toolbox.json',
    ]) {
      const same = readFileSync(path.join(b, f), 'utf8') === readFileSync(path.join(a, f), 'utf8');
      expect(same, `${f} differs between two renders of the same results`).toBe(true);
    }
  });
});
