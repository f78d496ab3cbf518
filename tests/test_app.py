"""The window, offscreen: it opens, controls change the session, play advances, clicks set the start,
divergence is shown, save/load round-trips, and the worker drops superseded landscapes."""

import io

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets

from losscape_lab.visualizer.session import config as C
from losscape_lab.visualizer.workers import Worker


def test_window_opens_with_landscape_runs_and_lecture(app, attach):
    s = attach("[landscape]\nresolution = 32")
    fig = app.window.landscape.figure
    assert fig.grid is not None and fig.grid.shape == (32, 32)
    assert len(fig.heads) == 1 and fig.layer.path(0) is not None and fig.layer.path(1) is None
    assert "loss" in app.window.landscape.title.text()
    html = app.window.lecture.text.toPlainText()
    assert "expected ln C = 1.0986" in html and "gradient check" in html
    assert s.display_step == 0


def test_controls_change_the_session(app, attach):
    s = attach("[landscape]\nresolution = 24")
    c = app.window.controls
    c.loss.setCurrentIndex(c.loss.findData("hinge"))
    assert s.model["loss"] == "hinge"
    c.reg.setCurrentIndex(c.reg.findData("l1"))
    assert s.model["reg"] == "l1"
    c.lam.box.setText("0.05")
    c.lam.box.editingFinished.emit()
    assert s.model["lam"] == 0.05
    c.lr.box.setText("0.7")
    c.lr.box.editingFinished.emit()
    assert s.runs[0].settings["lr"] == 0.7
    c.batch.setValue(5)
    assert s.runs[0].settings["batch_size"] == 5
    c.opt.setCurrentIndex(c.opt.findData("adam"))
    assert s.runs[0].settings["name"] == "adam" and c.beta1.isEnabled()
    c.add.click()
    assert len(s.runs) == 2 and app.selected == 1 and c.runs.count() == 2
    c.remove.click()
    assert len(s.runs) == 1


def test_lam_slider_is_rate_limited_and_lands_on_the_last_value(app, qtbot, attach):
    s = attach("[landscape]\nresolution = 24")
    c = app.window.controls
    seen = []
    c.lam.valueChanged.connect(seen.append)
    for pos in range(200, 800, 20):
        c.lam.slider.setValue(pos)
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] == c.lam.value(), timeout=2000)
    assert len(seen) < 10  # 30 slider moves, few updates
    assert s.model["lam"] == c.lam.value()


def test_play_advances_and_keyboard_controls(app, qtbot, attach):
    s = attach("[view]\nspeed = 500")
    app.window.activateWindow()
    app.window.play_action.trigger()
    assert app.playing
    qtbot.waitUntil(lambda: s.display_step > 20, timeout=5000)
    app.window.play_action.trigger()
    assert not app.playing
    shown = s.display_step
    app.window.controls.step.click()
    assert s.display_step == shown + 1
    app.window.controls.reset.click()
    assert s.display_step == 0


def test_click_on_landscape_sets_the_start(app, qtbot, attach):
    s = attach("[landscape]\nresolution = 24\n[[run]]\nlr = 0.1\n[[run]]\nlr = 0.2")
    view = app.window.landscape
    a_lo, a_hi, b_lo, b_hi = s.extent
    a, b = a_lo + 0.3 * (a_hi - a_lo), b_lo + 0.6 * (b_hi - b_lo)
    scene_pt = view.plot.vb.mapViewToScene(QtCore.QPointF(a, b))
    widget_pt = view.canvas.mapFromScene(scene_pt)
    other_start = s.runs[0].W[0].copy()
    app.window.controls.runs.setCurrentRow(1)
    qtbot.mouseClick(view.canvas.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=widget_pt)
    run = s.runs[1]
    assert run.a[0] == pytest.approx(a, abs=0.02 * (a_hi - a_lo))
    assert run.b[0] == pytest.approx(b, abs=0.02 * (b_hi - b_lo))
    np.testing.assert_array_equal(s.runs[0].W[0], other_start)  # only the selected run moved
    qtbot.mouseClick(view.canvas.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     QtCore.Qt.KeyboardModifier.ShiftModifier, pos=widget_pt)
    np.testing.assert_allclose(s.runs[0].W[0], s.runs[1].W[0])  # Shift+click: every run


def test_too_large_step_size_is_marked_and_the_app_keeps_working(app, attach):
    s = attach("[model]\nlam = 1.0\n[optimizer]\nname = 'gd'\nlr = 5.0\nsteps = 600")
    app.advance(700)
    assert "DIVERGED at step" in app.window.landscape.status.text()
    assert len(app.window.landscape.figure.marks[0].data) == 1
    app.window.controls.lr.box.setText("0.1")
    app.window.controls.lr.box.editingFinished.emit()
    app.reset()
    app.advance(50)
    assert s.runs[0].diverged_at is None and "DIVERGED" not in app.window.landscape.status.text()


def test_save_then_load_gives_the_same_demo(app, tmp_path, attach):
    s = attach("[optimizer]\nlr = 0.3\n[[run]]\nbatch_size = 4\n[[run]]\nname = 'adam'")
    app.window.controls.lam.box.setText("0.02")
    app.window.controls.lam.box.editingFinished.emit()
    path = tmp_path / "demo.toml"
    assert app.save(str(path))
    again = C.load(path)
    assert again.runs == s.config.runs and again.model == s.config.model
    assert again.model["lam"] == 0.02
    assert again.start is None or np.allclose(np.array(again.start), s.W_start)


def test_save_to_an_unwritable_place_says_so(app, tmp_path, attach):
    attach()
    bad = tmp_path / "missing" / "demo.toml"
    assert not app.save(str(bad))
    assert "Could not save" in app.window.statusBar().currentMessage()
    assert "Could not save" in app.window.last_dialog.text()
    app.window.last_dialog.close()
    assert not bad.exists()


def test_a_bad_value_is_a_status_message_not_a_crash(app, attach):
    s = attach()
    app._on_controls_model_changed({"lam": -3.0})
    assert "lam must be >= 0" in app.window.statusBar().currentMessage()
    assert s.model["lam"] == 1e-3


def test_threaded_worker_skips_superseded_landscapes(qtbot, make):
    import threading

    worker = Worker()
    got = []
    worker.landscape_ready.connect(lambda gen, key, grid: got.append(gen))
    s = make("[landscape]\nresolution = 64")
    started, release = threading.Event(), threading.Event()
    worker.submit(lambda w, gen: (started.set(), release.wait(10)))  # keeps the worker busy...
    assert started.wait(10)
    first = worker.request_landscapes([s.landscape_request()])
    second = worker.request_landscapes([s.landscape_request(32)])  # ...while two requests queue up
    release.set()
    qtbot.waitUntil(lambda: second in got, timeout=20000)
    worker.stop()
    assert first not in got and got == [second]


def test_the_rest_of_the_warm_up_survives_a_request_that_comes_before_it_starts(qtbot, monkeypatch):
    """warm_up_rest queues once: a landscape requested while it waits must not drop it for good."""
    import threading

    from losscape_lab.visualizer import workers

    warmed = []
    monkeypatch.setattr(workers, "warm_up_kernels", lambda **kw: warmed.append(True))
    worker = Worker()
    started, release = threading.Event(), threading.Event()
    worker.submit(lambda w, gen: (started.set(), release.wait(10)))  # the worker is busy...
    assert started.wait(10)
    worker.warm_up_rest()  # ...the rest is queued...
    later = []
    worker.submit(lambda w, gen: later.append(gen))  # ...and a new request after it
    release.set()
    qtbot.waitUntil(lambda: bool(later), timeout=20000)
    worker.stop()
    assert warmed == [True]


def test_controller_drops_a_result_from_an_older_request(app, attach):
    s = attach("[landscape]\nresolution = 24")
    stale = s.landscape_request(40)
    app.worker.latest += 1  # a newer request went out after the one this result answers
    app._on_worker_landscape_ready(app.worker.latest - 1, stale.key, stale.compute())
    assert not s.has_data_grid(stale.key)
    app._on_worker_landscape_ready(app.worker.latest, stale.key, stale.compute())
    assert s.has_data_grid(stale.key)


def test_export_from_the_app_and_cancel(app, tmp_path, qtbot, attach):
    attach("[optimizer]\nsteps = 20\n[landscape]\nresolution = 24")
    app.advance(20)
    png = tmp_path / "fig.png"
    assert "wrote" in app.export_to(str(png))
    assert png.stat().st_size > 10000
    gif = tmp_path / "anim.gif"
    QtCore.QTimer.singleShot(0, lambda: app.window.progress_dialog.cancel())
    assert app.export_to(str(gif), size=(400, 300), frames=15) is None
    assert not gif.exists() and "cancelled" in app.window.statusBar().currentMessage()
    assert app.export_to(str(tmp_path / "no" / "fig.svg")) is None
    app.window.last_dialog.close()
    app._on_window_copy_requested()
    from PyQt6 import QtWidgets
    assert not QtWidgets.QApplication.clipboard().pixmap().isNull()


def test_after_typing_a_value_the_playback_keys_work_again(app, qtbot, attach):
    s = attach("[view]\nspeed = 500")
    w = app.window
    w.activateWindow()
    box = w.controls.lam.box
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    box.selectAll()
    qtbot.keyClicks(box, "0.002")
    qtbot.keyClick(box, QtCore.Qt.Key.Key_Return)
    assert s.landscape_model()["lam"] == 0.002
    qtbot.waitUntil(lambda: not box.hasFocus(), timeout=2000)
    qtbot.wait(10)
    shown = s.display_step
    from PyQt6 import QtWidgets

    qtbot.keyClick(QtWidgets.QApplication.focusWidget() or w, QtCore.Qt.Key.Key_Right)  # a step, not a cursor move
    assert s.display_step == shown + 1 and box.text() == "0.002"


def test_the_lecture_panel_keeps_its_scroll_while_numbers_change(app, attach):
    attach()
    w = app.window
    w.tabs.setCurrentWidget(w.lecture)
    w.resize(1280, 720)
    app.refresh_lecture()
    bar = w.lecture.text.verticalScrollBar()
    assert bar.maximum() > 0  # the panel is taller than its view
    bar.setValue(bar.maximum())
    app.advance(5)
    app.refresh_lecture()
    assert bar.value() == bar.maximum() > 0


def test_before_the_session_the_controls_show_the_demos_values_greyed(app):
    from losscape_lab.visualizer.session import presets

    cfg = presets.load("margin-delta")
    c = app.window.controls
    c.show_config(cfg)
    run = cfg.runs[0]
    assert not c.isEnabled() and c.opt.currentData() == run["name"] and c.lr.value() == run["lr"]
    effective = {k: cfg.model[k] if run.get(k) is None else run[k] for k in ("loss", "delta", "reg", "lam")}
    assert (c.loss.currentData(), c.delta.value(), c.reg.currentData(), c.lam.value()) == \
        (effective["loss"], effective["delta"], effective["reg"], effective["lam"]) == ("hinge", 1.0, "l2", 0.02)
    assert c.runs.count() == len(cfg.runs)


def test_rmsprop_rho_and_the_schedule_have_controls(app, attach):
    s = attach("[optimizer]\nname = 'rmsprop'\nschedule = 'step'\nsteps = 30")
    c = app.window.controls
    assert c.rho.isEnabled() and c.decay.isEnabled() and c.step_every.isEnabled() and not c.horizon.isEnabled()
    c.rho.setValue(0.9)
    c.decay.setValue(0.25)
    c.step_every.setValue(7)
    st = s.runs[0].settings
    assert (st["rho"], st["decay"], st["step_every"]) == (0.9, 0.25, 7)
    c.schedule.setCurrentIndex(c.schedule.findData("cosine"))
    assert c.horizon.isEnabled() and not c.step_every.isEnabled()
    c.horizon.setValue(40)
    assert s.runs[0].settings["horizon"] == 40


def test_help_lists_the_keyboard_shortcuts(app):
    keys = dict(app.window.shortcuts())
    for key in ("Space", "Right", "R", "F", "Ctrl+S", "Ctrl+O", "Ctrl+E", "F1"):
        assert key in keys, keys
    assert keys["Space"] == "Play / pause"
    app.window.show_shortcuts()
    assert "Play / pause" in app.window.last_dialog.text()
    app.window.last_dialog.close()


def test_home_left_and_r_stay_paused_and_space_plays_on(app, attach, qtbot):
    s = attach("[optimizer]\nsteps = 30", play=True)
    w = app.window
    app.advance(20)
    assert app.playing and s.display_step == 20
    c = w.controls
    c.step_back_requested.emit()  # Left
    assert not app.playing and s.display_step == 19
    loss_19 = s.run_loss(0)
    c.to_start_requested.emit()  # Home: step 0, and it stays there
    assert not app.playing and s.display_step == 0
    qtbot.wait(100)
    assert s.display_step == 0 and s.runs[0].head >= 20  # the runs as computed: nothing thrown away
    c.step_back_requested.emit()  # before step 0: still step 0
    assert s.display_step == 0
    app.seek(19)
    assert s.run_loss(0) == loss_19
    app.play()
    c.reset_requested.emit()  # R: back to the start, paused
    assert not app.playing and s.display_step == 0
    keys = dict(w.shortcuts())
    assert keys["Home"] == "To step 0" and keys["Left"] == "Step back"


def test_a_lecture_demo_opens_paused_at_the_step_its_question_is_about(app):
    from losscape_lab.visualizer.session import presets

    app.open_config(presets.load("loss-at-init"))
    s = app.session
    assert s.display_step == 0 and not app.playing
    assert s.run_loss(0) == pytest.approx(9.0, abs=0.01)  # hinge at W near 0 on 10 classes: C - 1
    app.open_config(presets.load("step-size"))  # no at_step: it plays
    assert app.playing
    app.pause()


def test_a_run_can_be_hidden_from_its_checkbox(app, attach):
    from losscape_lab.visualizer.state import window_state

    s = attach("[landscape]\nresolution = 24\n[[run]]\nlr = 0.1\n[[run]]\nlr = 0.3")
    app.advance(5)
    item = app.window.controls.runs.item(1)
    item.setCheckState(QtCore.Qt.CheckState.Unchecked)
    fig, curves = app.window.landscape.figure, app.window.curves
    assert not s.runs[1].visible and fig.layer.path(1) is None and not fig.heads[1].isVisible()
    assert curves.drawn(1, "full") is None and fig.layer.path(0) is not None
    assert [r["visible"] for r in window_state(app.window, s)["runs"]] == [True, False]
    app.advance(3)  # stays hidden as it plays
    assert fig.layer.path(1) is None
    item.setCheckState(QtCore.Qt.CheckState.Checked)
    assert s.runs[1].visible and fig.layer.path(1) is not None


def test_the_step_size_slider_is_fine_and_recentres(app, attach, qtbot):
    s = attach()
    lr = app.window.controls.lr
    assert lr.value() == 0.1 and lr.slider.value() == lr.STEPS // 2  # centred on the value
    lr.slider.setValue(lr.STEPS // 2 + int(0.27 * lr.STEPS))  # about 40 px of a 150 px slider
    qtbot.waitUntil(lambda: s.runs[0].settings["lr"] != 0.1, timeout=2000)
    assert 0.1 < s.runs[0].settings["lr"] < 0.2  # was 0.1 -> 4.66 over the whole range
    lr.slider.sliderReleased.emit()
    assert lr.slider.value() == lr.STEPS // 2  # the next drag is fine around the new value
    lr.box.setText("50")
    lr.box.editingFinished.emit()
    assert s.runs[0].settings["lr"] == 50.0 and lr.slider.value() > lr.STEPS // 2  # near the top end


def test_the_dataset_is_chosen_in_the_window(app, attach, tmp_path, monkeypatch):
    attach("[optimizer]\nsteps = 20\n[landscape]\nresolution = 24")
    c = app.window.controls
    c.data.activated.emit(c.data.findData("iris"))
    s = app.session
    assert s.data.name == "iris" and s.data.C == 3 and s.runs[0].W[0].shape == (5, 3)
    assert c.data.currentData() == "iris"
    csv = tmp_path / "d.csv"
    csv.write_text("x,y,label\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(40)))
    monkeypatch.setattr(app.window, "ask_path", lambda kind: str(csv) if kind == "csv" else "")
    c.data.activated.emit(c.data.findData("csv"))
    assert app.session.data.N + len(app.session.data.y_val) == 40 and app.session.config.data["path"] == str(csv)
    c.data.activated.emit(c.data.findData("cifar10"))  # cancelled folder dialog: nothing changes
    assert app.session.config.data["name"] == "csv" and c.data.currentData() == "csv"


def test_a_clicker_walks_the_lecture_and_b_shows_the_answer(app, qtbot):
    from losscape_lab.visualizer.session import presets

    order = [n for n in presets.LECTURE_ORDER if n in app.presets]
    w = app.window

    def at():
        return presets.lecture_position(app.session.config)

    w.lecture_step_requested.emit(1)  # from no lecture: the first question
    assert at() == (1, len(order)) and app.session.config.lecture["question"]
    assert w.landscape.position.text() == f"Question 1 of {len(order)}"
    w.lecture_step_requested.emit(1)
    assert at() == (2, len(order))
    w.lecture_step_requested.emit(-1)
    assert at() == (1, len(order))
    w.lecture_step_requested.emit(-1)  # stays at the first
    assert at() == (1, len(order))
    app.open_config(presets.load("step-size"))  # as --preset opens it: the clicker goes on from there
    assert at() == (order.index("step-size") + 1, len(order)) == (15, 20)
    w.set_presenter(True)
    w.activateWindow()
    qtbot.keyClick(w, QtCore.Qt.Key.Key_PageDown)
    assert at() == (16, 20) and app.session.config.lecture["question"] == presets.load(order[15]).lecture["question"]
    assert w.landscape.position.text() == "Question 16 of 20"
    w.set_presenter(False)
    land = w.landscape
    assert not land.answer.isVisibleTo(w) and land.answer_button.isVisibleTo(w)
    land.toggle_answer()
    assert land.answer.isVisibleTo(w) and not land.answer_button.isVisibleTo(w)
    land.toggle_answer()
    assert not land.answer.isVisibleTo(w)
    keys = dict(w.shortcuts())
    assert keys["PgDown"] == "Next lecture question" and keys["B"] == "Show or hide the answer"


def test_text_scales_and_the_window_says_so(app, attach):
    attach()
    w = app.window
    seen = []
    w.font_scale_changed.connect(seen.append)
    before = w.landscape.title.styleSheet()
    w.set_font_scale(1.5)
    assert seen == [1.5] and "font-size: 22.5pt" in w.landscape.title.styleSheet() != before
    assert w.landscape.figure.font_size == 21
    w.set_font_scale(9)
    assert seen[-1] == 2.5


def test_a_dark_theme_for_a_dark_room_and_back(app, attach):
    import pyqtgraph as pg
    from PyQt6 import QtGui, QtWidgets

    attach("[landscape]\nresolution = 24\n[view]\nnote = 'look here'")
    w = app.window
    seen = []
    w.theme_changed.connect(seen.append)
    w.set_theme("dark")
    role = QtGui.QPalette.ColorRole.Window
    assert QtWidgets.QApplication.instance().palette().color(role).lightness() < 60
    assert w.landscape.canvas.backgroundBrush().color().lightness() < 60
    assert "#8ab4f8" in w.landscape.note.styleSheet()
    app.attach(app.session)  # a new data plot is drawn in the theme too
    axes = [i for i in w.data.scene().items() if isinstance(i, pg.AxisItem)]
    assert axes and all(ax.pen().color().lightness() > 150 for ax in axes)
    w.set_theme("light")
    assert QtWidgets.QApplication.instance().palette().color(role).lightness() > 150
    assert "#1a4d8f" in w.landscape.note.styleSheet() and seen == ["dark", "light"]


def test_the_data_box_names_the_data_on_screen(app):
    from losscape_lab.visualizer.session import presets
    from losscape_lab.visualizer.session.session import Session

    app.attach(Session(presets.load("softmax-vs-hinge")))
    c = app.window.controls
    assert c.data.currentData() == "scores"
    c.data.activated.emit(c.data.findData("scores"))
    assert app.session.data.name == "scores"
    app.attach(Session(presets.load("step-size")))
    assert c.data.currentData() == "blobs"
    c.data.activated.emit(c.data.findData("scores"))  # from another set: it says where the examples are
    assert "Lecture menu" in app.window.statusBar().currentMessage()
    assert app.session.data.name == "blobs" and c.data.currentData() == "blobs"


class _Helper:
    """Stands in for the second process: running until told to end; keeps what it was told."""
    def __init__(self, args=None, **kw):
        self.args, self.stdin, self.ended = args, io.StringIO(), False
        close = self.stdin.close
        self.stdin.close = lambda: (setattr(self, "told", self.stdin.getvalue()), close())

    def poll(self):
        return 0 if self.ended else None

    def wait(self, timeout=None):
        self.waited, self.ended = timeout, True

    def kill(self):
        self.ended = True


def test_a_cold_first_launch_compiles_the_optimizer_in_a_second_process(monkeypatch):
    """On a cold cache the optimizer loop and then the first landscape compile in another process (the
    other core) while this one compiles the losses; this one then loads the loop from the cache, and
    hands the process on (a full grid waits for it). A warm cache starts no process."""
    from losscape_lab import kernels
    from losscape_lab.kernels import _training as T
    from losscape_lab.visualizer import coldstart

    started = []
    monkeypatch.setattr(coldstart.subprocess, "Popen", lambda *a, **kw: started.append(_Helper(*a, **kw)) or started[-1])
    seen = []
    assert coldstart.warm_up_kernels(seen.append, {"softmax"}) is None
    assert started == []  # the tests' cache is warm
    starting = _Helper()  # started by the app on a warm cache: it ends at once, nothing waits for it
    assert coldstart.warm_up_kernels(seen.append, {"softmax"}, helper=starting) is None and starting.told == "\n"
    monkeypatch.setattr(coldstart, "_cached", lambda kernel: False)  # as on a cold cache
    waited = []
    monkeypatch.setattr(coldstart, "_wait_for_cache", lambda kernel, process: waited.append((kernel, process)))
    seen.clear()
    helper = coldstart.warm_up_kernels(seen.append, {"softmax"})
    assert helper is started[0] and "serve_cold_start('linear')" in helper.args[-1]
    assert helper.told == "softmax landscapes\n" and waited == [(T.run_steps, helper)]
    order = [s.split(": ", 1)[1].rsplit(" (", 1)[0] for s in seen]
    assert order == ["losses", "optimizers"]  # the loop loaded, not compiled; the landscape is the helper's
    # the rest, once the first frame is up: the helper's landscape last, loaded once the helper is done
    seen.clear()
    monkeypatch.undo()
    coldstart.warm_up_kernels(seen.append, helper=helper)
    assert seen[-1].split(": ", 1)[1].startswith("softmax landscapes") and helper.waited == 300
    monkeypatch.setattr(coldstart, "_cached", lambda kernel: False)
    monkeypatch.setattr(coldstart.subprocess, "Popen", lambda *a, **kw: started.append(_Helper(*a, **kw)) or started[-1])
    monkeypatch.setattr(coldstart, "_wait_for_cache", lambda kernel, process: waited.append((kernel, process)))
    # started by the app before its window: used, not started again
    early = _Helper()
    assert coldstart.warm_up_kernels(seen.append, {"softmax"}, helper=early) is early and len(started) == 1
    assert early.told == "softmax landscapes\n"
    # the first landscape's own kernel goes there, not another run's
    early = _Helper()
    coldstart.warm_up_kernels(seen.append, {"softmax", "hinge"}, helper=early, first="hinge")
    assert early.told == "hinge landscapes\n"
    # the app closes while this waits for the loop: it is ended, and nothing compiles here
    early, seen[:] = _Helper(), []
    monkeypatch.setattr(coldstart, "_wait_for_cache", lambda kernel, process: process.kill())
    monkeypatch.setattr(kernels, "run_optimizer", lambda *a, **kw: seen.append("compiled the loop"))
    coldstart.warm_up_kernels(seen.append, {"softmax"}, helper=early, cancelled=lambda: early.ended)
    assert "compiled the loop" not in seen
    monkeypatch.undo()
    monkeypatch.setattr(coldstart, "_cached", lambda kernel: False)
    monkeypatch.setattr(coldstart.subprocess, "Popen", lambda *a, **kw: started.append(_Helper(*a, **kw)) or started[-1])
    monkeypatch.setattr(coldstart, "_wait_for_cache", lambda kernel, process: waited.append((kernel, process)))
    # a network's demo: the network's loop there (started for it), its landscape next; its losses here
    seen.clear()
    helper = coldstart.warm_up_kernels(seen.append, {"softmax"}, network=True)
    assert "serve_cold_start('mlp')" in helper.args[-1] and helper.told == "network landscapes\n"
    assert [s.split(": ", 1)[1].rsplit(" (", 1)[0] for s in seen] == ["network"]
    assert waited[-1] == (T.run_steps, helper)


def test_the_real_second_process_starts_and_on_a_warm_cache_ends_at_once():
    """The command line the app starts: it imports and runs serve_cold_start (on the tests' warm cache
    it finds the loop there and ends); told nothing after its end, it is not waited for."""
    from losscape_lab.visualizer import coldstart

    helper = coldstart.start_second_process("linear")
    assert helper.wait(timeout=60) == 0
    assert coldstart._hand_over(helper, ["softmax landscapes"]) is False or helper.stdin.closed
    assert coldstart.warm_up_kernels(losses={"softmax"}, helper=helper) is None


def test_the_second_process_compiles_the_loop_without_its_loss(monkeypatch, tmp_path):
    """The second process compiles the optimizer loop without calling it (so without the loss kernels,
    which it calls by address), then the groups it is told; on a warm cache nothing."""
    from losscape_lab import kernels
    from losscape_lab.kernels import _training as T
    from losscape_lab.visualizer import coldstart

    done = []
    monkeypatch.setattr(kernels, "run_optimizer", lambda *a, **kw: done.append((kw.get("compile_only"),
                                                                                 kw.get("hidden", 0))))
    monkeypatch.setattr(coldstart, "warm_up_kernels", lambda groups: done.append(sorted(groups)))
    monkeypatch.setattr(coldstart.sys, "stdin", io.StringIO("softmax landscapes\n"))
    coldstart.serve_cold_start()
    assert done == []  # the tests' cache is warm
    monkeypatch.setattr(coldstart, "_cached", lambda kernel: False)
    coldstart.serve_cold_start()
    assert done == [(True, 0), ["softmax landscapes"]]
    done.clear()
    monkeypatch.setattr(coldstart.sys, "stdin", io.StringIO("\n"))
    coldstart.serve_cold_start("mlp")  # a network's demo: its loop, then nothing more it was told
    assert done == [(True, 2)]
    monkeypatch.undo()
    # compile_only compiles the very loop (argument types) that a call then runs
    loop, compiled, called = T.run_steps, [], []

    class Loop:
        typeof_pyval = staticmethod(loop.typeof_pyval)

        def compile(self, argtypes):
            compiled.append(argtypes)

        def __call__(self, *args):
            called.append(tuple(map(loop.typeof_pyval, args)))
            return loop(*args)
    monkeypatch.setattr(T, "run_steps", Loop())
    X, y, W = coldstart._tiny()
    P = kernels.network.init(3, 2, 3)
    for kw in ({}, {"hidden": 2}):  # the linear model's loop and the network's
        start = P if kw else W
        assert kernels.run_optimizer(start, X, y, steps=2, full_loss_every=1, compile_only=True, **kw) is None
        kernels.run_optimizer(start, X, y, steps=2, full_loss_every=1, **kw)
    assert compiled == called and compiled[0] != compiled[1]
    monkeypatch.undo()
    # the wait ends when numba's cache holds the kernel for its current source, when the process that
    # compiles it ends, or at its timeout
    saved = {}

    def kernel():
        k = type("K", (), {})()
        k._cache = type("C", (), {})()
        k._cache._cache_file = type("F", (), {"_load_index": lambda self: dict(saved), "_cache_path": tmp_path})()
        return k
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:  # the other process saves its index, then the machine code
            saved["overload"] = "loop.1.nbc"
        if len(sleeps) == 3:
            (tmp_path / "loop.1.nbc").write_bytes(b"machine code")
    monkeypatch.setattr(coldstart.time, "sleep", sleep)
    coldstart._wait_for_cache(kernel(), _Helper(), timeout=1e6)
    assert len(sleeps) == 3
    saved.clear()
    (tmp_path / "loop.1.nbc").unlink()
    coldstart._wait_for_cache(kernel(), _Helper(), timeout=0.0)  # gives up: compiles it itself
    ended = _Helper()
    ended.wait()
    coldstart._wait_for_cache(kernel(), ended, timeout=1e6)  # no one compiles it: compiles it itself
    assert len(sleeps) == 3
    assert coldstart._cached(T.run_steps) is True  # numba's cache file has what the wait reads


def test_while_the_landscape_kernel_compiles_a_small_grid_is_computed_point_by_point(app, attach, monkeypatch):
    """A cold start draws its preview with the loss kernel at each point (exact, like the read-outs),
    and the full grid waits for the second process; both agree with the landscape kernel."""
    from losscape_lab.visualizer import coldstart

    attach("[landscape]\nresolution = 24")
    s = app.session
    req = s.landscape_request(16)
    exact = req.compute()
    np.testing.assert_allclose(req.compute(pointwise=True), exact, rtol=1e-5)
    got = []
    app.worker.landscape_ready.connect(lambda gen, key, grid: got.append((key, grid)))
    helper = app.worker.helper = _Helper()
    monkeypatch.setattr(coldstart, "POINTWISE_BUDGET", req.pointwise_cost())
    app.worker.request_landscapes([req, s.landscape_request(24)])
    assert helper.waited == 300 and app.worker.helper is None  # the preview did not wait; the full grid did
    np.testing.assert_allclose(got[0][1], exact, rtol=1e-5)
    np.testing.assert_allclose(got[1][1], s.landscape_request(24).compute(), rtol=1e-5)


def test_a_first_launch_compiles_first_only_what_its_first_frame_needs(app, attach):
    """Cold, every kernel compiles for seconds: the demo's own loss's landscape kernel first, the others
    once its first frame is drawn."""
    from losscape_lab.visualizer.coldstart import warm_up_kernels

    seen = []
    assert warm_up_kernels(seen.append, {"softmax"}) is None  # warm: no second process
    assert [s.split(": ", 1)[1].rsplit(" (", 1)[0] for s in seen] == ["losses", "optimizers", "softmax landscapes"]
    seen.clear()
    warm_up_kernels(seen.append, {"softmax"}, network=True)  # a network's demo needs none of the linear ones
    assert [s.split(": ", 1)[1].rsplit(" (", 1)[0] for s in seen] == ["network", "network landscapes"]
    seen.clear()
    closing = iter([False, True])  # the app closes while the first group compiles: the rest is not begun
    warm_up_kernels(seen.append, cancelled=lambda: next(closing))
    assert len(seen) == 1
    assert not app.worker.warm
    attach("[landscape]\nresolution = 24")
    assert app.worker.warm  # the full landscape is drawn: the rest was queued (run at once when sync)


def test_a_headless_command_compiles_nothing_beyond_its_picture(monkeypatch):
    """--screenshot and export draw one picture and end: the kernels the window would want later (every
    other loss's landscape, the network's) are not compiled for them (on a cold cache, seconds each)."""
    from losscape_lab.visualizer import workers

    calls = []
    monkeypatch.setattr(workers, "warm_up_kernels", lambda **kw: calls.append(kw))
    workers.Worker(sync=True, rest=False).warm_up_rest()
    assert calls == []
    workers.Worker(sync=True).warm_up_rest()
    assert len(calls) == 1


def test_undo_rebuilds_the_session_on_the_worker_and_a_later_request_does_not_drop_it(qtbot, make):
    """Ctrl+Z replays every run up to the shown step (on large data, seconds): the worker thread builds it,
    as it opens a demo. Its snapshot exists nowhere else, so a request that comes after it cannot
    supersede it; changes made meanwhile wait for it, with a message."""
    import threading

    from losscape_lab.visualizer.controller import Controller
    from losscape_lab.visualizer.views.main_window import make_window
    from losscape_lab.visualizer.views.render import dispose

    window, found = make_window()
    worker = Worker()
    ctl = Controller(window, worker, found)
    try:
        ctl.attach(make("[optimizer]\nsteps = 30\n[landscape]\nresolution = 16"))
        ctl.advance(20)
        ctl._on_controls_run_changed({"lr": 0.05})
        built_on = []
        started, release = threading.Event(), threading.Event()
        worker.submit(lambda w, gen: (started.set(), release.wait(10)))  # the worker is busy...
        assert started.wait(10)
        from losscape_lab.visualizer.session import session as S

        real = S.restored
        S.restored = lambda *a: built_on.append(threading.current_thread()) or real(*a)
        try:
            ctl.undo()  # ...the undo queues behind it...
            ctl.request_landscape()  # ...and so does a newer request
            ctl._on_controls_run_changed({"lr": 0.2})  # waits for the undo: it would be lost
            assert ctl.session.runs[0].settings["lr"] == 0.05
            release.set()
            qtbot.waitUntil(lambda: ctl.session.runs[0].settings["lr"] != 0.05, timeout=20000)
        finally:
            S.restored = real
        assert built_on and built_on[0] is not threading.main_thread()
        assert ctl.session.display_step == 20
        ctl._on_controls_run_changed({"lr": 0.2})  # done: changes go through again
        assert ctl.session.runs[0].settings["lr"] == 0.2
    finally:
        ctl.pause()
        worker.stop()
        QtCore.QCoreApplication.processEvents()  # the worker's last signals, while the window still exists
        dispose(window)


def test_screenshot_compiles_no_kernel_for_later(qapp, tmp_path, monkeypatch, capsys):
    """The command's own picture only: the warm-up of the rest (every other loss's landscape, the
    network) is the window's, for later, and a command has no later."""
    from losscape_lab.visualizer import cli, workers
    from losscape_lab.visualizer.session import config as C

    rest = []
    monkeypatch.setattr(workers, "warm_up_kernels", lambda **kw: rest.append(kw))
    assert cli.screenshot(C.loads("[optimizer]\nsteps = 3\n[landscape]\nresolution = 16"),
                          str(tmp_path / "s.png"), None, "800x600") == 0
    assert (tmp_path / "s.png").stat().st_size > 0 and rest == []


def _luminance(color):
    def channel(v):
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = color.red(), color.green(), color.blue()
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fore, back):
    """WCAG 2 contrast ratio of two QColors (AA asks 4.5 for text, 3 for large text)."""
    a, b = sorted((_luminance(fore), _luminance(back)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _texts_and_backgrounds(w):
    """(where, text colour, background colour) of every text the plots and the lecture box draw."""
    import re

    import pyqtgraph as pg
    from PyQt6 import QtGui

    out = []
    for name, canvas in (("landscape", w.landscape.canvas), ("data", w.data), ("curves", w.curves)):
        back = canvas.backgroundBrush().color()
        for item in canvas.scene().items():
            if isinstance(item, pg.AxisItem) and item.isVisible():
                out.append((f"{name} axis", item.textPen().color(), back))
                if item.label.isVisible():  # its name: a style without a colour is pyqtgraph's grey
                    ink = item.labelStyle.get("color", pg.getConfigOption("foreground"))
                    out.append((f"{name} axis name {item.labelText!r}", pg.mkColor(ink), back))
            elif isinstance(item, pg.LabelItem) and item.isVisible() and item.text:
                out.append((f"{name} label {item.text[:20]!r}", pg.mkColor(item.opts["color"]), back))
    legend = w.data.legend
    if legend is not None:
        for _, label in legend.items:
            out.append(("bar legend", pg.mkColor(label.opts["color"]), legend.opts["brush"].color()))
    land = w.landscape
    box = pg.mkColor(re.search(r"background: (#[0-9a-f]+)", land.explain.styleSheet()).group(1))
    palette = QtWidgets.QApplication.palette()  # the theme's (a widget's own follows it on the next event)
    window = palette.color(QtGui.QPalette.ColorRole.Window)
    for label, back in ((land.question, box), (land.look, box), (land.answer, box), (land.position, box),
                        (land.note, window), (land.readout, window), (land.status, window), (land.title, window)):
        m = re.search(r"color: (#[0-9a-fA-F]+)", label.styleSheet())
        fore = pg.mkColor(m.group(1)) if m else palette.color(QtGui.QPalette.ColorRole.WindowText)
        out.append((label.text()[:20] or "label", fore, back))
    return out


@pytest.mark.parametrize("preset", ["step-size", "softmax-vs-hinge"])  # a 2-D data view; the bar view
def test_every_text_keeps_wcag_aa_contrast_in_both_themes(app, preset):
    from losscape_lab.visualizer.session import presets

    app.open_config(presets.load(preset))
    w = app.window
    try:
        for theme in ("as opened", "dark", "dark, larger text", "light"):  # as opened: before any is chosen
            if theme.startswith("dark"):
                w.set_theme("dark")
            if theme == "dark, larger text":
                w.set_font_scale(1.3)
            if theme == "light":
                w.set_theme(theme)
            texts = _texts_and_backgrounds(w)
            assert len(texts) > 12
            low = [(where, f"{contrast(f, b):.2f}") for where, f, b in texts if contrast(f, b) < 4.5]
            assert low == [], (theme, low)
    finally:
        w.set_theme("light")
        w.set_font_scale(1.0)


def test_ctrl_plus_scales_every_text_in_the_window(app):
    """Three Ctrl+= (1.15^3 = 1.52x): the colour bar's numbers and its name, the curves' and the data
    view's axes, the bar legend, as well as the titles (they stayed at their sizes before)."""
    from losscape_lab.visualizer.session import presets

    app.open_config(presets.load("softmax-vs-hinge"))  # the bar view, with its legend
    w = app.window

    def sizes():
        bar = w.landscape.figure.colorbar
        return {"colour bar numbers": bar.getAxis("left").style["tickFont"].pointSizeF(),
                "colour bar name": float(bar.getAxis("left").labelStyle["font-size"].rstrip("pt")),
                "curve ticks": w.curves.loss_plot.getAxis("left").style["tickFont"].pointSizeF(),
                "curve names": float(w.curves.loss_plot.getAxis("left").labelStyle["font-size"].rstrip("pt")),
                "data ticks": w.data.plot.getAxis("left").style["tickFont"].pointSizeF(),
                "bar legend": float(w.data.legend.items[0][1].opts["size"].rstrip("pt")),
                "landscape ticks": w.landscape.figure.plot.getAxis("left").style["tickFont"].pointSizeF()}

    before = sizes()
    try:
        for _ in range(3):
            w.set_font_scale(w.font_scale * 1.15)
        after = sizes()
        grown = {k: after[k] / before[k] for k in before}
        assert all(g > 1.4 for g in grown.values()), grown
        app.set_language("ko")  # Korean too, as large
        assert sizes()["colour bar name"] == after["colour bar name"]
    finally:
        app.set_language("en")
        w.set_font_scale(1.0)


def test_the_presets_menu_reads_in_the_windows_language(app):
    menu = next(m for m in app.window.menuBar().findChildren(QtWidgets.QMenu) if m.title() in ("&Presets",))
    texts = [a.text() for a in menu.actions()]
    assert texts and not any(t.replace("-", "").isalnum() and "-" in t for t in texts)  # no file names
    assert any(a.toolTip() == "--preset optimizers-race" for a in menu.actions())
    app.set_language("ko")
    try:
        import re
        assert all(re.search("[\uac00-\ud7a3]", a.text()) for a in menu.actions())
    finally:
        app.set_language("en")


def test_a_long_choice_is_elided_with_its_whole_text_as_a_tooltip(app, qtbot):
    """At 1280x720 the loss box cannot show "softmax (cross-entropy)": it ends in an ellipsis, never
    mid-letter, and the tooltip holds the whole choice (in Korean too)."""
    from losscape_lab.visualizer.session import presets

    app.open_config(presets.load("step-size"))
    app.pause()
    w = app.window
    w.resize(1280, 720)
    qtbot.waitUntil(lambda: w.width() == 1280, timeout=2000)
    box = w.controls.loss
    box.grab()  # paints it: the tooltip follows the choice shown
    whole = box.currentText()
    assert whole == "softmax (cross-entropy)" and box.toolTip() == whole
    shown = box.shown_text()
    assert shown.endswith("…") and whole.startswith(shown[:-1])
    app.set_language("ko")
    try:
        box.grab()
        assert box.toolTip() == box.currentText() != whole
    finally:
        app.set_language("en")
