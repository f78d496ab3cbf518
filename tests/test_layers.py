"""One direction of imports: the compute layer and the Qt-free session layer import without Qt (the
command line, scripts and workers rely on it)."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("modules", [
    "kernels",
    "visualizer.session.session, visualizer.session.config, visualizer.session.datasets, "
    "visualizer.session.plane, visualizer.session.presets, visualizer.session.lecture",
])
def test_imports_without_qt(modules):
    code = f"import sys, {modules}; assert 'PyQt6' not in sys.modules, 'imported PyQt6'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_last_session_is_restored_from_settings(tmp_path, qapp):
    from PyQt6 import QtCore

    from visualizer.gui import restore_last
    from visualizer.session import config as C

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    assert restore_last(settings) is None
    cfg = C.loads("[model]\nlam = 0.25\n[[run]]\nlr = 0.3\n[[run]]\nname = 'adam'")
    settings.setValue("last_session", C.dumps(cfg))
    assert restore_last(settings) == cfg
    settings.setValue("last_session", "[model]\nlam = -1")  # a broken saved session: start fresh
    assert restore_last(settings) is None
