"""What every loader shares: the `Dataset` it returns, the `DatasetError` it raises, the label-range
check, file reading with one-line errors, and the final preprocessing step (`_prepare`)."""

from dataclasses import dataclass, field

import numpy as np

from ...i18n import N_
from ..reading import read_file


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
    notes: list = field(default_factory=list)  # what the user should know (shown once, one line each)

    @property
    def C(self):
        return len(self.class_names)

    @property
    def D(self):
        return self.X.shape[1]

    @property
    def N(self):
        return self.X.shape[0]


def check_labels(labels, n_classes, message):
    """Every label (a list of ints) is a class index 0..n_classes-1; otherwise a DatasetError whose text
    is `message(lowest, highest)`, so each caller keeps its own wording."""
    if labels and not 0 <= min(labels) <= max(labels) < n_classes:
        raise DatasetError(message(min(labels), max(labels)))


MAX_FILE_BYTES = 300 << 20  # a CSV or CIFAR batch file; more would not fit in memory once parsed


def _read_bytes(path, what="file"):
    return read_file(path, MAX_FILE_BYTES, DatasetError, what,
                     hint=": use a subsample (for a CSV, e.g. head -n 50001 big.csv > part.csv)")


def _short(text, limit=40):
    r = repr(text)
    return r if len(r) <= limit else r[:limit - 4] + "...'"


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
                   feature_names=[*map(str, feature_names), N_("bias")],
                   image_shape=image_shape)
