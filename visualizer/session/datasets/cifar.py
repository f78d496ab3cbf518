"""The user's CIFAR-10 copy (the python version's folder): the batches read through the restricted
unpickler, the class names, a seeded subsample, and the images as (h, w[, 3]) features."""

import math
import os

import numpy as np

from ...i18n import N_
from .base import DatasetError, _prepare, check_labels
from .unpickler import _array, _ArrayState, _unpickle

CIFAR_CLASSES = (N_("airplane"), N_("automobile"), N_("bird"), N_("cat"), N_("deer"), N_("dog"), N_("frog"),
                 N_("horse"), N_("ship"), N_("truck"))
CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_FILES = CIFAR_TRAIN + ("test_batch",)
CIFAR_SIDE = 32


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
    check_labels(labels, n_classes, lambda low, high: f"{path}: labels must be 0..{n_classes - 1}; "
                                                      f"found {low}..{high}")
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


def _cifar10(folder, opt, subsample_given=True):
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
    notes = []
    if total < k:
        if subsample_given:
            raise DatasetError(f"{folder}: subsample = {k} but the training batches hold only {total} images")
        notes.append(f"{folder}: the training batches hold {total} images, fewer than the default subsample "
                     f"of {k}: using all of them")
        k = total
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
    data = _prepare("cifar10", _images(X, gray, factor), y, _images(test_X[pick], gray, factor), test_y[pick],
                    class_names, features, image_shape, opt["standardize"], folder)
    data.notes += notes
    return data
