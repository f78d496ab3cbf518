"""Datasets for the landscapes: toy 2-D sets, shipped iris and digits, the user's CIFAR-10 copy and CSV files.

`load(config["data"])` returns a `Dataset` ready for the kernels: split, standardized with training
statistics, bias column last. Files a user points at are untrusted, so every failure is a one-line
`DatasetError` naming the file and the line or batch (the app shows it, the command line exits 2), and
CIFAR pickles go through an unpickler that can build nothing but containers, numbers and numeric arrays.
Qt-free and numpy-only, so the command line and the tests use it as is.
"""

import csv
import gzip
import importlib.resources
import io
import math
import os
import pickle
import pickletools
import re
import warnings
from dataclasses import dataclass

import numpy as np

BUILTIN_NAMES = ("blobs", "spiral", "linear", "nonlinear", "demo", "iris", "digits", "csv", "cifar10", "scores")
SYNTHETIC = ("blobs", "spiral", "linear", "nonlinear", "demo")
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_FILES = CIFAR_TRAIN + ("test_batch",)
CIFAR_SIDE = 32
MAX_CLASSES = 100  # more distinct CSV labels almost always means the wrong label column


class DatasetError(ValueError):
    """A one-line message naming the key or the file (and line or batch) and what is wrong."""


@dataclass
class Dataset:
    """Features after preprocessing with the bias column of ones last; labels are 0..C-1."""
    name: str
    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    class_names: list
    feature_names: list
    image_shape: tuple | None = None

    @property
    def C(self):
        return len(self.class_names)

    @property
    def D(self):
        return self.X.shape[1]

    @property
    def N(self):
        return self.X.shape[0]


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


def _labels(key, v):
    if not (isinstance(v, list) and v and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0
                                              for i in v)):
        raise DatasetError(f"[data] {key} must be a non-empty list of class indices (integers >= 0); got {v!r}")
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
    return _cifar10(path, opt)


def _scores(opt):
    """The lecture's worked examples: example n has the one-hot features e_n, so its scores are row n of
    W, and a [start] W (N x C) holds the scores themselves. No split, no scaling, and no bias column:
    a shared bias row would couple the examples, which the lecture's examples are not."""
    labels = opt["labels"]
    if labels is None:
        raise DatasetError("[data] labels is required for name = 'scores' (one class index per example)")
    C = max(max(labels) + 1, 2 if opt["class_names"] is None else len(opt["class_names"]))
    names = opt["class_names"] or [f"class {c}" for c in range(C)]
    if len(names) < C:
        raise DatasetError(f"[data] class_names names {len(names)} classes but labels use {C}")
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


def _prepare(name, X, y, X_val, y_val, class_names, feature_names, image_shape, standardize, source):
    """Centre and scale with training statistics only (the validation set must not leak into them)."""
    X = np.asarray(X, dtype=np.float64)
    X_val = np.asarray(X_val, dtype=np.float64).reshape(-1, X.shape[1])
    if standardize:
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X.mean(axis=0)
            std = X.std(axis=0)
        if not (np.isfinite(mean).all() and np.isfinite(std).all()):
            raise DatasetError(f"{source}: feature values are too large to standardize")
        # A constant feature (e.g. a border pixel) is only centred: scaling would divide by ~0.
        scale = np.where(std > 1e-12 * np.abs(X).max(axis=0, initial=0.0), std, 1.0)
        X = (X - mean) / scale
        X_val = (X_val - mean) / scale
    if not (np.isfinite(X).all() and np.isfinite(X_val).all()):
        raise DatasetError(f"{source}: feature values are too large")
    X = np.hstack([X, np.ones((len(X), 1))])
    X_val = np.hstack([X_val, np.ones((len(X_val), 1))])
    return Dataset(name=name, X=np.ascontiguousarray(X), y=np.asarray(y, dtype=np.int64),
                   X_val=np.ascontiguousarray(X_val), y_val=np.asarray(y_val, dtype=np.int64),
                   class_names=[str(c) for c in class_names],
                   feature_names=[*map(str, feature_names), "bias"],
                   image_shape=image_shape)


# ------------------------------------------------------------------------------------------ synthetic
# A small hand-placed set in the style of the CS231n linear-classification web demo: three points per
# class, one class per region of the plane, so a teacher can reproduce the demo's pictures.
DEMO_POINTS = (
    # x1,    x2,   class
    (0.50, 0.40, 0),
    (0.80, 0.30, 0),
    (0.30, 0.80, 0),
    (-0.40, 0.30, 1),
    (-0.30, 0.70, 1),
    (-0.70, 0.20, 1),
    (0.30, -0.50, 2),
    (-0.10, -0.80, 2),
    (-0.50, -0.40, 2),
)


def _per_class(n, k):
    return np.repeat(np.arange(k), [n // k + (i < n % k) for i in range(k)])


def _synthetic(name, opt):
    rng = np.random.default_rng((opt["seed"], 0))
    n, k = opt["n"], opt["classes"]
    if name == "demo":
        table = np.array(DEMO_POINTS)
        X, y = table[:, :2], table[:, 2].astype(np.int64)
    elif name == "blobs":
        # Centres on a circle, rotated off the axes so that no feature is constant even at overlap 0.
        angle = 2 * np.pi * np.arange(k) / k + np.pi / 6
        y = _per_class(n, k)
        X = 2.0 * np.c_[np.cos(angle), np.sin(angle)][y] + 0.7 * opt["overlap"] * rng.normal(size=(n, 2))
    elif name == "spiral":
        # The CS231n spiral: each arm sweeps 4 radians while the radius grows from 0 to 1.
        y = _per_class(n, k)
        X = np.empty((n, 2))
        for j in range(k):
            idx = np.flatnonzero(y == j)
            r = np.linspace(0.0, 1.0, len(idx))
            t = np.linspace(4.0 * j, 4.0 * (j + 1), len(idx)) + 0.2 * rng.normal(size=len(idx))
            X[idx] = np.c_[r * np.sin(t), r * np.cos(t)]
    elif name == "linear":
        # Three 120-degree sectors, kept 0.25 rad and radius 0.2 away from their borders: the unit vectors
        # through the sector centres separate the classes, so a zero-loss W exists.
        y = _per_class(n, 3)
        centre = np.pi / 2 + 2 * np.pi * y / 3
        t = centre + rng.uniform(-(np.pi / 3 - 0.25), np.pi / 3 - 0.25, size=n)
        r = np.sqrt(rng.uniform(0.04, 1.0, size=n))
        X = np.c_[r * np.cos(t), r * np.sin(t)]
    else:  # nonlinear: concentric rings; every ring's convex hull holds the inner rings
        y = _per_class(n, 3)
        r = (y + 1) / 3 + 0.04 * rng.normal(size=n)
        t = rng.uniform(0, 2 * np.pi, size=n)
        X = np.c_[r * np.cos(t), r * np.sin(t)]
    C = 3 if name in ("demo", "linear", "nonlinear") else k
    return X, y, [f"class {c}" for c in range(C)], ["x1", "x2"]


# ------------------------------------------------------------------------------------------ shipped
def _resource(filename):
    try:
        return (importlib.resources.files("visualizer.resources") / "data" / filename).read_bytes()
    except (OSError, ModuleNotFoundError) as e:
        raise DatasetError(f"shipped data file resources/data/{filename} cannot be read "
                           f"({e.__class__.__name__}); reinstall Losscape") from None


def _iris():
    """scikit-learn's file: a first line 'count,features,class names...', then 4 numbers and the class."""
    lines = _resource("iris.csv").decode("ascii").splitlines()
    classes = lines[0].split(",")[2:]
    table = np.loadtxt(lines[1:], delimiter=",")
    features = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    return table[:, :4], table[:, 4].astype(np.int64), classes, features


def _digits():
    """The gzip CSV without header: 64 pixel counts (row-major 8x8) and the digit."""
    text = gzip.decompress(_resource("digits.csv.gz")).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",")
    features = [f"pixel {r},{c}" for r in range(8) for c in range(8)]
    return table[:, :64], table[:, 64].astype(np.int64), [str(d) for d in range(10)], features


# ------------------------------------------------------------------------------------------ files
def _read_bytes(path, what="file"):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a folder, not a {what}") from None
    except OSError as e:
        raise DatasetError(f"{path}: cannot read: {e.strerror or e}") from None


def _short(text, limit=40):
    r = repr(text)
    return r if len(r) <= limit else r[:limit - 4] + "...'"


def _is_number(s):
    try:
        float(s)
    except ValueError:
        return False
    return True


def _read_csv(path, label_column, header):
    """Parse numeric features and a numeric or text label column, reporting the line of the first problem."""
    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise DatasetError(f"{path}: line {line}: not UTF-8 text") from None
    if not text.strip():
        raise DatasetError(f"{path}: the file is empty")
    first = next(line for line in text.splitlines() if line.strip())
    delimiter = next((d for d in (",", "\t", ";") if d in first), ",")
    rows = []  # (line number, stripped fields)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for fields in reader:
            if len(fields) > 1 or (fields and fields[0].strip()):
                rows.append((reader.line_num, [f.strip() for f in fields]))
    except csv.Error as e:
        raise DatasetError(f"{path}: line {reader.line_num}: {e}") from None
    if not rows:
        raise DatasetError(f"{path}: the file is empty")
    first_line, first = rows[0]
    ncols = len(first)
    if ncols < 2:
        raise DatasetError(f"{path}: line {first_line}: found 1 column; "
                           f"need feature columns and a label column")

    if isinstance(label_column, str):
        if header is False:
            raise DatasetError(f"[data] label_column = {label_column!r} names a column, but header = false")
        if label_column not in first:
            raise DatasetError(f"{path}: line {first_line}: no column named {label_column!r} in the header; "
                               f"columns: {', '.join(map(repr, first))}"[:300])
        has_header, label = True, first.index(label_column)
    else:
        if not -ncols <= label_column < ncols:
            raise DatasetError(f"[data] label_column = {label_column} is out of range: {path} has {ncols} "
                               f"columns (0..{ncols - 1}, or -{ncols}..-1)")
        label = label_column % ncols
        has_header = header if header != "auto" else any(
            not _is_number(f) for i, f in enumerate(first) if i != label)
    features = [i for i in range(ncols) if i != label]
    names = [first[i] or f"column {i}" for i in features] if has_header else [f"column {i}" for i in features]
    data = rows[1:] if has_header else rows
    if not data:
        raise DatasetError(f"{path}: no data rows after the header on line {first_line}")

    X = np.empty((len(data), len(features)))
    labels = []
    for r, (line, fields) in enumerate(data):
        if len(fields) != ncols:
            raise DatasetError(f"{path}: line {line}: {len(fields)} fields, expected {ncols} "
                               f"(as on line {first_line})")
        for j, i in enumerate(features):
            try:
                v = float(fields[i])
            except ValueError:
                what = "empty field" if not fields[i] else f"not a number: {_short(fields[i])}"
                raise DatasetError(f"{path}: line {line}, column {_short(names[j], 30)}: {what}") from None
            if not math.isfinite(v):
                raise DatasetError(f"{path}: line {line}, column {_short(names[j], 30)}: "
                                   f"{_short(fields[i])} is not finite (NaN or inf)")
            X[r, j] = v
        if not fields[label]:
            raise DatasetError(f"{path}: line {line}: empty label")
        labels.append(fields[label])
    y, classes = _classes(path, labels, [line for line, _ in data])
    return X, y, classes, names


def _classes(path, labels, lines):
    """Numeric labels sort numerically (so label 0 is class 0); text labels sort alphabetically."""
    try:
        values = np.array([float(s) for s in labels])
    except ValueError:
        values = None
    if values is not None:
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise DatasetError(f"{path}: line {lines[bad[0]]}: label {_short(labels[bad[0]])} is not finite")
        uniq, y = np.unique(values, return_inverse=True)
        names = [str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:g}" for v in uniq.tolist()]
    else:
        names = sorted(set(labels))
        index = {name: c for c, name in enumerate(names)}
        y = np.array([index[s] for s in labels])
    if len(names) < 2:
        raise DatasetError(f"{path}: every row has the label {_short(names[0])}; "
                           f"a classifier needs two classes")
    if len(names) > MAX_CLASSES:
        raise DatasetError(f"{path}: {len(names)} distinct labels, at most {MAX_CLASSES} classes "
                           f"(is label_column the right column?)")
    return y.astype(np.int64).reshape(-1), names


# ------------------------------------------------------------------------------------------ CIFAR-10
class _Refused(Exception):
    """A global outside the allow-list; turned into a DatasetError that names the batch."""


_NDARRAY = object()  # stands for numpy.ndarray: only ever compared, never called


class _DTypeState:
    """Stands for numpy.dtype while unpickling; checked against numeric types after loading."""

    def __init__(self, spec):
        self.spec, self.endian = spec, "|"

    def __setstate__(self, state):
        if not (isinstance(state, tuple) and len(state) >= 2 and state[1] in ("<", ">", "|", "=", b"<", b">",
                                                                               b"|", b"=")):
            raise ValueError("bad dtype state")
        self.endian = state[1].decode() if isinstance(state[1], bytes) else state[1]


class _ArrayState:
    """Stands for numpy.ndarray while unpickling: records shape, dtype and raw bytes, builds nothing."""

    def __init__(self, shape=None, dtype=None, raw=None, fortran=False):
        self.shape, self.dtype, self.raw, self.fortran = shape, dtype, raw, fortran

    def __setstate__(self, state):
        if not (isinstance(state, tuple) and len(state) in (4, 5)):
            raise ValueError("bad array state")
        self.shape, self.dtype, self.fortran, self.raw = state[-4:]


def _reconstruct(subtype, shape, dtype):
    if subtype is not _NDARRAY:
        raise ValueError("_reconstruct of something other than numpy.ndarray")
    return _ArrayState()


def _dtype(spec, align=False, copy=False):
    return _DTypeState(spec)


def _frombuffer(buf, dtype, shape, order):
    if not isinstance(buf, (bytes, bytearray, memoryview, pickle.PickleBuffer)):
        raise ValueError("_frombuffer of something other than a buffer")
    return _ArrayState(shape, dtype, bytes(buf), order in ("F", b"F"))


def _encode(text, encoding):
    """Python 3 pickles bytes at protocol 2 as _codecs.encode(str, 'latin1')."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise ValueError("_codecs.encode with unexpected arguments")
    return text.encode("latin1")


def _scalar(dtype, raw):
    return _array(_ArrayState((), dtype, raw)).item()


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.multiarray", "scalar"): _scalar,
    ("numpy._core.multiarray", "scalar"): _scalar,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _dtype,
    ("_codecs", "encode"): _encode,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the few numpy globals that arrays need, each to a harmless stand-in: a crafted or
    corrupt batch cannot import or call anything else, and numpy never sees attacker-chosen state."""

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except (KeyError, TypeError):
            raise _Refused(f"{module}.{name}") from None

    def persistent_load(self, pid):
        raise _Refused("a persistent id")


def _array(state):
    """A numeric numpy array from a recorded state, checked so numpy only ever reads plain bytes."""
    if not isinstance(state, _ArrayState) or not isinstance(state.dtype, _DTypeState):
        raise ValueError("not an array")
    spec = state.dtype.spec.decode("ascii") if isinstance(state.dtype.spec, bytes) else state.dtype.spec
    if not (isinstance(spec, str) and re.fullmatch(r"[uif][1248]|b1", spec)):
        raise ValueError(f"array type {spec!r} is not numeric")
    dtype = np.dtype(spec)
    if state.dtype.endian in "<>" and dtype.itemsize > 1:
        dtype = dtype.newbyteorder(state.dtype.endian)
    shape = state.shape
    if not (isinstance(shape, tuple) and len(shape) <= 4
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape)):
        raise ValueError("bad array shape")
    raw = state.raw
    if not isinstance(raw, (bytes, bytearray)) or len(raw) != math.prod(shape) * dtype.itemsize:
        raise ValueError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if state.fortran else "C")


MAX_MEMO = 1_000_000  # a real batch memoizes ~20000 objects
_MEMO_OPS = {"PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET"}


def _check_opcodes(raw):
    """Walk the opcode stream without running it. The C unpickler sizes its memo by the largest index it
    is given, so one corrupt PUT could otherwise allocate and zero gigabytes."""
    with warnings.catch_warnings():  # decoding a corrupt string opcode warns about its escapes
        warnings.simplefilter("ignore", DeprecationWarning)
        for op, arg, pos in pickletools.genops(raw):
            if op.name in _MEMO_OPS and not 0 <= arg < MAX_MEMO:
                raise ValueError(f"memo index {arg} at byte {pos}")


def _unpickle(path):
    raw = _read_bytes(path, "file")
    if not raw:
        raise DatasetError(f"{path}: the file is empty; re-extract the CIFAR-10 archive")
    try:
        _check_opcodes(raw)
    except ValueError as e:
        detail = " ".join(str(e).split())[:80]
        kind = "truncated" if "exhausted" in detail or "remain" in detail else "corrupt"
        raise DatasetError(f"{path}: {kind} pickle ({detail})") from None
    try:
        return _RestrictedUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except _Refused as e:
        raise DatasetError(f"{path}: refuses to load {_short(str(e), 80)}: a CIFAR-10 batch holds only "
                           f"arrays, lists and numbers (corrupt or malicious file)") from None
    except Exception as e:  # noqa: BLE001 - arbitrary bytes can raise anything from the unpickler
        detail = " ".join(str(e).split())[:80]
        raise DatasetError(f"{path}: truncated or corrupt pickle ({type(e).__name__}: {detail})") from None


def _get(d, key):
    return d.get(key.encode(), d.get(key))


def _batch(path, n_classes):
    """The (n, 3072) uint8 images and (n,) labels of one batch, shape and range checked."""
    obj = _unpickle(path)
    if not isinstance(obj, dict):
        raise DatasetError(f"{path}: not a CIFAR-10 batch (expected a dict with data and labels)")
    data, labels = _get(obj, "data"), _get(obj, "labels")
    if data is None or labels is None:
        raise DatasetError(f"{path}: not a CIFAR-10 batch (no 'data' or no 'labels' entry)")
    try:
        data = _array(data)
    except (ValueError, TypeError, UnicodeDecodeError) as e:
        raise DatasetError(f"{path}: bad 'data' array: {e}") from None
    width = 3 * CIFAR_SIDE * CIFAR_SIDE
    if data.ndim != 2 or data.shape[1] != width or data.dtype.kind not in "ui":
        raise DatasetError(f"{path}: 'data' must be an integer array of shape (n, {width}); "
                           f"got {data.dtype} {data.shape}")
    if data.size and (data.min() < 0 or data.max() > 255):
        raise DatasetError(f"{path}: 'data' values must be 0..255")
    if isinstance(labels, _ArrayState):
        try:
            labels = _array(labels).tolist()
        except (ValueError, TypeError, UnicodeDecodeError) as e:
            raise DatasetError(f"{path}: bad 'labels' array: {e}") from None
    if not (isinstance(labels, list)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in labels)):
        raise DatasetError(f"{path}: 'labels' must be a list of integers")
    if len(labels) != len(data):
        raise DatasetError(f"{path}: {len(labels)} labels for {len(data)} images")
    if labels and not 0 <= min(labels) <= max(labels) < n_classes:
        raise DatasetError(f"{path}: labels must be 0..{n_classes - 1}; found {min(labels)}..{max(labels)}")
    return data.astype(np.uint8, copy=False), np.array(labels, dtype=np.int64)


def _cifar_names(folder):
    path = os.path.join(folder, "batches.meta")
    if not os.path.isfile(path):
        return list(CIFAR_CLASSES)
    meta = _unpickle(path)
    names = _get(meta, "label_names") if isinstance(meta, dict) else None
    if not (isinstance(names, list) and len(names) >= 2 and all(isinstance(s, (bytes, str)) for s in names)):
        raise DatasetError(f"{path}: expected a dict with 'label_names', a list of at least 2 names")
    return [s.decode("utf-8", "replace") if isinstance(s, bytes) else s for s in names]


def _images(data, grayscale, factor):
    """uint8 (n, 3072) in CIFAR's channel-major layout -> float features flattened as (h, w[, 3])."""
    s = CIFAR_SIDE
    img = data.reshape(-1, 3, s, s).astype(np.float64)
    if grayscale:
        img = np.tensordot(np.array([0.299, 0.587, 0.114]), img, axes=([0], [1]))[:, None]
    if factor > 1:
        img = img.reshape(len(img), img.shape[1], s // factor, factor, s // factor, factor).mean(axis=(3, 5))
    img = img[:, 0] if grayscale else img.transpose(0, 2, 3, 1)
    return img.reshape(len(img), math.prod(img.shape[1:]))


def _cifar10(folder, opt):
    """Training images from data_batch_1..5 (a seeded uniform subsample), validation images from
    test_batch (val_fraction of all kept images), so the app stays interactive on a laptop."""
    if not os.path.exists(folder):
        raise DatasetError(f"{folder}: no such folder")
    if not os.path.isdir(folder):
        raise DatasetError(f"{folder}: not a folder; path must be the folder holding data_batch_1..5 and "
                           f"test_batch (the CIFAR-10 python version)")
    missing = [f for f in CIFAR_FILES if not os.path.isfile(os.path.join(folder, f))]
    if missing:
        raise DatasetError(f"{folder}: missing CIFAR-10 batches: {', '.join(missing)} "
                           f"(expected data_batch_1..5 and test_batch, the python version)")
    class_names = _cifar_names(folder)
    k, fraction = opt["subsample"], opt["val_fraction"]
    rng = np.random.default_rng((opt["seed"], 2))

    # Keep the k images with the smallest random keys, one batch at a time: a uniform sample without ever
    # holding all 50000 images.
    keep_X = np.empty((0, 3 * CIFAR_SIDE ** 2), np.uint8)
    keep_y = keep_key = keep_pos = np.empty(0, np.int64)
    total = 0
    for f in CIFAR_TRAIN:
        data, labels = _batch(os.path.join(folder, f), len(class_names))
        keys = rng.random(len(labels))
        keep_X, keep_y = np.concatenate([keep_X, data]), np.concatenate([keep_y, labels])
        keep_key = np.concatenate([keep_key, keys])
        keep_pos = np.concatenate([keep_pos, total + np.arange(len(labels))])
        best = np.argsort(keep_key, kind="stable")[:k]
        keep_X, keep_y, keep_key, keep_pos = keep_X[best], keep_y[best], keep_key[best], keep_pos[best]
        total += len(labels)
    if total < k:
        raise DatasetError(f"{folder}: subsample = {k} but the training batches hold only {total} images")
    order = np.argsort(keep_pos)
    X, y = keep_X[order], keep_y[order]
    if len(np.unique(y)) < 2:
        raise DatasetError(f"{folder}: the training images kept all have one class; a classifier needs two")

    test = os.path.join(folder, "test_batch")
    test_X, test_y = _batch(test, len(class_names))
    m = min(int(round(k * fraction / (1.0 - fraction))), len(test_y))
    pick = np.sort(rng.permutation(len(test_y))[:m])

    factor, gray = opt["downsample"], opt["grayscale"]
    side = CIFAR_SIDE // factor
    image_shape = (side, side) if gray else (side, side, 3)
    if gray:
        features = [f"pixel {r},{c}" for r in range(side) for c in range(side)]
    else:
        features = [f"pixel {r},{c} {ch}" for r in range(side) for c in range(side)
                    for ch in ("red", "green", "blue")]
    return _prepare("cifar10", _images(X, gray, factor), y, _images(test_X[pick], gray, factor), test_y[pick],
                    class_names, features, image_shape, opt["standardize"], folder)
