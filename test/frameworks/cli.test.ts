/** The framework commands, driven through commander as the CLI main does. */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFrameworkCommands } from '../../src/cli/frameworks.js';
import { AssayError } from '../../src/errors.js';
import { computeCoverage } from '../../src/frameworks/coverage.js';
import type { Results } from '../../src/results/schema.js';
import { sharedPath } from '../support/shared.js';

async function run(...args: string[]): Promise<string> {
  let out = '';
  const program = new Command('assay').exitOverride();
  registerFrameworkCommands(program, { out: (t) => (out += t) });
  await program.parseAsync(args, { from: 'user' });
  return out;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'assay-cli-fw-'));
});

describe('assay frameworks / crosswalk / checklist / coverage', () => {
  it('lists the five frameworks and the crosswalks, official ones marked', async () => {
    const out = await run('frameworks', 'list');
    for (const id of ['nist-ai-rmf', 'aiverify', 'nist-ai-600-1', 'iso-42001', 'eu-ai-act']) expect(out).toContain(id);
    expect(out).toMatch(/nist-ai-rmf--aiverify--official-2023\s+OFFICIAL category-level, 272 pairs/);
    expect(out).toContain('72 subcategories');
    const json = JSON.parse(await run('frameworks', 'list', '--json'));
    expect(json.frameworks).toHaveLength(5);
  });
  it('shows a framework outline and one control with its crosswalk links', async () => {
    const outline = await run('frameworks', 'show', 'aiverify');
    expect(outline).toContain('  7.2  ');
    expect(outline).toContain('    7.2.1  ');
    const one = await run('frameworks', 'show', 'nist-ai-rmf', 'measure-2.11');
    expect(one).toContain('NIST AI RMF MEASURE 2.11 (subcategory)');
    expect(one).toMatch(/MEASURE 2\.11 → 7\.2 {2}\[Assay, subcategory, intersects-with\]/);
    expect(one).toMatch(/MEASURE 2 → 7\.2 {2}\[official, category, relationship not stated\]/);
    expect(one).toContain('Mapped to ISO/IEC 42001');
    await expect(run('frameworks', 'show', 'nist-ai-rmf', 'MEASURE 9.9')).rejects.toThrow(AssayError);
    // With an imported OSCAL catalog (the reference example), the text is replaced and the ids stay.
    const example = sharedPath(
      'reference',
      'frameworks',
      'oscal',
      'examples-ai-assurance',
      'nist-ai-rmf-1.0_oscal-catalog.json',
    );
    const imported = await run('frameworks', 'show', 'nist-ai-rmf', 'MEASURE 2.11', '--oscal', example);
    expect(imported).toContain('NIST AI RMF MEASURE 2.11 (subcategory)');
    expect(imported).toMatch(/as identified in the MAP function/i);
    expect(one).not.toMatch(/as identified in the MAP function/i);
    await expect(run('frameworks', 'show', 'cobit')).rejects.toThrow(/unknown framework "cobit"/);
  });
  it('prints a crosswalk for one control', async () => {
    const out = await run('crosswalk', 'aiverify', 'nist-ai-rmf', '--control', '9.4');
    expect(out).toContain('nist-ai-rmf--aiverify--assay (Assay, project-authored, subcategory-level)');
    expect(out).toContain('9.4 → MEASURE 1.3  equivalent-to');
    const rows = JSON.parse(await run('crosswalk', 'nist-ai-rmf', 'eu-ai-act', '--json'));
    expect(rows.length).toBe(28);
  });
  it('exports OSCAL files and writes the checklist template', async () => {
    const out = path.join(dir, 'oscal');
    await run('frameworks', 'export', '--format', 'oscal', '--out', out);
    expect((await readdir(out)).length).toBe(10);
    await expect(run('frameworks', 'export', '--format', 'xml', '--out', out)).rejects.toThrow(/unknown export format/);
    const file = path.join(dir, 'process-checks.yaml');
    await run('checklist', '--out', file);
    expect((await readFile(file, 'utf8')).match(/^ {2}"\d+\.\d+\.\d+":$/gm)).toHaveLength(97);
    await expect(run('checklist', '--out', file)).rejects.toThrow(/already exists/);
    await run('checklist', '--out', file, '--force');
  });
  it('prints the coverage matrix from a results.json', async () => {
    const tests = [
      {
        id: 'fairness.classification',
        title: 'Fairness',
        status: 'passed' as const,
        params: {},
        metrics: {},
        thresholds: [],
        evidence: { aiverify: ['7.2'], nistAiRmf: ['MEASURE 2.11'] },
      },
    ];
    const results: Results = {
      schemaVersion: '1.0.0',
      tool: { name: 'assay', version: '0.1.0' },
      environment: { node: 'v20', platform: 'linux', dependencies: {} },
      name: 'cli',
      status: 'passed',
      plan: {},
      seed: 1,
      inputs: [],
      data: { rows: 1, rowsRead: 1, rowsDroppedForNulls: 0, columns: [] },
      model: { type: 'predictions' },
      summary: { tests: 1, passed: 1, failed: 0, error: 0, skipped: 0 },
      tests,
      coverage: computeCoverage({ tests }),
      timing: { startedAt: 'a', finishedAt: 'b', durationMs: 0, tests: {} },
    };
    const file = path.join(dir, 'results.json');
    await writeFile(file, JSON.stringify(results));
    const out = await run('coverage', '--framework', 'nist-ai-rmf', '--results', file);
    expect(out).toContain('NIST AI RMF 1.0: coverage of 72 subcategories');
    expect(out).toMatch(
      /MEASURE 2\.11\s+partially evidenced\s+1 test\(s\) passed; 7 check\(s\) unanswered \| tests: fairness.classification/,
    );
    expect(out).toContain('97 unanswered of 97');
    const eu = JSON.parse(await run('coverage', '--framework', 'eu-ai-act', '--results', file, '--json'));
    expect(eu.totals.total).toBe(8);
    // Without stored coverage it is computed from the tests.
    await writeFile(file, JSON.stringify({ ...results, coverage: undefined }));
    expect(await run('coverage', '--framework', 'aiverify', '--results', file)).toContain('72 criteria');
    await expect(run('coverage', '--results', path.join(dir, 'none.json'))).rejects.toThrow(/none.json does not exist/);
  });
});
