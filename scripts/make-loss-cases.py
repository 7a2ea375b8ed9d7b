#!/usr/bin/env python3
"""Writes data/loss-cases: a CSV (id, x0..x{d-1}, p0..p{m-1}, label, r0..r{m-1}), W.npy, b.npy, and
PyTorch's float64 forward and backward for each loss and reduction, which the tests compare Adjoint against
(src/test/java/dev/adjoint/cli/LossCasesTest.java).

  p: probability targets (each row a distribution over the m classes): cross-entropy, logistic
  label: a class index 0..m-1: cross-entropy with --label-col
  r: real targets, spread so that residuals fall on both sides of Huber's delta

Losses, as PyTorch computes them (autograd gives G = dL/dY, then dW = X^T G, db = 1^T G, dX = G W^T):
  ce-label   nn.CrossEntropyLoss(reduction="sum")(Y, label)
  ce-prob    nn.CrossEntropyLoss(reduction="sum")(Y, p)
  logistic   nn.BCEWithLogitsLoss(reduction="sum")(Y, p)
  huber      nn.HuberLoss(reduction="sum", delta=1.0)(Y, r)
  huber-0.5  nn.HuberLoss(reduction="sum", delta=0.5)(Y, r)
Reductions: "sum" as above; "mean" is Adjoint's mean over the n rows, the sum divided by n (PyTorch's
reduction="mean" means over rows for CrossEntropyLoss, but over all n*m elements for BCEWithLogitsLoss and
HuberLoss); for cross-entropy the script checks that PyTorch's own "mean" equals sum / n.

    python3 scripts/make-loss-cases.py [--rows 240 --dim 5 --out-dim 4 --seed 11]
"""
import argparse
import os

import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("--rows", type=int, default=240)
p.add_argument("--dim", type=int, default=5)
p.add_argument("--out-dim", type=int, default=4)
p.add_argument("--seed", type=int, default=11)
p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data", "loss-cases"))
a = p.parse_args()

rng = np.random.default_rng(a.seed)
n, d, m = a.rows, a.dim, a.out_dim
X = rng.standard_normal((n, d)) * 2.0
W = rng.standard_normal((d, m)) / np.sqrt(d) * 2.0
b = rng.standard_normal(m)
P = rng.random((n, m)) ** 2
P = P / P.sum(axis=1, keepdims=True)
label = rng.integers(0, m, size=n)
R = rng.standard_normal((n, m)) * 3.0
X[0] *= 40.0  # one row with logits in the hundreds: the stable forms must hold there too
os.makedirs(a.out, exist_ok=True)

with open(os.path.join(a.out, "X.csv"), "w") as f:
    head = ["id"] + [f"x{j}" for j in range(d)] + [f"p{j}" for j in range(m)] + ["label"] + [f"r{j}" for j in range(m)]
    f.write(",".join(head) + "\n")
    for i in range(n):  # repr() round-trips float64 exactly
        row = [str(i)] + [repr(float(v)) for v in X[i]] + [repr(float(v)) for v in P[i]] + [str(int(label[i]))] \
            + [repr(float(v)) for v in R[i]]
        f.write(",".join(row) + "\n")
np.save(os.path.join(a.out, "W.npy"), W)
np.save(os.path.join(a.out, "b.npy"), b)

torch.set_default_dtype(torch.float64)
Xt, Wt, bt = torch.tensor(X), torch.tensor(W), torch.tensor(b)
losses = {
    "ce-label": lambda Y: torch.nn.CrossEntropyLoss(reduction="sum")(Y, torch.tensor(label)),
    "ce-prob": lambda Y: torch.nn.CrossEntropyLoss(reduction="sum")(Y, torch.tensor(P)),
    "logistic": lambda Y: torch.nn.BCEWithLogitsLoss(reduction="sum")(Y, torch.tensor(P)),
    "huber": lambda Y: torch.nn.HuberLoss(reduction="sum", delta=1.0)(Y, torch.tensor(R)),
    "huber-0.5": lambda Y: torch.nn.HuberLoss(reduction="sum", delta=0.5)(Y, torch.tensor(R)),
}
Y0 = (Xt @ Wt + bt).detach()
np.save(os.path.join(a.out, "Y.npy"), Y0.numpy())
for name, fn in losses.items():
    for reduction in ("sum", "mean"):
        Wv = Wt.clone().requires_grad_(True)
        bv = bt.clone().requires_grad_(True)
        Xv = Xt.clone().requires_grad_(True)
        Y = Xv @ Wv + bv
        L = fn(Y)
        if reduction == "mean":
            L = L / n
        L.backward()
        tag = f"{name}_{reduction}"
        np.save(os.path.join(a.out, f"dW_{tag}.npy"), Wv.grad.numpy())
        np.save(os.path.join(a.out, f"db_{tag}.npy"), bv.grad.numpy())
        np.save(os.path.join(a.out, f"dX_{tag}.npy"), Xv.grad.numpy())
        np.save(os.path.join(a.out, f"loss_{tag}.npy"), np.array([L.item()]))
for target in (torch.tensor(label), torch.tensor(P)):  # PyTorch's own mean for cross-entropy is over rows
    Y = Xt @ Wt + bt
    mean = torch.nn.CrossEntropyLoss(reduction="mean")(Y, target).item()
    total = torch.nn.CrossEntropyLoss(reduction="sum")(Y, target).item()
    assert abs(mean - total / n) <= 1e-12 * abs(mean), (mean, total / n)
print(f"wrote {a.out}: n={n} d={d} m={m} (PyTorch {torch.__version__}, NumPy {np.__version__})")
