/**
 * Path-dependent TreeSHAP by per-leaf tables (Yang 2021, "Fast TreeSHAP: Accelerating SHAP Value Computation
 * for Trees", arXiv:2109.09847, algorithm v2; written from the paper, not from linkedin/FastTreeSHAP's code).
 *
 * In Algorithm 2 the path that reaches a leaf is the same for every row: its distinct features f, each with a
 * zero fraction z_f (the product of the cover fractions of f's splits on the path). A row only decides each
 * one fraction o_f ∈ {0, 1}: 1 when it follows every split of f on the path. So a leaf's attributions are a
 * function of the m-bit pattern (o_f), and the 2^m × m weights (unwound_path_sum × (o − z)) are computed once
 * per ensemble with the same path primitives. Per row and tree: one comparison per internal node, then per
 * leaf its pattern and m multiply-adds, with no recursion and no path copies.
 */
import { extend, type Path, unwoundSum } from './shapPath.js';
import { goesYes, LEAF, rootOf, type Tree, type TreeEnsemble } from './treeEnsemble.js';

/** Tables larger than this many weights (8 bytes each) fall back to the recursive algorithm. */
const MAX_WEIGHTS = 1 << 22;
/** Distinct features on one path above which a leaf's 2^m table is never built. */
const MAX_PATH_FEATURES = 16;

export interface TreeTables {
  /** Internal nodes (the comparisons a row needs). */
  internal: Int32Array;
  /** Leaf node ids. */
  leaf: Int32Array;
  /** Per leaf: its distinct path features are features[featureStart[l] .. featureStart[l + 1]). */
  featureStart: Int32Array;
  features: Int32Array;
  /** Per leaf: the path's splits are step[stepStart[l] .. stepStart[l + 1]). */
  stepStart: Int32Array;
  stepNode: Int32Array;
  /** 1 where the path takes the node's "yes" child. */
  stepYes: Uint8Array;
  /** Bit (distinct-feature slot) of the split's feature. */
  stepSlot: Int32Array;
  /** Per leaf: the share of each slot's feature in the leaf value, weights[weightStart[l] + (pattern · m + slot) · targets + k]. */
  weightStart: Int32Array;
  weights: Float64Array;
}

const cache = new WeakMap<TreeEnsemble, TreeTables[] | null>();

/** The ensemble's leaf tables, or null when they would exceed the memory budget. Cached per ensemble. */
export function leafTables(ens: TreeEnsemble): TreeTables[] | null {
  const hit = cache.get(ens);
  if (hit !== undefined) return hit;
  let budget = MAX_WEIGHTS;
  const out: TreeTables[] = [];
  for (const tree of ens.trees) {
    const t = treeTables(tree, ens.targets, budget);
    if (!t) {
      cache.set(ens, null);
      return null;
    }
    budget -= t.weights.length;
    out.push(t);
  }
  cache.set(ens, out);
  return out;
}

/** Child fraction as the recursive walk computes it: cover(child) / (cover(yes) + cover(no)), ½ with no cover. */
function fraction(tree: Tree, node: number, yes: boolean): number {
  const total = tree.cover[tree.yes[node]] + tree.cover[tree.no[node]];
  return total > 0 ? tree.cover[yes ? tree.yes[node] : tree.no[node]] / total : 0.5;
}

function treeTables(tree: Tree, targets: number, budget: number): TreeTables | null {
  const internal: number[] = [];
  const leaf: number[] = [];
  const featureStart = [0];
  const features: number[] = [];
  const stepStart = [0];
  const stepNode: number[] = [];
  const stepYes: number[] = [];
  const stepSlot: number[] = [];
  const weightStart: number[] = [];
  const chunks: Float64Array[] = [];
  let size = 0;
  const nodes: number[] = [];
  const dirs: boolean[] = [];
  const depth = tree.maxDepth + 2;
  const path: Path = {
    d: new Int32Array(depth),
    z: new Float64Array(depth),
    o: new Float64Array(depth),
    w: new Float64Array(depth),
  };

  const atLeaf = (node: number): boolean => {
    // Distinct features in order of first split, with z = the product of their fractions along the path.
    const slotOf = new Map<number, number>();
    const z: number[] = [];
    for (let k = 0; k < nodes.length; k++) {
      const f = tree.feature[nodes[k]];
      let s = slotOf.get(f);
      if (s === undefined) {
        s = z.length;
        slotOf.set(f, s);
        z.push(1);
        features.push(f);
      }
      z[s] *= fraction(tree, nodes[k], dirs[k]);
      stepNode.push(nodes[k]);
      stepYes.push(dirs[k] ? 1 : 0);
      stepSlot.push(s);
    }
    const m = z.length;
    const T = targets;
    if (m > MAX_PATH_FEATURES || size + (m << m) * T > budget) return false;
    const w = new Float64Array((m << m) * T);
    for (let pattern = 0; pattern < 1 << m; pattern++) {
      // A feature the row leaves with a zero fraction makes the path's weight 0 (the walk never enters it).
      let dead = false;
      for (let s = 0; s < m; s++) if (z[s] === 0 && !(pattern & (1 << s))) dead = true;
      if (dead) continue;
      extend(path, 0, 0, 1, 1, -1);
      for (let s = 0; s < m; s++) extend(path, 0, s + 1, z[s], (pattern >> s) & 1, s);
      for (let s = 0; s < m; s++) {
        const share = unwoundSum(path, 0, m, s + 1) * (path.o[s + 1] - path.z[s + 1]);
        for (let k = 0; k < T; k++) w[(pattern * m + s) * T + k] = share * tree.value[node * T + k];
      }
    }
    leaf.push(node);
    featureStart.push(features.length);
    stepStart.push(stepNode.length);
    weightStart.push(size);
    chunks.push(w);
    size += w.length;
    return true;
  };

  const walk = (node: number): boolean => {
    if (tree.mode[node] === LEAF) return atLeaf(node);
    internal.push(node);
    for (const yes of [true, false]) {
      nodes.push(node);
      dirs.push(yes);
      const ok = walk(yes ? tree.yes[node] : tree.no[node]);
      nodes.pop();
      dirs.pop();
      if (!ok) return false;
    }
    return true;
  };
  if (!walk(rootOf(tree))) return null;

  const weights = new Float64Array(size);
  chunks.forEach((c, l) => {
    weights.set(c, weightStart[l]);
  });
  return {
    internal: Int32Array.from(internal),
    leaf: Int32Array.from(leaf),
    featureStart: Int32Array.from(featureStart),
    features: Int32Array.from(features),
    stepStart: Int32Array.from(stepStart),
    stepNode: Int32Array.from(stepNode),
    stepYes: Uint8Array.from(stepYes),
    stepSlot: Int32Array.from(stepSlot),
    weightStart: Int32Array.from(weightStart),
    weights,
  };
}

/** rows × d × targets attributions from the tables. */
export function tablePhi(ens: TreeEnsemble, tables: TreeTables[], x: Float64Array, n: number, d: number): Float64Array {
  const T = ens.targets;
  const phi = new Float64Array(n * d * T);
  const maxNodes = Math.max(0, ...ens.trees.map((t) => t.feature.length));
  const goes = new Uint8Array(maxNodes);
  for (let t = 0; t < ens.trees.length; t++) {
    const tree = ens.trees[t];
    const tab = tables[t];
    const { internal, leaf, featureStart, features, stepStart, stepNode, stepYes, stepSlot, weightStart, weights } =
      tab;
    for (let r = 0; r < n; r++) {
      const xOff = r * d;
      const phiOff = r * d * T;
      for (let k = 0; k < internal.length; k++) {
        const node = internal[k];
        goes[node] = goesYes(tree, node, x[xOff + tree.feature[node]], ens.float32) ? 1 : 0;
      }
      let stepEnd = stepStart[0];
      for (let l = 0; l < leaf.length; l++) {
        const f0 = featureStart[l];
        const m = featureStart[l + 1] - f0;
        const stepBegin = stepEnd;
        stepEnd = stepStart[l + 1];
        let pattern = (1 << m) - 1;
        // Branch-free: a split the row does not follow clears its feature's bit.
        for (let s = stepBegin; s < stepEnd; s++) pattern &= ~((goes[stepNode[s]] ^ stepYes[s]) << stepSlot[s]);
        // Weights already hold × the leaf's value per target.
        let w = weightStart[l] + pattern * m * T;
        for (let s = 0; s < m; s++) {
          const base = phiOff + features[f0 + s] * T;
          for (let k = 0; k < T; k++) phi[base + k] += weights[w++];
        }
      }
    }
  }
  return phi;
}
