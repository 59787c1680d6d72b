import { z } from 'zod';
import { encodePng } from '../data/images.js';
import { AssayError } from '../errors.js';
import type { AiVerifyOutput, MetricValue, TechnicalTest, TestContext } from '../tests/types.js';
import { defineTest } from '../tests/types.js';
import { createRng, deriveSeed } from '../util/random.js';
import { IMAGE_CORRUPTION_TOOLBOX, robustnessToolboxOutput } from './aiverify.js';
import {
  classIndexOf,
  display,
  pickRows,
  r12,
  readImages,
  readTabular,
  readTruth,
  requireClassifier,
  takeRows,
} from './context.js';
import { CORRUPTIONS, type CorruptionGroup, corrupt } from './corruptions.js';
import { type Domain, imageDomain, tabularDomain, widenToRows } from './domain.js';
import { HSJ_DEFAULTS, hopSkipJump, summarizeAttack } from './hopskipjump.js';
import { noiseStability } from './noise.js';
import { predictLabels } from './predictor.js';

const CLASSIFICATION = ['binary-classification', 'multiclass-classification'] as const;
const EVIDENCE_NIST = ['MEASURE 2.5', 'MEASURE 2.6', 'MEASURE 2.7'];

// ---------------------------------------------------------------------------------------------------------
// robustness.hopskipjump

const HsjParams = z
  .object({
    norm: z.enum(['l2', 'linf']).default('l2').describe('Distance the attack minimises'),
    samples: z.number().int().positive().default(100).describe('Rows attacked (seeded sample; all rows when fewer)'),
    maxQueries: z.number().int().min(200).default(HSJ_DEFAULTS.maxQueries).describe('Model queries per sample'),
    maxIter: z.number().int().positive().default(HSJ_DEFAULTS.maxIter),
    epsilon: z
      .number()
      .positive()
      .optional()
      .describe(
        'Perturbation budget for accuracy under attack (tabular: normalised units, default 0.1 for L2 and 0.05 for L∞; images: pixel values, default 0.5 for L2 and 0.05 for L∞)',
      ),
    epsilons: z.array(z.number().positive()).min(1).optional().describe('Budgets of the success-rate curve'),
    immutable: z
      .array(z.string())
      .default([])
      .describe('Features the attack must not change (besides those the spec marks)'),
    examples: z.number().int().min(0).max(20).default(5).describe('Original/adversarial pairs kept for the report'),
  })
  .strict();

const DEFAULT_EPS = { tabular: { l2: 0.1, linf: 0.05 }, image: { l2: 0.5, linf: 0.05 } };
const DEFAULT_CURVE = {
  l2: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
  linf: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
};

export const hopSkipJumpTest = defineTest({
  id: 'robustness.hopskipjump',
  title: 'Adversarial robustness (HopSkipJump, decision-based)',
  summary:
    'For each sampled input, the smallest change (within the features’ valid ranges) that flips the model’s prediction, found with only the model’s answers; reports how often a flip exists within a perturbation budget.',
  tasks: CLASSIFICATION,
  needsModel: true,
  params: HsjParams,
  evidence: { aiverify: ['4.4', '5.3', '6.2', '6.3', '6.5'], nistAiRmf: EVIDENCE_NIST },
  async run(ctx, params) {
    const id = 'robustness.hopskipjump';
    const predict = requireClassifier(ctx, id);
    const truthAll = await readTruth(ctx);
    const toClass = classIndexOf(ctx);
    const image = ctx.model.input.kind === 'image';
    let domain: Domain;
    let x: Float64Array;
    let rows: Int32Array;
    let shape: [number, number, number] | null = null;
    let features = ctx.model.input.kind === 'tabular' ? ctx.model.input.features : [];
    if (image) {
      const t = await readImages(ctx, id);
      shape = t.shape;
      const size = t.shape[0] * t.shape[1] * t.shape[2];
      rows = pickRows(t.n, params.samples, ctx.seed, 'hsj-rows');
      x = takeRows(t.pixels, size, rows);
      domain = imageDomain(size);
    } else {
      const t = await readTabular(ctx, id, params.immutable);
      features = t.features;
      rows = pickRows(t.n, params.samples, ctx.seed, 'hsj-rows');
      x = takeRows(t.x, features.length, rows);
      domain = widenToRows(tabularDomain(features, t.min, t.max), x, rows.length);
    }
    const n = rows.length;
    const r = await hopSkipJump(predict, domain, x, n, {
      norm: params.norm,
      maxQueries: params.maxQueries,
      maxIter: params.maxIter,
      seed: ctx.seed,
      ids: rows,
      progress: (done, total) => ctx.progress({ phase: 'attack iterations', done, total }),
    });
    const truth = Int32Array.from(rows, (i) => truthAll[i]);
    // Summaries compare in the run's class space.
    const samplesInRunSpace = r.samples.map((s) => ({ ...s, originalLabel: toClass(s.originalLabel) }));
    const epsilon = params.epsilon ?? DEFAULT_EPS[image ? 'image' : 'tabular'][params.norm];
    const curve = params.epsilons ?? DEFAULT_CURVE[params.norm];
    const summary = summarizeAttack(samplesInRunSpace, truth, curve, epsilon);
    const failures = n - summary.successes;
    // Accuracy with every attacked row replaced by its adversarial example (when one was found): AI Verify's "perturbed performance".
    const perturbedCorrect = r.samples.filter((s, i) =>
      s.success ? toClass(s.adversarialLabel as number) === truth[i] : toClass(s.originalLabel) === truth[i],
    ).length;

    // Examples: the closest successful ones first (the most telling), then by row.
    const order = r.samples
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => s.success)
      .sort((a, b) => (a.s.distance as number) - (b.s.distance as number) || a.i - b.i)
      .slice(0, params.examples);
    const d = domain.d;
    const examples: Record<string, unknown>[] = [];
    const artifacts: string[] = [];
    for (const { s, i } of order) {
      const orig = x.subarray(i * d, (i + 1) * d);
      const adv = r.adversarial.subarray(i * d, (i + 1) * d);
      const base = {
        row: rows[i],
        originalClass: ctx.classes[toClass(s.originalLabel)] ?? null,
        adversarialClass: ctx.classes[toClass(s.adversarialLabel as number)] ?? null,
        distance: r12(s.distance as number),
      };
      if (shape) {
        const a = await ctx.writeArtifact(`row${rows[i]}_original.png`, encodePng(orig, shape));
        const b = await ctx.writeArtifact(`row${rows[i]}_adversarial.png`, encodePng(adv, shape));
        artifacts.push(a, b);
        examples.push({ ...base, original: a, adversarial: b });
      } else {
        const changed = features.filter((_, k) => orig[k] !== adv[k]).map((f) => f.name);
        examples.push({
          ...base,
          changed,
          original: Object.fromEntries(features.map((f, k) => [f.name, display(f, orig[k])])),
          adversarial: Object.fromEntries(features.map((f, k) => [f.name, display(f, adv[k])])),
        });
      }
    }

    const metrics: Record<string, MetricValue> = {
      samples_attacked: n,
      success_rate: r12(summary.successRate),
      median_distance: summary.medianDistance === null ? null : r12(summary.medianDistance),
      accuracy: summary.accuracy === null ? null : r12(summary.accuracy),
      accuracy_under_attack: summary.accuracyUnderAttack === null ? null : r12(summary.accuracyUnderAttack),
      mean_queries: r12(summary.meanQueries),
    };
    const undefinedReasons: Record<string, string> = {};
    if (metrics.median_distance === null) {
      undefinedReasons.median_distance = `no adversarial example was found for half or more of the ${n} samples, so the median distance is beyond every distance found`;
    }
    const units = image
      ? 'pixel values in [0, 1]'
      : 'normalised units: each mutable feature scaled by its range (hi − lo), so 1 = a whole range';
    const notes = [
      `Distances are ${params.norm === 'l2' ? 'L2' : 'L∞'} in ${units}.`,
      'Every adversarial example was re-scored by the model and checked against bounds, whole-number and immutable constraints; a sample counts as a success only if both hold.',
    ];
    if (!image) {
      notes.push(
        'Categorical features move between category indexes (a change of one index = 1/(K−1) of the range); numeric bounds are the data’s range unless the model spec gives min/max.',
      );
    }
    const aiverify: AiVerifyOutput[] = [
      robustnessToolboxOutput(
        {
          num_of_perturbed_samples: n,
          org_performance: r12(summary.accuracy ?? 0),
          perturbed_performance: r12(n === 0 ? 0 : perturbedCorrect / n),
          num_of_failed_perturbed_samples: failures,
          perturbed_samples: shape
            ? []
            : order.map(({ i }) => Array.from(r.adversarial.subarray(i * d, (i + 1) * d), r12)),
          org_samples: shape ? [] : order.map(({ i }) => Array.from(x.subarray(i * d, (i + 1) * d), r12)),
          feature_names: shape ? [] : features.map((f) => f.name),
          perturbed_pred: order.map(({ s }) => toClass(s.adversarialLabel as number)),
          original_pred: order.map(({ s }) => toClass(s.originalLabel)),
        },
        { annotated_ground_truth_path: '', file_name_label: ctx.plan.data.images?.fileColumn ?? '' },
        'Assay HopSkipJump (minimal perturbations within per-feature bounds, re-scored), not AI Verify’s boundary attack: ' +
          'performance = accuracy on the attacked rows, perturbed = accuracy with each row replaced by its adversarial example (any distance).',
      ),
    ];
    return {
      metrics,
      undefinedReasons,
      notes,
      aiverify,
      artifacts,
      results: {
        norm: params.norm,
        distanceUnits: units,
        epsilon,
        queryBudget: params.maxQueries,
        curve: summary.curve.map((c) => ({
          epsilon: c.epsilon,
          successRate: r12(c.successRate),
          accuracyUnderAttack: c.accuracyUnderAttack === null ? null : r12(c.accuracyUnderAttack),
        })),
        samples: r.samples.map((s, i) => ({
          row: rows[i],
          trueClass: ctx.classes[truth[i]] ?? null,
          originalClass: ctx.classes[toClass(s.originalLabel)] ?? null,
          adversarialClass: s.adversarialLabel === null ? null : (ctx.classes[toClass(s.adversarialLabel)] ?? null),
          success: s.success,
          distance: s.distance === null ? null : r12(s.distance),
          l2: s.l2 === null ? null : r12(s.l2),
          linf: s.linf === null ? null : r12(s.linf),
          queries: s.queries,
          ...(s.reason ? { reason: s.reason } : {}),
        })),
        examples,
      },
    };
  },
});

// ---------------------------------------------------------------------------------------------------------
// robustness.image_corruptions

const CorruptionParams = z
  .object({
    corruptions: z
      .array(z.enum(CORRUPTIONS.map((c) => c.name) as [string, ...string[]]))
      .default([])
      .describe('Corruption functions to run (AI Verify names); empty = all'),
    severities: z.array(z.number().int().min(1).max(5)).min(1).default([1, 2, 3, 4, 5]),
    examples: z.boolean().default(true).describe('Write one example image per corruption and severity'),
  })
  .strict();

export const imageCorruptionsTest = defineTest({
  id: 'robustness.image_corruptions',
  title: 'Robustness to image corruptions (noise, blur, digital, environment)',
  summary:
    'Accuracy when the images are corrupted by noise, blur, digital artefacts and weather, at five severities each (ImageNet-C definitions where one exists).',
  tasks: CLASSIFICATION,
  needsModel: true,
  image: true,
  params: CorruptionParams,
  evidence: { aiverify: ['4.4', '6.2'], nistAiRmf: EVIDENCE_NIST },
  async run(ctx, params) {
    const id = 'robustness.image_corruptions';
    const predict = requireClassifier(ctx, id);
    const t = await readImages(ctx, id);
    const truth = await readTruth(ctx);
    const toClass = classIndexOf(ctx);
    const size = t.shape[0] * t.shape[1] * t.shape[2];
    const chosen = params.corruptions.length
      ? CORRUPTIONS.filter((c) => params.corruptions.includes(c.name))
      : CORRUPTIONS;
    const severities = [...new Set(params.severities)].sort((a, b) => a - b);
    const accuracyOf = (labels: Int32Array) => {
      let ok = 0;
      labels.forEach((l, i) => {
        if (toClass(l) === truth[i]) ok++;
      });
      return ok / t.n;
    };
    const clean = await predictLabels(predict, t.pixels, t.n, size, 32768);
    const cleanAccuracy = accuracyOf(clean);
    const shown = pickRows(t.n, 1, ctx.seed, 'corruption-example')[0];
    const metrics: Record<string, MetricValue> = { accuracy_clean: r12(cleanAccuracy) };
    const perCorruption: Record<string, unknown>[] = [];
    const byGroup = new Map<CorruptionGroup, Record<string, unknown>[]>();
    const artifacts: string[] = [];
    let ceSum = 0;
    let relSum = 0;
    let done = 0;
    for (const c of chosen) {
      // All severities of one corruption go to the model in one batch.
      const batch = new Float64Array(severities.length * t.n * size);
      severities.forEach((s, si) => {
        for (let i = 0; i < t.n; i++) {
          const img = t.pixels.subarray(i * size, (i + 1) * size);
          batch.set(corrupt(c, img, t.shape, s, createRng(deriveSeed(ctx.seed, c.name, s, i))), (si * t.n + i) * size);
        }
      });
      const labels = await predictLabels(predict, batch, severities.length * t.n, size, 32768);
      const accuracy: Record<string, number> = { severity0: r12(cleanAccuracy) };
      const parameter: Record<string, Record<string, unknown>> = { severity0: paramObject(c.parameter, null) };
      const display: Record<string, [string, string, string]> = {};
      let errSum = 0;
      for (const [si, s] of severities.entries()) {
        const acc = accuracyOf(labels.subarray(si * t.n, (si + 1) * t.n));
        accuracy[`severity${s}`] = r12(acc);
        parameter[`severity${s}`] = paramObject(c.parameter, c.values[s - 1]);
        errSum += 1 - acc;
      }
      const ce = errSum / severities.length;
      ceSum += ce;
      relSum += ce - (1 - cleanAccuracy);
      metrics[`accuracy_${c.name}`] = r12(1 - ce);
      if (params.examples) {
        for (const s of [0, ...severities]) {
          const img = t.pixels.subarray(shown * size, (shown + 1) * size);
          const out = corrupt(c, img, t.shape, s, createRng(deriveSeed(ctx.seed, c.name, s, shown)));
          const rel = await ctx.writeArtifact(`${c.name}/severity${s}.png`, encodePng(out, t.shape));
          artifacts.push(rel);
          const pred = s === 0 ? clean[shown] : labels[severities.indexOf(s) * t.n + shown];
          display[`severity${s}`] = [rel, ctx.classes[truth[shown]] ?? '', ctx.classes[toClass(pred)] ?? ''];
        }
      }
      const entry = {
        corruption_group: c.group,
        corruption_function: c.name,
        parameter,
        accuracy,
        display_info: display,
      };
      perCorruption.push({ ...entry, definition: c.definition, corruptionError: r12(ce) });
      byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), entry]);
      ctx.progress({ phase: 'corruptions', done: ++done, total: chosen.length });
    }
    metrics.mean_corruption_error = r12(ceSum / chosen.length);
    metrics.relative_corruption_error = r12(relSum / chosen.length);
    const aiverify: AiVerifyOutput[] = [...byGroup.entries()].map(([group, results]) => ({
      ...IMAGE_CORRUPTION_TOOLBOX[group],
      algorithmArgs: {
        file_name_label: ctx.plan.data.images?.fileColumn ?? 'file',
        set_seed: ctx.seed,
        corruptions: results.map((e) => e.corruption_function),
      },
      output: { results },
      convention:
        'Assay corruptions (ImageNet-C definitions, parameters for the image size; see each definition), not albumentations; accuracy on every image at each severity, severity0 = clean.',
    }));
    return {
      metrics,
      notes: [
        'Corruption error = 1 − accuracy, averaged over the severities run. ImageNet-C’s mCE divides each by AlexNet’s error; with no baseline model, mean_corruption_error is the unnormalised mean over corruptions and relative_corruption_error subtracts the clean error.',
        ...(t.shape[0] === 1
          ? ['Saturation corruptions leave greyscale images unchanged (no colour to saturate).']
          : []),
      ],
      aiverify,
      artifacts,
      results: {
        images: t.n,
        shape: t.shape,
        cleanAccuracy: r12(cleanAccuracy),
        exampleRow: shown,
        corruptions: perCorruption,
      },
    };
  },
});

function paramObject(names: string, value: unknown): Record<string, unknown> {
  const keys = names.split(',');
  if (keys.length === 1) return { [keys[0]]: value ?? null };
  const vals = Array.isArray(value) ? value : [];
  return Object.fromEntries(keys.map((k, i) => [k, vals[i] ?? null]));
}

// ---------------------------------------------------------------------------------------------------------
// robustness.noise_stability

const NoiseParams = z
  .object({
    levels: z
      .array(z.number().min(0))
      .min(1)
      .default([0.05, 0.1, 0.2, 0.5, 1])
      .describe('Gaussian noise σ per level, as a multiple of each numeric feature’s standard deviation'),
    flipProbabilities: z
      .array(z.number().min(0).max(1))
      .optional()
      .describe(
        'Per level: probability a categorical feature switches category (default: 0.01, 0.02, 0.05, 0.1, 0.2 or σ/5)',
      ),
    repeats: z.number().int().positive().max(100).default(5).describe('Noisy copies of every row per level'),
    samples: z.number().int().positive().default(10000).describe('Rows used (seeded sample when there are more)'),
    immutable: z.array(z.string()).default([]),
    aiverifyLevel: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Level reported in the AI Verify-compatible output (default: the middle one)'),
  })
  .strict();

export const noiseStabilityTest = defineTest({
  id: 'robustness.noise_stability',
  title: 'Stability under input noise (tabular)',
  summary:
    'How often predictions change, and how much accuracy drops, when numeric inputs get random noise in proportion to their spread and categories are randomly switched.',
  tasks: CLASSIFICATION,
  needsModel: true,
  image: false,
  params: NoiseParams,
  evidence: { aiverify: ['4.4', '6.2'], nistAiRmf: EVIDENCE_NIST },
  async run(ctx: TestContext, params) {
    const id = 'robustness.noise_stability';
    const predict = requireClassifier(ctx, id);
    const t = await readTabular(ctx, id, params.immutable);
    const truthAll = await readTruth(ctx);
    const toClass = classIndexOf(ctx);
    const d = t.features.length;
    const rows = pickRows(t.n, params.samples, ctx.seed, 'noise-rows');
    const x = takeRows(t.x, d, rows);
    const truth = Int32Array.from(rows, (i) => truthAll[i]);
    const domain = widenToRows(tabularDomain(t.features, t.min, t.max), x, rows.length);
    const defaultsFlip = [0.01, 0.02, 0.05, 0.1, 0.2];
    const flips =
      params.flipProbabilities ??
      params.levels.map((s, i) => (params.levels.length === 5 ? defaultsFlip[i] : Math.min(1, s / 5)));
    if (flips.length !== params.levels.length) {
      throw new AssayError(
        'TEST_PARAMS',
        `${id}: flipProbabilities needs one value per level (${params.levels.length})`,
        {
          test: id,
          configPath: 'params.flipProbabilities',
        },
      );
    }
    const isCategorical = Uint8Array.from(t.features, (f) => (f.kind === 'categorical' ? 1 : 0));
    const r = await noiseStability(
      predict,
      domain,
      isCategorical,
      t.std,
      x,
      rows.length,
      truth,
      params.levels.map((sigma, i) => ({ sigma, flip: flips[i] })),
      { repeats: params.repeats, seed: ctx.seed, sameClass: (l, y) => toClass(l) === y },
    );
    const metrics: Record<string, MetricValue> = {
      accuracy_clean: r.cleanAccuracy === null ? null : r12(r.cleanAccuracy),
    };
    let maxFlip = 0;
    for (const l of r.levels) {
      metrics[`flip_rate@${l.sigma}`] = r12(l.flipRate);
      metrics[`accuracy_drop@${l.sigma}`] = l.accuracyDrop === null ? null : r12(l.accuracyDrop);
      maxFlip = Math.max(maxFlip, l.flipRate);
    }
    metrics.max_flip_rate = r12(maxFlip);
    const li = Math.min(params.aiverifyLevel ?? Math.floor(r.levels.length / 2), r.levels.length - 1);
    const chosen = r.levels[li];
    return {
      metrics,
      notes: [
        'Noisy numeric values are clipped to the feature’s range in the data and whole-number features are rounded; immutable features never change.',
      ],
      aiverify: [
        robustnessToolboxOutput(
          {
            num_of_perturbed_samples: chosen.rows,
            org_performance: r12(r.cleanAccuracy ?? 0),
            perturbed_performance: r12(chosen.accuracy ?? 0),
            num_of_failed_perturbed_samples: 0,
            perturbed_samples: [],
            org_samples: [],
            feature_names: t.features.map((f) => f.name),
            perturbed_pred: [],
            original_pred: [],
          },
          { annotated_ground_truth_path: '', file_name_label: '' },
          `Assay noise stability at σ = ${chosen.sigma}·std, category switch probability ${chosen.flip} (random noise, not an attack): performance = accuracy.`,
        ),
      ],
      results: {
        rows: rows.length,
        repeats: params.repeats,
        std: Object.fromEntries(t.features.map((f, k) => [f.name, f.kind === 'numeric' ? r12(t.std[k]) : null])),
        levels: r.levels.map((l) => ({
          sigma: l.sigma,
          flipProbability: l.flip,
          rows: l.rows,
          flipRate: r12(l.flipRate),
          accuracy: l.accuracy === null ? null : r12(l.accuracy),
          accuracyDrop: l.accuracyDrop === null ? null : r12(l.accuracyDrop),
        })),
      },
    };
  },
});

/** The robustness tests, in the order the registry lists them. */
export const robustnessTests: TechnicalTest[] = [hopSkipJumpTest, imageCorruptionsTest, noiseStabilityTest];
