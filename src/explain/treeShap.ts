/**
 * Exact path-dependent TreeSHAP: Lundberg, Erion & Lee 2018, "Consistent Individualized Feature Attribution
 * for Tree Ensembles" (arXiv:1802.03888), Algorithm 2; structured like shap's `shap/cext/tree_shap.h`
 * (`tree_shap_recursive`, `extend_path`, `unwind_path`, `unwound_path_sum`), with the path kept in one
 * preallocated typed-array stack (each recursion level copies its parent's segment).
 *
 * Child fractions use cover(child) / (cover(yes) + cover(no)), so the expected value and the attributions
 * always add up to the prediction, whatever the covers.
 */
import { goesYes, LEAF, predictEnsemble, rootOf, type Tree, type TreeEnsemble } from './treeEnsemble.js';

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

interface Path {
  d: Int32Array;
  z: Float64Array;
  o: Float64Array;
  w: Float64Array;
}

function extend(p: Path, at: number, len: number, pz: number, po: number, pi: number): void {
  p.d[at + len] = pi;
  p.z[at + len] = pz;
  p.o[at + len] = po;
  p.w[at + len] = len === 0 ? 1 : 0;
  for (let i = len - 1; i >= 0; i--) {
    p.w[at + i + 1] += (po * p.w[at + i] * (i + 1)) / (len + 1);
    p.w[at + i] = (pz * p.w[at + i] * (len - i)) / (len + 1);
  }
}

/** Removes element `idx` from a path of `len + 1` elements (len = its last index). */
function unwind(p: Path, at: number, len: number, idx: number): void {
  const o = p.o[at + idx];
  const z = p.z[at + idx];
  let next = p.w[at + len];
  for (let j = len - 1; j >= 0; j--) {
    if (o !== 0) {
      const t = p.w[at + j];
      p.w[at + j] = (next * (len + 1)) / ((j + 1) * o);
      next = t - (p.w[at + j] * z * (len - j)) / (len + 1);
    } else {
      p.w[at + j] = (p.w[at + j] * (len + 1)) / (z * (len - j));
    }
  }
  for (let j = idx; j < len; j++) {
    p.d[at + j] = p.d[at + j + 1];
    p.z[at + j] = p.z[at + j + 1];
    p.o[at + j] = p.o[at + j + 1];
  }
}

/** Total permutation weight of the path if element `idx` were removed. */
function unwoundSum(p: Path, at: number, len: number, idx: number): number {
  const o = p.o[at + idx];
  const z = p.z[at + idx];
  let next = p.w[at + len];
  let total = 0;
  for (let j = len - 1; j >= 0; j--) {
    if (o !== 0) {
      const t = (next * (len + 1)) / ((j + 1) * o);
      total += t;
      next = p.w[at + j] - (t * z * (len - j)) / (len + 1);
    } else {
      total += (p.w[at + j] / z) * ((len + 1) / (len - j));
    }
  }
  return total;
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

/** TreeSHAP values for n rows of width d (d ≥ the ensemble's feature count). */
export function treeShap(ens: TreeEnsemble, x: Float64Array, n: number, d: number): TreeShapResult {
  if (d < ens.features) throw new Error(`rows have ${d} columns; the trees split on feature ${ens.features - 1}`);
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
  return { phi, expectedValue: expectedValue(ens), fx: predictEnsemble(ens, x, n, d), features: d, targets };
}
