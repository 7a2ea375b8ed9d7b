#!/usr/bin/env python3
"""Writes data/numpy-case: a CSV (id, x0..x{d-1}, t0..t{m-1}), W.npy, b.npy, and NumPy's float64
forward/backward for both losses (sum reduction), which the tests compare Adjoint against.

    python3 scripts/make-numpy-case.py [--rows 200 --dim 5 --out-dim 3 --seed 7]
"""
import argparse
import os

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--rows", type=int, default=200)
p.add_argument("--dim", type=int, default=5)
p.add_argument("--out-dim", type=int, default=3)
p.add_argument("--seed", type=int, default=7)
p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data", "numpy-case"))
a = p.parse_args()

rng = np.random.default_rng(a.seed)
n, d, m = a.rows, a.dim, a.out_dim
X = rng.standard_normal((n, d))
T = rng.standard_normal((n, m))
W = rng.standard_normal((d, m)) / np.sqrt(d)
b = rng.standard_normal(m)
os.makedirs(a.out, exist_ok=True)

with open(os.path.join(a.out, "X.csv"), "w") as f:
    f.write(",".join(["id"] + [f"x{j}" for j in range(d)] + [f"t{j}" for j in range(m)]) + "\n")
    for i in range(n):  # repr() round-trips float64 exactly
        f.write(",".join([str(i)] + [repr(float(v)) for v in X[i]] + [repr(float(v)) for v in T[i]]) + "\n")
np.save(os.path.join(a.out, "W.npy"), W)
np.save(os.path.join(a.out, "b.npy"), b)

Y = X @ W + b
for loss, G, L in (("sum", np.ones_like(Y), Y.sum()),
                   ("squared", Y - T, 0.5 * np.sum((Y - T) ** 2))):
    np.save(os.path.join(a.out, f"dW_{loss}.npy"), X.T @ G)
    np.save(os.path.join(a.out, f"db_{loss}.npy"), G.sum(axis=0))
    np.save(os.path.join(a.out, f"dX_{loss}.npy"), G @ W.T)
    np.save(os.path.join(a.out, f"loss_{loss}.npy"), np.array([L]))
np.save(os.path.join(a.out, "Y.npy"), Y)
print(f"wrote {a.out}: n={n} d={d} m={m} (NumPy {np.__version__})")
