/**
 * performance.classification: label metrics from the confusion matrix (SQL counts → formulas) and, when the
 * model gives scores, ranking and probability metrics computed in DuckDB.
 */
import { z } from 'zod';
import { defineTest, type TestContext, type TestOutcome } from '../tests/types.js';
import { labelMetrics } from './confusion-metrics.js';
import { buildGroups, mergeConfusion } from './groups.js';
import { calibrationFromBins, rankCurves } from './scores.js';
import { classificationSummary } from './summary.js';
import { defined, divide, type Maybe, MetricSink, undefinedBecause } from './values.js';

export const PerformanceClassificationParams = z
  .object({
    calibrationBins: z.number().int().min(2).max(200).default(10).describe('Uniform bins of the calibration curve'),
    rocPoints: z.number().int().min(10).max(100_000).default(200).describe('At most about this many ROC points'),
  })
  .strict();
export type PerformanceClassificationParams = z.infer<typeof PerformanceClassificationParams>;

const v = (m: Maybe) => m.value;

export async function performanceClassification(
  ctx: TestContext,
  params: PerformanceClassificationParams,
): Promise<TestOutcome> {
  const k = ctx.classes.length;
  const binary = k === 2;
  // Binary probability sums come from the sorted score cells; multiclass ones from the aggregate pass.
  const summary = await classificationSummary(ctx.db, {
    m: 0,
    classes: k,
    calibrationBins: params.calibrationBins,
    scoreSums: !binary,
  });
  const cells = summary.cells;
  const [all] = buildGroups(cells, [], k, { mode: 'observed', minGroupSize: 0 });
  const confusion = all ? all.confusion : mergeConfusion([], k);
  const lm = labelMetrics(confusion, ctx.classes);
  const sink = new MetricSink();
  const notes: string[] = [];
  sink.put('accuracy', lm.accuracy);
  sink.put('balanced_accuracy', lm.balanced_accuracy);
  sink.put('matthews_corrcoef', lm.matthews_corrcoef);
  if (binary) {
    const pos = lm.perClass[1];
    sink.put('precision', pos.precision);
    sink.put('recall', pos.recall);
    sink.put('f1', pos.f1);
    sink.put('specificity', pos.specificity);
  }
  for (const avg of ['macro', 'micro', 'weighted'] as const) {
    sink.put(`precision_${avg}`, lm[avg].precision);
    sink.put(`recall_${avg}`, lm[avg].recall);
    sink.put(`f1_${avg}`, lm[avg].f1);
  }
  sink.put('specificity_macro', lm.macro.specificity);

  let scores: unknown = null;
  const cover = summary.scores;
  const scoreMetrics = ['roc_auc', 'average_precision', 'log_loss', 'brier_score', 'expected_calibration_error'];
  if (!cover || cover.missing === cover.rows) {
    for (const name of scoreMetrics) sink.put(name, undefinedBecause('the model gives no scores/probabilities'));
  } else {
    if (cover.missing > 0) {
      for (const name of scoreMetrics)
        sink.put(name, undefinedBecause(`${cover.missing} of ${cover.rows} rows have no score`));
    } else {
      const curves = await rankCurves(ctx.db, {
        groups: [],
        classes: binary ? null : k,
        rocPoints: params.rocPoints,
        calibrationBins: binary ? params.calibrationBins : undefined,
      });
      const prob = curves.probability ?? {
        weight: cover.weight,
        logLossSum: cover.logLossSum,
        brierSum: cover.brierSum,
        bins: cover.bins,
      };
      const ranks = curves.overall;
      let auc: Maybe;
      let ap: Maybe;
      if (binary) {
        auc = ranks[0]?.auc ?? undefinedBecause('no rows');
        ap = ranks[0]?.averagePrecision ?? undefinedBecause('no rows');
      } else {
        // One-vs-rest, unweighted mean over classes (sklearn roc_auc_score multi_class="ovr", average="macro").
        const macro = (pick: (r: (typeof ranks)[number]) => Maybe, what: string): Maybe => {
          const bad = ranks.find((r) => pick(r).value === null);
          if (bad)
            return undefinedBecause(
              `${what} of class ${ctx.classes[Number(bad.key[bad.key.length - 1])]}: ${pick(bad).reason}`,
            );
          if (ranks.length < k) return undefinedBecause('some classes have no rows');
          return defined(ranks.reduce((s, r) => s + (pick(r).value as number), 0) / ranks.length);
        };
        auc = macro((r) => r.auc, 'ROC AUC');
        ap = macro((r) => r.averagePrecision, 'average precision');
      }
      sink.put('roc_auc', auc);
      sink.put('average_precision', ap);
      if (cover.outside01 > 0) {
        const why = undefinedBecause(`${cover.outside01} scores lie outside [0, 1]: not probabilities`);
        for (const name of ['log_loss', 'brier_score', 'expected_calibration_error']) sink.put(name, why);
      } else {
        sink.put('log_loss', divide(prob.logLossSum, prob.weight, 'no rows'));
        sink.put('brier_score', divide(prob.brierSum, prob.weight, 'no rows'));
      }
      const cal = cover.outside01 > 0 ? null : calibrationFromBins(prob.bins, params.calibrationBins);
      if (cal) sink.put('expected_calibration_error', cal.ece);
      scores = {
        perClass: binary
          ? null
          : ranks.map((r) => ({
              class: ctx.classes[Number(r.key[0])],
              rocAuc: v(r.auc),
              averagePrecision: v(r.averagePrecision),
            })),
        rocCurves: curves.roc.map((points, i) => ({ class: ctx.classes[binary ? 1 : i], points })),
        calibration: cal
          ? {
              kind: binary ? 'positive-class score' : 'top-label confidence',
              bins: cal.bins,
            }
          : null,
      };
    }
  }
  if (!binary) notes.push('Multiclass: ROC AUC and average precision are one-vs-rest, macro-averaged over classes.');

  return {
    metrics: sink.metrics,
    undefinedReasons: sink.reasons,
    notes,
    results: {
      classes: ctx.classes,
      rows: all ? all.n : 0,
      weight: all ? all.w : 0,
      confusionMatrix: {
        rows: 'true class',
        columns: 'predicted class',
        weighted: Array.from({ length: k }, (_, i) => Array.from(confusion.w.subarray(i * k, (i + 1) * k))),
        counts: Array.from({ length: k }, (_, i) => Array.from(confusion.n.subarray(i * k, (i + 1) * k))),
      },
      perClass: lm.perClass.map((p, i) => ({
        class: ctx.classes[i],
        support: p.support,
        precision: v(p.precision),
        recall: v(p.recall),
        f1: v(p.f1),
        specificity: v(p.specificity),
      })),
      scores,
    },
  };
}

export const performanceClassificationTest = defineTest({
  id: 'performance.classification',
  title: 'Classification performance',
  summary:
    'How often the model is right, and how well its scores rank and are calibrated: accuracy, precision, recall, F1, MCC, ROC AUC, log loss, Brier score and calibration error, with the confusion matrix.',
  tasks: ['binary-classification', 'multiclass-classification'],
  needsModel: false,
  params: PerformanceClassificationParams,
  evidence: { aiverify: ['3.13', '6.2'], nistAiRmf: ['MEASURE 2.3', 'MEASURE 2.5'] },
  run: performanceClassification,
});
