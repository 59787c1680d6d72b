/**
 * The AI Verify export validates against AI Verify's own schemas: the test-result envelope
 * (common/schemas/aiverify.testresult.schema.json) and each algorithm's output.schema.json and
 * input.schema.json; process-check answers use the checklist input blocks' cids, pids and answer words.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { aiverifyChecklist, aiverifyFiles, aiverifyTestResults, fileUri } from '../../src/report/aiverify.js';
import { makeResults } from '../fixtures/report/results-fixture.js';
import { sharedPath } from '../support/shared.js';

const readJson = (p: string): Record<string, unknown> => JSON.parse(readFileSync(p, 'utf8'));

function makeAjv(): Ajv2020 {
  // strict: false because AI Verify's schemas use annotations ajv does not know ("ui:widget", if/then
  // branches written as bare properties); validation of the keywords that matter is unchanged.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(readJson(sharedPath('reference/aiverify/schemas/aiverify.modelapi.schema.json')));
  return ajv;
}

/** gid:cid → the algorithm's reference folder. */
function algorithmFolders(): Map<string, string> {
  const root = sharedPath('reference/aiverify/algorithms');
  const out = new Map<string, string>();
  for (const d of readdirSync(root)) {
    try {
      const meta = readJson(path.join(root, d, 'algo.meta.json'));
      const plugin = readJson(path.join(root, d, 'plugin.meta.json'));
      out.set(`${plugin.gid}:${meta.cid}`, path.join(root, d));
    } catch {
      // folders without an algorithm (e.g. veritas) are not algorithms we export
    }
  }
  return out;
}

const results = makeResults();

describe('AI Verify test results', () => {
  const ajv = makeAjv();
  const envelope = ajv.compile(readJson(sharedPath('reference/aiverify/schemas/aiverify.testresult.schema.json')));
  const folders = algorithmFolders();
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
    for (const e of exported) {
      const folder = folders.get(`${e.result.gid}:${e.result.cid}`);
      expect(folder, `no AI Verify algorithm ${e.result.gid}:${e.result.cid}`).toBeDefined();
      const out = ajv.compile(readJson(path.join(folder!, 'output.schema.json')));
      expect(out(e.result.output), `${e.file} output: ${ajv.errorsText(out.errors)}`).toBe(true);
      const input = ajv.compile(readJson(path.join(folder!, 'input.schema.json')));
      expect(input(e.result.testArguments.algorithmArgs), `${e.file} args: ${ajv.errorsText(input.errors)}`).toBe(true);
    }
  });

  it('a broken output fails the same validation (the check can fail)', () => {
    const fmtc = exported.find((e) => e.result.cid === 'fairness_metrics_toolbox_for_classification')!;
    const out = ajv.compile(
      readJson(path.join(folders.get(`${fmtc.result.gid}:${fmtc.result.cid}`)!, 'output.schema.json')),
    );
    expect(out({ ...(fmtc.result.output as object), results: [] })).toBe(false);
    expect(envelope({ ...fmtc.result, startTime: 'yesterday' })).toBe(false);
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
        // pids of a block belong to that block's principle (7.x.x → fairness …)
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
