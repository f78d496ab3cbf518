"""Loss and gradient at one point of weight space, and a numerical gradient check."""

import math

import numpy as np

from . import _training as T
from . import _validate as V

# Below this many multiply-adds (N*D*C) one fused pass beats two BLAS products plus their temporaries;
# above it the products dominate and BLAS does them best.
FUSED_MAX_WORK = 60_000

_F32, _F64, _I64 = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64)
# (loss, delta, reg, lam, l1_ratio, dtype, fused) -> validated codes and the kernels' addresses: on 32
# examples the checks and lookups cost more than the kernel
_setups = {}


def _setup(loss, delta, reg, lam, l1_ratio, dtype, fused):
    """(loss code, delta, reg code, lam, l1_ratio, batch_loss_grad's address or None, the loss's terms
    kernel's address), made once per model and path. Only the path taken is compiled."""
    key = (loss, delta, reg, lam, l1_ratio, dtype, fused)
    try:
        return _setups[key]
    except (KeyError, TypeError):  # TypeError: unhashable, let the check explain
        lc, delta, rc, lam, l1_ratio = V.model(loss, delta, reg, lam, l1_ratio)
        setup = (lc, delta, rc, lam, l1_ratio, T.batch_loss_address(dtype) if fused else None,
                 T.terms_address(lc) if fused else T.terms_address(lc, dtype))  # fused: float64 scratch
        if len(_setups) > 4096:
            _setups.clear()
        _setups[key] = setup
        return setup


def _plain(W, X, y):
    """True when (W, X, y) already are what the kernels take, checked with cheap identity tests only;
    anything else goes through the full validation (which converts or explains)."""
    return (type(W) is np.ndarray and type(X) is np.ndarray and type(y) is np.ndarray
            and W.dtype is X.dtype and (X.dtype is _F64 or X.dtype is _F32) and y.dtype is _I64
            and X.ndim == 2 and W.ndim == 2 and y.ndim == 1 and X.shape[0] == y.shape[0] > 0
            and X.shape[1] == W.shape[0] > 0 and W.shape[1] >= 2
            and X.flags.c_contiguous and W.flags.c_contiguous and y.flags.c_contiguous)


def loss_and_grad(W, X, y, *, loss="softmax", delta=1.0, reg="none", lam=0.0, l1_ratio=0.5):
    """Total loss and its gradient for the linear classifier s = X @ W.

    L(W) = (1/N) * sum_n L_n(s_n, y_n) + lam * R(W), with scores s_n = X[n] @ W and
      hinge             L_n = sum_{j != y} max(0, s_j - s_y + delta)          (Weston-Watkins SVM)
      squared_hinge     L_n = sum_{j != y} max(0, s_j - s_y + delta)^2
      mean_hinge        L_n = (1 / (C - 1)) sum_{j != y} max(0, s_j - s_y + delta)  (mean, not sum)
      ova_hinge         L_n = max(0, delta - s_y) + sum_{j != y} max(0, delta + s_j)
      structured_hinge  L_n = max(0, delta + max_{j != y} s_j - s_y)          (Crammer-Singer)
      softmax           L_n = -log(exp(s_y) / sum_j exp(s_j))                 (natural log, stable)
    and R(W) = 0 (none), sum W^2 (l2), sum |W| (l1, subgradient 0 at 0),
    l1_ratio * sum |W| + (1 - l1_ratio) * sum W^2 (elastic).

    Shapes: W (D, C), X (N, D) of the same dtype (float32 or float64), y (N,) integers in [0, C).
    Returns (loss as a Python float, dW with W's shape and dtype). Bad input raises ValueError.
    """
    if not _plain(W, X, y):
        W, X, y = V.problem(W, X, y)
    N, D = X.shape
    C = W.shape[1]
    fused = N * D * C <= FUSED_MAX_WORK
    lc, delta, rc, lam, l1_ratio, loss_at, terms_at = _setup(loss, delta, reg, lam, l1_ratio, W.dtype, fused)
    dW = np.empty_like(W)
    if fused:
        L = T.loss_grad_fused(loss_at, W, X, y, lc, terms_at, delta, rc, lam, l1_ratio, dW)
    else:
        with np.errstate(all="ignore"):  # non-finite scores are reported just below, by name
            St = np.ascontiguousarray((X @ W).T)
        G = np.empty_like(St)
        L = T.scores_loss_grad(St, y, lc, terms_at, delta, G)
        if L == L:  # not NaN
            np.matmul(X.T, G.T, out=dW)
            L += T.reg_only(W, rc, lam, l1_ratio, dW)
    if not math.isfinite(L):
        V.explain_nonfinite(W, X, y)
    return float(L), dW


def numerical_grad(f, W, h=1e-5, entries=None):
    """Centred differences (f(W + h e) - f(W - h e)) / 2h at the given flat entries (all by default)."""
    W = np.array(W, dtype=np.float64)
    flat = W.reshape(-1)
    idx = np.arange(flat.size) if entries is None else np.asarray(entries)
    g = np.zeros(len(idx))
    for k, e in enumerate(idx):
        old = flat[e]
        flat[e] = old + h
        fp = f(W)
        flat[e] = old - h
        fm = f(W)
        flat[e] = old
        g[k] = (fp - fm) / (2 * h)
    return g


def grad_check(W, X, y, *, loss="softmax", delta=1.0, reg="none", lam=0.0, l1_ratio=0.5,
               h=1e-5, num_checks=20, seed=0):
    """Largest relative error between the analytic gradient and centred differences, over num_checks
    random entries of W (all entries when W has fewer):  |a - n| / max(|a| + |n|, floor). The floor is
    what centred differences can resolve at all, 1e4 * eps * max(1, |L|) / h, and at least 1e-6 times the
    largest entry: an entry whose gradient is ~0 (a satisfied hinge, a tiny lambda) would otherwise report
    the differences' rounding noise as a large relative error.

    Computed in float64 whatever W's dtype, so the error measures the formula, not float32 rounding.
    Near a hinge kink the centred difference straddles it and the error can be large: that is the
    numerical gradient's fault, and worth showing.
    """
    W, X, y = V.problem(W, X, y)
    W64, X64 = W.astype(np.float64), X.astype(np.float64)
    kw = dict(loss=loss, delta=delta, reg=reg, lam=lam, l1_ratio=l1_ratio)
    return check_gradient(lambda Wp: loss_and_grad(Wp, X64, y, **kw), W64, h=h, num_checks=num_checks, seed=seed)


def check_gradient(loss_grad, W, *, h=1e-5, num_checks=20, seed=0):
    """grad_check's measure for any model: loss_grad(W) -> (loss, gradient of W's shape), W float64."""
    h = V.real("h", h, low=0.0, low_open=True)
    num_checks = V.integer("num_checks", num_checks, low=1)
    L, analytic = loss_grad(W)
    rng = np.random.default_rng(seed)
    n = W.size
    entries = np.arange(n) if n <= num_checks else rng.choice(n, num_checks, replace=False)
    numeric = numerical_grad(lambda Wp: loss_grad(Wp)[0], W, h, entries)
    a = analytic.reshape(-1)[entries]
    resolvable = 1e4 * np.finfo(np.float64).eps * max(1.0, abs(L)) / h
    floor = max(resolvable, 1e-6 * max(np.abs(a).max(), np.abs(numeric).max()))
    return float(np.max(np.abs(a - numeric) / np.maximum(np.abs(a) + np.abs(numeric), floor)))


def penalty(Ws, *, reg="none", lam=0.0, l1_ratio=0.5):
    """lam * R(W) for one W (D, C) or a stack (..., D, C): float or array of the leading shape."""
    w1, w2 = V.reg_weights(reg, l1_ratio)
    lam = V.real("lam", lam, low=0.0)
    Ws = np.asarray(Ws, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # a blown-up W has an infinite penalty
        return lam * (w1 * np.abs(Ws).sum(axis=(-2, -1)) + w2 * (Ws * Ws).sum(axis=(-2, -1)))
