/** oscal/assessment-results.json: the run as OSCAL 1.2.2 assessment-results, built by the frameworks module. */
import { toOscalAssessmentResults } from '../frameworks/oscal.js';
import type { Results } from '../results/schema.js';

export function oscalAssessmentResults(results: Results): unknown {
  return toOscalAssessmentResults(results);
}
