#!/usr/bin/env python3
"""Reference values for Assay's metric tests, computed with Debian's scikit-learn.

Run with /usr/bin/python3 (python3-sklearn 1.2.1, numpy 1.24) from the repository root:

    /usr/bin/python3 scripts/metrics/sklearn_reference.py [SHARED_DIR]

Reads every fixture's test_predictions.csv under SHARED_DIR/fixtures (default ../shared) and writes
test/fixtures/metrics/sklearn-expected.json. Where sklearn has no function (expected calibration error,
multiclass Brier score in 1.2, per-group rates), the value is computed here with numpy from sklearn's
building blocks (calibration_curve, confusion_matrix) and the formula is stated next to it.
"""
import csv
import json
import os
import sys

import numpy as np
import sklearn
from sklearn import metrics as M
from sklearn.calibration import calibration_curve
from sklearn.preprocessing import label_binarize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'metrics', 'sklearn-expected.json')


def read(name):
    with open(os.path.join(SHARED, 'fixtures', name, 'test_predictions.csv'), newline='') as f:
        return list(csv.DictReader(f))


def ece(y_hit, conf, bins=10):
    """Expected calibration error over sklearn's uniform calibration bins (weights = bin sizes)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], conf)
    total = np.bincount(ids, minlength=bins)
    sums = np.bincount(ids, weights=conf, minlength=bins)
    hits = np.bincount(ids, weights=y_hit, minlength=bins)
    nz = total != 0
    return float(np.sum(total[nz] / len(conf) * np.abs(hits[nz] / total[nz] - sums[nz] / total[nz])))


def rates(y, p):
    tn, fp, fn, tp = M.confusion_matrix(y, p, labels=[0, 1]).ravel()
    d = lambda a, b: None if b == 0 else float(a / b)
    return {
        'n': int(len(y)),
        'selection_rate': float(np.mean(p == 1)),
        'base_rate': float(np.mean(y == 1)),
        'accuracy': float(M.accuracy_score(y, p)),
        'true_positive_rate': d(tp, tp + fn),
        'false_positive_rate': d(fp, fp + tn),
        'true_negative_rate': d(tn, tn + fp),
        'false_negative_rate': d(fn, fn + tp),
        'positive_predictive_value': d(tp, tp + fp),
        'negative_predictive_value': d(tn, tn + fn),
    }


def binary(name, sensitive):
    rows = read(name)
    y = np.array([int(r['y_true']) for r in rows])
    p = np.array([int(r['y_pred']) for r in rows])
    s = np.array([float(r['y_prob']) for r in rows])
    prob_true, prob_pred = calibration_curve(y, s, n_bins=10, strategy='uniform')
    fpr, tpr, thr = M.roc_curve(y, s, drop_intermediate=False)
    out = {
        'task': 'binary-classification',
        'rows': len(rows),
        'metrics': {
            'accuracy': M.accuracy_score(y, p),
            'balanced_accuracy': M.balanced_accuracy_score(y, p),
            'matthews_corrcoef': M.matthews_corrcoef(y, p),
            'precision': M.precision_score(y, p),
            'recall': M.recall_score(y, p),
            'f1': M.f1_score(y, p),
            'specificity': M.recall_score(y, p, pos_label=0),
            'roc_auc': M.roc_auc_score(y, s),
            'average_precision': M.average_precision_score(y, s),
            'log_loss': M.log_loss(y, s),
            'brier_score': M.brier_score_loss(y, s),
            'expected_calibration_error': ece(y.astype(float), s),
        },
        'confusion_matrix': M.confusion_matrix(y, p).tolist(),
        'calibration': {'fraction_positive': prob_true.tolist(), 'mean_predicted': prob_pred.tolist()},
        'roc_curve': {'fpr': fpr.tolist(), 'tpr': tpr.tolist(), 'thresholds': thr[1:].tolist()},
        'groups': {},
    }
    for avg in ('macro', 'micro', 'weighted'):
        out['metrics'][f'precision_{avg}'] = M.precision_score(y, p, average=avg)
        out['metrics'][f'recall_{avg}'] = M.recall_score(y, p, average=avg)
        out['metrics'][f'f1_{avg}'] = M.f1_score(y, p, average=avg)
    for attr in sensitive:
        vals = np.array([r[attr] for r in rows])
        groups = {}
        for g in sorted(set(vals)):
            m = vals == g
            r = rates(y[m], p[m])
            r['roc_auc'] = M.roc_auc_score(y[m], s[m]) if len(set(y[m])) == 2 else None
            groups[g] = r
        out['groups'][attr] = groups
    return out


def multiclass(name):
    rows = read(name)
    k = 10
    y = np.array([int(r['y_true']) for r in rows])
    p = np.array([int(r['y_pred']) for r in rows])
    P = np.array([[float(r[f'prob_{i}']) for i in range(k)] for r in rows])
    onehot = label_binarize(y, classes=list(range(k)))
    conf = P[np.arange(len(p)), p]
    out = {
        'task': 'multiclass-classification',
        'rows': len(rows),
        'metrics': {
            'accuracy': M.accuracy_score(y, p),
            'balanced_accuracy': M.balanced_accuracy_score(y, p),
            'matthews_corrcoef': M.matthews_corrcoef(y, p),
            'roc_auc': M.roc_auc_score(y, P, multi_class='ovr', average='macro'),
            'average_precision': M.average_precision_score(onehot, P, average='macro'),
            'log_loss': M.log_loss(y, P, labels=list(range(k))),
            # multiclass Brier score, sklearn >= 1.7 definition: mean over rows of sum_k (p_k - 1[y=k])^2
            'brier_score': float(np.mean(np.sum((P - onehot) ** 2, axis=1))),
            # top-label calibration: confidence = probability of the predicted class, hit = prediction correct
            'expected_calibration_error': ece((p == y).astype(float), conf),
        },
        'confusion_matrix': M.confusion_matrix(y, p, labels=list(range(k))).tolist(),
    }
    for avg in ('macro', 'micro', 'weighted'):
        out['metrics'][f'precision_{avg}'] = M.precision_score(y, p, average=avg)
        out['metrics'][f'recall_{avg}'] = M.recall_score(y, p, average=avg)
        out['metrics'][f'f1_{avg}'] = M.f1_score(y, p, average=avg)
    return out


def regression(name, sensitive):
    rows = read(name)
    y = np.array([float(r['y_true']) for r in rows])
    p = np.array([float(r['y_pred']) for r in rows])
    res = y - p
    out = {
        'task': 'regression',
        'rows': len(rows),
        'metrics': {
            'mae': M.mean_absolute_error(y, p),
            'mse': M.mean_squared_error(y, p),
            'rmse': float(np.sqrt(M.mean_squared_error(y, p))),
            'r2': M.r2_score(y, p),
            'median_absolute_error': M.median_absolute_error(y, p),
            'mape': M.mean_absolute_percentage_error(y, p),
            'max_error': M.max_error(y, p),
            'mean_residual': float(np.mean(res)),
        },
        # results.residual of performance.regression: numpy's population std (ddof=0) and its default
        # (linear) quantiles of y_true - y_pred.
        'residual': {
            'mean': float(np.mean(res)),
            'std': float(np.std(res)),
            'min': float(np.min(res)),
            'q05': float(np.quantile(res, 0.05)),
            'q25': float(np.quantile(res, 0.25)),
            'median': float(np.median(res)),
            'q75': float(np.quantile(res, 0.75)),
            'q95': float(np.quantile(res, 0.95)),
            'max': float(np.max(res)),
        },
        'groups': {},
    }
    for attr in sensitive:
        vals = np.array([r[attr] for r in rows])
        groups = {}
        for g in sorted(set(vals)):
            m = vals == g
            groups[g] = {
                'n': int(m.sum()),
                'mae': M.mean_absolute_error(y[m], p[m]),
                'mse': M.mean_squared_error(y[m], p[m]),
                'rmse': float(np.sqrt(M.mean_squared_error(y[m], p[m]))),
                'r2': M.r2_score(y[m], p[m]),
                'mean_prediction': float(np.mean(p[m])),
                'mean_residual': float(np.mean(res[m])),
            }
        out['groups'][attr] = groups
    return out


def main():
    data = {
        'generator': 'scripts/metrics/sklearn_reference.py',
        'versions': {'scikit-learn': sklearn.__version__, 'numpy': np.__version__},
        'fixtures': {
            'german_credit': binary('german_credit', ['sex', 'age_group']),
            'arrests': binary('arrests', ['colour', 'sex']),
            'digits': multiclass('digits'),
            'diabetes': regression('diabetes', ['sex']),
        },
    }

    def clean(x):
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list):
            return [clean(v) for v in x]
        if isinstance(x, (np.floating, float)):
            return float(x)
        if isinstance(x, np.integer):
            return int(x)
        return x

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(clean(data), f, indent=1, sort_keys=True, allow_nan=False)
        f.write('\n')
    print(f'wrote {OUT}')


if __name__ == '__main__':
    main()
