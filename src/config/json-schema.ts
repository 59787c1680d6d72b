/** JSON Schemas published in schema/ (editor completion for assay.yaml; validation of results.json). */
import { z } from 'zod';
import { Results } from '../results/schema.js';
import { Plan } from './schema.js';

export function jsonSchemas(): Record<string, unknown> {
  return {
    'assay.schema.json': {
      ...z.toJSONSchema(Plan, { io: 'input', target: 'draft-2020-12' }),
      title: 'Assay assessment plan',
    },
    'results.schema.json': {
      ...z.toJSONSchema(Results, { io: 'output', target: 'draft-2020-12' }),
      title: 'Assay results.json',
    },
  };
}
