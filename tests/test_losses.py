"""loss_and_grad and grad_check against the numpy reference, the lecture's numbers, and bad input."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from losscape_lab import kernels
import naive

LOSSES = list(kernels.LOSSES)
REGS = list(kernels.REGS)


def problem(seed, N, D, C, dtype, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)).astype(dtype)
    W = (scale * rng.normal(size=(D, C))).astype(dtype)
    y = rng.integers(0, C, N)
    return W, X, y


shapes = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 6), st.integers(2, 6))
models = st.fixed_dictionaries({
    "loss": st.sampled_from(LOSSES), "reg": st.sampled_from(REGS),
    "delta": st.sampled_from([0.5, 1.0, 2.0]), "lam": st.floats(0.0, 2.0),
    "l1_ratio": st.floats(0.0, 1.0)})


def away_from_kinks(W, X, y, kw, gap):
    """Hinge-type gradients jump at a zero margin; a float32 rounding there flips the subgradient."""
    S = X.astype(np.float64) @ W.astype(np.float64)
    if kw["loss"] != "softmax":
        assume(np.min(np.abs(naive.margins(S, y, kw["loss"], kw["delta"]))) > gap)
    if kw["loss"] == "structured_hinge" and W.shape[1] > 2:
        other = np.where(np.arange(S.shape[1]) == y[:, None], -np.inf, S)
        top2 = np.sort(other, axis=1)[:, -2:]
        assume(np.min(top2[:, 1] - top2[:, 0]) > gap)  # no tie for the worst wrong class


@pytest.mark.parametrize("path", ["fused", "blas"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(shape=shapes, kw=models)
def test_matches_reference(path, dtype, shape, kw):
    W, X, y = problem(*shape, dtype)
    away_from_kinks(W, X, y, kw, 1e-3)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kernels.losses, "FUSED_MAX_WORK", 10**9 if path == "fused" else 0)
        L, dW = kernels.loss_and_grad(W, X, y, **kw)
    L_ref, dW_ref = naive.loss_and_grad(W, X, y, **kw)
    assert isinstance(L, float)
    assert dW.shape == W.shape and dW.dtype == W.dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert L == pytest.approx(L_ref, rel=tol, abs=tol)
    np.testing.assert_allclose(dW, dW_ref, rtol=tol * 10, atol=tol * 10 * (1 + np.abs(dW_ref).max()))


@given(shape=shapes, kw=models)
def test_gradient_matches_centred_differences(shape, kw):
    W, X, y = problem(*shape, np.float64)
    away_from_kinks(W, X, y, kw, 1e-3)
    assume(np.min(np.abs(W)) > 1e-3 or kw["reg"] in ("none", "l2") or kw["lam"] == 0)  # |w| kink at 0
    _, dW = kernels.loss_and_grad(W, X, y, **kw)
    numeric = kernels.numerical_grad(lambda V: naive.loss(V, X, y, **kw), W, h=1e-6)
    np.testing.assert_allclose(dW.ravel(), numeric, rtol=1e-5, atol=1e-6)
    assert kernels.grad_check(W, X, y, h=1e-6, **kw) < 1e-4


def test_grad_check_reports_a_wrong_gradient(monkeypatch):
    W, X, y = problem(3, 20, 3, 3, np.float64)
    assert kernels.grad_check(W, X, y, loss="softmax") < 1e-7
    real = kernels.losses.loss_and_grad

    def broken(*a, **k):
        L, dW = real(*a, **k)
        return L, dW * 1.1

    monkeypatch.setattr(kernels.losses, "loss_and_grad", broken)
    assert kernels.grad_check(W, X, y, loss="softmax") > 0.04


# ------------------------------------------------------------------------------------ the lecture
CAT_CAR_FROG = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])  # rows: images


def scores_as_problem(S):
    """X = identity, so X @ W = W: the scores are the weights."""
    return np.eye(S.shape[0]), np.array(S, dtype=np.float64)


@pytest.mark.parametrize("i, expected", [(0, 2.9), (1, 0.0), (2, 12.9)])
def test_lecture_hinge_examples(i, expected):
    X, W = scores_as_problem(CAT_CAR_FROG[i][None, :])
    L, _ = kernels.loss_and_grad(W, X, [i], loss="hinge")
    assert L == pytest.approx(expected, abs=1e-12)


def test_lecture_hinge_mean():
    X, W = scores_as_problem(CAT_CAR_FROG)
    L, _ = kernels.loss_and_grad(W, X, [0, 1, 2], loss="hinge")
    assert L == pytest.approx((2.9 + 0 + 12.9) / 3) and round(L, 2) == 5.27


def test_lecture_seed_example():
    X, W = scores_as_problem(np.array([[-2.85, 0.86, 0.28]]))
    assert kernels.loss_and_grad(W, X, [2], loss="hinge")[0] == pytest.approx(1.58, abs=1e-12)
    assert round(kernels.loss_and_grad(W, X, [2], loss="softmax")[0], 2) == 1.04


@pytest.mark.parametrize("C", [3, 10])
def test_loss_at_small_weights_is_c_minus_1_and_ln_c(C):
    W, X, y = problem(0, 500, 5, C, np.float64, scale=1e-6)
    assert kernels.loss_and_grad(W, X, y, loss="hinge")[0] == pytest.approx(C - 1, rel=1e-4)
    assert kernels.loss_and_grad(W, X, y, loss="softmax")[0] == pytest.approx(math.log(C), rel=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_for_huge_scores(dtype):
    X = np.array([[1.0], [1.0]], dtype)
    W = np.array([[1e4, -1e4, 0.0]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L, dW = kernels.loss_and_grad(W, X, [1, 0], loss="softmax")
    assert L == pytest.approx(1e4, rel=1e-6)  # (2e4 + 0) / 2
    assert np.isfinite(dW).all()


# ------------------------------------------------------------------------------------ bad input
def good():
    return problem(1, 4, 3, 3, np.float64)


@pytest.mark.parametrize("change, message", [
    (lambda W, X, y: (W[:2], X, y), r"W must have shape \(D, C\) with D = 3"),
    (lambda W, X, y: (W, X[:, :, None], y), "X must be 2-D"),
    (lambda W, X, y: (W, X[:0], y[:0]), "at least one example"),
    (lambda W, X, y: (W[:, :1], X, y), "at least 2 columns"),
    (lambda W, X, y: (W.astype(np.float32), X, y), "same dtype"),
    (lambda W, X, y: (W, X.astype(np.int32), y), "X must be float32 or float64"),
    (lambda W, X, y: (W, X, y[:3]), r"y must have shape \(4,\)"),
    (lambda W, X, y: (W, X, y + 3), r"labels in \[0, 3\)"),
    (lambda W, X, y: (W, X, y - 5), r"labels in \[0, 3\)"),
    (lambda W, X, y: (W, X, y.astype(float)), "integer class labels"),
    (lambda W, X, y: (W, np.where(X > 0, np.nan, X), y), "X contains NaN or inf"),
    (lambda W, X, y: (W * np.inf, X, y), "W contains NaN or inf"),
    (lambda W, X, y: (W * 1e300, X * 1e300, y), "overflow"),
])
@pytest.mark.parametrize("path", ["fused", "blas"])
def test_bad_input_is_a_clear_error(change, message, path, monkeypatch):
    monkeypatch.setattr(kernels.losses, "FUSED_MAX_WORK", 10**9 if path == "fused" else 0)
    W, X, y = change(*good())
    with pytest.raises(ValueError, match=message):
        kernels.loss_and_grad(W, X, y)


@pytest.mark.parametrize("kw, message", [
    ({"loss": "svm"}, "loss must be one of 'hinge'"), ({"reg": "l3"}, "reg must be one of"),
    ({"lam": -1}, "lam must be >= 0"), ({"lam": float("nan")}, "lam must be a finite"),
    ({"l1_ratio": 2}, "l1_ratio must be <= 1"), ({"delta": "one"}, "delta must be a number"),
])
def test_bad_options_are_clear_errors(kw, message):
    with pytest.raises(ValueError, match=message):
        kernels.loss_and_grad(*good(), **kw)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reg", ["none", "l2", "l1", "elastic"])
def test_penalty_is_the_regularization_part_of_the_loss(reg, dtype):
    rng = np.random.default_rng(7)
    Ws = rng.normal(size=(5, 4, 3)).astype(dtype)
    X, y = rng.normal(size=(6, 4)).astype(dtype), np.arange(6) % 3
    got = kernels.penalty(Ws, reg=reg, lam=0.3, l1_ratio=0.25)
    for W, p in zip(Ws, got):
        with_reg = kernels.loss_and_grad(W, X, y, reg=reg, lam=0.3, l1_ratio=0.25)[0]
        assert p == pytest.approx(with_reg - kernels.loss_and_grad(W, X, y)[0], rel=1e-5, abs=1e-6)
    w1, w2 = kernels.reg_weights(reg, 0.25)
    W = Ws.astype(np.float64)
    np.testing.assert_allclose(got, 0.3 * (w1 * np.abs(W).sum((1, 2)) + w2 * (W ** 2).sum((1, 2))), rtol=1e-6)


def test_penalty_refuses_bad_arguments():
    with pytest.raises(ValueError, match="reg must be one of"):
        kernels.penalty(np.zeros((2, 2)), reg="l3", lam=1.0)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        kernels.penalty(np.zeros((2, 2)), reg="l2", lam=-1.0)
    with pytest.raises(ValueError, match="l1_ratio must be <= 1"):
        kernels.reg_weights("elastic", 2.0)


def test_read_only_arrays_give_the_same_results():
    """A read-only X or y (a memory map, np.broadcast_to) passes to the kernels called by address as
    any array does."""
    rng = np.random.default_rng(5)
    X, y, W = rng.normal(size=(40, 3)), rng.integers(0, 3, 40), rng.normal(size=(3, 3))
    want = kernels.loss_and_grad(W, X, y, loss="hinge"), kernels.run_optimizer(W, X, y, steps=5).W
    for a in (X, y, W):
        a.setflags(write=False)
    got = kernels.loss_and_grad(W, X, y, loss="hinge"), kernels.run_optimizer(W, X, y, steps=5).W
    assert got[0][0] == want[0][0]
    np.testing.assert_array_equal(got[0][1], want[0][1])
    np.testing.assert_array_equal(got[1], want[1])


def test_a_call_by_address_with_other_argument_types_does_not_compile():
    """An address is machine code for one set of argument types: a caller passing others is a typing
    error when it compiles, never a wrong read when it runs."""
    import numba
    from numba.core.errors import TypingError

    from losscape_lab.kernels import _training as T

    @numba.njit
    def wrong(address, S):  # the labels as floats
        return T.call_terms(address, (S, S[0], 1, 1, 1.0, S, S[0], S[0], S[0]))

    with pytest.raises(TypingError, match="native call with arguments"):
        wrong(T.terms_address(T.SOFTMAX), np.zeros((3, 4)))
