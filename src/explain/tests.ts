import type { TechnicalTest } from '../tests/types.js';
import { kernelShapTest } from './test-kernel-shap.js';
import { aleTest, partialDependenceTest } from './test-pdp-ale.js';
import { permutationImportanceTest } from './test-permutation.js';
import { treeShapTest } from './test-tree-shap.js';

/** The explain tests, in the order the registry lists them. */
export const explainTests: TechnicalTest[] = [
  kernelShapTest,
  treeShapTest,
  permutationImportanceTest,
  partialDependenceTest,
  aleTest,
];
