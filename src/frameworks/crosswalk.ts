/**
 * Crosswalks between catalogs (`catalogs/crosswalks/*.json`), each labelled `official` (published by the
 * framework owners) or `project` (authored by Assay), and their composition: evidence recorded against one
 * framework reaches the others, and every derived link names the crosswalks that produced it.
 */
import { readdirSync } from 'node:fs';
import { z } from 'zod';
import { AssayError } from '../errors.js';
import {
  ancestors,
  catalogsDir,
  type FrameworkId,
  FrameworkId as FrameworkIdSchema,
  findControl,
  frameworkId,
  loadCatalog,
  parseData,
  readJsonFile,
  Source,
} from './catalog.js';

/** OSCAL mapping relationships: how the source control relates to the target control. */
export const Relationship = z.enum(['equivalent-to', 'equal-to', 'subset-of', 'superset-of', 'intersects-with']);
export type Relationship = z.infer<typeof Relationship>;

export const CrosswalkPair = z
  .object({
    source: z.string(),
    target: z.string(),
    /** Absent when the publisher states no relationship (the 2023 NIST–AI Verify crosswalk). */
    relationship: Relationship.optional(),
    rationale: z.string().optional(),
    /** Project mappings: true when the pair does not roll up to an official pair (the rationale says why). */
    addition: z.boolean().optional(),
    /** Official crosswalk: the reference as printed (a range such as "7.1-7.9" is expanded into pairs). */
    printedAs: z.string().optional(),
  })
  .strict();
export type CrosswalkPair = z.infer<typeof CrosswalkPair>;

export const Crosswalk = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string(),
    authority: z.enum(['official', 'project']),
    granularity: z.string(),
    sourceFramework: FrameworkIdSchema,
    targetFramework: FrameworkIdSchema,
    source: Source.partial({ date: true }).extend({ version: z.string().optional() }),
    description: z.string(),
    pairs: z.array(CrosswalkPair).min(1),
    noCounterpart: z.array(z.object({ source: z.string(), reason: z.string() }).strict()).optional(),
  })
  .strict();
export type Crosswalk = z.infer<typeof Crosswalk>;

let cached: Crosswalk[] | undefined;

/** All packaged crosswalks; every id they use is checked against the catalogs. */
export function loadCrosswalks(): Crosswalk[] {
  if (cached) return cached;
  const dir = `${catalogsDir()}crosswalks/`;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  cached = files.map((f) => {
    const cw = parseData(Crosswalk, readJsonFile(dir + f), dir + f);
    const src = loadCatalog(cw.sourceFramework);
    const tgt = loadCatalog(cw.targetFramework);
    for (const p of cw.pairs) {
      if (!src.byId.has(p.source) || !tgt.byId.has(p.target))
        throw new AssayError(
          'INTERNAL',
          `${f}: pair ${p.source} → ${p.target} names a control that is not in the catalogs`,
        );
    }
    return cw;
  });
  return cached;
}

export function getCrosswalk(id: string): Crosswalk {
  const cw = loadCrosswalks().find((c) => c.id === id);
  if (!cw) throw new AssayError('FRAMEWORK_UNKNOWN', `unknown crosswalk "${id}"`);
  return cw;
}

/**
 * Evidence flows from the framework that is tested most concretely to the more general ones:
 * AI Verify (testable criteria) → NIST AI RMF → NIST AI 600-1, ISO/IEC 42001, EU AI Act.
 * A crosswalk is followed only in that direction, so a NIST-level claim never becomes an AI Verify one.
 */
const EVIDENCE_RANK: Record<FrameworkId, number> = {
  aiverify: 0,
  'nist-ai-rmf': 1,
  'nist-ai-600-1': 2,
  'iso-42001': 2,
  'eu-ai-act': 2,
};

export interface ControlRef {
  framework: FrameworkId;
  control: string;
}

export interface DerivedLink extends ControlRef {
  /** Crosswalk ids followed, in order (empty for the control the evidence was recorded against). */
  via: string[];
  /** Relationships of the pairs followed (undefined where the crosswalk states none). */
  relationships: (Relationship | undefined)[];
}

/** True when evidence on `evidenceId` bears on a pair naming `pairId` in a hierarchical catalog (AI Verify). */
function relatedInHierarchy(framework: FrameworkId, evidenceId: string, pairId: string): boolean {
  if (evidenceId === pairId) return true;
  if (framework !== 'aiverify') return false;
  const c = loadCatalog(framework);
  // Evidence on a process check bears on its criterion; evidence on a criterion bears on its process checks.
  return ancestors(c, evidenceId).includes(pairId) || ancestors(c, pairId).includes(evidenceId);
}

interface Edge {
  crosswalk: Crosswalk;
  pair: CrosswalkPair;
  from: ControlRef;
  to: ControlRef;
}

function edgesFrom(ref: ControlRef): Edge[] {
  const out: Edge[] = [];
  for (const cw of loadCrosswalks()) {
    const forward = EVIDENCE_RANK[cw.sourceFramework] < EVIDENCE_RANK[cw.targetFramework];
    const fromFw = forward ? cw.sourceFramework : cw.targetFramework;
    const toFw = forward ? cw.targetFramework : cw.sourceFramework;
    if (fromFw !== ref.framework) continue;
    for (const p of cw.pairs) {
      const fromId = forward ? p.source : p.target;
      const toId = forward ? p.target : p.source;
      if (relatedInHierarchy(fromFw, ref.control, fromId))
        out.push({ crosswalk: cw, pair: p, from: ref, to: { framework: toFw, control: toId } });
    }
  }
  return out;
}

const linkCache = new Map<string, DerivedLink[]>();

/**
 * Every control that evidence recorded against `ref` reaches, with the crosswalk path that produced each
 * link. The first path found (fewest hops) is kept for each reached control.
 */
export function deriveLinks(ref: ControlRef): DerivedLink[] {
  const key = `${ref.framework}|${ref.control}`;
  const hit = linkCache.get(key);
  if (hit) return hit;
  const seen = new Set<string>([key]);
  const out: DerivedLink[] = [];
  let frontier: DerivedLink[] = [{ ...ref, via: [], relationships: [] }];
  while (frontier.length > 0) {
    const next: DerivedLink[] = [];
    for (const link of frontier) {
      for (const e of edgesFrom(link)) {
        const k = `${e.to.framework}|${e.to.control}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const d: DerivedLink = {
          ...e.to,
          via: [...link.via, e.crosswalk.id],
          relationships: [...link.relationships, e.pair.relationship],
        };
        out.push(d);
        next.push(d);
      }
    }
    frontier = next;
  }
  linkCache.set(key, out);
  return out;
}

export interface CrosswalkRow {
  crosswalk: string;
  authority: 'official' | 'project';
  granularity: string;
  source: string;
  target: string;
  relationship?: Relationship;
  rationale?: string;
  addition?: boolean;
}

/**
 * Pairs between two frameworks, in either direction, optionally for one control (matched with its
 * hierarchy: a subcategory also lists the pairs of its category from a category-level crosswalk).
 */
export function crosswalkRows(from: string, to: string, control?: string): CrosswalkRow[] {
  const f = frameworkId(from);
  const t = frameworkId(to);
  const rows: CrosswalkRow[] = [];
  let wanted: Set<string> | undefined;
  if (control !== undefined) {
    const c = loadCatalog(f);
    const k = findControl(c, control);
    if (!k) throw new AssayError('FRAMEWORK_UNKNOWN', `${c.shortTitle} has no control "${control}"`);
    wanted = new Set([k.id, ...ancestors(c, k.id)]);
  }
  for (const cw of loadCrosswalks()) {
    const forward = cw.sourceFramework === f && cw.targetFramework === t;
    const backward = cw.sourceFramework === t && cw.targetFramework === f;
    if (!forward && !backward) continue;
    for (const p of cw.pairs) {
      const mine = forward ? p.source : p.target;
      const theirs = forward ? p.target : p.source;
      if (wanted && !wanted.has(mine)) continue;
      rows.push({
        crosswalk: cw.id,
        authority: cw.authority,
        granularity: cw.granularity,
        source: mine,
        target: theirs,
        ...(p.relationship ? { relationship: p.relationship } : {}),
        ...(p.rationale ? { rationale: p.rationale } : {}),
        ...(p.addition ? { addition: true } : {}),
      });
    }
  }
  return rows;
}

/**
 * Checks a project crosswalk from NIST AI RMF to AI Verify against the official category-level one: each
 * subcategory pair must roll up to an official (category, id) pair — the same id or, for a process check,
 * its criterion — or be marked as an addition. Returns the pairs that break the rule.
 */
export function inconsistentWithOfficial(project: Crosswalk, official: Crosswalk): CrosswalkPair[] {
  const nist = loadCatalog('nist-ai-rmf');
  const av = loadCatalog('aiverify');
  const officialPairs = new Set(official.pairs.map((p) => `${p.source}|${p.target}`));
  const rollsUp = (p: CrosswalkPair): boolean => {
    const categories = [p.source, ...ancestors(nist, p.source)];
    const targets = [p.target, ...ancestors(av, p.target).filter((a) => av.byId.get(a)?.kind !== 'principle')];
    return categories.some((c) => targets.some((t) => officialPairs.has(`${c}|${t}`)));
  };
  return project.pairs.filter((p) => rollsUp(p) === (p.addition === true));
}
