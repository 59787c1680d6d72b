import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { REPO_ROOT } from '../support/shared.js';

describe('docs/errors.md', () => {
  it('documents every error code', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
    for (const code of Object.keys(ERROR_CODES)) expect(doc, code).toContain(`\`${code}\``);
  });
});
