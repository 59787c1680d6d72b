/**
 * The `scored` relation: what metric tests read (see docs/architecture.md), from `data` and `predictions`, with
 * plain column names so metric SQL never needs the user's names. With a model it is a table (the join is made
 * once); with predictions already in the data it is a view, since copying 10M rows cost more (2.4 s) than
 * evaluating its few expressions in each metric query.
 */
import type { Plan } from '../config/schema.js';
import { type DataSession, ident, lit } from './session.js';

export async function buildScored(
  db: DataSession,
  plan: Plan,
  classes: string[],
  /** Prediction expressions over `data` (precomputed predictions): no join with a `predictions` table. */
  inline?: string[],
): Promise<void> {
  const predCols = new Set((await db.describe('predictions')).map((c) => c.name));
  const p = (col: string) => {
    if (!inline) return `p.${col}`;
    const expr = inline.find((e) => e.endsWith(` AS ${col}`));
    if (!expr) throw new Error(`no inline expression for ${col}`);
    return `(${expr.slice(0, -` AS ${col}`.length)})`;
  };
  const isRegression = plan.task === 'regression';
  const target = `d.${ident(plan.target)}`;
  const targetType = (await db.describe('data')).find((c) => c.name === plan.target)?.type ?? '';
  // Integer labels with integer class names: compare numbers (no cast of every row to text); same result.
  const integerClasses =
    (/^(TINYINT|SMALLINT|INTEGER|BIGINT)$/.test(targetType) && classes.every((c) => /^-?(0|[1-9]\d{0,17})$/.test(c))) ||
    (/^(UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(targetType) && classes.every((c) => /^(0|[1-9]\d{0,17})$/.test(c)));
  const yTrue = isRegression
    ? `CAST(${target} AS DOUBLE)`
    : integerClasses
      ? `CASE ${target} ${classes.map((c, k) => `WHEN ${c} THEN ${k}`).join(' ')} END::INTEGER`
      : `(list_position([${classes.map((c) => lit(c)).join(', ')}], ${target}::VARCHAR) - 1)::INTEGER`;
  const probs: string[] = [];
  for (let k = 0; k < classes.length; k++) {
    if (predCols.has(`p_${k}`)) probs.push(`${p(`p_${k}`)}::DOUBLE AS p_${k}`);
  }
  const sens = plan.sensitive.map((s, k) => `d.${ident(s)}::VARCHAR AS s_${k}`);
  const weight = plan.weight ? `CAST(d.${ident(plan.weight)} AS DOUBLE)` : '1.0::DOUBLE';
  const cols = [
    'd.__row_id AS __row_id',
    'd.__i AS __i',
    `${yTrue} AS y_true`,
    `${p('y_pred')}::${isRegression ? 'DOUBLE' : 'INTEGER'} AS y_pred`,
    predCols.has('y_score') ? `${p('y_score')}::DOUBLE AS y_score` : 'NULL::DOUBLE AS y_score',
    ...probs,
    `${weight} AS w`,
    ...sens,
  ];
  // No ORDER BY: metrics are aggregates, and readers that need row order ask for `ORDER BY __i` (sorting
  // 10M rows here would cost more than every metric together).
  const from = inline ? 'data d' : 'data d JOIN predictions p ON d.__row_id = p.__row_id';
  await db.exec(`CREATE OR REPLACE ${inline ? 'VIEW' : 'TABLE'} scored AS SELECT ${cols.join(', ')} FROM ${from}`);
}
