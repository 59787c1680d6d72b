/** AI Verify's own JSON Schemas (from ../shared/reference/aiverify), compiled once with ajv, for the tests. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { AiVerifyTestResult } from '../../src/report/aiverify.js';
import { sharedPath } from '../support/shared.js';

export const readJson = (p: string): Record<string, unknown> => JSON.parse(readFileSync(p, 'utf8'));

export function makeAjv(): Ajv2020 {
  // strict: false because AI Verify's schemas use annotations ajv does not know ("ui:widget", if/then
  // branches written as bare properties); validation of the keywords that matter is unchanged.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(readJson(sharedPath('reference/aiverify/schemas/aiverify.modelapi.schema.json')));
  return ajv;
}

/** gid:cid → the algorithm's reference folder. */
export function algorithmFolders(): Map<string, string> {
  const root = sharedPath('reference/aiverify/algorithms');
  const out = new Map<string, string>();
  for (const d of readdirSync(root)) {
    try {
      const meta = readJson(path.join(root, d, 'algo.meta.json'));
      const plugin = readJson(path.join(root, d, 'plugin.meta.json'));
      out.set(`${plugin.gid}:${meta.cid}`, path.join(root, d));
    } catch {
      // folders without an algorithm (e.g. veritas) are not algorithms we export
    }
  }
  return out;
}

/** Validates a test result against the envelope and its algorithm's input and output schemas: errors, or []. */
export function aiverifyValidator(): {
  ajv: Ajv2020;
  envelope: ValidateFunction;
  validate(r: AiVerifyTestResult): string[];
} {
  const ajv = makeAjv();
  const envelope = ajv.compile(readJson(sharedPath('reference/aiverify/schemas/aiverify.testresult.schema.json')));
  const folders = algorithmFolders();
  const cache = new Map<string, ValidateFunction>();
  const compiled = (file: string): ValidateFunction => {
    let v = cache.get(file);
    if (!v) {
      v = ajv.compile(readJson(file));
      cache.set(file, v);
    }
    return v;
  };
  return {
    ajv,
    envelope,
    validate(r) {
      const errors: string[] = [];
      if (!envelope(r)) errors.push(`envelope: ${ajv.errorsText(envelope.errors)}`);
      const folder = folders.get(`${r.gid}:${r.cid}`);
      if (!folder) return [...errors, `no AI Verify algorithm ${r.gid}:${r.cid}`];
      const out = compiled(path.join(folder, 'output.schema.json'));
      if (!out(r.output)) errors.push(`output: ${ajv.errorsText(out.errors)}`);
      const input = compiled(path.join(folder, 'input.schema.json'));
      if (!input(r.testArguments.algorithmArgs)) errors.push(`algorithmArgs: ${ajv.errorsText(input.errors)}`);
      return errors;
    },
  };
}
