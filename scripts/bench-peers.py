#!/usr/bin/env python3
"""The peers of scripts/bench: one forward + backward pass of the squared-loss linear layer
(Y = X W + b, G = Y - T, dW = X^T G, db = 1^T G, dX = G W^T; 6 n d m flops) in NumPy and in PyTorch
on the CPU, data in memory, every core. Prints one JSON list: [{name, seconds_per_pass, gflops, ...}].

usage: bench-peers.py ROWS DIM OUT_DIM PASSES [cross-entropy]
With cross-entropy (scripts/bench losses): PyTorch alone, nn.CrossEntropyLoss over OUT_DIM classes, forward +
backward of L, dW and db (4 n d m flops: X needs no gradient, as MLlib's aggregator computes none).
A peer whose module is missing is reported with "skipped" and the reason.
"""
import json
import statistics
import sys
import time


def timed(step, passes):
    step()  # warm-up: allocation, BLAS thread start
    seconds = []
    for _ in range(passes):
        t0 = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds)


def loaded_blas():
    """The BLAS libraries this process has loaded, read from /proc/self/maps."""
    libs = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in path.rsplit("/", 1)[-1] or "mkl" in path:
                    libs.add(path)
    except OSError:
        pass
    return ", ".join(sorted(libs)) or "(none found)"


def numpy_peer(n, d, m, passes):
    import numpy as np
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, d))
    t = rng.standard_normal((n, m))
    w = rng.standard_normal((d, m)) / np.sqrt(d)
    b = rng.standard_normal(m)

    def step():
        g = x @ w          # forward: Y = X W + b
        g += b
        g -= t             # G = dL/dY = Y - T for L = 1/2 ||Y - T||^2
        dw = x.T @ g       # dW = X^T G
        db = g.sum(axis=0)  # db = 1^T G
        dx = g @ w.T       # dX = G W^T
        return dw, db, dx

    return {"name": "numpy", "seconds_per_pass": timed(step, passes),
            "version": np.__version__, "blas": loaded_blas()}


def torch_peer(n, d, m, passes):
    import os
    import torch
    torch.set_num_threads(os.cpu_count())  # every core, as the other systems get
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(n, d, dtype=torch.float64, generator=gen, requires_grad=True)
    t = torch.randn(n, m, dtype=torch.float64, generator=gen)
    w = (torch.randn(d, m, dtype=torch.float64, generator=gen) / d ** 0.5).requires_grad_(True)
    b = torch.randn(m, dtype=torch.float64, generator=gen, requires_grad=True)

    def step():
        for p in (x, w, b):
            p.grad = None
        loss = 0.5 * ((x @ w + b - t) ** 2).sum()
        loss.backward()    # autograd: dW, db and dX
        return w.grad, b.grad, x.grad

    return {"name": "torch", "seconds_per_pass": timed(step, passes), "version": torch.__version__,
            "threads": torch.get_num_threads(), "blas": loaded_blas()}


def torch_cross_entropy_peer(n, d, m, passes):
    import os
    import torch
    torch.set_num_threads(os.cpu_count())
    gen = torch.Generator().manual_seed(1)
    x = (torch.rand(n, d, dtype=torch.float64, generator=gen) * 2 - 1) * 3 ** 0.5  # unit variance, no gradient
    labels = torch.randint(0, m, (n,), generator=gen)
    w = ((torch.rand(d, m, dtype=torch.float64, generator=gen) * 2 - 1) * (3.0 / d) ** 0.5).requires_grad_(True)
    b = (torch.rand(m, dtype=torch.float64, generator=gen) * 2 - 1).requires_grad_(True)
    loss_fn = torch.nn.CrossEntropyLoss()  # mean over rows, as MLlib's loss and Adjoint's --reduction mean

    def step():
        w.grad = None
        b.grad = None
        loss = loss_fn(x @ w + b, labels)
        loss.backward()    # autograd: dW and db
        return w.grad, b.grad

    return {"name": "torch", "seconds_per_pass": timed(step, passes), "version": torch.__version__,
            "threads": torch.get_num_threads(), "blas": loaded_blas()}


def main():
    if len(sys.argv) not in (5, 6) or sys.argv[5:] not in ([], ["cross-entropy"]):
        sys.exit(__doc__)
    n, d, m, passes = (int(a) for a in sys.argv[1:5])
    flops = 6.0 * n * d * m
    peers = ((numpy_peer, "numpy"), (torch_peer, "torch"))
    if sys.argv[5:]:
        flops = 4.0 * n * d * m
        peers = ((torch_cross_entropy_peer, "torch"),)
    results = []
    for peer, module in peers:
        try:
            r = peer(n, d, m, passes)
            r["gflops"] = flops / r["seconds_per_pass"] / 1e9
        except ImportError as e:
            r = {"name": module, "skipped": "python module missing: %s" % e}
        results.append(r)
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
