"""loss_grid = data_grid + reg_grid against one full reference evaluation per grid point."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from losscape_lab import kernels
import naive

LOSSES = list(kernels.LOSSES)
REGS = list(kernels.REGS)


def plane(seed, N, D, C, dtype, spread=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)).astype(dtype)
    W0, U, V = (rng.normal(size=(D, C)).astype(dtype) for _ in range(3))
    y = rng.integers(0, C, N)
    alphas = rng.uniform(-spread, spread, rng.integers(1, 9))  # any order is allowed
    betas = rng.uniform(-spread, spread, rng.integers(1, 9))
    return X, y, W0, U, V, alphas, betas


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 25), D=st.integers(1, 5), C=st.integers(2, 5),
       loss=st.sampled_from(LOSSES), reg=st.sampled_from(REGS), lam=st.floats(0, 2),
       l1_ratio=st.floats(0, 1), delta=st.sampled_from([0.5, 1.0]), spread=st.sampled_from([0.5, 3.0, 60.0]))
def test_grid_matches_reference(dtype, seed, N, D, C, loss, reg, lam, l1_ratio, delta, spread):
    X, y, W0, U, V, alphas, betas = plane(seed, N, D, C, dtype, spread)
    kw = dict(loss=loss, delta=delta, reg=reg, lam=lam, l1_ratio=l1_ratio)
    G = kernels.loss_grid(X, y, W0, U, V, alphas, betas, **kw)
    X64, W064, U64, V64 = (a.astype(np.float64) for a in (X, W0, U, V))
    ref = naive.grid(X64, y, W064, U64, V64, alphas, betas, **kw)
    assert G.shape == (len(betas), len(alphas)) and G.dtype == np.float64
    np.testing.assert_allclose(G, ref, rtol=1e-9, atol=1e-9)


def test_grid_is_the_sum_of_its_parts_and_reg_is_linear_in_lam():
    X, y, W0, U, V, alphas, betas = plane(5, 40, 4, 3, np.float64)
    for reg in REGS:
        total = kernels.loss_grid(X, y, W0, U, V, alphas, betas, reg=reg, lam=0.7, l1_ratio=0.3)
        data = kernels.data_grid(X, y, W0, U, V, alphas, betas)
        unit = kernels.reg_grid(W0, U, V, alphas, betas, reg=reg, lam=1.0, l1_ratio=0.3)
        np.testing.assert_allclose(total, data + 0.7 * unit, rtol=1e-12, atol=1e-12)


def test_softmax_grid_is_stable_where_scores_are_huge():
    """Scores of 1e4 over most of the plane take the stable path; the fast path must agree at the seam."""
    X, y, W0, U, V, _, _ = plane(7, 30, 3, 4, np.float64)
    alphas = np.linspace(-2000, 2000, 41)
    betas = np.linspace(-5, 5, 7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = kernels.loss_grid(X, y, W0, U, V, alphas, betas, loss="softmax")
    assert np.isfinite(G).all() and G.max() > 1e3
    np.testing.assert_allclose(G, naive.grid(X, y, W0, U, V, alphas, betas, loss="softmax"), rtol=1e-10)


@pytest.mark.parametrize("single", [False, True])
def test_many_samples_use_several_softmax_chunks_and_blocks(monkeypatch, single):
    from losscape_lab.kernels import landscape as L
    monkeypatch.setattr(L, "_EXP_CHUNK_BYTES", 3000)
    monkeypatch.setattr(L, "_SUM_BLOCK_BYTES", 700)
    X, y, W0, U, V, _, _ = plane(9, 60, 3, 3, np.float64)
    alphas, betas = np.linspace(-2, 2, 9), np.linspace(1, -1, 5)
    G = kernels.data_grid(X, y, W0, U, V, alphas, betas, loss="softmax", single=single)
    np.testing.assert_allclose(G, naive.grid(X, y, W0, U, V, alphas, betas, loss="softmax"),
                               rtol=1e-6 if single else 1e-11)


@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 30), C=st.integers(2, 11), G=st.integers(1, 40),
       spread=st.sampled_from([0.5, 3.0, 30.0]), single=st.booleans())
def test_softmax_on_an_even_grid_matches_reference(seed, N, C, G, spread, single):
    """The app's grids are evenly spaced: exponentials by repeated multiplication along each line, summed
    two classes and four grid rows at a time, in float64 (exact to rounding) or float32 (single: within
    1e-5 relative); samples whose exponents leave the fast range (spread 30, or 40 in float32) take the stable path."""
    X, y, W0, U, V, _, _ = plane(seed, N, 3, C, np.float64)
    alphas = np.linspace(-spread, spread, G)
    betas = np.linspace(spread, -spread / 2, max(1, G // 2))
    out = kernels.data_grid(X, y, W0, U, V, alphas, betas, loss="softmax", single=single)
    ref = naive.grid(X, y, W0, U, V, alphas, betas, loss="softmax")
    np.testing.assert_allclose(out, ref, rtol=1e-5 if single else 1e-9, atol=1e-9)


def test_exponentials_along_a_line_are_exact_to_rounding():
    from losscape_lab.kernels import _landscape as K

    rng = np.random.default_rng(3)
    P, Q = rng.normal(size=(7, 5)) * 20, rng.normal(size=(7, 5)) * 5
    t = np.linspace(-3, 3, 101)
    out = np.empty((7, 5, 101))
    K.exp_lines(P, Q, t, out)
    np.testing.assert_allclose(out, np.exp(P[:, :, None] + Q[:, :, None] * t), rtol=1e-13)


def test_grid_at_the_origin_equals_loss_and_grad():
    X, y, W0, U, V, _, _ = plane(11, 50, 3, 3, np.float32)
    for loss in LOSSES:
        G = kernels.loss_grid(X, y, W0, U, V, [0.0], [0.0], loss=loss, reg="l2", lam=0.1)
        L, _ = kernels.loss_and_grad(W0.astype(np.float64), X.astype(np.float64), y, loss=loss,
                                     reg="l2", lam=0.1)
        assert G[0, 0] == pytest.approx(L, rel=1e-12)


@pytest.mark.parametrize("change, message", [
    (dict(alphas=[]), "alphas must be a non-empty 1-D"),
    (dict(betas=[[0.0]]), "betas must be a non-empty 1-D"),
    (dict(alphas=[0.0, np.nan]), "alphas contains NaN"),
    (dict(U=np.zeros((3, 4))), "U must have W0's shape"),
    (dict(W0=np.zeros((2, 3))), r"W0 must have shape \(D, C\) with D = 3"),
    (dict(V=np.zeros((3, 3), np.float32)), "same dtype"),
    (dict(y=np.array([0, 1, 3, 0])), r"labels in \[0, 3\)"),
    (dict(X=np.full((4, 3), np.inf)), "X contains NaN or inf"),
    (dict(W0=np.full((3, 3), np.nan)), "W0 contains NaN or inf"),
    (dict(loss="logistic"), "loss must be one of"),
    (dict(reg="l0"), "reg must be one of"),
])
def test_bad_input_is_a_clear_error(change, message):
    rng = np.random.default_rng(0)
    args = dict(X=rng.normal(size=(4, 3)), y=np.array([0, 1, 2, 0]), W0=np.zeros((3, 3)),
                U=np.eye(3), V=np.ones((3, 3)), alphas=[0.0, 1.0], betas=[0.0])
    kw = {k: change.pop(k) for k in ("loss", "reg") if k in change}
    args.update(change)
    with pytest.raises(ValueError, match=message):
        kernels.loss_grid(args["X"], args["y"], args["W0"], args["U"], args["V"], args["alphas"],
                          args["betas"], lam=1.0, **kw)


def test_numpy_blas_runs_on_one_thread_once_kernels_are_imported():
    """OpenBLAS's idle threads spin after a product and took the cores from the landscape kernels that
    followed (1.4x the time): importing the kernels sets numpy's BLAS to one thread."""
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert blas and all(lib["num_threads"] == 1 for lib in blas)



WITHOUT_OPENMP_OR_TBB = """
import importlib.abc, sys, threading
import numpy as np

class NoThreadsafeLayer(importlib.abc.MetaPathFinder):  # as on a Mac without libomp or TBB
    def find_spec(self, name, path, target=None):
        if name in ("numba.np.ufunc.omppool", "numba.np.ufunc.tbbpool"):
            raise ImportError(f"no {name} here")

sys.meta_path.insert(0, NoThreadsafeLayer())
from losscape_lab import kernels

args = [np.load(sys.argv[1] + f"/{name}.npy") for name in ("X", "y", "W0", "U", "V", "t", "t")]
got = []
def repeatedly():  # four threads in parallel kernels at once: without turns, workqueue aborts the process
    for _ in range(20):
        got.append(kernels.loss_grid(*args, loss="hinge", reg="l1", lam=0.1))
threads = [threading.Thread(target=repeatedly) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
assert len(got) == 80 and all(np.array_equal(g, got[0]) for g in got)
np.save(sys.argv[1] + "/grid.npy", got[0])
print(kernels.threading_layer())
"""


def test_without_openmp_or_tbb_the_kernels_take_turns_on_the_workqueue_layer(tmp_path):
    """Where no thread-safe layer loads, numba's workqueue runs the parallel kernels. It aborts the process
    when two threads enter them at once (this test did, before they took turns); the landscape is the
    same as on OpenMP."""
    import subprocess
    import sys

    rng = np.random.default_rng(1)
    data = dict(X=rng.normal(size=(400, 3)), y=rng.integers(0, 3, 400), W0=rng.normal(size=(3, 3)),
                U=rng.normal(size=(3, 3)), V=rng.normal(size=(3, 3)), t=np.linspace(-1, 1, 201))
    for name, a in data.items():
        np.save(tmp_path / f"{name}.npy", a)
    r = subprocess.run([sys.executable, "-c", WITHOUT_OPENMP_OR_TBB, str(tmp_path)], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["workqueue"]
    here = kernels.loss_grid(*(data[k] for k in ("X", "y", "W0", "U", "V", "t", "t")), loss="hinge", reg="l1",
                             lam=0.1)
    np.testing.assert_allclose(np.load(tmp_path / "grid.npy"), here, rtol=1e-12, atol=0)


def test_the_plane_directions_go_by_their_names():
    """loss_grid(X, y, W0=..., U=..., V=...): V was V_ (an import alias had the name)."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(9, 3)), np.arange(9) % 3
    W0, U, V = (rng.normal(size=(3, 3)) for _ in range(3))
    t = np.linspace(-1, 1, 5)
    by_name = kernels.loss_grid(X, y, W0=W0, U=U, V=V, alphas=t, betas=t, loss="hinge", reg="l2", lam=0.1)
    np.testing.assert_array_equal(by_name, kernels.loss_grid(X, y, W0, U, V, t, t, loss="hinge", reg="l2", lam=0.1))
    P = kernels.network.init(3, 2, 3)
    assert kernels.mlp_loss_grid(X, y, P, P, V=P, alphas=t, betas=t, hidden=2).shape == (5, 5)
