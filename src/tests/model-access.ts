/** What tests that query the model (explainers, attacks) check first. */
import { AssayError } from '../errors.js';
import type { TestContext } from './types.js';

/** Throws MODEL_UNAVAILABLE when the run's model cannot be queried (the `predictions` adapter). */
export function requirePredictingModel(ctx: TestContext, testId: string): void {
  if (!ctx.model.canPredict) {
    throw new AssayError(
      'MODEL_UNAVAILABLE',
      `${testId} queries the model, but the ${ctx.model.identity.type} adapter cannot predict`,
      { test: testId, configPath: 'model' },
    );
  }
}
