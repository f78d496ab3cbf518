"""Background work: one worker thread runs the kernels' first compilation, builds sessions and computes
landscapes, so the GUI thread never waits on them.

Requests carry a generation number; a job that was superseded before it started is skipped, and the
controller drops results whose generation is not the latest. `sync=True` runs every job at once in the
calling thread (tests and the headless command line).
"""

import os
import traceback

from PyQt6 import QtCore

from .coldstart import is_running, pointwise_while_compiling, wait_or_end, warm_up_kernels
from .i18n import tr


class Worker(QtCore.QObject):
    session_ready = QtCore.pyqtSignal(object)  # a Session
    landscape_ready = QtCore.pyqtSignal(int, object, object)  # generation, key, grid
    progress = QtCore.pyqtSignal(str)
    failed = QtCore.pyqtSignal(str)
    _jobs = QtCore.pyqtSignal(object, object)  # generation (None: never superseded), job

    def __init__(self, sync=False, helper=None, rest=True):
        """helper: the launch's second process (start_second_process), if it started one. rest=False:
        warm_up_rest does nothing (a headless command draws one picture and ends)."""
        super().__init__()
        self.sync = sync
        self.latest = 0
        self.warm = not rest  # every kernel compiled or loaded, or none more wanted
        self.helper = helper  # a cold start's second process, while it compiles the first landscape's kernels
        self.stopping = False  # set by stop(): a warm-up in progress ends after its current group
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

    def submit(self, job, lasting=False):
        """Queue job(worker, generation); returns the job's generation. lasting: no later submission
        supersedes it (an undo: its snapshot exists nowhere else). Once stopped, nothing is queued: a
        result still on its way to the GUI thread may ask for more (the worker may be deleted by then)."""
        if self.stopping:
            return self.latest
        self.latest += 1
        gen = None if lasting else self.latest
        if self.sync:
            self._run(gen, job)
        else:
            self._jobs.emit(gen, job)
        return self.latest

    def _run(self, gen, job):
        if gen is not None and gen != self.latest:
            return  # superseded while it waited
        try:
            job(self, gen)
        except Exception as e:  # the app reports it; the worker stays alive for the next job
            if os.environ.get("LOSSCAPE_DEBUG"):
                traceback.print_exc()
            self.failed.emit(str(e).splitlines()[0] if str(e) else type(e).__name__)

    def request_session(self, make_session, losses=None, network=False, first=None, lasting=False):
        """Build a session, compiling first only the kernels its losses (or its network) and its first
        landscape (the loss `first`) need (see warm_up_rest)."""
        def job(worker, gen):
            worker.helper = warm_up_kernels(worker.progress.emit, losses, network, helper=worker.helper,
                                            cancelled=lambda: worker.stopping, first=first)
            if worker.stopping:
                return
            worker.progress.emit(tr("Loading the data and computing the runs"))
            worker.session_ready.emit(make_session())
        return self.submit(job, lasting)

    def warm_up_rest(self):
        """Compile the kernels the first frame did not need, quietly, once it is on screen (a first
        launch shows its demo sooner; the other losses' landscapes are then ready when chosen). Queued
        behind what is waiting, and superseding nothing."""
        if self.warm or self.stopping:
            return
        self.warm = True

        def job(worker, gen):
            warm_up_kernels(helper=worker.helper, cancelled=lambda: worker.stopping)
        if self.sync:
            job(self, None)
        else:
            self._jobs.emit(None, job)  # a later request must not drop it: it would never be queued again

    def request_landscapes(self, requests):
        """Compute requests in order (a coarse preview, then the full grid); later ones are skipped
        once a newer submission supersedes this one. While a cold start's second process still compiles
        the landscape kernels, a small grid is computed point by point with the loss kernels, and a
        large one waits for it."""
        def job(worker, gen):
            for req in requests:
                if gen != worker.latest:
                    return
                pointwise = pointwise_while_compiling(req, worker.helper, worker.progress.emit)
                if not pointwise:
                    worker.helper = None
                    if worker.stopping:  # the app closes (and ended it): compile nothing here
                        return
                worker.landscape_ready.emit(gen, req.key, req.compute(pointwise))
        return self.submit(job)

    def stop(self):
        self.stopping = True
        if is_running(self.helper):  # the app closes before a cold start's second process is done
            wait_or_end(self.helper, timeout=0)
            self.helper = None
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
            self.thread = None
