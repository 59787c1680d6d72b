import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parsePlan } from '../../src/config/load.js';
import { jsonSchemas } from '../../src/config/json-schema.js';
import { STARTER_CONFIG } from '../../src/config/starter.js';
import { REPO_ROOT } from '../support/shared.js';

describe('published JSON Schemas', () => {
  it('schema/*.json are up to date with the zod schemas (run `npm run schemas`)', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const onDisk = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schema', name), 'utf8'));
      expect(onDisk, `schema/${name} is stale: run npm run schemas`).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  it('the starter config from `assay init` is a valid plan', () => {
    const plan = parsePlan(YAML.parse(STARTER_CONFIG), 'starter');
    expect(plan.tests.map((t) => t.id)).toEqual(['performance.classification', 'fairness.classification']);
  });
});
