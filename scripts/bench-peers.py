#!/usr/bin/env python3
"""The peers of scripts/bench: one forward + backward pass of the squared-loss linear layer
(Y = X W + b, G = Y - T, dW = X^T G, db = 1^T G, dX = G W^T; 6 n d m flops) in NumPy and in PyTorch
on the CPU, data in memory, every core. Prints one JSON list: [{name, seconds_per_pass, gflops, ...}].

usage: bench-peers.py ROWS DIM OUT_DIM PASSES [cross-entropy | chain H1,H2,...]
With cross-entropy (scripts/bench losses): PyTorch alone, nn.CrossEntropyLoss over OUT_DIM classes, forward +
backward of L, dW and db (4 n d m flops: X needs no gradient, as MLlib's aggregator computes none).
With chain H1,H2,... (scripts/bench chain): layers DIM -> H1 -> H2 ... -> OUT_DIM with ReLU between them and
softmax cross-entropy with labels at the output, summed over rows, forward + backward of L, every dW and db and
dX (6 n sum(w_l w_l+1) flops): NumPy by hand, and PyTorch's nn.Sequential of Linear and ReLU.
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


def uniform_rows(np, rng, n, d, m):
    """X uniform on (-sqrt 3, sqrt 3) (unit variance) and labels uniform over m classes, as the JVM benchmarks'."""
    return rng.uniform(-3 ** 0.5, 3 ** 0.5, (n, d)), rng.integers(0, m, n)


def numpy_chain_peer(n, widths, passes):
    import numpy as np
    rng = np.random.default_rng(1)
    x, labels = uniform_rows(np, rng, n, widths[0], widths[-1])
    ws = [rng.uniform(-1, 1, (a, b)) * (3.0 / a) ** 0.5 for a, b in zip(widths, widths[1:])]
    bs = [rng.uniform(-1, 1, b) for b in widths[1:]]
    depth = len(ws)
    rows = np.arange(n)

    def step():
        hs, zs = [x], []
        for l in range(depth):       # z_l = h_l W_l + b_l, h_l+1 = relu(z_l)
            z = hs[-1] @ ws[l]
            z += bs[l]
            zs.append(z)
            if l < depth - 1:
                hs.append(np.maximum(z, 0.0))
        z = zs[-1]                   # softmax cross-entropy with labels, summed: L and G = softmax - onehot
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1)
        loss = (np.log(s) - z[rows, labels]).sum()
        g = e / s[:, None]
        g[rows, labels] -= 1.0
        grads = []
        for l in reversed(range(depth)):
            grads.append((hs[l].T @ g, g.sum(axis=0)))  # dW_l, db_l
            g = g @ ws[l].T          # dX for l = 0
            if l > 0:
                g *= zs[l - 1] > 0   # relu'
        return loss, grads, g

    return {"name": "numpy", "seconds_per_pass": timed(step, passes),
            "version": np.__version__, "blas": loaded_blas()}


def torch_chain_peer(n, widths, passes):
    import os
    import torch
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(1)  # nn.Linear's own initialisation
    gen = torch.Generator().manual_seed(1)
    x = ((torch.rand(n, widths[0], dtype=torch.float64, generator=gen) * 2 - 1) * 3 ** 0.5).requires_grad_(True)
    labels = torch.randint(0, widths[-1], (n,), generator=gen)
    layers = []
    for l, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(a, b, dtype=torch.float64))
        if l < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")  # sums, as Adjoint's gradient pass

    def step():
        net.zero_grad(set_to_none=True)
        x.grad = None
        loss = loss_fn(net(x), labels)
        loss.backward()    # autograd: every dW and db, and dX
        return x.grad

    return {"name": "torch", "seconds_per_pass": timed(step, passes), "version": torch.__version__,
            "threads": torch.get_num_threads(), "blas": loaded_blas()}


def main():
    mode = sys.argv[5] if len(sys.argv) > 5 else None
    arg_count = {None: 5, "cross-entropy": 6, "chain": 7}
    if mode not in arg_count or len(sys.argv) != arg_count[mode]:
        sys.exit(__doc__)
    n, d, m, passes = (int(a) for a in sys.argv[1:5])
    flops = 6.0 * n * d * m
    peers = ((numpy_peer, "numpy"), (torch_peer, "torch"))
    args = (n, d, m, passes)
    if mode == "cross-entropy":
        flops = 4.0 * n * d * m
        peers = ((torch_cross_entropy_peer, "torch"),)
    elif mode == "chain":
        widths = [d] + [int(h) for h in sys.argv[6].split(",") if h] + [m]
        flops = 6.0 * n * sum(a * b for a, b in zip(widths, widths[1:]))
        peers = ((numpy_chain_peer, "numpy"), (torch_chain_peer, "torch"))
        args = (n, widths, passes)
    results = []
    for peer, module in peers:
        try:
            r = peer(*args)
            r["gflops"] = flops / r["seconds_per_pass"] / 1e9
        except ImportError as e:
            r = {"name": module, "skipped": "python module missing: %s" % e}
        results.append(r)
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
