/**
 * AI Verify-compatible outputs. Identities from the plugins' `algo.meta.json` (aiverify-foundation/aiverify,
 * stock-plugins/aiverify.stock.robustness-toolbox and aiverify.stock.image-corruption-toolbox, version 2.2.0);
 * shapes from their `output.schema.json`. The numbers are Assay's own computation, not AI Verify's algorithm.
 */
import type { AiVerifyOutput } from '../tests/types.js';
import type { CorruptionGroup } from './corruptions.js';

export const ROBUSTNESS_TOOLBOX = {
  gid: 'aiverify.stock.robustness_toolbox',
  cid: 'aiverify_robustness_toolbox',
  version: '2.2.0',
};

export const IMAGE_CORRUPTION_TOOLBOX: Record<CorruptionGroup, { gid: string; cid: string; version: string }> = {
  General: { gid: 'aiverify.stock.image_corruption_toolbox', cid: 'aiverify_general_corruptions', version: '2.2.0' },
  Blur: { gid: 'aiverify.stock.image_corruption_toolbox', cid: 'aiverify_blur_corruptions', version: '2.2.0' },
  Digital: { gid: 'aiverify.stock.image_corruption_toolbox', cid: 'aiverify_digital_corruptions', version: '2.2.0' },
  Environment: {
    gid: 'aiverify.stock.image_corruption_toolbox',
    cid: 'aiverify_environment_corruptions',
    version: '2.2.0',
  },
};

export interface RobustnessToolboxResults {
  num_of_perturbed_samples: number;
  org_performance: number;
  perturbed_performance: number;
  num_of_failed_perturbed_samples: number;
  perturbed_samples: (number | string)[][];
  org_samples: (number | string)[][];
  feature_names: string[];
  perturbed_pred: number[];
  original_pred: number[];
}

export function robustnessToolboxOutput(
  results: RobustnessToolboxResults,
  algorithmArgs: Record<string, unknown>,
  convention: string,
): AiVerifyOutput {
  return { ...ROBUSTNESS_TOOLBOX, algorithmArgs, output: { results }, convention };
}
