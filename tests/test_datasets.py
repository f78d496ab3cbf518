"""Datasets: documented shapes, seeding, preprocessing, and one clear DatasetError per kind of bad input."""

import os
import pickle
import shutil
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscape_lab.visualizer.session.datasets import BUILTIN_NAMES, CIFAR_CLASSES, DEMO_POINTS, Dataset, DatasetError, load

SYNTHETIC = ("blobs", "spiral", "linear", "nonlinear", "demo")


def check(d, N, M, D, C):
    """Shapes, dtypes and the bias column every dataset promises."""
    assert isinstance(d, Dataset)
    assert (d.N, d.D, d.C) == (N, D, C)
    assert d.X.shape == (N, D) and d.X_val.shape == (M, D)
    assert d.y.shape == (N,) and d.y_val.shape == (M,)
    assert d.X.dtype == d.X_val.dtype == np.float64 and d.y.dtype == d.y_val.dtype == np.int64
    assert len(d.class_names) == C and len(d.feature_names) == D and d.feature_names[-1] == "bias"
    assert np.all(d.X[:, -1] == 1.0) and np.all(d.X_val[:, -1] == 1.0)
    assert d.y.min() >= 0 and max(d.y.max(), d.y_val.max(initial=0)) < C
    assert np.isfinite(d.X).all() and np.isfinite(d.X_val).all()


# ------------------------------------------------------------------------------------------ built in
@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_defaults(name):
    d = load({"name": name})
    check(d, 9 if name == "demo" else 300, 0, 3, 3)
    assert d.name == name and d.image_shape is None
    assert set(d.y.tolist()) == {0, 1, 2}


@pytest.mark.parametrize("name", ["blobs", "spiral"])
def test_classes_and_n(name):
    d = load({"name": name, "classes": 5, "n": 101, "overlap": 0.3, "val_fraction": 0.1})
    check(d, 91, 10, 3, 5)
    assert np.bincount(np.concatenate([d.y, d.y_val])).tolist() == [21, 20, 20, 20, 20]


def test_iris():
    d = load({"name": "iris"})
    check(d, 120, 30, 5, 3)
    assert d.class_names == ["setosa", "versicolor", "virginica"]
    assert np.bincount(np.concatenate([d.y, d.y_val])).tolist() == [50, 50, 50]
    assert d.image_shape is None


def test_digits():
    d = load({"name": "digits", "val_fraction": 0.0})
    check(d, 1797, 0, 65, 10)
    assert d.image_shape == (8, 8) and d.class_names == [str(i) for i in range(10)]
    raw = load({"name": "digits", "val_fraction": 0.0, "standardize": False})
    assert raw.X[:, :-1].min() == 0 and raw.X[:, :-1].max() == 16


def test_demo_is_the_literal_table():
    d = load({"name": "demo", "standardize": False})
    table = np.array(DEMO_POINTS)
    assert np.array_equal(d.X[:, :2], table[:, :2]) and np.array_equal(d.y, table[:, 2])
    assert np.abs(table[:, :2]).max() <= 1.0 and np.bincount(d.y).tolist() == [3, 3, 3]


def test_linear_is_separable():
    d = load({"name": "linear", "standardize": False})
    angle = np.pi / 2 + 2 * np.pi * np.arange(3) / 3
    W = np.vstack([np.cos(angle), np.sin(angle)])
    assert np.array_equal((d.X[:, :2] @ W).argmax(axis=1), d.y)


def test_nonlinear_rings_are_nested():
    d = load({"name": "nonlinear", "standardize": False})
    radius = np.hypot(d.X[:, 0], d.X[:, 1])
    assert radius[d.y == 0].max() < radius[d.y == 1].min() and radius[d.y == 1].max() < radius[d.y == 2].min()


@pytest.mark.parametrize("name", ["blobs", "spiral", "linear", "nonlinear", "iris"])
def test_seeded(name):
    opt = {"name": name, "val_fraction": 0.2}
    a, b, c = load({**opt, "seed": 3}), load({**opt, "seed": 3}), load({**opt, "seed": 4})
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y) and np.array_equal(a.X_val, b.X_val)
    assert not (a.X.shape == c.X.shape and np.array_equal(a.X, c.X))


@pytest.mark.parametrize("name", ["blobs", "demo", "iris", "digits"])
def test_standardized_with_training_statistics(name):
    d = load({"name": name, "val_fraction": 0.3})
    raw = load({"name": name, "val_fraction": 0.3, "standardize": False})
    F, R = d.X[:, :-1], raw.X[:, :-1]
    assert np.allclose(F.mean(axis=0), 0.0, atol=1e-9)
    varying = R.std(axis=0) > 0
    assert np.allclose(F.std(axis=0)[varying], 1.0) and np.allclose(F[:, ~varying], 0.0)
    # The validation split goes through the same (training) transform.
    mean, std = R.mean(axis=0), np.where(varying, R.std(axis=0), 1.0)
    assert np.allclose(d.X_val[:, :-1], (raw.X_val[:, :-1] - mean) / std)
    assert np.array_equal(d.y_val, raw.y_val) and len(d.y_val) > 0


@pytest.mark.parametrize("data, words", [
    ({"name": "blobs", "size": 3}, ["'size'", "allowed", "overlap"]),
    ({"n": 3}, ["name", "blobs"]),
    ({"name": "mnist"}, ["name", "'cifar10'"]),
    ({"name": "blobs", "n": "300"}, ["n", "integer"]),
    ({"name": "blobs", "n": 2.0}, ["n", "integer"]),
    ({"name": "blobs", "n": 0}, ["n", "from 1"]),
    ({"name": "blobs", "n": 2, "classes": 3}, ["n", "at least 3"]),
    ({"name": "blobs", "seed": -1}, ["seed"]),
    ({"name": "blobs", "seed": True}, ["seed"]),
    ({"name": "blobs", "classes": 1}, ["classes", "from 2"]),
    ({"name": "blobs", "overlap": -0.5}, ["overlap", ">= 0"]),
    ({"name": "blobs", "overlap": float("nan")}, ["overlap"]),
    ({"name": "iris", "val_fraction": 0.95}, ["val_fraction", "0.9"]),
    ({"name": "iris", "standardize": 1}, ["standardize", "true or false"]),
    ({"name": "cifar10", "path": "x", "downsample": 3}, ["downsample", "1, 2, 4"]),
    ({"name": "cifar10", "path": "x", "downsample": True}, ["downsample"]),
    ({"name": "cifar10", "path": "x", "subsample": 0}, ["subsample"]),
    ({"name": "cifar10", "path": "x", "grayscale": "yes"}, ["grayscale"]),
    ({"name": "csv", "path": "x", "header": 1}, ["header", "'auto'"]),
    ({"name": "csv", "path": "x", "label_column": 1.5}, ["label_column"]),
    ({"name": "csv"}, ["path", "required"]),
    ({"name": "cifar10", "path": 3}, ["path", "string"]),
    ("blobs", ["[data]", "table"]),
])
def test_bad_options(data, words):
    with pytest.raises(DatasetError) as e:
        load(data)
    msg = str(e.value)
    assert "\n" not in msg and all(w in msg for w in words), msg


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_every_builtin_name_loads(name, cifar, tmp_path):
    """Every allowed name has a loader: a minimal [data] table loads (csv, cifar10 and scores need more)."""
    extra = {"csv": lambda: {"path": write(tmp_path, "".join(f"{i},{i * i},{i % 2}\n" for i in range(6)))},
             "cifar10": lambda: {"path": str(cifar[0]), "subsample": 10},
             "scores": lambda: {"labels": [0, 1]}}
    d = load({"name": name, **extra.get(name, dict)()})
    assert isinstance(d, Dataset) and d.name == name and d.N >= 2 and d.C >= 2
    assert d.y.min() >= 0 and max(d.y.max(), d.y_val.max(initial=0)) < d.C
    if name != "scores":  # the scores set's features are one-hot examples, with no bias column
        check(d, d.N, len(d.y_val), d.D, d.C)


def test_unknown_name_lists_the_allowed_names():
    with pytest.raises(DatasetError) as e:
        load({"name": "mnist"})
    assert "mnist" in str(e.value) and all(repr(n) in str(e.value) for n in BUILTIN_NAMES), str(e.value)


def test_scores_set_makes_each_example_a_row_of_w():
    d = load({"name": "scores", "labels": [0, 2], "class_names": ["cat", "car", "frog"]})
    np.testing.assert_array_equal(d.X, np.eye(2))
    assert d.C == 3 and list(d.y) == [0, 2] and d.class_names == ["cat", "car", "frog"]
    with pytest.raises(DatasetError, match="labels is required"):
        load({"name": "scores"})
    with pytest.raises(DatasetError, match="class_names names 2 classes but labels use 3"):
        load({"name": "scores", "labels": [2], "class_names": ["a", "b"]})


# ------------------------------------------------------------------------------------------ CSV
def write(tmp_path, content, name="data.csv"):
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(p)


def test_csv_header_and_text_labels(tmp_path):
    rows = ["height,weight,kind"] + [f"{i},{i * 7 % 5 + 0.5},{'cat' if i % 2 else 'dog'}" for i in range(10)]
    d = load({"name": "csv", "path": write(tmp_path, "\n".join(rows) + "\n")})
    check(d, 8, 2, 3, 2)
    assert d.class_names == ["cat", "dog"] and d.feature_names == ["height", "weight", "bias"]
    labels = np.array(["cat", "dog"])[np.concatenate([d.y, d.y_val])]
    assert sorted(labels.tolist()) == ["cat"] * 5 + ["dog"] * 5


def test_csv_no_header_numeric_labels_first_column(tmp_path):
    text = "".join(f"{i % 3 * 2}; {i}; {i * i}\r\n" for i in range(12))
    d = load({"name": "csv", "path": write(tmp_path, text), "label_column": 0, "val_fraction": 0.0,
              "standardize": False})
    check(d, 12, 0, 3, 3)
    assert d.class_names == ["0", "2", "4"] and d.feature_names == ["column 1", "column 2", "bias"]
    assert np.array_equal(d.X[:, 0], np.arange(12)) and np.array_equal(d.y, np.arange(12) % 3)


def test_csv_label_by_name_and_blank_lines(tmp_path):
    text = "a,label,b\n\n1,x,2\n3,y,4\n\n5,x,6\n7,y,8\n"
    d = load({"name": "csv", "path": write(tmp_path, text), "label_column": "label", "val_fraction": 0.0})
    check(d, 4, 0, 3, 2)
    assert d.feature_names == ["a", "b", "bias"] and d.y.tolist() == [0, 1, 0, 1]


def test_csv_header_false_keeps_first_row(tmp_path):
    d = load({"name": "csv", "path": write(tmp_path, "1,2,0\n3,4,1\n5,6,0\n"), "header": False,
              "val_fraction": 0.0})
    assert d.N == 3


@pytest.mark.parametrize("content, words", [
    ("", ["empty"]),
    ("\n  \n", ["empty"]),
    ("a,b,label\n", ["no data rows"]),
    ("1,2,0\n3,4,1\n5,6\n", ["line 3", "2 fields, expected 3"]),
    ("x,y,c\n1,2,0\n3,oops,1\n", ["line 3", "column 'y'", "not a number", "oops"]),
    ("1,2,0\n3,,1\n", ["line 2", "empty field"]),
    ("1,2,0\n3,nan,1\n", ["line 2", "not finite"]),
    ("1,2,0\n3,1_000,1\n", ["line 2", "not a number", "1_000"]),
    ("1,2,0\n\n3,-inf,1\n", ["line 3", "not finite"]),
    ("1,2,0\n3,4,0\n", ["two classes", "'0'"]),
    ("1,2,a\n3,4,\n", ["line 2", "empty label"]),
    ("1,2,0\n3,4,nan\n", ["line 2", "label", "not finite"]),
    ("1\n2\n", ["1 column"]),
    ("1,2,0\n" + "".join(f"{i},1,{i}\n" for i in range(150)), ["distinct labels"]),
    (b"1,2,0\n3,4,\xff\xfe\n", ["line 2", "UTF-8"]),
    ("1,1e308,0\n2,1e308,1\n3,1e308,0\n", ["too large"]),
])
def test_csv_errors(tmp_path, content, words):
    path = write(tmp_path, content)
    with pytest.raises(DatasetError) as e:
        load({"name": "csv", "path": path, "val_fraction": 0.0})
    msg = str(e.value)
    assert path in msg and "\n" not in msg and all(w in msg for w in words), msg


@pytest.mark.parametrize("opts, words", [
    ({"label_column": "kind"}, ["no column named 'kind'"]),
    ({"label_column": 5}, ["label_column", "out of range", "3 columns"]),
    ({"label_column": "c", "header": False}, ["label_column", "header = false"]),
])
def test_csv_label_column_errors(tmp_path, opts, words):
    with pytest.raises(DatasetError) as e:
        load({"name": "csv", "path": write(tmp_path, "a,b,c\n1,2,0\n3,4,1\n"), **opts})
    assert all(w in str(e.value) for w in words), str(e.value)


def test_csv_missing_file_and_folder(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load({"name": "csv", "path": str(tmp_path / "nope.csv")})
    with pytest.raises(DatasetError, match="is a folder"):
        load({"name": "csv", "path": str(tmp_path)})


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def csv_fuzz(scratch, content):
    path = scratch / "fuzz.csv"
    path.write_bytes(content)
    try:
        d = load({"name": "csv", "path": str(path), "val_fraction": 0.25})
    except DatasetError as e:
        assert "\n" not in str(e)
    else:
        check(d, d.N, len(d.y_val), d.D, d.C)


@settings(max_examples=60)
@given(st.binary(max_size=300))
def test_csv_fuzz_bytes(scratch, content):
    csv_fuzz(scratch, content)


@settings(max_examples=80)
@given(st.text(alphabet="0123456789.,;-+e \n\r\tabnifx\"", max_size=200))
def test_csv_fuzz_text(scratch, content):
    csv_fuzz(scratch, content.encode())


# ------------------------------------------------------------------------------------------ CIFAR-10
def py2_pickle(obj):
    """Protocol 2 the way Python 2 and numpy 1.x wrote the real CIFAR-10 batches (str as BINSTRING)."""
    out = bytearray(b"\x80\x02")

    def w(o):
        if isinstance(o, dict):
            out.extend(b"}(")
            for k, v in o.items():
                w(k)
                w(v)
            out.extend(b"u")
        elif isinstance(o, (list, tuple)):
            out.extend(b"](" if isinstance(o, list) else b"(")
            for v in o:
                w(v)
            out.extend(b"e" if isinstance(o, list) else b"t")
        elif isinstance(o, int):
            out.extend(b"K" + bytes([o]) if 0 <= o < 256 else b"J" + struct.pack("<i", o))
        elif isinstance(o, bytes):
            out.extend(b"U" + bytes([len(o)]) + o if len(o) < 256 else b"T" + struct.pack("<I", len(o)) + o)
        else:  # a uint8 ndarray: _reconstruct, then BUILD with (version, shape, dtype, fortran, raw)
            out.extend(b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R(K\x01")
            w(tuple(o.shape))
            out.extend(b"cnumpy\ndtype\nU\x02u1K\x00K\x01\x87R"
                       b"(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89")
            w(o.tobytes())
            out.extend(b"tb")

    w(obj)
    return bytes(out + b".")


PER_BATCH = 12


def fake_batches(rng):
    """Five training batches and a test batch of PER_BATCH random images each, labels cycling 0..9."""
    batches = {}
    for i, f in enumerate([f"data_batch_{j}" for j in range(1, 6)] + ["test_batch"]):
        data = rng.integers(0, 256, size=(PER_BATCH, 3072), dtype=np.uint8)
        labels = [(i * PER_BATCH + j) % 10 for j in range(PER_BATCH)]
        batches[f] = {b"batch_label": f.encode(), b"labels": labels, b"data": data,
                      b"filenames": [b"img%d.png" % j for j in range(PER_BATCH)]}
    return batches


@pytest.fixture(scope="module")
def cifar(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cifar-10-batches-py")
    batches = fake_batches(np.random.default_rng(0))
    for f, b in batches.items():
        (folder / f).write_bytes(py2_pickle(b))
    names = [n.upper().encode() for n in CIFAR_CLASSES]
    (folder / "batches.meta").write_bytes(py2_pickle({b"label_names": names, b"num_vis": 3072}))
    return folder, batches


def copy_of(cifar, tmp_path):
    folder = tmp_path / "cifar"
    shutil.copytree(cifar[0], folder)
    return folder


def test_cifar_shapes_and_names(cifar):
    d = load({"name": "cifar10", "path": str(cifar[0]), "subsample": 40})
    check(d, 40, 10, 3073, 10)  # validation: 0.2 of the 50 kept, from test_batch
    assert d.image_shape == (32, 32, 3) and d.class_names[0] == "AIRPLANE"
    assert d.feature_names[:2] == ["pixel 0,0 red", "pixel 0,0 green"]
    assert np.allclose(d.X[:, :-1].mean(axis=0), 0.0, atol=1e-9)


def test_cifar_layout_is_height_width_channel(cifar):
    d = load({"name": "cifar10", "path": str(cifar[0]), "subsample": 5 * PER_BATCH, "val_fraction": 0.0,
              "standardize": False})
    data = np.concatenate([cifar[1][f"data_batch_{j}"][b"data"] for j in range(1, 6)])
    hwc = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).reshape(len(data), -1)
    assert np.array_equal(d.X[:, :-1], hwc)
    assert np.array_equal(d.y, np.arange(5 * PER_BATCH) % 10)


def test_cifar_grayscale_downsample(cifar):
    d = load({"name": "cifar10", "path": str(cifar[0]), "subsample": 5 * PER_BATCH, "val_fraction": 0.0,
              "standardize": False, "grayscale": True, "downsample": 4})
    check(d, 5 * PER_BATCH, 0, 65, 10)
    assert d.image_shape == (8, 8)
    img = cifar[1]["data_batch_1"][b"data"][0].reshape(3, 32, 32).astype(float)
    gray = 0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2]
    assert np.allclose(d.X[0, :-1], gray.reshape(8, 4, 8, 4).mean(axis=(1, 3)).ravel())
    d2 = load({"name": "cifar10", "path": str(cifar[0]), "subsample": 10, "downsample": 2})
    assert d2.image_shape == (16, 16, 3) and d2.D == 16 * 16 * 3 + 1


def test_cifar_seeded(cifar):
    opt = {"name": "cifar10", "path": str(cifar[0]), "subsample": 20}
    a, b, c = load({**opt, "seed": 1}), load({**opt, "seed": 1}), load({**opt, "seed": 2})
    assert np.array_equal(a.X, b.X) and np.array_equal(a.X_val, b.X_val)
    assert not np.array_equal(a.X, c.X)


def test_cifar_modern_pickles_and_no_meta(cifar, tmp_path):
    folder = copy_of(cifar, tmp_path)
    (folder / "batches.meta").unlink()
    for f, b in cifar[1].items():
        (folder / f).write_bytes(pickle.dumps(b, protocol=5 if f == "test_batch" else 2))
    d = load({"name": "cifar10", "path": str(folder), "subsample": 30})
    check(d, 30, 8, 3073, 10)
    assert d.class_names == list(CIFAR_CLASSES)


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class EvilOpen:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return open, (self.marker, "w")


@pytest.mark.parametrize("make", [Evil, EvilOpen])
def test_cifar_malicious_pickle_runs_nothing(cifar, tmp_path, make):
    folder = copy_of(cifar, tmp_path)
    marker = tmp_path / "pwned"
    payload = dict(cifar[1]["data_batch_1"])
    payload[b"labels"] = make(str(marker))  # hidden inside an otherwise valid batch
    (folder / "data_batch_1").write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(DatasetError) as e:
        load({"name": "cifar10", "path": str(folder), "subsample": 10})
    assert "refuses to load" in str(e.value) and "data_batch_1" in str(e.value)
    assert not marker.exists()


def corrupt(cifar, tmp_path, f, content):
    folder = copy_of(cifar, tmp_path)
    (folder / f).write_bytes(content)
    return folder


@pytest.mark.parametrize("f, content, words", [
    ("data_batch_3", lambda good: good[: len(good) // 2], ["data_batch_3", "truncated"]),
    ("data_batch_1", lambda good: b"", ["data_batch_1", "empty"]),
    ("data_batch_1", lambda good: good[:-1], ["data_batch_1", "truncated"]),
    ("data_batch_1", lambda good: b"\x80\x02]r\xff\xff\xff\x7f.", ["data_batch_1", "memo index"]),
    ("test_batch", lambda good: b"not a pickle at all" * 10, ["test_batch", "corrupt pickle"]),
    ("test_batch", lambda good: good.replace(b"}(", b"}\x03", 1), ["test_batch", "corrupt pickle"]),
    ("data_batch_2", lambda good: pickle.dumps([1, 2, 3]), ["data_batch_2", "not a CIFAR-10 batch"]),
    ("data_batch_2", lambda good: pickle.dumps({b"data": np.zeros((2, 10), np.uint8), b"labels": [0, 1]}),
     ["data_batch_2", "shape (n, 3072)"]),
    ("data_batch_2", lambda good: pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}),
     ["data_batch_2", "labels must be 0..9"]),
    ("data_batch_2", lambda good: pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}),
     ["data_batch_2", "1 labels for 2 images"]),
    ("data_batch_2", lambda good: pickle.dumps({b"data": np.zeros((2, 3072), object), b"labels": [0, 1]}),
     ["data_batch_2", "not numeric"]),
    ("batches.meta", lambda good: pickle.dumps({b"label_names": 3}), ["batches.meta", "label_names"]),
])
def test_cifar_bad_batches(cifar, tmp_path, f, content, words):
    good = (cifar[0] / f).read_bytes()
    folder = corrupt(cifar, tmp_path, f, content(good))
    with pytest.raises(DatasetError) as e:
        load({"name": "cifar10", "path": str(folder), "subsample": 10})
    msg = str(e.value)
    assert "\n" not in msg and all(w in msg for w in words), msg


def test_cifar_missing(cifar, tmp_path):
    with pytest.raises(DatasetError, match="no such folder"):
        load({"name": "cifar10", "path": str(tmp_path / "nowhere")})
    (tmp_path / "file").write_text("x")
    with pytest.raises(DatasetError, match="not a folder"):
        load({"name": "cifar10", "path": str(tmp_path / "file")})
    folder = copy_of(cifar, tmp_path)
    (folder / "test_batch").unlink()
    (folder / "data_batch_4").unlink()
    with pytest.raises(DatasetError, match="missing CIFAR-10 batches: data_batch_4, test_batch"):
        load({"name": "cifar10", "path": str(folder)})
    with pytest.raises(DatasetError, match="subsample = 1000 but the training batches hold only 60"):
        load({"name": "cifar10", "path": str(cifar[0]), "subsample": 1000})


@pytest.fixture(scope="module")
def cifar_fuzz(cifar, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cifar-fuzz")
    shutil.copytree(cifar[0], folder, dirs_exist_ok=True)
    return folder


def cifar_fuzz_once(folder, content):
    (folder / "data_batch_1").write_bytes(content)
    try:
        d = load({"name": "cifar10", "path": str(folder), "subsample": 8})
    except DatasetError as e:
        assert "\n" not in str(e) and str(folder) in str(e)
    else:
        check(d, 8, 2, 3073, 10)


@settings(max_examples=60)
@given(st.booleans(), st.binary(max_size=400))
def test_cifar_fuzz_bytes(cifar_fuzz, header, content):
    cifar_fuzz_once(cifar_fuzz, (b"\x80\x02" if header else b"") + content)


@settings(max_examples=80)
@given(st.data())
def test_cifar_fuzz_mutated(cifar, cifar_fuzz, data):
    """Edits of a valid batch's structure (not its pixel bytes) reach deep into the unpickler."""
    batch = cifar[1]["data_batch_1"]
    protocol = data.draw(st.sampled_from(["py2", 2, 5]))
    good = bytearray(py2_pickle(batch) if protocol == "py2" else pickle.dumps(batch, protocol=protocol))
    structure = [*range(200), *range(len(good) - 300, len(good))]
    for _ in range(data.draw(st.integers(1, 4))):
        good[data.draw(st.sampled_from(structure))] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        good = good[:data.draw(st.integers(0, len(good)))]
    cifar_fuzz_once(cifar_fuzz, bytes(good))


def test_cifar_without_a_subsample_uses_all_of_a_small_folder_and_says_so(cifar):
    d = load({"name": "cifar10", "path": str(cifar[0])})
    assert d.N == 5 * PER_BATCH and len(d.notes) == 1
    assert f"hold {5 * PER_BATCH} images, fewer than the default subsample of 2000: using all of them" in d.notes[0]
    with pytest.raises(DatasetError, match="subsample = 2000 but the training batches hold only 60"):
        load({"name": "cifar10", "path": str(cifar[0]), "subsample": 2000})


def test_cifar_batch_with_an_empty_array_in_protocol_2_is_read(cifar, tmp_path):
    folder = copy_of(cifar, tmp_path)
    batch = dict(cifar[1]["data_batch_1"])
    batch[b"coarse"] = np.zeros(0, np.uint8)  # numpy pickles its empty data as bytes() under protocol 2
    raw = pickle.dumps(batch, protocol=2)
    assert b"bytes" in raw
    (folder / "data_batch_1").write_bytes(raw)
    d = load({"name": "cifar10", "path": str(folder), "subsample": 30})
    assert d.N == 30
