"""Curvature of the loss at W: Hessian-vector products and the largest eigenvalues, exact.

The data loss is a mean over examples of a function of the scores s_n = x_n W, so with q_n = x_n V
    H V = (1/N) X^T [B_n q_n]_n + lam * R''(W) V,
where B_n is the Hessian of L_n in the scores: each LossSpec's `hessian` (kernels/specs.py) applies it,
p * q - p (p . q) for softmax (p = softmax(s_n)), 2 * sum over active j != y of (q_j - q_y)(e_j - e_y)
for the squared hinge; None for the piecewise linear losses (0 almost everywhere). R'' V = 2 V for L2, 2 (1 - l1_ratio) V for elastic net, 0 for L1 (|w| is piecewise linear too).
Two matrix products per call, which BLAS does best: numpy, no compiled kernel.
"""

import numpy as np

from . import _validate as check  # (V is the direction, as in the lecture's notation)
from .specs import LOSS_SPECS

DENSE_UP_TO = 300  # top_eigen builds the whole Hessian (one product per entry of W) up to this many entries


def _direction(W, Vd):
    Vd = check.float_array("V", Vd, 2)
    if Vd.shape != W.shape:
        raise ValueError(f"V must have W's shape {W.shape}; got {Vd.shape}")
    if not np.isfinite(Vd).all():
        raise ValueError("V contains NaN or inf")
    return Vd.astype(np.float64)


class _Curvature:
    """H V at one W, with what every product shares (scores, probabilities, active margins) made once."""

    def __init__(self, W, X, y, loss, delta, reg, lam, l1_ratio):
        W, X, y = check.problem(W, X, y)
        _, delta, _, lam, l1_ratio = check.model(loss, delta, reg, lam, l1_ratio)
        self.shape, self.dtype = W.shape, W.dtype
        self.X = X.astype(np.float64)
        N = X.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            S = self.X @ W.astype(np.float64)
        if not np.isfinite(S).all():
            check.explain_nonfinite(W, X, y)
        self.N = N
        rule = LOSS_SPECS[loss].hessian  # the loss's second derivative in the scores (None: 0 a.e.)
        self.scores_hessian = rule(S, y, delta) if rule is not None else None
        w1, w2 = check.reg_weights(reg, l1_ratio)
        self.ridge = 2.0 * lam * w2

    def apply(self, Vd):
        """H V as float64 (D, C)."""
        if self.scores_hessian is None:
            return self.ridge * Vd
        return self.X.T @ self.scores_hessian(self.X @ Vd) / self.N + self.ridge * Vd


def hessian_vector(W, X, y, V, *, loss="softmax", delta=1.0, reg="none", lam=0.0, l1_ratio=0.5):
    """H V: the Hessian of the full loss (mean data loss + lam * R, as in loss_and_grad) at W, times a
    direction V of W's shape, exactly (see the module's note; the hinge losses and L1 add 0 almost
    everywhere). Returns an array of W's shape and dtype."""
    h = _Curvature(W, X, y, loss, delta, reg, lam, l1_ratio)
    return h.apply(_direction(W, V)).astype(h.dtype)


def top_eigen(W, X, y, *, k=2, loss="softmax", delta=1.0, reg="none", lam=0.0, l1_ratio=0.5, seed=0):
    """The k largest eigenvalues of the Hessian at W and their unit eigenvectors: (values (k,) float64,
    largest first; vectors (k, D, C)). Up to DENSE_UP_TO entries of W the Hessian is built whole from
    products with the unit directions and diagonalized; beyond, Lanczos with full reorthogonalization
    (its largest Ritz values converge first)."""
    h = _Curvature(W, X, y, loss, delta, reg, lam, l1_ratio)
    n = int(np.prod(h.shape))
    k = check.integer("k", k, low=1, high=n)
    if n <= DENSE_UP_TO:
        eye = np.eye(n)
        H = np.stack([h.apply(e.reshape(h.shape)).ravel() for e in eye], axis=1)
        values, vectors = np.linalg.eigh((H + H.T) / 2)
    else:
        values, vectors = _lanczos(lambda v: h.apply(v.reshape(h.shape)).ravel(), n, min(n, max(4 * k, 60)),
                                   np.random.default_rng(seed))
    order = np.argsort(values)[::-1][:k]
    return values[order], vectors[:, order].T.reshape((k,) + h.shape)


def _lanczos(matvec, n, m, rng):
    """Ritz values and vectors of a symmetric operator from m Lanczos steps (full reorthogonalization:
    exact to rounding in this small basis)."""
    Q = np.zeros((n, m))
    alpha, beta = np.zeros(m), np.zeros(m)
    q = rng.normal(size=n)
    q /= np.linalg.norm(q)
    steps = m
    for j in range(m):
        Q[:, j] = q
        w = matvec(q)
        alpha[j] = q @ w
        w -= Q[:, :j + 1] @ (Q[:, :j + 1].T @ w)
        w -= Q[:, :j + 1] @ (Q[:, :j + 1].T @ w)  # twice is enough
        b = np.linalg.norm(w)
        if j + 1 == m or b < 1e-12 * max(1.0, abs(alpha[j])):
            steps = j + 1
            break
        beta[j] = b
        q = w / b
    T_ = np.diag(alpha[:steps]) + np.diag(beta[:steps - 1], 1) + np.diag(beta[:steps - 1], -1)
    values, small = np.linalg.eigh(T_)
    return values, Q[:, :steps] @ small
