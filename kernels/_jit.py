"""The one place for numba options.

- ``cache=True`` everywhere: a warm start loads machine code instead of compiling (seconds saved per kernel).
  numba keys the cache on the content of the kernel's own file, so a kernel and every jitted helper it
  calls live in one file (``_training.py``, ``_landscape.py``).
- Threading layer "threadsafe" (OpenMP via libgomp1, or TBB): the app calls parallel kernels from a worker
  thread while the GUI thread may call serial ones. Where neither library can load (a Mac without libomp,
  say), "workqueue": it aborts the process when two threads enter parallel code at once, so every
  function that calls parallel kernels then takes a lock (``one_at_a_time``).
- No fastmath: results must match a plain numpy reference to rounding. The hot loops are written so that
  LLVM vectorizes them without reassociation (the innermost loop runs over independent grid points).
  One exception, ``contract`` (fused multiply-add) in the softmax landscape's inner loop: an FMA rounds
  once where a multiply and an add round twice, so it is at least as exact, and it is 15 % of the time.
- BLAS (numpy's OpenBLAS) on one thread: our matrix products are small, and OpenBLAS's idle threads spin
  for a while after each one, taking the cores from numba's parallel kernels that follow (the digits
  softmax landscape took 1.4x as long). The price: a large product (a CIFAR-sized minibatch's) takes up to
  1.6x as long on two cores. ``threadpoolctl`` sets it in the loaded library, whenever numpy was imported.
"""

import functools
import os
import threading


def _writable(folder):
    """Whether numba may keep its cache in folder/__pycache__ (as root, os.access says yes to anything,
    which is right: root can write there)."""
    cache = os.path.join(folder, "__pycache__")
    return os.access(cache, os.W_OK) if os.path.isdir(cache) else os.access(folder, os.W_OK)


if "NUMBA_CACHE_DIR" not in os.environ and not _writable(os.path.dirname(__file__)):
    # Installed where this user cannot write (system site-packages, pipx for another user): numba's
    # cache=True would raise at import time. The user's cache folder, as the OS names it.
    import platformdirs

    os.environ["NUMBA_CACHE_DIR"] = os.path.join(platformdirs.user_cache_dir("losscape", appauthor=False), "numba")

import numba  # noqa: E402
import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def _threadsafe_layer_loads():
    """Whether numba can load OpenMP or TBB here (as it will on its first parallel call)."""
    try:
        from numba.np.ufunc import omppool  # noqa: F401
        return True
    except (ImportError, OSError):
        pass
    try:
        from numba.np.ufunc.parallel import _check_tbb_version_compatible

        _check_tbb_version_compatible()
        from numba.np.ufunc import tbbpool  # noqa: F401
        return True
    except Exception:
        return False


_THREADSAFE = _threadsafe_layer_loads()
numba.config.THREADING_LAYER = "threadsafe" if _THREADSAFE else "workqueue"
threadpool_limits(1, user_api="blas")

__all__ = ["jit", "njit_parallel", "one_at_a_time", "prange"]

prange = numba.prange


def jit(fn=None, **kw):
    """Serial, cached, GIL-free kernel (for per-step work: one call costs about a microsecond)."""
    opts = dict(cache=True, nogil=True, **kw)
    return numba.njit(**opts)(fn) if fn is not None else numba.njit(**opts)


def njit_parallel(fn=None, **kw):
    """Parallel (prange), cached kernel: only for work of well over 100 us, as a parallel region costs
    about 50 us to start."""
    opts = dict(cache=True, nogil=True, parallel=True, **kw)
    return numba.njit(**opts)(fn) if fn is not None else numba.njit(**opts)


_parallel = threading.RLock()  # reentrant: a network's landscape adds its penalty's (reg_grid)


def one_at_a_time(fn):
    """fn, for functions that call parallel kernels: on the workqueue layer entered by one thread at a
    time (see the threading layer above); on a thread-safe layer, unchanged (no waiting for a lock)."""
    if _THREADSAFE:
        return fn

    @functools.wraps(fn)
    def serialized(*args, **kwargs):
        with _parallel:
            return fn(*args, **kwargs)
    return serialized


def threading_layer():
    """Name of the threading layer numba picked (valid after the first parallel call)."""
    try:
        return numba.threading_layer()
    except ValueError:
        return "not yet initialised"


_addresses = {}  # (kernel, dtype) -> address


def native_address(kernel, argtypes_for, dtype):
    """The address of `kernel`'s machine code for the argument types argtypes_for(a 2-D C array of
    `dtype`) (compiled, or loaded from numba's cache, on first use), for a caller made by
    native_call(argtypes_for). After the first, a dict lookup: loss_and_grad on 32 examples takes 10 us."""
    try:
        return _addresses[kernel, dtype]
    except KeyError:
        pass
    from numba.core import types

    argtypes = tuple(argtypes_for(types.Array(numba.from_dtype(np.dtype(dtype)), 2, "C")))
    kernel.compile(argtypes)
    cres = kernel.overloads[argtypes]
    if cres.signature.return_type != types.float64:  # what native_call's callers read
        raise TypeError(f"{kernel.py_func.__name__} returns {cres.signature.return_type}, not float64")
    address = _addresses[kernel, dtype] = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
    return address


def _as_passed(t):
    """A type as a call passes it: whether an array is read-only or aligned does not change that."""
    from numba.core import types

    return types.Array(t.dtype, t.ndim, t.layout) if isinstance(t, types.Array) else t


def native_call(argtypes_for):
    """An intrinsic call(address, args) that calls the jitted function at `address` (see native_address)
    with the tuple `args`; it returns a float64.

    Why: a jitted caller links the machine code of every jitted function it calls and optimizes it
    all again, so a cold start compiles a deep chain one link at a time. Called by address, a callee
    compiles once, at the same time as its callers. argtypes_for(type of args[0]) gives the argument
    types the address was compiled for: a call with any others fails to compile (at run time it would
    read its arguments wrongly); a read-only or unaligned array passes as the same array.

    numba's cache knows only the caller's file: after an edit here, clear the cache (or touch the files
    that use it) so that no cached caller keeps the old call."""
    from numba.core import cgutils, types
    from numba.core.errors import TypingError
    from numba.extending import intrinsic

    @intrinsic
    def call(typingctx, address, args):
        if not isinstance(address, types.Integer) or not isinstance(args, types.BaseTuple):
            return None
        argtys = tuple(args.types)
        want = tuple(argtypes_for(argtys[0]))
        if tuple(map(_as_passed, argtys)) != tuple(map(_as_passed, want)):
            raise TypingError(f"native call with arguments {argtys}; the function takes {want}")

        def codegen(context, builder, sig, llargs):
            vals = cgutils.unpack_tuple(builder, llargs[1], len(argtys))
            fnty = context.call_conv.get_function_type(types.float64, argtys)
            fn = builder.inttoptr(llargs[0], fnty.as_pointer())
            status, res = context.call_conv.call_function(builder, fn, types.float64, argtys, vals)
            with cgutils.if_unlikely(builder, status.is_error):
                context.call_conv.return_status_propagate(builder, status)
            return res
        return types.float64(address, args), codegen
    return call
