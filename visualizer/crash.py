"""An unexpected error in the app: the report goes to the log file and to a dialog it can be copied from,
and the app goes on. Without this, PyQt6 ends the whole process on an exception raised in a slot or an
event handler: a teacher's window would vanish mid-lecture.

Errors of any thread arrive here (sys.excepthook, threading.excepthook) and are shown in the GUI thread,
one dialog at a time; those that come while it is open are only logged.
"""

import datetime
import os
import platform
import sys
import threading
import traceback

from PyQt6 import QtCore, QtGui, QtWidgets

from . import desktop
from .i18n import tr

MAX_LOGGED = 50  # reports per session: an error repeated each frame must not fill the disk


def make_report(kind, value, tb):
    from losscape_lab import __version__

    when = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    head = (f"Losscape {__version__}, Python {platform.python_version()}, Qt {QtCore.qVersion()}, "
            f"{platform.system()} {platform.release()} {platform.machine()}, {when}, "
            f"thread {threading.current_thread().name}")
    return head + "\n" + "".join(traceback.format_exception(kind, value, tb))


class Reporter(QtCore.QObject):
    _happened = QtCore.pyqtSignal(str, str, str, bool)  # summary, report, where it was saved (or why not), saved

    def __init__(self, app, log_path=desktop.log_path):
        super().__init__(app)
        self.log_path = log_path
        self.logged = 0
        self.box = None  # the dialog on screen, if any
        self._happened.connect(self._show, QtCore.Qt.ConnectionType.QueuedConnection)

    def report(self, kind, value, tb):
        """From any thread: log the error, print it, and have the GUI thread show it."""
        text = make_report(kind, value, tb)
        where, saved = self._log(text)
        try:
            print(text, file=sys.stderr, end="")
        except (OSError, ValueError):  # no terminal any more (started with &, and the shell closed)
            pass
        summary = "".join(traceback.format_exception_only(kind, value)).strip().splitlines()[-1]
        self._happened.emit(summary, text, where, saved)

    def _log(self, text):
        """(the log file's path, True), or (why it was not written, False)."""
        if self.logged >= MAX_LOGGED:
            return tr("not saved: {n} reports were saved this session already", n=MAX_LOGGED), False
        path = self.log_path()
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "a", encoding="utf-8") as f:
                f.write(text + "\n")
        except OSError as e:
            return tr("not saved: {path}: {reason}", path=path, reason=e.strerror or str(e)), False
        self.logged += 1
        return path, True

    def _show(self, summary, text, where, saved):
        if self.box is not None:
            return  # one at a time: this one is in the log
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, tr("Losscape: unexpected error"),
                                    tr("Something went wrong: {what}", what=summary))
        # no parent: a window that goes first would delete it unfinished, and no error would show again
        box.setWindowModality(QtCore.Qt.WindowModality.ApplicationModal)
        box.setInformativeText(
            tr("Losscape goes on; what you were doing may not have finished. The report (below) was saved to "
               "{path}. Please send it with a bug report.", path=where) if saved else
            tr("Losscape goes on; what you were doing may not have finished. The report (below) was {problem}: "
               "copy it to send it with a bug report.", problem=where))
        box.setDetailedText(text)
        copy = box.addButton(tr("Copy the report"), QtWidgets.QMessageBox.ButtonRole.ActionRole)
        box.addButton(QtWidgets.QMessageBox.StandardButton.Close)

        def finished():
            if box.clickedButton() is copy:
                QtGui.QGuiApplication.clipboard().setText(text)
            self.box = None
            box.deleteLater()
        box.finished.connect(finished)
        self.box = box
        box.open()  # not exec(): no nested event loop inside whatever handler just failed


def report_unexpected_errors(app, log_path=desktop.log_path):
    """Route every uncaught exception (GUI thread, worker thread, other threads) to a Reporter."""
    reporter = Reporter(app, log_path)

    def hook(kind, value, tb):
        if issubclass(kind, KeyboardInterrupt):
            return sys.__excepthook__(kind, value, tb)
        if issubclass(kind, SystemExit):  # a thread that ends itself is no error
            return None
        reporter.report(kind, value, tb)

    sys.excepthook = hook
    threading.excepthook = lambda a: hook(a.exc_type, a.exc_value, a.exc_traceback)
    return reporter
