/**
 * Process checks: the 97 AI Verify process checks answered by the people who run the system
 * (yes / no / not-applicable, an elaboration, evidence files or URLs). Evidence files are hashed into
 * results.json; a missing one is an error naming the check. Unanswered checks stay unanswered (null):
 * they are reported as such and never counted as passed.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AssayError } from '../errors.js';
import { loadCatalog } from '../frameworks/catalog.js';
import { deriveLinks } from '../frameworks/crosswalk.js';
import { hashFile } from '../results/hash.js';

export const Answer = z.enum(['yes', 'no', 'not-applicable']);
export type Answer = z.infer<typeof Answer>;

/** Spellings people use (including AI Verify's own "Yes"/"No"/"Not Applicable") → the canonical answer. */
function normaliseAnswer(v: unknown): unknown {
  if (v === true) return 'yes';
  if (v === false) return 'no';
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') return v;
  const s = v
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  if (s === '') return null;
  if (s === 'n/a' || s === 'na' || s === 'not-applicable' || s === 'notapplicable') return 'not-applicable';
  return s;
}

const EvidenceItem = z.string().min(1);

/** One answer as written in the answers file. */
const AnswerEntry = z
  .object({
    answer: z.preprocess(normaliseAnswer, Answer.nullable()).optional(),
    elaboration: z.string().nullable().optional(),
    evidence: z.array(EvidenceItem).nullable().optional(),
  })
  .strict();

/** The answers file (YAML or JSON) that `assay checklist` writes a template for. */
export const ProcessChecksFile = z
  .object({
    version: z.literal(1).optional(),
    /** Who answered, when (free text, shown in reports). */
    respondent: z.string().optional(),
    date: z.union([z.string(), z.date()]).optional(),
    checks: z.record(z.string(), AnswerEntry.nullable()),
  })
  .strict();

export const EvidenceRef = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('file'),
    /** Relative to the config folder, '/'-separated. */
    path: z.string(),
    bytes: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  z.object({ kind: z.literal('url'), url: z.string() }),
]);
export type EvidenceRef = z.infer<typeof EvidenceRef>;

export const ProcessCheckAnswer = z.object({
  id: z.string(),
  principle: z.string(),
  answer: Answer.nullable(),
  elaboration: z.string().optional(),
  evidence: z.array(EvidenceRef),
});
export type ProcessCheckAnswer = z.infer<typeof ProcessCheckAnswer>;

/** What results.json holds under `processChecks`: every one of the 97 checks, answered or not. */
export const ProcessCheckAnswers = z.object({
  /** The answers file, relative to the config folder. */
  source: z.string().optional(),
  respondent: z.string().optional(),
  date: z.string().optional(),
  checks: z.array(ProcessCheckAnswer),
  summary: z.object({
    total: z.number().int(),
    yes: z.number().int(),
    no: z.number().int(),
    notApplicable: z.number().int(),
    unanswered: z.number().int(),
  }),
});
export type ProcessCheckAnswers = z.infer<typeof ProcessCheckAnswers>;

export interface ProcessInput {
  role: 'process-checks' | 'evidence';
  path: string;
  bytes: number;
  sha256: string;
}

/** The 97 process checks in catalog order, with their principle. */
export function processCheckIds(): { id: string; principle: string }[] {
  const av = loadCatalog('aiverify');
  const out: { id: string; principle: string }[] = [];
  for (const k of av.controls) {
    if (k.kind !== 'process') continue;
    const criterion = av.byId.get(k.parent!)!;
    out.push({ id: k.id, principle: criterion.parent! });
  }
  return out;
}

function summarise(checks: ProcessCheckAnswer[]): ProcessCheckAnswers['summary'] {
  const count = (a: Answer | null) => checks.filter((c) => c.answer === a).length;
  return {
    total: checks.length,
    yes: count('yes'),
    no: count('no'),
    notApplicable: count('not-applicable'),
    unanswered: count(null),
  };
}

/** All checks unanswered: what coverage uses when a run has no answers file. */
export function emptyProcessCheckAnswers(): ProcessCheckAnswers {
  const checks = processCheckIds().map(({ id, principle }) => ({ id, principle, answer: null, evidence: [] }));
  return { checks, summary: summarise(checks) };
}

const toPosix = (p: string) => p.split(path.sep).join('/');
const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

/** The AI Verify portal's answers: `{ "completed-7.2.1": "Yes", "elaboration-7.2.1": "…", … }`. */
function isAiVerifyFormat(raw: unknown): raw is Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || 'checks' in raw) return false;
  return Object.keys(raw).some((k) => k.startsWith('completed-'));
}

/**
 * Converts AI Verify's answer keys to an answers file. A key may name a criterion that has a single process
 * check (AI Verify's own Organisational Considerations sample writes `completed-12.1` for 12.1.1).
 * `summary-justification-<principle>` keys carry no per-check answer and are skipped.
 */
function fromAiVerifyFormat(raw: Record<string, unknown>, file: string): unknown {
  const av = loadCatalog('aiverify');
  const toPid = (key: string, id: string): string => {
    const k = av.byId.get(id);
    if (k?.kind === 'process') return id;
    const kids = k?.kind === 'criterion' ? (av.children.get(id) ?? []) : [];
    if (kids.length === 1) return kids[0].id;
    throw new AssayError('CONFIG_INVALID', `${file}: "${key}" does not name an AI Verify process check`, {
      file,
      configPath: key,
    });
  };
  const checks: Record<string, { answer?: unknown; elaboration?: unknown }> = {};
  for (const [key, value] of Object.entries(raw)) {
    const m = /^(completed|elaboration)-(.+)$/.exec(key);
    if (!m) continue;
    const pid = toPid(key, m[2]);
    checks[pid] = { ...checks[pid], [m[1] === 'completed' ? 'answer' : 'elaboration']: value };
  }
  return { checks };
}

/**
 * Reads an answers file (YAML or JSON), in Assay's format or the AI Verify portal's. `file` may be relative to `baseDir` (the config folder); evidence
 * paths are relative to the answers file's folder. Returns the answers and the input records (answers file
 * and every evidence file, hashed) for results.json.
 */
export async function loadProcessChecks(
  file: string,
  baseDir: string,
): Promise<{ answers: ProcessCheckAnswers; inputs: ProcessInput[] }> {
  const abs = path.resolve(baseDir, file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch {
    throw new AssayError('FILE_NOT_FOUND', `the process-checks file ${abs} does not exist`, {
      file: abs,
      configPath: 'processChecks.path',
    });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new AssayError('CONFIG_PARSE', `${abs} is not valid YAML/JSON: ${(e as Error).message}`, { file: abs });
  }
  const parsed = ProcessChecksFile.safeParse(isAiVerifyFormat(raw) ? fromAiVerifyFormat(raw, abs) : raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AssayError(
      'CONFIG_INVALID',
      `${abs}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}. Expected a "checks" map of process-check id → { answer: yes | no | not-applicable, elaboration, evidence: [file or URL] } (write a template with \`assay checklist --out FILE\`)`,
      { file: abs, configPath: issue?.path.join('.') },
    );
  }
  const known = new Map(processCheckIds().map((c) => [c.id, c.principle]));
  for (const id of Object.keys(parsed.data.checks)) {
    if (!known.has(id))
      throw new AssayError(
        'CONFIG_INVALID',
        `${abs}: "${id}" is not an AI Verify process check id (expected ids like "7.2.1"; quote them in YAML)`,
        { file: abs, configPath: `checks.${id}` },
      );
  }
  const rel = (p: string) => toPosix(path.relative(baseDir, p)) || '.';
  const answersHash = await hashFile(abs);
  const inputs: ProcessInput[] = [{ role: 'process-checks', path: rel(abs), ...answersHash }];
  const evidenceDir = path.dirname(abs);
  const hashed = new Map<string, ProcessInput>();
  const checks: ProcessCheckAnswer[] = [];
  for (const [id, principle] of known) {
    const entry = parsed.data.checks[id] ?? undefined;
    const evidence: EvidenceRef[] = [];
    for (const [i, item] of (entry?.evidence ?? []).entries()) {
      if (isUrl(item)) {
        evidence.push({ kind: 'url', url: item });
        continue;
      }
      const ev = path.resolve(evidenceDir, item);
      const st = await stat(ev).catch(() => undefined);
      if (!st?.isFile())
        throw new AssayError(
          'EVIDENCE_MISSING',
          `process check ${id}: evidence file "${item}" ${st ? 'is not a file' : 'does not exist'} (looked for ${ev})`,
          { file: abs, configPath: `checks.${id}.evidence[${i}]` },
        );
      let input = hashed.get(ev);
      if (!input) {
        input = { role: 'evidence', path: rel(ev), ...(await hashFile(ev)) };
        hashed.set(ev, input);
        inputs.push(input);
      }
      evidence.push({ kind: 'file', path: input.path, bytes: input.bytes, sha256: input.sha256 });
    }
    const elaboration = entry?.elaboration?.trim();
    checks.push({
      id,
      principle,
      answer: entry?.answer ?? null,
      ...(elaboration ? { elaboration } : {}),
      evidence,
    });
  }
  const date = parsed.data.date;
  return {
    answers: {
      source: rel(abs),
      ...(parsed.data.respondent ? { respondent: parsed.data.respondent } : {}),
      ...(date ? { date: date instanceof Date ? date.toISOString().slice(0, 10) : date } : {}),
      checks,
      summary: summarise(checks),
    },
    inputs,
  };
}

/** NIST AI RMF subcategories (and, from the category-level official crosswalk, categories) a check informs. */
export function nistInformedBy(processId: string): { subcategories: string[]; categories: string[] } {
  const nist = loadCatalog('nist-ai-rmf');
  const links = deriveLinks({ framework: 'aiverify', control: processId }).filter((l) => l.framework === 'nist-ai-rmf');
  const of = (kind: string) => links.filter((l) => nist.byId.get(l.control)?.kind === kind).map((l) => l.control);
  return { subcategories: of('subcategory'), categories: of('category') };
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The answers template: all 97 checks grouped by principle, unanswered, with what each informs. */
export function checklistTemplate(): string {
  const av = loadCatalog('aiverify');
  const lines: string[] = [
    '# Assay process checks: the AI Verify process checklist (97 checks in 12 groups).',
    '# Answer each check with yes, no or not-applicable; add an elaboration and evidence',
    '# (file paths relative to this file, or URLs). Evidence files are hashed into results.json;',
    '# a missing file is an error. Checks left unanswered are reported as unanswered, never as passed.',
    `# Check texts are Assay's paraphrases of AI Verify ${av.version}; ids follow AI Verify.`,
    '# "Informs NIST AI RMF" lists subcategories from Assay\'s own mapping and categories from the',
    '# official NIST/IMDA 2023 crosswalk.',
    'version: 1',
    'respondent: ""',
    'date: ""',
    'checks:',
  ];
  for (const principle of av.controls.filter((k) => k.kind === 'principle')) {
    lines.push(
      '',
      `  # ── ${principle.id}. ${principle.title} ${'─'.repeat(Math.max(3, 70 - principle.title.length))}`,
    );
    for (const criterion of av.children.get(principle.id) ?? []) {
      for (const check of av.children.get(criterion.id) ?? []) {
        const informs = nistInformedBy(check.id);
        lines.push(
          `  # ${criterion.id} ${oneLine(criterion.title)}`,
          `  # ${check.id}: ${oneLine(check.title)}`,
          `  #   assessor looks for: ${oneLine(check.assessorChecks ?? '')}`,
          `  #   evidence types: ${(check.evidenceTypes ?? []).join(', ')}`,
          `  #   informs NIST AI RMF: ${informs.subcategories.join(', ') || '(none)'}` +
            (informs.categories.length > 0 ? `; categories ${informs.categories.join(', ')}` : ''),
          `  "${check.id}":`,
          '    answer:            # yes | no | not-applicable',
          '    elaboration: ""',
          '    evidence: []',
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the template (`assay checklist --out FILE`); refuses to overwrite answers unless asked. */
export async function writeChecklistTemplate(out: string, options: { overwrite?: boolean } = {}): Promise<string> {
  const abs = path.resolve(out);
  if (!options.overwrite && (await stat(abs).catch(() => undefined)))
    throw new AssayError('OUTPUT_WRITE', `${abs} already exists; pass --force to overwrite it`, { file: abs });
  try {
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, checklistTemplate(), 'utf8');
  } catch (e) {
    throw new AssayError('OUTPUT_WRITE', `cannot write ${abs}: ${(e as Error).message}`, { file: abs });
  }
  return abs;
}
