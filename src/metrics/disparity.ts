/**
 * Comparisons of one metric across groups.
 * - Between groups, Fairlearn's convention (fairlearn/metrics/_metric_frame.py `difference`/`ratio`):
 *   difference = max − min, ratio = min ÷ max; "to overall": max |m_g − m_all| and min_g min(m_g/m_all, m_all/m_g).
 *   Groups whose value is undefined are skipped (Fairlearn skips NaN), and listed.
 * - Against a reference group, AIF360's convention (aif360/metrics/classification_metric.py):
 *   difference = m_unprivileged − m_privileged, ratio = m_unprivileged ÷ m_privileged (signed, may exceed 1).
 */
import { defined, divide, type Maybe, undefinedBecause } from './values.js';

/** How between-group comparisons are defined (Fairlearn's convention), as results.json states it. */
export const BETWEEN_GROUPS_CONVENTION =
  'Fairlearn: difference = max − min, ratio = min ÷ max over groups (undefined groups skipped)';

export interface Labelled {
  label: string;
  value: Maybe;
}

export interface Disparity {
  difference: Maybe;
  ratio: Maybe;
  differenceToOverall: Maybe;
  ratioToOverall: Maybe;
  min: Maybe;
  max: Maybe;
  minGroup: string | null;
  maxGroup: string | null;
  /** groups left out because their value is undefined */
  skipped: string[];
}

export function betweenGroups(values: Labelled[], overall: Maybe): Disparity {
  const ok = values.filter((v) => v.value.value !== null);
  const skipped = values.filter((v) => v.value.value === null).map((v) => v.label);
  if (ok.length === 0) {
    const why = undefinedBecause('no group has a defined value');
    return {
      difference: why,
      ratio: why,
      differenceToOverall: why,
      ratioToOverall: why,
      min: why,
      max: why,
      minGroup: null,
      maxGroup: null,
      skipped,
    };
  }
  let lo = ok[0];
  let hi = ok[0];
  for (const v of ok) {
    if ((v.value.value as number) < (lo.value.value as number)) lo = v;
    if ((v.value.value as number) > (hi.value.value as number)) hi = v;
  }
  const min = lo.value.value as number;
  const max = hi.value.value as number;
  const few = ok.length < 2 ? undefinedBecause('fewer than two groups have a defined value') : null;
  let differenceToOverall: Maybe;
  let ratioToOverall: Maybe;
  if (overall.value === null) {
    differenceToOverall = undefinedBecause(`the overall value is undefined: ${overall.reason}`);
    ratioToOverall = differenceToOverall;
  } else {
    const o = overall.value;
    differenceToOverall = defined(Math.max(...ok.map((v) => Math.abs((v.value.value as number) - o))));
    if (o === 0) ratioToOverall = undefinedBecause('the overall value is 0, so no ratio to it is defined');
    else {
      let r = Number.POSITIVE_INFINITY;
      for (const v of ok) {
        const q = (v.value.value as number) / o;
        r = Math.min(r, q > 1 ? 1 / q : q);
      }
      ratioToOverall = defined(r);
    }
  }
  const negative = min < 0 ? undefinedBecause('a ratio is not meaningful when a group value is negative') : null;
  if (negative) ratioToOverall = negative;
  return {
    difference: few ?? defined(max - min),
    ratio: few ?? negative ?? (max === 0 ? undefinedBecause('every group has value 0 (0 ÷ 0)') : defined(min / max)),
    differenceToOverall,
    ratioToOverall,
    min: defined(min),
    max: defined(max),
    minGroup: lo.label,
    maxGroup: hi.label,
    skipped,
  };
}

export function signedDifference(unprivileged: Maybe, privileged: Maybe): Maybe {
  if (unprivileged.value === null) return undefinedBecause(`unprivileged value undefined: ${unprivileged.reason}`);
  if (privileged.value === null) return undefinedBecause(`reference value undefined: ${privileged.reason}`);
  return defined(unprivileged.value - privileged.value);
}

export function signedRatio(unprivileged: Maybe, privileged: Maybe): Maybe {
  if (unprivileged.value === null) return undefinedBecause(`unprivileged value undefined: ${unprivileged.reason}`);
  if (privileged.value === null) return undefinedBecause(`reference value undefined: ${privileged.reason}`);
  return divide(unprivileged.value, privileged.value, 'the reference group value is 0');
}
