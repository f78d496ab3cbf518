"""Background work: one worker thread runs the kernels' first compilation, builds sessions and computes
landscapes, so the GUI thread never waits on them.

Requests carry a generation number; a job that was superseded before it started is skipped, and the
controller drops results whose generation is not the latest. `sync=True` runs every job at once in the
calling thread (tests and the headless command line).
"""

import os
import subprocess
import sys
import time
import traceback

import numpy as np
from PyQt6 import QtCore

from .i18n import N_, tr


# which landscape kernel draws each loss
LANDSCAPE_GROUP = {"hinge": "hinge landscapes", "squared_hinge": "hinge landscapes",
                   "mean_hinge": "hinge landscapes", "ova_hinge": "hinge landscapes",
                   "structured_hinge": "structured landscapes", "softmax": "softmax landscapes"}


def warm_up_kernels(progress=lambda text: None, losses=None, network=False, groups=None):
    """Call the kernels the app uses once, with tiny float64 input: compiles them on a cold numba cache
    (seconds each) or loads them from it. losses: only the landscape kernels those losses need (the
    first frame's; network: the network's kernels instead), None: all; groups: only these. Returns the
    seconds it took."""
    import kernels

    t0 = time.perf_counter()
    X = np.random.default_rng(0).normal(size=(12, 3))
    y = np.arange(12) % 3
    W = np.zeros((3, 3))
    steps = [(N_("losses"), lambda: kernels.loss_and_grad(W, X, y)),
             (N_("optimizers"), lambda: kernels.run_optimizer(W, X, y, steps=2, full_loss_every=1)),
             (N_("hinge landscapes"), lambda: kernels.data_grid(X, y, W, np.eye(3), np.ones((3, 3)), [0.0, 1.0],
                                                            [0.0], loss="hinge")),
             (N_("structured landscapes"), lambda: kernels.data_grid(X, y, W, np.eye(3), np.ones((3, 3)), [0.0, 1.0],
                                                                 [0.0], loss="structured_hinge")),
             (N_("softmax landscapes"), lambda: kernels.data_grid(X, y, W, np.eye(3), np.ones((3, 3)), [0.0, 1.0],
                                                              [0.0], loss="softmax", single=True)),
             (N_("network"), lambda: _warm_network(X, y))]
    helper = None
    if groups is not None:
        steps = [(name, call) for name, call in steps if name in groups]
    elif losses is not None and network:
        steps = steps[-1:]
    elif losses is not None:
        wanted = {"losses", "optimizers"} | {LANDSCAPE_GROUP[loss] for loss in losses}
        steps = [(name, call) for name, call in steps if name in wanted]
        # on a cold cache a second process compiles the optimizer and one landscape (see warm_up_group)
        # while this one compiles the losses and any other landscape; then both load from the cache
        landscape = next(name for name, _ in steps if name not in ("losses", "optimizers"))
        helper = _compile_elsewhere(["optimizers", landscape])
        if helper is not None:
            elsewhere = {"optimizers", landscape}
            steps = [s for s in steps if s[0] not in elsewhere] + [s for s in steps if s[0] in elsewhere]
    try:
        for i, (name, call) in enumerate(steps):
            progress(tr("Preparing kernels: {name} ({k}/{n})", name=tr(name), k=i + 1, n=len(steps)))
            if helper is not None and name in elsewhere:
                _join(helper, timeout=300)
                helper = None  # done: its groups load from the cache here
            call()
    finally:
        if helper is not None:  # this side failed: the second process's work has no one to use it
            _join(helper, timeout=0)
    return time.perf_counter() - t0


def _join(process, timeout):
    """Wait for the process up to `timeout` seconds, then end it (and reap it)."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _compile_elsewhere(groups):
    """On a cold cache, compile kernel groups in a second process (numba compiles one function at a
    time per process, under a lock): it runs on the other core while this one compiles the rest, and
    leaves machine code in the shared cache. None when the cache is warm or no process can start."""
    from kernels import _training as T

    if _cached(T.run_steps) is not False:  # warm, or numba's cache laid out otherwise: compile here
        return None
    code = f"from visualizer.workers import warm_up_group; warm_up_group(*{list(groups)!r})"
    try:
        return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def warm_up_group(*groups):
    """Compile groups of warm_up_kernels (the second process of a cold first launch). The optimizer
    loop calls the loss kernel that the worker compiles meanwhile for its "losses" group: compiled here
    too, that chain (the longest of a cold start) would run twice. So this process compiles the
    loop's own helpers and the other groups first, waits until the worker's loss is in the shared
    cache, and then compiles only the loop around it."""
    from kernels import _training as T

    loop = "optimizers" in groups
    if loop:
        _compile_loop_helpers(T)
    warm_up_kernels(groups=set(groups) - {"optimizers"})
    if loop:
        _wait_for_cache(T.batch_loss_grad)
        warm_up_kernels(groups={"optimizers"})


def _compile_loop_helpers(T):
    """The jitted helpers run_steps calls besides the loss, with the argument types it gives them."""
    perm = np.empty(4, np.int64)
    T.epoch_permutation(0, 0, 4, perm)
    T.learning_rate(0.1, 0, 0, 0.5, 100, 1000)
    T.copy1(np.zeros(3), np.zeros(3))
    T._gaussian(T._stream_key(0, 2, 0), 0)


def _cached(kernel):
    """Whether numba's cache holds machine code of `kernel` for its current source (an index written
    for an older source is stale, and numba keeps it until it compiles again). None when numba's cache
    is laid out otherwise."""
    try:
        return bool(kernel._cache._cache_file._load_index())
    except AttributeError:
        return None
    except Exception:  # a half-written or foreign index: numba will compile
        return False


def _wait_for_cache(kernel, timeout=120.0):
    """Until `kernel` has machine code in numba's cache (another process compiles it); after the
    timeout, or with numba's cache laid out otherwise, the caller compiles it itself."""
    end = time.monotonic() + timeout
    while _cached(kernel) is False and time.monotonic() < end:
        time.sleep(0.05)


def _warm_network(X, y):
    import kernels

    P = kernels.network.init(3, 2, 3)
    kernels.network.mlp_loss_and_grad_flat(P, X, y, hidden=2)
    kernels.run_optimizer(P, X, y, steps=2, full_loss_every=1, hidden=2)
    kernels.mlp_loss_grid(X, y, P, P, P, [0.0, 1.0], [0.0], hidden=2)


class Worker(QtCore.QObject):
    session_ready = QtCore.pyqtSignal(object)  # a Session
    landscape_ready = QtCore.pyqtSignal(int, object, object)  # generation, key, grid
    progress = QtCore.pyqtSignal(str)
    failed = QtCore.pyqtSignal(str)
    _jobs = QtCore.pyqtSignal(int, object)

    def __init__(self, sync=False):
        super().__init__()
        self.sync = sync
        self.latest = 0
        self.warm = False  # every kernel compiled or loaded
        self.thread = None
        if not sync:
            self.thread = QtCore.QThread()
            self.thread.setObjectName("losscape-worker")
            self.moveToThread(self.thread)
            self._jobs.connect(self._run, QtCore.Qt.ConnectionType.QueuedConnection)
            # the worker lives in its thread: delete it there, as the thread ends, never later from the
            # main thread's garbage collector (an intermittent crash at exit otherwise)
            self.thread.finished.connect(self.deleteLater)
            self.thread.start()

    def submit(self, job):
        """Queue job(worker, generation); returns the job's generation."""
        self.latest += 1
        if self.sync:
            self._run(self.latest, job)
        else:
            self._jobs.emit(self.latest, job)
        return self.latest

    def _run(self, gen, job):
        if gen != self.latest:
            return  # superseded while it waited
        try:
            job(self, gen)
        except Exception as e:  # the app reports it; the worker stays alive for the next job
            if os.environ.get("LOSSCAPE_DEBUG"):
                traceback.print_exc()
            self.failed.emit(str(e).splitlines()[0] if str(e) else type(e).__name__)

    def request_session(self, make_session, losses=None, network=False):
        """Build a session, compiling first only the kernels its losses (or its network) need (see
        warm_up_rest)."""
        def job(worker, gen):
            warm_up_kernels(worker.progress.emit, losses, network)
            worker.progress.emit(tr("Loading the data and computing the runs"))
            worker.session_ready.emit(make_session())
        return self.submit(job)

    def warm_up_rest(self):
        """Compile the kernels the first frame did not need, quietly, once it is on screen (a first
        launch shows its demo sooner; the other losses' landscapes are then ready when chosen). Queued
        behind what is waiting, and superseding nothing."""
        if self.warm:
            return
        self.warm = True

        def job(worker, gen):
            warm_up_kernels()
        if self.sync:
            job(self, self.latest)
        else:
            self._jobs.emit(self.latest, job)

    def request_landscapes(self, requests):
        """Compute requests in order (a coarse preview, then the full grid); later ones are skipped
        once a newer submission supersedes this one."""
        def job(worker, gen):
            for req in requests:
                if gen != worker.latest:
                    return
                worker.landscape_ready.emit(gen, req.key, req.compute())
        return self.submit(job)

    def stop(self):
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
            self.thread = None
