/**
 * Coverage: for each framework and control, which technical tests and process checks give evidence, through
 * which crosswalk, and the resulting status. The rules (docs/frameworks.md):
 *   failed              a test giving evidence failed its threshold
 *   evidenced           at least one passed test or `yes` answer, and nothing missing
 *   partially evidenced at least one passed test or `yes`, and some related check is `no` or unanswered,
 *                       or a related test errored or was skipped
 *   not applicable      every related process check is `not-applicable` and no test gives evidence
 *   not evidenced       otherwise (no evidence at all, or only gaps)
 */
import { z } from 'zod';
import type { TestResult } from '../results/schema.js';
import { emptyProcessCheckAnswers, type ProcessCheckAnswers } from '../process/index.js';
import {
  ancestors,
  FRAMEWORK_IDS,
  type FrameworkId,
  findControl,
  groupOf,
  type LoadedCatalog,
  loadCatalog,
} from './catalog.js';
import { type ControlRef, deriveLinks, loadCrosswalks } from './crosswalk.js';

export const COVERAGE_STATUSES = [
  'evidenced',
  'partially evidenced',
  'not evidenced',
  'not applicable',
  'failed',
] as const;
export const CoverageStatus = z.enum(COVERAGE_STATUSES);
export type CoverageStatus = z.infer<typeof CoverageStatus>;

export const EvidenceLink = z.object({
  type: z.enum(['test', 'process-check']),
  /** Test id or process-check id. */
  id: z.string(),
  /** Test status, or the answer (`unanswered` when none was given). */
  outcome: z.enum(['passed', 'failed', 'error', 'skipped', 'yes', 'no', 'not-applicable', 'unanswered']),
  /** The control the evidence was recorded against (framework and id). */
  recordedAgainst: z.object({ framework: z.string(), control: z.string() }),
  /** Crosswalks followed to reach this control; empty when recorded directly against it. */
  via: z.array(z.string()),
});
export type EvidenceLink = z.infer<typeof EvidenceLink>;

const Totals = z.object(Object.fromEntries([...COVERAGE_STATUSES, 'total'].map((s) => [s, z.number().int()])));
export type Totals = Record<CoverageStatus | 'total', number>;

export const ControlCoverage = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  group: z.string().nullable(),
  status: CoverageStatus,
  reason: z.string(),
  evidence: z.array(EvidenceLink),
});
export type ControlCoverage = z.infer<typeof ControlCoverage>;

export const FrameworkCoverage = z.object({
  framework: z.string(),
  title: z.string(),
  version: z.string(),
  assessableKind: z.string(),
  groupKind: z.string(),
  totals: Totals,
  groups: z.array(z.object({ id: z.string(), title: z.string(), totals: Totals })),
  /** Assessable controls, plus (NIST AI RMF) categories, which roll their subcategories up. */
  controls: z.array(ControlCoverage),
});
export type FrameworkCoverage = z.infer<typeof FrameworkCoverage>;

export const CoverageReport = z.object({
  version: z.literal(1),
  statusRules: z.string(),
  crosswalks: z.array(
    z.object({ id: z.string(), authority: z.enum(['official', 'project']), granularity: z.string() }),
  ),
  processChecks: z.object({
    total: z.number().int(),
    yes: z.number().int(),
    no: z.number().int(),
    notApplicable: z.number().int(),
    unanswered: z.array(z.string()),
  }),
  frameworks: z.array(FrameworkCoverage),
});
export type CoverageReport = z.infer<typeof CoverageReport>;

const STATUS_RULES =
  'failed: a test giving evidence failed; evidenced: >=1 passed test or yes answer and nothing missing; ' +
  'partially evidenced: >=1 passed test or yes answer but some related check is no or unanswered, or a related test errored or was skipped; ' +
  'not applicable: all related checks not-applicable and no test; not evidenced: otherwise. Unanswered checks never count as passed.';

interface Recorded {
  type: EvidenceLink['type'];
  id: string;
  outcome: EvidenceLink['outcome'];
  ref: ControlRef;
  /** Whether to follow crosswalks from this record. */
  derive: boolean;
}

function decide(evidence: EvidenceLink[]): { status: CoverageStatus; reason: string } {
  const n = (pred: (e: EvidenceLink) => boolean) => evidence.filter(pred).length;
  const failed = n((e) => e.outcome === 'failed');
  const passed = n((e) => e.outcome === 'passed');
  const yes = n((e) => e.outcome === 'yes');
  const no = n((e) => e.outcome === 'no');
  const unanswered = n((e) => e.outcome === 'unanswered');
  const na = n((e) => e.outcome === 'not-applicable');
  const broken = n((e) => e.outcome === 'error' || e.outcome === 'skipped');
  const parts: string[] = [];
  if (passed) parts.push(`${passed} test(s) passed`);
  if (failed) parts.push(`${failed} test(s) failed`);
  if (broken) parts.push(`${broken} test(s) errored or skipped`);
  if (yes) parts.push(`${yes} check(s) yes`);
  if (no) parts.push(`${no} check(s) no`);
  if (unanswered) parts.push(`${unanswered} check(s) unanswered`);
  if (na) parts.push(`${na} check(s) not applicable`);
  const reason = parts.length > 0 ? parts.join('; ') : 'no test or process check gives evidence for this control';
  const positive = passed + yes;
  const gaps = no + unanswered + broken;
  if (failed > 0) return { status: 'failed', reason };
  if (positive > 0 && gaps === 0) return { status: 'evidenced', reason };
  if (positive > 0) return { status: 'partially evidenced', reason };
  if (na > 0 && gaps === 0) return { status: 'not applicable', reason };
  return { status: 'not evidenced', reason };
}

function emptyTotals(): Totals {
  return { evidenced: 0, 'partially evidenced': 0, 'not evidenced': 0, 'not applicable': 0, failed: 0, total: 0 };
}

/** Controls evidence on `ref` lands on inside its own catalog: itself and its ancestors (rolled up). */
function selfAndAncestors(c: LoadedCatalog, id: string): string[] {
  return [id, ...ancestors(c, id)];
}

/** Maps declared ids (e.g. "MEASURE 2.11", "7.1") to catalog ids; unknown ids are skipped here (see unknownEvidenceIds). */
function declaredRefs(test: TestResult): ControlRef[] {
  const out: ControlRef[] = [];
  const av = loadCatalog('aiverify');
  const nist = loadCatalog('nist-ai-rmf');
  for (const id of test.evidence.aiverify) {
    const k = findControl(av, id);
    if (k) out.push({ framework: 'aiverify', control: k.id });
  }
  for (const id of test.evidence.nistAiRmf) {
    const k = findControl(nist, id);
    if (k) out.push({ framework: 'nist-ai-rmf', control: k.id });
  }
  return out;
}

/**
 * Builds the coverage matrix for all five frameworks from the run's test results and (optional) process-check
 * answers. Without answers, every process check counts as unanswered.
 */
export function computeCoverage(input: { tests: TestResult[]; processChecks?: ProcessCheckAnswers }): CoverageReport {
  const answers = input.processChecks ?? emptyProcessCheckAnswers();
  const recorded: Recorded[] = [];
  for (const t of input.tests) {
    const refs = declaredRefs(t);
    // A test's own NIST declarations are authoritative: its AI Verify ids reach NIST through the crosswalk only
    // when it declares no NIST id (otherwise a failed fairness test would "fail" governance subcategories).
    const declaresNist = refs.some((r) => r.framework === 'nist-ai-rmf');
    for (const ref of refs)
      recorded.push({
        type: 'test',
        id: t.id,
        outcome: t.status,
        ref,
        derive: ref.framework !== 'aiverify' || !declaresNist,
      });
  }
  for (const c of answers.checks) {
    recorded.push({
      type: 'process-check',
      id: c.id,
      outcome: c.answer ?? 'unanswered',
      ref: { framework: 'aiverify', control: c.id },
      derive: true,
    });
  }

  // Evidence per framework → control id → links (deduplicated by source; the shortest path wins).
  const byControl = new Map<FrameworkId, Map<string, Map<string, EvidenceLink>>>(
    FRAMEWORK_IDS.map((f) => [f, new Map<string, Map<string, EvidenceLink>>()]),
  );
  const add = (framework: FrameworkId, control: string, link: EvidenceLink) => {
    const fm = byControl.get(framework)!;
    const m = fm.get(control) ?? new Map<string, EvidenceLink>();
    const key = `${link.type}|${link.id}`;
    const prev = m.get(key);
    if (!prev || link.via.length < prev.via.length) m.set(key, link);
    fm.set(control, m);
  };
  for (const r of recorded) {
    const base = { type: r.type, id: r.id, outcome: r.outcome, recordedAgainst: { ...r.ref } };
    const own = loadCatalog(r.ref.framework);
    for (const id of selfAndAncestors(own, r.ref.control)) add(r.ref.framework, id, { ...base, via: [] });
    for (const link of r.derive ? deriveLinks(r.ref) : []) {
      const c = loadCatalog(link.framework);
      for (const id of selfAndAncestors(c, link.control)) add(link.framework, id, { ...base, via: link.via });
    }
  }

  const frameworks = FRAMEWORK_IDS.map((fid): FrameworkCoverage => {
    const c = loadCatalog(fid);
    const evidence = byControl.get(fid)!;
    const kinds = new Set([c.assessableKind, ...(fid === 'nist-ai-rmf' ? ['category'] : [])]);
    const controls: ControlCoverage[] = c.controls
      .filter((k) => kinds.has(k.kind))
      .map((k) => {
        const links = [...(evidence.get(k.id)?.values() ?? [])].sort(
          (a, b) => a.type.localeCompare(b.type) || a.id.localeCompare(b.id, 'en', { numeric: true }),
        );
        return {
          id: k.id,
          kind: k.kind,
          title: k.title,
          group: groupOf(c, k.id)?.id ?? null,
          ...decide(links),
          evidence: links,
        };
      });
    const totals = emptyTotals();
    const groups = new Map<string, { id: string; title: string; totals: Totals }>();
    for (const g of c.controls.filter((k) => k.kind === c.groupKind))
      groups.set(g.id, { id: g.id, title: g.title, totals: emptyTotals() });
    for (const k of controls) {
      if (k.kind !== c.assessableKind) continue;
      totals[k.status]++;
      totals.total++;
      const g = k.group === null ? undefined : groups.get(k.group);
      if (g) {
        g.totals[k.status]++;
        g.totals.total++;
      }
    }
    return {
      framework: fid,
      title: c.shortTitle,
      version: c.version,
      assessableKind: c.assessableKind,
      groupKind: c.groupKind,
      totals,
      groups: [...groups.values()],
      controls,
    };
  });

  return {
    version: 1,
    statusRules: STATUS_RULES,
    crosswalks: loadCrosswalks().map((cw) => ({ id: cw.id, authority: cw.authority, granularity: cw.granularity })),
    processChecks: {
      total: answers.summary.total,
      yes: answers.summary.yes,
      no: answers.summary.no,
      notApplicable: answers.summary.notApplicable,
      unanswered: answers.checks.filter((c) => c.answer === null).map((c) => c.id),
    },
    frameworks,
  };
}

/**
 * Evidence ids a test declares that are not in the catalogs (for a test over the whole registry). AI Verify
 * ids must be testable criteria ("7.1") or process checks ("7.1.1"); NIST ids subcategories or categories
 * ("MEASURE 2.11").
 */
export function unknownEvidenceIds(evidence: { aiverify: string[]; nistAiRmf: string[] }): string[] {
  const av = loadCatalog('aiverify');
  const nist = loadCatalog('nist-ai-rmf');
  const bad: string[] = [];
  for (const id of evidence.aiverify) {
    const k = av.byId.get(id);
    if (!k || (k.kind !== 'criterion' && k.kind !== 'process')) bad.push(`aiverify:${id}`);
  }
  for (const id of evidence.nistAiRmf) {
    const k = nist.byId.get(id);
    if (!k || (k.kind !== 'subcategory' && k.kind !== 'category')) bad.push(`nist-ai-rmf:${id}`);
  }
  return bad;
}
