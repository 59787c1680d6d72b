/**
 * Reads and validates a plan. Validation happens once, here; everything downstream works on a `Plan`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { AssayError } from '../errors.js';
import { closest } from '../util/text.js';
import { Plan, type PlanInput } from './schema.js';

export interface LoadedPlan {
  plan: Plan;
  /** Folder that relative paths in the plan are resolved against. */
  baseDir: string;
  /** Absolute path of the config file, when the plan came from one. */
  configFile?: string;
}

/** Every object key a schema knows, at any depth (to suggest the intended key on a typo). */
export function knownKeys(schema: z.ZodType, into = new Set<string>()): Set<string> {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const visit = (s: unknown) => s && knownKeys(s as z.ZodType, into);
  switch (def.type) {
    case 'object':
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
        into.add(k);
        visit(v);
      }
      break;
    case 'union':
      for (const o of def.options as unknown[]) visit(o);
      break;
    case 'optional':
    case 'default':
    case 'nullable':
    case 'prefault':
      visit(def.innerType);
      break;
    case 'array':
      visit(def.element);
      break;
    case 'record':
      visit(def.valueType);
      break;
    case 'pipe':
      visit(def.in);
      break;
  }
  return into;
}

/** Formats zod issues as "path: message" lines; an unknown key gets a "did you mean" when one is close. */
export function formatIssues(issues: z.core.$ZodIssue[], schema?: z.ZodType): string {
  const keys = schema ? knownKeys(schema) : undefined;
  return issues
    .map((i) => {
      const where = i.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') : '';
      let message = i.message;
      if (i.code === 'unrecognized_keys' && keys) {
        const hints = i.keys.map((k) => [k, closest(k, keys)] as const).filter(([, c]) => c);
        if (hints.length) message += ` (did you mean ${hints.map(([k, c]) => `"${c}" for "${k}"`).join(', ')}?)`;
      }
      return `  ${where ? where.replace(/^\./, '') : '(root)'}: ${message}`;
    })
    .join('\n');
}

/** The config path of an issue: for an unknown key, the key itself. */
function issuePath(i: z.core.$ZodIssue): string {
  const parts = [...i.path.map(String), ...(i.code === 'unrecognized_keys' ? [i.keys[0]] : [])];
  return parts.join('.');
}

/** Validates a plan object (from code or a parsed file). */
export function parsePlan(input: unknown, source = 'plan'): Plan {
  const r = Plan.safeParse(input);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new AssayError(
      'CONFIG_INVALID',
      `${source} is not a valid Assay plan:\n${formatIssues(r.error.issues, Plan)}`,
      { file: source, configPath: first ? issuePath(first) : undefined },
      { hint: 'Run `assay init` for a commented starter config; schema/assay.schema.json gives editor completion.' },
    );
  }
  return r.data;
}

/** Reads assay.yaml / .json from disk and validates it. */
export async function loadPlanFile(file: string): Promise<LoadedPlan> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AssayError(
      'CONFIG_NOT_FOUND',
      code === 'ENOENT' ? `config file not found: ${file}` : `cannot read config file ${file}: ${code}`,
      { file },
      { hint: 'Create one with `assay init`.' },
    );
  }
  let raw: unknown;
  try {
    raw = abs.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (e) {
    const linePos = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new AssayError('CONFIG_PARSE', `${file} is not valid ${abs.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`, {
      file,
      row: linePos,
    });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AssayError('CONFIG_INVALID', `${file} must hold a mapping (keys such as task, data, model, tests)`, {
      file,
    });
  }
  return { plan: parsePlan(raw, file), baseDir: path.dirname(abs), configFile: abs };
}

/** A plan built in code: relative paths resolve against `baseDir` (default: the working directory). */
export function planFromObject(input: PlanInput, baseDir = process.cwd()): LoadedPlan {
  return { plan: parsePlan(input), baseDir: path.resolve(baseDir) };
}

/** Resolves a path written in the plan against the plan's folder. */
export function resolveIn(baseDir: string, p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(baseDir, p);
}
