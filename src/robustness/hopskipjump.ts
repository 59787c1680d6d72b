/**
 * HopSkipJump (Chen, Jordan & Wainwright, "HopSkipJumpAttack: A Query-Efficient Decision-Based Attack",
 * IEEE S&P 2020, arXiv:1904.02144), untargeted, L2 or L∞. It needs only the predicted labels.
 *
 * Followed from the paper (Algorithms 1–3): an adversarial starting point from uniform noise, binary search
 * to the decision boundary, a Monte-Carlo estimate of the boundary's normal with baseline-corrected ±1
 * votes, a geometric step-size search, and a new binary search — repeated while the per-sample query budget
 * lasts. Parameter choices (θ = γ/(m√m) for L2 and γ/m² for L∞, δ = √m·θ·dist resp. m·θ·dist, ξ = dist/√t,
 * probes = init·√t capped) follow the paper; ART's `art/attacks/evasion/hop_skip_jump.py` was read for its
 * defaults (init_eval 100, init_size 100), not copied.
 *
 * What differs, and why:
 * - Lock-step batching: all samples move through the same phase together, so the gradient probes of every
 *   sample go to the model in one large predict call (ART attacks one sample at a time: the slowness users
 *   report in ART issue #127).
 * - The attack moves in normalised coordinates over mutable features only (src/robustness/domain.ts), and the
 *   model is only ever shown the projection of a point onto the valid domain (bounds, whole numbers, category
 *   indexes, immutable features copied). So every adversarial point tracked is one the model has actually
 *   labelled adversarial: rounding cannot break it after the fact.
 * - Each sample draws from its own seeded stream, so results do not depend on which other samples are attacked.
 */
import { createRng, deriveSeed, type Rng } from '../util/random.js';
import { fillNormal } from './normal.js';
import { constraintViolation, type Domain, projectRow, toUnit, unitDistance } from './domain.js';
import { type Predictor, predictLabels } from './predictor.js';

export type AttackNorm = 'l2' | 'linf';

export interface HsjOptions {
  norm: AttackNorm;
  /** Model queries per sample (the attack stops a sample when the next phase would exceed it). */
  maxQueries: number;
  maxIter: number;
  /** Gradient probes at iteration 1 (then initEval·√t, capped at maxEval). */
  initEval: number;
  maxEval: number;
  /** Random uniform draws tried to find a first adversarial point. */
  initSize: number;
  gamma: number;
  /** Largest predict call, in rows. */
  maxBatch: number;
  seed: number;
  /** Stable ids of the samples (e.g. row indexes) for their random streams; default 0..n−1. */
  ids?: ArrayLike<number>;
  progress?: (done: number, total: number) => void;
}

export const HSJ_DEFAULTS = {
  norm: 'l2' as AttackNorm,
  maxQueries: 5000,
  maxIter: 40,
  initEval: 100,
  maxEval: 1000,
  initSize: 100,
  gamma: 1,
  maxBatch: 32768,
};

export interface HsjSample {
  success: boolean;
  originalLabel: number;
  /** The re-scored label of the adversarial row (null when none was found). */
  adversarialLabel: number | null;
  /** Distance in the attack's norm, normalised units (null when not found). */
  distance: number | null;
  l2: number | null;
  linf: number | null;
  /** Model queries spent on this sample (re-scoring not included). */
  queries: number;
  iterations: number;
  reason?: string;
}

export interface HsjResult {
  samples: HsjSample[];
  /** n × d raw rows: the adversarial example, or the original row where none was found. */
  adversarial: Float64Array;
  originalLabels: Int32Array;
  /** Total model rows queried (attack + re-scoring). */
  totalQueries: number;
}

const NEEDS_INIT = 0;
const ACTIVE = 1;
const DONE = 2;
const FAILED = 3;

export async function hopSkipJump(
  predict: Predictor,
  domain: Domain,
  x: Float64Array,
  n: number,
  options: Partial<HsjOptions> & { seed: number },
): Promise<HsjResult> {
  const o = { ...HSJ_DEFAULTS, ...options };
  const { d } = domain;
  const m = domain.mutable.length;
  const l2 = o.norm === 'l2';
  let totalQueries = 0;

  const y0 = await predictLabels(predict, x, n, d, o.maxBatch);
  totalQueries += n;

  const rngs: Rng[] = Array.from({ length: n }, (_, s) => createRng(deriveSeed(o.seed, 'hsj', o.ids ? o.ids[s] : s)));
  const z0 = new Float64Array(n * m);
  for (let s = 0; s < n; s++) toUnit(domain, x, s, z0, s * m);
  const zA = new Float64Array(n * m); // current adversarial point (its projection was labelled adversarial)
  const dist = new Float64Array(n);
  const queries = new Int32Array(n);
  const iterations = new Int32Array(n);
  const status = new Uint8Array(n).fill(m === 0 ? FAILED : NEEDS_INIT);
  const reasons: (string | undefined)[] = new Array(n).fill(m === 0 ? 'no feature may move' : undefined);
  const best = new Float64Array(n * d);
  best.set(x.subarray(0, n * d));
  const bestDist = new Float64Array(n).fill(Number.POSITIVE_INFINITY);

  // θ: the paper's binary-search threshold; capped at 1e-3 so the boundary is located to 0.1% of the distance.
  const theta = l2 ? o.gamma / (m * Math.sqrt(m)) : o.gamma / (m * m);
  const tol = Math.min(theta, 1e-3);
  const searchSteps = Math.ceil(Math.log2(1 / tol));
  const stepHalvings = 12;

  /** Labels the projections of k points (rows of pts, length m each, owned by samples `owner`); true = adversarial. */
  let rawBuf = new Float64Array(0);
  const evaluate = async (pts: Float64Array, owner: Int32Array, k: number): Promise<Uint8Array> => {
    for (let i = 0; i < k; i++) queries[owner[i]]++;
    let raw: Float64Array;
    if (domain.unitBox) {
      raw = pts.subarray(0, k * d); // every point the attack makes is already inside [0, 1]^d
    } else {
      if (rawBuf.length < k * d) rawBuf = new Float64Array(k * d);
      raw = rawBuf.subarray(0, k * d);
      for (let i = 0; i < k; i++) projectRow(domain, pts, i * m, x, owner[i] * d, raw, i * d);
    }
    totalQueries += k;
    const labels = await predictLabels(predict, raw, k, d, o.maxBatch);
    const adv = new Uint8Array(k);
    for (let i = 0; i < k; i++) adv[i] = labels[i] !== y0[owner[i]] ? 1 : 0;
    return adv;
  };

  const normOf = (a: Float64Array, aOff: number, b: Float64Array, bOff: number): number => {
    let s = 0;
    for (let j = 0; j < m; j++) {
      const t = Math.abs(a[aOff + j] - b[bOff + j]);
      if (l2) s += t * t;
      else if (t > s) s = t;
    }
    return l2 ? Math.sqrt(s) : s;
  };

  const trackBest = (set: number[]): void => {
    const raw = new Float64Array(d);
    for (const s of set) {
      projectRow(domain, zA, s * m, x, s * d, raw, 0);
      const dd = unitDistance(domain, raw, 0, x, s * d);
      const v = l2 ? dd.l2 : dd.linf;
      if (v < bestDist[s]) {
        bestDist[s] = v;
        best.set(raw, s * d);
      }
    }
  };

  /**
   * Binary search between each sample's original (not adversarial) and `target` (adversarial) on the line
   * (L2) or the L∞ ball radius (L∞); leaves the adversarial end in zA and its distance in dist.
   */
  const binarySearch = async (set: number[], target: Float64Array): Promise<void> => {
    const low = new Float64Array(n);
    const high = new Float64Array(n).fill(1);
    const upper = new Float64Array(n);
    for (const s of set) {
      zA.set(target.subarray(s * m, (s + 1) * m), s * m);
      upper[s] = normOfLinf(target, s * m, z0, s * m, m);
    }
    const point = (s: number, alpha: number, out: Float64Array, off: number): void => {
      for (let j = 0; j < m; j++) {
        const a = z0[s * m + j];
        const t = target[s * m + j];
        if (l2) out[off + j] = (1 - alpha) * a + alpha * t;
        else {
          const r = alpha * upper[s];
          out[off + j] = t < a - r ? a - r : Math.min(t, a + r);
        }
      }
    };
    for (;;) {
      const act = set.filter((s) => high[s] - low[s] > tol && queries[s] < o.maxQueries);
      if (act.length === 0) break;
      const pts = new Float64Array(act.length * m);
      const owner = Int32Array.from(act);
      act.forEach((s, i) => {
        point(s, (low[s] + high[s]) / 2, pts, i * m);
      });
      const adv = await evaluate(pts, owner, act.length);
      act.forEach((s, i) => {
        const mid = (low[s] + high[s]) / 2;
        if (adv[i]) {
          high[s] = mid;
          zA.set(pts.subarray(i * m, (i + 1) * m), s * m);
        } else low[s] = mid;
      });
    }
    for (const s of set) dist[s] = normOf(zA, s * m, z0, s * m);
  };

  // 1. A first adversarial point: uniform random points in the domain, in rounds of 10 per sample.
  for (let tries = 0; tries < o.initSize; tries += 10) {
    const act: number[] = [];
    for (let s = 0; s < n; s++) if (status[s] === NEEDS_INIT) act.push(s);
    if (act.length === 0) break;
    const per = Math.min(10, o.initSize - tries);
    const pts = new Float64Array(act.length * per * m);
    const owner = new Int32Array(act.length * per);
    act.forEach((s, a) => {
      for (let r = 0; r < per; r++) {
        owner[a * per + r] = s;
        for (let j = 0; j < m; j++) pts[(a * per + r) * m + j] = rngs[s].next();
      }
    });
    const adv = await evaluate(pts, owner, act.length * per);
    const target = new Float64Array(n * m);
    const found: number[] = [];
    act.forEach((s, a) => {
      for (let r = 0; r < per; r++) {
        if (adv[a * per + r]) {
          target.set(pts.subarray((a * per + r) * m, (a * per + r + 1) * m), s * m);
          found.push(s);
          status[s] = ACTIVE;
          break;
        }
      }
    });
    if (found.length > 0) {
      await binarySearch(found, target);
      trackBest(found);
    }
  }
  for (let s = 0; s < n; s++) {
    if (status[s] === NEEDS_INIT) {
      status[s] = FAILED;
      reasons[s] = `no adversarial point among ${o.initSize} uniform random draws in the domain`;
    }
  }

  // 2. Iterations: gradient direction at the boundary, geometric step, binary search back to the boundary.
  // Probe buffers are reused across iterations (they reach maxBatch × m values).
  let probeBuf = new Float64Array(0);
  let stepBuf = new Float64Array(0);
  let ownerBuf = new Int32Array(0);
  for (let t = 1; t <= o.maxIter; t++) {
    const plan: { s: number; k: number }[] = [];
    for (let s = 0; s < n; s++) {
      if (status[s] !== ACTIVE) continue;
      const k = Math.min(
        Math.floor(o.initEval * Math.sqrt(t)),
        o.maxEval,
        o.maxQueries - queries[s] - searchSteps - stepHalvings,
      );
      if (k < 10) {
        status[s] = DONE;
        continue;
      }
      plan.push({ s, k });
    }
    if (plan.length === 0) break;

    // 2a. Gradient estimate, batched across samples (chunks of at most maxBatch rows).
    const direction = new Float64Array(n * m);
    for (let c = 0; c < plan.length; ) {
      let rows = 0;
      let e = c;
      while (e < plan.length && (e === c || rows + plan[e].k <= o.maxBatch)) rows += plan[e++].k;
      const chunk = plan.slice(c, e);
      c = e;
      if (probeBuf.length < rows * m) {
        probeBuf = new Float64Array(rows * m);
        stepBuf = new Float64Array(rows * m);
        ownerBuf = new Int32Array(rows);
      }
      const pts = probeBuf.subarray(0, rows * m);
      const us = stepBuf.subarray(0, rows * m);
      const owner = ownerBuf.subarray(0, rows);
      let r = 0;
      for (const { s, k } of chunk) {
        const delta = l2 ? Math.sqrt(m) * theta * dist[s] : m * theta * dist[s];
        owner.fill(s, r, r + k);
        makeProbes(rngs[s], l2, zA, s * m, m, k, delta, pts, us, r * m);
        r += k;
      }
      const adv = await evaluate(pts, owner, rows);
      r = 0;
      for (const { s, k } of chunk) {
        gradientDirection(adv, r, k, us, m, l2, direction, s * m);
        r += k;
      }
    }

    // 2b. Geometric step-size search: ξ = dist/√t, halved until the step lands on the adversarial side.
    const eps = new Float64Array(n);
    const target = new Float64Array(n * m);
    let searching = plan.map((p) => p.s);
    const stepped: number[] = [];
    for (const s of searching) eps[s] = dist[s] / Math.sqrt(t);
    for (let h = 0; h < stepHalvings && searching.length > 0; h++) {
      searching = searching.filter((s) => queries[s] < o.maxQueries);
      if (searching.length === 0) break;
      const pts = new Float64Array(searching.length * m);
      searching.forEach((s, i) => {
        for (let j = 0; j < m; j++) {
          const p = zA[s * m + j] + eps[s] * direction[s * m + j];
          pts[i * m + j] = p < 0 ? 0 : Math.min(p, 1);
        }
      });
      const adv = await evaluate(pts, Int32Array.from(searching), searching.length);
      const next: number[] = [];
      searching.forEach((s, i) => {
        if (adv[i]) {
          target.set(pts.subarray(i * m, (i + 1) * m), s * m);
          stepped.push(s);
        } else {
          eps[s] /= 2;
          next.push(s);
        }
      });
      searching = next;
    }

    // 2c. Back to the boundary.
    if (stepped.length > 0) {
      stepped.sort((a, b) => a - b);
      await binarySearch(stepped, target);
      trackBest(stepped);
    }
    for (const { s } of plan) iterations[s] = t;
    o.progress?.(t, o.maxIter);
  }

  // 3. Re-score every reported adversarial row and check it against the domain's constraints.
  const found: number[] = [];
  for (let s = 0; s < n; s++) if (Number.isFinite(bestDist[s])) found.push(s);
  const rescored = new Int32Array(n).fill(-1);
  if (found.length > 0) {
    const raw = new Float64Array(found.length * d);
    found.forEach((s, i) => {
      raw.set(best.subarray(s * d, (s + 1) * d), i * d);
    });
    const labels = await predictLabels(predict, raw, found.length, d, o.maxBatch);
    totalQueries += found.length;
    found.forEach((s, i) => {
      rescored[s] = labels[i];
    });
  }
  const adversarial = x.slice(0, n * d);
  const samples: HsjSample[] = [];
  for (let s = 0; s < n; s++) {
    const base = { originalLabel: y0[s], queries: queries[s], iterations: iterations[s] };
    if (!Number.isFinite(bestDist[s])) {
      samples.push({
        ...base,
        success: false,
        adversarialLabel: null,
        distance: null,
        l2: null,
        linf: null,
        reason: reasons[s],
      });
      continue;
    }
    const violation = constraintViolation(domain, best, s * d, x, s * d);
    const flipped = rescored[s] !== y0[s];
    if (violation || !flipped) {
      samples.push({
        ...base,
        success: false,
        adversarialLabel: rescored[s],
        distance: null,
        l2: null,
        linf: null,
        reason: violation
          ? `adversarial row breaks a constraint: ${violation}`
          : 're-scoring gave the original label back',
      });
      continue;
    }
    const dd = unitDistance(domain, best, s * d, x, s * d);
    adversarial.set(best.subarray(s * d, (s + 1) * d), s * d);
    samples.push({
      ...base,
      success: true,
      adversarialLabel: rescored[s],
      distance: l2 ? dd.l2 : dd.linf,
      l2: dd.l2,
      linf: dd.linf,
    });
  }
  return { samples, adversarial, originalLabels: y0, totalQueries };
}

/**
 * k probes around the boundary point zA[zOff..zOff+m): u ~ N(0, I) (L2) or U(−1, 1)^m (L∞), scaled to length δ,
 * clipped to [0, 1]; writes the points to pts and the steps actually taken (after clipping, in units of δ) to us.
 * A plain function (not inlined in the async attack loop) so V8 optimises it.
 */
function makeProbes(
  rng: Rng,
  l2: boolean,
  zA: Float64Array,
  zOff: number,
  m: number,
  k: number,
  delta: number,
  pts: Float64Array,
  us: Float64Array,
  off: number,
): void {
  for (let q = 0; q < k; q++) {
    const o = off + q * m;
    let nn = 0;
    if (l2) nn = fillNormal(rng, us, o, m);
    else {
      for (let j = 0; j < m; j++) {
        const u = 2 * rng.next() - 1;
        us[o + j] = u;
        nn += u * u;
      }
    }
    const scale = delta / (Math.sqrt(nn) || 1);
    for (let j = 0; j < m; j++) {
      const a = zA[zOff + j];
      let p = a + scale * us[o + j];
      p = p < 0 ? 0 : Math.min(p, 1);
      pts[o + j] = p;
      us[o + j] = (p - a) / delta;
    }
  }
}

/**
 * The paper's Monte-Carlo estimate of the boundary normal from k probes' ±1 votes (baseline-corrected unless all
 * votes agree), as a unit vector (L2) or its sign (L∞), written to out[outOff..outOff+m).
 */
function gradientDirection(
  adv: Uint8Array,
  r0: number,
  k: number,
  us: Float64Array,
  m: number,
  l2: boolean,
  out: Float64Array,
  outOff: number,
): void {
  let mean = 0;
  for (let q = 0; q < k; q++) mean += adv[r0 + q] ? 1 : -1;
  mean /= k;
  const baseline = Math.abs(mean) === 1 ? 0 : mean;
  const g = new Float64Array(m);
  for (let q = 0; q < k; q++) {
    const f = (adv[r0 + q] ? 1 : -1) - baseline;
    const o = (r0 + q) * m;
    for (let j = 0; j < m; j++) g[j] += f * us[o + j];
  }
  let gn = 0;
  for (let j = 0; j < m; j++) gn += g[j] * g[j];
  gn = Math.sqrt(gn);
  for (let j = 0; j < m; j++) out[outOff + j] = gn === 0 ? 0 : l2 ? g[j] / gn : Math.sign(g[j]);
}

function normOfLinf(a: Float64Array, aOff: number, b: Float64Array, bOff: number, m: number): number {
  let s = 0;
  for (let j = 0; j < m; j++) {
    const t = Math.abs(a[aOff + j] - b[bOff + j]);
    if (t > s) s = t;
  }
  return s;
}

export interface AttackSummary {
  attacked: number;
  successes: number;
  successRate: number;
  /** Median distance over all attacked samples, failures counted as +∞; null when half or more failed. */
  medianDistance: number | null;
  meanQueries: number;
  /** Accuracy of the original predictions on the attacked samples (null when no ground truth is known). */
  accuracy: number | null;
  /** Fraction of samples with an adversarial example within each ε. */
  curve: { epsilon: number; successRate: number; accuracyUnderAttack: number | null }[];
  epsilon: number;
  accuracyUnderAttack: number | null;
}

/**
 * Success rate against the perturbation budget, and accuracy under attack: a sample counts as correct at ε
 * when its original prediction is right and no adversarial example within distance ε was found.
 */
export function summarizeAttack(
  samples: HsjSample[],
  yTrue: ArrayLike<number> | null,
  epsilons: number[],
  epsilon: number,
): AttackSummary {
  const n = samples.length;
  const dists = samples.map((s) => (s.success && s.distance !== null ? s.distance : Number.POSITIVE_INFINITY));
  const sorted = [...dists].sort((a, b) => a - b);
  const mid = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const correct = yTrue ? samples.map((s, i) => s.originalLabel === yTrue[i]) : null;
  const at = (eps: number) => {
    const rate = n === 0 ? 0 : dists.filter((v) => v <= eps).length / n;
    const acc = correct && n > 0 ? correct.filter((c, i) => c && !(dists[i] <= eps)).length / n : null;
    return { epsilon: eps, successRate: rate, accuracyUnderAttack: acc };
  };
  const successes = samples.filter((s) => s.success).length;
  return {
    attacked: n,
    successes,
    successRate: n === 0 ? 0 : successes / n,
    medianDistance: n > 0 && Number.isFinite(mid) ? mid : null,
    meanQueries: n === 0 ? 0 : samples.reduce((a, s) => a + s.queries, 0) / n,
    accuracy: correct && n > 0 ? correct.filter(Boolean).length / n : null,
    curve: epsilons.map(at),
    epsilon,
    accuracyUnderAttack: at(epsilon).accuracyUnderAttack,
  };
}
