/** The public Node API of Assay. */
export { type AssessOptions, type AssessOutcome, assess, exitCodeOf } from './api.js';
export { type LoadedPlan, loadPlanFile, parsePlan, planFromObject } from './config/load.js';
export type { Plan, PlanInput, Task } from './config/schema.js';
export { AssayError, ERROR_CODES, type ErrorCode, EXIT } from './errors.js';
export type { Results, TestResult } from './results/schema.js';
export { listTests } from './tests/registry.js';
export type { TechnicalTest, TestContext, TestOutcome } from './tests/types.js';
