"""Optimizers against the textbook update rules, determinism, continuation, divergence, sparsity."""

import re

import numpy as np
import pytest

from losscape_lab import kernels
import naive


def data(seed=0, N=37, D=3, C=3, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)).astype(dtype)
    y = rng.integers(0, C, N)
    W0 = (0.1 * rng.normal(size=(D, C))).astype(dtype)
    return W0, X, y


@pytest.mark.parametrize("opt", ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_steps_follow_the_reference_rule(opt, dtype):
    W0, X, y = data(dtype=dtype)
    grad_kw = dict(loss="softmax", reg="l2", lam=0.05)
    B, steps, lr = 8, 25, 0.1
    traj = kernels.run_optimizer(W0, X, y, optimizer=opt, lr=lr, batch_size=B, steps=steps, seed=3,
                                 schedule="inv_t", decay=0.1, rho=0.9, **grad_kw)
    bsz = len(y) if opt == "gd" else B
    batches = [kernels.batch_indices(3, t, len(y), bsz) for t in range(steps)]
    lrs = [lr / (1 + 0.1 * t) for t in range(steps)]
    ref = naive.sgd_family(W0, X, y, batches, lrs, opt=opt, grad_kw=grad_kw,
                           beta2=0.9 if opt == "rmsprop" else 0.999)
    assert traj.diverged_at is None
    np.testing.assert_array_equal(traj.step, np.arange(steps + 1))
    np.testing.assert_allclose(traj.lr, lrs + [lr / (1 + 0.1 * steps)])
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(traj.W, ref, rtol=tol, atol=tol)
    for t in range(steps):  # the recorded batch loss is the loss on that step's batch, before the step
        L_ref = naive.loss(ref[t], X[batches[t]], y[batches[t]], **grad_kw)
        assert traj.loss_batch[t] == pytest.approx(L_ref, rel=tol)
    assert np.isnan(traj.loss_batch[-1])


def test_each_epoch_visits_every_example_once():
    N, B = 23, 5
    for epoch in range(3):
        idx = np.concatenate([kernels.batch_indices(7, epoch * 5 + k, N, B) for k in range(5)])
        assert sorted(idx) == list(range(N))
    assert not np.array_equal(kernels.batch_indices(7, 0, N, B), kernels.batch_indices(7, 5, N, B))
    assert not np.array_equal(kernels.batch_indices(7, 0, N, B), kernels.batch_indices(8, 0, N, B))


@pytest.mark.parametrize("opt", ["sgd", "adam", "random_search"])
def test_same_seed_same_trajectory_bit_for_bit_and_continuation(opt):
    W0, X, y = data()
    kw = dict(optimizer=opt, lr=0.2, batch_size=4, seed=11, loss="hinge", full_loss_every=3)
    a = kernels.run_optimizer(W0, X, y, steps=40, **kw)
    b = kernels.run_optimizer(W0, X, y, steps=40, **kw)
    assert a.W.tobytes() == b.W.tobytes() and a.loss_batch.tobytes() == b.loss_batch.tobytes()
    first = kernels.run_optimizer(W0, X, y, steps=17, **kw)
    rest = kernels.run_optimizer(first.state, X, y, steps=23, **kw)
    assert first.state.step == 17 and rest.step[0] == 17 and rest.state.step == 40
    joined = np.concatenate([first.W[:-1], rest.W])
    assert joined.tobytes() == a.W.tobytes()
    c = kernels.run_optimizer(W0, X, y, steps=40, **{**kw, "seed": 12})
    assert not np.array_equal(a.W, c.W)


def test_record_every_and_full_loss():
    W0, X, y = data()
    t = kernels.run_optimizer(W0, X, y, steps=10, record_every=4, full_loss_every=2, lr=0.1)
    np.testing.assert_array_equal(t.step, [0, 4, 8, 10])
    assert t.W.shape == (4, 3, 3)
    for k, step in enumerate(t.step):
        assert t.loss_full[k] == pytest.approx(naive.loss(t.W[k], X, y), rel=1e-12)


def test_random_search_never_worsens_the_full_batch_loss():
    W0, X, y = data()
    t = kernels.run_optimizer(W0, X, y, optimizer="random_search", lr=0.3, batch_size=len(y), steps=60,
                              loss="hinge", full_loss_every=1)
    assert np.all(np.diff(t.loss_full) <= 0) and t.loss_full[-1] < t.loss_full[0]
    assert len(np.unique(t.loss_full)) > 2  # it did move


@pytest.mark.parametrize("loss, scale, lr, lam", [
    ("hinge", 1e10, 1e300, 0.0),  # one step to overflow
    ("squared_hinge", 1.0, 20.0, 0.0),  # the gradient grows with W
    ("softmax", 1.0, 5.0, 1.0),  # the L2 term alone: W <- (1 - 2 lr lam) W = -9 W
])
def test_divergence_stops_the_run_and_says_where(loss, scale, lr, lam):
    W0, X, y = data()
    t = kernels.run_optimizer(W0, X * scale, y, loss=loss, optimizer="sgd", lr=lr, batch_size=8,
                              steps=500, reg="l2", lam=lam)
    assert t.diverged_at is not None and 0 < t.diverged_at < 500
    assert np.isfinite(t.W).all()
    assert t.step[-1] <= t.diverged_at
    np.testing.assert_array_equal(t.state.W, t.W[-1])


def test_proximal_l1_gives_exact_zeros_and_plain_l1_does_not():
    W0, X, y = data(N=60, D=6, C=3)
    kw = dict(loss="softmax", reg="l1", lam=0.05, optimizer="sgd", lr=0.2, batch_size=60, steps=300)
    prox = kernels.run_optimizer(W0, X, y, prox=True, **kw).W[-1]
    sub = kernels.run_optimizer(W0, X, y, prox=False, **kw).W[-1]
    assert np.sum(prox == 0) >= 3 and np.sum(sub == 0) == 0


def test_proximal_step_follows_the_reference():
    W0, X, y = data()
    kw = dict(loss="hinge", reg="l1", lam=0.1)
    t = kernels.run_optimizer(W0, X, y, optimizer="sgd", lr=0.05, batch_size=5, steps=12, seed=2, prox=True,
                              **kw)
    batches = [kernels.batch_indices(2, s, len(y), 5) for s in range(12)]
    ref = naive.sgd_family(W0, X, y, batches, [0.05] * 12, opt="sgd", grad_kw={**kw, "lam": 0.0},
                           prox_l1=0.1)
    np.testing.assert_allclose(t.W, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("schedule, expected", [
    ("constant", [1.0, 1.0, 1.0, 1.0]),
    ("step", [1.0, 1.0, 0.5, 0.5]),
    ("inv_t", [1.0, 1 / 1.5, 1 / 2.0, 1 / 2.5]),
    ("cosine", [1.0, 0.5 * (1 + np.cos(np.pi / 3)), 0.5 * (1 + np.cos(2 * np.pi / 3)), 0.0]),
])
def test_schedules(schedule, expected):
    W0, X, y = data()
    t = kernels.run_optimizer(W0, X, y, lr=1.0, steps=3, schedule=schedule, decay=0.5, step_every=2,
                              horizon=3)
    np.testing.assert_allclose(t.lr, expected, atol=1e-15)


def test_a_cosine_schedule_holds_zero_past_its_horizon():
    """Unlike torch's CosineAnnealingLR, which rises again after T_max: the run rests where it arrived."""
    W0, X, y = data()
    t = kernels.run_optimizer(W0, X, y, lr=1.0, steps=7, schedule="cosine", horizon=3)
    np.testing.assert_allclose(t.lr[3:], 0.0, atol=1e-15)
    np.testing.assert_allclose(t.W[4:], np.broadcast_to(t.W[3], t.W[4:].shape), atol=1e-15)  # lr 0: W stays


@pytest.mark.parametrize("kw, message", [
    ({"optimizer": "lbfgs"}, "optimizer must be one of"), ({"lr": 0}, "lr must be > 0"),
    ({"batch_size": 0}, "batch_size must be >= 1"), ({"steps": -1}, "steps must be >= 0"),
    ({"steps": 2.5}, "steps must be an integer"), ({"schedule": "warm"}, "schedule must be one of"),
    ({"momentum": 1.5}, "momentum must be < 1"), ({"record_every": 0}, "record_every must be >= 1"),
])
def test_bad_options_are_clear_errors(kw, message):
    with pytest.raises(ValueError, match=message):
        kernels.run_optimizer(*data(), **kw)


def test_bad_data_is_a_clear_error():
    W0, X, y = data()
    with pytest.raises(ValueError, match=r"labels in \[0, 3\)"):
        kernels.run_optimizer(W0, X, y + 1)
    with pytest.raises(ValueError, match="X contains NaN"):
        kernels.run_optimizer(W0, np.where(X > 1, np.nan, X), y)


@pytest.mark.parametrize("kwargs, message", [
    ({"seed": 10**30}, "seed must be <= 9223372036854775807"),
    ({"batch_size": 2**63}, "batch_size must be <= 9223372036854775807"),
    ({"steps": 10**12}, "would record"),
    ({"lam": "0.1"}, "lam must be a number; got '0.1'"),
    ({"momentum": 1.0}, "momentum must be < 1.0"),
    ({"beta2": 1.0}, "beta2 must be < 1.0"),
])
def test_out_of_range_arguments_are_one_value_error_naming_them(kwargs, message):
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match=re.escape(message)):
        kernels.run_optimizer(np.zeros((2, 3)), X, [0, 1, 2, 0], steps=kwargs.pop("steps", 3), **kwargs)


def test_huge_unsigned_labels_are_named_as_they_are():
    y = np.array([0, 1, 2**63 + 5, 0], dtype=np.uint64)
    with pytest.raises(ValueError, match="found 9223372036854775813"):
        kernels.loss_and_grad(np.zeros((2, 3)), np.ones((4, 2)), y)


def test_a_batch_larger_than_the_data_is_the_whole_data():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 3)), np.arange(10) % 3
    big = kernels.run_optimizer(np.zeros((3, 3)), X, y, steps=5, batch_size=2**62)
    whole = kernels.run_optimizer(np.zeros((3, 3)), X, y, steps=5, batch_size=10)
    np.testing.assert_array_equal(big.W, whole.W)
