"""One record per loss and per optimizer: everything the layers above need to know about it, in one place.

A LossSpec holds the loss's kernel code, its formula, its names (in English: the app translates them),
its value at W = 0, the landscape kernel that draws it, its curvature rule and its per-example terms in
plain numpy. An OptimizerSpec holds the optimizer's code, its update rule, its names, the
hyper-parameters and buffers it uses, and how the Explain step works one entry of an update out.
The tables LOSS_SPECS and OPTIMIZER_SPECS (by name) are the kernels' code tables: LOSSES and OPTIMIZERS
are read from them.

Adding a loss: its branch in the jitted kernels (``_training.py``: the code constant and its terms
kernel; ``landscape.data_grid``: how its grid is drawn), then one LossSpec here. Validation, the config
schema, the controls, the lecture panel, the Examples tab, the Explain step and the README's table all
read it. Numpy only, no numba: the jitted kernels branch on the codes.
"""

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import _training as T


# ------------------------------------------------------------------------------- per-example terms
def _margins(S, y, delta):
    """max(0, s_j - s_y + delta) for j != y, 0 at the label."""
    rows = np.arange(len(y))
    terms = np.maximum(0.0, S - S[rows, y][:, None] + delta)
    terms[rows, y] = 0.0
    return terms


def _hinge_terms(S, y, delta):
    terms = _margins(S, y, delta)
    return terms, terms.sum(axis=1)


def _squared_hinge_terms(S, y, delta):
    terms = _margins(S, y, delta) ** 2
    return terms, terms.sum(axis=1)


def _mean_hinge_terms(S, y, delta):
    terms = _margins(S, y, delta) / (S.shape[1] - 1)
    return terms, terms.sum(axis=1)


def _ova_hinge_terms(S, y, delta):
    rows = np.arange(len(y))
    terms = np.maximum(0.0, delta + S)
    terms[rows, y] = np.maximum(0.0, delta - S[rows, y])
    return terms, terms.sum(axis=1)


def _structured_hinge_terms(S, y, delta):
    terms = _margins(S, y, delta)
    return terms, terms.max(axis=1)


def _softmax_terms(S, y, delta):
    """The probabilities p_j and L = -ln p_y, computed stably (shifted by the largest score)."""
    rows = np.arange(len(y))
    shifted = S - S.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=1))
    return np.exp(shifted - log_z[:, None]), log_z - shifted[rows, y]


# ------------------------------------------------------------------------------------- curvature
def _softmax_hessian(S, y, delta):
    """Q -> each example's second derivative in its scores, applied to Q (N, C): diag(p) q - p (p . q)."""
    E = np.exp(S - S.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)

    def apply(Q):
        PQ = P * Q
        return PQ - P * PQ.sum(axis=1, keepdims=True)
    return apply


def _squared_hinge_hessian(S, y, delta):
    """Q -> 2 sum over the active margins of (q_j - q_y), on class j and, negated, on the label."""
    rows = np.arange(len(y))
    active = S - S[rows, y][:, None] + delta > 0.0
    active[rows, y] = False
    active = active.astype(np.float64)

    def apply(Q):
        R = 2.0 * active * (Q - Q[rows, y][:, None])
        R[rows, y] -= R.sum(axis=1)
        return R
    return apply


@dataclass(frozen=True)
class LossSpec:
    name: str
    code: int  # the jitted kernels' branch
    formula: str  # L_i of one example with scores s and label y
    about: str  # whose loss it is, or how it differs
    title: str  # as a figure's title names it ("hinge loss")
    short: str  # as a run's label names it
    menu: str  # as the loss control lists it
    at_zero_formula: str  # the data loss at W = 0, where every score is 0, in C and delta (log: natural)
    landscape: str  # which landscape kernel draws it: "margins" (sums of hinge terms), "largest margin", "exponentials"
    terms: Callable  # (S (N, C), y, delta) -> (terms (N, C), L (N,)): each class's part of each L_i
    term_kind: str  # what its terms are: "margins" or "probabilities"
    hessian: Callable | None = None  # (S, y, delta) -> (Q -> second derivative in the scores applied to Q); None: 0
    uses_delta: bool = True

    def at_zero(self, C, delta=1.0):
        """The data loss at W = 0 for C classes and margin delta (the lecture's first sanity check)."""
        return float(eval(self.at_zero_formula, {"__builtins__": {}}, {"C": C, "delta": delta, "log": math.log}))


LOSS_SPECS = {s.name: s for s in (
    LossSpec("hinge", T.HINGE, "L_i = sum_{j != y} max(0, s_j - s_y + delta)", "Weston-Watkins multiclass SVM",
             "hinge loss", "hinge", "hinge (multiclass SVM)", "(C - 1) * delta",
             "margins", _hinge_terms, "margins"),
    LossSpec("mean_hinge", T.MEAN_HINGE, "L_i = (1 / (C - 1)) sum_{j != y} max(0, s_j - s_y + delta)",
             "the hinge's mean over classes, not its sum", "mean hinge loss", "mean hinge", "hinge, mean over classes",
             "delta", "margins", _mean_hinge_terms, "margins"),
    LossSpec("squared_hinge", T.SQUARED_HINGE, "L_i = sum_{j != y} max(0, s_j - s_y + delta)^2",
             "smooth where the hinge has a kink", "squared hinge loss", "squared hinge", "squared hinge",
             "(C - 1) * delta**2", "margins", _squared_hinge_terms, "margins",
             hessian=_squared_hinge_hessian),
    LossSpec("ova_hinge", T.OVA_HINGE, "L_i = max(0, delta - s_y) + sum_{j != y} max(0, delta + s_j)",
             "one binary SVM per class", "one-vs-all hinge loss", "ova hinge", "one-vs-all hinge",
             "C * delta", "margins", _ova_hinge_terms, "margins"),
    LossSpec("structured_hinge", T.STRUCTURED_HINGE, "L_i = max(0, delta + max_{j != y} s_j - s_y)",
             "Crammer-Singer: only the worst wrong class counts", "structured hinge loss", "structured hinge",
             "structured hinge (Crammer-Singer)", "delta", "largest margin",
             _structured_hinge_terms, "margins"),
    LossSpec("softmax", T.SOFTMAX, "L_i = -ln(exp(s_y) / sum_j exp(s_j))", "cross-entropy, natural log",
             "softmax loss", "softmax", "softmax (cross-entropy)", "log(C)",
             "exponentials", _softmax_terms, "probabilities", hessian=_softmax_hessian, uses_delta=False),
)}
# the two losses the lecture compares at every turn (its sanity checks, its example breakdown)
SVM, SOFTMAX = LOSS_SPECS["hinge"], LOSS_SPECS["softmax"]


# ------------------------------------------------------------------------------------- optimizers
def _n(v):
    return f"{v:.4g}"


def _work_plain(x, i, g, dw):
    return [f"Δw = -{_n(x['lr'])} × {_n(g)} = {_n(dw)}"]


def _work_velocity(x, i, g, dw):
    v0, v1 = x["velocity"][0].reshape(-1)[i], x["velocity"][1].reshape(-1)[i]
    mu = x["settings"]["momentum"]
    return [f"v' = {mu:g} × {_n(v0)} - {_n(x['lr'])} × {_n(g)} = {_n(v1)}"]


def _work_nesterov(x, i, g, dw):
    v0, v1 = x["velocity"][0].reshape(-1)[i], x["velocity"][1].reshape(-1)[i]
    mu = x["settings"]["momentum"]
    return _work_velocity(x, i, g, dw) + [f"Δw = -{mu:g} × {_n(v0)} + {1 + mu:g} × {_n(v1)} = {_n(dw)}"]


def _work_cache(x, i, g, dw):
    c1 = x["second"][1].reshape(-1)[i]
    return [f"c' = {_n(c1)};  Δw = -{_n(x['lr'])} × {_n(g)} / (√{_n(c1)} + eps) = {_n(dw)}"]


def _work_adam(x, i, g, dw):
    m1, v1 = x["first"][1].reshape(-1)[i], x["second"][1].reshape(-1)[i]
    b1, b2 = x["bias_correction"]
    return [f"m' = {_n(m1)}, v' = {_n(v1)};  m^ = {_n(m1 / b1)}, v^ = {_n(v1 / b2)}",
            f"Δw = -{_n(x['lr'])} × {_n(m1 / b1)} / (√{_n(v1 / b2)} + eps) = {_n(dw)}"]


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    code: int  # the jitted loop's branch
    rule: str  # the update, g the minibatch gradient at W, lr the schedule's step size at step t
    menu: str  # as the optimizer control lists it
    label: str  # as a run's label names it
    hyperparameters: tuple = ()  # the settings its rule reads besides lr (each has its control)
    buffers: tuple = ()  # the per-weight state it keeps: of "velocity", "first", "second"
    full_batch: bool = False  # every step takes all N examples (batch_size is not used)
    bias_correction: bool = False  # Adam's 1 - b^(t+1)
    work: Callable | None = None  # (explained step, entry i, its g, its update) -> lines working it out
    torch: str = ""  # where it differs from torch.optim's, if it does


OPTIMIZER_SPECS = {s.name: s for s in (
    OptimizerSpec("gd", T.GD, "W' = W - lr g", "gradient descent (full batch)", "GD", full_batch=True,
                  work=_work_plain),
    OptimizerSpec("sgd", T.SGD, "W' = W - lr g", "SGD", "SGD", work=_work_plain),
    OptimizerSpec("momentum", T.MOMENTUM, "v' = mu v - lr g;  W' = W + v'", "SGD + momentum", "momentum",
                  ("momentum",), ("velocity",), work=_work_velocity,
                  torch="under a schedule lr stays inside the velocity (torch multiplies v by lr)"),
    OptimizerSpec("nesterov", T.NESTEROV, "v' = mu v - lr g;  W' = W - mu v + (1 + mu) v'", "Nesterov momentum",
                  "Nesterov", ("momentum",), ("velocity",), work=_work_nesterov,
                  torch="under a schedule lr stays inside the velocity (torch multiplies v by lr)"),
    OptimizerSpec("adagrad", T.ADAGRAD, "c' = c + g²;  W' = W - lr g / (√c' + eps)", "AdaGrad", "AdaGrad",
                  (), ("second",), work=_work_cache, torch="eps = 1e-8 (torch's default is 1e-10)"),
    OptimizerSpec("rmsprop", T.RMSPROP, "c' = rho c + (1 - rho) g²;  W' = W - lr g / (√c' + eps)", "RMSProp",
                  "RMSProp", ("rho",), ("second",), work=_work_cache),
    OptimizerSpec("adam", T.ADAM, "m' = b1 m + (1 - b1) g;  v' = b2 v + (1 - b2) g²;  "
                  "W' = W - lr (m' / (1 - b1^(t+1))) / (√(v' / (1 - b2^(t+1))) + eps)", "Adam", "Adam",
                  ("beta1", "beta2"), ("first", "second"), bias_correction=True, work=_work_adam),
    OptimizerSpec("random_search", T.RANDOM_SEARCH, "W' = W + lr noise, kept if the batch loss drops",
                  "random search", "random search"),
)}

# conventions every optimizer shares, where they differ from torch.optim
CONVENTIONS = (
    "L2 is coupled: its gradient 2 lam W is part of g, for Adam too (torch's weight_decay = 2 lam, not AdamW)",
    "a cosine schedule holds lr = 0 past its horizon (torch's CosineAnnealingLR rises again)",
)
