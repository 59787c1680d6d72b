/**
 * Exact path-dependent TreeSHAP: Lundberg, Erion & Lee 2018, "Consistent Individualized Feature Attribution
 * for Tree Ensembles" (arXiv:1802.03888), Algorithm 2; structured like shap's `shap/cext/tree_shap.h`
 * (`tree_shap_recursive`, `extend_path`, `unwind_path`, `unwound_path_sum`), with the path kept in one
 * preallocated typed-array stack (each recursion level copies its parent's segment).
 *
 * Child fractions use cover(child) / (cover(yes) + cover(no)), so the expected value and the attributions
 * always add up to the prediction, whatever the covers.
 */
import { extend, type Path, unwind, unwoundSum } from './shapPath.js';
import { goesYes, LEAF, predictEnsemble, rootOf, type Tree, type TreeEnsemble } from './treeEnsemble.js';
import { leafTables, tablePhi } from './treeShapTables.js';

export interface TreeShapResult {
  /** rows × features × targets. */
  phi: Float64Array;
  /** Expected raw score per target (base values + cover-weighted mean leaf value of every tree). */
  expectedValue: Float64Array;
  /** Raw score per row and target. */
  fx: Float64Array;
  features: number;
  targets: number;
}

/** State of one row × tree walk (module-level recursion, no closures allocated per row). */
interface Walk {
  tree: Tree;
  x: Float64Array;
  xOff: number;
  float32: boolean;
  targets: number;
  phi: Float64Array;
  phiOff: number;
  path: Path;
}

function recurse(s: Walk, node: number, parentAt: number, len: number, pz: number, po: number, pi: number): void {
  const { tree, path } = s;
  // Copy the parent's path (len elements) into this level's segment, then extend it.
  let at = parentAt;
  if (len > 0) {
    at = parentAt + len + 1;
    for (let t = 0; t < len; t++) {
      path.d[at + t] = path.d[parentAt + t];
      path.z[at + t] = path.z[parentAt + t];
      path.o[at + t] = path.o[parentAt + t];
      path.w[at + t] = path.w[parentAt + t];
    }
  }
  extend(path, at, len, pz, po, pi);
  if (tree.mode[node] === LEAF) {
    const targets = s.targets;
    for (let i = 1; i <= len; i++) {
      const w = unwoundSum(path, at, len, i) * (path.o[at + i] - path.z[at + i]);
      const base = s.phiOff + path.d[at + i] * targets;
      for (let k = 0; k < targets; k++) s.phi[base + k] += w * tree.value[node * targets + k];
    }
    return;
  }
  const f = tree.feature[node];
  const yes = goesYes(tree, node, s.x[s.xOff + f], s.float32);
  const hot = yes ? tree.yes[node] : tree.no[node];
  const cold = yes ? tree.no[node] : tree.yes[node];
  const total = tree.cover[tree.yes[node]] + tree.cover[tree.no[node]];
  let iz = 1;
  let io = 1;
  let l = len + 1;
  for (let k = 1; k <= len; k++) {
    if (path.d[at + k] === f) {
      iz = path.z[at + k];
      io = path.o[at + k];
      unwind(path, at, len, k);
      l--;
      break;
    }
  }
  const hotFrac = total > 0 ? tree.cover[hot] / total : 0.5;
  const coldFrac = total > 0 ? tree.cover[cold] / total : 0.5;
  recurse(s, hot, at, l, iz * hotFrac, io, f);
  if (coldFrac > 0) recurse(s, cold, at, l, iz * coldFrac, 0, f);
}

/** Cover-weighted expected leaf value of a tree (same fractions as the attribution). */
function expectation(tree: Tree, node: number, targets: number, out: Float64Array, weight: number): void {
  if (tree.mode[node] === LEAF) {
    for (let k = 0; k < targets; k++) out[k] += weight * tree.value[node * targets + k];
    return;
  }
  const cy = tree.cover[tree.yes[node]];
  const cn = tree.cover[tree.no[node]];
  const total = cy + cn;
  expectation(tree, tree.yes[node], targets, out, weight * (total > 0 ? cy / total : 0.5));
  expectation(tree, tree.no[node], targets, out, weight * (total > 0 ? cn / total : 0.5));
}

export function expectedValue(ens: TreeEnsemble): Float64Array {
  const out = Float64Array.from(ens.base);
  for (const tree of ens.trees) expectation(tree, rootOf(tree), ens.targets, out, 1);
  return out;
}

/** Which algorithm computes the attributions (same values; see `treeShap`). */
export type TreeShapMethod = 'auto' | 'tables' | 'recursive';

/**
 * TreeSHAP values for n rows of width d (d ≥ the ensemble's feature count).
 *
 * `tables` (the default when they fit, `auto`): each leaf's path is fixed, and for one row only its one
 * fractions (does the row follow every split of feature f on the path: 0 or 1) change, so a leaf's attributions
 * are a function of at most 2^m patterns (m = distinct features on its path); they are computed once per
 * ensemble and each row looks them up (the idea of Yang 2021, "Fast TreeSHAP", arXiv:2109.09847, algorithm v2).
 * `recursive`: the walk of Algorithm 2 per row, for ensembles whose tables would be too large.
 */
export function treeShap(
  ens: TreeEnsemble,
  x: Float64Array,
  n: number,
  d: number,
  method: TreeShapMethod = 'auto',
): TreeShapResult {
  if (d < ens.features) throw new Error(`rows have ${d} columns; the trees split on feature ${ens.features - 1}`);
  const tables = method === 'recursive' ? null : leafTables(ens);
  if (method === 'tables' && !tables) throw new Error('the leaf tables of this ensemble exceed the memory budget');
  const phi = tables ? tablePhi(ens, tables, x, n, d) : recursivePhi(ens, x, n, d);
  return {
    phi,
    expectedValue: expectedValue(ens),
    fx: predictEnsemble(ens, x, n, d),
    features: d,
    targets: ens.targets,
  };
}

/** Algorithm 2, one recursive walk per row and tree. */
function recursivePhi(ens: TreeEnsemble, x: Float64Array, n: number, d: number): Float64Array {
  const targets = ens.targets;
  const phi = new Float64Array(n * d * targets);
  const maxDepth = Math.max(0, ...ens.trees.map((t) => t.maxDepth));
  const size = (maxDepth + 3) * (maxDepth + 3);
  const path: Path = {
    d: new Int32Array(size),
    z: new Float64Array(size),
    o: new Float64Array(size),
    w: new Float64Array(size),
  };
  const roots = ens.trees.map(rootOf);
  const walk: Walk = { tree: ens.trees[0], x, xOff: 0, float32: ens.float32, targets, phi, phiOff: 0, path };
  for (let r = 0; r < n; r++) {
    walk.xOff = r * d;
    walk.phiOff = r * d * targets;
    for (let t = 0; t < ens.trees.length; t++) {
      walk.tree = ens.trees[t];
      recurse(walk, roots[t], 0, 0, 1, 1, -1);
    }
  }
  return phi;
}
