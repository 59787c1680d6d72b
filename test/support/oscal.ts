/** Validators for the OSCAL 1.2.2 JSON Schemas kept in ../shared (ajv + formats). */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { sharedPath } from './shared.js';

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv,
) => Ajv;

/** A validator for one OSCAL model, e.g. 'catalog', 'mapping', 'assessment-results'. */
export function oscalValidator(model: string): ValidateFunction {
  const file = sharedPath('reference', 'frameworks', 'oscal', 'schemas-v1.2.2', `oscal_${model}_schema.json`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
}
