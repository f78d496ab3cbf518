"""Tabular data: the shipped iris and digits files and the user's CSV files, parsed into raw features and
labels 0..C-1 with every problem reported by file and line."""

import csv
import gzip
import importlib.resources
import io
import itertools
import math

import numpy as np

from .base import DatasetError, _read_bytes, _short

MAX_CLASSES = 100  # more distinct CSV labels almost always means the wrong label column


def _resource(filename):
    try:
        return (importlib.resources.files("losscape_lab.resources") / "data" / filename).read_bytes()
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


def _to_float(s):
    """float() as a CSV reader should: Python's own also takes '1_000' (a digit separator), which no
    CSV means as a number."""
    if "_" in s:
        raise ValueError(s)
    return float(s)


def _is_number(s):
    try:
        _to_float(s)
    except ValueError:
        return False
    return True


CHUNK_ROWS = 4096


def _rows(path, text, delimiter):
    """(line number, stripped fields) of each non-blank row, one at a time."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for fields in reader:
            if len(fields) > 1 or (fields and fields[0].strip()):
                yield reader.line_num, [f.strip() for f in fields]
    except csv.Error as e:
        raise DatasetError(f"{path}: line {reader.line_num}: {e}") from None


def _explain_row(path, line, values, names):
    """Raise the DatasetError for the first cell of a row that is not a finite number."""
    for j, v in enumerate(values):
        try:
            x = _to_float(v)
        except ValueError:
            what = "empty field" if not v else f"not a number: {_short(v)}"
            raise DatasetError(f"{path}: line {line}, column {_short(names[j], 30)}: {what}") from None
        if not math.isfinite(x):
            raise DatasetError(f"{path}: line {line}, column {_short(names[j], 30)}: "
                               f"{_short(v)} is not finite (NaN or inf)")
    raise DatasetError(f"{path}: line {line}: not a row of numbers")


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
    del raw  # the text is all we need: rows are parsed as they stream by, never held as Python strings
    rows = _rows(path, text, delimiter)
    try:
        first_line, first = next(rows)
    except StopIteration:
        raise DatasetError(f"{path}: the file is empty") from None
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
    data = rows if has_header else itertools.chain([(first_line, first)], rows)
    chunks, block, labels, lines = [], np.empty((CHUNK_ROWS, len(features))), [], []
    for line, fields in data:
        if len(fields) != ncols:
            raise DatasetError(f"{path}: line {line}: {len(fields)} fields, expected {ncols} "
                               f"(as on line {first_line})")
        values = [fields[i] for i in features]
        try:  # numpy parses the row in one call; anything odd is found cell by cell below
            row = np.array(values, dtype=np.float64)
            ok = "_" not in "".join(values) and np.isfinite(row).all()
        except ValueError:
            ok = False
        if not ok:
            _explain_row(path, line, values, names)
        block[len(lines) % CHUNK_ROWS] = row
        if not fields[label]:
            raise DatasetError(f"{path}: line {line}: empty label")
        labels.append(fields[label])
        lines.append(line)
        if len(lines) % CHUNK_ROWS == 0:
            chunks.append(block)
            block = np.empty_like(block)
    if not lines:
        raise DatasetError(f"{path}: no data rows after the header on line {first_line}")
    chunks.append(block[:len(lines) % CHUNK_ROWS])
    X = np.concatenate(chunks)
    del chunks, block
    y, classes = _classes(path, labels, lines)
    return X, y, classes, names


def _classes(path, labels, lines):
    """Numeric labels sort numerically (so label 0 is class 0); text labels sort alphabetically."""
    try:
        values = np.array([_to_float(s) for s in labels])
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
