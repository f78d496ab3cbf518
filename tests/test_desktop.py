"""Losscape as a desktop program: --info, --reset, the desktop entry and its icons, and the report of an
unexpected error (a dialog, a log file, and the app going on)."""

import os
import shutil
import subprocess
import sys
import threading

from PyQt6 import QtCore, QtGui

from losscape_lab.visualizer import crash, desktop


def losscape(tmp_path, *args):
    """The command with this test's own settings, data and state folders."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_STATE_HOME=str(tmp_path / "state"))
    return subprocess.run([sys.executable, "-m", "losscape_lab", *args], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)


def test_info_names_versions_threading_layer_and_the_users_folders(tmp_path):
    import numba

    from losscape_lab import __version__

    r = losscape(tmp_path, "--info")
    assert r.returncode == 0, r.stderr
    info = {k: v.strip() for k, v in (line.split(": ", 1) for line in r.stdout.splitlines())}
    assert info["losscape"].startswith(f"{__version__} (distribution losscape-lab)")
    assert info["numba"] == numba.__version__
    assert info["threading layer"].split(",")[0] in ("omp", "tbb")  # thread-safe (see kernels/_jit.py)
    assert info["Qt"].startswith(QtCore.qVersion())
    assert info["settings file"] == str(tmp_path / "config" / "Losscape" / "losscape.conf")
    assert info["log file"].startswith(str(tmp_path / "state"))
    assert info["Qt platform"] == "offscreen (QT_QPA_PLATFORM)"


def test_reset_forgets_the_remembered_settings(tmp_path):
    conf = tmp_path / "config" / "Losscape" / "losscape.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[General]\nfont_scale=1.5\ntheme=dark\n")
    r = losscape(tmp_path, "--reset")
    assert r.returncode == 0 and r.stdout.strip() == f"losscape: forgot 2 remembered setting(s) in {conf}"
    assert not conf.exists() or "theme" not in conf.read_text()
    r = losscape(tmp_path, "--reset")
    assert r.stdout.strip() == f"losscape: nothing remembered ({conf})"


def test_the_desktop_entry_and_its_icons_install_validate_and_uninstall(tmp_path):
    r = losscape(tmp_path, "--install-desktop")
    assert r.returncode == 0, r.stderr
    data = tmp_path / "data"
    entry = data / "applications" / "losscape.desktop"
    assert str(entry) in r.stdout
    text = entry.read_text()
    assert "Icon=losscape\n" in text and "Name=Losscape\n" in text and "Terminal=false\n" in text
    assert shutil.which("desktop-file-validate"), "install desktop-file-utils (scripts/setup.sh does)"
    v = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert v.returncode == 0 and not v.stdout.strip(), v.stdout  # no error, no warning, no hint
    for size in desktop.ICON_SIZES:
        image = QtGui.QImage(str(data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "losscape.png"))
        assert (image.width(), image.height()) == (size, size)
    assert (data / "icons/hicolor/scalable/apps/losscape.svg").read_bytes() == desktop.icon_file().read_bytes()
    r = losscape(tmp_path, "--uninstall-desktop")
    assert r.returncode == 0 and r.stdout.strip() == f"losscape: removed {2 + len(desktop.ICON_SIZES)} file(s) of the desktop entry"
    assert not any(p.is_file() for p in data.rglob("*"))
    assert losscape(tmp_path, "--uninstall-desktop").stdout.startswith("losscape: no desktop entry was installed")


def test_an_unwritable_data_folder_is_one_line_and_leaves_nothing(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "applications").write_text("a file where the folder should be")
    r = losscape(tmp_path, "--install-desktop")
    assert r.returncode == 2 and r.stderr.startswith("losscape: error: ") and len(r.stderr.splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_the_exec_line_quotes_as_the_desktop_entry_specification_says():
    assert desktop.exec_line(["/usr/bin/losscape"]) == "/usr/bin/losscape"
    # reserved characters in double quotes; " ` $ \\ escaped with a backslash; then backslashes doubled
    # for the string value, and % doubled (it would start a field code)
    assert desktop.exec_line(["/home/a b/bin/losscape"]) == '"/home/a b/bin/losscape"'
    assert desktop.exec_line(["/x/$HOME/100%"]) == '"/x/\\\\$HOME/100%%"'
    assert desktop.exec_line(["/p", "-m", "losscape_lab"]) == "/p -m losscape_lab"
    assert desktop.exec_line(["/a\tb/c"]) == '"/a\\tb/c"'  # a tab: quoted, and the string escape \t


def test_the_window_has_the_icon(qapp):
    from losscape_lab.visualizer.gui import app_icon

    icon = app_icon()
    assert sorted(s.width() for s in icon.availableSizes()) == sorted(desktop.ICON_SIZES)
    assert not icon.pixmap(48, 48).isNull()


def _raise(text):
    raise ValueError(text)


def test_an_unexpected_error_shows_one_dialog_logs_it_and_the_app_goes_on(qapp, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    log = tmp_path / "log" / "losscape.log"
    reporter = crash.report_unexpected_errors(qapp, log_path=lambda: str(log))
    QtCore.QTimer.singleShot(0, lambda: _raise("first"))  # in a slot: PyQt6 would abort without the hook
    qtbot.waitUntil(lambda: reporter.box is not None)
    box = reporter.box
    assert "ValueError: first" in box.text() and str(log) in box.informativeText()
    assert "Traceback" in box.detailedText() and "_raise" in box.detailedText()
    thread = threading.Thread(target=_raise, args=("second",))  # another thread, while the dialog is open
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: log.read_text().count("Traceback") == 2)
    qapp.processEvents()
    assert reporter.box is box  # one dialog at a time: the second is in the log
    copy = next(b for b in box.buttons() if b.text() == "Copy the report")
    copy.click()
    qtbot.waitUntil(lambda: reporter.box is None)
    assert "ValueError: first" in QtGui.QGuiApplication.clipboard().text()
    QtCore.QTimer.singleShot(0, lambda: _raise("third"))  # the app went on: the next one is shown again
    qtbot.waitUntil(lambda: reporter.box is not None and "third" in reporter.box.text())
    reporter.box.done(0)


def test_an_unwritable_log_is_said_in_the_dialog(qapp, qtbot, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    reporter = crash.Reporter(qapp, log_path=lambda: str(blocked / "losscape.log"))
    try:
        _raise("x")
    except ValueError:
        reporter.report(*sys.exc_info())
    qtbot.waitUntil(lambda: reporter.box is not None)
    text = reporter.box.informativeText()
    assert "The report (below) was not saved: " in text and "saved to" not in text
    assert reporter.box.parent() is None  # no window that closes first can take it along unfinished
    reporter.box.done(0)
