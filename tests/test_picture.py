"""A picture you can trust: what the window draws (read back through --state's window_state) agrees
with the kernels and with itself. Built through the app's own window setup (make_window), since a
figure built without it once hid transposed contours."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets

from losscape_lab import kernels
from checks import check_contours_on_their_levels
from losscape_lab.visualizer.session.contours import bilinear
from losscape_lab.visualizer.state import window_state

MARGINS = """[data]\nname = "blobs"\nn = 90\n[model]\nloss = 'hinge'\n[optimizer]\nname = 'gd'\nsteps = 40
[landscape]\nresolution = 64\n[[run]]\nlabel = 'delta 1'\n[[run]]\nlabel = 'delta 2'\ndelta = 2.0"""


def state_of(app, attach, text, steps=0):
    attach(text)
    app.advance(steps)
    return window_state(app.window, app.session)


def test_contour_lines_lie_on_their_levels_and_are_what_is_drawn(app, attach):
    st = state_of(app, attach, "[model]\nloss = 'hinge'\n[landscape]\nresolution = 48\ncontours = 6", 30)
    check_contours_on_their_levels(st["landscape"])
    fig = app.window.landscape.figure
    x, y = fig.contours.getData()  # one item draws every level's segments, in order
    np.testing.assert_array_equal(np.column_stack([x, y]),
                                  np.concatenate([segs.reshape(-1, 2) for _, segs in fig.contour_lines]))
    # a transposed grid (the old fault) puts the same lines off their levels
    land = dict(st["landscape"], grid=np.asarray(st["landscape"]["grid"]).T)
    with pytest.raises(AssertionError):
        check_contours_on_their_levels(land)


def test_log_scale_contours_are_on_their_levels_in_loss_units(app, attach):
    st = state_of(app, attach, "[landscape]\nresolution = 40\nlog_scale = true\ncontours = 5", 10)
    check_contours_on_their_levels(st["landscape"])
    assert all(c["level"] > 0 for c in st["landscape"]["contours"])


def test_the_head_reads_its_plane_value_off_the_grid(app, attach):
    st = state_of(app, attach, "[landscape]\nresolution = 128\n[optimizer]\nsteps = 50", 50)
    land, head = st["landscape"], st["runs"][0]["head"]
    grid = np.asarray(land["grid"], float)
    read = bilinear(grid, land["alphas"], land["betas"], head["a"], head["b"])
    assert read == pytest.approx(head["plane_loss"], rel=0.01)
    W = app.session.plane.point(head["a"], head["b"])
    exact = kernels.loss_and_grad(W, app.session.data.X, app.session.data.y, reg="l2", lam=1e-3)[0]
    assert head["plane_loss"] == pytest.approx(exact, rel=1e-12)


def test_on_the_plane_the_plane_loss_is_the_runs_loss(app, attach):
    st = state_of(app, attach, "[landscape]\nplane = 'weights'\nresolution = 32", 0)
    head = st["runs"][0]["head"]
    assert head["off_plane"] == pytest.approx(0, abs=1e-12)
    assert head["plane_loss"] == pytest.approx(head["loss_full"], rel=1e-12)


def test_title_controls_and_landscape_show_the_selected_runs_model(app, attach):
    attach(MARGINS)
    app.advance(10)
    for k, delta in ((0, 1.0), (1, 2.0)):
        app.window.controls.runs.setCurrentRow(k)
        st = window_state(app.window, app.session)
        assert st["selected"] == k and st["landscape"]["run"] == k
        assert st["controls"]["delta"] == delta == st["landscape"]["model"]["delta"]
        assert st["title"] == f"hinge loss, delta {delta:g}, L2 lambda 0.001 — run 'delta {delta:g}'"
        assert st["runs"][k]["model"]["delta"] == delta
        grid = np.asarray(st["landscape"]["grid"])
        a, b = st["landscape"]["alphas"][7], st["landscape"]["betas"][40]
        W = app.session.plane.point(a, b)
        exact = kernels.loss_and_grad(W, app.session.data.X, app.session.data.y, loss="hinge", delta=delta,
                                      reg="l2", lam=1e-3)[0]
        assert grid[40, 7] == pytest.approx(exact, rel=1e-9)


def test_the_selected_run_is_saved(app, attach, tmp_path):
    from losscape_lab.visualizer.session import config as C

    attach(MARGINS)
    app.window.controls.runs.setCurrentRow(1)
    assert app.save(str(tmp_path / "d.toml"))
    assert C.load(tmp_path / "d.toml").view["selected"] == 1
    with pytest.raises(C.ConfigError, match="selected = 2 names no run"):
        C.loads("[view]\nselected = 2\n[[run]]\n[[run]]")


def test_state_from_the_command_line(tmp_path):
    cfg = tmp_path / "m.toml"
    cfg.write_text(MARGINS + "\n[view]\nselected = 1\n")
    out, state = tmp_path / "shot.png", tmp_path / "state.json"
    r = subprocess.run([sys.executable, "-m", "losscape_lab", "--config", str(cfg), "--screenshot", str(out),
                        "--steps", "20", "--size", "1280x720", "--state", str(state)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    st = json.loads(state.read_text())
    assert st["title"].endswith("— run 'delta 2'") and st["controls"]["delta"] == 2.0
    assert st["window"]["size"] == [1280, 720] and st["window"]["views"]["landscape"][2] > 100
    check_contours_on_their_levels(st["landscape"])
    assert [r["head"]["step"] for r in st["runs"]] == [20, 20]



def test_the_answer_from_the_command_line(tmp_path):
    out, state = tmp_path / "shot.png", tmp_path / "state.json"
    r = subprocess.run([sys.executable, "-m", "losscape_lab", "--preset", "step-size", "--present", "--answer",
                        "--screenshot", str(out), "--steps", "5", "--size", "1280x720", "--state", str(state)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    st = json.loads(state.read_text())
    assert st["lecture"]["position"] == [15, 20] and st["lecture"]["answer_shown"]
    x, y, pw, ph = st["window"]["views"]["landscape"]
    assert pw * ph >= 0.30 * 1280 * 720
    r = subprocess.run([sys.executable, "-m", "losscape_lab", "--preset", "step-size", "--answer"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip() == "losscape: error: --answer needs --screenshot OUT.png (in the window, B shows the answer)"


def test_every_axis_shows_true_values(app, attach):
    import pyqtgraph as pg

    attach("[landscape]\nresolution = 24")
    w = app.window
    axes = [item for view in (w.landscape.canvas, w.curves, w.data) for item in view.scene().items()
            if isinstance(item, pg.AxisItem)]
    assert len(axes) >= 8
    assert [ax.labelText for ax in axes if ax.autoSIPrefix] == []


def test_score_bars_name_their_classes(app, make):
    from losscape_lab.visualizer.session import presets
    from losscape_lab.visualizer.session.session import Session

    app.attach(Session(presets.load("hinge-flat-region")))
    legend = app.window.data.plot.legend
    assert app.window.data.mode == "bars"
    assert [label.text for _, label in legend.items] == list(app.session.data.class_names)


def test_the_endpoints_plane_holds_the_start_and_both_ends_exactly(app, attach):
    st = state_of(app, attach, "[landscape]\nplane = 'endpoints'\nresolution = 32\n[optimizer]\nsteps = 30"
                  "\n[[run]]\nlr = 0.05\n[[run]]\nname = 'momentum'\nbatch_size = 5", 30)
    s = app.session
    for k, run in enumerate(s.runs):
        a, b, off = s.plane.project(run.W[[0, -1]])
        np.testing.assert_allclose(off, 0, atol=1e-9)
        np.testing.assert_allclose([a[0], b[0]], [0, 0], atol=1e-9)
        np.testing.assert_allclose([a[1], b[1]], [[1, 0], [0, 1]][k], atol=1e-9)
        head = st["runs"][k]["head"]
        assert head["plane_loss"] == pytest.approx(head["loss_full"], rel=1e-9)  # the dot is where the run is
    assert st["landscape"]["axes"][0].startswith("start -> end of ")


def test_one_run_endpoints_plane_holds_its_farthest_point(make):
    s = make("[landscape]\nplane = 'endpoints'\n[optimizer]\nname = 'sgd'\nbatch_size = 3\nsteps = 40")
    run = s.runs[0]
    d = (run.W - run.W[0]).reshape(len(run.W), -1)
    unit = d[-1] / np.linalg.norm(d[-1])
    far = np.argmax(np.linalg.norm(d - np.outer(d @ unit, unit), axis=1))  # farthest from start -> end
    assert run.off[[0, -1, far]].max() < 1e-9 and run.off.max() > 1e-6  # those three on it, the rest near
    assert s.plane.axis_names[1] == "start -> farthest point of the paths"


def test_pca_axes_say_how_much_of_the_paths_they_hold(make):
    s = make("[optimizer]\nsteps = 30")
    import re

    shares = [int(re.fullmatch(r"PC \d \((\d+)%\)", name).group(1)) for name in s.plane.axis_names]
    assert shares[0] >= shares[1] and sum(shares) <= 101


def test_the_status_shows_the_run_loss_beside_the_plane_value(app, attach):
    st = state_of(app, attach, "[landscape]\nplane = 'weights'\nresolution = 64\n[optimizer]\nname = 'gd'\n"
                  "steps = 30", 30)
    head = st["runs"][0]["head"]
    assert head["off_plane"] > 0.01  # a run moves in every weight, the plane holds two
    status = st["status"]
    assert f"loss: run {app.session.runs[0].loss_full[30]:.4g} / plane " in status
    assert f"off the plane by {head['off_plane']:.2g}" in status
    st = state_of(app, attach, "[landscape]\nplane = 'endpoints'\nresolution = 64\n[optimizer]\nname = 'gd'\n"
                  "steps = 30", 30)
    assert "(on the plane)" in st["status"]


def test_a_diverging_run_is_drawn_up_to_the_frame_and_marked_there(app, attach):
    attach("[model]\nlam = 0.1\n[optimizer]\nname = 'gd'\nsteps = 150\n[landscape]\nresolution = 32\n"
           "[[run]]\nlr = 1.5\n[[run]]\nlr = 10.0")
    app.advance(150)
    s, fig = app.session, app.window.landscape.figure
    assert s.runs[1].diverged_at is not None
    a_lo, a_hi, b_lo, b_hi = s.extent
    x, y = fig.layer.path(1)
    eps = 1e-9 * (a_hi - a_lo)
    assert (x >= a_lo - eps).all() and (x <= a_hi + eps).all() and (y >= b_lo - eps).all() and (y <= b_hi + eps).all()
    on_edge = min(abs(x[-1] - a_lo), abs(x[-1] - a_hi), abs(y[-1] - b_lo), abs(y[-1] - b_hi))
    assert on_edge < 1e-6 * (a_hi - a_lo)  # it ends where it leaves the view
    mx, my = fig.marks[1].getData()
    assert (mx[0], my[0]) == (x[-1], y[-1])
    assert fig.notes[1].isVisible() and fig.notes[1].textItem.toPlainText() == f"diverged at step {s.runs[1].diverged_at}"
    assert not fig.notes[0].isVisible() and len(fig.marks[0].getData()[0]) == 0
    assert len(x) < 30  # not the swings from edge to edge that drew a band


def test_box_title_legend_and_landscape_change_together(app, attach, qtbot):
    s = attach("[model]\nlam = 0.01\n[landscape]\nresolution = 24\n[[run]]\nlr = 0.1\n[[run]]\nlr = 0.3")
    c = app.window.controls
    seen = []

    def agree(_):
        st = window_state(app.window, s)
        lam = s.landscape_model()["lam"]
        seen.append((c.lam.box.text(), f"{lam:g}", st["title"], st["controls"]["lam"]))
        grid = np.asarray(st["landscape"]["grid"])
        W = s.plane.point(st["landscape"]["alphas"][3], st["landscape"]["betas"][5])
        exact = kernels.loss_and_grad(W, s.data.X, s.data.y, reg="l2", lam=lam)[0]
        assert grid[5, 3] == pytest.approx(exact, rel=1e-6)  # softmax grids sum in float32 (1e-5 at most)

    c.lam.valueChanged.connect(agree, QtCore.Qt.ConnectionType.QueuedConnection)  # after the app handled it
    for pos in range(300, 700, 40):
        c.lam.slider.setValue(pos)
        assert c.lam.box.text() == f"{s.landscape_model()['lam']:g}"  # the box never runs ahead
    qtbot.waitUntil(lambda: len(seen) >= 1 and seen[-1][0] == f"{c.lam.value():g}", timeout=3000)
    for box, lam, title, shown in seen:
        assert box == lam and f"lambda {lam}" in title and shown == float(lam)
    c.lr.box.setText("0.7")
    c.lr.box.editingFinished.emit()
    st = window_state(app.window, s)
    assert "lr=0.7" in st["landscape"]["legend"][0] and st["controls"]["runs"][0] == st["runs"][0]["label"]


def test_exported_figures_carry_the_windows_title(app, attach):
    from losscape_lab.visualizer.views.render import FigureCanvas

    attach(MARGINS + "\n[view]\nselected = 1")
    canvas = FigureCanvas(app.session, app.session.landscape(), (600, 400))
    try:
        labels = [item.text for item in canvas.widget.ci.items if hasattr(item, "text")]
    finally:
        canvas.close()
    assert labels == [app.window.landscape.title.text()] and labels[0].endswith("— run 'delta 2'")


def test_the_status_numbers_are_exact_not_read_off_the_grid(app):
    from losscape_lab.visualizer.session import presets
    from losscape_lab.visualizer.session.session import Session

    app.attach(Session(presets.load("softmax-vs-hinge")))
    app.advance(40)
    st = window_state(app.window, app.session)
    head = st["runs"][0]["head"]
    assert f"loss: run {head['loss_full']:.4g} / plane {head['plane_loss']:.4g} " in st["status"]


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_at_projector_sizes_the_landscape_is_large_and_nothing_is_cut(app, attach, qtbot, size):
    from losscape_lab.visualizer.session import presets
    from losscape_lab.visualizer.session.session import Session

    app.attach(Session(presets.load("step-size")))
    app.window.resize(*size)
    qtbot.waitUntil(lambda: app.window.size().width() == size[0], timeout=2000)
    app.advance(20)
    st = window_state(app.window, app.session)
    x, y, w, h = st["window"]["views"]["landscape"]
    assert w >= 0.28 * size[0] and h >= 0.3 * size[1], (w, h)  # was about 190 px wide at 1280x720
    panel = app.window.controls
    assert panel.widget().minimumSizeHint().width() <= panel.viewport().width()  # the panel is never clipped
    title = app.window.landscape.title
    assert title.heightForWidth(title.width()) <= title.height() + 2  # the whole title shows (it may wrap)
    assert app.window.landscape.figure.legend is None  # the runs list names the colours: no legend on top


def test_long_curves_are_drawn_from_a_bounded_number_of_points():
    from losscape_lab.visualizer.views.curves import PEAK_BINS, peaks

    rng = np.random.default_rng(0)
    x = np.arange(100_000.0)
    y = rng.random(100_000)
    y[77_777] = 5.0  # a spike must survive
    px, py = peaks(x, y)
    assert len(px) <= 2 * PEAK_BINS + 2 and py.max() == 5.0 and (px[0], px[-1]) == (x[0], x[-1])
    assert np.all(np.diff(px) > 0)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_in_presenter_mode_the_landscape_is_the_largest_thing_on_screen(app, qtbot, size):
    from losscape_lab.visualizer.session import presets
    from losscape_lab.visualizer.session.session import Session

    app.attach(Session(presets.load("step-size")))
    w = app.window
    w.resize(*size)
    qtbot.waitUntil(lambda: w.size().width() == size[0], timeout=2000)
    w.set_presenter(True)
    qtbot.wait(20)
    st = window_state(app.window, app.session)
    x, y, pw, ph = st["window"]["views"]["landscape"]
    # 38%: the colour bar's numbers at the axes' size (readable from the back row) cost 12 px of width
    assert pw * ph >= 0.38 * size[0] * size[1], (pw, ph)
    assert not w.controls.isVisible()
    w.toggle_controls()  # the drawer slides out, and back
    assert w.controls.isVisible()
    w.toggle_controls()
    w.set_presenter(False)
    assert w.controls.isVisible()


def test_a_frame_strokes_only_the_new_steps_of_each_path(app, attach):
    """Frame cost flat in the steps drawn: a frame adds its new segments to the pictures of the paths
    and strokes nothing else; the path drawn is the run's, first step to the shown one."""
    s = attach("[optimizer]\nsteps = 700\nname = \"sgd\"\nbatch_size = 4\nlr = 0.05\n[[run]]\n[[run]]\nlr = 0.1")
    fig, curves = app.window.landscape.figure, app.window.curves
    app.advance(600)
    QtWidgets.QApplication.processEvents()
    for _ in range(5):
        app.advance(1)
        QtWidgets.QApplication.processEvents()
        assert 1 <= fig.layer.stroked <= 2 * 2  # one new segment a run (two after a clip's gap)
    for k, run in enumerate(s.runs):
        x, y = fig.layer.path(k)
        i = run.shown(s.display_step)
        np.testing.assert_array_equal(x, run.a[:i + 1])
        np.testing.assert_array_equal(y, run.b[:i + 1])
    run = s.runs[0]
    i = run.shown(s.display_step)
    x, y = curves.drawn(0, "full")  # the full-loss curve: the whole run, first step to the shown one
    assert x[0] == 0 and x[-1] == i and y[-1] == run.loss_full[i]
    x, y = curves.drawn(0, "penalty")  # the selected run's penalty at every step, drawn a step at a time too
    np.testing.assert_array_equal(y, run.loss_reg[:i + 1])


def test_paths_drawn_step_by_step_look_as_paths_drawn_at_once(app, attach):
    """The animation adds each step to the paths' pictures; a zoom or a resize draws them again from the
    whole paths (thinned to the screen's pixels). Both must be the same picture."""
    from losscape_lab.visualizer.views.render import rgb_array

    from losscape_lab.visualizer.session import presets
    from losscape_lab.visualizer.session.session import Session

    app.attach(Session(presets.load("step-size")))  # a crawl, a zig-zag, a blow-up: segments of every length
    canvas, fig = app.window.landscape.canvas, app.window.landscape.figure
    for _ in range(150):
        app.advance(1)
        QtWidgets.QApplication.processEvents()
    step_by_step = rgb_array(canvas.grab()).astype(int)
    fig.layer.set_paths([None] * 4, fig.extent)  # a change that is no extension: drawn again at once
    app.refresh_runs()
    at_once = rgb_array(canvas.grab()).astype(int)
    assert fig.layer.stroked > 100
    differs = np.abs(step_by_step - at_once).max(axis=2) > 40
    assert differs.mean() < 1e-4, differs.mean()  # where runs overlap, the turns may differ


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_a_round_valley_stays_round_in_normal_and_presenter_mode(app, attach, size):
    """One unit of a is as many pixels as one of b wherever the plane's axes share a unit (here the PCA
    plane of step-size, whose spans are equal): a round valley looks round, and the gradient crosses the
    contours at a right angle on screen."""
    from losscape_lab.visualizer.session import presets

    attach(presets.available()["step-size"].read_text())
    w = app.window
    for presenting in (False, True):
        w.set_presenter(presenting)
        w.resize(*size)
        QtWidgets.QApplication.processEvents()
        st = window_state(w, app.session)
        across, down = st["landscape"]["pixels_per_unit"]
        assert st["landscape"]["equal_scales"] and across > 10
        assert across == pytest.approx(down, rel=0.1), (size, presenting)
    w.set_presenter(False)


def test_a_weight_against_a_bias_is_drawn_on_its_own_scales(app, attach):
    attach("[landscape]\nplane = 'weights'\nentries = [[0, 0], [2, 1]]\nresolution = 24")  # blobs: W is 3 x C
    assert not app.session.plane.equal_scales
    attach("[landscape]\nplane = 'weights'\nentries = [[0, 0], [1, 1]]\nresolution = 24")
    assert app.session.plane.equal_scales


def test_exported_figures_keep_equal_scales(app, attach):
    from losscape_lab.visualizer.session import presets
    from losscape_lab.visualizer.views.render import FigureCanvas, dispose

    attach(presets.available()["step-size"].read_text())
    for size, curves in (((1280, 720), False), ((640, 900), False), ((800, 600), True)):  # wide, tall, GIF
        canvas = FigureCanvas(app.session, app.session.landscape(), size, with_curves=curves)
        across, down = canvas.figure.pixels_per_unit()
        assert across == pytest.approx(down, rel=0.02), size
        if curves:  # an animation's frames: the landscape stays where it is while the runs move on and the
            # legend's labels grow ("... (diverged at step 17)")
            ranges = []
            for t in (0, 17, 150):
                canvas.draw(t)
                canvas.image()
                ranges.append((canvas.figure.plot.vb.viewRange(), canvas.figure.plot.vb.sceneBoundingRect()))
            assert ranges[0] == ranges[1] == ranges[2]
        dispose(canvas.widget)


@pytest.mark.parametrize("name", ["step-size", "stability-limit"])  # stability-limit: a long answer
def test_with_the_answer_shown_the_landscape_keeps_a_third_of_a_small_projector(app, qtbot, name):
    """B at 1280x720 in presenter mode: the answer takes the place of "look at", and the landscape's plot
    still holds at least 30% of the window, in English and in Korean."""
    from losscape_lab.visualizer.i18n import set_language
    from losscape_lab.visualizer.session import presets
    from losscape_lab.visualizer.session.session import Session

    app.attach(Session(presets.load(name)))
    w = app.window
    w.resize(1280, 720)
    qtbot.waitUntil(lambda: w.size().width() == 1280, timeout=2000)
    w.set_presenter(True)
    land = w.landscape
    land.show_answer()
    try:
        for lang in ("en", "ko"):
            app.set_language(lang)
            qtbot.wait(20)
            assert land.answer.isVisibleTo(w) and not land.look.isVisibleTo(w)
            x, y, pw, ph = window_state(w, app.session)["window"]["views"]["landscape"]
            assert pw * ph >= 0.30 * 1280 * 720, (lang, pw, ph)
    finally:
        set_language("en")
    land.toggle_answer()  # B again: what to look at is back
    assert land.look.isVisibleTo(w) and not land.answer.isVisibleTo(w)
    w.set_presenter(False)


@pytest.mark.parametrize("base, spread", [(0.0, 0.003), (2.302585, 0.003), (1.0, 1e-7), (5e4, 3e4)])
def test_the_colour_bar_has_numbers_at_any_range(qapp, base, spread):
    import pyqtgraph as pg
    from PyQt6 import QtGui

    from losscape_lab.visualizer.views.figure import LandscapeFigure
    from losscape_lab.visualizer.views.render import dispose

    w = pg.GraphicsLayoutWidget()
    w.resize(600, 400)
    fig = LandscapeFigure(w.addPlot(), legend_cell=False)
    g = base + spread * np.sin(np.linspace(0, 6, 40))[:, None] * np.cos(np.linspace(0, 6, 40))[None, :]
    fig.set_landscape(g, (-1.0, 1.0, -1.0, 1.0))
    w.show()
    QtWidgets.QApplication.processEvents()
    ax = fig.colorbar.getAxis("right")
    image = QtGui.QImage(50, 50, QtGui.QImage.Format.Format_RGB32)
    painter = QtGui.QPainter(image)
    try:
        _, _, texts = ax.generateDrawSpecs(painter)
    finally:
        painter.end()
    shown = [t for _, _, t in texts]
    assert len(shown) >= 2, shown
    lo, hi = fig.colorbar.levels()
    values = [float(t) for t in shown]
    assert all(lo - 1e-12 <= v <= hi + 1e-12 for v in values) and len(set(shown)) == len(shown)  # distinct
    widest = max(QtGui.QFontMetrics(ax.style["tickFont"]).horizontalAdvance(t) for t in shown)
    assert widest <= ax.style["tickTextWidth"]  # none cut
    dispose(w)
