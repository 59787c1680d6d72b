"""Builds test/fixtures/robustness/linear.onnx: a fixed linear binary classifier on 5 raw features.

probabilities = softmax([0, w.x + b]), so class 1 iff w.x + b > 0 and the decision boundary is the hyperplane
w.x + b = 0: the exact L2 distance of x to it is |w.x + b| / ||w||. Also writes linear.json (w, b, bounds and
200 rows inside the bounds). Run with Debian's Python (python3-onnx, python3-numpy):

    /usr/bin/python3 scripts/robustness/build_linear_fixture.py
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "robustness")
D = 5
w = np.array([1.5, -2.0, 0.75, 1.0, -0.5])
b = 0.25
lo, hi = -4.0, 4.0

rng = np.random.default_rng(20260101)
x = rng.uniform(-2.0, 2.0, size=(200, D))

W = np.zeros((D, 2), dtype=np.float32)
W[:, 1] = w
B = np.array([0.0, b], dtype=np.float32)
graph = helper.make_graph(
    [
        helper.make_node("Gemm", ["input", "W", "B"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ],
    "linear",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", D])],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 2])],
    [
        helper.make_tensor("W", TensorProto.FLOAT, W.shape, W.flatten().tolist()),
        helper.make_tensor("B", TensorProto.FLOAT, B.shape, B.tolist()),
    ],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="assay-fixtures")
model.ir_version = 8
onnx.checker.check_model(model)
os.makedirs(OUT, exist_ok=True)
onnx.save(model, os.path.join(OUT, "linear.onnx"))

margin = x @ w + b
with open(os.path.join(OUT, "linear.json"), "w") as f:
    json.dump(
        {
            "w": w.tolist(),
            "b": b,
            "lo": lo,
            "hi": hi,
            "rows": x.round(6).tolist(),
            "distance": (np.abs(x.round(6) @ w + b) / np.linalg.norm(w)).tolist(),
            "label": (x.round(6) @ w + b > 0).astype(int).tolist(),
        },
        f,
    )
print("wrote", OUT, "margin range", margin.min(), margin.max())
