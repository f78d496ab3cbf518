"""The loss over a plane of weight space: a grid of (alpha, beta) points W0 + alpha*U + beta*V.

loss_grid = data_grid + reg_grid. The app keeps the data grid and re-adds the regularization grid when
only lam changes (reg_grid is O(1) per point for L2, and linear in lam for every regularizer).
"""

import numpy as np

from . import _landscape as K
from . import _training as T
from ._jit import one_at_a_time
from . import _validate as check

# softmax: the exponentials are made 8 MB at a time (one parallel call each) and summed 0.5 MB at a time
# (the samples every thread's rows read again and again stay in its cache)
_EXP_CHUNK_BYTES = 1 << 23
_SUM_BLOCK_BYTES = 1 << 19
_STABLE_BLOCK_VALUES = 4_000_000  # the per-row kernel's exp(alpha * slope), for samples with huge scores
# float32 softmax landscapes: exponents within +-40 keep every product and sum of C of them finite
_EXP_LIMIT_SINGLE = 40.0


def _axis(name, a):
    a = np.asarray(a, dtype=np.float64) if not isinstance(a, np.ndarray) or a.dtype != np.float64 else a
    if a.ndim != 1 or a.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array; got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or inf")
    return np.ascontiguousarray(a)


def _plane(W0, U, V, D=None, dtype=None):
    W0 = check.float_array("W0", W0, 2)
    if D is not None and W0.shape[0] != D:
        raise ValueError(f"W0 must have shape (D, C) with D = {D} (the columns of X); got {W0.shape}")
    if W0.shape[1] < 2:
        raise ValueError(f"W0 must have at least 2 columns (classes); got {W0.shape}")
    out = []
    for name, a in (("W0", W0), ("U", U), ("V", V)):
        a = check.float_array(name, a, 2)
        if a.shape != W0.shape:
            raise ValueError(f"{name} must have W0's shape {W0.shape}; got {a.shape}")
        if dtype is not None and a.dtype != dtype:
            raise ValueError(f"X and {name} must have the same dtype; got X {dtype} and {name} {a.dtype}")
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or inf")
        out.append(a.astype(np.float64))
    return out


@one_at_a_time
def data_grid(X, y, W0, U, V, alphas, betas, *, loss="softmax", delta=1.0, single=False):
    """Mean data loss (1/N) sum_n L_n at W0 + alphas[j]*U + betas[i]*V, as a float64 (len(betas),
    len(alphas)) array. Cost O(N*D*C) for the three score matrices, then O(G^2 * N * C).

    single=True: softmax sums its exponentials in float32 (twice the numbers per vector instruction;
    within 1e-5 relative of the float64 result, tested), the app's choice for drawing; the hinge
    losses are exact either way."""
    X = check.float_array("X", X, 2)
    N, D = X.shape
    if N == 0 or D == 0:
        raise ValueError(f"X must hold at least one example and one feature; got shape {X.shape}")
    W0, U, V = _plane(W0, U, V, D, X.dtype)
    y = check.labels(y, N)
    C = W0.shape[1]
    if y.min() < 0 or y.max() >= C:
        raise ValueError(f"y must hold labels in [0, {C}); found {int(y.min())}..{int(y.max())}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or inf")
    lc = check.choice("loss", loss, check.LOSSES)
    delta = check.real("delta", delta, low=0.0)
    alphas, betas = _axis("alphas", alphas), _axis("betas", betas)
    X64 = X.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # checked right below, with a clear message
        S0, SU, SV = X64 @ W0, X64 @ U, X64 @ V
    if not (np.isfinite(S0).all() and np.isfinite(SU).all() and np.isfinite(SV).all()):
        raise ValueError("the scores over the plane overflow (not finite): scale X, W0, U or V down")
    rows = np.arange(N)
    onehot = np.zeros((N, C), bool)
    onehot[rows, y] = True
    # score differences to the label's score: the margins' slopes are these too
    R0, RU, RV = (S - S[rows, y][:, None] for S in (S0, SU, SV))
    out = np.zeros((len(betas), len(alphas)))
    if lc in (T.HINGE, T.SQUARED_HINGE, T.MEAN_HINGE):
        other = ~onehot
        _terms(R0[other] + delta, RU[other], RV[other], alphas, betas, lc == T.SQUARED_HINGE, out)
        if lc == T.MEAN_HINGE:
            out /= C - 1
    elif lc == T.OVA_HINGE:
        sign = np.where(onehot, -1.0, 1.0)
        _terms((delta + sign * S0).ravel(), (sign * SU).ravel(), (sign * SV).ravel(), alphas, betas, False,
               out)
    elif lc == T.STRUCTURED_HINGE:
        K.grid_structured(R0 + delta, RU, RV, y, alphas, betas, out)
    else:
        _softmax_grid(R0, RU, RV, y, alphas, betas, out, bool(single))
    out /= N
    return out


@one_at_a_time  # reg_grid calls it for L1 on the GUI thread: L2 and no penalty take no lock
def _terms(T0, TU, TV, alphas, betas, squared, out):
    """grid_terms wants ascending alphas: sort them, and put the columns back in the caller's order."""
    order = np.argsort(alphas, kind="stable")
    if np.all(order == np.arange(len(alphas))):
        K.grid_terms(T0, TU, TV, alphas, betas, squared, out)
    else:
        part = np.zeros_like(out)
        K.grid_terms(T0, TU, TV, alphas[order], betas, squared, part)
        out[:, order] += part


def _evenly_spaced(t):
    return len(t) < 3 or np.abs(np.diff(t) - (t[-1] - t[0]) / (len(t) - 1)).max() <= 1e-12 * np.abs(t).max()


def _exps(P, Q, t, dtype):
    """exp(P[n, c] + t[j] Q[n, c]) as (N, C, len(t)) of dtype."""
    if _evenly_spaced(t):
        out = np.empty(P.shape + (len(t),), dtype)
        K.exp_lines(np.ascontiguousarray(P), np.ascontiguousarray(Q), t, out)
        return out
    return np.exp(P[:, :, None] + Q[:, :, None] * t).astype(dtype)


def _softmax_grid(R0, RU, RV, y, alphas, betas, out, single=False):
    """Samples whose exponents all stay within the limit over the plane (nearly always all of them) take
    the product form at one multiply-add per grid point and class (in float32 if `single`); the rest the
    per-row kernel, which falls back to the stable log-sum-exp where it must."""
    N, C = R0.shape
    shape = (len(betas), len(alphas))
    prod, expo, direct = np.ones(shape), np.zeros(shape, np.int64), np.zeros(shape)
    dtype = np.float32 if single else np.float64
    lim = min(_EXP_LIMIT_SINGLE, (80.0 - np.log(C)) / 2) if single else K._EXP_LIMIT
    amax, bmax = np.abs(alphas).max(), np.abs(betas).max()
    other = np.ones((N, C), bool)
    other[np.arange(N), y] = False
    tame = ((np.abs(R0) + bmax * np.abs(RV) <= lim) & (amax * np.abs(RU) <= lim)) | ~other
    fast = np.flatnonzero(tame.all(axis=1))
    per_sample = np.dtype(dtype).itemsize * C * (len(alphas) + len(betas))
    chunk = max(1, _EXP_CHUNK_BYTES // per_sample)
    block = max(1, _SUM_BLOCK_BYTES // per_sample)
    for n0 in range(0, len(fast), chunk):
        rows = fast[n0:n0 + chunk]
        EV = _exps(R0[rows], RV[rows], betas, dtype)
        EU = _exps(np.zeros((len(rows), C)), RU[rows], alphas, dtype)
        for k0 in range(0, len(rows), block):
            sl = slice(k0, k0 + block)
            K.grid_softmax_fast(EV[sl], EU[sl], y[rows[sl]], prod, expo)
    rest = np.setdiff1d(np.arange(N), fast)
    lim = K._EXP_LIMIT
    block = max(1, _STABLE_BLOCK_VALUES // (C * len(alphas)))
    for n0 in range(0, len(rest), block):
        rows = rest[n0:n0 + block]
        EU = np.exp(np.clip(RU[rows, :, None] * alphas, -lim - 1.0, lim + 1.0))  # clipped: stable path
        K.grid_softmax(R0[rows], RU[rows], RV[rows], y[rows], EU, alphas, betas, prod, expo, direct)
    out += direct + expo * np.log(2.0) + np.log(prod)


def reg_grid(W0, U, V, alphas, betas, *, reg="none", lam=0.0, l1_ratio=0.5):
    """lam * R(W0 + alphas[j]*U + betas[i]*V) as a float64 (len(betas), len(alphas)) array.

    L2 is a quadratic in (a, b), O(1) per point; L1 costs O(D*C) per point at most (entries whose sign
    does not change along a grid row cost O(1)). Every term is linear in lam.
    """
    W0, U, V = _plane(W0, U, V)
    w1, w2 = check.reg_weights(reg, l1_ratio)
    lam = check.real("lam", lam, low=0.0)
    alphas, betas = _axis("alphas", alphas), _axis("betas", betas)
    out = np.zeros((len(betas), len(alphas)))
    if lam == 0.0 or not (w1 or w2):
        return out
    if w2:
        w, u, v = W0.ravel(), U.ravel(), V.ravel()
        a, b = alphas[None, :], betas[:, None]
        with np.errstate(over="ignore", invalid="ignore"):  # far out in the plane the penalty may be inf
            out += w2 * ((w @ w) + a * (2 * (w @ u) + a * (u @ u)) + b * (2 * (w @ v) + b * (v @ v))
                         + 2 * (u @ v) * a * b)
    if w1:
        l1 = np.zeros_like(out)
        # |t| = max(0, t) + max(0, -t): the hinge-term kernel does it
        t0, tu, tv = (np.concatenate([m.ravel(), -m.ravel()]) for m in (W0, U, V))
        _terms(t0, tu, tv, alphas, betas, False, l1)
        out += w1 * l1
    out *= lam
    return out


def loss_grid(X, y, W0, U, V, alphas, betas, *, loss="softmax", delta=1.0, reg="none", lam=0.0,
              l1_ratio=0.5, single=False):
    """Total loss at W0 + alphas[j]*U + betas[i]*V: float64 array (len(betas), len(alphas)).

    X (N, D) and W0, U, V (D, C) share one float dtype; y (N,) integers in [0, C). The loss is the
    mean data loss plus lam * R(W), exactly as in loss_and_grad.
    """
    out = data_grid(X, y, W0, U, V, alphas, betas, loss=loss, delta=delta, single=single)
    out += reg_grid(W0, U, V, alphas, betas, reg=reg, lam=lam, l1_ratio=l1_ratio)
    return out
