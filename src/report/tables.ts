/**
 * Generic rendering of any JSON value as readable HTML: scalars inline, flat objects as key/value tables,
 * arrays of records as tables (row-limited), nested objects as sub-headed blocks. This is what makes every
 * test render, including tests whose result shape the report has never seen.
 */
import { escapeHtml as h, fmtValue, humanize, isRecord } from './format.js';

const MAX_ROWS_ANY = 40;
const MAX_COLS = 12;
const MAX_DEPTH = 4;

function isScalar(v: unknown): boolean {
  return (
    v === null ||
    v === undefined ||
    typeof v !== 'object' ||
    (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object'))
  );
}

/** A long numeric array is summarised, not printed: the report stays small. */
function cellText(v: unknown): string {
  if (Array.isArray(v) && v.length > 0 && v.every(isRecord)) {
    const keys = [...new Set(v.slice(0, 20).flatMap((r) => Object.keys(r)))];
    return `${v.length} records (${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''})`;
  }
  if (Array.isArray(v) && v.length > 0 && v.every(Array.isArray)) {
    return `${v.length} × ${(v[0] as unknown[]).length} values (in results.json)`;
  }
  if (Array.isArray(v) && v.length > 12 && v.every((x) => typeof x === 'number')) {
    const xs = v as number[];
    return `${xs.length} numbers, from ${fmtValue(Math.min(...xs))} to ${fmtValue(Math.max(...xs))}`;
  }
  return fmtValue(v);
}

export function table(
  caption: string,
  head: string[],
  rows: string[][],
  opts: { rowHeaders?: boolean; className?: string } = {},
): string {
  const th = head.map((c) => `<th scope="col">${c}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => (i === 0 && opts.rowHeaders ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  const cls = opts.className ? ` class="${opts.className}"` : '';
  return `<div class="table-wrap"><table${cls}><caption>${caption}</caption><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const MAX_KV = 14;

/**
 * A cell's value as HTML: scalars as text, a record as a short "key: value" list (nested one level), never
 * a raw JSON dump, which a reader (and a printed page) cannot take in.
 */
export function cellHtml(v: unknown, depth = 0): string {
  if (!isRecord(v)) return h(cellText(v));
  const entries = Object.entries(v);
  if (entries.length === 0) return '—';
  if (depth >= 1) return h(`${entries.length} fields (in results.json)`);
  const items = entries
    .slice(0, MAX_KV)
    .map(([k, x]) => `<li><span class="k">${h(humanize(k))}</span>: ${cellHtml(x, depth + 1)}</li>`);
  if (entries.length > MAX_KV) items.push(`<li>… ${entries.length - MAX_KV} more in results.json</li>`);
  return `<ul class="kvs">${items.join('')}</ul>`;
}

/**
 * Rows that hold a record before and after a change (adversarial examples: `original` / `adversarial`)
 * show only what changed, as "feature: before → after", with the feature list from `changed` when given.
 */
const PAIRS: [string, string][] = [
  ['original', 'adversarial'],
  ['original', 'perturbed'],
  ['before', 'after'],
];

function changesHtml(a: Record<string, unknown>, b: Record<string, unknown>, changed: unknown): string {
  const keys = Array.isArray(changed)
    ? changed.map(String)
    : [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  if (keys.length === 0) return 'no change';
  return `<ul class="kvs">${keys.map((k) => `<li><span class="k">${h(k)}</span>: ${h(fmtValue(a[k]))} → ${h(fmtValue(b[k]))}</li>`).join('')}</ul>`;
}

/** Rows shown of a table whose every value is a number (curve points: the chart shows them all). */
const MAX_NUMERIC_ROWS = 12;

function recordsTable(title: string, list: Record<string, unknown>[]): string {
  const numeric = list.every((r) => Object.values(r).every((x) => typeof x === 'number' || x === null));
  const maxRows = numeric ? MAX_NUMERIC_ROWS : MAX_ROWS_ANY;
  const keys: string[] = [];
  for (const r of list.slice(0, maxRows)) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  const pair = PAIRS.find(([a, b]) => list.every((r) => isRecord(r[a]) && isRecord(r[b])));
  const cols = (pair ? keys.filter((k) => k !== pair[0] && k !== pair[1] && k !== 'changed') : keys).slice(0, MAX_COLS);
  const rows = list.slice(0, maxRows).map((r) => {
    const cells = cols.map((k) => cellHtml(r[k]));
    if (pair)
      cells.push(changesHtml(r[pair[0]] as Record<string, unknown>, r[pair[1]] as Record<string, unknown>, r.changed));
    return cells;
  });
  const more = list.length > maxRows ? ` (first ${maxRows} of ${list.length} rows)` : '';
  const shownKeys = cols.length + (pair ? 3 : 0);
  const hidden = keys.length > shownKeys ? `; ${keys.length - shownKeys} more columns in results.json` : '';
  const head = cols.map((c) => h(humanize(c)));
  if (pair) head.push(`changed features (${h(pair[0])} → ${h(pair[1])})`);
  return table(`${h(title)}${more}${hidden}`, head, rows, { rowHeaders: true });
}

/** A record whose values are records or lists of records: too deep for one table cell. */
function isDeep(r: Record<string, unknown>): boolean {
  return Object.values(r).some(
    (x) => (isRecord(x) && Object.values(x).some((y) => !isScalar(y))) || (Array.isArray(x) && x.some(isRecord)),
  );
}

/** A record of flat records with the same role ({selection_rate: {ratio, min, …}, …}): one row each. */
function isRecordOfRecords(o: Record<string, unknown>): boolean {
  const vs = Object.values(o);
  return vs.length >= 2 && vs.every((x) => isRecord(x) && Object.values(x).every(isScalar));
}

function itemName(r: Record<string, unknown>, i: number): string {
  const n = r.class ?? r.name ?? r.label ?? r.group ?? r.id;
  return typeof n === 'string' || typeof n === 'number' ? String(n) : String(i + 1);
}

/** Any JSON value as HTML (headings start at `level`). */
export function renderValue(title: string, v: unknown, level = 4, depth = 0): string {
  if (depth > MAX_DEPTH) return `<p>${h(title)}: ${h(fmtValue(v))}</p>`;
  if (isScalar(v)) return `<p><strong>${h(title)}:</strong> ${h(cellText(v))}</p>`;
  if (Array.isArray(v)) {
    const recs = v.length > 0 && v.every(isRecord) ? (v as Record<string, unknown>[]) : undefined;
    // A few deep records (one per class) read better as sections than as one table of nested cells.
    if (recs && recs.length <= 3 && recs.some(isDeep))
      return recs.map((r, i) => renderValue(`${title}: ${itemName(r, i)}`, r, level, depth + 1)).join('\n');
    if (recs) return recordsTable(title, recs);
    // A small matrix of numbers (a confusion matrix) is a grid, not one paragraph per row.
    const rows = v.every(
      (r) => Array.isArray(r) && r.length === (v[0] as unknown[]).length && r.every((x) => typeof x === 'number'),
    )
      ? (v as number[][])
      : undefined;
    if (rows && rows.length >= 2 && rows.length <= MAX_COLS && rows[0].length <= MAX_COLS)
      return table(
        h(title),
        ['row / column', ...rows[0].map((_, j) => String(j + 1))],
        rows.map((r, i) => [String(i + 1), ...r.map((x) => h(fmtValue(x)))]),
        { rowHeaders: true, className: 'matrix' },
      );
    const parts = v.slice(0, 10).map((x, i) => renderValue(`${title} [${i + 1}]`, x, level, depth + 1));
    if (v.length > 10) parts.push(`<p>… ${v.length - 10} more entries in results.json.</p>`);
    return parts.join('\n');
  }
  const o = v as Record<string, unknown>;
  if (depth > 0 && isRecordOfRecords(o))
    return recordsTable(
      title,
      Object.entries(o).map(([k, x]) => ({ entry: humanize(k), ...(x as Record<string, unknown>) })),
    );
  const scalars = Object.entries(o).filter(([, x]) => isScalar(x));
  const nested = Object.entries(o).filter(([, x]) => !isScalar(x));
  const out: string[] = [];
  const hl = Math.min(level, 6);
  // A block of scalars only is named by its table's caption; a heading would repeat it.
  if (depth > 0 && (nested.length > 0 || scalars.length === 0)) out.push(`<h${hl}>${h(title)}</h${hl}>`);
  if (scalars.length > 0) {
    out.push(
      table(
        h(title),
        ['name', 'value'],
        scalars.map(([k, x]) => [h(humanize(k)), h(cellText(x))]),
        { rowHeaders: true, className: 'kv' },
      ),
    );
  }
  for (const [k, x] of nested) out.push(renderValue(humanize(k), x, level + 1, depth + 1));
  return out.join('\n');
}
