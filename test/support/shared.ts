/**
 * Tests that read the reference material in ../shared (golden values, fixtures) get their paths here.
 * When ../shared is missing they FAIL with a message that says so: they never pass silently.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared folder: $ASSAY_SHARED, else ../shared next to the repository. */
export const SHARED_DIR = process.env.ASSAY_SHARED ?? path.resolve(repoRoot, '../shared');

/** Absolute path of a file under ../shared; throws a clear error if the folder or the file is missing. */
export function sharedPath(...parts: string[]): string {
  if (!existsSync(SHARED_DIR)) {
    throw new Error(
      `../shared is missing (looked in ${SHARED_DIR}). This test checks Assay against reference data kept there; ` +
        'set ASSAY_SHARED to its location to run it.',
    );
  }
  const p = path.join(SHARED_DIR, ...parts);
  if (!existsSync(p)) throw new Error(`reference file missing: ${p}`);
  return p;
}

export const REPO_ROOT = repoRoot;
