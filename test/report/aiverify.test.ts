/**
 * The AI Verify export validates against AI Verify's own schemas: the test-result envelope
 * (common/schemas/aiverify.testresult.schema.json) and each algorithm's output.schema.json and
 * input.schema.json; process-check answers use the checklist input blocks' cids, pids and answer words.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aiverifyChecklist, aiverifyFiles, aiverifyTestResults, fileUri } from '../../src/report/aiverify.js';
import { makeResults } from '../fixtures/report/results-fixture.js';
import { sharedPath } from '../support/shared.js';
import { aiverifyValidator, readJson } from './aiverify-schemas.js';

const results = makeResults();

describe('AI Verify test results', () => {
  const { ajv, envelope, validate } = aiverifyValidator();
  const exported = aiverifyTestResults(results);

  it('exports one file per algorithm output of every test that ran', () => {
    const expected = results.tests
      .filter((t) => t.status === 'passed' || t.status === 'failed')
      .flatMap((t) => t.aiverify ?? []);
    expect(exported).toHaveLength(expected.length);
    expect(exported.length).toBeGreaterThanOrEqual(5);
    expect(new Set(exported.map((e) => e.file)).size).toBe(exported.length);
  });

  it('each file validates against the test-result envelope schema', () => {
    for (const e of exported) {
      const ok = envelope(e.result);
      expect(ok, `${e.file}: ${ajv.errorsText(envelope.errors)}`).toBe(true);
      expect(Object.keys(e.result).sort()).toEqual([
        'cid',
        'gid',
        'output',
        'startTime',
        'testArguments',
        'timeTaken',
        'version',
      ]);
    }
  });

  it("each output and algorithmArgs validates against its algorithm's schemas", () => {
    for (const e of exported) expect(validate(e.result), e.file).toEqual([]);
  });

  it('a broken output fails the same validation (the check can fail)', () => {
    const fmtc = exported.find((e) => e.result.cid === 'fairness_metrics_toolbox_for_classification')!;
    expect(validate({ ...fmtc.result, output: { ...(fmtc.result.output as object), results: [] } })[0]).toMatch(
      /^output: /,
    );
    expect(validate({ ...fmtc.result, cid: 'no_such_algorithm' })).toContain(
      'no AI Verify algorithm aiverify.stock.fairness_metrics_toolbox_for_classification:no_such_algorithm',
    );
    expect(envelope({ ...fmtc.result, startTime: 'yesterday' })).toBe(false);
    expect(ajv.errorsText(envelope.errors)).toContain('startTime');
  });

  it('fills the test arguments from the run', () => {
    const a = exported[0].result.testArguments;
    expect(a).toMatchObject({
      testDataset: 'file:data/german-credit.csv',
      groundTruthDataset: 'file:data/german-credit.csv',
      groundTruth: 'credit_risk',
      mode: 'upload',
      modelType: 'classification',
      modelFile: 'file:models/credit-mlp.onnx',
    });
    expect(exported.find((e) => e.testId === 'explain.shap')!.result.timeTaken).toBe(21);
    expect(fileUri('/abs/a b.csv')).toBe('file:///abs/a%20b.csv');
  });
});

describe('AI Verify process checklists', () => {
  const checklists = readJson(sharedPath('reference/aiverify/process-checklist/process_checklists.json')) as {
    principles: { principle: string; sections: { checklist: { processes: { pid: string }[] }[] }[] }[];
  };
  const pids = new Set(
    checklists.principles.flatMap((p) =>
      p.sections.flatMap((s) => s.checklist.flatMap((c) => c.processes.map((x) => x.pid))),
    ),
  );
  const areas = (
    readJson(sharedPath('reference/aiverify/process-checklist/process_checklists.json')) as unknown as {
      areas: { principles: { principle: string; cid: string }[] }[];
    }
  ).areas;
  const cidOfPrinciple = new Map(areas.flatMap((a) => a.principles.map((p) => [p.principle, p.cid] as const)));
  const cidOfPid = new Map(
    checklists.principles.flatMap((p) =>
      p.sections.flatMap((s) =>
        s.checklist.flatMap((c) => c.processes.map((x) => [x.pid, cidOfPrinciple.get(p.principle)] as const)),
      ),
    ),
  );
  const metaDir = sharedPath('reference/aiverify/process-checklist/input-block-meta');
  const metas = readdirSync(metaDir).map((f) => readJson(path.join(metaDir, f)));
  const plugin = readJson(sharedPath('reference/aiverify/process-checklist/plugin.meta.json'));
  const group = aiverifyChecklist(results)!;

  it('is one input-block group of the process-checklist plugin', () => {
    expect(pids.size).toBe(97);
    expect(group.gid).toBe(plugin.gid);
    expect(group.group).toBe(metas.find((m) => m.cid === 'fairness_process_checklist')!.group);
  });

  it('uses real input-block cids, real pids and AI Verify answer words', () => {
    const cids = new Set(metas.map((m) => m.cid));
    let answered = 0;
    for (const b of group.input_blocks) {
      expect(cids.has(b.cid), b.cid).toBe(true);
      for (const [k, v] of Object.entries(b.data)) {
        const m = /^(completed|elaboration)-(.+)$/.exec(k);
        expect(m, k).not.toBeNull();
        expect(pids.has(m![2]), `pid ${m![2]}`).toBe(true);
        // pids of a block belong to that block's principle (7.x.x → fairness …), as AI Verify's checklists say.
        expect(cidOfPid.get(m![2]), `pid ${m![2]} in ${b.cid}`).toBe(b.cid);
        if (m![1] === 'completed') {
          expect(['Yes', 'No', 'Not Applicable']).toContain(v);
          answered++;
        }
      }
    }
    expect(answered).toBe(6);
    const fairness = group.input_blocks.find((b) => b.cid === 'fairness_process_checklist')!;
    expect(fairness.data['completed-7.1.1']).toBe('Yes');
    expect(fairness.data['completed-7.2.1']).toBe('No');
    expect(fairness.data['completed-7.3.1']).toBe('Not Applicable');
    expect(fairness.data['elaboration-7.1.1']).toContain(`evidence/fairness-review.pdf (sha256 ${'e5'.repeat(32)})`);
    // Unanswered checks carry no completed- key, as in the portal.
    expect(fairness.data['completed-7.4.1']).toBeUndefined();
    expect(
      group.input_blocks.find((b) => b.cid === 'accountability_process_checklist')!.data['elaboration-9.1.1'],
    ).toContain('https://intranet.example/governance');
  });

  it('lists the files in a manifest with each output’s convention', () => {
    const files = aiverifyFiles(results);
    const manifest = files.find((f) => f.name === 'manifest.json')!.json as {
      testResults: { file: string; convention: string }[];
    };
    expect(manifest.testResults.map((t) => t.file).sort()).toEqual(
      files
        .filter((f) => !['manifest.json', 'process-checklists.json'].includes(f.name))
        .map((f) => f.name)
        .sort(),
    );
    expect(manifest.testResults.every((t) => t.convention.length > 0)).toBe(true);
  });
});
