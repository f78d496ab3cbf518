"""Checks shared by the public wrappers: each failure is a ValueError whose message names the argument.

The jitted kernels behind the wrappers assume what is checked here; label range and finiteness are
checked inside the kernels (one pass they make anyway): a non-finite result sends the wrapper to
explain_nonfinite, which names the culprit.
"""

import math

import numpy as np

from . import _training as T
from .specs import LOSS_SPECS

LOSSES = {name: spec.code for name, spec in LOSS_SPECS.items()}
REGS = {"none": T.REG_NONE, "l2": T.REG_L2, "l1": T.REG_L1, "elastic": T.REG_ELASTIC}
FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def reg_weights(reg, l1_ratio=0.5):
    """(w1, w2) with R(W) = w1 * sum|W| + w2 * sum W^2: the one table of the regularizers (the jitted
    reg_value_grad follows it too)."""
    rc = choice("reg", reg, REGS)
    l1_ratio = real("l1_ratio", l1_ratio, low=0.0, high=1.0)
    return {T.REG_NONE: (0.0, 0.0), T.REG_L2: (0.0, 1.0), T.REG_L1: (1.0, 0.0),
            T.REG_ELASTIC: (l1_ratio, 1.0 - l1_ratio)}[rc]


def choice(name, value, table):
    try:
        return table[value]
    except (KeyError, TypeError):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, table))}; got {value!r}") from None


INT64_MAX = np.iinfo(np.int64).max
MAX_RECORD_BYTES = 2 << 30  # a trajectory's recorded weights: more is a mistake, not a demo


def real(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """A finite real number in [low, high] (open at either end with low_open / high_open)."""
    if isinstance(value, (str, bytes)):  # float("0.1") would quietly accept text
        raise ValueError(f"{name} must be a number; got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; got {value!r}") from None
    if isinstance(value, (bool, np.bool_)) or not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}; got {v}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}; got {v}")
    return v


def integer(name, value, *, low=None, high=INT64_MAX):
    """An integer in [low, high]; the kernels take 64-bit integers, so never more than 2**63 - 1."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer; got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}; got {value}")
    if value > high:
        raise ValueError(f"{name} must be <= {high}; got {value}")
    return int(value)


def float_array(name, a, ndim):
    if not isinstance(a, np.ndarray):
        try:
            a = np.asarray(a)
        except Exception:
            raise ValueError(f"{name} must be an array of numbers") from None
        if a.dtype.kind in "iub":  # plain Python lists of numbers: take them as float64
            a = a.astype(np.float64)
    if a.dtype not in FLOATS:
        raise ValueError(f"{name} must be float32 or float64; got dtype {a.dtype}")
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {a.shape}")
    if not a.flags.c_contiguous:
        a = np.ascontiguousarray(a)
    return a


def labels(y, N):
    if not isinstance(y, np.ndarray):
        y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != N:
        raise ValueError(f"y must have shape ({N},) to match X; got {y.shape}")
    if y.dtype.kind not in "iu":
        raise ValueError(f"y must hold integer class labels; got dtype {y.dtype}")
    if y.dtype.kind == "u" and y.size and y.max() > INT64_MAX:  # would wrap to a negative label
        raise ValueError(f"y must hold labels in [0, C) for the C columns of W; found {int(y.max())}")
    if y.dtype != np.int64 or not y.flags.c_contiguous:
        y = np.ascontiguousarray(y, dtype=np.int64)
    return y


def problem(W, X, y):
    """Check and convert (W, X, y): X (N, D) and W (D, C) of one float dtype, y (N,) integers."""
    X = float_array("X", X, 2)
    W = float_array("W", W, 2)
    N, D = X.shape
    if N == 0 or D == 0:
        raise ValueError(f"X must hold at least one example and one feature; got shape {X.shape}")
    if W.shape[0] != D:
        raise ValueError(f"W must have shape (D, C) with D = {D} (the columns of X); got {W.shape}")
    if W.shape[1] < 2:
        raise ValueError(f"W must have at least 2 columns (classes); got {W.shape}")
    if W.dtype != X.dtype:
        raise ValueError(f"X and W must have the same dtype; got X {X.dtype} and W {W.dtype}")
    return W, X, labels(y, N)


def network(P, X, y, hidden):
    """Check and convert (P, X, y) for the small network: P the flat parameters [W1.ravel(), W2.ravel()]
    of length D*H + (H+1)*C, X (N, D), y (N,). Returns (P, X, y, C)."""
    X = float_array("X", X, 2)
    P = float_array("parameters", P, 1)
    N, D = X.shape
    if N == 0 or D == 0:
        raise ValueError(f"X must hold at least one example and one feature; got shape {X.shape}")
    C, rest = divmod(P.shape[0] - D * hidden, hidden + 1)
    if rest or C < 2:
        raise ValueError(f"the network's parameters must number D*H + (H+1)*C = {D}*{hidden} + {hidden + 1}*C "
                         f"with C >= 2 classes; got {P.shape[0]}")
    if P.dtype != X.dtype:
        raise ValueError(f"X and the parameters must have the same dtype; got X {X.dtype} and {P.dtype}")
    return P, X, labels(y, N), C


def model(loss, delta, reg, lam, l1_ratio):
    return (choice("loss", loss, LOSSES), real("delta", delta, low=0.0), choice("reg", reg, REGS),
            real("lam", lam, low=0.0), real("l1_ratio", l1_ratio, low=0.0, high=1.0))


def explain_nonfinite(W, X, y, C=None):
    """A kernel returned a non-finite loss: raise the ValueError that names the culprit (C given: W is a
    network's flat parameters)."""
    network = C is not None
    C = W.shape[1] if C is None else C
    if y.size and (y.min() < 0 or y.max() >= C):
        raise ValueError(f"y must hold labels in [0, {C}); found {int(y.min())}..{int(y.max())}")
    for name, a in (("X", X), ("W", W)):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or inf")
    if network:
        raise ValueError("the network's scores overflow (not finite): scale X or its parameters down")
    raise ValueError("the scores X @ W overflow (not finite): scale X or W down")
