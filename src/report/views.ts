/**
 * Tolerant readers for the parts of results.json whose shape other modules own (`processChecks`, `coverage`).
 * The schema types them as `unknown`, so a report must never crash on a shape it does not know: these
 * functions look for the fields they understand, fall back to generic tables otherwise, and never throw.
 */
import { ancestors, loadCatalog } from '../frameworks/catalog.js';
import { type CoverageReport, CoverageReport as CoverageReportSchema } from '../frameworks/coverage.js';
import { coverageOf } from '../frameworks/oscal.js';
import type { Results } from '../results/schema.js';
import { asString, isRecord } from './format.js';

export type Answer = 'yes' | 'no' | 'not-applicable' | 'unanswered';

export interface EvidenceRef {
  label: string;
  sha256?: string;
}

export interface ProcessCheckView {
  pid: string;
  principle?: string;
  criterion?: string;
  process?: string;
  answer: Answer;
  elaboration?: string;
  evidence: EvidenceRef[];
}

const PID = /^\d+\.\d+\.\d+$/;

export function normalizeAnswer(v: unknown): Answer {
  const s = (asString(v) ?? (typeof v === 'boolean' ? (v ? 'yes' : 'no') : '')).trim().toLowerCase();
  if (s === 'yes' || s === 'y' || s === 'true') return 'yes';
  if (s === 'no' || s === 'n' || s === 'false') return 'no';
  if (['not-applicable', 'not applicable', 'na', 'n/a', 'n.a.', 'not_applicable'].includes(s)) return 'not-applicable';
  return 'unanswered';
}

export function evidenceRefs(v: unknown): EvidenceRef[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const out: EvidenceRef[] = [];
  for (const e of list) {
    if (typeof e === 'string' || typeof e === 'number') out.push({ label: String(e) });
    else if (isRecord(e)) {
      const label =
        asString(e.path) ??
        asString(e.url) ??
        asString(e.file) ??
        asString(e.id) ??
        asString(e.title) ??
        asString(e.name);
      if (label !== undefined) out.push({ label, sha256: asString(e.sha256) });
    }
  }
  return out;
}

/** Every process-check answer found in `processChecks`, whatever its nesting, in document order. */
export function processCheckViews(pc: unknown): ProcessCheckView[] {
  const out: ProcessCheckView[] = [];
  const seen = new Set<string>();
  const visit = (node: unknown, ctx: { principle?: string; criterion?: string }, keyPid?: string, depth = 0): void => {
    if (depth > 8) return;
    if (Array.isArray(node)) {
      for (const x of node) visit(x, ctx, undefined, depth + 1);
      return;
    }
    if (!isRecord(node)) return;
    const pid = asString(node.pid) ?? asString(node.id) ?? keyPid;
    if (pid !== undefined && PID.test(pid) && !seen.has(pid)) {
      seen.add(pid);
      out.push({
        pid,
        principle: asString(node.principle) ?? ctx.principle,
        criterion: asString(node.testableCriteria) ?? asString(node.criterion) ?? ctx.criterion,
        process: asString(node.process) ?? asString(node.title),
        answer: normalizeAnswer(node.answer ?? node.completed ?? node.status),
        elaboration: asString(node.elaboration) ?? asString(node.comment),
        evidence: evidenceRefs(node.evidence),
      });
      return;
    }
    const next = {
      principle: asString(node.principle) ?? ctx.principle,
      criterion: asString(node.testableCriteria) ?? asString(node.criterion) ?? ctx.criterion,
    };
    for (const [k, v] of Object.entries(node)) visit(v, next, PID.test(k) ? k : undefined, depth + 1);
  };
  visit(pc, {});
  return out;
}

export type CoverageStatus = 'evidenced' | 'partially evidenced' | 'not evidenced' | 'not applicable' | 'failed';

export interface CoverageNode {
  id: string;
  title?: string;
  status?: string;
  /** Why the status is what it is (the coverage rules' words). */
  reason?: string;
  evidence: EvidenceRef[];
  via?: string;
  /** Counts by status below this node, when the coverage gives them. */
  totals?: Record<string, number>;
  /** A process-check answer listed under its criterion (not a control with its own coverage). */
  answer?: boolean;
  children: CoverageNode[];
}

export interface FrameworkView {
  id: string;
  name: string;
  nodes: CoverageNode[];
  /** Counts by status over the assessable controls, when the coverage gives them. */
  totals?: Record<string, number>;
}

const CHILD_KEYS = [
  'functions',
  'principles',
  'categories',
  'subcategories',
  'criteria',
  'testableCriteria',
  'processChecks',
  'groups',
  'articles',
  'risks',
  'controls',
  'children',
  'items',
  'nodes',
];

const EVIDENCE_KEYS = ['evidence', 'tests', 'processChecks', 'sources'];

export function normalizeStatus(v: unknown): string | undefined {
  const s = asString(v)?.trim().toLowerCase().replace(/[-_]+/g, ' ');
  if (s === undefined) return undefined;
  if (s === 'partial' || s === 'partially') return 'partially evidenced';
  if (s === 'na' || s === 'n/a') return 'not applicable';
  return s;
}

function childArray(node: Record<string, unknown>): unknown[] | undefined {
  for (const k of CHILD_KEYS) {
    const v = node[k];
    if (Array.isArray(v) && v.some((x) => isRecord(x) && (asString(x.id) ?? asString(x.pid)) !== undefined)) return v;
    if (isRecord(v) && Object.values(v).every(isRecord) && Object.keys(v).length > 0) {
      return Object.entries(v).map(([id, x]) => ({ id, ...(x as Record<string, unknown>) }));
    }
  }
  return undefined;
}

function toNode(x: unknown, depth: number): CoverageNode | undefined {
  if (!isRecord(x) || depth > 6) return undefined;
  const id = asString(x.id) ?? asString(x.pid) ?? asString(x.controlId);
  if (id === undefined) return undefined;
  const kids = childArray(x);
  const evidence: EvidenceRef[] = [];
  for (const k of EVIDENCE_KEYS) {
    // A child list (e.g. processChecks as nodes) is not evidence.
    if (kids !== undefined && x[k] === kids) continue;
    const v = x[k];
    if (Array.isArray(v) && v.some((e) => isRecord(e) && childArray(e) !== undefined)) continue;
    evidence.push(...evidenceRefs(v));
  }
  return {
    id,
    title: asString(x.title) ?? asString(x.name) ?? asString(x.label) ?? asString(x.process),
    status: normalizeStatus(x.status),
    evidence,
    via: asString(x.via) ?? asString(x.crosswalk),
    children: (kids ?? []).map((k) => toNode(k, depth + 1)).filter((n): n is CoverageNode => n !== undefined),
  };
}

/** Groups a flat control list by parent fields (function → category, principle → criterion) when present. */
function nestFlat(items: Record<string, unknown>[], nodes: CoverageNode[]): CoverageNode[] {
  const levels = [['function', 'category'], ['principle', 'criterion'], ['group']].find((ls) =>
    items.every((it) => asString(it[ls[0]]) !== undefined),
  );
  if (levels === undefined || nodes.length !== items.length) return nodes;
  const root: CoverageNode[] = [];
  nodes.forEach((n, i) => {
    let list = root;
    for (const level of levels) {
      const key = asString(items[i][level]);
      if (key === undefined) break;
      let g = list.find((c) => c.id === key && c.status === undefined && c.evidence.length === 0);
      if (g === undefined) {
        g = { id: key, evidence: [], children: [] };
        list.push(g);
      }
      list = g.children;
    }
    list.push(n);
  });
  return root;
}

function countsOf(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).filter(([k, v]) => k !== 'total' && v > 0));
}

/**
 * Evidence links in a few lines: each test with its outcome, each answered process check with its answer,
 * and unanswered checks counted rather than listed.
 */
function compactEvidence(links: CoverageReport['frameworks'][number]['controls'][number]['evidence']): EvidenceRef[] {
  const out: EvidenceRef[] = [];
  const tests = links.filter((e) => e.type === 'test');
  for (const e of tests) out.push({ label: `test ${e.id}: ${e.outcome}` });
  const checks = links.filter((e) => e.type === 'process-check');
  const answered = checks.filter((e) => e.outcome !== 'unanswered');
  if (answered.length) out.push({ label: `process checks: ${answered.map((e) => `${e.id} ${e.outcome}`).join(', ')}` });
  const open = checks.length - answered.length;
  if (open) out.push({ label: `${open} related process check${open > 1 ? 's' : ''} unanswered` });
  return out;
}

/**
 * Views of the frameworks module's CoverageReport, nested along each catalog's hierarchy (AI Verify:
 * principle → criterion → process check with its answer; NIST AI RMF: function → category → subcategory).
 */
export function coverageReportViews(report: CoverageReport, processChecks: unknown): FrameworkView[] {
  const answers = new Map(processCheckViews(processChecks).map((v) => [v.pid, v]));
  return report.frameworks.map((fw) => {
    let catalog: ReturnType<typeof loadCatalog> | undefined;
    try {
      catalog = loadCatalog(fw.framework);
    } catch {
      catalog = undefined;
    }
    const byId = new Map<string, CoverageNode>();
    const groupTotals = new Map(fw.groups.map((g) => [g.id, g]));
    const isChild = new Set<string>();
    const nodeFor = (id: string): CoverageNode => {
      let n = byId.get(id);
      if (n) return n;
      const c = fw.controls.find((k) => k.id === id);
      const g = groupTotals.get(id);
      n = {
        id,
        title: c?.title ?? g?.title ?? catalog?.byId.get(id)?.title,
        status: c?.status,
        reason: c?.reason,
        evidence: [],
        totals: g ? countsOf(g.totals) : undefined,
        children: [],
      };
      byId.set(id, n);
      return n;
    };
    for (const c of fw.controls) {
      const node = nodeFor(c.id);
      node.evidence = compactEvidence(c.evidence);
      const via = [...new Set(c.evidence.flatMap((e) => e.via))];
      if (via.length) node.via = via.join(', ');
      const chain = catalog ? ancestors(catalog, c.id) : c.group ? [c.group] : [];
      let child = node;
      for (const a of chain) {
        const parent = nodeFor(a);
        if (!parent.children.includes(child)) parent.children.push(child);
        isChild.add(child.id);
        child = parent;
      }
    }
    // AI Verify: each criterion lists its answered process checks (unanswered ones are counted in its
    // evidence line), so the view reads principle → criterion → process check.
    if (catalog && fw.framework === 'aiverify') {
      for (const k of catalog.controls) {
        if (k.kind !== 'process' || k.parent === undefined || !byId.has(k.parent)) continue;
        const a = answers.get(k.id);
        if (!a || a.answer === 'unanswered') continue;
        byId.get(k.parent)!.children.push({
          id: k.id,
          title: k.title,
          status: a.answer,
          evidence: [...(a.elaboration ? [{ label: a.elaboration }] : []), ...a.evidence],
          answer: true,
          children: [],
        });
      }
    }
    const order = new Map((catalog?.controls ?? []).map((k, i) => [k.id, i]));
    const rank = (n: CoverageNode): number => order.get(n.id) ?? Number.MAX_SAFE_INTEGER;
    const sortTree = (ns: CoverageNode[]): CoverageNode[] => {
      ns.sort((a, b) => rank(a) - rank(b));
      for (const n of ns) sortTree(n.children);
      return ns;
    };
    const roots = sortTree([...byId.values()].filter((n) => !isChild.has(n.id)));
    return { id: fw.framework, name: `${fw.title} ${fw.version}`.trim(), nodes: roots, totals: countsOf(fw.totals) };
  });
}

/** One view per framework found in `coverage` (array, `{frameworks: …}`, or a record keyed by framework id). */
export function frameworkViews(coverage: unknown, processChecks?: unknown): FrameworkView[] {
  const report = CoverageReportSchema.safeParse(coverage);
  if (report.success) {
    try {
      return coverageReportViews(report.data, processChecks);
    } catch {
      // Fall through to the generic reading below.
    }
  }
  let list: unknown[] = [];
  if (Array.isArray(coverage)) list = coverage;
  else if (isRecord(coverage)) {
    const f = coverage.frameworks;
    if (Array.isArray(f)) list = f;
    else if (isRecord(f)) list = Object.entries(f).map(([id, v]) => (isRecord(v) ? { id, ...v } : { id }));
    else
      list = Object.entries(coverage)
        .filter(([, v]) => isRecord(v))
        .map(([id, v]) => ({ id, ...(v as object) }));
  }
  const out: FrameworkView[] = [];
  for (const fw of list) {
    if (!isRecord(fw)) continue;
    const id = asString(fw.id) ?? asString(fw.framework) ?? `framework-${out.length + 1}`;
    const raw = childArray(fw) ?? [];
    const nodes = raw.map((x) => toNode(x, 0)).filter((n): n is CoverageNode => n !== undefined);
    const flat = nodes.every((n) => n.children.length === 0);
    out.push({
      id,
      name: asString(fw.name) ?? asString(fw.title) ?? id,
      nodes: flat ? nestFlat(raw.filter(isRecord), nodes) : nodes,
    });
  }
  return out;
}

/**
 * The framework views of a run: the frameworks module's coverage (stored in results.json, or computed from the
 * tests and answers when absent), else whatever coverage shape results.json holds, read generically.
 */
export function frameworkViewsOf(results: Results): FrameworkView[] {
  try {
    return coverageReportViews(coverageOf(results), results.processChecks);
  } catch {
    return frameworkViews(results.coverage, results.processChecks);
  }
}

/** Counts by status: the coverage's own totals when given, else counted over leaf controls. */
export function frameworkCounts(fw: {
  nodes: CoverageNode[];
  totals?: Record<string, number>;
}): Record<string, number> {
  return fw.totals ?? statusCounts(fw.nodes);
}

/** Leaf controls (those with a status) of a framework view. */
export function leaves(nodes: CoverageNode[]): CoverageNode[] {
  const out: CoverageNode[] = [];
  const walk = (ns: CoverageNode[]): void => {
    for (const n of ns) {
      if (n.children.length === 0 || (n.status !== undefined && n.children.every((c) => c.status === undefined))) {
        out.push(n);
      } else walk(n.children);
    }
  };
  walk(nodes);
  return out;
}

export function statusCounts(nodes: CoverageNode[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of leaves(nodes)) {
    const s = n.status ?? 'unknown';
    counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}
