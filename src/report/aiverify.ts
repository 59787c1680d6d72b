/**
 * AI Verify-compatible export, so a user can bring an Assay run into the AI Verify portal:
 * - one test-result file per algorithm output, in AI Verify's result envelope
 *   (aiverify-foundation/aiverify `common/schemas/aiverify.testresult.schema.json`: gid, cid, version,
 *   startTime, timeTaken, testArguments, output);
 * - the process-check answers as one input-block group in AI Verify's checklist format
 *   (`completed-<pid>` ∈ Yes/No/Not Applicable, `elaboration-<pid>`; group shape as the API gateway's
 *   `InputBlockGroupDataInput`: name, group, gid, input_blocks[{cid, data}]).
 * The `convention` of each output (whose formula the numbers follow) goes into manifest.json, which the
 * envelope has no field for.
 */
import type { Results } from '../results/schema.js';
import { testMs, testStart } from './summary.js';
import { processCheckViews } from './views.js';

export interface AiVerifyTestResult {
  gid: string;
  cid: string;
  version: string;
  startTime: string;
  timeTaken: number;
  testArguments: {
    testDataset: string;
    mode: 'upload' | 'api';
    modelType: 'classification' | 'regression';
    groundTruthDataset?: string;
    groundTruth?: string;
    modelFile?: string;
    algorithmArgs: Record<string, unknown>;
  };
  output: unknown;
}

export interface AiVerifyFile {
  /** Path inside the `aiverify/` folder. */
  name: string;
  json: unknown;
}

/** AI Verify's process-checklist plugin and its input blocks, by the pid's leading number. */
export const PROCESS_CHECKLIST_GID = 'aiverify.stock.process_checklist';
export const PROCESS_CHECKLIST_GROUP = 'AI Verify Process Checklists';
export const CHECKLIST_BY_PREFIX: Record<string, { cid: string; principle: string }> = {
  '1': { cid: 'transparency_process_checklist', principle: 'Transparency' },
  '2': { cid: 'explainability_process_checklist', principle: 'Explainability' },
  '3': { cid: 'reproducibility_process_checklist', principle: 'Reproducibility' },
  '4': { cid: 'safety_process_checklist', principle: 'Safety' },
  '5': { cid: 'security_process_checklist', principle: 'Security' },
  '6': { cid: 'robustness_process_checklist', principle: 'Robustness' },
  '7': { cid: 'fairness_process_checklist', principle: 'Fairness' },
  '8': { cid: 'data_governance_process_checklist', principle: 'Data Governance' },
  '9': { cid: 'accountability_process_checklist', principle: 'Accountability' },
  '10': { cid: 'human_agency_oversight_process_checklist', principle: 'Human Agency & Oversight' },
  '11': {
    cid: 'inclusive_growth_process_checklist',
    principle: 'Inclusive Growth, Societal & Environmental Well-being',
  },
  '12': { cid: 'organisational_considerations_process_checklist', principle: 'Organisational Considerations' },
};

/** A file URI for an input path as written in the config (relative paths stay relative: `file:data/x.csv`). */
export function fileUri(p: string): string {
  const posix = p.replace(/\\/g, '/');
  return posix.startsWith('/') ? `file://${encodeURI(posix)}` : `file:${encodeURI(posix)}`;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function aiverifyTestResults(
  results: Results,
): { file: string; testId: string; convention: string; result: AiVerifyTestResult }[] {
  const data = results.inputs.find((i) => i.role === 'data');
  const dataset = fileUri(data?.path ?? 'data');
  const modelType = results.plan.task === 'regression' ? 'regression' : 'classification';
  const mode = results.model.type === 'http' ? 'api' : 'upload';
  const target = typeof results.plan.target === 'string' ? results.plan.target : undefined;
  const used = new Set<string>();
  const out: { file: string; testId: string; convention: string; result: AiVerifyTestResult }[] = [];
  for (const [index, t] of results.tests.entries()) {
    if (t.status === 'error' || t.status === 'skipped') continue;
    for (const a of t.aiverify ?? []) {
      let file = `${safeName(a.cid)}.json`;
      for (let k = 2; used.has(file); k++) file = `${safeName(a.cid)}-${safeName(t.id)}${k > 2 ? `-${k}` : ''}.json`;
      used.add(file);
      const ms = testMs(results, index, t.id);
      out.push({
        file,
        testId: t.id,
        convention: a.convention,
        result: {
          gid: a.gid,
          cid: a.cid,
          version: a.version,
          startTime: testStart(results, index),
          timeTaken: ms === undefined ? 0 : Math.round(ms) / 1000,
          testArguments: {
            testDataset: dataset,
            mode,
            modelType,
            ...(target ? { groundTruthDataset: dataset, groundTruth: target } : {}),
            ...(mode === 'upload' && results.model.path ? { modelFile: fileUri(results.model.path) } : {}),
            algorithmArgs: a.algorithmArgs,
          },
          output: a.output,
        },
      });
    }
  }
  return out;
}

export interface InputBlockGroup {
  name: string;
  group: string;
  gid: string;
  input_blocks: { cid: string; data: Record<string, string> }[];
}

const ANSWER_WORD = { yes: 'Yes', no: 'No', 'not-applicable': 'Not Applicable' } as const;

/** The process-check answers as AI Verify input-block data; undefined when results hold no answers. */
export function aiverifyChecklist(results: Results): InputBlockGroup | undefined {
  const views = processCheckViews(results.processChecks);
  if (views.length === 0) return undefined;
  const blocks = new Map<string, Record<string, string>>();
  for (const v of views) {
    const meta = CHECKLIST_BY_PREFIX[v.pid.split('.')[0]];
    if (meta === undefined) continue;
    const data = blocks.get(meta.cid) ?? {};
    blocks.set(meta.cid, data);
    // Unanswered checks get no `completed-` key: that is how the portal records an open question.
    if (v.answer !== 'unanswered') data[`completed-${v.pid}`] = ANSWER_WORD[v.answer];
    const evidence = v.evidence.map((e) => (e.sha256 ? `${e.label} (sha256 ${e.sha256})` : e.label));
    const text = [v.elaboration ?? '', evidence.length > 0 ? `Evidence: ${evidence.join('; ')}` : '']
      .filter((s) => s.length > 0)
      .join('\n');
    data[`elaboration-${v.pid}`] = text;
  }
  const order = Object.values(CHECKLIST_BY_PREFIX).map((m) => m.cid);
  return {
    name: `${results.name} (Assay ${results.tool.version})`.slice(0, 256),
    group: PROCESS_CHECKLIST_GROUP,
    gid: PROCESS_CHECKLIST_GID,
    input_blocks: order.filter((cid) => blocks.has(cid)).map((cid) => ({ cid, data: blocks.get(cid)! })),
  };
}

/** Every file of the `aiverify/` folder: test results, the checklist group, and a manifest. */
export function aiverifyFiles(results: Results): AiVerifyFile[] {
  const tests = aiverifyTestResults(results);
  const checklist = aiverifyChecklist(results);
  const files: AiVerifyFile[] = tests.map((t) => ({ name: t.file, json: t.result }));
  if (checklist) files.push({ name: 'process-checklists.json', json: checklist });
  files.push({
    name: 'manifest.json',
    json: {
      tool: results.tool,
      name: results.name,
      testResults: tests.map((t) => ({
        file: t.file,
        gid: t.result.gid,
        cid: t.result.cid,
        test: t.testId,
        convention: t.convention,
      })),
      processChecklists: checklist ? 'process-checklists.json' : null,
      note:
        'Each test-result file follows AI Verify’s test-result envelope and its algorithm’s output schema. ' +
        'Dataset and model URIs are the paths written in the Assay config (relative to it).',
    },
  });
  return files;
}
