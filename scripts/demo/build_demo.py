"""Build Assay's bundled demo sample: the Statlog German Credit data and a small ONNX model trained on it.

Run through scripts/demo/build.sh, which fetches the source ARFF from Debian's `weka` package. Directly:

    /usr/bin/python3 scripts/demo/build_demo.py --arff credit-g.arff --out demo

Writes (all deterministic: two runs give the same bytes):
  german-credit.csv       1000 rows: row_id, the 20 attributes, credit (good/bad), sex, age_group, split
  german-credit-mlp.onnx  MLP D->16 (ReLU)->2 (Softmax); input `input` [batch, D], output `probabilities` [batch, 2]
  german-credit-mlp.json  preprocessing sidecar (columns, classes, tensor names, source, training, metrics)
  test-predictions.csv    the scikit-learn model's own outputs on the test split: row_id,y_true,y_pred,y_prob

Needs Debian's python3-sklearn, python3-numpy and python3-onnx (use /usr/bin/python3, not a pyenv build).
"""

import argparse
import hashlib
import json
import os
import re
import warnings

import numpy as np
import onnx
import sklearn
from onnx import TensorProto, helper, numpy_helper
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neural_network import MLPClassifier

SEED = 42
TEST_FRACTION = 0.3
HIDDEN_UNITS = 16
ALPHAS = [3.0, 10.0, 20.0, 30.0, 50.0]  # L2 strengths tried by 5-fold CV on the train split only
# sha256 of /usr/share/doc/weka/examples/credit-g.arff in Debian bookworm's weka 3.6.14-3.
EXPECTED_ARFF_SHA256 = "bd94085134e4eb845c96b34c93ed65a223f89d089bacb273ef96f57509ce0bed"

CSV_NAME = "german-credit.csv"
MODEL_NAME = "german-credit-mlp.onnx"
SIDECAR_NAME = "german-credit-mlp.json"
PREDICTIONS_NAME = "test-predictions.csv"
TARGET = "credit"
CLASSES = ["bad", "good"]  # model output order; index 1 is the favourable outcome


# ---------------------------------------------------------------------------------------------- ARFF
def split_arff_values(text):
    """Split one ARFF line on commas, honouring single- or double-quoted values (no escapes occur in this file)."""
    values, current, quote = [], [], None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
            else:
                current.append(ch)
        elif ch in "'\"":
            quote = ch
        elif ch == ",":
            values.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if quote:
        raise ValueError(f"unterminated quote in ARFF line: {text!r}")
    values.append("".join(current).strip())
    return values


def read_arff(path):
    """Return (attributes, rows): attributes = [(name, None | [categories])] with None for numeric."""
    attributes, rows, in_data = [], [], False
    with open(path, encoding="utf-8") as f:
        for line_no, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("%"):
                continue
            if in_data:
                values = split_arff_values(line)
                if len(values) != len(attributes):
                    raise ValueError(f"{path}:{line_no}: {len(values)} values, expected {len(attributes)}")
                rows.append(values)
                continue
            lower = line.lower()
            if lower.startswith("@data"):
                in_data = True
            elif lower.startswith("@attribute"):
                m = re.match(r"@attribute\s+(\S+)\s+(.*)$", line, re.IGNORECASE)
                name, kind = m.group(1), m.group(2).strip()
                if kind.startswith("{"):
                    attributes.append((name, split_arff_values(kind.strip("{}"))))
                elif kind.lower() in ("numeric", "real", "integer"):
                    attributes.append((name, None))
                else:
                    raise ValueError(f"{path}:{line_no}: unsupported attribute type {kind!r}")
    return attributes, rows


# ---------------------------------------------------------------------------------------------- data
def stratified_split(y, test_fraction, seed):
    """Seeded stratified split: per class, shuffle its row indices and send the first round(n*f) to test."""
    rng = np.random.RandomState(seed)
    is_test = np.zeros(len(y), dtype=bool)
    for label in sorted(set(y)):
        idx = np.flatnonzero(np.asarray(y) == label)
        rng.shuffle(idx)
        is_test[idx[: int(round(len(idx) * test_fraction))]] = True
    return is_test


def build_table(attributes, rows):
    """Dataset columns (names -> list of values) with the target renamed and the derived columns added."""
    table = {"row_id": list(range(len(rows)))}
    for j, (name, cats) in enumerate(attributes):
        col = [r[j] for r in rows]
        if cats is None:
            col = [int(v) for v in col]  # every numeric attribute of this file is a whole number
        else:
            unknown = sorted(set(col) - set(cats))
            if unknown:
                raise ValueError(f"attribute {name}: values {unknown} are not declared in the ARFF header")
        table[TARGET if name == "class" else name] = col
    table["sex"] = [ps.split(" ")[0] for ps in table["personal_status"]]
    table["age_group"] = ["<25" if a < 25 else ">=25" for a in table["age"]]
    is_test = stratified_split(table[TARGET], TEST_FRACTION, SEED)
    table["split"] = ["test" if t else "train" for t in is_test]
    return table


def write_csv(path, table):
    names = list(table)
    lines = [",".join(names)]
    for i in range(len(table["row_id"])):
        cells = [str(table[c][i]) for c in names]
        for c, v in zip(names, cells):
            if any(ch in v for ch in ',"\n\r'):
                raise ValueError(f"value {v!r} of column {c} would need CSV quoting")
        lines.append(",".join(cells))
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------- features
def fit_columns(attributes, table, train):
    """Sidecar `columns`: numeric -> train mean/std (population, ddof=0); categorical -> ARFF-declared order."""
    columns = []
    for name, cats in attributes:
        if name == "class":
            continue
        if cats is None:
            x = np.asarray(table[name], dtype=np.float64)[train]
            columns.append({"type": "numeric", "name": name, "mean": float(x.mean()), "std": float(x.std()),
                            "integer": True})
        else:
            columns.append({"type": "categorical", "name": name, "categories": list(cats)})
    return columns


def encode(table, columns, rows):
    """The model input the sidecar describes, in float64 (the ONNX runtime gets the same values cast to float32)."""
    parts = []
    for col in columns:
        values = [table[col["name"]][i] for i in rows]
        if col["type"] == "numeric":
            parts.append(((np.asarray(values, dtype=np.float64) - col["mean"]) / col["std"])[:, None])
        else:
            parts.append(np.array([[v == c for c in col["categories"]] for v in values], dtype=np.float64))
    return np.hstack(parts)


def feature_names(columns):
    names = []
    for col in columns:
        names += [col["name"]] if col["type"] == "numeric" else [f"{col['name']}={c}" for c in col["categories"]]
    return names


# ---------------------------------------------------------------------------------------------- model
def train_mlp(X, y):
    """One hidden layer of ReLU units, L-BFGS (full batch, deterministic); alpha picked by 5-fold CV on train."""
    base = MLPClassifier(hidden_layer_sizes=(HIDDEN_UNITS,), activation="relu", solver="lbfgs",
                         max_iter=5000, random_state=SEED)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    search = GridSearchCV(base, {"alpha": ALPHAS}, scoring="roc_auc", cv=cv, n_jobs=1, refit=True,
                          error_score="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # an unconverged fit stops the build
        search.fit(X, y)
    cv_auc = {str(a): float(s) for a, s in zip(ALPHAS, search.cv_results_["mean_test_score"])}
    return search.best_estimator_, cv_auc


def to_onnx(model, n_features, path):
    """Gemm -> Relu -> Gemm -> Softmax. sklearn's binary MLP ends in one logit z with P(good) = sigmoid(z);
    the second Gemm emits [0, z], and softmax([0, z]) = [1 - sigmoid(z), sigmoid(z)] = [P(bad), P(good)]."""
    w1, w2 = model.coefs_
    b1, b2 = model.intercepts_
    w2_pair = np.hstack([np.zeros_like(w2), w2]).astype(np.float32)
    b2_pair = np.array([0.0, b2[0]], dtype=np.float32)
    inits = [
        numpy_helper.from_array(w1.astype(np.float32), "W1"),
        numpy_helper.from_array(b1.astype(np.float32), "B1"),
        numpy_helper.from_array(w2_pair, "W2"),
        numpy_helper.from_array(b2_pair, "B2"),
    ]
    nodes = [
        helper.make_node("Gemm", ["input", "W1", "B1"], ["hidden_pre"], name="hidden_gemm"),
        helper.make_node("Relu", ["hidden_pre"], ["hidden"], name="hidden_relu"),
        helper.make_node("Gemm", ["hidden", "W2", "B2"], ["logits"], name="output_gemm"),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "german_credit_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", n_features])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 2])],
        initializer=inits,
    )
    graph.doc_string = "German credit MLP for the Assay demo. Output: [P(credit=bad), P(credit=good)]."
    m = helper.make_model(graph, producer_name="assay scripts/demo/build_demo.py",
                          opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8  # onnxruntime-node 1.30 loads IR <= 10; 8 matches opset 17
    onnx.checker.check_model(m)
    with open(path, "wb") as f:
        f.write(m.SerializeToString())


def graph_in_float32(model, X):
    """What the ONNX graph computes, in float32 numpy: a check that the export matches sklearn."""
    x = X.astype(np.float32)
    h = np.maximum(x @ model.coefs_[0].astype(np.float32) + model.intercepts_[0].astype(np.float32), 0)
    z = (h @ model.coefs_[1].astype(np.float32) + model.intercepts_[1].astype(np.float32))[:, 0]
    return (1 / (1 + np.exp(-z.astype(np.float64))))


# ---------------------------------------------------------------------------------------------- main
def selection_rates(pred, groups):
    return {g: float(np.mean(pred[groups == g])) for g in sorted(set(groups))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arff", required=True, help="credit-g.arff from Debian's weka package")
    ap.add_argument("--out", required=True, help="output folder (the repo's demo/)")
    args = ap.parse_args()

    with open(args.arff, "rb") as f:
        arff_sha = hashlib.sha256(f.read()).hexdigest()
    if arff_sha != EXPECTED_ARFF_SHA256:
        raise SystemExit(f"{args.arff}: sha256 {arff_sha}, expected {EXPECTED_ARFF_SHA256} (weka 3.6.14-3)")

    attributes, rows = read_arff(args.arff)
    table = build_table(attributes, rows)
    os.makedirs(args.out, exist_ok=True)
    write_csv(os.path.join(args.out, CSV_NAME), table)

    train = np.array([s == "train" for s in table["split"]])
    test_rows = np.flatnonzero(~train)
    train_rows = np.flatnonzero(train)
    y = np.array([CLASSES.index(v) for v in table[TARGET]])
    columns = fit_columns(attributes, table, train)
    X_train, X_test = encode(table, columns, train_rows), encode(table, columns, test_rows)

    model, cv_auc = train_mlp(X_train, y[train_rows])
    to_onnx(model, X_train.shape[1], os.path.join(args.out, MODEL_NAME))

    prob = model.predict_proba(X_test)[:, 1]
    pred = model.predict(X_test)
    drift = float(np.max(np.abs(graph_in_float32(model, X_test) - prob)))
    if drift > 1e-6:
        raise SystemExit(f"float32 graph differs from sklearn by {drift:.3g} (> 1e-6)")
    with open(os.path.join(args.out, PREDICTIONS_NAME), "w", encoding="utf-8", newline="\n") as f:
        f.write("row_id,y_true,y_pred,y_prob\n")
        for i, r in enumerate(test_rows):
            f.write(f"{table['row_id'][r]},{y[r]},{pred[i]},{float(prob[i])!r}\n")

    sex = np.array(table["sex"])[test_rows]
    age_group = np.array(table["age_group"])[test_rows]
    metrics = {
        "n_rows": len(rows),
        "n_train": int(train.sum()),
        "n_test": len(test_rows),
        "test_accuracy": float(accuracy_score(y[test_rows], pred)),
        "test_roc_auc": float(roc_auc_score(y[test_rows], prob)),
        "train_accuracy": float(accuracy_score(y[train_rows], model.predict(X_train))),
        "test_positive_rate_true": float(np.mean(y[test_rows])),
        "test_positive_rate_pred": float(np.mean(pred)),
        "test_selection_rate_by_sex": selection_rates(pred, sex),
        "test_selection_rate_by_age_group": selection_rates(pred, age_group),
        "max_abs_diff_float32_graph_vs_sklearn": drift,
    }
    sidecar = {
        "schema": "assay-demo-tabular-preprocess/1",
        "task": "binary_classification",
        "model_file": MODEL_NAME,
        "model_kind": "mlp",
        "dataset_file": CSV_NAME,
        "split_column": "split",
        "target_column": TARGET,
        "classes": CLASSES,
        "positive_class": "good",
        "positive_index": 1,
        "decision_rule": "predicted class = argmax(probabilities) (good when probabilities[:,1] > 0.5)",
        "sensitive_attributes": ["sex", "age_group"],
        "input": {"name": "input", "dtype": "float32", "shape": ["batch", X_train.shape[1]]},
        "output": {"name": "probabilities", "dtype": "float32", "shape": ["batch", 2],
                   "meaning": "[P(credit=bad), P(credit=good)]"},
        "preprocessing": {
            "numeric": "z = (x - mean) / std, computed in float64 then cast to float32; mean/std from the train "
                       "split (population std, ddof=0)",
            "categorical": "one-hot over `categories` in the listed order (exact string match); unseen value -> all zeros",
            "order": "input vector = concatenation over `columns` in the listed order",
        },
        "columns": columns,
        "feature_names": feature_names(columns),
        "training": {
            "library": f"scikit-learn {sklearn.__version__} (Debian python3-sklearn), numpy {np.__version__}, "
                       f"onnx {onnx.__version__}",
            "estimator": f"MLPClassifier(hidden_layer_sizes=({HIDDEN_UNITS},), activation='relu', solver='lbfgs', "
                         f"max_iter=5000, random_state={SEED})",
            "alpha": float(model.alpha),
            "alpha_selection": "5-fold stratified CV on the train split (shuffle, random_state=42), ROC AUC",
            "cv_roc_auc_by_alpha": cv_auc,
            "iterations": int(model.n_iter_),
            "final_train_loss": float(model.loss_),
            "seed": SEED,
            "rows": "train split only",
        },
        "metrics": metrics,
        "source": {
            "name": "Statlog (German Credit Data), Prof. Hans Hofmann, Universitaet Hamburg, 1994",
            "url": "https://archive.ics.uci.edu/dataset/144/statlog+german+credit+data",
            "doi": "10.24432/C5NC77",
            "license": "CC BY 4.0 (UCI Machine Learning Repository)",
            "obtained_from": "Debian bookworm package weka 3.6.14-3: /usr/share/doc/weka/examples/credit-g.arff "
                             "(Weka's ARFF of german.data with readable category labels)",
            "arff_sha256": arff_sha,
            "derived_columns": {
                "credit": "the ARFF `class` attribute (good/bad), renamed",
                "sex": "first word of personal_status ('male'/'female')",
                "age_group": "'<25' if age < 25 else '>=25'",
                "row_id": "0-based row index in the ARFF data section",
                "split": "stratified 70/30: per class, numpy RandomState(42) shuffles the rows and the first 30% "
                         "go to test",
            },
        },
    }
    with open(os.path.join(args.out, SIDECAR_NAME), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n")

    print(f"alpha={model.alpha} iterations={model.n_iter_} test accuracy={metrics['test_accuracy']:.4f} "
          f"ROC AUC={metrics['test_roc_auc']:.4f} float32-graph drift={drift:.2e}")
    print("selection rate by sex:", metrics["test_selection_rate_by_sex"])
    print("selection rate by age group:", metrics["test_selection_rate_by_age_group"])


if __name__ == "__main__":
    main()
