import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  emptyTree,
  LEAF,
  predictEnsemble,
  readTreeEnsemble,
  rootOf,
  type Tree,
  type TreeEnsemble,
  withCoversFromData,
} from '../../src/explain/treeEnsemble.js';
import { treeShap } from '../../src/explain/treeShap.js';
import { leafTables } from '../../src/explain/treeShapTables.js';
import { createRng, type Rng } from '../../src/util/random.js';
import { sharedPath } from '../support/shared.js';
import { bruteShapley, fixture, flat, onnxPredictor, readJson } from './support.js';

/** Builds a Tree from a nested description. */
interface Spec {
  f?: number;
  t?: number;
  cover: number;
  yes?: Spec;
  no?: Spec;
  v?: number[];
}
function buildTree(spec: Spec, targets: number): Tree {
  const nodes: Spec[] = [];
  const walk = (s: Spec): void => {
    nodes.push(s);
    if (s.yes && s.no) {
      walk(s.yes);
      walk(s.no);
    }
  };
  walk(spec);
  const n = nodes.length;
  const tree: Tree = emptyTree(n, targets);
  const depth = (s: Spec): number => (s.yes && s.no ? 1 + Math.max(depth(s.yes), depth(s.no)) : 0);
  nodes.forEach((s, i) => {
    tree.cover[i] = s.cover;
    if (s.yes && s.no) {
      tree.feature[i] = s.f!;
      tree.threshold[i] = s.t!;
      tree.mode[i] = 0;
      tree.yes[i] = nodes.indexOf(s.yes);
      tree.no[i] = nodes.indexOf(s.no);
    } else {
      tree.mode[i] = LEAF;
      for (let k = 0; k < targets; k++) tree.value[i * targets + k] = s.v![k];
    }
  });
  tree.maxDepth = depth(spec);
  return tree;
}

function ensemble(trees: Tree[], targets: number, features: number, base?: number[]): TreeEnsemble {
  return {
    kind: 'regressor',
    trees,
    targets,
    features,
    base: Float64Array.from(base ?? new Array(targets).fill(0)),
    postTransform: 'NONE',
    classLabels: [],
    float32: false,
    coversFromFile: true,
  };
}

/** Path-dependent value function v(S) = E[f(x) | x_S] by direct recursion (independent of TreeSHAP). */
function pathValue(ens: TreeEnsemble, x: Float64Array, off: number, mask: number, target: number): number {
  let total = ens.base[target];
  for (const tree of ens.trees) {
    const go = (node: number): number => {
      if (tree.mode[node] === LEAF) return tree.value[node * ens.targets + target];
      const f = tree.feature[node];
      if ((mask >> f) & 1) {
        const yes = x[off + f] <= tree.threshold[node];
        return go(yes ? tree.yes[node] : tree.no[node]);
      }
      const cy = tree.cover[tree.yes[node]];
      const cn = tree.cover[tree.no[node]];
      return (cy * go(tree.yes[node]) + cn * go(tree.no[node])) / (cy + cn);
    };
    total += go(rootOf(tree));
  }
  return total;
}

function randomSpec(rng: Rng, depth: number, features: number, targets: number, cover: number): Spec {
  if (depth === 0 || rng.next() < 0.15 || cover < 2) {
    return { cover, v: Array.from({ length: targets }, () => rng.normal() * 3) };
  }
  const left = 1 + rng.int(cover - 1);
  return {
    f: rng.int(features),
    t: rng.normal() * 0.8,
    cover,
    yes: randomSpec(rng, depth - 1, features, targets, left),
    no: randomSpec(rng, depth - 1, features, targets, cover - left),
  };
}

describe('TreeSHAP (path-dependent, exact)', () => {
  it('reproduces the AND-tree case from shap', () => {
    const c = JSON.parse(readFileSync(sharedPath('reference/peers/shap/and_tree_case.json'), 'utf8')) as {
      X: number[][];
      expected_value: number;
      expected_treeshap_exact: number[][];
    };
    // f(x) = 80 if x0 == 1 and x1 == 1; covers 4 → 2/2 → 1/1/1/1.
    const tree = buildTree(
      {
        f: 1,
        t: 0.5,
        cover: 4,
        yes: { f: 0, t: 0.5, cover: 2, yes: { cover: 1, v: [0] }, no: { cover: 1, v: [0] } },
        no: { f: 0, t: 0.5, cover: 2, yes: { cover: 1, v: [0] }, no: { cover: 1, v: [80] } },
      },
      1,
    );
    const ens = ensemble([tree], 1, 2);
    const r = treeShap(ens, flat(c.X), 4, 2);
    // Without hit rates in a file, covers are counted from data: the four training rows give the same covers.
    const counted = withCoversFromData({ ...ens, trees: [{ ...tree, cover: new Float64Array(7) }] }, flat(c.X), 4, 2);
    expect(Array.from(counted.trees[0].cover)).toEqual(Array.from(tree.cover));
    expect(r.expectedValue[0]).toBeCloseTo(c.expected_value, 12);
    for (let i = 0; i < 4; i++) {
      expect(r.phi[i * 2]).toBeCloseTo(c.expected_treeshap_exact[i][0], 12);
      expect(r.phi[i * 2 + 1]).toBeCloseTo(c.expected_treeshap_exact[i][1], 12);
    }
  });

  it('equals brute-force Shapley values of the path-dependent value function on random ensembles', () => {
    const rng = createRng(7);
    let worst = 0;
    let worstAdd = 0;
    for (let trial = 0; trial < 25; trial++) {
      const features = 3 + rng.int(4);
      const targets = 1 + rng.int(2);
      const trees = Array.from({ length: 1 + rng.int(4) }, () =>
        buildTree(randomSpec(rng, 2 + rng.int(4), features, targets, 50 + rng.int(200)), targets),
      );
      const ens = ensemble(
        trees,
        targets,
        features,
        Array.from({ length: targets }, () => rng.normal()),
      );
      const n = 6;
      const x = new Float64Array(n * features).map(() => rng.normal());
      expect(leafTables(ens)).not.toBeNull();
      for (const r of [treeShap(ens, x, n, features, 'tables'), treeShap(ens, x, n, features, 'recursive')]) {
        for (let row = 0; row < n; row++) {
          for (let k = 0; k < targets; k++) {
            const brute = bruteShapley(features, (mask) => pathValue(ens, x, row * features, mask, k));
            let sum = r.expectedValue[k];
            for (let j = 0; j < features; j++) {
              worst = Math.max(worst, Math.abs(r.phi[(row * features + j) * targets + k] - brute[j]));
              sum += r.phi[(row * features + j) * targets + k];
            }
            worstAdd = Math.max(worstAdd, Math.abs(sum - r.fx[row * targets + k]));
            expect(r.expectedValue[k]).toBeCloseTo(pathValue(ens, x, row * features, 0, k), 9);
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-9);
    expect(worstAdd).toBeLessThan(1e-9);
  });

  it('leaf tables and the recursive walk agree on the 100-tree forest; over-long paths fall back to the walk', () => {
    const forest = readTreeEnsemble(readFileSync(fixture('forest100.onnx')));
    const X = readJson<{ forest100: { X: number[][] } }>('trees.json').forest100.X.slice(0, 40);
    const x = flat(X);
    const a = treeShap(forest, x, X.length, 8, 'tables');
    const b = treeShap(forest, x, X.length, 8, 'recursive');
    let diff = 0;
    for (let i = 0; i < a.phi.length; i++) diff = Math.max(diff, Math.abs(a.phi[i] - b.phi[i]));
    expect(diff).toBeLessThan(1e-12);
    expect(a.phi.some((v) => v !== 0)).toBe(true);

    // A chain splitting on 18 distinct features: its deepest leaves would need 2^18-pattern tables.
    const F = 18;
    const chain = (level: number, cover: number): Spec =>
      level === F
        ? { cover, v: [level] }
        : { f: level, t: 0, cover, yes: { cover: cover / 2, v: [-level] }, no: chain(level + 1, cover / 2) };
    const deep = ensemble([buildTree(chain(0, 2 ** F), 1)], 1, F);
    expect(leafTables(deep)).toBeNull();
    expect(() => treeShap(deep, new Float64Array(F), 1, F, 'tables')).toThrow(/memory budget/);
    const rng = createRng(3);
    const xd = new Float64Array(4 * F).map(() => rng.normal());
    const r = treeShap(deep, xd, 4, F);
    const w = treeShap(deep, xd, 4, F, 'recursive');
    expect(Array.from(r.phi)).toEqual(Array.from(w.phi));
    for (let row = 0; row < 4; row++) {
      let sum = r.expectedValue[0];
      for (let j = 0; j < F; j++) sum += r.phi[row * F + j];
      expect(Math.abs(sum - r.fx[row])).toBeLessThan(1e-9);
    }
  });

  it('reads TreeEnsembleClassifier / Regressor nodes from ONNX files and agrees with onnxruntime and sklearn', async () => {
    const t = readJson<{
      rf_classifier: { X: number[][]; sklearn_proba: number[][] };
      gb_regressor: { X: number[][]; sklearn_prediction: number[] };
    }>('trees.json');
    const rf = readTreeEnsemble(readFileSync(fixture('rf_classifier.onnx')));
    expect(rf.kind).toBe('classifier');
    expect(rf.targets).toBe(3);
    expect(rf.trees.length).toBe(5);
    expect(rf.coversFromFile).toBe(true);
    const xr = flat(t.rf_classifier.X);
    const n = t.rf_classifier.X.length;
    const ours = predictEnsemble(rf, xr, n, 5);
    const ort = await onnxPredictor('rf_classifier.onnx', { d: 5, dtype: 'float32', output: 'probabilities' });
    const theirs = await ort.predict(xr, n);
    await ort.close();
    for (let i = 0; i < n * 3; i++) {
      expect(Math.abs(ours[i] - theirs[i])).toBeLessThan(1e-6);
      // leaf weights are stored as float32 in the ONNX attributes
      expect(Math.abs(ours[i] - t.rf_classifier.sklearn_proba[Math.floor(i / 3)][i % 3])).toBeLessThan(1e-6);
    }
    const r = treeShap(rf, xr, n, 5);
    for (let row = 0; row < n; row++) {
      for (let k = 0; k < 3; k++) {
        let s = r.expectedValue[k];
        for (let j = 0; j < 5; j++) s += r.phi[(row * 5 + j) * 3 + k];
        expect(Math.abs(s - ours[row * 3 + k])).toBeLessThan(1e-9);
        if (row < 4) {
          const brute = bruteShapley(5, (mask) => pathValue(rf, xr, row * 5, mask, k));
          for (let j = 0; j < 5; j++) expect(Math.abs(r.phi[(row * 5 + j) * 3 + k] - brute[j])).toBeLessThan(1e-9);
        }
      }
    }

    const gb = readTreeEnsemble(readFileSync(fixture('gb_regressor.onnx')));
    expect(gb.kind).toBe('regressor');
    const xg = flat(t.gb_regressor.X);
    const pg = predictEnsemble(gb, xg, n, 4);
    const ortG = await onnxPredictor('gb_regressor.onnx', { d: 4, dtype: 'float32', output: 'variable' });
    const og = await ortG.predict(xg, n);
    await ortG.close();
    const rg = treeShap(gb, xg, n, 4);
    for (let row = 0; row < n; row++) {
      expect(Math.abs(pg[row] - og[row])).toBeLessThan(1e-4);
      expect(Math.abs(pg[row] - t.gb_regressor.sklearn_prediction[row])).toBeLessThan(1e-6);
      let s = rg.expectedValue[0];
      for (let j = 0; j < 4; j++) s += rg.phi[row * 4 + j];
      expect(Math.abs(s - pg[row])).toBeLessThan(1e-9);
    }
  });
});
