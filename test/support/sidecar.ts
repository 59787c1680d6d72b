/**
 * The fixture models' sidecar JSON (../shared/fixtures/README.md), read independently of Assay's own parser so
 * the test servers and models that use it check Assay rather than repeat it.
 */
import { readFileSync } from 'node:fs';

export interface SidecarColumn {
  name: string;
  type: 'numeric' | 'categorical';
  mean?: number;
  std?: number;
  categories?: string[];
}

export interface Sidecar {
  columns: SidecarColumn[];
  feature_names: string[];
  classes: string[];
}

export function readSidecar(file: string): Sidecar {
  return JSON.parse(readFileSync(file, 'utf8')) as Sidecar;
}
