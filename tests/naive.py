"""Plain numpy references for every kernel: written to be obviously right, not fast."""

import numpy as np


def sample_loss(s, yi, loss, delta):
    """Loss of one example (scores s, label yi), straight from the definitions."""
    s = np.asarray(s, dtype=np.float64)
    others = [j for j in range(len(s)) if j != yi]
    if loss == "hinge":
        return sum(max(0.0, s[j] - s[yi] + delta) for j in others)
    if loss == "mean_hinge":
        return sum(max(0.0, s[j] - s[yi] + delta) for j in others) / len(others)
    if loss == "squared_hinge":
        return sum(max(0.0, s[j] - s[yi] + delta) ** 2 for j in others)
    if loss == "ova_hinge":
        return max(0.0, delta - s[yi]) + sum(max(0.0, delta + s[j]) for j in others)
    if loss == "structured_hinge":
        return max(0.0, delta + max(s[j] for j in others) - s[yi])
    if loss == "softmax":
        m = s.max()
        return float(np.log(np.sum(np.exp(s - m))) + m - s[yi])
    raise ValueError(loss)


def sample_dscores(s, yi, loss, delta):
    """dL_i/ds, with the subgradient 0 at every kink."""
    s = np.asarray(s, dtype=np.float64)
    g = np.zeros_like(s)
    others = [j for j in range(len(s)) if j != yi]
    if loss in ("hinge", "squared_hinge", "mean_hinge"):
        for j in others:
            m = s[j] - s[yi] + delta
            if m > 0:
                gj = {"hinge": 1.0, "mean_hinge": 1.0 / len(others), "squared_hinge": 2 * m}[loss]
                g[j] += gj
                g[yi] -= gj
    elif loss == "ova_hinge":
        if delta - s[yi] > 0:
            g[yi] -= 1
        for j in others:
            if delta + s[j] > 0:
                g[j] += 1
    elif loss == "structured_hinge":
        jb = max(others, key=lambda j: s[j])
        if delta + s[jb] - s[yi] > 0:
            g[jb] += 1
            g[yi] -= 1
    else:
        p = np.exp(s - s.max())
        p /= p.sum()
        g = p
        g[yi] -= 1
    return g


def reg_value(W, reg, lam, l1_ratio):
    W = np.asarray(W, dtype=np.float64)
    l1, l2 = np.abs(W).sum(), (W * W).sum()
    return lam * {"none": 0.0, "l2": l2, "l1": l1, "elastic": l1_ratio * l1 + (1 - l1_ratio) * l2}[reg]


def reg_grad(W, reg, lam, l1_ratio):
    W = np.asarray(W, dtype=np.float64)
    return lam * {"none": 0 * W, "l2": 2 * W, "l1": np.sign(W),
                  "elastic": l1_ratio * np.sign(W) + (1 - l1_ratio) * 2 * W}[reg]


def loss(W, X, y, loss="softmax", delta=1.0, reg="none", lam=0.0, l1_ratio=0.5):
    S = np.asarray(X, np.float64) @ np.asarray(W, np.float64)
    data = np.mean([sample_loss(S[n], y[n], loss, delta) for n in range(len(y))])
    return data + reg_value(W, reg, lam, l1_ratio)


def loss_and_grad(W, X, y, loss="softmax", delta=1.0, reg="none", lam=0.0, l1_ratio=0.5):
    X64 = np.asarray(X, np.float64)
    S = X64 @ np.asarray(W, np.float64)
    dS = np.array([sample_dscores(S[n], y[n], loss, delta) for n in range(len(y))]) / len(y)
    value = np.mean([sample_loss(S[n], y[n], loss, delta) for n in range(len(y))])
    return (value + reg_value(W, reg, lam, l1_ratio),
            X64.T @ dS + reg_grad(W, reg, lam, l1_ratio))


def margins(S, y, loss, delta):
    """The hinge margins s_j - s_y + delta for j != y (for keeping tests away from kinks)."""
    S = np.asarray(S, np.float64)
    rows = np.arange(len(y))
    M = S - S[rows, y][:, None] + delta
    if loss == "ova_hinge":
        M = np.where(np.arange(S.shape[1]) == y[:, None], delta - S, delta + S)
        return M.ravel()
    mask = np.ones(S.shape, bool)
    mask[rows, y] = False
    return M[mask]


def grid(X, y, W0, U, V, alphas, betas, **kw):
    """The loss at every grid point, one full evaluation each."""
    return np.array([[loss(W0 + a * U + b * V, X, y, **kw) for a in alphas] for b in betas])


def sgd_family(W0, X, y, batches, lrs, *, opt, grad_kw, momentum=0.9, beta1=0.9, beta2=0.999, eps=1e-8,
               prox_l1=0.0):
    """Reference optimizer: the textbook update rules in float64, given the batches and step sizes."""
    W = np.array(W0, np.float64)
    v = np.zeros_like(W)
    m = np.zeros_like(W)
    c = np.zeros_like(W)
    path = [W.copy()]
    for t, (rows, lr) in enumerate(zip(batches, lrs)):
        _, g = loss_and_grad(W, X[rows], y[rows], **grad_kw)
        if opt in ("gd", "sgd"):
            W = W - lr * g
        elif opt == "momentum":
            v = momentum * v - lr * g
            W = W + v
        elif opt == "nesterov":
            v_prev = v
            v = momentum * v - lr * g
            W = W - momentum * v_prev + (1 + momentum) * v
        elif opt == "adagrad":
            c = c + g * g
            W = W - lr * g / (np.sqrt(c) + eps)
        elif opt == "rmsprop":
            c = beta2 * c + (1 - beta2) * g * g
            W = W - lr * g / (np.sqrt(c) + eps)
        elif opt == "adam":
            m = beta1 * m + (1 - beta1) * g
            c = beta2 * c + (1 - beta2) * g * g
            mh, vh = m / (1 - beta1 ** (t + 1)), c / (1 - beta2 ** (t + 1))
            W = W - lr * mh / (np.sqrt(vh) + eps)
        if prox_l1:
            W = np.sign(W) * np.maximum(np.abs(W) - lr * prox_l1, 0.0)
        path.append(W.copy())
    return np.array(path)


def mlp_loss_and_grad(W1, W2, X, y, activation="relu", loss="softmax", delta=1.0, reg="none", lam=0.0,
                      l1_ratio=0.5):
    """The one-hidden-layer network by the chain rule, one step at a time."""
    X64, W1, W2 = (np.asarray(a, np.float64) for a in (X, W1, W2))
    A = X64 @ W1
    h = np.maximum(A, 0) if activation == "relu" else np.tanh(A)
    h1 = np.hstack([h, np.ones((len(y), 1))])
    S = h1 @ W2
    N = len(y)
    value = np.mean([sample_loss(S[n], y[n], loss, delta) for n in range(N)])
    dS = np.array([sample_dscores(S[n], y[n], loss, delta) for n in range(N)]) / N
    dW2 = h1.T @ dS
    dh = dS @ W2[:-1].T
    dA = dh * ((A > 0) if activation == "relu" else 1 - h ** 2)
    dW1 = X64.T @ dA
    penalty = reg_value(W1, reg, lam, l1_ratio) + reg_value(W2, reg, lam, l1_ratio)
    return value + penalty, dW1 + reg_grad(W1, reg, lam, l1_ratio), dW2 + reg_grad(W2, reg, lam, l1_ratio)


def mlp_grid(X, y, P0, U, V, alphas, betas, *, hidden, activation="relu", **kw):
    D = np.shape(X)[1]
    C = (len(P0) - D * hidden) // (hidden + 1)

    def at(P):
        W1 = P[:D * hidden].reshape(D, hidden)
        W2 = P[D * hidden:].reshape(hidden + 1, C)
        return mlp_loss_and_grad(W1, W2, X, y, activation=activation, **kw)[0]
    return np.array([[at(P0 + a * U + b * V) for a in alphas] for b in betas])
