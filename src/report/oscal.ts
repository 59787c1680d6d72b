/**
 * oscal/assessment-results.json comes from the frameworks module (`toOscalAssessmentResults` in
 * src/frameworks/index.ts). It is looked up at run time so reports work before that module exists; until
 * then the OSCAL format ends with a clear error saying it is not available yet.
 */
import type { Results } from '../results/schema.js';
import { AssayError } from '../errors.js';

type ToOscal = (results: Results) => unknown;

export async function loadOscalExporter(): Promise<ToOscal | undefined> {
  // A variable specifier keeps the type checker from requiring the module before it exists.
  const spec = '../frameworks/index.js';
  try {
    const mod = (await import(spec)) as { toOscalAssessmentResults?: unknown };
    return typeof mod.toOscalAssessmentResults === 'function' ? (mod.toOscalAssessmentResults as ToOscal) : undefined;
  } catch {
    return undefined;
  }
}

export async function oscalAssessmentResults(results: Results): Promise<unknown> {
  const fn = await loadOscalExporter();
  if (!fn) {
    throw new AssayError(
      'INTERNAL',
      'the OSCAL export is not available in this build yet (TODO: needs toOscalAssessmentResults from src/frameworks/index.ts)',
    );
  }
  return fn(results);
}
