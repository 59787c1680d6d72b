/**
 * Frameworks are data: one typed model for every catalog in `catalogs/*.json` (NIST AI RMF, AI Verify,
 * NIST AI 600-1, ISO/IEC 42001 Annex A, EU AI Act). Controls are a flat list with parent links; `groupKind`
 * is the level totals are reported by, `assessableKind` the level coverage is decided at.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AssayError } from '../errors.js';

export const FRAMEWORK_IDS = ['nist-ai-rmf', 'aiverify', 'nist-ai-600-1', 'iso-42001', 'eu-ai-act'] as const;
export const FrameworkId = z.enum(FRAMEWORK_IDS);
export type FrameworkId = z.infer<typeof FrameworkId>;

export const Source = z
  .object({
    publisher: z.string(),
    document: z.string(),
    version: z.string().optional(),
    date: z.string(),
    url: z.string().optional(),
    license: z.string().optional(),
  })
  .strict();
export type Source = z.infer<typeof Source>;

export const Control = z
  .object({
    id: z.string().min(1),
    kind: z.string().min(1),
    title: z.string().min(1),
    description: z.string().optional(),
    parent: z.string().optional(),
    /** Short code (NIST functions: GV, MP, MS, MG). */
    code: z.string().optional(),
    /** Number as the source prints it (AI 600-1 risks 1–12, EU AI Act articles). */
    number: z.number().int().optional(),
    section: z.string().optional(),
    /** AI Verify principles: outcome area and checklist id in the AI Verify toolkit. */
    area: z.string().optional(),
    checklist: z.string().optional(),
    /** AI Verify process checks: what the assessor looks for, and the kinds of evidence expected. */
    assessorChecks: z.string().optional(),
    evidenceTypes: z.array(z.string()).optional(),
    /** AI 600-1 risks: the AI RMF trustworthiness characteristics they bear on (AI RMF ids). */
    characteristics: z.array(z.string()).optional(),
  })
  .strict();
export type Control = z.infer<typeof Control>;

export const Catalog = z
  .object({
    id: FrameworkId,
    title: z.string(),
    shortTitle: z.string(),
    version: z.string(),
    source: Source,
    textNote: z.string(),
    kinds: z.array(z.string()).min(1),
    groupKind: z.string(),
    assessableKind: z.string(),
    controls: z.array(Control).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    for (const k of c.controls) {
      if (ids.has(k.id)) ctx.addIssue({ code: 'custom', message: `duplicate control id ${k.id}` });
      ids.add(k.id);
      if (!c.kinds.includes(k.kind))
        ctx.addIssue({ code: 'custom', message: `control ${k.id}: unknown kind ${k.kind}` });
    }
    for (const k of c.controls) {
      if (k.parent !== undefined && !ids.has(k.parent))
        ctx.addIssue({ code: 'custom', message: `control ${k.id}: parent ${k.parent} does not exist` });
    }
  });
export type Catalog = z.infer<typeof Catalog>;

/** The `catalogs/` folder of the package: two levels up from this module in both `src/` and `dist/`. */
export function catalogsDir(): string {
  return fileURLToPath(new URL('../../catalogs/', import.meta.url));
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AssayError('FILE_NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AssayError('CONFIG_PARSE', `${file} is not valid JSON: ${(e as Error).message}`, { file });
  }
}

/** Parses with a schema; a mismatch in a packaged data file is a bug, so it is INTERNAL. */
export function parseData<T extends z.ZodType>(schema: T, value: unknown, file: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new AssayError('INTERNAL', `${file} does not match its schema: ${first?.path.join('.')} ${first?.message}`, {
      file,
    });
  }
  return r.data;
}

/** A catalog with indexes for lookups. */
export interface LoadedCatalog extends Catalog {
  byId: Map<string, Control>;
  children: Map<string, Control[]>;
}

function indexCatalog(c: Catalog): LoadedCatalog {
  const byId = new Map(c.controls.map((k) => [k.id, k]));
  const children = new Map<string, Control[]>();
  for (const k of c.controls) {
    if (k.parent === undefined) continue;
    const list = children.get(k.parent) ?? [];
    list.push(k);
    children.set(k.parent, list);
  }
  return { ...c, byId, children };
}

const cache = new Map<FrameworkId, LoadedCatalog>();

/** Loads one packaged catalog (cached: the files do not change while the process runs). */
export function loadCatalog(id: string): LoadedCatalog {
  const fid = frameworkId(id);
  const hit = cache.get(fid);
  if (hit) return hit;
  const file = `${catalogsDir()}${fid}.json`;
  const catalog = indexCatalog(parseData(Catalog, readJsonFile(file), file));
  cache.set(fid, catalog);
  return catalog;
}

export function loadCatalogs(): LoadedCatalog[] {
  return FRAMEWORK_IDS.map((id) => loadCatalog(id));
}

/** Replaces a loaded catalog's text (e.g. from an imported OSCAL catalog); ids and structure stay. */
export function withTexts(
  c: LoadedCatalog,
  texts: Map<string, { title?: string; description?: string }>,
): LoadedCatalog {
  const controls = c.controls.map((k) => {
    const t = texts.get(k.id);
    return t
      ? { ...k, ...(t.title ? { title: t.title } : {}), ...(t.description ? { description: t.description } : {}) }
      : k;
  });
  return indexCatalog({ ...c, controls });
}

/** Validates a framework id given by a user (CLI, config); accepts a few common spellings. */
export function frameworkId(id: string): FrameworkId {
  const aliases: Record<string, FrameworkId> = {
    nist: 'nist-ai-rmf',
    'ai-rmf': 'nist-ai-rmf',
    'nist-ai-rmf-1.0': 'nist-ai-rmf',
    'ai-verify': 'aiverify',
    'nist-600-1': 'nist-ai-600-1',
    'ai-600-1': 'nist-ai-600-1',
    iso42001: 'iso-42001',
    'iso-iec-42001': 'iso-42001',
    'eu-aia': 'eu-ai-act',
  };
  const key = id.trim().toLowerCase();
  const r = FrameworkId.safeParse(aliases[key] ?? key);
  if (!r.success)
    throw new AssayError('FRAMEWORK_UNKNOWN', `unknown framework "${id}": expected one of ${FRAMEWORK_IDS.join(', ')}`);
  return r.data;
}

/** Finds a control by id, tolerating case and the OSCAL id form ("measure-2.11", "av-7.1"). */
export function findControl(c: LoadedCatalog, id: string): Control | undefined {
  const exact = c.byId.get(id);
  if (exact) return exact;
  const norm = normaliseControlId(c.id, id);
  return c.byId.get(norm);
}

export function normaliseControlId(framework: FrameworkId, id: string): string {
  const t = id.trim();
  switch (framework) {
    case 'nist-ai-rmf': {
      const m = /^(govern|map|measure|manage)[\s-]?(\d+(?:\.\d+)?)$/i.exec(t);
      return m ? `${m[1].toUpperCase()} ${m[2]}` : t.toUpperCase();
    }
    case 'aiverify':
      return t.replace(/^av-p(\d+)$/i, '$1').replace(/^av-/i, '');
    case 'iso-42001':
      return t.replace(/^a\./, 'A.');
    case 'eu-ai-act': {
      const m = /^(?:art(?:icle)?[\s.-]*)?(\d+)$/i.exec(t);
      return m ? `art-${m[1]}` : t;
    }
    default:
      return t;
  }
}

export function requireControl(c: LoadedCatalog, id: string): Control {
  const k = findControl(c, id);
  if (!k) throw new AssayError('FRAMEWORK_UNKNOWN', `${c.shortTitle} has no control "${id}"`);
  return k;
}

/** The ancestor of a control at the catalog's group level (function, principle …), or the control itself. */
export function groupOf(c: LoadedCatalog, id: string): Control | undefined {
  let k = c.byId.get(id);
  while (k && k.kind !== c.groupKind) k = k.parent === undefined ? undefined : c.byId.get(k.parent);
  return k;
}

/** Ids of a control's descendants (depth first). */
export function descendants(c: LoadedCatalog, id: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    for (const k of c.children.get(p) ?? []) {
      out.push(k.id);
      walk(k.id);
    }
  };
  walk(id);
  return out;
}

/** Ids of a control's ancestors, nearest first. */
export function ancestors(c: LoadedCatalog, id: string): string[] {
  const out: string[] = [];
  let k = c.byId.get(id);
  while (k?.parent !== undefined) {
    out.push(k.parent);
    k = c.byId.get(k.parent);
  }
  return out;
}
