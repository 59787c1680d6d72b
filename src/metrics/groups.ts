/**
 * Sensitive groups: the intersection of every sensitive attribute's value (one attribute gives its plain
 * groups). Either the groups observed in the data or the full cartesian product of observed values; a
 * combination with no rows is kept with size 0 so nobody mistakes "absent" for "fine".
 */
import {
  addCell,
  type Cell,
  type Confusion,
  compareValues,
  emptyConfusion,
  type GroupKey,
  groupId,
  isNumericText,
} from './cells.js';

export interface Group {
  key: GroupKey;
  /** "sex=female, race=Black" (or "all" with no sensitive attribute) */
  label: string;
  /** attribute name → value */
  values: Record<string, string | null>;
  confusion: Confusion;
  n: number;
  w: number;
  small: boolean;
}

export interface GroupOptions {
  mode: 'observed' | 'cartesian';
  minGroupSize: number;
}

export function groupLabel(names: string[], key: GroupKey): string {
  if (names.length === 0) return 'all';
  return names.map((name, i) => `${name}=${key[i] ?? 'NULL'}`).join(', ');
}

/** Per-attribute orderings: numeric when every observed value is a number (as numpy sorts). */
export function attributeOrder(keys: GroupKey[], m: number): ((a: string | null, b: string | null) => number)[] {
  return Array.from({ length: m }, (_, i) => compareValues(keys.every((k) => k[i] === null || isNumericText(k[i]))));
}

export function sortKeys(keys: GroupKey[], m: number): GroupKey[] {
  const order = attributeOrder(keys, m);
  return [...keys].sort((a, b) => {
    for (let i = 0; i < m; i++) {
      const c = order[i](a[i], b[i]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

export function buildGroups(cells: Cell[], names: string[], classes: number, opts: GroupOptions): Group[] {
  const m = names.length;
  const byId = new Map<string, Group>();
  const make = (key: GroupKey): Group => ({
    key,
    label: groupLabel(names, key),
    values: Object.fromEntries(names.map((n, i) => [n, key[i]])),
    confusion: emptyConfusion(classes),
    n: 0,
    w: 0,
    small: false,
  });
  for (const c of cells) {
    const id = groupId(c.group);
    let g = byId.get(id);
    if (!g) {
      g = make(c.group);
      byId.set(id, g);
    }
    addCell(g.confusion, c);
    g.n += c.n;
    g.w += c.w;
  }
  let keys = [...byId.values()].map((g) => g.key);
  if (opts.mode === 'cartesian' && m > 1) {
    const levels = Array.from({ length: m }, (_, i) => [...new Set(keys.map((k) => k[i]))]);
    let product: GroupKey[] = [[]];
    for (const lv of levels) product = product.flatMap((p) => lv.map((v) => [...p, v]));
    for (const k of product) if (!byId.has(groupId(k))) byId.set(groupId(k), make(k));
    keys = product;
  }
  return sortKeys(keys, m).map((k) => {
    const g = byId.get(groupId(k)) as Group;
    g.small = g.n < opts.minGroupSize;
    return g;
  });
}

/** Sum of several groups' confusion matrices (the overall matrix, or a reference/non-reference union). */
export function mergeConfusion(groups: Group[], classes: number): Confusion {
  const c = emptyConfusion(classes);
  for (const g of groups) {
    for (let i = 0; i < c.w.length; i++) {
      c.w[i] += g.confusion.w[i];
      c.n[i] += g.confusion.n[i];
    }
  }
  return c;
}
