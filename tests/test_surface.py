"""The 3-D view: unavailable (and harmless) offscreen; under Xvfb it renders the surface and the paths."""

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from losscape_lab.visualizer.app import main
from losscape_lab.visualizer.views.main_window import make_window
from losscape_lab.visualizer.views.surface import height_at, surface_heights


def test_offscreen_the_3d_tab_is_disabled_with_the_reason(qtbot):
    from losscape_lab.visualizer.views.render import dispose

    window, _ = make_window()
    try:
        assert "offscreen" in window.gl_problem
        assert not window.center.isTabEnabled(1)
        assert window.center.tabToolTip(1) == window.gl_problem
        assert window.ensure_surface() is None
    finally:
        dispose(window)  # now, not whenever the garbage collector gets to it (that crashed the process)


def test_3d_export_without_a_display_is_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DISPLAY", "")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "")
    code = main(["export", "--preset", "step-size", "--view", "3d", "--out", str(tmp_path / "s.png")])
    err = capsys.readouterr().err
    assert code == 2 and "--view 3d needs OpenGL on a display" in err
    assert not (tmp_path / "s.png").exists()


def test_heights_are_clipped_and_paths_touch_the_surface():
    grid = np.add.outer(np.linspace(0, 1, 20), np.linspace(0, 1, 30))
    grid[0, 0] = 1e9  # a divergent corner
    z, (lo, hi) = surface_heights(grid, log_scale=False, clip_quantile=0.95)
    assert z.max() == pytest.approx(8.0) and np.median(z) > 2.0  # the corner did not flatten the rest
    extent = (0.0, 1.0, 0.0, 1.0)
    np.testing.assert_allclose(height_at(z, extent, [0.0, 1.0], [1.0, 0.0]), [z[-1, 0], z[0, -1]])


XVFB_SCRIPT = r"""
import sys, numpy as np
from PyQt6 import QtWidgets
app = QtWidgets.QApplication(["t"])
from losscape_lab.visualizer.session import presets
from losscape_lab.visualizer.session.session import Session
from losscape_lab.visualizer.views.surface import SurfaceView, gl_unavailable
reason = gl_unavailable()
if reason:
    print("NOGL", reason); sys.exit(3)
s = Session(presets.load("optimizers-race"))
s.advance(100)
req = s.landscape_request(48); s.store_data_grid(req.key, req.compute())
v = SurfaceView(); v.resize(600, 450); v.show()
v.set_landscape(s.landscape(48), s.extent, s.plane.axis_names); app.processEvents()
def frame():
    app.processEvents()
    img = v.grab_image().convertToFormat(v.grab_image().Format.Format_RGB888)
    ptr = img.constBits(); ptr.setsize(img.sizeInBytes())
    return np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width() * 3].astype(int)
bare = frame()
v.set_runs(s.runs, s.display_step)
with_paths = frame()
v.view.orbit(0, -200)  # a long drag downwards
assert v.view.opts["elevation"] >= 5, "the camera went under the surface"
assert [t.text for t in v.labels][2] == "loss" and "PC" in v.labels[0].text
changed = (np.abs(with_paths - bare).sum(axis=1) > 60).sum()
print("STD", bare.std(), "CHANGED", changed)
assert bare.std() > 20, "the surface did not render"
assert changed > 50, "the paths did not appear"
# the colour bar names true losses: its lowest tick is the surface's lowest loss, its title "loss"
ticks = {float(t): p for t, p in v.colorbar.labels.items() if t != "loss"}
assert v.colorbar.labels["loss"] > 1 and ticks[min(ticks)] == 0.0
assert abs(min(ticks) - np.nanmin(s.landscape(48))) <= 1e-3 * abs(min(ticks)) + 1e-9
# made after the window speaks Korean, the 3-D bar speaks it too
from losscape_lab.visualizer.i18n import set_language
from losscape_lab.visualizer.views.main_window import make_window
set_language("ko")
window, _ = make_window()
surface = window.ensure_surface()
assert all(any("\uac00" <= ch <= "\ud7a3" for ch in text)
           for text in (surface.log_height.text(), surface.clip.prefix(), surface.reset_camera.text()))
"""


@pytest.fixture(scope="module")
def xvfb():
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb is not installed (apt-get install xvfb): the 3-D view needs a display")
    display = f":{100 + os.getpid() % 50}"
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x1024x24"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    sock = f"/tmp/.X11-unix/X{display[1:]}"
    while not os.path.exists(sock) and time.monotonic() < deadline:
        try:
            proc.wait(timeout=0.05)  # returns only if Xvfb exited: it could not start
            break
        except subprocess.TimeoutExpired:
            pass
    if not os.path.exists(sock):
        proc.kill()
        pytest.skip("Xvfb did not start")
    yield dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    proc.terminate()
    proc.wait()


def _run(args, env):
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    if "could not load the Qt platform plugin" in r.stderr or r.returncode == 3:
        pytest.skip(f"no usable OpenGL/xcb under Xvfb here: {(r.stdout + r.stderr).strip().splitlines()[-1]}")
    return r


def test_under_xvfb_the_surface_and_paths_render(xvfb):
    r = _run([sys.executable, "-c", XVFB_SCRIPT], xvfb)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("preset", ["step-size", "two-minima"])  # the linear model, and a network
def test_under_xvfb_the_3d_export_is_not_blank(xvfb, tmp_path, preset):
    out = tmp_path / "surface.png"
    r = _run([sys.executable, "-m", "losscape_lab", "export", "--preset", preset, "--view", "3d",
              "--out", str(out), "--size", "640x480"], xvfb)
    assert r.returncode == 0, r.stderr
    img = np.asarray(Image.open(out).convert("RGB"), dtype=float)
    assert img.shape == (480, 640, 3) and img.std() > 20


def test_the_camera_stays_above_the_surface():
    from losscape_lab.visualizer.views.surface import MIN_ELEVATION, above

    assert above(-60) == MIN_ELEVATION and above(30) == 30 and above(120) == 90
