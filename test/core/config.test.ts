import { afterAll, describe, expect, it } from 'vitest';
import { loadPlanFile, parsePlan } from '../../src/config/load.js';
import type { AssayError } from '../../src/errors.js';
import { errorOf } from '../support/errors.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const minimal = {
  task: 'binary-classification',
  data: { path: 'd.csv' },
  target: 'y',
  model: { type: 'predictions', label: 'p' },
};


describe('plan loading', () => {
  it('fills defaults', () => {
    const plan = parsePlan(minimal);
    expect(plan.seed).toBe(0);
    expect(plan.sensitive).toEqual([]);
    expect(plan.data.nulls).toBe('error');
    expect(plan.output).toBe('assay-out');
  });

  it('names the config path and what was expected', () => {
    let err: AssayError | undefined;
    try {
      parsePlan({ ...minimal, task: 'clustering', seed: -1 }, 'assay.yaml');
    } catch (e) {
      err = e as AssayError;
    }
    expect(err?.code).toBe('CONFIG_INVALID');
    expect(err?.message).toMatch(/task: Invalid option: expected one of "binary-classification"/);
    expect(err?.message).toMatch(/seed: Too small/);
    expect(err?.where.configPath).toBe('task');
  });

  it('rejects unknown keys (typos) instead of ignoring them', () => {
    expect(() => parsePlan({ ...minimal, sensitve: ['sex'] })).toThrow(
      /\(root\): Unrecognized key: "sensitve" \(did you mean "sensitive" for "sensitve"\?\)/,
    );
    expect(() => parsePlan({ ...minimal, data: { path: 'd.csv', nuls: 'drop' } })).toThrow(/data: .*did you mean "nulls"/);
  });

  it('rejects malformed thresholds', () => {
    expect(() =>
      parsePlan({ ...minimal, tests: [{ id: 'x', thresholds: { accuracy: 'at least 0.7' } }] }),
    ).toThrow(/tests\[0\]\.thresholds\.accuracy: expected "<op> <number>"/);
  });

  it('reports a missing file, bad YAML, and a non-mapping', async () => {
    expect((await errorOf(loadPlanFile(`${tmp.dir}/nope.yaml`))).code).toBe('CONFIG_NOT_FOUND');
    const bad = tmp.file('bad.yaml', 'task: [unclosed\n');
    const e = await errorOf(loadPlanFile(bad));
    expect(e.code).toBe('CONFIG_PARSE');
    expect(e.message).toContain('bad.yaml is not valid YAML');
    const list = tmp.file('list.yaml', '- a\n- b\n');
    expect((await errorOf(loadPlanFile(list))).code).toBe('CONFIG_INVALID');
  });

  it('reads YAML and JSON and resolves the base folder', async () => {
    const y = tmp.file('a.yaml', 'task: regression\ndata: { path: d.csv }\ntarget: y\nmodel: { type: predictions, label: p }\n');
    const j = tmp.file('a.json', JSON.stringify(minimal));
    expect((await loadPlanFile(y)).plan.task).toBe('regression');
    const lj = await loadPlanFile(j);
    expect(lj.baseDir).toBe(tmp.dir);
    expect(lj.configFile).toBe(j);
  });
});
