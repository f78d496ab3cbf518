"""Datasets for the landscapes: toy 2-D sets, shipped iris and digits, the user's CIFAR-10 copy and CSV files.

`load(config["data"])` returns a `Dataset` ready for the kernels: split, standardized with training
statistics, bias column last. Files a user points at are untrusted, so every failure is a one-line
`DatasetError` naming the file and the line or batch (the app shows it, the command line exits 2), and
CIFAR pickles go through an unpickler that can build nothing but containers, numbers and numeric arrays.
Qt-free and numpy-only, so the command line and the tests use it as is.

This module checks the [data] table and dispatches; the sources live in `synthetic`, `tabular`, `cifar`
(with the restricted unpickler in `unpickler`), and the shared types in `base`.
"""

import math
import os

import numpy as np

from .base import Dataset, DatasetError, _prepare, check_labels
from .cifar import CIFAR_CLASSES, CIFAR_FILES, CIFAR_SIDE, CIFAR_TRAIN, _cifar10
from .synthetic import DEMO_POINTS, SYNTHETIC, _synthetic
from .tabular import MAX_CLASSES, _digits, _iris, _read_csv

__all__ = ["BUILTIN_NAMES", "CIFAR_CLASSES", "CIFAR_FILES", "CIFAR_SIDE", "CIFAR_TRAIN", "DEMO_POINTS",
           "MAX_CLASSES", "OPTIONS", "SYNTHETIC", "Dataset", "DatasetError", "load"]

BUILTIN_NAMES = ("blobs", "spiral", "linear", "nonlinear", "demo", "iris", "digits", "csv", "cifar10", "scores")


# ------------------------------------------------------------------------------------------ options
def _integer(low, high):
    def check(key, v):
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            raise DatasetError(f"[data] {key} must be an integer from {low} to {high}; got {v!r}")
        return v
    return check


def _real(low, high=None):
    def check(key, v):
        ok = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and v >= low
        if not ok or (high is not None and v > high):
            allowed = f"a number >= {low}" if high is None else f"a number from {low} to {high}"
            raise DatasetError(f"[data] {key} must be {allowed}; got {v!r}")
        return float(v)
    return check


def _one_of(*options):
    def check(key, v):
        if not any(type(v) is type(o) and v == o for o in options):
            shown = ", ".join(str(o).lower() if isinstance(o, bool) else repr(o) for o in options)
            raise DatasetError(f"[data] {key} must be one of {shown}; got {v!r}")
        return v
    return check


def _flag(key, v):
    if not isinstance(v, bool):
        raise DatasetError(f"[data] {key} must be true or false; got {v!r}")
    return v


def _string(key, v):
    if not isinstance(v, str) or not v:
        raise DatasetError(f"[data] {key} must be a non-empty string; got {v!r}")
    return v


MAX_SCORE_EXAMPLES = 1000  # the worked examples are a handful; X is the N x N identity


def _labels(key, v):
    if not (isinstance(v, list) and v and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0
                                              for i in v)):
        raise DatasetError(f"[data] {key} must be a non-empty list of class indices (integers >= 0); got {v!r}")
    if len(v) > MAX_SCORE_EXAMPLES or max(v) >= MAX_CLASSES:
        raise DatasetError(f"[data] {key} may hold at most {MAX_SCORE_EXAMPLES} examples of classes 0 to "
                           f"{MAX_CLASSES - 1}; got {len(v)} examples, highest class {max(v)}")
    return v


def _names(key, v):
    if not (isinstance(v, list) and v and all(isinstance(i, str) and i for i in v)):
        raise DatasetError(f"[data] {key} must be a list of non-empty strings; got {v!r}")
    return v


def _column(key, v):
    if isinstance(v, bool) or not isinstance(v, (str, int)) or v == "":
        raise DatasetError(f"[data] {key} must be a column name (string) or a 0-based index (integer, "
                           f"negative counts from the end); got {v!r}")
    return v


# Every key is accepted with every name (and ignored where it does not apply), so switching datasets in
# the app never invalidates the rest of the table.
OPTIONS = {
    "name": (None, _one_of(*BUILTIN_NAMES)),
    "n": (300, _integer(1, 100_000)),
    "seed": (0, _integer(0, 2**63 - 1)),
    "classes": (3, _integer(2, 10)),
    "overlap": (1.0, _real(0.0)),
    "path": (None, _string),
    "label_column": (-1, _column),
    "header": ("auto", _one_of("auto", True, False)),
    "subsample": (2000, _integer(1, 50_000)),
    "grayscale": (False, _flag),
    "labels": (None, _labels),  # scores: one label per example
    "class_names": (None, _names),  # scores: a name per class
    "downsample": (1, _one_of(1, 2, 4)),
    "val_fraction": (None, _real(0.0, 0.9)),  # None: 0.0 for synthetic sets, 0.2 for real data
    "standardize": (True, _flag),
}


def _options(data):
    if not isinstance(data, dict):
        raise DatasetError(f"[data] must be a table like {{name = \"blobs\"}}; got {data!r}")
    unknown = sorted(set(data) - set(OPTIONS), key=str)
    if unknown:
        raise DatasetError(f"[data] has no key {unknown[0]!r}; allowed: {', '.join(OPTIONS)}")
    if "name" not in data:
        raise DatasetError(f"[data] needs a name; one of {', '.join(map(repr, BUILTIN_NAMES))}")
    opt = {k: check(k, data[k]) if k in data else default for k, (default, check) in OPTIONS.items()}
    name = opt["name"]
    if opt["val_fraction"] is None:
        opt["val_fraction"] = 0.0 if name in SYNTHETIC else 0.2
    if name in ("csv", "cifar10") and opt["path"] is None:
        what = "the CSV file" if name == "csv" else "the folder holding data_batch_1..5 and test_batch"
        raise DatasetError(f"[data] path is required for name = {name!r} ({what})")
    k = {"blobs": opt["classes"], "spiral": opt["classes"], "linear": 3, "nonlinear": 3}.get(name)
    if k is not None and opt["n"] < k:
        raise DatasetError(f"[data] n must be at least {k} (one example per class) for {name}; "
                           f"got {opt['n']}")
    return opt


# ------------------------------------------------------------------------------------------ load
def load(data: dict) -> Dataset:
    """The dataset that a config's [data] table describes, split and preprocessed."""
    opt = _options(data)
    name, seed = opt["name"], opt["seed"]
    if name == "scores":
        return _scores(opt)
    if name in SYNTHETIC:
        X, y, classes, features = _synthetic(name, opt)
        return _prepare(name, *_split(X, y, opt["val_fraction"], seed, name), classes, features, None,
                        opt["standardize"], name)
    if name == "iris":
        X, y, classes, features = _iris()
        return _prepare(name, *_split(X, y, opt["val_fraction"], seed, name), classes, features, None,
                        opt["standardize"], name)
    if name == "digits":
        X, y, classes, features = _digits()
        return _prepare(name, *_split(X, y, opt["val_fraction"], seed, name), classes, features, (8, 8),
                        opt["standardize"], name)
    path = os.path.expanduser(opt["path"])
    if name == "csv":
        X, y, classes, features = _read_csv(path, opt["label_column"], opt["header"])
        return _prepare(name, *_split(X, y, opt["val_fraction"], seed, path), classes, features, None,
                        opt["standardize"], path)
    return _cifar10(path, opt, subsample_given="subsample" in data)


def _scores(opt):
    """The lecture's worked examples: example n has the one-hot features e_n, so its scores are row n of
    W, and a [start] W (N x C) holds the scores themselves. No split, no scaling, and no bias column:
    a shared bias row would couple the examples, which the lecture's examples are not."""
    labels = opt["labels"]
    if labels is None:
        raise DatasetError("[data] labels is required for name = 'scores' (one class index per example)")
    names = opt["class_names"] or [f"class {c}" for c in range(max(max(labels) + 1, 2))]
    check_labels(labels, len(names),
                 lambda low, high: f"[data] class_names names {len(names)} classes but labels use {high + 1}")
    N = len(labels)
    return Dataset(name="scores", X=np.eye(N), y=np.array(labels, dtype=np.int64), X_val=np.zeros((0, N)),
                   y_val=np.zeros(0, np.int64), class_names=list(names),
                   feature_names=[f"example {n}" for n in range(N)], image_shape=None)


def _split(X, y, fraction, seed, source):
    """A seeded random split; both parts keep the file's order so views stay stable across seeds."""
    n = len(y)
    m = min(int(round(fraction * n)), n - 1)
    perm = np.random.default_rng((seed, 1)).permutation(n)
    val, train = np.sort(perm[:m]), np.sort(perm[m:])
    if len(np.unique(y[train])) < 2:
        raise DatasetError(f"{source}: after the validation split the training set holds a single class; "
                           f"lower val_fraction")
    return X[train], y[train], X[val], y[val]
