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
    _happened = QtCore.pyqtSignal(str, str, str)  # summary, report, where it was saved (or why not)

    def __init__(self, app, log_path=desktop.log_path):
        super().__init__(app)
        self.log_path = log_path
        self.logged = 0
        self.box = None  # the dialog on screen, if any
        self._happened.connect(self._show, QtCore.Qt.ConnectionType.QueuedConnection)

    def report(self, kind, value, tb):
        """From any thread: log the error, print it, and have the GUI thread show it."""
        text = make_report(kind, value, tb)
        print(text, file=sys.stderr, end="")
        saved = self._log(text)
        summary = "".join(traceback.format_exception_only(kind, value)).strip().splitlines()[-1]
        self._happened.emit(summary, text, saved)

    def _log(self, text):
        if self.logged >= MAX_LOGGED:
            return tr("not saved: {n} reports were saved this session already", n=MAX_LOGGED)
        path = self.log_path()
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "a", encoding="utf-8") as f:
                f.write(text + "\n")
        except OSError as e:
            return tr("not saved: {path}: {reason}", path=path, reason=e.strerror or str(e))
        self.logged += 1
        return path

    def _show(self, summary, text, saved):
        if self.box is not None:
            return  # one at a time: this one is in the log
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, tr("Losscape: unexpected error"),
                                    tr("Something went wrong: {what}", what=summary),
                                    parent=QtWidgets.QApplication.activeWindow())
        box.setInformativeText(tr("Losscape goes on; what you were doing may not have finished. The report "
                                  "(below) was saved to {path}. Please send it with a bug report.", path=saved))
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
