/**
 * fairness.classification: per-group rates for (intersectional) sensitive groups, compared between groups
 * (Fairlearn's convention), against the plan's reference group (AIF360's), and in AI Verify's own
 * convention; optional Poisson-bootstrap percentile intervals. All counts come from one SQL aggregate.
 */
import { z } from 'zod';
import { AssayError } from '../errors.js';
import { createRng, deriveSeed } from '../util/random.js';
import { defineTest, type MetricValue, type TestContext, type TestOutcome } from '../tests/types.js';
import { percentileIntervals, poisson } from './bootstrap.js';
import { type Cell, groupId, oneVsRest, sensitiveColumns } from './cells.js';
import { BETWEEN_GROUPS_CONVENTION, betweenGroups } from './disparity.js';
import { FMTC_CONVENTION, FMTC_META, fmtcOutput } from './aiverify-fmtc.js';
import { classKey, computeFairness } from './fairness-core.js';
import { buildGroups, type Group, mergeConfusion } from './groups.js';
import { RATE_NAMES } from './rates.js';
import { type CalibrationBin, calibrationFromBins, type RocPoint, rankCurves } from './scores.js';

/** Uniform bins of the per-group calibration curves (as performance.classification's default). */
const CALIBRATION_BINS = 10;
import { classificationSummary } from './summary.js';
import { type Maybe, undefinedBecause } from './values.js';

export const FairnessClassificationParams = z
  .object({
    groups: z
      .enum(['observed', 'cartesian'])
      .default('observed')
      .describe('Intersectional groups seen in the data, or every combination of observed values (empty ones kept)'),
    minGroupSize: z
      .number()
      .int()
      .min(0)
      .default(30)
      .describe('Groups with fewer rows are flagged as small (never dropped silently)'),
    excludeSmallGroups: z
      .boolean()
      .default(false)
      .describe('Leave small groups out of the between-group differences and ratios (they stay in the tables)'),
    alpha: z.number().default(2).describe('α of the generalized entropy index (AIF360 default 2)'),
    bootstrap: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(0)
      .describe('Bootstrap replicates for confidence intervals (0 = none)'),
    confidenceLevel: z.number().gt(0).lt(1).default(0.95),
    aiverify: z.boolean().default(true).describe("Also emit AI Verify's Fairness Metrics Toolbox output"),
  })
  .strict();
export type FairnessClassificationParams = z.infer<typeof FairnessClassificationParams>;

const plain = (m: Maybe): MetricValue => m.value;
const table = (rates: Record<string, Maybe>) => Object.fromEntries(Object.entries(rates).map(([k, m]) => [k, m.value]));
/** Why each null in a results row is null (the row's own reasons, as `undefinedReasons` is for `metrics`). */
const reasons = (rates: Record<string, Maybe>) =>
  Object.fromEntries(
    Object.entries(rates)
      .filter(([, m]) => m.value === null)
      .map(([k, m]) => [k, m.reason ?? 'undefined']),
  );

function referencePredicate(ctx: TestContext): ((g: Group) => boolean) | null {
  const ref = ctx.plan.reference;
  if (!ref || Object.keys(ref).length === 0) return null;
  const idx = Object.entries(ref).map(([attr, value]) => {
    const i = ctx.sensitive.indexOf(attr);
    if (i < 0) {
      throw new AssayError(
        'CONFIG_INVALID',
        `reference names attribute "${attr}", which is not a sensitive attribute (sensitive: ${ctx.sensitive.join(', ') || 'none'})`,
        { configPath: `reference.${attr}` },
      );
    }
    return [i, String(value)] as const;
  });
  return (g) => idx.every(([i, v]) => g.key[i] === v);
}

/** Regroups resampled cells into the original groups (same order, same small flags). */
function resampleGroups(groups: Group[], cells: Cell[], counts: Float64Array): Group[] {
  const fresh = groups.map((g) => ({
    ...g,
    confusion: {
      k: g.confusion.k,
      w: new Float64Array(g.confusion.w.length),
      n: new Float64Array(g.confusion.n.length),
    },
    n: 0,
    w: 0,
  }));
  const byId = new Map(fresh.map((g) => [groupId(g.key), g]));
  cells.forEach((c, i) => {
    const g = byId.get(groupId(c.group));
    if (!g) return;
    const k = counts[i];
    const w = c.n === 0 ? 0 : (c.w * k) / c.n;
    const at = c.t * g.confusion.k + c.p;
    g.confusion.w[at] += w;
    g.confusion.n[at] += k;
    g.n += k;
    g.w += w;
  });
  return fresh;
}

export async function fairnessClassification(
  ctx: TestContext,
  params: FairnessClassificationParams,
): Promise<TestOutcome> {
  const m = ctx.sensitive.length;
  if (m === 0) {
    throw new AssayError(
      'CONFIG_INVALID',
      'fairness.classification needs at least one sensitive attribute: list them under `sensitive` in the plan',
      { configPath: 'sensitive', test: 'fairness.classification' },
    );
  }
  const k = ctx.classes.length;
  const binary = k === 2;
  const summary = await classificationSummary(ctx.db, { m, classes: k, calibrationBins: 1, scoreSums: false });
  const cells = summary.cells;
  const groups = buildGroups(cells, ctx.sensitive, k, { mode: params.groups, minGroupSize: params.minGroupSize });
  const isReference = referencePredicate(ctx);
  const setup = { classes: ctx.classes, isReference, alpha: params.alpha, excludeSmall: params.excludeSmallGroups };
  const core = computeFairness(groups, setup);
  const { sink } = core;
  const notes: string[] = [];

  const small = groups.filter((g) => g.small);
  if (small.length > 0) {
    notes.push(
      `${small.length} group(s) have fewer than ${params.minGroupSize} rows and are flagged as small` +
        `${params.excludeSmallGroups ? ' and left out of the between-group comparisons' : ''}: ` +
        small.map((g) => `${g.label} (${g.n})`).join('; '),
    );
  }
  if (isReference) {
    const refs = groups.filter((g) => isReference(g) && g.n > 0);
    if (refs.length === 0)
      notes.push('The reference group named in the plan has no rows: reference metrics are undefined.');
  }

  // Per-group ROC AUC (no bootstrap: it needs the scores, not the counts).
  const aucByGroup = new Map<string, Maybe>();
  // Binary: per-group ROC curves and calibration bins for the report (the same single pass over the scores).
  let curvesByGroup: { group: string; n: number; auc: number | null; roc: RocPoint[]; calibration: CalibrationBin[] }[] = [];
  const cover = summary.scores;
  const haveScores = cover !== null && cover.missing < cover.rows;
  if (cover && haveScores) {
    if (cover.missing === 0) {
      const classes = binary ? null : k;
      const curves = await rankCurves(ctx.db, {
        groups: sensitiveColumns(m),
        groupKeys: groups.map((g) => g.key),
        classes,
        rocPoints: 0,
        ...(binary ? { groupRocPoints: 50, calibrationBins: CALIBRATION_BINS } : {}),
      });
      if (binary) {
        curvesByGroup = curves.groups.map((r, i) => ({
          group: groups[i].label,
          n: groups[i].n,
          auc: r.auc.value,
          roc: curves.groupRoc?.[i] ?? [],
          calibration: calibrationFromBins(curves.groupBins?.[i] ?? [], CALIBRATION_BINS).bins,
        }));
      }
      const overall = curves.overall;
      for (const r of curves.groups) {
        const cls = binary ? 1 : Number(r.key[m]);
        aucByGroup.set(`${cls}|${groupId(r.key.slice(0, m) as (string | null)[])}`, r.auc);
      }
      for (const pc of core.perClass) {
        const cls = ctx.classes.indexOf(pc.class);
        const values = groups.map((g) => ({
          label: g.label,
          value: aucByGroup.get(`${cls}|${groupId(g.key)}`) ?? { value: null, reason: 'group has no rows' },
        }));
        const all = overall.find((r) => binary || Number(r.key[0]) === cls);
        const d = betweenGroups(
          values.filter((_, i) => !(params.excludeSmallGroups && groups[i].small)),
          all?.auc ?? { value: null, reason: 'no rows' },
        );
        const tag = binary ? null : pc.class;
        sink.put(classKey('roc_auc_difference', tag), d.difference);
        sink.put(classKey('roc_auc_ratio', tag), d.ratio);
        sink.put(classKey('roc_auc_group_min', tag), d.min);
        pc.betweenGroups.roc_auc = d;
      }
    } else {
      notes.push(`${cover.missing} rows have no score: per-group ROC AUC is not computed.`);
    }
  }

  // Bootstrap: Poisson resampling of the cell counts.
  let bootstrap: unknown = null;
  if (params.bootstrap > 0) {
    const rng = createRng(deriveSeed(ctx.seed, 'fairness.classification', 'bootstrap'));
    const counts = new Float64Array(cells.length);
    const reps: Record<string, MetricValue>[] = [];
    for (let b = 0; b < params.bootstrap; b++) {
      for (let i = 0; i < cells.length; i++) counts[i] = poisson(rng, cells[i].n);
      const rep = computeFairness(resampleGroups(groups, cells, counts), setup);
      const flat: Record<string, MetricValue> = { ...rep.sink.metrics };
      for (const [key, v] of Object.entries(rep.groupValues)) flat[`group:${key}`] = v.value;
      reps.push(flat);
    }
    const intervals = percentileIntervals(reps, params.confidenceLevel);
    bootstrap = {
      method: 'Poisson bootstrap of the group × label × prediction cell counts; percentile intervals',
      replicates: params.bootstrap,
      confidenceLevel: params.confidenceLevel,
      metrics: Object.fromEntries(Object.entries(intervals).filter(([key]) => !key.startsWith('group:'))),
      groups: Object.fromEntries(
        Object.entries(intervals)
          .filter(([key]) => key.startsWith('group:'))
          .map(([key, v]) => [key.slice(6), v]),
      ),
    };
    notes.push('Bootstrap intervals cover the count-based metrics; ROC AUC has no interval.');
  }

  const overallConfusion = mergeConfusion(groups, k);
  const totalW = groups.reduce((s, g) => s + g.w, 0);
  const aiverify = params.aiverify
    ? [
        {
          ...FMTC_META,
          algorithmArgs: { sensitive_feature: ctx.sensitive, annotated_labels_path: '', file_name_label: '' },
          output: fmtcOutput(groups, overallConfusion, ctx.sensitive, ctx.classes),
          convention: FMTC_CONVENTION,
        },
      ]
    : undefined;

  return {
    metrics: sink.metrics,
    undefinedReasons: sink.reasons,
    notes,
    aiverify,
    results: {
      conventions: {
        betweenGroups: BETWEEN_GROUPS_CONVENTION,
        reference: 'AIF360: difference = unprivileged − reference, ratio = unprivileged ÷ reference',
        aiverify: FMTC_CONVENTION,
      },
      attributes: ctx.sensitive,
      groupMode: params.groups,
      minGroupSize: params.minGroupSize,
      classes: ctx.classes,
      positiveClass: binary ? ctx.classes[1] : null,
      reference: ctx.plan.reference ?? null,
      groups: groups.map((g) => ({
        label: g.label,
        values: g.values,
        n: g.n,
        weight: g.w,
        share: totalW === 0 ? null : g.w / totalW,
        small: g.small,
        reference: isReference ? isReference(g) : null,
      })),
      ...(curvesByGroup.length ? { curvesByGroup, calibrationBins: CALIBRATION_BINS } : {}),
      perClass: core.perClass.map((pc) => {
        const cls = ctx.classes.indexOf(pc.class);
        return {
          class: pc.class,
          overall: table(pc.overall),
          overallCounts: oneVsRest(overallConfusion, cls),
          groups: pc.groups.map((g, i) => {
            const auc: Maybe = haveScores
              ? (aucByGroup.get(`${cls}|${groupId(groups[i].key)}`) ?? undefinedBecause('group has no rows'))
              : undefinedBecause('the model gives no scores/probabilities');
            return {
              label: g.label,
              n: groups[i].n,
              small: groups[i].small,
              counts: oneVsRest(groups[i].confusion, cls),
              ...table(g.rates),
              roc_auc: auc.value,
              undefinedReasons: reasons({ ...g.rates, roc_auc: auc }),
            };
          }),
          betweenGroups: Object.fromEntries(
            Object.entries(pc.betweenGroups).map(([rate, d]) => [
              rate,
              {
                difference: plain(d.difference),
                ratio: plain(d.ratio),
                differenceToOverall: plain(d.differenceToOverall),
                ratioToOverall: plain(d.ratioToOverall),
                min: plain(d.min),
                max: plain(d.max),
                minGroup: d.minGroup,
                maxGroup: d.maxGroup,
                skippedGroups: d.skipped,
              },
            ]),
          ),
          reference: pc.reference
            ? {
                privileged: table(pc.reference.privileged),
                unprivileged: table(pc.reference.unprivileged),
                groups: pc.reference.groups.map((g) => ({
                  label: g.label,
                  statistical_parity_difference: plain(g.statisticalParityDifference),
                  disparate_impact: plain(g.disparateImpact),
                })),
              }
            : null,
        };
      }),
      rateNames: RATE_NAMES,
      bootstrap,
    },
  };
}

export const fairnessClassificationTest = defineTest({
  id: 'fairness.classification',
  title: 'Group fairness (classification)',
  summary:
    'Whether outcomes and errors differ between groups defined by sensitive attributes (and their intersections): selection, error and predictive rates per group, compared between groups, against a reference group, and in AI Verify’s format.',
  tasks: ['binary-classification', 'multiclass-classification'],
  needsModel: false,
  params: FairnessClassificationParams,
  evidence: { aiverify: ['7.2', '7.5', '7.8'], nistAiRmf: ['MEASURE 2.11'] },
  run: fairnessClassification,
});
