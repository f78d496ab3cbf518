"""Jitted kernels that evaluate the loss at one point of weight space, and the optimizers built on them.

One file on purpose: numba's cache is keyed on the content of the kernel's own file, so the optimizer
loop and the loss helpers it inlines must live together (an edit to a helper elsewhere would leave a
stale cached optimizer). The same holds for the kernels called by address (batch_loss_grad, and each
loss's own kernel: see native_call): a cached caller assumes its callee's arguments. These functions
trust their input; ``kernels.losses`` and ``kernels.optimizers`` validate it.

Shapes: X (N, D), y (N,) int64 in [0, C), W (D, C), scores s = X[n] @ W (C,).
"""

import math

import numpy as np
from numba.core import types as nt

from ._jit import jit, native_address, native_call, njit_parallel, prange

# Loss and regularizer codes: one compiled kernel branches on them (cheaper than one signature each).
HINGE, SQUARED_HINGE, OVA_HINGE, STRUCTURED_HINGE, SOFTMAX, MEAN_HINGE = 0, 1, 2, 3, 4, 5
REG_NONE, REG_L2, REG_L1, REG_ELASTIC = 0, 1, 2, 3
# Optimizer and learning-rate schedule codes.
GD, SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM, RANDOM_SEARCH = 0, 1, 2, 3, 4, 5, 6, 7
CONSTANT, STEP_DECAY, INV_T, COSINE = 0, 1, 2, 3
# The small network's activations.
RELU, TANH = 0, 1



def _terms_argtypes(stype):
    """The per-loss kernels' argument types, for scores (and dL/dS) of stype's dtype."""
    s, f = nt.Array(stype.dtype, 2, "C"), nt.Array(nt.float64, 1, "C")
    return (s, nt.Array(nt.int64, 1, "C"), nt.int64, nt.int64, nt.float64, s, f, f, f)


call_terms = native_call(_terms_argtypes)


@jit(inline="always")
def class_loss(terms_at, S, yk, nb, loss, delta, G, t):
    """Sum over examples k < nb of the loss L_k, for class-major scores S (C, nb) and labels yk (nb,),
    by the loss's own kernel at the address terms_at (see terms_address).

    Writes dL_k/dS into G (C, nb); t is (3, nb) float64 scratch. Class-major order makes every inner
    loop run over examples, so it vectorizes even when C and D are tiny. Returns NaN when a score is
    NaN or inf.
    """
    C = S.shape[0]
    t3 = t[2]
    chk = 0.0
    for k in range(nb):
        t3[k] = 0.0
    for c in range(C):
        for k in range(nb):
            t3[k] += S[c, k]
    for k in range(nb):
        chk += t3[k]
    if not np.isfinite(chk):
        return np.nan
    return call_terms(terms_at, (S, yk, nb, loss, delta, G, t[0], t[1], t[2]))


# One kernel per family of losses, each the sum over examples k < nb of L_k with dL_k/dS into G (t1, t2,
# t3: (nb,) float64 scratch): a first frame compiles only its own, a new loss only its kernel.

@jit
def hinge_terms(S, yk, nb, loss, delta, G, t1, t2, t3):
    """Weston-Watkins: sum over j != y of max(0, s_j - s_y + delta) (squared for SQUARED_HINGE; the mean
    over the C - 1 wrong classes instead of the sum for MEAN_HINGE)."""
    C = S.shape[0]
    total = 0.0
    for k in range(nb):
        t1[k] = S[yk[k], k]
        t2[k] = 0.0
    sq = loss == SQUARED_HINGE
    w = 1.0 / (C - 1) if loss == MEAN_HINGE else 1.0
    for c in range(C):
        for k in range(nb):
            m = S[c, k] - t1[k] + delta
            pos = m if (m > 0.0 and c != yk[k]) else 0.0
            if sq:
                total += pos * pos
                gk = 2.0 * pos
            else:
                total += w * pos
                gk = w if pos > 0.0 else 0.0
            G[c, k] = gk
            t2[k] += gk
    for k in range(nb):
        G[yk[k], k] -= t2[k]
    return total


@jit
def ova_terms(S, yk, nb, loss, delta, G, t1, t2, t3):
    """One-vs-all: max(0, delta - s_y) + sum over j != y of max(0, delta + s_j)."""
    C = S.shape[0]
    total = 0.0
    for c in range(C):
        for k in range(nb):
            is_y = c == yk[k]
            m = delta - S[c, k] if is_y else delta + S[c, k]
            pos = m if m > 0.0 else 0.0
            total += pos
            G[c, k] = (-1.0 if is_y else 1.0) if pos > 0.0 else 0.0
    return total


@jit
def structured_terms(S, yk, nb, loss, delta, G, t1, t2, t3):
    """Crammer-Singer: max(0, delta + max over j != y of s_j - s_y)."""
    C = S.shape[0]
    total = 0.0
    for k in range(nb):
        t1[k] = -np.inf
        t2[k] = -1.0
    for c in range(C):
        for k in range(nb):
            if c != yk[k] and S[c, k] > t1[k]:
                t1[k] = S[c, k]
                t2[k] = c
            G[c, k] = 0.0
    for k in range(nb):
        m = delta + t1[k] - S[yk[k], k]
        if m > 0.0:
            total += m
            G[int(t2[k]), k] += 1.0
            G[yk[k], k] -= 1.0
    return total


@jit
def softmax_terms(S, yk, nb, loss, delta, G, t1, t2, t3):
    """Softmax cross-entropy, each example shifted by its largest score: exp never overflows."""
    C = S.shape[0]
    total = 0.0
    for k in range(nb):
        t1[k] = S[0, k]
        t2[k] = 0.0
    for c in range(1, C):
        for k in range(nb):
            t1[k] = max(t1[k], S[c, k])
    for c in range(C):
        for k in range(nb):
            e = math.exp(S[c, k] - t1[k])
            G[c, k] = e
            t2[k] += e
    for k in range(nb):
        total += math.log(t2[k]) + (t1[k] - S[yk[k], k])
        t2[k] = 1.0 / t2[k]
    for c in range(C):
        for k in range(nb):
            G[c, k] *= t2[k]
    for k in range(nb):
        G[yk[k], k] -= 1.0
    return total


TERMS = {HINGE: hinge_terms, SQUARED_HINGE: hinge_terms, MEAN_HINGE: hinge_terms, OVA_HINGE: ova_terms,
         STRUCTURED_HINGE: structured_terms, SOFTMAX: softmax_terms}


def terms_address(loss, dtype=np.float64):
    """Where the machine code of loss code `loss`'s kernel for scores S of `dtype` is. The kernels'
    scratch S is float64; only scores_loss_grad takes the caller's scores as they are (float32 too). A
    wrong address is not caught: keep the dtype right."""
    return native_address(TERMS[loss], _terms_argtypes, dtype)


@jit
def reg_value_grad(W, reg, lam, l1_ratio, acc, want_grad, l1_grad):
    """lam * R(W); adds lam * dR/dW into acc (D, C) when want_grad (the L1 part only when l1_grad).

    The sums run as four partial sums in a fixed order: one running sum is a chain of dependent
    additions (about 4 cycles each), which made this the slowest part of a CIFAR-sized loss_and_grad.
    """
    if reg == REG_NONE or lam == 0.0:
        return 0.0
    if reg == REG_L2:
        w1, w2 = 0.0, 1.0
    elif reg == REG_L1:
        w1, w2 = 1.0, 0.0
    else:
        w1, w2 = l1_ratio, 1.0 - l1_ratio
    flat = W.reshape(-1)
    out = acc.reshape(-1)
    n = flat.shape[0]
    g1 = lam * w1 if l1_grad else 0.0
    g2 = 2.0 * lam * w2
    if want_grad and g1 == 0.0:
        for i in range(n):  # L2 alone: no sign, and the loop vectorizes
            out[i] += g2 * np.float64(flat[i])
    elif want_grad:
        for i in range(n):
            w = np.float64(flat[i])
            sg = 1.0 if w > 0.0 else (-1.0 if w < 0.0 else 0.0)  # subgradient 0 at 0
            out[i] += g1 * sg + g2 * w
    a0 = a1 = a2 = a3 = 0.0
    b0 = b1 = b2 = b3 = 0.0
    i = 0
    while i + 4 <= n:
        w0, x1, x2, x3 = np.float64(flat[i]), np.float64(flat[i + 1]), np.float64(flat[i + 2]), np.float64(flat[i + 3])
        a0 += abs(w0)
        a1 += abs(x1)
        a2 += abs(x2)
        a3 += abs(x3)
        b0 += w0 * w0
        b1 += x1 * x1
        b2 += x2 * x2
        b3 += x3 * x3
        i += 4
    while i < n:
        w0 = np.float64(flat[i])
        a0 += abs(w0)
        b0 += w0 * w0
        i += 1
    return lam * (w1 * ((a0 + a1) + (a2 + a3)) + w2 * ((b0 + b1) + (b2 + b3)))


@jit
def gather_rows(X, y, rows, use_rows, nb, Xt, yk):
    """The examples X[rows[:nb]] (X[:nb] unless use_rows) into Xt (D, nb), feature-major, and their
    labels into yk: the loss kernels' inner loops then run over examples."""
    for k in range(nb):
        n = rows[k] if use_rows else k
        yk[k] = y[n]
        for d in range(X.shape[1]):
            Xt[d, k] = X[n, d]


@jit
def batch_loss_grad(W, X, y, rows, use_rows, nb, loss, terms_at, delta, reg, lam, l1_ratio, l1_grad,
                    want_grad, Xt, S, G, t, yk, acc):
    """Mean loss over the examples X[rows[:nb]] (X[:nb] unless use_rows) plus lam * R(W).

    Scratch (at least nb columns): Xt (D, nb), S and G (C, nb), t (3, nb) float64, yk (nb,) int64.
    The gradient goes into acc (D, C, float64) when want_grad. Returns NaN or inf when the scores or
    the loss are not finite (bad input, or a diverged run).
    """
    D, C = W.shape
    gather_rows(X, y, rows, use_rows, nb, Xt, yk)
    for c in range(C):
        for k in range(nb):
            S[c, k] = 0.0
        for d in range(D):
            w = np.float64(W[d, c])
            for k in range(nb):
                S[c, k] += w * Xt[d, k]
    total = class_loss(terms_at, S, yk, nb, loss, delta, G, t)
    scale = 1.0 / nb
    if want_grad:
        for d in range(D):
            for c in range(C):
                # four partial sums: a fixed order (deterministic) without a serial dependency chain
                a0 = a1 = a2 = a3 = 0.0
                k = 0
                while k + 4 <= nb:
                    a0 += Xt[d, k] * G[c, k]
                    a1 += Xt[d, k + 1] * G[c, k + 1]
                    a2 += Xt[d, k + 2] * G[c, k + 2]
                    a3 += Xt[d, k + 3] * G[c, k + 3]
                    k += 4
                while k < nb:
                    a0 += Xt[d, k] * G[c, k]
                    k += 1
                acc[d, c] = ((a0 + a1) + (a2 + a3)) * scale
    return total * scale + reg_value_grad(W, reg, lam, l1_ratio, acc, want_grad, l1_grad)


def _loss_argtypes(wtype):
    """batch_loss_grad's argument types for weights W (and data X) of wtype's dtype."""
    f8, i8, b = nt.float64, nt.int64, nt.boolean
    w, s, i = nt.Array(wtype.dtype, 2, "C"), nt.Array(f8, 2, "C"), nt.Array(i8, 1, "C")
    return (w, w, i, i, b, i8, i8, i8, f8, i8, f8, f8, b, b, s, s, s, s, i, s)


call_batch_loss = native_call(_loss_argtypes)


def batch_loss_address(dtype):
    """Where batch_loss_grad's machine code for weights of `dtype` is: run_steps calls it there, so
    the optimizer loop compiles without it (and at the same time, in a second process, on a cold
    start)."""
    return native_address(batch_loss_grad, _loss_argtypes, dtype)


@jit
def copy1(src, dst):
    """dst[:] = src by a loop: numpy-style slice assignment compiles its broadcasting checks and their
    error messages (seconds of a cold start for each distinct use)."""
    for i in range(src.shape[0]):
        dst[i] = src[i]


@jit
def scratch(D, C, n):
    return (np.empty((D, n)), np.empty((C, n)), np.empty((C, n)), np.empty((3, n)), np.empty(n, np.int64),
            np.empty((D, C)))


@jit
def labels_ok(y, C):
    for n in range(y.shape[0]):
        if y[n] < 0 or y[n] >= C:
            return False
    return True


@jit
def loss_grad_fused(loss_at, W, X, y, loss, terms_at, delta, reg, lam, l1_ratio, dW):
    """Public small-problem path: one pass, scratch of O((D + C) N), by batch_loss_grad at loss_at. NaN
    when labels are out of range or the result is not finite (the caller finds out which)."""
    N = X.shape[0]
    D, C = W.shape
    if not labels_ok(y, C):
        return np.nan
    Xt, S, G, t, yk, acc = scratch(D, C, N)
    yes, no = N >= 0, N < 0  # booleans, not literals: every call shares one compiled batch_loss_grad
    L = call_batch_loss(loss_at, (W, X, y, y, no, N, loss, terms_at, delta, reg, lam, l1_ratio, yes, yes,
                                  Xt, S, G, t, yk, acc))
    for d in range(D):
        for c in range(C):
            dW[d, c] = acc[d, c]
    return L


@jit
def scores_loss_grad(St, y, loss, terms_at, delta, G):
    """Mean data loss for class-major scores St (C, N); writes dL/dS (divided by N) into G (C, N).

    The large-problem path: the caller forms the scores and dW = X.T @ G.T with BLAS. NaN when labels
    are out of range or a score is not finite.
    """
    C, N = St.shape
    if not labels_ok(y, C):
        return np.nan
    t = np.empty((3, N))
    total = class_loss(terms_at, St, y, N, loss, delta, G, t)
    scale = 1.0 / N
    for c in range(C):
        for k in range(N):
            G[c, k] *= scale
    return total * scale


@jit
def reg_only(W, reg, lam, l1_ratio, dW):
    """lam * R(W), adding its gradient into dW (any float dtype)."""
    return reg_value_grad(W, reg, lam, l1_ratio, dW, True, True)


# ---------------------------------------------------------------------------------------------- random
# A counter-based generator (splitmix64): batches depend only on (seed, epoch), so a run can be continued
# from any step and the same seed always gives the same batches, bit for bit, on every machine.

@jit
def _mix64(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@jit
def _uniform(key, counter):
    """Uniform double in [0, 1) for stream key at position counter."""
    z = _mix64(key + np.uint64(counter + 1) * np.uint64(0x9E3779B97F4A7C15))
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@jit
def _stream_key(seed, stream, index):
    return _mix64(_mix64(np.uint64(seed) ^ np.uint64(0x5DEECE66D)) + np.uint64(stream) * np.uint64(0x632BE59BD9B4E019)
                  + np.uint64(index))


@jit
def epoch_permutation(seed, epoch, N, out):
    """Fisher-Yates shuffle of range(N) into out, a function of (seed, epoch) only."""
    key = _stream_key(seed, 1, epoch)
    for i in range(N):
        out[i] = i
    for i in range(N - 1, 0, -1):
        j = int(_uniform(key, i) * (i + 1))
        if j > i:  # guards against rounding at the top end
            j = i
        out[i], out[j] = out[j], out[i]


@jit
def _gaussian(key, counter):
    """Standard normal by Box-Muller from two uniforms of the stream."""
    u1 = _uniform(key, 2 * counter)
    u2 = _uniform(key, 2 * counter + 1)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@jit
def learning_rate(lr, schedule, t, decay, step_every, horizon):
    if schedule == STEP_DECAY:
        return lr * decay ** (t // step_every)
    if schedule == INV_T:
        return lr / (1.0 + decay * t)
    if schedule == COSINE:
        return lr * 0.5 * (1.0 + math.cos(math.pi * min(t, horizon) / horizon))
    return lr


# ------------------------------------------------------------------------------------------- optimizer

@jit
def mlp_batch_loss_grad(W1, W2, X, y, rows, use_rows, nb, act, loss, terms_at, delta, reg, lam, l1_ratio,
                        l1_grad, want_grad, Xt, A, Hh, S, G, t, yk, acc1, acc2):
    """The small network's mean loss over X[rows[:nb]] (X[:nb] unless use_rows) plus lam * R(W1, W2):
    hidden h = act(x @ W1) (RELU or TANH), scores s = h @ W2[:H] + W2[H] (W2's last row is the output
    bias). Scratch (at least nb columns): Xt (D, nb), A and Hh (H, nb), S and G (C, nb), t (3, nb),
    yk (nb,). The gradients go into acc1 (D, H) and acc2 (H + 1, C) when want_grad. Returns NaN or inf
    when the scores or the loss are not finite."""
    D, H = W1.shape
    C = W2.shape[1]
    gather_rows(X, y, rows, use_rows, nb, Xt, yk)
    for h in range(H):  # pre-activations, class-major like the scores: inner loops over examples
        for k in range(nb):
            A[h, k] = 0.0
        for d in range(D):
            w = np.float64(W1[d, h])
            for k in range(nb):
                A[h, k] += w * Xt[d, k]
        for k in range(nb):
            a = A[h, k]
            Hh[h, k] = (0.0 if a <= 0.0 else a) if act == RELU else math.tanh(a)  # NaN stays NaN
    for c in range(C):
        b = np.float64(W2[H, c])
        for k in range(nb):
            S[c, k] = b
        for h in range(H):
            w = np.float64(W2[h, c])
            for k in range(nb):
                S[c, k] += w * Hh[h, k]
    total = class_loss(terms_at, S, yk, nb, loss, delta, G, t)
    scale = 1.0 / nb
    if want_grad:
        for c in range(C):
            g = 0.0
            for k in range(nb):
                g += G[c, k]
            acc2[H, c] = g * scale
            for h in range(H):
                g = 0.0
                for k in range(nb):
                    g += Hh[h, k] * G[c, k]
                acc2[h, c] = g * scale
        for h in range(H):  # back through the activation: A now holds dL/dA (scaled below)
            for k in range(nb):
                g = 0.0
                for c in range(C):
                    g += np.float64(W2[h, c]) * G[c, k]
                a = A[h, k]
                A[h, k] = (g if a > 0.0 else 0.0) if act == RELU else g * (1.0 - Hh[h, k] * Hh[h, k])
        for d in range(D):
            for h in range(H):
                g = 0.0
                for k in range(nb):
                    g += Xt[d, k] * A[h, k]
                acc1[d, h] = g * scale
    return (total * scale + reg_value_grad(W1, reg, lam, l1_ratio, acc1, want_grad, l1_grad)
            + reg_value_grad(W2, reg, lam, l1_ratio, acc2, want_grad, l1_grad))


def _mlp_loss_argtypes(w1type):
    """mlp_batch_loss_grad's argument types for parameters (and data X) of w1type's dtype."""
    f8, i8, b = nt.float64, nt.int64, nt.boolean
    w, s, i = nt.Array(w1type.dtype, 2, "C"), nt.Array(f8, 2, "C"), nt.Array(i8, 1, "C")
    return (w, w, w, i, i, b, i8, i8, i8, i8, f8, i8, f8, f8, b, b, s, s, s, s, s, s, i, s, s)


call_mlp_loss = native_call(_mlp_loss_argtypes)


def mlp_loss_address(dtype):
    """Where mlp_batch_loss_grad's machine code for parameters of `dtype` is (see batch_loss_address)."""
    return native_address(mlp_batch_loss_grad, _mlp_loss_argtypes, dtype)


@jit
def mlp_views(P, D, H, C):
    """W1 (D, H) and W2 (H + 1, C) as views of the flat parameter vector P = [W1.ravel(), W2.ravel()]."""
    return P[:D * H].reshape((D, H)), P[D * H:D * H + (H + 1) * C].reshape((H + 1, C))


@jit(inline="always")
def model_loss_grad(loss_at, P, D, C, net, X, y, rows, use_rows, nb, loss, terms_at, delta, reg, lam, l1_ratio,
                    l1_grad, want_grad, Xt, A, Hh, S, G, t, yk, acc):
    """The loss of the model whose parameters are the flat P, its gradient into the flat acc: net None,
    the linear W (D, C), by batch_loss_grad at the address loss_at; net = (H, activation), the network,
    by mlp_batch_loss_grad at loss_at.
    `net is None` is settled when numba compiles (dead-branch pruning), so the linear optimizer never
    compiles the network's code."""
    if net is None:
        return call_batch_loss(loss_at, (P.reshape((D, C)), X, y, rows, use_rows, nb, loss, terms_at, delta, reg,
                                         lam, l1_ratio, l1_grad, want_grad, Xt, S, G, t, yk, acc.reshape((D, C))))
    else:
        W1, W2 = mlp_views(P, D, net[0], C)
        a1, a2 = mlp_views(acc, D, net[0], C)
        return call_mlp_loss(loss_at, (W1, W2, X, y, rows, use_rows, nb, net[1], loss, terms_at, delta, reg,
                                       lam, l1_ratio, l1_grad, want_grad, Xt, A, Hh, S, G, t, yk, a1, a2))


@jit
def mlp_loss_grad_fused(loss_at, P, D, H, C, act, X, y, loss, terms_at, delta, reg, lam, l1_ratio, dP):
    """Public path of the network's loss and gradient (flat parameters), by mlp_batch_loss_grad at loss_at;
    NaN when labels are out of range or the result is not finite."""
    N = X.shape[0]
    if not labels_ok(y, C):
        return np.nan
    Xt, S, G, t, yk, _ = scratch(D, C, N)
    A, Hh = np.empty((H, N)), np.empty((H, N))
    yes, no = N >= 0, N < 0
    return model_loss_grad(loss_at, P, D, C, (H, act), X, y, y, no, N, loss, terms_at, delta, reg, lam,
                           l1_ratio, yes, yes, Xt, A, Hh, S, G, t, yk, dP)


@jit
def _update(opt, W, g, new, vel, m1, m2, lr_t, tt, momentum, beta1, beta2, eps, use_prox, thr):
    """One step of a gradient method into `new`: W and its gradient g (flat), the buffers vel, m1, m2
    updated in place; tt = t + 1 (Adam's bias correction); thr the proximal L1 step's threshold."""
    for i in range(W.shape[0]):
        dw = g[i]
        w = np.float64(W[i])
        if opt == MOMENTUM:
            vel[i] = momentum * vel[i] - lr_t * dw
            w += vel[i]
        elif opt == NESTEROV:
            v_prev = vel[i]
            vel[i] = momentum * v_prev - lr_t * dw
            w += -momentum * v_prev + (1.0 + momentum) * vel[i]
        elif opt == ADAGRAD:
            m2[i] += dw * dw
            w -= lr_t * dw / (math.sqrt(m2[i]) + eps)
        elif opt == RMSPROP:
            m2[i] = beta2 * m2[i] + (1.0 - beta2) * dw * dw
            w -= lr_t * dw / (math.sqrt(m2[i]) + eps)
        elif opt == ADAM:
            m1[i] = beta1 * m1[i] + (1.0 - beta1) * dw
            m2[i] = beta2 * m2[i] + (1.0 - beta2) * dw * dw
            mh = m1[i] / (1.0 - beta1 ** tt)
            vh = m2[i] / (1.0 - beta2 ** tt)
            w -= lr_t * mh / (math.sqrt(vh) + eps)
        else:  # GD and SGD
            w -= lr_t * dw
        if use_prox:
            # proximal step for lam * l1_frac * |w|: soft-thresholding gives exact zeros
            w = math.copysign(max(abs(w) - thr, 0.0), w)
        new[i] = w


@jit
def _all_finite(a):
    for i in range(a.shape[0]):
        if not np.isfinite(a[i]):
            return False
    return True


@jit
def _record(r, W, t, lr_t, loss_batch, loss_full, out_W, out_step, out_lr, out_loss_batch, out_loss_full):
    """Row r of the trajectory: W_t, t, its step size, its batch loss and full loss (NaN: not taken)."""
    copy1(W, out_W[r])
    out_step[r] = t
    out_lr[r] = lr_t
    out_loss_batch[r] = loss_batch
    out_loss_full[r] = loss_full


@jit
def run_steps(loss_at, terms_at, W, D, C, net, X, y, loss, delta, reg, lam, l1_ratio, prox,
              opt, lr, schedule, decay, step_every, horizon,
              momentum, beta1, beta2, eps,
              batch_size, seed, t0, steps, record_every, full_every,
              vel, m1, m2, out_W, out_step, out_lr, out_loss_batch, out_loss_full):
    """Run `steps` optimizer steps from the flat parameters W (updated in place), starting at global
    step t0, calling the model's loss at loss_at (batch_loss_address(W.dtype), or mlp_loss_address) and
    the loss's kernel at terms_at (terms_address(loss)). The model: net None, the linear W (D, C) as
    W.reshape(D, C); net = (H, activation), the network's [W1.ravel(), W2.ravel()] (see
    mlp_batch_loss_grad).

    Step t evaluates the minibatch loss and gradient at W_t and moves to W_{t+1}. Batch k of epoch e is
    perm(seed, e)[k*B : (k+1)*B] (the last batch of an epoch may be smaller). vel, m1, m2 (flat, like W)
    hold the optimizer's state and are updated in place, so a later call continues the same run (Adam
    counts its bias correction from t = 0 of the run).

    Records at steps t with (t - t0) % record_every == 0, and at the end point: W_t, t, lr_t, the batch
    loss at W_t (NaN at the end point, inf there when the loss overflowed) and the full loss at W_t when
    full_every > 0 and t % full_every == 0 (else NaN). out_* need steps // record_every + 2 rows.
    Returns (number of records, diverged_at): diverged_at is the first step whose loss or weights are not
    finite, -1 if none. The run stops there; W and the last record hold the last finite weights.
    """
    N = X.shape[0]
    P = W.shape[0]
    B = min(batch_size, N)
    nb = (N + B - 1) // B  # batches per epoch
    perm = np.empty(N, np.int64)
    cur_epoch = -1
    n_cols = N if full_every > 0 else B
    Xt, S, G, tmp, yk, _ = scratch(D, C, n_cols)
    if net is None:
        H = 0
    else:
        H = net[0]
    A, Hh = np.empty((H, n_cols)), np.empty((H, n_cols))
    acc = np.empty(P)
    new = np.empty(P, W.dtype)
    l1_frac = 1.0 if reg == REG_L1 else (l1_ratio if reg == REG_ELASTIC else 0.0)
    use_prox = prox and l1_frac > 0.0 and lam > 0.0
    want_grad = opt != RANDOM_SEARCH
    yes, no = N >= 0, N < 0  # booleans, not literals: every call shares one compiled loss kernel
    rs_key = _stream_key(seed, 2, 0)
    r = 0
    diverged_at = -1
    end_loss = np.nan
    t = t0
    while t < t0 + steps:
        e = t // nb
        k = t - e * nb
        if e != cur_epoch:
            epoch_permutation(seed, e, N, perm)
            cur_epoch = e
        lo = k * B
        nbatch = min(B, N - lo)
        rows = perm[lo:lo + nbatch]
        lr_t = learning_rate(lr, schedule, t, decay, step_every, horizon)
        Lb = model_loss_grad(loss_at, W, D, C, net, X, y, rows, yes, nbatch, loss, terms_at, delta, reg,
                             lam, l1_ratio, not use_prox, want_grad, Xt, A, Hh, S, G, tmp, yk, acc)
        if not np.isfinite(Lb):
            diverged_at = t
            end_loss = np.inf
            break
        if (t - t0) % record_every == 0:
            full = np.nan
            if full_every > 0 and t % full_every == 0:
                full = model_loss_grad(loss_at, W, D, C, net, X, y, perm, no, N, loss, terms_at, delta, reg, lam,
                                       l1_ratio, yes, no, Xt, A, Hh, S, G, tmp, yk, acc)
            _record(r, W, t, lr_t, Lb, full, out_W, out_step, out_lr, out_loss_batch, out_loss_full)
            r += 1
        # ------------------------------------------------------------------ the update rule, into `new`
        if opt == RANDOM_SEARCH:
            # the lecture's random local search: try W + lr * noise, keep it if the batch loss drops
            for i in range(P):
                new[i] = W[i] + lr_t * _gaussian(rs_key, t * P + i)
            Lt = model_loss_grad(loss_at, new, D, C, net, X, y, rows, yes, nbatch, loss, terms_at, delta,
                                 reg, lam, l1_ratio, yes, no, Xt, A, Hh, S, G, tmp, yk, acc)
            if not Lt < Lb:  # also rejects a NaN trial
                copy1(W, new)
        else:
            _update(opt, W, acc, new, vel, m1, m2, lr_t, t + 1.0, momentum, beta1, beta2, eps, use_prox,
                    lr_t * lam * l1_frac)
        if not _all_finite(new):
            diverged_at = t + 1
            break
        copy1(new, W)
        t += 1
    # the end point: the current (finite) W at step t
    if r == 0 or out_step[r - 1] != t:
        full = np.nan
        if full_every > 0 and t % full_every == 0:
            full = model_loss_grad(loss_at, W, D, C, net, X, y, perm, no, N, loss, terms_at, delta, reg, lam,
                                   l1_ratio, yes, no, Xt, A, Hh, S, G, tmp, yk, acc)
        _record(r, W, t, learning_rate(lr, schedule, t, decay, step_every, horizon), end_loss, full, out_W,
                out_step, out_lr, out_loss_batch, out_loss_full)
        r += 1
    return r, diverged_at


# ---------------------------------------------------------------------------------------------- network plane
@njit_parallel
def mlp_grid(A0, AU, AV, W2_0, U2, V2, y, alphas, betas, act, loss, terms_at, delta, out):
    """The network's mean data loss over the plane P0 + a U + b V, into out (len(betas), len(alphas)).

    The first layer's pre-activations are affine in (a, b): A0, AU, AV (H, N) are X @ W1 of P0, U and
    V (class-major), formed once by the caller; W2_0, U2, V2 (H + 1, C) the output layer's parts. One
    grid row per thread; the inner loops run over examples."""
    H, N = A0.shape
    C = W2_0.shape[1]
    for j in prange(betas.shape[0]):
        b = betas[j]
        S = np.empty((C, N))
        G = np.empty((C, N))
        t = np.empty((3, N))
        hrow = np.empty(N)
        W2 = np.empty((H + 1, C))
        for i in range(alphas.shape[0]):
            a = alphas[i]
            for h in range(H + 1):
                for c in range(C):
                    W2[h, c] = W2_0[h, c] + a * U2[h, c] + b * V2[h, c]
            for c in range(C):
                for k in range(N):
                    S[c, k] = W2[H, c]
            for h in range(H):
                for k in range(N):
                    z = A0[h, k] + a * AU[h, k] + b * AV[h, k]
                    hrow[k] = (0.0 if z <= 0.0 else z) if act == RELU else math.tanh(z)
                for c in range(C):
                    w = W2[h, c]
                    for k in range(N):
                        S[c, k] += w * hrow[k]
            out[j, i] = class_loss(terms_at, S, y, N, loss, delta, G, t) / N
