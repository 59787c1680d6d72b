/**
 * OSCAL 1.2.2 exports: every catalog as an OSCAL catalog, every crosswalk as a mapping-collection, and a run
 * (results.json) as assessment-results. Output is deterministic: UUIDs are name-based (version 5 layout,
 * derived with sha256 rather than sha1 — the schema only checks the version and variant nibbles) and
 * timestamps come from the data, never the clock. Also imports an OSCAL catalog's text over ours.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AssayError } from '../errors.js';
import type { Results, TestResult } from '../results/schema.js';
import { ProcessCheckAnswers } from '../process/index.js';
import {
  type Control,
  FRAMEWORK_IDS,
  type FrameworkId,
  type LoadedCatalog,
  loadCatalog,
  normaliseControlId,
  withTexts,
} from './catalog.js';
import { type CoverageReport, CoverageReport as CoverageReportSchema, computeCoverage } from './coverage.js';
import { type Crosswalk, loadCrosswalks } from './crosswalk.js';

export const OSCAL_VERSION = '1.2.2';
/** Namespace for Assay's own OSCAL props. */
export const ASSAY_NS = 'https://github.com/assay-ai/assay/ns/oscal';
/** last-modified of the packaged catalogs and crosswalks (changes only when the data files change). */
const DATA_LAST_MODIFIED = '2026-11-27T00:00:00Z';

/** Deterministic UUID from a name. */
export function nameUuid(name: string): string {
  const h = createHash('sha256').update(`assay:${name}`).digest('hex');
  const variant = ((Number.parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** OSCAL ids are NCName tokens: "MEASURE 2.11" → "measure-2.11", "7.1" → "av-7.1", "A.6.2.4" → "iso-a.6.2.4". */
export function oscalControlId(framework: FrameworkId, id: string): string {
  switch (framework) {
    case 'nist-ai-rmf':
      return /^[a-z-]+$/.test(id) ? `tc-${id}` : id.toLowerCase().replace(/\s+/g, '-');
    case 'aiverify':
      return /^\d+$/.test(id) ? `av-p${id}` : `av-${id}`;
    case 'nist-ai-600-1':
      return id === 'gai-risks' ? id : `gai-${id}`;
    case 'iso-42001':
      return `iso-${id.toLowerCase()}`;
    case 'eu-ai-act':
      return `eu-${id}`;
  }
}

/** Inverse of oscalControlId, for imported catalogs and id resolution. */
export function fromOscalControlId(framework: FrameworkId, oscalId: string): string {
  switch (framework) {
    case 'nist-ai-rmf':
      return oscalId.startsWith('tc-') ? oscalId.slice(3) : normaliseControlId(framework, oscalId);
    case 'aiverify':
      return normaliseControlId(framework, oscalId);
    case 'nist-ai-600-1':
      return oscalId === 'gai-risks' ? oscalId : oscalId.replace(/^gai-/, '');
    case 'iso-42001':
      return oscalId.replace(/^iso-a/, 'A');
    case 'eu-ai-act':
      return oscalId.replace(/^eu-/, '');
  }
}

export const catalogFileName = (f: FrameworkId) => `${f}.oscal-catalog.json`;
export const mappingFileName = (cw: Crosswalk) => `${cw.id}.oscal-mapping.json`;

type Json = Record<string, unknown>;

function metadata(title: string, version: string, lastModified: string, extra: Json = {}): Json {
  return { title, 'last-modified': lastModified, version, 'oscal-version': OSCAL_VERSION, ...extra };
}

function controlJson(c: LoadedCatalog, k: Control): Json {
  const props: Json[] = [{ name: 'label', value: k.id }];
  props.push({ name: 'kind', ns: ASSAY_NS, value: k.kind });
  for (const t of k.evidenceTypes ?? []) props.push({ name: 'evidence-type', ns: ASSAY_NS, value: t });
  for (const ch of k.characteristics ?? []) props.push({ name: 'characteristic', ns: ASSAY_NS, value: ch });
  if (k.number !== undefined) props.push({ name: 'number', ns: ASSAY_NS, value: String(k.number) });
  const oid = oscalControlId(c.id, k.id);
  const parts: Json[] = [{ id: `${oid}_smt`, name: 'statement', prose: k.description ?? k.title }];
  if (k.assessorChecks) parts.push({ id: `${oid}_obj`, name: 'assessment-objective', prose: k.assessorChecks });
  const children = (c.children.get(k.id) ?? []).map((ch) => controlJson(c, ch));
  return {
    id: oid,
    class: k.kind,
    title: k.title,
    props,
    parts,
    ...(children.length > 0 ? { controls: children } : {}),
  };
}

/** One catalog as an OSCAL catalog: the group level as groups, the levels below as (nested) controls. */
export function toOscalCatalog(framework: FrameworkId, catalog: LoadedCatalog = loadCatalog(framework)): Json {
  const c = catalog;
  const groups: Json[] = c.controls
    .filter((k) => k.kind === c.groupKind)
    .map((g) => ({
      id: oscalControlId(c.id, g.id),
      class: g.kind,
      title: g.title,
      props: [{ name: 'label', value: g.id }],
      ...(g.description
        ? { parts: [{ id: `${oscalControlId(c.id, g.id)}_ovw`, name: 'overview', prose: g.description }] }
        : {}),
      controls: (c.children.get(g.id) ?? []).map((k) => controlJson(c, k)),
    }));
  // Controls outside the hierarchy (AI RMF trustworthiness characteristics) form their own group.
  const loose = c.controls.filter((k) => k.parent === undefined && k.kind !== c.groupKind);
  if (loose.length > 0)
    groups.push({
      id: `${c.id}-${loose[0].kind}s`,
      class: loose[0].kind,
      title: 'Trustworthiness characteristics',
      controls: loose.map((k) => controlJson(c, k)),
    });
  const source = c.source;
  return {
    catalog: {
      uuid: nameUuid(`catalog:${c.id}`),
      metadata: metadata(c.title, c.version, DATA_LAST_MODIFIED, {
        published: `${source.date.length === 10 ? source.date : `${source.date.slice(0, 7)}-01`}T00:00:00Z`,
        props: [{ name: 'framework-id', ns: ASSAY_NS, value: c.id }],
        remarks:
          `${c.textNote} Source: ${source.publisher}, ${source.document}${source.version ? ` (${source.version})` : ''}. ${source.license ?? ''}`.trim(),
      }),
      groups,
      'back-matter': {
        resources: [
          {
            uuid: nameUuid(`source:${c.id}`),
            title: source.document,
            ...(source.url ? { rlinks: [{ href: source.url }] } : {}),
          },
        ],
      },
    },
  };
}

/** A crosswalk as an OSCAL mapping-collection (categories/criteria/process checks are all controls). */
export function toOscalMapping(cw: Crosswalk): Json {
  const srcRes = nameUuid(`resource:${cw.id}:source`);
  const tgtRes = nameUuid(`resource:${cw.id}:target`);
  const maps = cw.pairs.map((p, i) => {
    const remarks =
      cw.authority === 'official'
        ? `Official pair (printed as ${p.printedAs ?? p.target}). The crosswalk states no relationship; intersects-with is Assay's assumption.`
        : `${p.rationale ?? ''}${p.addition ? ' (Addition: no official category-level pair.)' : ''}`.trim();
    return {
      uuid: nameUuid(`map:${cw.id}:${i}:${p.source}:${p.target}`),
      relationship: p.relationship ?? 'intersects-with',
      sources: [{ type: 'control', 'id-ref': oscalControlId(cw.sourceFramework, p.source) }],
      targets: [{ type: 'control', 'id-ref': oscalControlId(cw.targetFramework, p.target) }],
      ...(p.addition ? { props: [{ name: 'addition', ns: ASSAY_NS, value: 'true' }] } : {}),
      ...(remarks ? { remarks } : {}),
    };
  });
  const gaps = cw.noCounterpart ?? [];
  const mapping: Json = {
    uuid: nameUuid(`mapping:${cw.id}`),
    'source-resource': { type: 'catalog', href: `#${srcRes}` },
    'target-resource': { type: 'catalog', href: `#${tgtRes}` },
    maps,
    ...(gaps.length > 0
      ? {
          'source-gap-summary': {
            uuid: nameUuid(`gap:${cw.id}`),
            'unmapped-controls': [{ 'with-ids': gaps.map((g) => oscalControlId(cw.sourceFramework, g.source)) }],
          },
          remarks: gaps.map((g) => `${g.source}: ${g.reason}`).join(' '),
        }
      : {}),
  };
  return {
    'mapping-collection': {
      uuid: nameUuid(`mapping-collection:${cw.id}`),
      metadata: metadata(cw.title, cw.source.version ?? cw.source.date ?? '1.0', DATA_LAST_MODIFIED, {
        props: [
          { name: 'authority', ns: ASSAY_NS, value: cw.authority },
          { name: 'granularity', ns: ASSAY_NS, value: cw.granularity },
        ],
      }),
      provenance: {
        method: 'human',
        'matching-rationale': 'semantic',
        status: 'complete',
        'mapping-description': cw.description,
        ...(cw.authority === 'official'
          ? {
              remarks: `Published by ${cw.source.publisher}${cw.source.url ? ` (${cw.source.url})` : ''}; transcribed as id pairs.`,
            }
          : { remarks: 'Authored by the Assay project; not endorsed by the framework owners.' }),
      },
      mappings: [mapping],
      'back-matter': {
        resources: [
          {
            uuid: srcRes,
            title: loadCatalog(cw.sourceFramework).title,
            rlinks: [{ href: catalogFileName(cw.sourceFramework) }],
          },
          {
            uuid: tgtRes,
            title: loadCatalog(cw.targetFramework).title,
            rlinks: [{ href: catalogFileName(cw.targetFramework) }],
          },
        ],
      },
    },
  };
}

/** Writes every catalog and crosswalk as OSCAL JSON into `outDir`; returns the files written. */
export async function exportOscalCatalogs(outDir: string): Promise<string[]> {
  const files: [string, Json][] = [
    ...FRAMEWORK_IDS.map((f): [string, Json] => [catalogFileName(f), toOscalCatalog(f)]),
    ...loadCrosswalks().map((cw): [string, Json] => [mappingFileName(cw), toOscalMapping(cw)]),
  ];
  try {
    await mkdir(outDir, { recursive: true });
    for (const [name, doc] of files) await writeFile(path.join(outDir, name), `${JSON.stringify(doc, null, 2)}\n`);
  } catch (e) {
    throw new AssayError('OUTPUT_WRITE', `cannot write OSCAL files to ${outDir}: ${(e as Error).message}`, {
      file: outDir,
    });
  }
  return files.map(([name]) => path.join(outDir, name));
}

/** Mapping-collections only (for callers that export them separately). */
export function oscalMappingCollections(): { file: string; document: Json }[] {
  return loadCrosswalks().map((cw) => ({ file: mappingFileName(cw), document: toOscalMapping(cw) }));
}

const TEST_STATE: Record<TestResult['status'], string> = {
  passed: 'passed',
  failed: 'failed its threshold',
  error: 'ended with an error',
  skipped: 'was skipped',
};

/** The coverage stored in results.json, or computed from its tests and process checks. */
export function coverageOf(results: Results): CoverageReport {
  const stored = CoverageReportSchema.safeParse(results.coverage);
  if (stored.success) return stored.data;
  const answers = ProcessCheckAnswers.safeParse(results.processChecks);
  return computeCoverage({ tests: results.tests, processChecks: answers.success ? answers.data : undefined });
}

/**
 * A run as OSCAL assessment-results: one observation per test and per answered process check (evidence files
 * linked with their sha256), one finding per assessable control of every framework with its coverage status.
 * Target ids are the control ids of the exported OSCAL catalogs.
 */
export function toOscalAssessmentResults(results: Results): Json {
  const coverage = coverageOf(results);
  const answers = ProcessCheckAnswers.safeParse(results.processChecks);
  const runKey = `${results.name}:${results.timing.startedAt}`;
  const toolUuid = nameUuid(`component:assay:${runKey}`);
  const planUuid = nameUuid(`plan:${runKey}`);
  const collected = results.timing.finishedAt;
  const actor = [{ actors: [{ type: 'tool', 'actor-uuid': toolUuid }] }];
  const observations: Json[] = [];
  const obsUuid = new Map<string, string>();

  for (const t of results.tests) {
    const uuid = nameUuid(`obs:test:${t.id}:${runKey}`);
    obsUuid.set(`test|${t.id}`, uuid);
    const metrics = Object.entries(t.metrics)
      .slice(0, 12)
      .map(([k, v]) => `${k}=${v === null ? 'undefined' : v}`)
      .join(', ');
    observations.push({
      uuid,
      title: `Test ${t.id}`,
      description: `${t.title} ${TEST_STATE[t.status]}.${metrics ? ` Metrics: ${metrics}.` : ''}${t.reason ? ` ${t.reason}` : ''}${t.error ? ` Error ${t.error.code}: ${t.error.message}` : ''}`,
      props: [{ name: 'test-status', ns: ASSAY_NS, value: t.status }],
      methods: ['TEST'],
      types: ['control-objective'],
      origins: actor,
      'relevant-evidence': [
        {
          href: 'results.json',
          description: `Full results of test ${t.id} in results.json.`,
        },
        ...(t.artifacts ?? []).map((a) => ({ href: a, description: `Artifact of test ${t.id}.` })),
      ],
      collected,
    });
  }
  if (answers.success) {
    for (const c of answers.data.checks) {
      if (c.answer === null) continue;
      const uuid = nameUuid(`obs:check:${c.id}:${runKey}`);
      obsUuid.set(`process-check|${c.id}`, uuid);
      const evidence = c.evidence.map((e) =>
        e.kind === 'url'
          ? { href: e.url, description: `Evidence for process check ${c.id}.` }
          : {
              href: e.path,
              description: `Evidence file for process check ${c.id}.`,
              props: [{ name: 'sha256', ns: ASSAY_NS, value: e.sha256 }],
            },
      );
      observations.push({
        uuid,
        title: `Process check ${c.id}`,
        description: `Answered ${c.answer}.${c.elaboration ? ` ${c.elaboration}` : ''}`,
        props: [{ name: 'answer', ns: ASSAY_NS, value: c.answer }],
        methods: ['EXAMINE'],
        types: ['control-objective'],
        origins: actor,
        ...(evidence.length > 0 ? { 'relevant-evidence': evidence } : {}),
        collected,
      });
    }
  }

  const findings: Json[] = [];
  const reviewed: Json[] = [];
  for (const fw of coverage.frameworks) {
    const f = fw.framework as FrameworkId;
    for (const k of fw.controls) {
      if (k.kind !== fw.assessableKind) continue;
      const targetId = oscalControlId(f, k.id);
      reviewed.push({ 'control-id': targetId });
      const related = [
        ...new Set(k.evidence.map((e) => obsUuid.get(`${e.type}|${e.id}`)).filter((u): u is string => u !== undefined)),
      ];
      const satisfied = k.status === 'evidenced' || k.status === 'not applicable';
      const via = [...new Set(k.evidence.flatMap((e) => e.via))];
      findings.push({
        uuid: nameUuid(`finding:${f}:${k.id}:${runKey}`),
        title: `${fw.title} ${k.id}: ${k.status}`,
        description: `${k.title}. ${k.reason}.${via.length > 0 ? ` Crosswalks: ${via.join(', ')}.` : ''}`,
        props: [
          { name: 'framework', ns: ASSAY_NS, value: f },
          { name: 'coverage-status', ns: ASSAY_NS, value: k.status },
        ],
        target: {
          type: 'objective-id',
          'target-id': targetId,
          status: {
            state: satisfied ? 'satisfied' : 'not-satisfied',
            ...(k.status === 'failed' ? { reason: 'fail' } : {}),
          },
        },
        ...(related.length > 0 ? { 'related-observations': related.map((u) => ({ 'observation-uuid': u })) } : {}),
      });
    }
  }

  const evidenceInputs = results.inputs.filter((i) => i.role === 'evidence' || i.role === 'process-checks');
  return {
    'assessment-results': {
      uuid: nameUuid(`assessment-results:${runKey}`),
      metadata: metadata(`Assay assessment: ${results.name}`, results.tool.version, results.timing.finishedAt, {
        props: [{ name: 'results-schema-version', ns: ASSAY_NS, value: results.schemaVersion }],
      }),
      'import-ap': {
        href: `#${planUuid}`,
        remarks:
          'Assay runs from a plan (assay.yaml), not an OSCAL assessment plan; this points to a back-matter resource.',
      },
      results: [
        {
          uuid: nameUuid(`result:${runKey}`),
          title: `Assay run: ${results.name}`,
          description: `Run status ${results.status}: ${results.summary.passed} passed, ${results.summary.failed} failed, ${results.summary.error} errors, ${results.summary.skipped} skipped of ${results.summary.tests} tests; ${coverage.processChecks.unanswered.length} of ${coverage.processChecks.total} process checks unanswered.`,
          start: results.timing.startedAt,
          end: results.timing.finishedAt,
          'local-definitions': {
            components: [
              {
                uuid: toolUuid,
                type: 'software',
                title: 'Assay',
                description: `Assay ${results.tool.version}, the AI assurance toolkit that produced this evidence.`,
                status: { state: 'operational' },
              },
            ],
          },
          'reviewed-controls': { 'control-selections': [{ 'include-controls': reviewed }] },
          ...(observations.length > 0 ? { observations } : {}),
          findings,
        },
      ],
      'back-matter': {
        resources: [
          {
            uuid: planUuid,
            title: 'Assay plan (assay.yaml)',
            remarks: 'The validated plan is stored in results.json.',
          },
          ...evidenceInputs.map((i) => ({
            uuid: nameUuid(`input:${i.path}`),
            title: `${i.role}: ${i.path}`,
            rlinks: [{ href: i.path, hashes: [{ algorithm: 'SHA-256', value: i.sha256 }] }],
          })),
        ],
      },
    },
  };
}

/**
 * Replaces a catalog's titles and statements with those of an OSCAL catalog (for example an official one),
 * keeping Assay's ids and structure. Controls are matched by their `label` prop, else by id.
 */
export function importOscalCatalogText(framework: FrameworkId, oscal: unknown): LoadedCatalog {
  const c = loadCatalog(framework);
  const root = (oscal as { catalog?: unknown })?.catalog;
  if (typeof root !== 'object' || root === null)
    throw new AssayError('CONFIG_INVALID', 'not an OSCAL catalog: the document has no "catalog" object');
  const texts = new Map<string, { title?: string; description?: string }>();
  const visit = (node: unknown) => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as {
      id?: string;
      title?: string;
      props?: { name: string; value: string }[];
      parts?: { name: string; prose?: string }[];
    };
    if (typeof n.id === 'string') {
      const label = n.props?.find((p) => p.name === 'label')?.value;
      const candidates = [label, fromOscalControlId(framework, n.id), n.id].filter((x): x is string => !!x);
      const id = candidates
        .map((x) => (c.byId.has(x) ? x : normaliseControlId(framework, x)))
        .find((x) => c.byId.has(x));
      const statement = n.parts?.find((p) => p.name === 'statement' || p.name === 'overview')?.prose;
      if (id)
        texts.set(id, { ...(n.title ? { title: n.title } : {}), ...(statement ? { description: statement } : {}) });
    }
    for (const key of ['groups', 'controls'] as const) {
      const list = (node as Record<string, unknown>)[key];
      if (Array.isArray(list)) for (const x of list) visit(x);
    }
  };
  visit(root);
  if (texts.size === 0)
    throw new AssayError(
      'CONFIG_INVALID',
      `the OSCAL catalog has no control whose id or label matches ${c.shortTitle}`,
    );
  return withTexts(c, texts);
}
