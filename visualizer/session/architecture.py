"""What the runs train: the linear classifier W (D, C), or the small network's flat parameters
[W1.ravel(), W2.ravel()] (kernels.network). The session asks this for everything that depends on which
(Qt-free): a start, scores, loss and gradient, the penalty of a stack of points, a landscape's data term,
the optimizer's extra arguments, and the parameters' names and parts (for planes and tables).

`model` arguments are the loss settings (session.MODEL_KEYS: loss, delta, reg, lam, l1_ratio).
"""

from dataclasses import dataclass

import numpy as np

from losscape_lab import kernels
from losscape_lab.kernels import network

from .config import ConfigError

HESSIAN_LIMIT = 400  # a network's dense Hessian: 2 gradients per parameter (about a second at 400 on digits)


def of(config_model, data):
    """The architecture a [model] table asks for, on this data."""
    if config_model.get("kind", "linear") == "mlp":
        return Network(data.D, data.C, config_model["hidden"], config_model["activation"])
    return Linear(data.D, data.C)


def pointwise_grid(arch, X, y, P0, U, V, alphas, betas, loss, delta):
    """The data loss over the plane P0 + a U + b V, (len(betas), len(alphas)), by one call of the loss
    kernel per point: a cold start draws its first, coarse grid with the kernel its runs compiled anyway,
    while the landscape kernel is still compiling. Exact (float64), like the read-outs."""
    out = np.empty((len(betas), len(alphas)))
    for i, b in enumerate(betas):
        for j, a in enumerate(alphas):
            out[i, j] = arch.loss_and_grad(P0 + a * U + b * V, X, y, loss=loss, delta=delta)[0]
    return out


@dataclass(frozen=True)
class Linear:
    D: int
    C: int
    kind = "linear"
    hidden = 0

    @property
    def shape(self):
        return (self.D, self.C)

    @property
    def size(self):
        return self.D * self.C

    def describe(self):
        return "linear"

    def init(self, seed, scale):
        """A random start: scale times a standard normal W, drawn from the seed."""
        return scale * np.random.default_rng(seed).normal(size=self.shape)

    def scores(self, W, X):
        with np.errstate(all="ignore"):
            return np.asarray(X, np.float64) @ np.asarray(W, np.float64)

    def loss_and_grad(self, W, X, y, **model):
        return kernels.loss_and_grad(np.asarray(W, np.float64), X, y, **model)

    def penalty(self, Ws, reg, lam, l1_ratio):
        """lam * R for one point or a stack."""
        return kernels.penalty(Ws, reg=reg, lam=lam, l1_ratio=l1_ratio)

    def optimizer_kwargs(self):
        return {}

    def data_grid(self, X, y, P0, U, V, alphas, betas, loss, delta):
        return kernels.data_grid(X, y, P0, U, V, alphas, betas, loss=loss, delta=delta, single=True)

    def layers(self, P):
        """[(name, matrix view)] of the parameters: filters are the matrices' columns."""
        return [("W", np.asarray(P).reshape(self.D, self.C))]

    def top_eigen(self, W, X, y, k, **model):
        return kernels.top_eigen(W, X, y, k=k, **model)


@dataclass(frozen=True)
class Network:
    D: int
    C: int
    hidden: int
    activation: str
    kind = "mlp"

    @property
    def shape(self):
        return (self.size,)

    @property
    def size(self):
        return network.size(self.D, self.hidden, self.C)

    def describe(self):
        return f"network {self.hidden} {self.activation}"

    def init(self, seed, scale=None):
        """The usual start for the activation (kernels.network.init); a network ignores init_scale."""
        return network.init(self.D, self.hidden, self.C, activation=self.activation, seed=seed)

    def scores(self, P, X):
        with np.errstate(all="ignore"):
            return network.scores(P, X, self.hidden, self.C, self.activation)

    def loss_and_grad(self, P, X, y, **model):
        return network.mlp_loss_and_grad_flat(np.asarray(P, np.float64), X, y, hidden=self.hidden,
                                              activation=self.activation, **model)

    def penalty(self, Ps, reg, lam, l1_ratio):
        Ps = np.asarray(Ps, dtype=np.float64)
        return kernels.penalty(Ps[..., None, :], reg=reg, lam=lam, l1_ratio=l1_ratio)

    def optimizer_kwargs(self):
        return {"hidden": self.hidden, "activation": self.activation}

    def data_grid(self, X, y, P0, U, V, alphas, betas, loss, delta):
        return kernels.mlp_loss_grid(X, y, P0, U, V, alphas, betas, hidden=self.hidden, activation=self.activation,
                                     loss=loss, delta=delta)

    def layers(self, P):
        """The filters of filter normalization: each hidden unit's incoming weights (a column of W1) and
        outgoing weights (a row of W2), and the output biases (W2's last row), as columns of views."""
        W1, W2 = network.unpack(np.asarray(P), self.D, self.hidden, self.C)
        return [("W1", W1), ("W2", W2[:-1].T), ("bias", W2[-1:].T)]

    def rescale_units(self, P, s):
        """Every hidden unit's incoming weights times s, its outgoing weights divided by s: for ReLU the
        same function at another point (tanh is not scale-free: there it is another function)."""
        P = np.array(P, dtype=np.float64)
        W1, W2 = network.unpack(P, self.D, self.hidden, self.C)
        W1 *= s
        W2[:-1] /= s
        return P

    def top_eigen(self, P, X, y, k, **model):
        """The Hessian's top eigenpairs from centred differences of the exact gradient (a ReLU network's
        Hessian exists almost everywhere): dense, for networks of up to HESSIAN_LIMIT parameters."""
        P = np.asarray(P, np.float64)
        n = P.size
        if n > HESSIAN_LIMIT:
            raise ConfigError(f"the network's curvature is computed for up to {HESSIAN_LIMIT} parameters; this "
                              f"one has {n} (fewer hidden units, or another plane)")
        h = 1e-5 * max(1.0, float(np.abs(P).max()))
        Hm = np.empty((n, n))
        for i in range(n):
            e = np.zeros(n)
            e[i] = h
            Hm[i] = (self.loss_and_grad(P + e, X, y, **model)[1] - self.loss_and_grad(P - e, X, y, **model)[1]) / (2 * h)
        values, vectors = np.linalg.eigh((Hm + Hm.T) / 2)
        order = np.argsort(values)[::-1][:k]
        return values[order], vectors[:, order].T


def accuracy(arch, Ps, X, y):
    """Fraction of examples whose highest score is their label, for each point of a stack."""
    if len(y) == 0:
        return np.full(len(Ps), np.nan)
    out = np.empty(len(Ps))
    if arch.kind == "linear":
        N = len(y)
        D, C = arch.shape
        step = max(1, int(4_000_000 // max(1, N * C)))
        for i in range(0, len(Ps), step):
            chunk = np.asarray(Ps[i:i + step]).reshape(-1, D, C)
            with np.errstate(all="ignore"):  # one matrix product for the whole chunk
                S = (X @ chunk.transpose(1, 0, 2).reshape(D, -1)).reshape(N, len(chunk), C)
            out[i:i + step] = (S.argmax(axis=2) == y[:, None]).mean(axis=0)
        return out
    for i, P in enumerate(Ps):
        out[i] = (arch.scores(P, X).argmax(axis=1) == y).mean()
    return out
