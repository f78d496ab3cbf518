"""A launch on a cold numba cache: which kernels the first frame needs, compiling them (here, and in a
second process on the other core, as numba compiles one function at a time per process), and waiting for
that process. Qt-free: the headless data exports use it too.
"""

import os
import subprocess
import sys
import time

import numpy as np

from .i18n import N_, tr


# multiply-adds up to which a cold start computes a grid point by point while its landscape kernel compiles
# (a second or so; the default demo's preview is a hundredth of it)
POINTWISE_BUDGET = 2e9

# each landscape kernel (a LossSpec's `landscape`) as the warm-up names it
LANDSCAPE_GROUPS = {"margins": N_("hinge landscapes"), "largest margin": N_("structured landscapes"),
                    "exponentials": N_("softmax landscapes")}


def _tiny():
    """A tiny problem whose calls compile the kernels (every process makes the same, so the argument
    types, and with them numba's cache entries, agree)."""
    X = np.random.default_rng(0).normal(size=(12, 3))
    return X, np.arange(12) % 3, np.zeros((3, 3))


def first_frame_needs(config):
    """What the first frame of `config` compiles: (losses, network, the loss its first landscape shows)
    as warm_up_kernels and request_session take them."""
    losses = {config.model["loss"]} | {r["loss"] for r in config.runs if r.get("loss")}
    shown = config.runs[min(config.view["selected"], len(config.runs) - 1)] if config.runs else {}
    return losses, config.model["kind"] == "mlp", shown.get("loss") or config.model["loss"]


def warm_up_kernels(progress=lambda text: None, losses=None, network=False, groups=None, helper=None,
                    cancelled=lambda: False, first=None):
    """Call the kernels the app uses once, with tiny float64 input: compiles them on a cold numba cache
    (seconds each) or loads them from it. losses: only the loss kernels those losses need and the
    landscape kernel of `first` (the loss the first landscape shows; default: one of losses), for a
    first frame (network: the network's kernels instead); None: all; groups: only these.

    On a cold cache with `losses` given, the second process (`helper`, started now if None: see
    start_second_process) compiles the optimizer loop and then the first landscape's kernels; this one
    compiles the losses meanwhile and then loads the loop from the cache. Returns the second process
    while it still runs (Worker.request_landscapes waits for it before a full grid), else None.
    Between groups, stops when cancelled() (the app is closing: it waits for at most one group)."""
    from losscape_lab import kernels
    from losscape_lab.kernels import _training as T
    from losscape_lab.kernels.specs import SOFTMAX, SVM

    X, y, W = _tiny()
    # the lecture panel's sanity checks take the hinge and softmax losses on the GUI thread
    chosen = sorted(set(losses) | {SVM.name, SOFTMAX.name}) if losses else list(kernels.LOSS_SPECS)
    P = kernels.network.init(3, 2, 3)
    drawn_by = {}  # landscape kernel -> the first loss it draws
    for spec in kernels.LOSS_SPECS.values():
        drawn_by.setdefault(spec.landscape, spec.name)

    def landscape(kind):
        return lambda: kernels.data_grid(X, y, W, np.eye(3), np.ones((3, 3)), [0.0, 1.0], [0.0],
                                         loss=drawn_by[kind], single=True)

    def loop():
        kernels.run_optimizer(W, X, y, steps=2, full_loss_every=1)

    def net_losses():
        for loss in chosen:
            kernels.network.mlp_loss_and_grad_flat(P, X, y, hidden=2, loss=loss)

    def net_loop():
        kernels.run_optimizer(P, X, y, steps=2, full_loss_every=1, hidden=2)

    def loaded(compile_here):
        """The loop from the second process, once in the cache; compile_here() if it ended without it,
        unless the app is closing (it was ended then: nothing compiles here)."""
        _wait_for_cache(T.run_steps, helper)
        if not cancelled():
            compile_here()

    steps = [(N_("losses"), lambda: [kernels.loss_and_grad(W, X, y, loss=loss) for loss in chosen]),
             (N_("optimizers"), loop),
             *((group, landscape(kind)) for kind, group in LANDSCAPE_GROUPS.items()),
             (N_("network"), lambda: (net_losses(), net_loop())),
             (N_("network landscapes"), lambda: kernels.mlp_loss_grid(X, y, P, P, P, [0.0, 1.0], [0.0], hidden=2))]
    handed = []  # what the second process compiles after the loop
    cold = losses is not None and groups is None and cache_is_cold()  # (laid out otherwise: here)
    if cold and not is_running(helper):
        helper = start_second_process("mlp" if network else "linear")
    if groups is not None:
        steps = [(name, call) for name, call in steps if name in groups]
    elif losses is not None and network:
        steps = steps[-2:]
        if cold and helper is not None:  # the loop and the landscape compile there, the losses here
            handed = ["network landscapes"]
            steps = [(N_("network"), lambda: (net_losses(), loaded(net_loop)))]
    elif losses is not None:
        group = LANDSCAPE_GROUPS[kernels.LOSS_SPECS[first or sorted(losses)[0]].landscape]
        steps = [(name, call) for name, call in steps if name in ("losses", "optimizers", group)]
        if cold and helper is not None:  # the loop and the landscape compile there, the losses here
            handed = [group]
            steps = [s for s in steps if s[0] not in ("optimizers", group)]
            steps.append((N_("optimizers"), lambda: loaded(loop)))
    if is_running(helper) and _hand_over(helper, handed):
        helper.groups = handed  # what it compiles after the loop (it is told once)
    theirs = set(getattr(helper, "groups", ())) if is_running(helper) else set()
    steps.sort(key=lambda step: step[0] in theirs)  # what the second process compiles: last, and loaded
    try:
        for i, (name, call) in enumerate(steps):
            if cancelled():
                break
            progress(tr("Preparing kernels: {name} ({k}/{n})", name=tr(name), k=i + 1, n=len(steps)))
            if name in theirs and is_running(helper):
                wait_or_end(helper, timeout=300)
                if cancelled():
                    break
            call()
    except BaseException:
        if is_running(helper):  # this side failed: the second process's work has no one to use it
            wait_or_end(helper, timeout=0)
        raise
    # the second process, while it compiles what the first frame's landscape waits for (on a warm cache
    # it is only starting up, to end at once: nothing waits for it)
    return helper if is_running(helper) and getattr(helper, "groups", None) else None


def pointwise_while_compiling(req, helper, progress=lambda text: None):
    """Whether to compute the landscape request `req` point by point with the loss kernels: while a cold
    start's second process (`helper`) still compiles the landscape kernels and the grid is small enough.
    A larger grid waits here for that process to end."""
    if not is_running(helper):
        return False
    if req.pointwise_cost() <= POINTWISE_BUDGET:
        return True
    progress(tr("Preparing kernels"))
    wait_or_end(helper, timeout=300)
    return False


def wait_or_end(process, timeout):
    """Wait for the process up to `timeout` seconds, then end it (and reap it, and close its pipe)."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdin is not None and not process.stdin.closed:
        try:
            process.stdin.close()
        except OSError:  # it ended before reading what it was told
            pass


def cache_is_cold():
    """Whether numba's cache lacks the optimizer loop (a first launch after an install)."""
    from losscape_lab.kernels import _training as T

    return _cached(T.run_steps) is False


def is_running(process):
    return process is not None and process.poll() is None


def start_second_process(kind="linear"):
    """Start a launch's second process at once, before the window is built (see serve_cold_start): on a
    cold cache it compiles the optimizer loop of the model `kind` ("linear" or "mlp") on the other core
    while this one builds the window and compiles the losses (numba compiles one function at a time per
    process); on a warm one it ends at once. None when no process can start."""
    code = f"from losscape_lab.visualizer.coldstart import serve_cold_start; serve_cold_start({kind!r})"
    try:
        return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, text=True)
    except OSError:
        return None


def serve_cold_start(kind="linear"):
    """The second process. On a cold cache: compile the optimizer loop of the model `kind` without calling
    it (it calls the loss kernels by address, so it needs nothing the first process compiles meanwhile),
    then the kernel groups the first process names on one line of stdin (comma-separated; none: done).
    Leaves machine code in the shared cache. On a warm cache: nothing."""
    from losscape_lab import kernels

    if not cache_is_cold():
        return
    X, y, W = _tiny()
    if kind == "mlp":  # the parameters of warm_up_kernels' network
        kernels.run_optimizer(kernels.network.init(3, 2, 3), X, y, steps=2, full_loss_every=1, hidden=2,
                              compile_only=True)
    else:
        kernels.run_optimizer(W, X, y, steps=2, full_loss_every=1, compile_only=True)
    groups = {name for name in sys.stdin.readline().strip().split(",") if name}
    if groups:
        warm_up_kernels(groups=groups)


def _hand_over(helper, groups):
    """Name the groups the second process compiles after the loop (once: the line then closes). False
    when it was told before, or has ended (what it would have compiled then compiles here when used)."""
    try:
        if helper.stdin.closed:
            return False
        helper.stdin.write(",".join(groups) + "\n")
        helper.stdin.close()
        return True
    except (OSError, ValueError):
        return False


def _cached(kernel):
    """Whether numba's cache holds machine code of `kernel` for its current source (an index written
    for an older source is stale, and numba keeps it until it compiles again). None when numba's cache
    is laid out otherwise."""
    try:
        cache_file = kernel._cache._cache_file
        index = cache_file._load_index()
        path = cache_file._cache_path
    except AttributeError:
        return None
    except Exception:  # a half-written or foreign index: numba will compile
        return False
    # numba writes the index first and the machine code after it (each file whole, by renaming)
    return bool(index) and all(os.path.exists(os.path.join(path, name)) for name in index.values())


def _wait_for_cache(kernel, process, timeout=120.0):
    """Until `kernel` has machine code in numba's cache (`process` compiles it); if the process ends
    first, after the timeout, or with numba's cache laid out otherwise, the caller compiles it itself."""
    end = time.monotonic() + timeout
    while _cached(kernel) is False and is_running(process) and time.monotonic() < end:
        time.sleep(0.05)
