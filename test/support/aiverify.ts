/**
 * Checks one AI Verify-compatible output against the algorithm's own files in ../shared: gid/cid/version from
 * algo.meta.json, `algorithmArgs` against input.schema.json and `output` against output.schema.json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { expect } from 'vitest';
import type { AiVerifyOutput } from '../../src/tests/types.js';
import { sharedPath } from './shared.js';

/** `algorithmDir`: the folder under reference/aiverify/algorithms/, e.g. 'shap-toolbox'. */
export function expectValidAiVerifyOutput(out: AiVerifyOutput, algorithmDir: string): void {
  const dir = sharedPath('reference/aiverify/algorithms', algorithmDir);
  const read = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  const meta = read('algo.meta.json');
  expect({ gid: out.gid, cid: out.cid, version: out.version }).toEqual({
    gid: meta.gid,
    cid: meta.cid,
    version: meta.version,
  });
  const ajv = new Ajv({ allErrors: true, strict: false });
  expect(
    ajv.validate(read('input.schema.json'), out.algorithmArgs),
    `${out.cid} algorithmArgs: ${JSON.stringify(ajv.errors)}`,
  ).toBe(true);
  expect(ajv.validate(read('output.schema.json'), out.output), `${out.cid} output: ${JSON.stringify(ajv.errors)}`).toBe(
    true,
  );
}
