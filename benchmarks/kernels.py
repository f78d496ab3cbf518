"""Benchmarks: each kernel against the best plain-numpy version, measured in the same run.

    python benchmarks/kernels.py [--quick]     (from the repository; not part of the installed package)

Prints medians and ratios (the machine is shared and noisy: compare ratios, not seconds). The numpy
baselines below are the fastest straightforward numpy we know for each job, written to the same
formulas; they are checked against the kernels before they are timed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from losscape_lab import kernels
from losscape_lab.kernels import _training, losses


def median_time(fn, repeat, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def paired_per_call(ours, base, calls=500, pairs=41):
    """(ours, base, ratio) per call for microsecond functions: short batches of each in turn, and the
    median of the pairs' ratios. This machine's speed drifts by tens of percent over a second; batches
    measured seconds apart compared the drift as much as the code."""
    def batch(fn):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - t) / calls
    batch(ours), batch(base)  # warm
    times = [(batch(ours), batch(base)) for _ in range(pairs)]
    return (statistics.median(t[0] for t in times), statistics.median(t[1] for t in times),
            statistics.median(b / a for a, b in times))


# ---------------------------------------------------------------------------------- numpy baselines
def np_loss_and_grad(W, X, y, loss):
    """Vectorized numpy: the textbook implementation (CS231n's vectorized SVM / softmax)."""
    N = X.shape[0]
    S = X @ W
    rows = np.arange(N)
    if loss == "softmax":
        S = S - S.max(axis=1, keepdims=True)
        E = np.exp(S)
        P = E / E.sum(axis=1, keepdims=True)
        L = -np.log(P[rows, y]).mean()
        P[rows, y] -= 1
        return L, X.T @ (P / N)
    M = np.maximum(0, S - S[rows, y][:, None] + 1.0)
    M[rows, y] = 0
    L = M.sum() / N
    G = (M > 0).astype(S.dtype)
    G[rows, y] = -G.sum(axis=1)
    return L, X.T @ (G / N)


def np_grid(X, y, W0, U, V, alphas, betas, loss):
    """Best plain numpy for a landscape: scores are affine in (a, b), so per grid row one broadcast
    over (alphas, terms); softmax with factored exponentials exp(R0 + a RU + b RV) = exp(R0) exp(a RU)
    exp(b RV) on score differences to the label (which keeps the factors moderate)."""
    N = X.shape[0]
    rows = np.arange(N)
    S0, SU, SV = X @ W0, X @ U, X @ V
    R0, RU, RV = (S - S[rows, y][:, None] for S in (S0, SU, SV))
    other = np.ones(S0.shape, bool)
    other[rows, y] = False
    out = np.empty((len(betas), len(alphas)))
    if loss == "hinge":
        T0, TU, TV = R0[other] + 1.0, RU[other], RV[other]
        for i, b in enumerate(betas):
            out[i] = np.maximum(T0 + b * TV + alphas[:, None] * TU, 0.0).sum(axis=1)
    else:
        C1 = S0.shape[1] - 1
        E0 = np.exp(R0[other]).reshape(N, C1)
        EU = np.exp(alphas[:, None, None] * RU[other].reshape(N, C1))  # (Ga, N, C-1)
        RVo = RV[other].reshape(N, C1)
        for i, b in enumerate(betas):
            A = E0 * np.exp(b * RVo)
            out[i] = np.log1p((EU * A).sum(axis=2)).sum(axis=1)
    return out / N


# ------------------------------------------------------------------------------------------ problems
def blobs(N, D, C, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(C, D - 1))
    y = rng.integers(0, C, N)
    X = np.hstack([centres[y] + rng.normal(size=(N, D - 1)), np.ones((N, 1))]).astype(dtype)
    return X, y


def plane(D, C, seed=1):
    rng = np.random.default_rng(seed)
    W0 = 0.1 * rng.normal(size=(D, C))
    U, V = rng.normal(size=(D, C)), rng.normal(size=(D, C))
    U /= np.linalg.norm(U)
    V /= np.linalg.norm(V)
    return W0, U, V


def row(name, ours, base, goal=None, ratio=None):
    ratio = base / ours if ratio is None else ratio
    verdict = "" if goal is None else ("  ok" if ratio >= goal else f"  BELOW GOAL {goal:g}x")
    print(f"  {name:<46} {ours * 1e3:10.3f} ms {base * 1e3:11.3f} ms {ratio:9.1f}x{verdict}", flush=True)


def bench_grids(quick):
    print("\nloss_grid (median ms): kernels vs best numpy  [goal: hinge >= 30x, softmax >= 4x]")
    print(f"  {'case':<46} {'kernels':>13} {'numpy':>14} {'ratio':>10}")
    sets = {"2-D N=2000 D=3 C=3": (2000, 3, 3), "digits-sized N=1797 D=65 C=10": (1797, 65, 10)}
    for label, (N, D, C) in sets.items():
        X, y = blobs(N, D, C)
        W0, U, V = plane(D, C)
        for G in ([128] if quick else [128, 256]):
            a = np.linspace(-3, 3, G)
            for loss, goal in (("hinge", 30), ("softmax", 4)):
                ours = lambda: kernels.data_grid(X, y, W0, U, V, a, a, loss=loss)  # noqa: E731
                base = lambda: np_grid(X, y, W0, U, V, a, a, loss)  # noqa: E731
                np.testing.assert_allclose(ours(), base(), rtol=1e-9)
                rep = 3 if G == 256 else 5
                t_base = median_time(base, rep)
                row(f"{label} {G}x{G} {loss}", median_time(ours, rep), t_base, goal)
                if loss == "softmax":  # the app draws with float32 sums (within 1e-5 relative)
                    single = lambda: kernels.data_grid(X, y, W0, U, V, a, a, loss=loss, single=True)  # noqa: E731
                    np.testing.assert_allclose(single(), base(), rtol=1e-5)
                    t_single = median_time(single, rep)
                    row(f"{label} {G}x{G} softmax float32 sums", t_single, t_base, goal)
                    if N == 1797 and G == 256:
                        absolute = t_single
    if not quick:
        print(f"  the digits-sized softmax 256x256 (float32 sums, as the app draws): {absolute * 1e3:.0f} ms "
              f"(goal <= 160 ms{'' if absolute <= 0.160 else ': NOT MET'})")
    X, y = blobs(2000, 3, 3)
    W0, U, V = plane(3, 3)
    a = np.linspace(-3, 3, 64)
    print("  64x64 preview of the 2-D set:", ", ".join(
        f"{loss} {median_time(lambda: kernels.data_grid(X, y, W0, U, V, a, a, loss=loss), 9) * 1e3:.2f} ms"
        for loss in kernels.LOSSES))


def bench_regularization():
    print("\nchanging lam only: the data grid is kept, the regularization grid re-added (256x256)")
    D, C = 65, 10
    W0, U, V = plane(D, C)
    a = np.linspace(-3, 3, 256)
    X, y = blobs(1797, D, C)
    data = kernels.data_grid(X, y, W0, U, V, a, a, loss="softmax")
    unit = {r: kernels.reg_grid(W0, U, V, a, a, reg=r, lam=1.0) for r in ("l2", "l1")}
    direct = lambda: np.array([[np.sum((W0 + p * U + q * V) ** 2) for p in a[::8]] for q in a[::8]])  # noqa
    t_direct = median_time(direct, 3) * 64  # 32x32 points timed, scaled to 256x256
    print(f"  L2 grid as a quadratic: {median_time(lambda: kernels.reg_grid(W0, U, V, a, a, reg='l2', lam=0.3), 21) * 1e3:.3f} ms"
          f"   (direct sum over W at each point, numpy: {t_direct * 1e3:.0f} ms)")
    print(f"  L1 grid: {median_time(lambda: kernels.reg_grid(W0, U, V, a, a, reg='l1', lam=0.3), 5) * 1e3:.2f} ms")
    t = median_time(lambda: np.add(data, 0.3 * unit["l2"]), 51)
    print(f"  re-adding lam * unit grid to the cached data grid: {t * 1e3:.3f} ms")


def bench_loss_and_grad():
    print("\nloss_and_grad per call (median): kernels vs vectorized numpy")
    print(f"  {'case':<46} {'kernels':>13} {'numpy':>14} {'ratio':>10}")
    X, y = blobs(32, 3, 3)
    W = 0.1 * np.random.default_rng(2).normal(size=(3, 3))
    for loss in ("softmax", "hinge"):
        np.testing.assert_allclose(kernels.loss_and_grad(W, X, y, loss=loss)[1],
                                   np_loss_and_grad(W, X, y, loss)[1], rtol=1e-10, atol=1e-14)
        ours, base, ratio = paired_per_call(lambda: kernels.loss_and_grad(W, X, y, loss=loss),
                                            lambda: np_loss_and_grad(W, X, y, loss))
        row(f"N=32 D=3 C=3 {loss}  [goal >= 10x]", ours, base, 10, ratio)
        # where the time goes: the jitted kernel called directly, without the public function's checks
        lc, delta, rc, lam, l1_ratio, loss_at, terms_at = losses._setup(loss, 1.0, "none", 0.0, 0.5, W.dtype, True)
        dW = np.empty_like(W)
        alone, _, ratio_alone = paired_per_call(
            lambda: _training.loss_grad_fused(loss_at, W, X, y, lc, terms_at, delta, rc, lam, l1_ratio, dW),
            lambda: np_loss_and_grad(W, X, y, loss))
        print(f"    of which the jitted kernel alone: {alone * 1e6:.2f} us ({ratio_alone:.1f}x numpy); the public "
              f"function's own checks (shapes, dtypes, the model's names) and output: {(ours - alone) * 1e6:.2f} us")
    # CIFAR-sized minibatch: against the two matrix products alone
    rng = np.random.default_rng(3)
    X = rng.normal(size=(256, 3073)).astype(np.float32)
    W = (1e-3 * rng.normal(size=(3073, 10))).astype(np.float32)
    y = rng.integers(0, 10, 256)
    dS = rng.normal(size=(256, 10)).astype(np.float32)
    mm = median_time(lambda: (X @ W, X.T @ dS), 51, warmup=5)
    for loss in ("softmax", "hinge"):
        ours = median_time(lambda: kernels.loss_and_grad(W, X, y, loss=loss, reg="l2", lam=1e-3), 51, 5)
        print(f"  N=256 D=3073 C=10 float32 {loss:<8}: {ours * 1e3:.3f} ms = {ours / mm:.2f}x the two matrix "
              f"products alone ({mm * 1e3:.3f} ms)  [goal <= 1.2x]", flush=True)


def bench_optimizer(quick):
    print("\noptimizer: SGD, batch 32, 2-D set (N=2000), every step recorded")
    X, y = blobs(2000, 3, 3)
    W0 = np.zeros((3, 3))
    steps = 20_000 if quick else 100_000
    for loss in ("softmax", "hinge"):
        t = median_time(lambda: kernels.run_optimizer(W0, X, y, loss=loss, optimizer="sgd", lr=0.1,
                                                      batch_size=32, steps=steps, seed=1), 3)
        n = 2000

        def numpy_sgd():
            W = W0.copy()
            rng = np.random.default_rng(1)
            for _ in range(n):
                idx = rng.choice(2000, 32, replace=False)
                W -= 0.1 * np_loss_and_grad(W, X[idx], y[idx], loss)[1]
        tn = median_time(numpy_sgd, 3) / n
        print(f"  {loss:<8}: {steps / t:,.0f} steps/s  (a numpy loop: {1 / tn:,.0f} steps/s, "
              f"{tn * steps / t:.0f}x)  [goal >= 200,000 steps/s]", flush=True)
    # each method's update rule on top (softmax, L2): compare two checkouts by running this in each
    rates = []
    for name in kernels.OPTIMIZER_SPECS:
        t = median_time(lambda: kernels.run_optimizer(W0, X, y, optimizer=name, lr=0.01, batch_size=32,
                                                      steps=steps // 2, seed=1, reg="l2", lam=1e-3), 3)
        rates.append(f"{name} {steps // 2 / t:,.0f}")
    print("  steps/s by method: " + ", ".join(rates), flush=True)


WARM_SCRIPT = """
import time, numpy as np
t0 = time.perf_counter()
from losscape_lab import kernels
X = np.random.default_rng(0).normal(size=(50, 3)); y = np.arange(50) % 3; W = np.zeros((3, 3))
a = np.linspace(-1, 1, 8)
for dt in (np.float64, np.float32):
    kernels.loss_and_grad(W.astype(dt), X.astype(dt), y)
    kernels.run_optimizer(W.astype(dt), X.astype(dt), y, steps=2)
for loss in ("hinge", "squared_hinge", "ova_hinge", "structured_hinge", "softmax"):
    kernels.loss_grid(X, y, W, np.eye(3), np.ones((3, 3)), a, a, loss=loss, reg="elastic", lam=0.1)
print(time.perf_counter() - t0)
"""


def bench_jit():
    print("\nJIT: every public kernel called once (both dtypes), in a fresh process")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = []
        for _ in range(2):
            t = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", WARM_SCRIPT], env=env, capture_output=True, text=True,
                                 check=True)
            out.append((time.perf_counter() - t, float(res.stdout)))
    (cold_total, cold_in), (warm_total, warm_in) = out
    print(f"  cold cache: {cold_in:.1f} s from import to last first call ({cold_total:.1f} s with Python start)")
    print(f"  warm cache: {warm_in:.2f} s from import to last first call ({warm_total:.2f} s with Python start)")


def bench_threads():
    X, y = blobs(2000, 3, 3)
    W0, U, V = plane(3, 3)
    a = np.linspace(-3, 3, 128)
    errors = []

    def worker():
        try:
            for _ in range(5):
                kernels.data_grid(X, y, W0, U, V, a, a, loss="softmax")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    th = threading.Thread(target=worker)
    th.start()
    calls = 0
    while th.is_alive():
        kernels.data_grid(X[:200], y[:200], W0, U, V, a[:32], a[:32], loss="hinge")
        kernels.loss_and_grad(W0, X[:32], y[:32])
        calls += 1
    th.join()
    print(f"\nthreads: parallel landscapes on a worker thread while the main thread ran {calls} parallel and "
          f"serial kernels: {'no error' if not errors else errors}; threading layer: {kernels.threading_layer()}")


def np_mlp_grid(X, y, P0, U, V, alphas, betas, hidden, C, chunk=64):
    """Batched numpy: the network's softmax loss at `chunk` grid points per pair of matrix products."""
    D = X.shape[1]
    n1 = D * hidden
    out = np.empty((len(betas), len(alphas)))
    pts = [(j, i, a, b) for j, b in enumerate(betas) for i, a in enumerate(alphas)]
    for s in range(0, len(pts), chunk):
        part = pts[s:s + chunk]
        coef = np.array([[a, b] for _, _, a, b in part])
        Ps = P0 + coef[:, :1] * U + coef[:, 1:] * V  # (k, P)
        W1 = Ps[:, :n1].reshape(-1, D, hidden)
        W2 = Ps[:, n1:].reshape(-1, hidden + 1, C)
        h = np.maximum(np.matmul(X, W1), 0.0)  # (k, N, H)
        S = np.matmul(h, W2[:, :-1]) + W2[:, -1:, :]
        S -= S.max(axis=2, keepdims=True)
        L = np.log(np.exp(S).sum(axis=2)) - S[:, np.arange(len(y)), y]
        for (j, i, _, _), v in zip(part, L.mean(axis=1)):
            out[j, i] = v
    return out


def bench_network(quick):
    print("\nnetwork landscape (median ms): mlp_loss_grid vs batched numpy  [goal: 64^2 spiral >= 5x]")
    N, D, H, C = 300, 3, 16, 3
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 3, N)
    y = np.arange(N) % C
    X = np.column_stack([t * np.cos(t + 2.1 * y), t * np.sin(t + 2.1 * y), np.ones(N)])
    P0 = kernels.network.init(D, H, C, seed=0)
    U, V = rng.normal(scale=0.3, size=(2, P0.size))
    for G in ((64,) if quick else (64, 128)):
        a = np.linspace(-1, 1, G)
        ours = median_time(lambda: kernels.mlp_loss_grid(X, y, P0, U, V, a, a, hidden=H), 7)
        base = median_time(lambda: np_mlp_grid(X, y, P0, U, V, a, a, H, C), 3)
        assert np.allclose(kernels.mlp_loss_grid(X, y, P0, U, V, a, a, hidden=H), np_mlp_grid(X, y, P0, U, V, a, a, H, C))
        row(f"spiral N={N} D={D} H={H} C={C}, {G}x{G}", ours, base, 5 if G == 64 else None)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python benchmarks/kernels.py", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller grids and fewer steps")
    args = p.parse_args(argv)
    print(f"numpy {np.__version__}, numba {__import__('numba').__version__}, {os.cpu_count()} cores")
    bench_jit()
    bench_grids(args.quick)
    bench_regularization()
    bench_loss_and_grad()
    bench_optimizer(args.quick)
    bench_network(args.quick)
    bench_threads()


if __name__ == "__main__":
    main()
