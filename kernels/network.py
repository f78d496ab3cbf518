"""A small neural network beside the linear classifier: one hidden layer, then the same losses.

    h = act(X @ W1)            W1 (D, H), X carries the bias column as for the linear model
    s = [h, 1] @ W2            W2 (H + 1, C): its last row is the output bias
    L = (1/N) sum_n L_n(s_n, y_n) + lam * R(W1, W2)     (the penalty covers every weight)

Its parameters travel as one flat vector P = [W1.ravel(), W2.ravel()] (pack / unpack), which is what
run_optimizer(..., hidden=H) trains and what a plane P0 + a U + b V of parameter space is made of.
"""

import numpy as np

from . import _training as T
from ._jit import one_at_a_time
from . import _validate as check
from .landscape import reg_grid
from .optimizers import ACTIVATIONS


def pack(W1, W2):
    return np.concatenate([np.asarray(W1).ravel(), np.asarray(W2).ravel()])


def unpack(P, D, hidden, C):
    """(W1 (D, H), W2 (H + 1, C)) as views of P."""
    n = D * hidden
    return P[:n].reshape(D, hidden), P[n:n + (hidden + 1) * C].reshape(hidden + 1, C)


def size(D, hidden, C):
    return D * hidden + (hidden + 1) * C


def init(D, hidden, C, *, activation="relu", seed=0, dtype=np.float64):
    """Random parameters scaled for the activation (He for ReLU, Glorot for tanh) and zero output bias:
    the usual start, where the hidden units neither die nor saturate."""
    rng = np.random.default_rng(seed)
    gain = 2.0 if activation == "relu" else 1.0
    W1 = rng.normal(scale=np.sqrt(gain / D), size=(D, hidden))
    W2 = np.vstack([rng.normal(scale=np.sqrt(1.0 / hidden), size=(hidden, C)), np.zeros((1, C))])
    return pack(W1, W2).astype(dtype)


def scores(P, X, hidden, C, activation="relu"):
    """The network's class scores (N, C) for the rows of X (numpy: for pictures, not training)."""
    X = np.asarray(X, dtype=np.float64)
    W1, W2 = unpack(np.asarray(P, dtype=np.float64), X.shape[1], hidden, C)
    A = X @ W1
    h = np.maximum(A, 0.0) if activation == "relu" else np.tanh(A)
    return h @ W2[:-1] + W2[-1]


def mlp_loss_and_grad(W1, W2, X, y, *, activation="relu", loss="softmax", delta=1.0, reg="none", lam=0.0,
                      l1_ratio=0.5):
    """Total loss of the network and its gradients: (loss, dW1 (D, H), dW2 (H + 1, C)), with W1, W2 and X
    of one float dtype (float32 or float64) and y (N,) labels in [0, C). Bad input raises ValueError."""
    W1 = check.float_array("W1", W1, 2)
    W2 = check.float_array("W2", W2, 2)
    D, H = W1.shape
    if W2.shape[0] != H + 1:
        raise ValueError(f"W2 must have H + 1 = {H + 1} rows (the hidden units and the output bias); got {W2.shape}")
    P, X, y, C = check.network(pack(W1, W2).astype(W1.dtype), X, y, H)
    if W2.dtype != W1.dtype:
        raise ValueError(f"W1 and W2 must have the same dtype; got {W1.dtype} and {W2.dtype}")
    if X.shape[1] != D:
        raise ValueError(f"W1 must have shape (D, H) with D = {X.shape[1]} (the columns of X); got {W1.shape}")
    L, dP = _loss_grad(P, X, y, H, C, activation, loss, delta, reg, lam, l1_ratio)
    dW1, dW2 = unpack(dP, D, H, C)
    return L, dW1.copy(), dW2.copy()


def _loss_grad(P, X, y, H, C, activation, loss, delta, reg, lam, l1_ratio):
    lc, delta, rc, lam, l1_ratio = check.model(loss, delta, reg, lam, l1_ratio)
    act = check.choice("activation", activation, ACTIVATIONS)
    dP = np.empty(P.shape[0])
    L = T.mlp_loss_grad_fused(T.mlp_loss_address(P.dtype), P, X.shape[1], H, C, act, X, y, lc, T.terms_address(lc),
                              delta, rc, lam, l1_ratio, dP)
    if not np.isfinite(L):
        check.explain_nonfinite(P, X, y, C)
    return float(L), dP.astype(P.dtype)


def mlp_loss_and_grad_flat(P, X, y, *, hidden, activation="relu", loss="softmax", delta=1.0, reg="none", lam=0.0,
                           l1_ratio=0.5):
    """(loss, dP) for the flat parameters (the optimizers' and the app's form)."""
    P, X, y, C = check.network(P, X, y, hidden)
    return _loss_grad(P, X, y, hidden, C, activation, loss, delta, reg, lam, l1_ratio)


@one_at_a_time
def mlp_loss_grid(X, y, P0, U, V, alphas, betas, *, hidden, activation="relu", loss="softmax", delta=1.0,
                  reg="none", lam=0.0, l1_ratio=0.5):
    """The network's total loss over the plane P0 + a U + b V of parameter space: (len(betas), len(alphas))
    float64, grid[j, i] at (alphas[i], betas[j]); float64 sums whatever X's dtype."""
    P0, X, y, C = check.network(P0, X, y, hidden)
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or inf")
    for name, a in (("P0", P0), ("U", U), ("V", V)):
        if np.shape(a) != P0.shape:
            raise ValueError(f"{name} must have P0's shape {P0.shape}; got {np.shape(a)}")
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or inf")
    lc, delta, rc, lam, l1_ratio = check.model(loss, delta, reg, lam, l1_ratio)
    act = check.choice("activation", activation, ACTIVATIONS)
    if not T.labels_ok(y, C):
        check.explain_nonfinite(P0, X, y, C)
    alphas = np.ascontiguousarray(alphas, dtype=np.float64)
    betas = np.ascontiguousarray(betas, dtype=np.float64)
    X64 = X.astype(np.float64)
    D = X.shape[1]
    parts = [unpack(np.asarray(p, dtype=np.float64), D, hidden, C) for p in (P0, U, V)]
    A0, AU, AV = (np.ascontiguousarray((X64 @ w1).T) for w1, _ in parts)
    out = np.empty((len(betas), len(alphas)))
    with np.errstate(all="ignore"):
        T.mlp_grid(A0, AU, AV, *(np.ascontiguousarray(w2) for _, w2 in parts), y, alphas, betas, act, lc,
                   T.terms_address(lc), delta, out)
    if rc != T.REG_NONE and lam > 0:
        out += reg_grid(np.asarray(P0, np.float64)[None], np.asarray(U, np.float64)[None],
                        np.asarray(V, np.float64)[None], alphas, betas, reg=reg, lam=lam, l1_ratio=l1_ratio)
    return out
