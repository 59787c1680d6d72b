#!/usr/bin/python3
"""Builds the explainability test fixtures under test/fixtures/explain/.

Run with Debian's Python (it sees python3-sklearn, python3-numpy, python3-onnx):

    /usr/bin/python3 scripts/explain/build_fixtures.py

Writes (all small, deterministic for a given numpy/sklearn version):
  data.json              synthetic tabular data (300 rows, 4 numeric features, one with few unique values),
                         binary labels, a regression target, and the MLP / linear weights
  linear_regression.onnx y = x·w + b in float64 (MatMul + Add), input "input" [N,4], output "prediction" [N,1]
  mlp_classifier.onnx    4→6→2 tanh MLP + Softmax in float64, input "input" [N,4], output "probabilities" [N,2]
  rf_classifier.onnx     sklearn RandomForestClassifier (5 trees, depth 4, 3 classes) as ai.onnx.ml
                         TreeEnsembleClassifier, leaf weights = class probability / n_trees, hit rates = cover
  gb_regressor.onnx      sklearn GradientBoostingRegressor (8 trees, depth 3) as TreeEnsembleRegressor
  forest100.onnx         RandomForestRegressor with 100 trees (depth 5, 8 features) for bench/explain.ts
  trees.json             inputs (float32-representable) for the tree fixtures and sklearn's own predictions
Then scripts/explain/reference.py computes the numpy expected values from data.json.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'explain')
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261127)


def save(model, name):
    onnx.checker.check_model(model)
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(model.SerializeToString())


# ---------- tabular data + linear model + MLP (float64 graphs, so ORT matches numpy to ~1e-15) ----------
n, d = 300, 4
X = np.empty((n, d))
X[:, 0] = np.round(rng.normal(0, 1, n), 3)
X[:, 1] = np.round(rng.uniform(-2, 2, n), 3)
X[:, 2] = rng.integers(0, 5, n)  # few unique values: PDP grid = the sorted uniques
X[:, 3] = np.round(rng.exponential(1.0, n), 3)

w_lin = np.array([1.5, -2.0, 0.75, 3.0])
b_lin = 0.25
y_reg = X @ w_lin + b_lin + rng.normal(0, 0.5, n)

W1 = rng.normal(0, 1, (d, 6))
b1 = rng.normal(0, 0.5, 6)
W2 = rng.normal(0, 1, (6, 2))
b2 = rng.normal(0, 0.5, 2)


def mlp_proba(x):
    h = np.tanh(x @ W1 + b1)
    z = h @ W2 + b2
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


p = mlp_proba(X)[:, 1]
y_cls = (rng.uniform(0, 1, n) < p).astype(int)  # labels drawn from the model, so metrics are informative


def const(name, arr):
    arr = np.asarray(arr, dtype=np.float64)
    return helper.make_tensor(name, TensorProto.DOUBLE, arr.shape, arr.flatten().tolist())


lin = helper.make_graph(
    [helper.make_node('MatMul', ['input', 'W'], ['xw']), helper.make_node('Add', ['xw', 'b'], ['prediction'])],
    'linear_regression',
    [helper.make_tensor_value_info('input', TensorProto.DOUBLE, ['N', d])],
    [helper.make_tensor_value_info('prediction', TensorProto.DOUBLE, ['N', 1])],
    [const('W', w_lin.reshape(d, 1)), const('b', [b_lin])],
)
save(helper.make_model(lin, opset_imports=[helper.make_opsetid('', 13)], producer_name='assay-fixtures'),
     'linear_regression.onnx')

mlp = helper.make_graph(
    [
        helper.make_node('MatMul', ['input', 'W1'], ['a1']),
        helper.make_node('Add', ['a1', 'b1'], ['z1']),
        helper.make_node('Tanh', ['z1'], ['h']),
        helper.make_node('MatMul', ['h', 'W2'], ['a2']),
        helper.make_node('Add', ['a2', 'b2'], ['z2']),
        helper.make_node('Softmax', ['z2'], ['probabilities'], axis=1),
    ],
    'mlp_classifier',
    [helper.make_tensor_value_info('input', TensorProto.DOUBLE, ['N', d])],
    [helper.make_tensor_value_info('probabilities', TensorProto.DOUBLE, ['N', 2])],
    [const('W1', W1), const('b1', b1), const('W2', W2), const('b2', b2)],
)
save(helper.make_model(mlp, opset_imports=[helper.make_opsetid('', 13)], producer_name='assay-fixtures'),
     'mlp_classifier.onnx')

with open(os.path.join(OUT, 'data.json'), 'w') as f:
    json.dump({
        'features': ['x0', 'x1', 'x2', 'x3'],
        'X': X.tolist(),
        'y_class': y_cls.tolist(),
        'y_reg': y_reg.tolist(),
        'linear': {'w': w_lin.tolist(), 'b': b_lin},
        'mlp': {'W1': W1.tolist(), 'b1': b1.tolist(), 'W2': W2.tolist(), 'b2': b2.tolist()},
    }, f)


# ---------- tree ensembles as ai.onnx.ml TreeEnsemble nodes ----------
def tree_nodes(trees, leaf_weights):
    """Node attributes for sklearn trees. leaf_weights(tree_index, tree, node) -> [(target, weight), ...]."""
    a = {k: [] for k in ['nodes_treeids', 'nodes_nodeids', 'nodes_featureids', 'nodes_values', 'nodes_modes',
                         'nodes_truenodeids', 'nodes_falsenodeids', 'nodes_missing_value_tracks_true',
                         'nodes_hitrates', 't_treeids', 't_nodeids', 't_ids', 't_weights']}
    for ti, est in enumerate(trees):
        t = est.tree_
        for nid in range(t.node_count):
            leaf = t.children_left[nid] == -1
            a['nodes_treeids'].append(ti)
            a['nodes_nodeids'].append(nid)
            a['nodes_featureids'].append(0 if leaf else int(t.feature[nid]))
            a['nodes_values'].append(0.0 if leaf else float(t.threshold[nid]))
            a['nodes_modes'].append('LEAF' if leaf else 'BRANCH_LEQ')  # sklearn: x <= threshold goes left
            a['nodes_truenodeids'].append(0 if leaf else int(t.children_left[nid]))
            a['nodes_falsenodeids'].append(0 if leaf else int(t.children_right[nid]))
            a['nodes_missing_value_tracks_true'].append(0)
            a['nodes_hitrates'].append(float(t.weighted_n_node_samples[nid]))  # the cover TreeSHAP needs
            if leaf:
                for target, weight in leaf_weights(ti, t, nid):
                    a['t_treeids'].append(ti)
                    a['t_nodeids'].append(nid)
                    a['t_ids'].append(target)
                    a['t_weights'].append(float(weight))
    return a


def regressor_model(name, trees, nfeat, leaf_weights, base):
    a = tree_nodes(trees, leaf_weights)
    node = helper.make_node(
        'TreeEnsembleRegressor', ['input'], ['variable'], domain='ai.onnx.ml', n_targets=1, post_transform='NONE',
        base_values=[float(base)],
        **{k: v for k, v in a.items() if k.startswith('nodes_')},
        target_treeids=a['t_treeids'], target_nodeids=a['t_nodeids'], target_ids=a['t_ids'],
        target_weights=a['t_weights'])
    g = helper.make_graph([node], name, [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', nfeat])],
                          [helper.make_tensor_value_info('variable', TensorProto.FLOAT, ['N', 1])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('ai.onnx.ml', 3)],
                             producer_name='assay-fixtures')


# Random forest classifier: 5 features, 3 classes.
nt = 400
Xt = rng.normal(0, 1, (nt, 5)).astype(np.float32).astype(np.float64)
yt = ((Xt[:, 0] > 0).astype(int) + (Xt[:, 1] + Xt[:, 2] > 0.5).astype(int))
rf = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(Xt, yt)
K = len(rf.classes_)


def rf_leaf(ti, t, nid):
    v = t.value[nid][0]
    v = v / v.sum()
    return [(k, v[k] / len(rf.estimators_)) for k in range(K)]


a = tree_nodes(rf.estimators_, rf_leaf)
cls_node = helper.make_node(
    'TreeEnsembleClassifier', ['input'], ['label', 'probabilities'], domain='ai.onnx.ml',
    classlabels_int64s=[int(c) for c in rf.classes_], post_transform='NONE',
    **{k: v for k, v in a.items() if k.startswith('nodes_')},
    class_treeids=a['t_treeids'], class_nodeids=a['t_nodeids'], class_ids=a['t_ids'], class_weights=a['t_weights'])
g = helper.make_graph([cls_node], 'rf_classifier', [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 5])],
                      [helper.make_tensor_value_info('label', TensorProto.INT64, ['N']),
                       helper.make_tensor_value_info('probabilities', TensorProto.FLOAT, ['N', K])])
save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('ai.onnx.ml', 3)],
                       producer_name='assay-fixtures'), 'rf_classifier.onnx')

# Gradient boosting regressor: 4 features.
Xg = rng.normal(0, 1, (nt, 4)).astype(np.float32).astype(np.float64)
yg = Xg[:, 0] * 2 + np.sin(Xg[:, 1] * 2) + Xg[:, 2] * Xg[:, 3] + rng.normal(0, 0.1, nt)
gb = GradientBoostingRegressor(n_estimators=8, max_depth=3, learning_rate=0.3, random_state=0).fit(Xg, yg)
init = float(gb.init_.constant_[0][0])
save(regressor_model('gb_regressor', [e[0] for e in gb.estimators_], 4,
                     lambda ti, t, nid: [(0, gb.learning_rate * t.value[nid][0][0])], init), 'gb_regressor.onnx')

# 100-tree forest for the benchmark: 8 features.
Xb = rng.normal(0, 1, (2000, 8)).astype(np.float32).astype(np.float64)
yb = Xb[:, 0] - 2 * Xb[:, 1] + Xb[:, 2] * Xb[:, 3] + np.abs(Xb[:, 4]) + rng.normal(0, 0.3, 2000)
rfr = RandomForestRegressor(n_estimators=100, max_depth=5, random_state=0).fit(Xb, yb)
save(regressor_model('forest100', rfr.estimators_, 8,
                     lambda ti, t, nid: [(0, t.value[nid][0][0] / len(rfr.estimators_))], 0.0), 'forest100.onnx')

Xq = rng.normal(0, 1, (20, 5)).astype(np.float32).astype(np.float64)
Xq4 = Xq[:, :4]
with open(os.path.join(OUT, 'trees.json'), 'w') as f:
    json.dump({
        'rf_classifier': {'X': Xq.tolist(), 'sklearn_proba': rf.predict_proba(Xq).tolist()},
        'gb_regressor': {'X': Xq4.tolist(), 'sklearn_prediction': gb.predict(Xq4).tolist()},
        'forest100': {'X': Xb[:200].tolist(), 'sklearn_prediction': rfr.predict(Xb[:200]).tolist()},
    }, f)
print('wrote fixtures to', os.path.normpath(OUT))
