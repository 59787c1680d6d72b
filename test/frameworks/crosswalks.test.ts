/**
 * Crosswalks: the official 2023 NIST–AI Verify pairs are exactly the reference's 272 (category, id) pairs; the
 * Assay subcategory mapping covers all 72 subcategories and stays consistent with the official pairs; links
 * compose and say which crosswalk produced them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/frameworks/catalog.js';
import {
  type Crosswalk,
  crosswalkRows,
  deriveLinks,
  getCrosswalk,
  inconsistentWithOfficial,
  loadCrosswalks,
} from '../../src/frameworks/crosswalk.js';
import { sharedPath } from '../support/shared.js';

const OFFICIAL = 'nist-ai-rmf--aiverify--official-2023';
const ASSAY = 'nist-ai-rmf--aiverify--assay';

describe('official NIST AI RMF ↔ AI Verify crosswalk (2023-10-12)', () => {
  const ref = JSON.parse(
    readFileSync(sharedPath('reference', 'frameworks', 'crosswalk-nist-ai-rmf-to-ai-verify-2023-10.json'), 'utf8'),
  );
  type Row = { rmfCategory: string; aiVerify: { expandsTo: string[] }[] };
  const refPairs = new Set<string>(
    (ref.mappings as Row[]).flatMap((m) => m.aiVerify.flatMap((a) => a.expandsTo.map((e) => `${m.rmfCategory}|${e}`))),
  );
  const cw = getCrosswalk(OFFICIAL);
  it('holds exactly the 272 reference pairs over the 19 categories, labelled official and category-level', () => {
    const ours = cw.pairs.map((p) => `${p.source}|${p.target}`);
    expect(new Set(ours).size).toBe(ours.length);
    expect(ours).toHaveLength(272);
    expect(new Set(ours)).toEqual(refPairs);
    expect(new Set(cw.pairs.map((p) => p.source)).size).toBe(19);
    expect(cw.authority).toBe('official');
    expect(cw.granularity).toBe('category');
    expect(cw.source.date).toBe('2023-10-12');
    expect(cw.pairs.every((p) => p.relationship === undefined)).toBe(true);
  });
});

describe('Assay subcategory-level NIST AI RMF → AI Verify mapping', () => {
  const cw = getCrosswalk(ASSAY);
  const official = getCrosswalk(OFFICIAL);
  it('is labelled project-authored and treats each of the 72 subcategories: mapped or no counterpart with a reason', () => {
    expect(cw.authority).toBe('project');
    const mapped = new Set(cw.pairs.map((p) => p.source));
    const none = new Set((cw.noCounterpart ?? []).map((n) => n.source));
    const subs = loadCatalog('nist-ai-rmf').controls.filter((k) => k.kind === 'subcategory');
    expect(subs).toHaveLength(72);
    for (const s of subs) expect(mapped.has(s.id) !== none.has(s.id), s.id).toBe(true);
    for (const n of cw.noCounterpart ?? []) expect(n.reason.length).toBeGreaterThan(20);
    for (const p of cw.pairs) {
      expect(p.relationship, `${p.source}→${p.target}`).toBeDefined();
      expect(p.rationale?.length, `${p.source}→${p.target}`).toBeGreaterThan(15);
    }
  });
  it('rolls every pair up to an official category pair, or flags it as an addition with its rationale', () => {
    expect(inconsistentWithOfficial(cw, official)).toEqual([]);
    const additions = cw.pairs.filter((p) => p.addition);
    expect(additions.length).toBeGreaterThan(0);
    for (const a of additions) expect(a.rationale).toMatch(/added/);
  });
  it('detects a pair that does not roll up and is not flagged, and an addition that does roll up', () => {
    const bad: Crosswalk = {
      ...cw,
      pairs: [
        ...cw.pairs,
        { source: 'MAP 1.3', target: '2.1.1', relationship: 'intersects-with', rationale: 'invented for the test' },
        { source: 'MEASURE 2.11', target: '7.2', relationship: 'intersects-with', rationale: 'x', addition: true },
      ],
    };
    expect(inconsistentWithOfficial(bad, official).map((p) => `${p.source}|${p.target}`)).toEqual([
      'MAP 1.3|2.1.1',
      'MEASURE 2.11|7.2',
    ]);
  });
});

describe('composition', () => {
  it('carries AI Verify evidence to NIST and on to AI 600-1, ISO/IEC 42001 and the EU AI Act, naming each crosswalk', () => {
    const links = deriveLinks({ framework: 'aiverify', control: '7.2.1' });
    const find = (f: string, c: string) => links.find((l) => l.framework === f && l.control === c);
    expect(find('nist-ai-rmf', 'MEASURE 2.11')?.via).toEqual([ASSAY]);
    expect(find('nist-ai-rmf', 'MEASURE 2')?.via).toEqual([OFFICIAL]);
    expect(find('nist-ai-600-1', 'harmful-bias-homogenization')?.via).toEqual([
      ASSAY,
      'nist-ai-rmf--nist-ai-600-1--assay',
    ]);
    expect(find('iso-42001', 'A.5.4')?.via).toEqual([ASSAY, 'nist-ai-rmf--iso-42001--assay']);
    expect(find('eu-ai-act', 'art-10')?.via).toEqual([ASSAY, 'nist-ai-rmf--eu-ai-act--assay']);
    // Evidence never flows back from NIST to AI Verify.
    expect(links.some((l) => l.framework === 'aiverify')).toBe(false);
    expect(
      deriveLinks({ framework: 'nist-ai-rmf', control: 'MEASURE 2.11' }).some((l) => l.framework === 'aiverify'),
    ).toBe(false);
  });
  it('lists crosswalk rows in either direction, for one control and its category', () => {
    const rows = crosswalkRows('nist-ai-rmf', 'aiverify', 'MEASURE 2.11');
    expect(rows.some((r) => r.crosswalk === ASSAY && r.target === '7.2')).toBe(true);
    expect(rows.some((r) => r.crosswalk === OFFICIAL && r.source === 'MEASURE 2')).toBe(true);
    const back = crosswalkRows('aiverify', 'nist-ai-rmf', '7.2');
    expect(back.every((r) => r.source === '7.2')).toBe(true);
    expect(back.map((r) => r.target)).toContain('MEASURE 2.11');
  });
  it('every crosswalk names only controls that exist', () => {
    for (const cw of loadCrosswalks()) {
      const s = loadCatalog(cw.sourceFramework);
      const t = loadCatalog(cw.targetFramework);
      for (const p of cw.pairs) {
        expect(s.byId.has(p.source), p.source).toBe(true);
        expect(t.byId.has(p.target), p.target).toBe(true);
      }
    }
    expect(
      loadCrosswalks()
        .map((c) => c.targetFramework)
        .sort(),
    ).toEqual(['aiverify', 'aiverify', 'eu-ai-act', 'iso-42001', 'nist-ai-600-1'].sort());
  });
});
