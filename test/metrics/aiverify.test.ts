/**
 * The AI Verify profile against AI Verify's own outputs: its Fairness Metrics Toolbox algo.py run on the
 * same CSVs (../shared/reference/aiverify/fmtc-reference-run), every metric value bit-for-bit equal, and
 * the emitted object valid against the algorithm's output.schema.json.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { fairnessClassification, FairnessClassificationParams } from '../../src/metrics/fairness-classification.js';
import { sharedPath } from '../support/shared.js';
import { scoredContext } from './context.js';

const json = (...p: string[]) => JSON.parse(readFileSync(sharedPath(...p), 'utf8'));
const fmtcDir = 'reference/aiverify/algorithms/fairness-metrics-toolbox-for-classification';

const cases = [
  {
    csv: 'synthetic_preds_20.csv',
    expected: 'synthetic_preds_20.fmtc_output.sensitive_gender.json',
    truth: 'y_true',
    sensitive: ['gender'],
  },
  {
    csv: 'synthetic_preds_1000.csv',
    expected: 'synthetic_preds_1000.fmtc_output.sensitive_gender_race.json',
    truth: 'y_true',
    sensitive: ['gender', 'race'],
  },
  {
    csv: 'official_bc_credit_with_predictions.csv',
    expected: 'official_bc_credit.fmtc_expected_output.sensitive_gender.json',
    truth: '"default"',
    sensitive: ['gender'],
  },
];

describe('AI Verify Fairness Metrics Toolbox for Classification profile', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(json(fmtcDir, 'output.schema.json'));
  const meta = json(fmtcDir, 'algo.meta.json');

  it.each(cases)('$csv ($sensitive) equals the reference run exactly', async (c) => {
    const ctx = await scoredContext({
      task: 'binary-classification',
      file: sharedPath('reference/aiverify/fmtc-reference-run', c.csv),
      yTrue: c.truth,
      yPred: 'y_pred',
      sensitive: c.sensitive,
      classes: ['0', '1'],
    });
    const out = await fairnessClassification(ctx, FairnessClassificationParams.parse({}));
    ctx.close();
    const av = out.aiverify?.[0];
    expect(av).toBeDefined();
    expect({ gid: av?.gid, cid: av?.cid, version: av?.version }).toEqual({
      gid: meta.gid,
      cid: meta.cid,
      version: meta.version,
    });
    expect(validate(av?.output), JSON.stringify(validate.errors)).toBe(true);
    const expected = json('reference/aiverify/fmtc-reference-run', c.expected);
    // toStrictEqual compares numbers with Object.is: every value must be the identical float64.
    expect(av?.output).toStrictEqual(expected);
    expect(av?.convention).toMatch(/AI Verify/);
  });

  it("keeps AI Verify's whole-dataset denominators apart from the standard conditional rates", async () => {
    const ctx = await scoredContext({
      task: 'binary-classification',
      file: sharedPath('reference/aiverify/fmtc-reference-run/synthetic_preds_20.csv'),
      yTrue: 'y_true',
      yPred: 'y_pred',
      sensitive: ['gender'],
      classes: ['0', '1'],
    });
    const out = await fairnessClassification(ctx, FairnessClassificationParams.parse({ minGroupSize: 0 }));
    ctx.close();
    const standard = (out.results as { perClass: { groups: { label: string; true_positive_rate: number }[] }[] })
      .perClass[0].groups;
    // Gender 0 has 4 positives, all predicted positive: TPR 1. AI Verify divides by the 10 positives overall: 0.4.
    expect(standard.map((g) => g.true_positive_rate)).toEqual([1, 2 / 6]);
    const av = out.aiverify?.[0].output as { results: Record<string, { metric: number }[]>[] };
    expect(av.results[1]['True Positive Rate'].map((e) => e.metric)).toEqual([0.4, 0.2]);
  });
});
