/**
 * Tree ensembles read from an ONNX file's `ai.onnx.ml` TreeEnsembleClassifier / TreeEnsembleRegressor node
 * (attribute semantics from the ONNX operator spec, docs/Operators-ml.md), as flat per-tree arrays for TreeSHAP.
 *
 * Covers (the number of training rows through each node) come from `nodes_hitrates` when the file has them
 * for every node; otherwise callers pass data rows and the covers are counted (`withCoversFromData`).
 * Scores are explained before `post_transform` (the raw margin per class / target), as shap's
 * path-dependent TreeExplainer does (model_output="raw").
 */
import { type OnnxAttribute, type OnnxGraph, type OnnxNode, readOnnxGraph } from '../models/onnxProto.js';

export const MODES = ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT', 'BRANCH_EQ', 'BRANCH_NEQ', 'LEAF'] as const;
export const LEAF = 6;

export interface Tree {
  /** Split feature per node (−1 at leaves). */
  feature: Int32Array;
  threshold: Float64Array;
  mode: Uint8Array;
  /** Child taken when the comparison is true / false. */
  yes: Int32Array;
  no: Int32Array;
  missingYes: Uint8Array;
  cover: Float64Array;
  /** nodes × targets leaf weights (0 at internal nodes). */
  value: Float64Array;
  maxDepth: number;
}

export interface TreeEnsemble {
  kind: 'classifier' | 'regressor';
  trees: Tree[];
  /** Number of outputs explained (classes or regression targets). */
  targets: number;
  /** Input width the splits index into (max feature id + 1, or the declared width). */
  features: number;
  base: Float64Array;
  postTransform: string;
  /** Class labels (classifier). */
  classLabels: (string | number)[];
  /** Thresholds are float32 (compare inputs rounded to float32, as onnxruntime does). */
  float32: boolean;
  /** Whether every node had a positive hit rate in the file. */
  coversFromFile: boolean;
}

function attrNumbers(node: OnnxNode, name: string): number[] | undefined {
  const a: OnnxAttribute | undefined = node.attributes.get(name);
  if (a) {
    if (a.floats.length > 0) return a.floats;
    if (a.ints.length > 0) return a.ints;
  }
  const t = node.attributes.get(`${name}_as_tensor`)?.t;
  return t ? Array.from(t.values) : undefined;
}

function required(node: OnnxNode, name: string): number[] {
  const v = attrNumbers(node, name);
  if (!v) throw new Error(`${node.opType} has no attribute ${name}`);
  return v;
}

/** Finds the tree-ensemble node of a graph (the first one). */
export function findTreeEnsembleNode(graph: OnnxGraph): OnnxNode | undefined {
  return graph.nodes.find(
    (n) => n.domain === 'ai.onnx.ml' && (n.opType === 'TreeEnsembleClassifier' || n.opType === 'TreeEnsembleRegressor'),
  );
}

/** Parses the tree-ensemble node of an ONNX model file's bytes. Throws Error with a plain message when absent. */
export function readTreeEnsemble(bytes: Uint8Array): TreeEnsemble {
  const graph = readOnnxGraph(bytes);
  const node = findTreeEnsembleNode(graph);
  if (!node) {
    const ops = [...new Set(graph.nodes.map((n) => n.opType))].join(', ');
    throw new Error(`the model has no ai.onnx.ml TreeEnsembleClassifier/TreeEnsembleRegressor node (ops: ${ops})`);
  }
  return parseTreeEnsembleNode(node);
}

export function parseTreeEnsembleNode(node: OnnxNode): TreeEnsemble {
  const classifier = node.opType === 'TreeEnsembleClassifier';
  const treeIds = required(node, 'nodes_treeids');
  const nodeIds = required(node, 'nodes_nodeids');
  const featureIds = required(node, 'nodes_featureids');
  const values = required(node, 'nodes_values');
  const modeNames = node.attributes.get('nodes_modes')?.strings ?? [];
  const yesIds = required(node, 'nodes_truenodeids');
  const noIds = required(node, 'nodes_falsenodeids');
  const missing = attrNumbers(node, 'nodes_missing_value_tracks_true') ?? [];
  const hitrates = attrNumbers(node, 'nodes_hitrates') ?? [];
  const p = classifier ? 'class_' : 'target_';
  const wTree = required(node, `${p}treeids`);
  const wNode = required(node, `${p}nodeids`);
  const wId = required(node, `${p}ids`);
  const wVal = required(node, `${p}weights`);
  const float32 =
    !node.attributes.get('nodes_values_as_tensor')?.t ||
    node.attributes.get('nodes_values_as_tensor')?.t?.dataType === 1;

  let classLabels: (string | number)[] = [];
  let targets: number;
  if (classifier) {
    const ints = node.attributes.get('classlabels_int64s')?.ints ?? [];
    const strs = node.attributes.get('classlabels_strings')?.strings ?? [];
    classLabels = ints.length > 0 ? ints : strs;
    targets = Math.max(classLabels.length, ...wId.map((v) => v + 1));
  } else {
    targets = node.attributes.get('n_targets')?.i ?? Math.max(1, ...wId.map((v) => v + 1));
  }
  const agg = node.attributes.get('aggregate_function')?.s ?? 'SUM';
  if (agg !== 'SUM' && agg !== 'AVERAGE')
    throw new Error(`aggregate_function ${agg} is not additive; TreeSHAP needs SUM or AVERAGE`);
  const baseList = attrNumbers(node, 'base_values') ?? [];
  const base = new Float64Array(targets);
  for (let k = 0; k < Math.min(targets, baseList.length); k++) base[k] = baseList[k];

  // Group nodes by tree; node ids need not be dense.
  const byTree = new Map<number, number[]>();
  for (let i = 0; i < treeIds.length; i++) {
    const list = byTree.get(treeIds[i]) ?? [];
    list.push(i);
    byTree.set(treeIds[i], list);
  }
  const treeKeys = [...byTree.keys()].sort((a, b) => a - b);
  const index = new Map<string, number>(); // "tree:node" → local index
  const trees: Tree[] = [];
  let coversFromFile = hitrates.length === treeIds.length;
  let maxFeature = -1;
  for (const t of treeKeys) {
    const list = byTree.get(t)!;
    const n = list.length;
    list.forEach((gi, li) => {
      index.set(`${t}:${nodeIds[gi]}`, li);
    });
    const tree = emptyTree(n, targets);
    list.forEach((gi, li) => {
      const mode = MODES.indexOf(modeNames[gi] as (typeof MODES)[number]);
      if (mode < 0) throw new Error(`unknown node mode ${modeNames[gi]} (tree ${t}, node ${nodeIds[gi]})`);
      tree.mode[li] = mode;
      tree.cover[li] = hitrates[gi] ?? 0;
      if (!(tree.cover[li] > 0)) coversFromFile = false;
      if (mode !== LEAF) {
        tree.feature[li] = featureIds[gi];
        maxFeature = Math.max(maxFeature, featureIds[gi]);
        tree.threshold[li] = values[gi];
        tree.missingYes[li] = missing[gi] ? 1 : 0;
        const y = index.get(`${t}:${yesIds[gi]}`);
        const no = index.get(`${t}:${noIds[gi]}`);
        // Children may come later in the list; resolve after all ids are indexed.
        tree.yes[li] = y ?? -2 - yesIds[gi];
        tree.no[li] = no ?? -2 - noIds[gi];
      }
    });
    for (let li = 0; li < n; li++) {
      if (tree.mode[li] === LEAF) continue;
      for (const arr of [tree.yes, tree.no]) {
        if (arr[li] <= -2) {
          const id = -2 - arr[li];
          const r = index.get(`${t}:${id}`);
          if (r === undefined) throw new Error(`tree ${t}: node ${nodeIds[list[li]]} points to missing node ${id}`);
          arr[li] = r;
        }
      }
    }
    trees.push(tree);
  }
  for (let i = 0; i < wTree.length; i++) {
    const li = index.get(`${wTree[i]}:${wNode[i]}`);
    if (li === undefined) throw new Error(`leaf weight for missing node ${wTree[i]}:${wNode[i]}`);
    const tree = trees[treeKeys.indexOf(wTree[i])];
    tree.value[li * targets + wId[i]] += agg === 'AVERAGE' ? wVal[i] / trees.length : wVal[i];
  }
  for (const tree of trees) tree.maxDepth = depthOf(tree, rootOf(tree), 0);
  return {
    kind: classifier ? 'classifier' : 'regressor',
    trees,
    targets,
    features: maxFeature + 1,
    base,
    postTransform: node.attributes.get('post_transform')?.s ?? 'NONE',
    classLabels,
    float32,
    coversFromFile,
  };
}

/** The root is the node no other node points to. */
/** A tree of n nodes with no splits yet (features and children −1), `targets` values per node. */
export function emptyTree(n: number, targets: number): Tree {
  return {
    feature: new Int32Array(n).fill(-1),
    threshold: new Float64Array(n),
    mode: new Uint8Array(n),
    yes: new Int32Array(n).fill(-1),
    no: new Int32Array(n).fill(-1),
    missingYes: new Uint8Array(n),
    cover: new Float64Array(n),
    value: new Float64Array(n * targets),
    maxDepth: 0,
  };
}

export function rootOf(tree: Tree): number {
  const n = tree.feature.length;
  const child = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (tree.mode[i] !== LEAF) {
      child[tree.yes[i]] = 1;
      child[tree.no[i]] = 1;
    }
  }
  const r = child.indexOf(0);
  if (r < 0) throw new Error('tree has no root');
  return r;
}

function depthOf(tree: Tree, node: number, depth: number): number {
  if (tree.mode[node] === LEAF) return depth;
  return Math.max(depthOf(tree, tree.yes[node], depth + 1), depthOf(tree, tree.no[node], depth + 1));
}

/** Whether x goes to the `yes` child of an internal node (ONNX semantics; NaN follows missing_value_tracks_true). */
export function goesYes(tree: Tree, node: number, value: number, float32: boolean): boolean {
  const v = float32 ? Math.fround(value) : value;
  if (Number.isNaN(v)) return tree.missingYes[node] === 1 || tree.mode[node] === 5;
  const t = tree.threshold[node];
  switch (tree.mode[node]) {
    case 0:
      return v <= t;
    case 1:
      return v < t;
    case 2:
      return v >= t;
    case 3:
      return v > t;
    case 4:
      return v === t;
    default:
      return v !== t;
  }
}

/** Raw ensemble scores (before post_transform) for n rows of width d: n × targets. */
export function predictEnsemble(ens: TreeEnsemble, x: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * ens.targets);
  const roots = ens.trees.map(rootOf);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < ens.targets; k++) out[r * ens.targets + k] = ens.base[k];
    ens.trees.forEach((tree, ti) => {
      let node = roots[ti];
      while (tree.mode[node] !== LEAF) {
        node = goesYes(tree, node, x[r * d + tree.feature[node]], ens.float32) ? tree.yes[node] : tree.no[node];
      }
      for (let k = 0; k < ens.targets; k++) out[r * ens.targets + k] += tree.value[node * ens.targets + k];
    });
  }
  return out;
}

/** Replaces the covers by the number of `x` rows reaching each node (for files without hit rates). */
export function withCoversFromData(ens: TreeEnsemble, x: Float64Array, n: number, d: number): TreeEnsemble {
  const trees = ens.trees.map((tree) => {
    const cover = new Float64Array(tree.cover.length);
    const root = rootOf(tree);
    for (let r = 0; r < n; r++) {
      let node = root;
      cover[node]++;
      while (tree.mode[node] !== LEAF) {
        node = goesYes(tree, node, x[r * d + tree.feature[node]], ens.float32) ? tree.yes[node] : tree.no[node];
        cover[node]++;
      }
    }
    return { ...tree, cover };
  });
  return { ...ens, trees };
}
