/**
 * The three robustness tests from a plan, through the real pipeline (`assess`: plan → DuckDB → onnxruntime-node →
 * scoring → tests → results.json): the demo's German credit MLP (tabular) and the digits CNN (image folder).
 * AI Verify outputs are validated against AI Verify's own input (algorithmArgs) and output schemas with ajv.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { assess } from '../../src/api.js';
import { planFromObject } from '../../src/config/load.js';
import type { PlanInput } from '../../src/config/schema.js';
import { decodePng } from '../../src/data/images.js';
import { Results } from '../../src/results/schema.js';
import type { AiVerifyOutput, TestOutcome } from '../../src/tests/types.js';
import { expectValidAiVerifyOutput } from '../support/aiverify.js';
import { digitsPlan } from '../support/digits.js';
import { REPO_ROOT, sharedPath } from '../support/shared.js';

interface RunOutcome {
  id: string;
  outcome: TestOutcome;
  outDir: string;
}

/** Runs a plan through `assess` and returns each test's outcome; every test must pass. */
async function runPlan(input: PlanInput, baseDir: string): Promise<RunOutcome[]> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'assay-robustness-'));
  const out = await assess(planFromObject(input, baseDir), { outDir, reports: 'none' });
  const written = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8'));
  expect(Results.safeParse(written).success).toBe(true);
  return out.results.tests.map((t) => {
    expect(t.status, `${t.id}: ${JSON.stringify(t.error ?? t.reason)}`).toBe('passed');
    return { id: t.id, outDir, outcome: t as unknown as TestOutcome };
  });
}

const ALGO_DIR: Record<string, string> = {
  aiverify_robustness_toolbox: 'robustness-toolbox',
  aiverify_general_corruptions: 'image-corruption-general',
  aiverify_blur_corruptions: 'image-corruption-blur',
  aiverify_digital_corruptions: 'image-corruption-digital',
  aiverify_environment_corruptions: 'image-corruption-environment',
};

function validateAiVerify(outputs: AiVerifyOutput[] | undefined): void {
  expect(outputs?.length ?? 0).toBeGreaterThan(0);
  for (const out of outputs ?? []) {
    expectValidAiVerifyOutput(out, ALGO_DIR[out.cid]);
  }
}

function demoPlan(tests: PlanInput['tests']): PlanInput {
  const plan = YAML.parse(readFileSync(path.join(REPO_ROOT, 'demo/assay.yaml'), 'utf8')) as PlanInput;
  delete plan.$schema;
  return { ...plan, tests };
}

describe('robustness tests on the German credit MLP (demo plan)', () => {
  it('HopSkipJump and noise stability run from the plan; examples are valid, re-scored rows', async () => {
    const [hsj, noise] = await runPlan(
      demoPlan([
        {
          id: 'robustness.hopskipjump',
          params: { samples: 30, maxQueries: 2000, immutable: ['foreign_worker', 'age'], examples: 3 },
        },
        { id: 'robustness.noise_stability', params: { repeats: 2 } },
      ]),
      path.join(REPO_ROOT, 'demo'),
    );
    const m = hsj.outcome.metrics;
    expect(m.samples_attacked).toBe(30);
    expect(m.success_rate as number).toBeGreaterThan(0.8);
    expect(m.accuracy as number).toBeGreaterThan(0.5);
    expect(m.accuracy_under_attack as number).toBeLessThanOrEqual(m.accuracy as number);
    expect(m.mean_queries as number).toBeLessThanOrEqual(2000);
    const res = hsj.outcome.results as {
      samples: { success: boolean; originalClass: string; adversarialClass: string | null; distance: number | null }[];
      examples: { changed: string[]; original: Record<string, unknown>; adversarial: Record<string, unknown> }[];
      curve: { successRate: number }[];
    };
    for (const s of res.samples) if (s.success) expect(s.adversarialClass).not.toBe(s.originalClass);
    expect(res.examples.length).toBe(3);
    for (const e of res.examples) {
      expect(e.changed.length).toBeGreaterThan(0);
      expect(e.changed).not.toContain('age');
      expect(e.changed).not.toContain('foreign_worker');
      expect(e.adversarial.age).toBe(e.original.age);
      expect(Number.isInteger(e.adversarial.duration)).toBe(true);
    }
    const rates = res.curve.map((c) => c.successRate);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    validateAiVerify(hsj.outcome.aiverify);

    const nm = noise.outcome.metrics;
    expect(nm['flip_rate@0.05'] as number).toBeLessThanOrEqual(nm['flip_rate@1'] as number);
    expect(nm['flip_rate@1'] as number).toBeGreaterThan(0);
    expect(nm.accuracy_clean as number).toBeGreaterThan(0.7);
    expect(nm.max_flip_rate).toBe(nm['flip_rate@1']);
    validateAiVerify(noise.outcome.aiverify);
  });

  it('noise stability from the plan: level 0 changes nothing; same seed, same results; another seed, other noise', async () => {
    const tests: PlanInput['tests'] = [
      {
        id: 'robustness.noise_stability',
        params: { levels: [0, 1], flipProbabilities: [0, 0.2], repeats: 2, aiverifyLevel: 0 },
      },
    ];
    const dir = path.join(REPO_ROOT, 'demo');
    const [a] = await runPlan(demoPlan(tests), dir);
    const [b] = await runPlan(demoPlan(tests), dir);
    const [c] = await runPlan({ ...demoPlan(tests), seed: 7 }, dir);
    const m = a.outcome.metrics;
    expect(m['flip_rate@0']).toBe(0);
    expect(m['accuracy_drop@0']).toBe(0);
    expect(m['flip_rate@1'] as number).toBeGreaterThan(0);
    const toolbox = a.outcome.aiverify?.[0].output as {
      results: { org_performance: number; perturbed_performance: number };
    };
    expect(toolbox.results.perturbed_performance).toBe(toolbox.results.org_performance);
    expect(b.outcome.metrics).toEqual(m);
    expect(b.outcome.results).toEqual(a.outcome.results);
    expect(c.outcome.metrics['flip_rate@0']).toBe(0);
    expect(c.outcome.metrics['flip_rate@1']).not.toBe(m['flip_rate@1']);
  });
});

describe('robustness tests on the digits CNN (image folder)', () => {
  const digits = sharedPath('fixtures/digits');
  const plan = (tests: PlanInput['tests']): PlanInput => digitsPlan({ seed: 3, tests });

  it('image corruptions: accuracy per corruption and severity, example PNGs, AI Verify outputs for all four groups', async () => {
    const [c] = await runPlan(plan([{ id: 'robustness.image_corruptions' }]), digits);
    const m = c.outcome.metrics;
    expect(m.accuracy_clean).toBe(0.96); // the fixture's documented test accuracy
    expect(m.mean_corruption_error as number).toBeGreaterThan(0.04);
    expect(m.accuracy_Gaussian_Blur as number).toBeLessThan(0.96);
    const res = c.outcome.results as {
      corruptions: { corruption_function: string; accuracy: Record<string, number> }[];
    };
    expect(res.corruptions.length).toBe(20);
    for (const k of res.corruptions) {
      expect(Object.keys(k.accuracy)).toEqual([
        'severity0',
        'severity1',
        'severity2',
        'severity3',
        'severity4',
        'severity5',
      ]);
      expect(k.accuracy.severity0).toBe(0.96);
    }
    // Stronger noise hurts more.
    const noise = res.corruptions.find((k) => k.corruption_function === 'Gaussian_Noise');
    expect(noise?.accuracy.severity5 as number).toBeLessThan(noise?.accuracy.severity1 as number);
    expect(c.outcome.aiverify?.map((a) => a.cid).sort()).toEqual([
      'aiverify_blur_corruptions',
      'aiverify_digital_corruptions',
      'aiverify_environment_corruptions',
      'aiverify_general_corruptions',
    ]);
    validateAiVerify(c.outcome.aiverify);
    expect(c.outcome.artifacts?.length).toBe(20 * 6);
    for (const a of c.outcome.artifacts ?? []) {
      const file = path.join(c.outDir, a);
      expect(existsSync(file)).toBe(true);
      const img = decodePng(readFileSync(file));
      expect([img.channels, img.height, img.width]).toEqual([1, 8, 8]);
    }
  });

  it('same seed, same results; another seed, other noise', async () => {
    const tests: PlanInput['tests'] = [
      { id: 'robustness.image_corruptions', params: { corruptions: ['Gaussian_Noise', 'Rain'], examples: false } },
    ];
    const [a] = await runPlan(plan(tests), digits);
    const [b] = await runPlan(plan(tests), digits);
    expect(b.outcome.results).toEqual(a.outcome.results);
    const [c] = await runPlan({ ...plan(tests), seed: 4 }, digits);
    expect(c.outcome.results).not.toEqual(a.outcome.results);
  });

  it('HopSkipJump on images: every sample flipped, PNG pairs written', async () => {
    const [h] = await runPlan(
      plan([{ id: 'robustness.hopskipjump', params: { samples: 12, maxQueries: 1500, examples: 2 } }]),
      digits,
    );
    expect(h.outcome.metrics.success_rate).toBe(1);
    expect(h.outcome.metrics.median_distance as number).toBeGreaterThan(0);
    expect(h.outcome.artifacts?.length).toBe(4);
    for (const a of h.outcome.artifacts ?? []) expect(decodePng(readFileSync(path.join(h.outDir, a))).height).toBe(8);
    validateAiVerify(h.outcome.aiverify);
  });
});
