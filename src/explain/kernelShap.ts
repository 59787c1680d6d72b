/**
 * KernelSHAP (Lundberg & Lee 2017) over a batched predictor, with players = groups of raw feature columns.
 *
 * The value of a coalition S for an explained row x is v(S) = Σ_b w_b f(x_S, bg_b,¬S) (the interventional
 * expectation over a weighted background). Shapley values are the solution of the Shapley-kernel weighted
 * least squares over coalitions with the efficiency constraint Σφ = f(x) − v(∅) enforced exactly (the last
 * player is eliminated), as in shap's `shap/explainers/_kernel.py` (`solve`). With every coalition enumerated
 * (≤ `exactMaxPlayers` players) the solution IS the Shapley value. Beyond, coalitions are sampled as shap does:
 * whole subset sizes are enumerated while the budget allows (smallest first, each with its complement), the
 * rest drawn from the Shapley kernel distribution in complementary pairs; a standard error is estimated from
 * disjoint groups of the random pairs.
 *
 * All rows × coalitions × background rows go through the predictor in large batches; outputs are reduced to
 * v(S) as they arrive, so memory stays at one batch.
 */
import type { Rng } from '../util/random.js';
import { binomial, cholesky, choleskySolve, pivotedSolve } from './linalg.js';
import { allocLike, type BatchPredictor, type Matrix, predictAll, type Rows } from './predictor.js';

export interface KernelShapOptions<A extends Rows = Float64Array> {
  /**
   * Players: each a list of columns that move together. On raw rows a one-hot feature is one column; on a
   * model's encoded rows (Float32Array) it is its block of one-hot columns.
   */
  groups: number[][];
  background: Matrix<A>;
  /** Background weights (normalised here); uniform when absent. */
  backgroundWeights?: Float64Array;
  /** Number of model outputs per row. */
  outputs: number;
  /** Largest number of players explained by exact enumeration (2^M − 2 coalitions). Default 12. */
  exactMaxPlayers?: number;
  /** Coalition budget in sampling mode (default 2M + 2048, as shap's "auto"). */
  nsamples?: number;
  /** Needed in sampling mode. */
  rng?: Rng;
  /**
   * Optional: the model evaluates coalitions without the synthetic rows being built (src/models/onnxMasked.ts).
   * Called with `count` coalition masks (count × d, 1 = the column comes from the row) and one explained row;
   * returns v(S) = Σ_b w_b f(row_S, bg_b) for each coalition (count × outputs), with the background and its
   * normalised weights bound by the caller: what the plain path computes, up to rounding.
   */
  masked?: MaskedPredictor<A>;
  /** Rows per predictor call (default 65536, rounded down to whole background blocks). */
  batchRows?: number;
  progress?: (done: number, total: number) => void;
}

/** v(S) of one explained row for `count` coalition masks (count × d), over the bound background. */
export type MaskedPredictor<A extends Rows = Float64Array> = (
  masks: Uint8Array,
  count: number,
  row: A,
) => Promise<Float64Array>;

export interface KernelShapResult {
  /** rows × players × outputs. */
  phi: Float64Array;
  /** v(∅) = the background-weighted mean output, per output. */
  baseValue: Float64Array;
  /** f(x) per explained row and output. */
  fx: Float64Array;
  players: number;
  outputs: number;
  exact: boolean;
  /** Coalitions evaluated (excluding ∅ and the full set). */
  coalitions: number;
  /** Sampling mode: estimated standard error of each φ (rows × players × outputs); null when exact. */
  stdErr: Float64Array | null;
  /** Rows the predictor was asked for. */
  modelEvaluations: number;
}

/** A coalition design: masks (Q × M, 0/1) and kernel weights, plus the sampling group of each coalition. */
export interface CoalitionDesign {
  masks: Uint8Array;
  weights: Float64Array;
  /** −1 for enumerated coalitions, else the index of the random group (for the standard error). */
  group: Int32Array;
  count: number;
  exact: boolean;
  groups: number;
}

/** Shapley kernel weight of one coalition of size s among M players. */
export function shapleyKernelWeight(m: number, s: number): number {
  return (m - 1) / (binomial(m, s) * s * (m - s));
}

/** Every coalition of sizes 1..M−1 with its Shapley kernel weight. */
export function exactDesign(m: number): CoalitionDesign {
  const q = 2 ** m - 2;
  const masks = new Uint8Array(q * m);
  const weights = new Float64Array(q);
  for (let code = 1, r = 0; code < 2 ** m - 1; code++, r++) {
    let s = 0;
    for (let j = 0; j < m; j++) {
      if ((code >> j) & 1) {
        masks[r * m + j] = 1;
        s++;
      }
    }
    weights[r] = shapleyKernelWeight(m, s);
  }
  return { masks, weights, group: new Int32Array(q).fill(-1), count: q, exact: true, groups: 0 };
}

/** Coalitions of size s (lexicographic). */
function* subsetsOfSize(m: number, s: number): Generator<number[]> {
  const idx = Array.from({ length: s }, (_, i) => i);
  for (;;) {
    yield idx.slice();
    let i = s - 1;
    while (i >= 0 && idx[i] === m - s + i) i--;
    if (i < 0) return;
    idx[i]++;
    for (let j = i + 1; j < s; j++) idx[j] = idx[j - 1] + 1;
  }
}

/**
 * shap's sampling design (`_kernel.py`, `explain`): enumerate whole sizes while the budget covers them, then
 * draw the remaining sizes from the kernel distribution, each subset with its complement; duplicates add weight.
 */
export function sampledDesign(m: number, nsamples: number, rng: Rng, nGroups = 4): CoalitionDesign {
  const nSizes = Math.ceil((m - 1) / 2);
  const nPaired = Math.floor((m - 1) / 2);
  const sizeWeight = new Float64Array(nSizes);
  for (let s = 1; s <= nSizes; s++) sizeWeight[s - 1] = ((m - 1) / (s * (m - s))) * (s <= nPaired ? 2 : 1);
  const total = sizeWeight.reduce((a, b) => a + b, 0);
  for (let i = 0; i < nSizes; i++) sizeWeight[i] /= total;

  const masks: number[][] = [];
  const weights: number[] = [];
  const group: number[] = [];
  const add = (members: number[], w: number, g: number): void => {
    const mask = new Array<number>(m).fill(0);
    for (const j of members) mask[j] = 1;
    masks.push(mask);
    weights.push(w);
    group.push(g);
  };

  let left = nsamples;
  const remaining = Float64Array.from(sizeWeight);
  let fullSizes = 0;
  for (let s = 1; s <= nSizes; s++) {
    const paired = s <= nPaired;
    const nSubsets = binomial(m, s) * (paired ? 2 : 1);
    if ((left * remaining[s - 1]) / nSubsets < 1 - 1e-8) break;
    fullSizes++;
    left -= nSubsets;
    if (remaining[s - 1] < 1) {
      const scale = 1 - remaining[s - 1];
      for (let i = 0; i < nSizes; i++) remaining[i] /= scale;
    }
    const w = sizeWeight[s - 1] / binomial(m, s) / (paired ? 2 : 1);
    for (const members of subsetsOfSize(m, s)) {
      add(members, w, -1);
      if (paired) add(complement(members, m), w, -1);
    }
  }
  const nFixed = masks.length;
  if (fullSizes === nSizes || left <= 0) {
    return pack(masks, weights, group, m, fullSizes === nSizes, 0);
  }

  // Random phase over the sizes not enumerated.
  const rest = sizeWeight.slice(fullSizes);
  const restSum = rest.reduce((a, b) => a + b, 0);
  const cdf = new Float64Array(rest.length);
  let acc = 0;
  for (let i = 0; i < rest.length; i++) {
    acc += rest[i] / restSum;
    cdf[i] = acc;
  }
  const seen = new Map<string, number>();
  let draws = 0;
  const maxDraws = 4 * nsamples + 1000;
  let pairIndex = 0;
  while (left > 0 && draws < maxDraws) {
    draws++;
    const u = rng.next();
    let k = 0;
    while (k < cdf.length - 1 && u >= cdf[k]) k++;
    const s = fullSizes + k + 1;
    const members = partialShuffle(m, s, rng);
    const key = members
      .slice()
      .sort((a, b) => a - b)
      .join(',');
    const existing = seen.get(key);
    const paired = s <= nPaired;
    if (paired && left < 2) break;
    if (existing !== undefined) {
      weights[existing]++;
      if (paired) weights[existing + 1]++;
      continue;
    }
    const g = pairIndex++ % nGroups;
    seen.set(key, masks.length);
    add(members, 1, g);
    left--;
    if (paired) {
      add(complement(members, m), 1, g);
      left--;
    }
  }
  // Random-phase weights share what the enumerated sizes left of the kernel mass.
  const weightLeft = sizeWeight.slice(fullSizes).reduce((a, b) => a + b, 0);
  let randSum = 0;
  for (let i = nFixed; i < weights.length; i++) randSum += weights[i];
  for (let i = nFixed; i < weights.length; i++) weights[i] *= weightLeft / randSum;
  return pack(masks, weights, group, m, false, Math.min(nGroups, pairIndex));
}

function complement(members: number[], m: number): number[] {
  const inS = new Set(members);
  const out: number[] = [];
  for (let j = 0; j < m; j++) if (!inS.has(j)) out.push(j);
  return out;
}

function partialShuffle(m: number, s: number, rng: Rng): number[] {
  const p = Array.from({ length: m }, (_, i) => i);
  for (let i = 0; i < s; i++) {
    const j = i + rng.int(m - i);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p.slice(0, s);
}

function pack(
  masks: number[][],
  weights: number[],
  group: number[],
  m: number,
  exact: boolean,
  groups: number,
): CoalitionDesign {
  const q = masks.length;
  const flat = new Uint8Array(q * m);
  for (let r = 0; r < q; r++) flat.set(masks[r], r * m);
  return { masks: flat, weights: Float64Array.from(weights), group: Int32Array.from(group), count: q, exact, groups };
}

/**
 * Solves the constrained weighted least squares for every explained row and output, for the coalitions
 * `use` selects (all when absent). ey: rows × Q × outputs (values v(S) − v(∅)); delta: rows × outputs.
 */
export function solveShapley(
  design: CoalitionDesign,
  m: number,
  ey: Float64Array,
  delta: Float64Array,
  rows: number,
  outputs: number,
  use?: (q: number) => boolean,
): Float64Array {
  const phi = new Float64Array(rows * m * outputs);
  if (m === 1) {
    for (let r = 0; r < rows; r++) for (let k = 0; k < outputs; k++) phi[r * outputs + k] = delta[r * outputs + k];
    return phi;
  }
  const p = m - 1;
  const q = design.count;
  // X_{q,i} = z_{q,i} − z_{q,M−1}; the same normal matrix serves every row and output.
  const xtwx = new Float64Array(p * p);
  const selected: number[] = [];
  for (let c = 0; c < q; c++) {
    if (use && !use(c)) continue;
    selected.push(c);
    const w = design.weights[c];
    const zl = design.masks[c * m + p];
    for (let i = 0; i < p; i++) {
      const xi = design.masks[c * m + i] - zl;
      if (xi === 0) continue;
      for (let j = 0; j <= i; j++) {
        const xj = design.masks[c * m + j] - zl;
        if (xj !== 0) xtwx[i * p + j] += w * xi * xj;
      }
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) xtwx[j * p + i] = xtwx[i * p + j];
  const l = cholesky(xtwx, p);
  const rhs = new Float64Array(p);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < outputs; k++) {
      const dl = delta[r * outputs + k];
      rhs.fill(0);
      for (const c of selected) {
        const zl = design.masks[c * m + p];
        const y = ey[(r * q + c) * outputs + k] - zl * dl;
        const wy = design.weights[c] * y;
        for (let i = 0; i < p; i++) {
          const xi = design.masks[c * m + i] - zl;
          if (xi !== 0) rhs[i] += xi * wy;
        }
      }
      const beta = l ? choleskySolve(l, p, rhs) : pivotedSolve(xtwx, p, rhs);
      let sum = 0;
      for (let i = 0; i < p; i++) {
        phi[(r * m + i) * outputs + k] = beta[i];
        sum += beta[i];
      }
      phi[(r * m + p) * outputs + k] = dl - sum;
    }
  }
  return phi;
}

/**
 * v(S) for every explained row and coalition: ey[(r·Q + c)·K + k] = Σ_b w_b f(row r with coalition c over
 * background row b)[k]. Batches hold one chunk of coalitions × the background for one explained row; chunks are
 * visited row after row, so the reused buffer already holds the background in every column outside the
 * coalitions and only the coalitions' columns are rewritten (the row values change, nothing else does).
 */
async function evaluateCoalitions<A extends Rows>(
  predict: BatchPredictor<A>,
  rows: Matrix<A>,
  bg: Matrix<A>,
  bw: Float64Array,
  cols: Int32Array[],
  outputs: number,
  batchRows: number,
  progress?: (done: number, total: number) => void,
  masked?: MaskedPredictor<A>,
): Promise<Float64Array> {
  const { d } = rows;
  const nb = bg.n;
  const q = cols.length;
  const ey = new Float64Array(rows.n * q * outputs);
  if (q === 0) return ey;
  const perBatch = Math.max(1, Math.floor(batchRows / nb));
  const nChunks = Math.ceil(q / perBatch);
  const chunkLen = Math.ceil(q / nChunks);
  const total = rows.n * q * nb;
  let done = 0;
  if (masked) {
    const masks = new Uint8Array(chunkLen * d);
    for (let ch = 0; ch < nChunks; ch++) {
      const c0 = ch * chunkLen;
      const c1 = Math.min(q, c0 + chunkLen);
      masks.fill(0);
      for (let c = c0; c < c1; c++) for (const col of cols[c]) masks[(c - c0) * d + col] = 1;
      const view = masks.subarray(0, (c1 - c0) * d);
      for (let r = 0; r < rows.n; r++) {
        const v = await masked(view, c1 - c0, rows.x.subarray(r * d, (r + 1) * d) as A);
        if (v.length !== (c1 - c0) * outputs) {
          throw new Error(
            `masked predictor returned ${v.length} values for ${c1 - c0} coalitions × ${outputs} outputs`,
          );
        }
        ey.set(v, (r * q + c0) * outputs);
        done += (c1 - c0) * nb;
        progress?.(done, total);
      }
    }
    return ey;
  }
  // One buffer, calls strictly sequential (adapters need not be reentrant).
  const buffer = allocLike(rows.x, chunkLen * nb * d);
  let held = -1; // the chunk whose background layout the buffer holds
  for (let ch = 0; ch < nChunks; ch++) {
    const c0 = ch * chunkLen;
    const c1 = Math.min(q, c0 + chunkLen);
    const count = (c1 - c0) * nb;
    const view = buffer.subarray(0, count * d) as A;
    let prev = -1; // the explained row whose values the coalition columns hold
    for (let r = 0; r < rows.n; r++) {
      if (held !== ch) {
        for (let off = 0; off < count * d; off += nb * d) view.set(bg.x, off);
        held = ch;
        prev = -1;
      }
      const xo = r * d;
      const po = prev * d;
      for (let c = c0, off = 0; c < c1; c++, off += nb * d) {
        const cl = cols[c];
        const len = cl.length;
        for (let t = 0; t < len; t++) {
          const col = cl[t];
          const v = rows.x[xo + col];
          // Columns where this row equals the previous one already hold the value (most one-hot columns).
          if (prev >= 0 && rows.x[po + col] === v) continue;
          for (let o = off + col, end = off + nb * d; o < end; o += d) view[o] = v;
        }
      }
      prev = r;
      const y = await predict(view, count);
      if (y.length !== count * outputs) {
        throw new Error(`predictor returned ${y.length} values for ${count} rows × ${outputs} outputs`);
      }
      for (let c = c0, i = 0; c < c1; c++) {
        const o = (r * q + c) * outputs;
        for (let b = 0; b < nb; b++, i++) {
          const w = bw[b];
          for (let k = 0; k < outputs; k++) ey[o + k] += w * y[i * outputs + k];
        }
      }
      done += count;
      progress?.(done, total);
    }
  }
  return ey;
}

/** Background weights summing to 1 (uniform when none are given): the w_b of v(S) = Σ_b w_b f(x_S, bg_b). */
export function normalisedWeights(weights: Float64Array | undefined, n: number): Float64Array {
  const w = new Float64Array(n);
  if (!weights) return w.fill(1 / n);
  const s = weights.reduce((a, b) => a + b, 0);
  for (let b = 0; b < n; b++) w[b] = weights[b] / s;
  return w;
}

/** Explains `rows` (n × d raw features) with KernelSHAP. */
export async function kernelShap<A extends Rows = Float64Array>(
  predict: BatchPredictor<A>,
  rows: Matrix<A>,
  options: KernelShapOptions<A>,
): Promise<KernelShapResult> {
  const { groups, background: bg, outputs } = options;
  const m = groups.length;
  const d = rows.d;
  if (bg.d !== d) throw new Error(`background has ${bg.d} columns, rows have ${d}`);
  if (bg.n === 0) throw new Error('background is empty');
  const nb = bg.n;
  const bw = normalisedWeights(options.backgroundWeights, nb);

  const exactMax = options.exactMaxPlayers ?? 12;
  let design: CoalitionDesign;
  if (m <= 1)
    design = {
      masks: new Uint8Array(0),
      weights: new Float64Array(0),
      group: new Int32Array(0),
      count: 0,
      exact: true,
      groups: 0,
    };
  else if (m <= exactMax) design = exactDesign(m);
  else {
    if (!options.rng) throw new Error('sampling KernelSHAP needs an rng');
    design = sampledDesign(m, options.nsamples ?? 2 * m + 2048, options.rng);
  }
  const q = design.count;

  let evaluations = 0;
  const counted: BatchPredictor<A> = (x, n) => {
    evaluations += n;
    return predict(x, n);
  };
  const bgOut = await predictAll<A>(counted, bg, outputs);
  const fx = await predictAll<A>(counted, rows, outputs);
  const base = new Float64Array(outputs);
  for (let b = 0; b < nb; b++) for (let k = 0; k < outputs; k++) base[k] += bw[b] * bgOut[b * outputs + k];

  // Raw columns each coalition takes from the explained row.
  const cols: Int32Array[] = [];
  for (let c = 0; c < q; c++) {
    const list: number[] = [];
    for (let j = 0; j < m; j++) if (design.masks[c * m + j]) list.push(...groups[j]);
    cols.push(Int32Array.from(list));
  }

  // ey[r, c, k] = Σ_b w_b f(row r with coalition c over background b)[k] − base[k]
  const ey = await evaluateCoalitions(
    counted,
    rows,
    bg,
    bw,
    cols,
    outputs,
    options.batchRows ?? 65536,
    options.progress,
    options.masked
      ? (masks, count, row) => {
          evaluations += count * nb;
          return options.masked!(masks, count, row);
        }
      : undefined,
  );
  for (let r = 0; r < rows.n; r++)
    for (let c = 0; c < q; c++) for (let k = 0; k < outputs; k++) ey[(r * q + c) * outputs + k] -= base[k];
  const delta = new Float64Array(rows.n * outputs);
  for (let r = 0; r < rows.n; r++)
    for (let k = 0; k < outputs; k++) delta[r * outputs + k] = fx[r * outputs + k] - base[k];

  const phi = solveShapley(design, m, ey, delta, rows.n, outputs);
  let stdErr: Float64Array | null = null;
  if (!design.exact && design.groups >= 2) {
    // Batch-means estimate: φ from each disjoint group of random pairs (plus the enumerated sizes), whose
    // spread / √G estimates the error of the estimate that uses all groups.
    const g = design.groups;
    const parts = Array.from({ length: g }, (_, gi) =>
      solveShapley(design, m, ey, delta, rows.n, outputs, (c) => design.group[c] < 0 || design.group[c] === gi),
    );
    stdErr = new Float64Array(phi.length);
    for (let i = 0; i < phi.length; i++) {
      let mean = 0;
      for (const p of parts) mean += p[i];
      mean /= g;
      let ss = 0;
      for (const p of parts) ss += (p[i] - mean) ** 2;
      stdErr[i] = Math.sqrt(ss / (g - 1) / g);
    }
  }
  return {
    phi,
    baseValue: base,
    fx,
    players: m,
    outputs,
    exact: design.exact,
    coalitions: q,
    stdErr,
    modelEvaluations: evaluations,
  };
}
