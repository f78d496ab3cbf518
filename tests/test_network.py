"""The small network's kernels: loss and gradient against the plain reference and centred differences
(float32 and float64, every loss, both activations), its plane against point-by-point evaluation, and
every optimizer training it."""

import numpy as np
import pytest

from losscape_lab import kernels
import naive
from losscape_lab.kernels import network as net


def _problem(N=23, D=4, H=5, C=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = np.hstack([rng.normal(size=(N, D - 1)), np.ones((N, 1))]).astype(dtype)
    y = rng.integers(0, C, N)
    W1 = rng.normal(size=(D, H)).astype(dtype)
    W2 = rng.normal(size=(H + 1, C)).astype(dtype)
    return W1, W2, X, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", sorted(kernels.LOSSES))
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_loss_and_gradient_match_the_reference(dtype, loss, activation):
    W1, W2, X, y = _problem(seed=hash((loss, activation)) % 1000, dtype=dtype)
    kw = dict(activation=activation, loss=loss, delta=1.3, reg="elastic", lam=0.03, l1_ratio=0.4)
    L, dW1, dW2 = kernels.mlp_loss_and_grad(W1, W2, X, y, **kw)
    L_ref, dW1_ref, dW2_ref = naive.mlp_loss_and_grad(W1, W2, X, y, **kw)
    tol = 1e-5 if dtype == np.float32 else 1e-10
    assert L == pytest.approx(L_ref, rel=tol)
    assert dW1.dtype == dtype and dW2.shape == W2.shape
    np.testing.assert_allclose(dW1, dW1_ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(dW2, dW2_ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("loss", ["softmax", "squared_hinge", "hinge"])
def test_gradient_against_centred_differences(activation, loss):
    W1, W2, X, y = _problem(N=40, D=3, H=6, C=4, seed=7)
    kw = dict(activation=activation, loss=loss, reg="l2", lam=0.01)
    D, H, C = 3, 6, 4
    P = net.pack(W1, W2)

    def f(Q):
        a, b = net.unpack(Q.ravel(), D, H, C)
        return kernels.mlp_loss_and_grad(a, b, X, y, **kw)[0]
    _, dW1, dW2 = kernels.mlp_loss_and_grad(W1, W2, X, y, **kw)
    numeric = kernels.numerical_grad(f, P[None, :], h=1e-6)
    analytic = net.pack(dW1, dW2)
    # a ReLU or hinge kink within h of an entry spoils its centred difference: nearly all must agree
    close = np.isclose(analytic, numeric, rtol=1e-5, atol=1e-7)
    assert close.mean() >= (1.0 if activation == "tanh" and loss == "softmax" else 0.9), numeric[~close]


def test_the_plane_matches_point_by_point_evaluation():
    W1, W2, X, y = _problem(N=30, D=3, H=4, C=3, seed=3)
    rng = np.random.default_rng(1)
    P0 = net.pack(W1, W2)
    U, V = rng.normal(size=(2, P0.size))
    alphas, betas = np.linspace(-1, 1, 7), np.linspace(-0.5, 1.5, 5)
    for activation in ("relu", "tanh"):
        kw = dict(hidden=4, activation=activation, loss="softmax", reg="l2", lam=0.05)
        grid = kernels.mlp_loss_grid(X, y, P0, U, V, alphas, betas, **kw)
        ref = naive.mlp_grid(X, y, P0, U, V, alphas, betas, **kw)
        assert grid.shape == (5, 7)
        np.testing.assert_allclose(grid, ref, rtol=1e-10)
    grid = kernels.mlp_loss_grid(X, y, P0, U, V, alphas, betas, hidden=4, loss="hinge", reg="l1", lam=0.1)
    np.testing.assert_allclose(grid, naive.mlp_grid(X, y, P0, U, V, alphas, betas, hidden=4, loss="hinge", reg="l1",
                                                   lam=0.1), rtol=1e-10)


@pytest.mark.parametrize("optimizer", sorted(kernels.OPTIMIZERS))
def test_every_optimizer_trains_the_network_reproducibly(optimizer):
    rng = np.random.default_rng(2)
    N, D, H, C = 90, 3, 8, 3
    t = rng.uniform(0, 3, N)
    y = np.arange(N) % C
    X = np.column_stack([t * np.cos(t + 2.1 * y), t * np.sin(t + 2.1 * y), np.ones(N)])  # a small spiral
    P0 = net.init(D, H, C, seed=0)
    lr = {"gd": 0.5, "sgd": 0.3, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.02,
          "random_search": 0.05}[optimizer]
    kw = dict(optimizer=optimizer, lr=lr, batch_size=16, seed=4, hidden=H, loss="softmax", reg="l2", lam=1e-3,
              full_loss_every=1)
    a = kernels.run_optimizer(P0, X, y, steps=120, **kw)
    b = kernels.run_optimizer(P0, X, y, steps=120, **kw)
    np.testing.assert_array_equal(a.W, b.W)  # seeded: the same, bit for bit
    assert a.W.shape == (121, P0.size) and a.diverged_at is None
    assert a.loss_full[-1] < a.loss_full[0]
    # continued in two calls = one call
    c = kernels.run_optimizer(P0, X, y, steps=50, **kw)
    d = kernels.run_optimizer(c.state, X, y, steps=70, **kw)
    np.testing.assert_array_equal(d.W[-1], a.W[-1])
    # the recorded full loss is the network's loss at that step
    W1, W2 = net.unpack(a.W[60], D, H, C)
    assert a.loss_full[60] == pytest.approx(kernels.mlp_loss_and_grad(W1, W2, X, y, reg="l2", lam=1e-3)[0],
                                            rel=1e-12)


def test_sgd_on_the_network_is_the_reference_update():
    W1, W2, X, y = _problem(N=20, D=3, H=4, C=3, seed=5)
    P = net.pack(W1, W2)
    traj = kernels.run_optimizer(P, X, y, optimizer="sgd", lr=0.1, batch_size=6, steps=5, seed=2, hidden=4)
    for t in range(5):
        rows = kernels.batch_indices(2, t, 20, 6)
        a, b = net.unpack(traj.W[t], 3, 4, 3)
        _, g1, g2 = naive.mlp_loss_and_grad(a, b, X[rows], y[rows])
        np.testing.assert_allclose(traj.W[t + 1], traj.W[t] - 0.1 * net.pack(g1, g2), rtol=1e-12, atol=1e-14)


def test_divergence_is_reported_for_the_network():
    W1, W2, X, y = _problem(N=20, D=3, H=4, C=3, seed=5)
    traj = kernels.run_optimizer(net.pack(W1, W2), X * 50, y, optimizer="gd", lr=1e6, steps=200, hidden=4,
                                 loss="squared_hinge")
    assert traj.diverged_at is not None and np.isfinite(traj.W).all()


def test_bad_network_input_is_a_clear_error():
    W1, W2, X, y = _problem()
    with pytest.raises(ValueError, match="W2 must have H \\+ 1 = 6 rows"):
        kernels.mlp_loss_and_grad(W1, W2[:-1], X, y)
    with pytest.raises(ValueError, match="labels in \\[0, 3\\)"):
        kernels.mlp_loss_and_grad(W1, W2, X, y + 5)
    with pytest.raises(ValueError, match="parameters must number"):
        kernels.run_optimizer(np.zeros(7), X, y, hidden=5)
    with pytest.raises(ValueError, match="activation"):
        kernels.mlp_loss_and_grad(W1, W2, X, y, activation="sigmoid")
    with pytest.raises(ValueError, match="NaN"):
        kernels.mlp_loss_and_grad(np.full_like(W1, np.nan), W2, X, y)
