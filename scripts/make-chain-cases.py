#!/usr/bin/env python3
"""Writes data/chain-cases: one CSV (id, x0..x5, t0..t2, label, p0..p2), a chain of dense layers per depth,
and PyTorch's float64 forward and backward through nn.Sequential for each case, which the tests compare
Adjoint against (src/test/java/dev/adjoint/cli/ChainCasesTest.java).

  t: real targets (squared, huber)   label: a class index 0..2 (cross-entropy)   p: values in [0, 1] (logistic)

Chains, one per depth and shared by its cases (widths d -> ... -> m):
  depth1 6->3   depth2 6->5->3   depth3 6->5->5->3 (a square middle layer)   depth4 6->5->5->4->3
  depth{D}/W{l}.npy [in x out] and b{l}.npy [out], so that z_l = h_{l-1} W_l + b_l as Adjoint computes it
  (nn.Linear keeps weight = W_l^T); depth3/net.npz holds the same W0..W2, b0..b2 as numpy.savez writes them.
Forward: h_0 = X, h_l = act(z_l) for l < D, Y = z_D (no activation after the last layer); act is ReLU, Tanh,
Sigmoid or GELU (exact erf form, PyTorch's default). Losses, each summed over rows (autograd gives every grad):
  squared    0.5 * sum((Y - T)^2)
  ce-label   nn.CrossEntropyLoss(reduction="sum")(Y, label)
  logistic   nn.BCEWithLogitsLoss(reduction="sum")(Y, P)
  huber      nn.HuberLoss(reduction="sum", delta=1.0)(Y, T)
"mean" is Adjoint's: that sum divided once by the n rows (not PyTorch's per-element mean).
Cases d{D}_{act}_{loss}_{reduction}/: dW{l}.npy, db{l}.npy per layer, loss.npy [1], Y.npy [n x m], dX.npy [n x d].
Every depth and activation has squared with both reductions (depth 1 has no activation: d1_none_*); depth 3
with relu and gelu also has the other three losses.

    python3 scripts/make-chain-cases.py [--seed 17]
"""
import argparse
import os

import numpy as np
import torch

WIDTHS = {1: [6, 3], 2: [6, 5, 3], 3: [6, 5, 5, 3], 4: [6, 5, 5, 4, 3]}
ACTIVATIONS = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "gelu": torch.nn.GELU}
ROWS = 200
KINK_MARGIN = 1e-4  # every ReLU pre-activation is at least this far from 0, so no rounding or FD step crosses a kink
ALIVE = (0.1, 0.9)  # every ReLU unit is on for at least 10% of the rows and off for 10%: each one's σ' matters

p = argparse.ArgumentParser()
p.add_argument("--seed", type=int, default=17)
p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data", "chain-cases"))
a = p.parse_args()

rng = np.random.default_rng(a.seed)
n, d, m = ROWS, WIDTHS[1][0], WIDTHS[1][-1]
X = rng.standard_normal((n, d))
X[:3] *= 8.0  # three rows with larger inputs: tanh and sigmoid saturate there
T = rng.standard_normal((n, m)) * 1.5  # residuals on both sides of Huber's delta = 1
label = rng.integers(0, m, size=n)
P = rng.random((n, m))
P[:4, 0], P[4:8, 1] = 0.0, 1.0  # hard targets as well as soft ones
chains = {D: [(rng.standard_normal((w_in, w_out)) * 1.5 / np.sqrt(w_in), rng.standard_normal(w_out) * 0.1)
              for w_in, w_out in zip(widths, widths[1:])] for D, widths in WIDTHS.items()}

os.makedirs(a.out, exist_ok=True)
head = ["id"] + [f"x{j}" for j in range(d)] + [f"t{j}" for j in range(m)] + ["label"] + [f"p{j}" for j in range(m)]
columns = np.column_stack([np.arange(n), X, T, label, P])  # %.17g round-trips float64 exactly
np.savetxt(os.path.join(a.out, "X.csv"), columns, delimiter=",", header=",".join(head), comments="",
           fmt=["%d"] + ["%.17g"] * (d + m) + ["%d"] + ["%.17g"] * m)
for D, layers in chains.items():
    os.makedirs(os.path.join(a.out, f"depth{D}"), exist_ok=True)
    for l, (W, b) in enumerate(layers):
        np.save(os.path.join(a.out, f"depth{D}", f"W{l}.npy"), W)
        np.save(os.path.join(a.out, f"depth{D}", f"b{l}.npy"), b)
np.savez(os.path.join(a.out, "depth3", "net.npz"), **{f"W{l}": W for l, (W, _) in enumerate(chains[3])},
         **{f"b{l}": b for l, (_, b) in enumerate(chains[3])})

# The ReLU chains' hidden pre-activations stay clear of the kink at 0, and no unit is dead or always on.
for D, layers in chains.items():
    h = X
    for l, (W, b) in enumerate(layers[:-1]):
        z = h @ W + b
        on = (z > 0).mean(axis=0)
        assert np.abs(z).min() >= KINK_MARGIN, f"depth {D} layer {l}: a pre-activation {np.abs(z).min():.1e} from 0"
        assert ALIVE[0] <= on.min() and on.max() <= ALIVE[1], f"depth {D} layer {l}: units on for {on} of the rows"
        h = np.maximum(z, 0.0)

torch.set_default_dtype(torch.float64)
losses = {
    "squared": lambda Y: 0.5 * ((Y - torch.tensor(T)) ** 2).sum(),
    "ce-label": lambda Y: torch.nn.CrossEntropyLoss(reduction="sum")(Y, torch.tensor(label)),
    "logistic": lambda Y: torch.nn.BCEWithLogitsLoss(reduction="sum")(Y, torch.tensor(P)),
    "huber": lambda Y: torch.nn.HuberLoss(reduction="sum", delta=1.0)(Y, torch.tensor(T)),
}
cases = [(1, "none", "squared")] + [(D, act, "squared") for D in WIDTHS if D > 1 for act in ACTIVATIONS] \
    + [(3, act, loss) for act in ("relu", "gelu") for loss in ("ce-label", "logistic", "huber")]


def sequential(layers, act):
    """nn.Sequential(Linear, act, Linear, act, ..., Linear) holding the chain's W_l (as weight = W_l^T) and b_l."""
    modules = []
    for l, (W, b) in enumerate(layers):
        linear = torch.nn.Linear(W.shape[0], W.shape[1])
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(W.T))
            linear.bias.copy_(torch.tensor(b))
        modules += [linear] + ([ACTIVATIONS[act]()] if l < len(layers) - 1 else [])  # one layer: act is unused
    return torch.nn.Sequential(*modules)


for D, act, loss in cases:
    for reduction in ("sum", "mean"):
        net = sequential(chains[D], act)
        Xv = torch.tensor(X).requires_grad_(True)
        Y = net(Xv)
        L = losses[loss](Y)
        if reduction == "mean":
            L = L / n
        L.backward()
        case = os.path.join(a.out, f"d{D}_{act}_{loss}_{reduction}")
        os.makedirs(case, exist_ok=True)
        linears = [mod for mod in net if isinstance(mod, torch.nn.Linear)]
        for l, linear in enumerate(linears):
            np.save(os.path.join(case, f"dW{l}.npy"), linear.weight.grad.numpy().T.copy())
            np.save(os.path.join(case, f"db{l}.npy"), linear.bias.grad.numpy())
        np.save(os.path.join(case, "loss.npy"), np.array([L.item()]))
        np.save(os.path.join(case, "Y.npy"), Y.detach().numpy())
        np.save(os.path.join(case, "dX.npy"), Xv.grad.numpy())
        if act == "relu" and loss == "squared":  # the W layout: Y from the .npy chain by hand equals nn.Sequential's
            h = X
            for l, (W, b) in enumerate(chains[D]):
                h = h @ W + b if l == D - 1 else np.maximum(h @ W + b, 0.0)
            assert np.abs(h - Y.detach().numpy()).max() <= 1e-12 * np.abs(h).max()
print(f"wrote {a.out}: n={n}, depths {list(WIDTHS)}, {2 * len(cases)} cases (PyTorch {torch.__version__}, "
      f"NumPy {np.__version__})")
