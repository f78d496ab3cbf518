"""The restricted unpickler for CIFAR-10 batches. The files are untrusted: the opcode stream is checked
before it runs, and the unpickler resolves only a few numpy globals, each to a harmless stand-in, so a
crafted or corrupt file can build nothing but containers, numbers and numeric arrays."""

import io
import math
import pickle
import pickletools
import re
import warnings

import numpy as np

from .base import DatasetError, _read_bytes, _short


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


def _empty_bytes(*args):
    if args:
        raise ValueError("bytes() with arguments")
    return b""


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
    # protocol 2 writes an empty bytes object (an empty array's data) as a call of bytes() itself
    ("__builtin__", "bytes"): _empty_bytes,
    ("builtins", "bytes"): _empty_bytes,
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
