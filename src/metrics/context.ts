/** What a metric test needs to know about the `scored` table before it builds SQL. */
import type { DataSession } from '../data/session.js';

export interface ScoredShape {
  columns: Set<string>;
  /** binary: y_score present and not all NULL */
  hasBinaryScores: boolean;
  /** multiclass: p_0..p_{K-1} all present */
  hasProbabilities: boolean;
}

export async function scoredShape(db: DataSession, classes: number): Promise<ScoredShape> {
  const columns = new Set((await db.describe('scored')).map((c) => c.name));
  const probs = Array.from({ length: classes }, (_, i) => `p_${i}`);
  const hasProbabilities = classes > 2 && probs.every((p) => columns.has(p));
  let hasBinaryScores = false;
  if (classes === 2 && columns.has('y_score')) {
    hasBinaryScores = Number(await db.scalar('SELECT count(y_score) FROM scored')) > 0;
  }
  return { columns, hasBinaryScores, hasProbabilities };
}
