/**
 * OSCAL 1.2.2: every exported catalog, mapping-collection and a run's assessment-results validate against the
 * OSCAL JSON Schemas in ../shared (ajv + ajv-formats), and ids resolve across the documents.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORK_IDS, loadCatalog } from '../../src/frameworks/catalog.js';
import { computeCoverage } from '../../src/frameworks/coverage.js';
import { loadCrosswalks } from '../../src/frameworks/crosswalk.js';
import {
  catalogFileName,
  exportOscalCatalogs,
  importOscalCatalogText,
  mappingFileName,
  nameUuid,
  oscalControlId,
  toOscalAssessmentResults,
} from '../../src/frameworks/oscal.js';
import { emptyProcessCheckAnswers } from '../../src/process/index.js';
import type { Results, TestResult } from '../../src/results/schema.js';
import { oscalValidator } from '../support/oscal.js';
import { sharedPath } from '../support/shared.js';

type Doc = Record<string, unknown>;
const validator = oscalValidator;

function expectValid(validate: ValidateFunction, doc: unknown, name: string) {
  const ok = validate(doc);
  expect(ok, `${name}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
}

/** All control ids (nested) and group ids of an OSCAL catalog. */
function oscalIds(doc: Doc): Set<string> {
  const ids = new Set<string>();
  const walk = (n: unknown) => {
    if (typeof n !== 'object' || n === null) return;
    const o = n as { id?: string; groups?: unknown[]; controls?: unknown[] };
    if (o.id) ids.add(o.id);
    for (const x of o.groups ?? []) walk(x);
    for (const x of o.controls ?? []) walk(x);
  };
  walk(doc.catalog);
  return ids;
}

let outDir: string;
const docs = new Map<string, Doc>();
beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'assay-oscal-'));
  const files = await exportOscalCatalogs(outDir);
  for (const f of files) docs.set(path.basename(f), JSON.parse(await readFile(f, 'utf8')));
});

function sampleResults(): Results {
  const t = (
    id: string,
    status: TestResult['status'],
    aiverify: string[],
    nist: string[],
    artifacts?: string[],
  ): TestResult => ({
    id,
    title: id,
    status,
    params: {},
    metrics: { value: 0.5, undefinedOne: null },
    undefinedReasons: { undefinedOne: '0/0' },
    thresholds: [],
    evidence: { aiverify, nistAiRmf: nist },
    ...(artifacts ? { artifacts } : {}),
  });
  const tests = [
    t('group-fairness', 'passed', ['7.2'], ['MEASURE 2.11'], ['artifacts/group-fairness/rates.csv']),
    t('performance', 'failed', [], ['MEASURE 2.3']),
  ];
  const answers = emptyProcessCheckAnswers();
  const c = answers.checks.find((x) => x.id === '7.2.1')!;
  c.answer = 'yes';
  c.elaboration = 'Tracked per release.';
  c.evidence = [
    { kind: 'file', path: 'evidence/fairness.md', bytes: 3, sha256: 'a'.repeat(64) },
    { kind: 'url', url: 'https://example.org/report' },
  ];
  answers.checks.find((x) => x.id === '7.1.1')!.answer = 'not-applicable';
  answers.summary = { total: 97, yes: 1, no: 0, notApplicable: 1, unanswered: 95 };
  return {
    schemaVersion: '1.0.0',
    tool: { name: 'assay', version: '0.1.0' },
    environment: { node: 'v20', platform: 'linux', dependencies: {} },
    name: 'credit model',
    status: 'failed',
    plan: {},
    seed: 1,
    inputs: [
      { role: 'process-checks', path: 'process-checks.yaml', bytes: 10, sha256: 'b'.repeat(64) },
      { role: 'evidence', path: 'evidence/fairness.md', bytes: 3, sha256: 'a'.repeat(64) },
    ],
    data: { rows: 10, rowsRead: 10, rowsDroppedForNulls: 0, columns: [] },
    model: { type: 'predictions' },
    summary: { tests: 2, passed: 1, failed: 1, error: 0, skipped: 0 },
    tests,
    processChecks: answers,
    coverage: computeCoverage({ tests, processChecks: answers }),
    timing: {
      startedAt: '2026-11-27T10:00:00.000Z',
      finishedAt: '2026-11-27T10:00:05.000Z',
      durationMs: 5000,
      tests: {},
    },
  };
}

describe('OSCAL catalogs and mapping-collections', () => {
  it('exports five catalogs and five mapping-collections that validate against the OSCAL 1.2.2 schemas', () => {
    expect(docs.size).toBe(10);
    const cat = validator('catalog');
    for (const f of FRAMEWORK_IDS) expectValid(cat, docs.get(catalogFileName(f)), f);
    const map = validator('mapping');
    for (const cw of loadCrosswalks()) expectValid(map, docs.get(mappingFileName(cw)), cw.id);
  });
  it('the schema check can fail: a control without a title is rejected', () => {
    const doc = structuredClone(docs.get(catalogFileName('aiverify'))) as {
      catalog: { groups: { controls: { title?: string }[] }[] };
    };
    delete doc.catalog.groups[0].controls[0].title;
    expect(validator('catalog')(doc)).toBe(false);
  });
  it('every catalog control appears once in its OSCAL catalog, and every mapping id-ref resolves', () => {
    for (const f of FRAMEWORK_IDS) {
      const ids = oscalIds(docs.get(catalogFileName(f))!);
      for (const k of loadCatalog(f).controls) expect(ids.has(oscalControlId(f, k.id)), `${f} ${k.id}`).toBe(true);
      // Plus one group for the AI RMF trustworthiness characteristics, which sit outside the hierarchy.
      expect(ids.size).toBe(loadCatalog(f).controls.length + (f === 'nist-ai-rmf' ? 1 : 0));
    }
    for (const cw of loadCrosswalks()) {
      const doc = docs.get(mappingFileName(cw)) as {
        'mapping-collection': {
          mappings: { maps: { sources: { 'id-ref': string }[]; targets: { 'id-ref': string }[] }[] }[];
          'back-matter': { resources: { rlinks: { href: string }[] }[] };
        };
      };
      const mc = doc['mapping-collection'];
      const [src, tgt] = mc['back-matter'].resources.map((r) => r.rlinks[0].href);
      expect(src).toBe(catalogFileName(cw.sourceFramework));
      const srcIds = oscalIds(docs.get(src)!);
      const tgtIds = oscalIds(docs.get(tgt)!);
      const maps = mc.mappings[0].maps;
      expect(maps).toHaveLength(cw.pairs.length);
      for (const m of maps) {
        expect(srcIds.has(m.sources[0]['id-ref']), m.sources[0]['id-ref']).toBe(true);
        expect(tgtIds.has(m.targets[0]['id-ref']), m.targets[0]['id-ref']).toBe(true);
      }
    }
  });
  it('imports an OSCAL catalog (the reference AI RMF example) to replace text while keeping ids', () => {
    const example = JSON.parse(
      readFileSync(
        sharedPath('reference', 'frameworks', 'oscal', 'examples-ai-assurance', 'nist-ai-rmf-1.0_oscal-catalog.json'),
        'utf8',
      ),
    );
    const replaced = importOscalCatalogText('nist-ai-rmf', example);
    const ours = loadCatalog('nist-ai-rmf');
    expect(replaced.controls.map((k) => k.id)).toEqual(ours.controls.map((k) => k.id));
    expect(replaced.byId.get('MEASURE 2.11')?.description).toMatch(
      /^Fairness and bias . as identified in the MAP function . are evaluated/i,
    );
    expect(replaced.byId.get('MEASURE 2.11')?.description).not.toBe(ours.byId.get('MEASURE 2.11')?.description);
  });
});

describe('OSCAL assessment-results', () => {
  it('validates, is deterministic, and its ids resolve to observations and exported catalog controls', () => {
    const results = sampleResults();
    const ar = toOscalAssessmentResults(results);
    expectValid(validator('assessment-results'), ar, 'assessment-results');
    expect(JSON.stringify(toOscalAssessmentResults(results))).toBe(JSON.stringify(ar));
    type Ar = {
      'assessment-results': {
        'import-ap': { href: string };
        'back-matter': { resources: { uuid: string; rlinks?: { href: string; hashes: { value: string }[] }[] }[] };
        results: {
          'reviewed-controls': { 'control-selections': { 'include-controls': { 'control-id': string }[] }[] };
          observations: {
            uuid: string;
            title: string;
            'relevant-evidence'?: { href: string; props?: { value: string }[] }[];
          }[];
          findings: {
            target: { 'target-id': string; status: { state: string } };
            props: { name: string; value: string }[];
            'related-observations'?: { 'observation-uuid': string }[];
          }[];
        }[];
      };
    };
    const doc = (ar as Ar)['assessment-results'];
    const result = doc.results[0];
    const allIds = new Set(FRAMEWORK_IDS.flatMap((f) => [...oscalIds(docs.get(catalogFileName(f))!)]));
    expect(result.findings).toHaveLength(72 + 72 + 12 + 38 + 8);
    for (const f of result.findings) expect(allIds.has(f.target['target-id']), f.target['target-id']).toBe(true);
    for (const c of result['reviewed-controls']['control-selections'][0]['include-controls'])
      expect(allIds.has(c['control-id'])).toBe(true);
    const obs = new Set(result.observations.map((o) => o.uuid));
    for (const f of result.findings)
      for (const r of f['related-observations'] ?? []) expect(obs.has(r['observation-uuid'])).toBe(true);
    expect(doc['back-matter'].resources.some((r) => `#${r.uuid}` === doc['import-ap'].href)).toBe(true);
    // Observations: two tests, two answered checks (unanswered ones are not observations).
    expect(result.observations.map((o) => o.title)).toEqual([
      'Test group-fairness',
      'Test performance',
      'Process check 7.1.1',
      'Process check 7.2.1',
    ]);
    const check = result.observations.find((o) => o.title === 'Process check 7.2.1')!;
    expect(check['relevant-evidence']?.[0]).toMatchObject({
      href: 'evidence/fairness.md',
      props: [{ value: 'a'.repeat(64) }],
    });
    const finding = (id: string) => result.findings.find((f) => f.target['target-id'] === id)!;
    expect(finding('measure-2.3').target.status.state).toBe('not-satisfied');
    expect(finding('measure-2.3').props.find((p) => p.name === 'coverage-status')?.value).toBe('failed');
    expect(finding('av-7.2').target.status.state).toBe('satisfied');
    expect(finding('av-7.2')['related-observations']).toHaveLength(2);
    expect(
      doc['back-matter'].resources.find((r) => r.rlinks?.[0].href === 'evidence/fairness.md')?.rlinks?.[0].hashes[0]
        .value,
    ).toBe('a'.repeat(64));
  });
  it('makes valid version-5-layout UUIDs from names', () => {
    const u = nameUuid('x');
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(nameUuid('x')).toBe(u);
    expect(nameUuid('y')).not.toBe(u);
  });
});
