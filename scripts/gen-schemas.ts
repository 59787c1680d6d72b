/**
 * Writes schema/assay.schema.json (the plan) and schema/results.schema.json from the zod schemas.
 * Run with `npm run schemas`; a test fails when the checked-in files are out of date.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemas } from '../src/config/json-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(path.join(root, 'schema', name), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schema/${name}`);
}
