#!/usr/bin/python3
"""Independent numpy / scipy / scikit-learn reference values for PDP, ICE, 2-D PDP, ALE and permutation
importance (every score of src/explain/scoring.ts) on the fixture models (test/fixtures/explain/data.json: the MLP and linear weights).

    /usr/bin/python3 scripts/explain/reference.py

Writes test/fixtures/explain/reference.json. The model outputs are recomputed here with numpy from the same
weights the ONNX files hold; grids use scipy.stats.mstats.mquantiles and numpy.percentile; scores use
sklearn.metrics. Permutations are drawn here (numpy RNG) and stored, so the TypeScript side applies the same.
"""
import json
import os

import numpy as np
from scipy.stats.mstats import mquantiles
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, brier_score_loss, f1_score, log_loss,
                             matthews_corrcoef, max_error, mean_absolute_error, mean_squared_error,
                             median_absolute_error, precision_score, r2_score, recall_score, roc_auc_score)

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'explain')
D = json.load(open(os.path.join(HERE, 'data.json')))
X = np.array(D['X'])
n, d = X.shape
W1, b1, W2, b2 = (np.array(D['mlp'][k]) for k in ['W1', 'b1', 'W2', 'b2'])
w_lin, b_lin = np.array(D['linear']['w']), D['linear']['b']


def mlp(x):
    z = np.tanh(x @ W1 + b1) @ W2 + b2
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def linear(x):
    return (x @ w_lin + b_lin)[:, None]


def pdp_grid(col, size=25):
    u = np.unique(col)
    if len(u) <= size:
        return u
    lo, hi = mquantiles(col, prob=[0.01, 0.99])
    return np.linspace(lo, hi, size)


out = {'pdp': {}, 'ale': {}, 'pdp2d': {}, 'permutation': {}}
ICE_ROWS = 40
for j in [0, 2, 3]:
    grid = pdp_grid(X[:, j])
    ice = np.empty((n, len(grid), 2))
    for g, v in enumerate(grid):
        Xg = X.copy()
        Xg[:, j] = v
        ice[:, g, :] = mlp(Xg)
    out['pdp'][str(j)] = {'grid': grid.tolist(), 'pdp': ice.mean(axis=0).tolist(), 'ice_head': ice[:ICE_ROWS].tolist()}

g0, g1 = pdp_grid(X[:, 0], 8), pdp_grid(X[:, 1], 6)
p2 = np.empty((len(g0), len(g1), 2))
for a, va in enumerate(g0):
    for b, vb in enumerate(g1):
        Xg = X.copy()
        Xg[:, 0] = va
        Xg[:, 1] = vb
        p2[a, b] = mlp(Xg).mean(axis=0)
out['pdp2d'] = {'features': [0, 1], 'grids': [g0.tolist(), g1.tolist()], 'pdp': p2.tolist()}


def ale(j, size=25):
    x = X[:, j]
    edges = np.unique(np.percentile(x, np.linspace(0, 100, size)))
    # bin k (1-based) = (edges[k-1], edges[k]], the lowest value in bin 1 (pandas.cut include_lowest=True)
    k = np.clip(np.searchsorted(edges, x, side='left'), 1, len(edges) - 1)
    lo, hi = X.copy(), X.copy()
    lo[:, j] = edges[k - 1]
    hi[:, j] = edges[k]
    eff = mlp(hi) - mlp(lo)
    sizes = np.bincount(k, minlength=len(edges)).astype(float)
    mean = np.zeros((len(edges), 2))
    for b in range(1, len(edges)):
        if sizes[b] > 0:
            mean[b] = eff[k == b].mean(axis=0)
    acc = np.cumsum(mean, axis=0)
    centre = (sizes[1:, None] * (acc[1:] + acc[:-1]) / 2).sum(axis=0) / sizes.sum()
    return edges, acc - centre, sizes


for j in [0, 1, 2, 3]:
    e, a, s = ale(j)
    out['ale'][str(j)] = {'edges': e.tolist(), 'ale': a.tolist(), 'size': s.tolist()}

rng = np.random.default_rng(99)
REPEATS = 3
perms = [[rng.permutation(n).tolist() for _ in range(REPEATS)] for _ in range(d)]
y_cls = np.array(D['y_class'])
y_reg = np.array(D['y_reg'])
cls_scores = {
    'accuracy': lambda p: accuracy_score(y_cls, p.argmax(axis=1)),
    'balanced_accuracy': lambda p: balanced_accuracy_score(y_cls, p.argmax(axis=1)),
    'roc_auc': lambda p: roc_auc_score(y_cls, p[:, 1]),
    'log_loss': lambda p: log_loss(y_cls, p),
    # Binary, positive class 1; the fixture's permutations never leave a denominator at 0, so sklearn's
    # zero_division convention (0) does not enter these values.
    'precision': lambda p: precision_score(y_cls, p.argmax(axis=1), zero_division='warn'),
    'recall': lambda p: recall_score(y_cls, p.argmax(axis=1)),
    'f1': lambda p: f1_score(y_cls, p.argmax(axis=1)),
    'specificity': lambda p: recall_score(y_cls, p.argmax(axis=1), pos_label=0),
    'matthews_corrcoef': lambda p: matthews_corrcoef(y_cls, p.argmax(axis=1)),
    'brier_score': lambda p: brier_score_loss(y_cls, p[:, 1]),
}
reg_scores = {
    'mae': lambda p: mean_absolute_error(y_reg, p[:, 0]),
    'rmse': lambda p: np.sqrt(mean_squared_error(y_reg, p[:, 0])),
    'r2': lambda p: r2_score(y_reg, p[:, 0]),
    'mse': lambda p: mean_squared_error(y_reg, p[:, 0]),
    'median_absolute_error': lambda p: median_absolute_error(y_reg, p[:, 0]),
    'max_error': lambda p: max_error(y_reg, p[:, 0]),
}
higher = {'accuracy', 'balanced_accuracy', 'roc_auc', 'r2', 'precision', 'recall', 'f1', 'specificity',
          'matthews_corrcoef'}
for model, scores in [(mlp, cls_scores), (linear, reg_scores)]:
    for name, fn in scores.items():
        base = fn(model(X))
        imp = np.empty((d, REPEATS))
        for j in range(d):
            for r in range(REPEATS):
                Xp = X.copy()
                Xp[:, j] = X[perms[j][r], j]
                s = fn(model(Xp))
                imp[j, r] = (base - s) if name in higher else (s - base)
        out['permutation'][name] = {'baseline': float(base), 'importances': imp.tolist(),
                                    'mean': imp.mean(axis=1).tolist(), 'std': imp.std(axis=1).tolist()}
out['permutations'] = perms
with open(os.path.join(HERE, 'reference.json'), 'w') as f:
    json.dump(out, f)
print('wrote', os.path.normpath(os.path.join(HERE, 'reference.json')))
