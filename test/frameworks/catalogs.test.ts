/**
 * The catalogs hold exactly the identifiers of the reference data in ../shared: every reference id is present
 * and nothing was invented. Counts are asserted against the numbers the issue states.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AssayError } from '../../src/errors.js';
import { findControl, frameworkId, loadCatalog, loadCatalogs } from '../../src/frameworks/catalog.js';
import { sharedPath } from '../support/shared.js';

const ref = (name: string) => JSON.parse(readFileSync(sharedPath('reference', 'frameworks', name), 'utf8'));
const idsOf = (framework: string, kind: string) =>
  loadCatalog(framework)
    .controls.filter((k) => k.kind === kind)
    .map((k) => k.id);
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('NIST AI RMF 1.0 catalog', () => {
  const core = ref('nist-ai-rmf-1.0-core.json');
  it('has the 4 functions, 19 categories and 72 subcategories of the reference, with the same parents', () => {
    expect(sorted(idsOf('nist-ai-rmf', 'function'))).toEqual(sorted(core.functions.map((f: { id: string }) => f.id)));
    expect(sorted(idsOf('nist-ai-rmf', 'category'))).toEqual(sorted(core.categories.map((c: { id: string }) => c.id)));
    expect(sorted(idsOf('nist-ai-rmf', 'subcategory'))).toEqual(
      sorted(core.subcategories.map((s: { id: string }) => s.id)),
    );
    expect(idsOf('nist-ai-rmf', 'function')).toHaveLength(4);
    expect(idsOf('nist-ai-rmf', 'category')).toHaveLength(19);
    expect(idsOf('nist-ai-rmf', 'subcategory')).toHaveLength(72);
    const c = loadCatalog('nist-ai-rmf');
    for (const s of core.subcategories) expect(c.byId.get(s.id)?.parent).toBe(s.category);
    for (const k of core.categories) expect(c.byId.get(k.id)?.parent).toBe(k.function);
    const perFunction = Object.fromEntries(
      ['GOVERN', 'MAP', 'MEASURE', 'MANAGE'].map((f) => [
        f,
        c.controls.filter((k) => k.kind === 'subcategory' && k.id.startsWith(`${f} `)).length,
      ]),
    );
    expect(perFunction).toEqual(core.counts.subcategoriesPerFunction);
  });
  it('has the 7 trustworthiness characteristics', () => {
    expect(sorted(idsOf('nist-ai-rmf', 'characteristic'))).toEqual(
      sorted(core.trustworthinessCharacteristics.map((t: { id: string }) => t.id)),
    );
    expect(idsOf('nist-ai-rmf', 'characteristic')).toHaveLength(7);
  });
  it('writes its own text, not the reference outcome statements', () => {
    const c = loadCatalog('nist-ai-rmf');
    for (const s of core.subcategories) {
      const k = c.byId.get(s.id)!;
      expect(k.description, s.id).not.toBe(s.text);
      expect(k.title, s.id).not.toBe(s.text);
    }
  });
});

describe('AI Verify catalog', () => {
  const av = ref('aiverify-process-checklist.json');
  type P = {
    number: number;
    sections: { criteria: { id: string; processes: { pid: string; process: string }[] }[] }[];
  };
  const principles: P[] = av.principles;
  const criteria = principles.flatMap((p) =>
    p.sections.flatMap((s) => s.criteria.map((c) => ({ ...c, principle: p.number }))),
  );
  const processes = criteria.flatMap((c) => c.processes.map((p) => ({ ...p, criterion: c.id })));
  it('has 11 principles plus Organisational Considerations, 72 criteria and 97 process checks, as the reference', () => {
    expect(idsOf('aiverify', 'principle')).toEqual(principles.map((p) => String(p.number)));
    expect(idsOf('aiverify', 'principle')).toHaveLength(12);
    expect(loadCatalog('aiverify').byId.get('12')?.title).toBe('Organisational Considerations');
    expect(sorted(idsOf('aiverify', 'criterion'))).toEqual(sorted(criteria.map((c) => c.id)));
    expect(sorted(idsOf('aiverify', 'process'))).toEqual(sorted(processes.map((p) => p.pid)));
    expect(idsOf('aiverify', 'criterion')).toHaveLength(72);
    expect(idsOf('aiverify', 'process')).toHaveLength(97);
    expect(av.counts).toMatchObject({ testableCriteria: 72, processChecks: 97 });
  });
  it('keeps the hierarchy and gives every process check a process, what the assessor checks and evidence types', () => {
    const c = loadCatalog('aiverify');
    for (const cr of criteria) expect(c.byId.get(cr.id)?.parent).toBe(String(cr.principle));
    for (const p of processes) {
      const k = c.byId.get(p.pid)!;
      expect(k.parent).toBe(p.criterion);
      expect(k.title).not.toBe(p.process);
      expect(k.assessorChecks?.length).toBeGreaterThan(10);
      expect(k.evidenceTypes?.length, p.pid).toBeGreaterThan(0);
    }
  });
});

describe('NIST AI 600-1, ISO/IEC 42001 Annex A and EU AI Act catalogs', () => {
  it('NIST AI 600-1 has the 12 GAI risks with their numbers', () => {
    const g = ref('nist-ai-600-1-gai-risks.json');
    const c = loadCatalog('nist-ai-600-1');
    expect(sorted(idsOf('nist-ai-600-1', 'risk'))).toEqual(sorted(g.risks.map((r: { id: string }) => r.id)));
    expect(idsOf('nist-ai-600-1', 'risk')).toHaveLength(12);
    for (const r of g.risks) expect(c.byId.get(r.id)?.number).toBe(r.number);
    const chars = new Set(idsOf('nist-ai-rmf', 'characteristic'));
    for (const k of c.controls) for (const ch of k.characteristics ?? []) expect(chars.has(ch), ch).toBe(true);
  });
  it('ISO/IEC 42001 has the 9 objectives and 38 Annex A controls', () => {
    const iso = ref('iso-iec-42001-2023-annex-a-ids.json');
    type D = { id: string; controls: { id: string }[] };
    expect(sorted(idsOf('iso-42001', 'objective'))).toEqual(sorted(iso.domains.map((d: D) => d.id)));
    expect(sorted(idsOf('iso-42001', 'control'))).toEqual(
      sorted(iso.domains.flatMap((d: D) => d.controls.map((k) => k.id))),
    );
    expect(idsOf('iso-42001', 'control')).toHaveLength(38);
    const c = loadCatalog('iso-42001');
    for (const d of iso.domains as D[]) for (const k of d.controls) expect(c.byId.get(k.id)?.parent).toBe(d.id);
  });
  it('EU AI Act has Articles 8 to 15', () => {
    const eu = ref('eu-ai-act-high-risk-articles.json');
    const c = loadCatalog('eu-ai-act');
    expect(c.controls.filter((k) => k.kind === 'article').map((k) => k.number)).toEqual(
      eu.section2_requirements.map((a: { article: number }) => a.article),
    );
    expect(idsOf('eu-ai-act', 'article')).toEqual([
      'art-8',
      'art-9',
      'art-10',
      'art-11',
      'art-12',
      'art-13',
      'art-14',
      'art-15',
    ]);
  });
});

describe('catalog model', () => {
  it('every catalog records its source and version', () => {
    for (const c of loadCatalogs()) {
      expect(c.source.publisher.length, c.id).toBeGreaterThan(2);
      expect(c.source.date, c.id).toMatch(/^\d{4}-\d{2}(-\d{2})?$/);
      expect(c.version.length).toBeGreaterThan(0);
      expect(c.textNote).toMatch(/own/);
    }
  });
  it('finds controls by user spellings and rejects unknown frameworks', () => {
    expect(findControl(loadCatalog('nist-ai-rmf'), 'measure-2.11')?.id).toBe('MEASURE 2.11');
    expect(findControl(loadCatalog('nist-ai-rmf'), 'Measure 2.11')?.id).toBe('MEASURE 2.11');
    expect(findControl(loadCatalog('aiverify'), 'av-7.2.1')?.id).toBe('7.2.1');
    expect(findControl(loadCatalog('eu-ai-act'), '15')?.id).toBe('art-15');
    expect(findControl(loadCatalog('nist-ai-rmf'), 'MEASURE 9.9')).toBeUndefined();
    expect(frameworkId('AI-Verify')).toBe('aiverify');
    expect(() => frameworkId('sox')).toThrow(AssayError);
    try {
      frameworkId('sox');
    } catch (e) {
      expect((e as AssayError).code).toBe('FRAMEWORK_UNKNOWN');
    }
  });
});
