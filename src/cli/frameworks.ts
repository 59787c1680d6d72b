/**
 * Framework commands: `frameworks list|show|export`, `crosswalk`, `checklist`, `coverage`.
 * Thin: they call src/frameworks and src/process and print.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { AssayError } from '../errors.js';
import {
  ancestors,
  type Control,
  descendants,
  FRAMEWORK_IDS,
  frameworkId,
  type LoadedCatalog,
  loadCatalog,
  requireControl,
} from '../frameworks/catalog.js';
import type { FrameworkCoverage } from '../frameworks/coverage.js';
import { crosswalkRows, loadCrosswalks } from '../frameworks/crosswalk.js';
import { coverageOf, exportOscalCatalogs, importOscalCatalogText } from '../frameworks/oscal.js';
import { writeChecklistTemplate } from '../process/index.js';
import { Results } from '../results/schema.js';

export interface CliIo {
  out(text: string): void;
}

const defaultIo: CliIo = { out: (t) => process.stdout.write(t) };

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

const PLURAL: Record<string, string> = {
  category: 'categories',
  subcategory: 'subcategories',
  criterion: 'testable criteria',
  process: 'process checks',
};

function counts(c: LoadedCatalog): string {
  return c.kinds
    .map((k) => [k, c.controls.filter((x) => x.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${n === 1 ? k : (PLURAL[k] ?? `${k}s`)}`)
    .join(', ');
}

function line(k: Control, depth: number): string {
  return `${'  '.repeat(depth)}${k.id}  ${k.title}\n`;
}

function showControl(c: LoadedCatalog, k: Control): string {
  let s = `${c.shortTitle} ${k.id} (${k.kind})\n${k.title}\n`;
  if (k.description) s += `\n${k.description}\n`;
  if (k.assessorChecks) s += `\nAssessor looks for: ${k.assessorChecks}\n`;
  if (k.evidenceTypes?.length) s += `Evidence types: ${k.evidenceTypes.join(', ')}\n`;
  const up = ancestors(c, k.id);
  if (up.length > 0) s += `\nPart of: ${up.map((a) => `${a} ${c.byId.get(a)?.title}`).join(' ‹ ')}\n`;
  const kids = c.children.get(k.id) ?? [];
  if (kids.length > 0) s += `\nContains:\n${kids.map((x) => line(x, 1)).join('')}`;
  for (const other of FRAMEWORK_IDS) {
    if (other === c.id) continue;
    const rows = crosswalkRows(c.id, other, k.id);
    if (rows.length === 0) continue;
    s += `\nMapped to ${loadCatalog(other).shortTitle}:\n`;
    for (const r of rows) {
      const rel = r.relationship ?? 'relationship not stated';
      const who = r.authority === 'official' ? 'official' : 'Assay';
      s += `  ${r.source} → ${r.target}  [${who}, ${r.granularity}, ${rel}]${r.rationale ? ` ${r.rationale}` : ''}\n`;
    }
  }
  return s;
}

function coverageTable(fw: FrameworkCoverage, c: LoadedCatalog): string {
  const t = fw.totals;
  let s = `${fw.title} ${fw.version}: coverage of ${t.total} ${plural(fw.assessableKind)}\n`;
  s += `  evidenced ${t.evidenced} · partially evidenced ${t['partially evidenced']} · not evidenced ${t['not evidenced']} · not applicable ${t['not applicable']} · failed ${t.failed}\n`;
  for (const g of fw.groups) {
    const gt = g.totals;
    s += `\n${g.id} ${g.title}  (${gt.evidenced} evidenced, ${gt['partially evidenced']} partial, ${gt['not evidenced']} not evidenced, ${gt['not applicable']} n/a, ${gt.failed} failed of ${gt.total})\n`;
    const ids = new Set(descendants(c, g.id));
    for (const k of fw.controls) {
      if (!ids.has(k.id) || k.kind !== fw.assessableKind) continue;
      const tests = [...new Set(k.evidence.filter((e) => e.type === 'test').map((e) => e.id))];
      const via = [...new Set(k.evidence.flatMap((e) => e.via))];
      s += `  ${k.id.padEnd(14)} ${k.status.padEnd(20)} ${k.reason}${tests.length ? ` | tests: ${tests.join(', ')}` : ''}${via.length ? ` | via: ${via.join(', ')}` : ''}\n`;
    }
  }
  return s;
}

async function readJson(file: string, hint?: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new AssayError('FILE_NOT_FOUND', `${file} does not exist`, { file }, hint ? { hint } : {});
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AssayError('CONFIG_PARSE', `${file} is not valid JSON: ${(e as Error).message}`, { file });
  }
}

async function readResults(file: string): Promise<Results> {
  const raw = await readJson(file, 'run `assay run` first, or pass --results PATH');
  const r = Results.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new AssayError('CONFIG_INVALID', `${file} is not an Assay results.json: ${i?.path.join('.')} ${i?.message}`, {
      file,
    });
  }
  return r.data;
}

export function registerFrameworkCommands(program: Command, io: CliIo = defaultIo): void {
  const fw = program.command('frameworks').description('AI governance frameworks as data: list, show, export');

  fw.command('list')
    .description('list the framework catalogs and crosswalks')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const catalogs = FRAMEWORK_IDS.map((id) => loadCatalog(id));
      const crosswalks = loadCrosswalks();
      if (opts.json) {
        io.out(
          json({
            frameworks: catalogs.map((c) => ({ id: c.id, title: c.title, version: c.version, source: c.source })),
            crosswalks: crosswalks.map((x) => ({
              id: x.id,
              authority: x.authority,
              granularity: x.granularity,
              pairs: x.pairs.length,
            })),
          }),
        );
        return;
      }
      let s = 'Frameworks\n';
      for (const c of catalogs)
        s += `  ${c.id.padEnd(14)} ${c.shortTitle} ${c.version}: ${counts(c)}\n${' '.repeat(17)}source: ${c.source.publisher}, ${c.source.document} (${c.source.date})\n`;
      s += '\nCrosswalks\n';
      for (const x of crosswalks)
        s += `  ${x.id.padEnd(40)} ${x.authority === 'official' ? 'OFFICIAL' : 'Assay   '} ${x.granularity}-level, ${x.pairs.length} pairs\n`;
      io.out(s);
    });

  fw.command('show')
    .description('show a framework outline, or one control with its crosswalk links')
    .argument('<framework>', FRAMEWORK_IDS.join(' | '))
    .argument('[control]', 'control id, e.g. "MEASURE 2.11", 7.2, A.6.2.4, art-15')
    .option('--json', 'print JSON')
    .option('--oscal <file>', "take titles and statements from this OSCAL catalog (ids stay Assay's)")
    .action(async (framework: string, control: string | undefined, opts: { json?: boolean; oscal?: string }) => {
      const fid = frameworkId(framework);
      const c = opts.oscal ? importOscalCatalogText(fid, await readJson(path.resolve(opts.oscal))) : loadCatalog(fid);
      if (control !== undefined) {
        const k = requireControl(c, control);
        if (opts.json) {
          const links = FRAMEWORK_IDS.filter((f) => f !== c.id).flatMap((f) => crosswalkRows(c.id, f, k.id));
          io.out(json({ framework: c.id, control: k, children: c.children.get(k.id) ?? [], crosswalks: links }));
        } else io.out(showControl(c, k));
        return;
      }
      if (opts.json) {
        io.out(json({ id: c.id, title: c.title, version: c.version, source: c.source, controls: c.controls }));
        return;
      }
      let s = `${c.title} (${c.version})\nSource: ${c.source.publisher}, ${c.source.document}, ${c.source.date}${c.source.url ? ` — ${c.source.url}` : ''}\n${c.textNote}\n\n`;
      const walk = (k: Control, depth: number) => {
        s += line(k, depth);
        for (const ch of c.children.get(k.id) ?? []) walk(ch, depth + 1);
      };
      for (const k of c.controls.filter((x) => x.parent === undefined)) walk(k, 0);
      io.out(s);
    });

  fw.command('export')
    .description('write every catalog (OSCAL catalog) and crosswalk (OSCAL mapping-collection) to a folder')
    .option('--format <format>', 'output format (oscal)', 'oscal')
    .requiredOption('--out <dir>', 'output folder')
    .action(async (opts: { format: string; out: string }) => {
      if (opts.format !== 'oscal')
        throw new AssayError('CONFIG_INVALID', `unknown export format "${opts.format}": expected oscal`);
      const files = await exportOscalCatalogs(path.resolve(opts.out));
      io.out(`wrote ${files.length} OSCAL ${'1.2.2'} files:\n${files.map((f) => `  ${f}\n`).join('')}`);
    });

  program
    .command('crosswalk')
    .description('show how controls of one framework map to another (official and Assay crosswalks)')
    .argument('<from>', FRAMEWORK_IDS.join(' | '))
    .argument('<to>', FRAMEWORK_IDS.join(' | '))
    .option('--control <id>', 'only the pairs of this control of <from>')
    .option('--json', 'print JSON')
    .action((from: string, to: string, opts: { control?: string; json?: boolean }) => {
      const rows = crosswalkRows(from, to, opts.control);
      if (opts.json) {
        io.out(json(rows));
        return;
      }
      if (rows.length === 0) {
        io.out(`no crosswalk pairs from ${from} to ${to}${opts.control ? ` for ${opts.control}` : ''}\n`);
        return;
      }
      let s = '';
      let last = '';
      for (const r of rows) {
        if (r.crosswalk !== last) {
          s += `${s ? '\n' : ''}${r.crosswalk} (${r.authority === 'official' ? 'official' : 'Assay, project-authored'}, ${r.granularity}-level)\n`;
          last = r.crosswalk;
        }
        s += `  ${r.source} → ${r.target}  ${r.relationship ?? '(relationship not stated)'}${r.addition ? ' [addition]' : ''}${r.rationale ? `  ${r.rationale}` : ''}\n`;
      }
      io.out(s);
    });

  program
    .command('checklist')
    .description('write a process-checks answers template (all 97 AI Verify process checks)')
    .requiredOption('--out <file>', 'where to write the YAML template, e.g. process-checks.yaml')
    .option('--force', 'overwrite an existing file')
    .action(async (opts: { out: string; force?: boolean }) => {
      const file = await writeChecklistTemplate(opts.out, { overwrite: opts.force === true });
      io.out(`wrote the process-checks template to ${file}\n`);
    });

  program
    .command('coverage')
    .description('print the coverage matrix of a results.json for one framework')
    .option('--framework <id>', FRAMEWORK_IDS.join(' | '), 'nist-ai-rmf')
    .option('--results <file>', 'results.json of a run', 'results.json')
    .option('--json', 'print JSON')
    .action(async (opts: { framework: string; results: string; json?: boolean }) => {
      const fid = frameworkId(opts.framework);
      const results = await readResults(path.resolve(opts.results));
      const coverage = coverageOf(results);
      const fwc = coverage.frameworks.find((f) => f.framework === fid);
      if (!fwc) throw new AssayError('FRAMEWORK_UNKNOWN', `${opts.results} holds no coverage for ${fid}`);
      if (opts.json) {
        io.out(json(fwc));
        return;
      }
      const unanswered = coverage.processChecks.unanswered.length;
      io.out(
        `${coverageTable(fwc, loadCatalog(fid))}\nProcess checks: ${coverage.processChecks.yes} yes, ${coverage.processChecks.no} no, ${coverage.processChecks.notApplicable} not applicable, ${unanswered} unanswered of ${coverage.processChecks.total}.\n`,
      );
    });
}

/** English plural of a control kind (subcategory → subcategories, criterion → criteria). */
function plural(kind: string): string {
  if (kind === 'criterion') return 'criteria';
  return kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`;
}
