"""The controller against mock views: what it tells each view, through the views' narrow methods, when
the session changes. No window is built (ndv tests its controller the same way)."""

from unittest import mock

import numpy as np
import pytest

from losscape_lab import kernels
from losscape_lab.visualizer.controller import Controller
from losscape_lab.visualizer.views import bases
from losscape_lab.visualizer.workers import Worker


PANELS = {"controls": bases.ControlPanelBase, "landscape": bases.LandscapeViewBase, "data": bases.DataViewBase,
          "curves": bases.CurvesViewBase, "lecture": bases.LecturePanelBase, "examples": bases.ExamplesViewBase,
          "weights": bases.WeightsViewBase}


def spec_window():
    """The window and its panels as mocks of their interfaces (views/bases.py): a method the controller
    calls that the interface does not have, or calls with arguments it does not take, fails at once."""
    window = mock.create_autospec(bases.MainWindowBase, instance=True, name="window")
    for name, base in PANELS.items():
        setattr(window, name, mock.create_autospec(base, instance=True, name=name))
    window.weights.footer = mock.MagicMock(name="footer")  # a QLabel
    return window


def test_the_views_provide_the_interfaces_the_controller_uses(qapp):
    """Every method of an interface is the view's, with the same parameters; every signal is a signal;
    every attribute is set on a real window."""
    import inspect

    from PyQt6 import QtCore

    from losscape_lab.visualizer.views.main_window import make_window
    from losscape_lab.visualizer.views.render import dispose
    from losscape_lab.visualizer.views.surface import SurfaceView

    window, _ = make_window()
    try:
        real = {"window": window, **{name: getattr(window, name) for name in PANELS}}
        bases_of = {"window": bases.MainWindowBase, **PANELS}
        for part, base in bases_of.items():
            for name, member in vars(base).items():
                if name.startswith("_"):
                    continue
                assert hasattr(real[part], name), f"{part}.{name}"
                if isinstance(member, bases.Signal):
                    assert isinstance(getattr(type(real[part]), name), QtCore.pyqtSignal), f"{part}.{name}"
                elif callable(member):
                    assert inspect.signature(getattr(type(real[part]), name)) == inspect.signature(member), \
                        f"{part}.{name}"
        for name in ("set_landscape", "set_runs"):
            assert inspect.signature(getattr(SurfaceView, name)) == inspect.signature(getattr(bases.SurfaceViewBase, name))
    finally:
        dispose(window)


@pytest.fixture
def ctl(qapp, make):
    window = spec_window()
    window.surface = None
    window.explaining = False
    window.surface_shown.return_value = False
    window.panel_shown.return_value = "lecture"
    window.lecture.example_index.return_value = 0
    window.ask_path.return_value = ""
    c = Controller(window, Worker(sync=True))
    c.make = make
    yield c
    c.pause()


def last(method):
    return method.call_args.args


def test_attach_shows_the_session_everywhere(ctl):
    s = ctl.make("[landscape]\nresolution = 24\n[view]\nnote = 'look here'")
    ctl.attach(s)
    w = ctl.window
    assert "softmax loss" in last(w.landscape.show_title)[0]
    assert last(w.landscape.show_note) == ("look here",)
    grid, extent, log_scale, contours, equal_scales = last(w.landscape.show_landscape)
    assert grid.shape == (24, 24) and extent == s.extent and contours == s.config.landscape["contours"]
    assert equal_scales is s.plane.equal_scales is True  # the PCA plane's axes share a unit
    assert last(w.landscape.show_runs)[0] is s.runs and last(w.landscape.show_runs)[1:] == (0, 0)
    assert last(w.controls.show_session)[0] is s
    w.data.show_data.assert_called_once_with(s.data, False)  # False: not a network
    assert "step 0" in last(w.landscape.show_status)[0]
    assert w.lecture.show_numbers.called


def test_a_model_change_redraws_title_and_landscape(ctl):
    ctl.attach(ctl.make("[landscape]\nresolution = 24"))
    w = ctl.window
    before = w.landscape.show_landscape.call_count
    ctl._on_controls_model_changed({"loss": "hinge"})
    assert last(w.landscape.show_title)[0].startswith("hinge loss, delta 1, L2 lambda 0.001 — run ")
    assert w.landscape.show_landscape.call_count > before
    ctl._on_controls_model_changed({"lam": 0.5})
    assert "L2 lambda 0.5" in last(w.landscape.show_title)[0]


def test_a_bad_value_is_a_message_and_the_controls_are_restored(ctl):
    ctl.attach(ctl.make())
    w = ctl.window
    shown = w.controls.show_session.call_count
    ctl._on_controls_model_changed({"lam": -1.0})
    assert "lam must be >= 0" in last(w.show_message)[0]
    assert w.controls.show_session.call_count == shown + 1
    ctl._on_controls_landscape_changed({"plane": "sideways"})
    assert "[landscape] plane must be one of" in last(w.show_message)[0]
    assert ctl.session.config.landscape["plane"] == "pca"


def test_a_new_plane_recomputes_the_landscape_and_log_scale_only_redraws(ctl):
    ctl.attach(ctl.make("[landscape]\nresolution = 24"))
    s, w = ctl.session, ctl.window
    version = s.plane_version
    ctl._on_controls_landscape_changed({"plane": "random"})
    assert s.plane_version == version + 1 and s.plane.mode == "random"
    assert last(w.landscape.show_axes) == (("filter-normalized random direction 1", "filter-normalized random direction 2"),)
    ctl._on_controls_landscape_changed({"log_scale": True})
    assert s.plane_version == version + 1 and last(w.landscape.show_landscape)[2] is True


def test_export_keeps_playback_as_it_was(ctl, tmp_path):
    ctl.attach(ctl.make("[optimizer]\nsteps = 5"))
    ctl.play()
    summary = ctl.export_to(str(tmp_path / "runs.csv"))
    assert summary.startswith("wrote") and ctl.playing
    ctl.pause()
    ctl.export_to(str(tmp_path / "runs.json"))
    assert not ctl.playing and last(ctl.window.show_message)[0].startswith("wrote")


def test_cancelled_dialogs_do_nothing(ctl):
    ctl.attach(ctl.make())
    ctl._on_window_open_requested()
    ctl._on_window_screenshot_requested()
    ctl._on_window_export_requested()
    assert [c.args[0] for c in ctl.window.ask_path.call_args_list] == ["open", "screenshot", "export"]
    ctl.window.screenshot_png.assert_not_called()


MARGINS = """[model]\nloss = 'hinge'\n[landscape]\nresolution = 24
[[run]]\nlabel = 'delta 1'\n[[run]]\nlabel = 'delta 2'\ndelta = 2.0"""


def test_the_landscape_is_the_selected_runs_model(ctl):
    ctl.attach(ctl.make(MARGINS))
    s, w = ctl.session, ctl.window
    assert last(w.landscape.show_title)[0] == "hinge loss, delta 1, L2 lambda 0.001 — run 'delta 1'"
    first = last(w.landscape.show_landscape)[0]
    ctl._on_controls_run_selected(1)
    assert s.config.view["selected"] == 1
    assert last(w.landscape.show_title)[0] == "hinge loss, delta 2, L2 lambda 0.001 — run 'delta 2'"
    second = last(w.landscape.show_landscape)[0]
    assert not np.allclose(first, second)
    # the grid is run 2's loss: check one point against the kernels
    alphas, betas = s.axes(24)
    W = s.plane.point(alphas[5], betas[17])
    ref = kernels.loss_and_grad(W, s.data.X, s.data.y, loss="hinge", delta=2.0, reg="l2", lam=1e-3)[0]
    assert second[17, 5] == pytest.approx(ref, rel=1e-9)
    assert last(w.controls.show_session)[1] == 1


def test_editing_an_override_changes_that_run_only_and_share_applies_it_to_all(ctl):
    ctl.attach(ctl.make(MARGINS))
    s = ctl.session
    ctl._on_controls_run_selected(1)
    ctl._on_controls_model_changed({"delta": 3.0})  # run 2 overrides delta: only it changes
    assert [s.model_of(r)["delta"] for r in s.runs] == [1.0, 3.0]
    ctl._on_controls_model_changed({"lam": 0.1})  # nobody overrides lam: shared
    assert [s.model_of(r)["lam"] for r in s.runs] == [0.1, 0.1]
    ctl._on_controls_share_requested()
    assert [s.model_of(r)["delta"] for r in s.runs] == [3.0, 3.0]
    assert "delta 3" in last(ctl.window.landscape.show_title)[0]


def test_playback_stops_at_the_planned_steps_and_continues(ctl):
    ctl.attach(ctl.make("[optimizer]\nsteps = 12"))
    ctl.play()
    assert not ctl.advance(50) and ctl.session.display_step == 12
    ctl.pause()
    assert last(ctl.window.controls.show_step) == (12, 12)
    assert "stopped at its planned steps" in last(ctl.window.landscape.show_status)[0]
    ctl.continue_runs()
    assert ctl.playing and ctl.session.planned_steps == 24
    ctl.advance(50)
    assert ctl.session.display_step == 24


def test_play_after_every_run_diverged_says_why(ctl):
    ctl.attach(ctl.make("[model]\nlam = 1.0\n[optimizer]\nname = 'gd'\nlr = 5.0\nsteps = 600"))
    ctl.advance(600)
    ctl.pause()
    ctl.play()
    assert not ctl.playing and "Every run diverged" in last(ctl.window.show_message)[0]


def test_a_click_restarts_from_step_0_playing_and_ctrl_z_takes_it_back(ctl):
    ctl.attach(ctl.make("[optimizer]\nsteps = 40\n[[run]]\nlr = 0.1\n[[run]]\nlr = 0.3"))
    s = ctl.session
    ctl.advance(25)
    ctl.pause()
    before = s.runs[0].W[0].copy()
    ctl._on_landscape_start_clicked(0.3, -0.2, False)
    assert ctl.session.display_step == 0 and ctl.playing
    assert ctl.session.runs[0].a[0] == pytest.approx(0.3) and "Ctrl+Z" in last(ctl.window.show_message)[0]
    clicked = ctl.session.runs[0].W[0].copy()
    ctl.pause()
    ctl._on_controls_run_changed({"lr": 0.05})
    assert ctl.session.runs[0].settings["lr"] == 0.05
    ctl.undo()  # the step size comes back
    assert ctl.session.runs[0].settings["lr"] == 0.1
    np.testing.assert_array_equal(ctl.session.runs[0].W[0], clicked)  # the clicked start stays
    ctl.undo()  # and the start
    np.testing.assert_array_equal(ctl.session.runs[0].W[0], before)
    assert ctl.session.display_step == 25
    ctl.undo()
    assert last(ctl.window.show_message)[0] == "Nothing to undo"
