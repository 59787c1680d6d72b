/**
 * Process-check answers: the template lists all 97 checks and loads back as all unanswered; answers are
 * normalised; evidence files are hashed (checked against a known SHA-256 vector); a missing evidence file is
 * an EVIDENCE_MISSING error naming the check.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { checklistTemplate, loadProcessChecks, writeChecklistTemplate } from '../../src/process/index.js';
import { sharedPath } from '../support/shared.js';
import { expectAssayError } from '../support/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'assay-process-'));
});

describe('checklist template', () => {
  it('lists all 97 checks grouped by the 12 principle headings, with the NIST subcategories each informs', () => {
    const text = checklistTemplate();
    const doc = parse(text) as { checks: Record<string, { answer: unknown }> };
    expect(Object.keys(doc.checks)).toHaveLength(97);
    expect(Object.values(doc.checks).every((c) => c.answer === null)).toBe(true);
    expect(text.match(/^ {2}# ── \d+\. /gm)).toHaveLength(12);
    expect(text).toContain('"7.2.1":');
    const block = text.slice(text.indexOf('# 7.2.1:'), text.indexOf('"7.2.1":'));
    expect(block).toMatch(/informs NIST AI RMF: .*MEASURE 2\.11/);
  });
  it('writes the template, refuses to overwrite it, and the template loads as 97 unanswered checks', async () => {
    const file = path.join(dir, 'tpl', 'process-checks.yaml');
    await writeChecklistTemplate(file);
    await expectAssayError(writeChecklistTemplate(file), 'OUTPUT_WRITE');
    const { answers, inputs } = await loadProcessChecks('tpl/process-checks.yaml', dir);
    expect(answers.summary).toEqual({ total: 97, yes: 0, no: 0, notApplicable: 0, unanswered: 97 });
    expect(inputs).toHaveLength(1);
    expect(inputs[0].role).toBe('process-checks');
    expect(inputs[0].path).toBe('tpl/process-checks.yaml');
  });
});

describe('loadProcessChecks', () => {
  it('reads answers, normalises spellings, hashes evidence files once and keeps URLs', async () => {
    const ev = path.join(dir, 'answers', 'evidence');
    await mkdir(ev, { recursive: true });
    await writeFile(path.join(ev, 'abc.txt'), 'abc');
    await writeFile(
      path.join(dir, 'answers', 'checks.yaml'),
      [
        'respondent: Risk team',
        'checks:',
        '  "7.2.1":',
        '    answer: yes',
        '    elaboration: "  Fairness metrics are tracked per release. "',
        '    evidence: [evidence/abc.txt, "https://example.org/fairness-report"]',
        '  "7.1.1": { answer: Not Applicable, elaboration: no individual-level decisions }',
        '  "1.1.1": { answer: "No", evidence: [evidence/abc.txt] }',
        '  "2.1.1": { answer: }',
      ].join('\n'),
    );
    const { answers, inputs } = await loadProcessChecks('answers/checks.yaml', dir);
    expect(answers.summary).toEqual({ total: 97, yes: 1, no: 1, notApplicable: 1, unanswered: 94 });
    expect(answers.respondent).toBe('Risk team');
    const c = answers.checks.find((x) => x.id === '7.2.1')!;
    expect(c.principle).toBe('7');
    expect(c.elaboration).toBe('Fairness metrics are tracked per release.');
    // SHA-256("abc"), FIPS 180-2 test vector.
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(c.evidence).toEqual([
      { kind: 'file', path: 'answers/evidence/abc.txt', bytes: 3, sha256: abc },
      { kind: 'url', url: 'https://example.org/fairness-report' },
    ]);
    expect(answers.checks.find((x) => x.id === '7.1.1')?.answer).toBe('not-applicable');
    expect(answers.checks.find((x) => x.id === '1.1.1')?.answer).toBe('no');
    expect(answers.checks.find((x) => x.id === '2.1.1')?.answer).toBeNull();
    // The answers file and the one evidence file (cited twice, hashed once).
    expect(inputs.map((i) => [i.role, i.path])).toEqual([
      ['process-checks', 'answers/checks.yaml'],
      ['evidence', 'answers/evidence/abc.txt'],
    ]);
    const raw = await readFile(path.join(dir, 'answers', 'checks.yaml'));
    expect(inputs[0].sha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(inputs[0].bytes).toBe(raw.length);
  });
  it('names the check when an evidence file is missing', async () => {
    await writeFile(
      path.join(dir, 'missing.yaml'),
      'checks:\n  "9.4.1":\n    answer: yes\n    evidence: [docs/oversight-charter.pdf]\n',
    );
    const e = await expectAssayError(loadProcessChecks('missing.yaml', dir), 'EVIDENCE_MISSING');
    expect(e.message).toContain('process check 9.4.1');
    expect(e.message).toContain('docs/oversight-charter.pdf');
    expect(e.where.configPath).toBe('checks.9.4.1.evidence[0]');
  });
  it('rejects unknown check ids, bad answers and a missing file with clear errors', async () => {
    await writeFile(path.join(dir, 'unknown.yaml'), 'checks:\n  "7.2.9": { answer: yes }\n');
    const e1 = await expectAssayError(loadProcessChecks('unknown.yaml', dir), 'CONFIG_INVALID');
    expect(e1.message).toContain('"7.2.9"');
    await writeFile(path.join(dir, 'bad.yaml'), 'checks:\n  "7.2.1": { answer: maybe }\n');
    const e2 = await expectAssayError(loadProcessChecks('bad.yaml', dir), 'CONFIG_INVALID');
    expect(e2.message).toContain('checks.7.2.1.answer');
    await expectAssayError(loadProcessChecks('nope.yaml', dir), 'FILE_NOT_FOUND');
  });
});

describe('AI Verify answer format', () => {
  it("reads the AI Verify portal's sample answers (all 12 checklists merged): 91 answered, 6 left unanswered", async () => {
    const dirRef = sharedPath('reference', 'aiverify', 'process-checklist', 'sample-responses');
    const merged: Record<string, string> = {};
    for (const f of (await readdir(dirRef)).sort())
      Object.assign(merged, JSON.parse(await readFile(path.join(dirRef, f), 'utf8')));
    await writeFile(path.join(dir, 'aiverify-answers.json'), JSON.stringify(merged));
    const { answers } = await loadProcessChecks('aiverify-answers.json', dir);
    const completed = Object.entries(merged).filter(([k]) => k.startsWith('completed-'));
    const norm = (v: string) => (v === 'Not Applicable' ? 'not-applicable' : v.toLowerCase());
    expect(completed).toHaveLength(91); // the samples predate six of the 2024 checks
    expect(answers.summary).toEqual({ total: 97, yes: 57, no: 19, notApplicable: 15, unanswered: 6 });
    expect(answers.checks.find((c) => c.id === '7.1.1')).toMatchObject({
      answer: norm(merged['completed-7.1.1']),
      elaboration: merged['elaboration-7.1.1'],
    });
    // The Organisational Considerations sample writes criterion ids (completed-12.1) for its single checks.
    expect(answers.checks.find((c) => c.id === '12.1.1')?.answer).toBe(norm(merged['completed-12.1']));
  });
  it('rejects a key that names no process check', async () => {
    await writeFile(path.join(dir, 'av-bad.json'), JSON.stringify({ 'completed-7.4': 'Yes' }));
    const e = await expectAssayError(loadProcessChecks('av-bad.json', dir), 'CONFIG_INVALID');
    expect(e.message).toContain('"completed-7.4"');
  });
});
