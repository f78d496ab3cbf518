"""Wiring between the session (state), the worker (background kernels) and the window (views).

Handlers are named _on_<source>_<event>. The controller talks to the views only through their narrow
show_* / ask_* methods and signals (tests drive it against mock views); views never call kernels.
"""

import copy
import os
import time

import numpy as np
from PyQt6 import QtCore

from .export import ANIMATION_FORMATS, FORMATS, export
from .files import write_atomically
from .i18n import set_language, tr
from .session import config as cfgmod
from .session.config import MAX_STEPS, ConfigError
from .session.datasets import DatasetError
from .session import budget, explain
from .session.lecture import curvature_work, example_breakdown, sanity_checks
from .session.presets import lecture_position, lecture_step
from .session.status import status_line
from .coldstart import first_frame_needs

PREVIEW_RESOLUTION = 48
UNDO_DEPTH = 30
LECTURE_INTERVAL = 0.25  # seconds between lecture-panel updates while playing
FEATURE_COLUMNS = 4  # the Examples tab lists the features of data with at most this many

class Controller(QtCore.QObject):
    session_attached = QtCore.pyqtSignal()
    landscape_drawn = QtCore.pyqtSignal()

    def __init__(self, window, worker, presets=None):
        super().__init__()
        self.window = window
        self.worker = worker
        self.presets = presets or {}
        self.session = None
        self.playing = False
        self._undo = []  # snapshots for Ctrl+Z
        self.path = None
        self._play_after_attach = False
        self._after_attach = ""  # a message once the session on its way is shown ("Undone")
        self._undoing = False  # an undo's session is on its way: changes wait for it
        self._acc = 0.0
        self._last_tick = None
        self._last_lecture = 0.0
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(16)
        self.timer.timeout.connect(self._on_timer_tick)

        w, c = window, window.controls
        worker.session_ready.connect(self._on_worker_session_ready)
        worker.landscape_ready.connect(self._on_worker_landscape_ready)
        worker.progress.connect(self._on_worker_progress)
        worker.failed.connect(self._on_worker_failed)
        c.model_changed.connect(self._on_controls_model_changed)
        c.run_changed.connect(self._on_controls_run_changed)
        c.run_selected.connect(self._on_controls_run_selected)
        c.run_added.connect(self._on_controls_run_added)
        c.run_removed.connect(self._on_controls_run_removed)
        c.share_requested.connect(self._on_controls_share_requested)
        c.run_shown.connect(self._on_controls_run_shown)
        c.data_chosen.connect(self._on_controls_data_chosen)
        c.architecture_chosen.connect(self._on_controls_architecture_chosen)
        c.play_toggled.connect(self.toggle_play)
        c.step_requested.connect(self.step_once)
        c.step_back_requested.connect(lambda: self.seek(self.session.display_step - 1) if self.session else None)
        c.to_start_requested.connect(lambda: self.seek(0))
        c.reset_requested.connect(self.reset)
        c.continue_requested.connect(self.continue_runs)
        c.speed_changed.connect(self._on_controls_speed_changed)
        c.landscape_changed.connect(self._on_controls_landscape_changed)
        c.refit_requested.connect(self._on_controls_refit_requested)
        w.landscape.start_clicked.connect(self._on_landscape_start_clicked)
        w.surface_opened.connect(self._on_window_surface_opened)
        w.data.point_moved.connect(self._on_data_point_moved)
        w.lecture.example_changed.connect(lambda _: self.refresh_lecture())
        w.open_requested.connect(self._on_window_open_requested)
        w.save_requested.connect(self._on_window_save_requested)
        w.preset_requested.connect(self._on_window_preset_requested)
        w.export_requested.connect(self._on_window_export_requested)
        w.copy_requested.connect(self._on_window_copy_requested)
        w.screenshot_requested.connect(self._on_window_screenshot_requested)
        w.undo_requested.connect(self.undo)
        w.lecture_step_requested.connect(self._on_window_lecture_step_requested)
        w.language_changed.connect(self.set_language)
        w.explain_toggled.connect(self._on_window_explain_toggled)
        w.panel_changed.connect(self._on_window_panel_changed)
        w.examples.example_hovered.connect(w.data.highlight_example)
        w.data.point_hovered.connect(w.examples.select_example)
        w.weights.edit_requested.connect(self._on_weights_edit_requested)

    # ---------------------------------------------------------------------------------- sessions
    def open_config(self, config, play=True, path=None):
        """Build a session for config on the worker (compiling kernels the first time)."""
        from .session.session import open_session

        self.pause()
        # a lecture demo about one step (loss-at-init: step 0) opens there, paused: Space plays
        self._play_after_attach = play and lecture_step(config) is None
        self._undo = []  # a new demo: nothing of the last one to take back
        self.path = path
        if self.session is None:  # first launch: the demo's values from the first paint, greyed out
            self.window.controls.show_config(config)
        self.window.show_busy(tr("Preparing kernels"))
        losses, network, first = first_frame_needs(config)
        self.worker.request_session(lambda: open_session(config, path), losses, network, first=first)

    def _on_worker_session_ready(self, session):
        if not self._undoing and lecture_step(session.config) is not None:  # a new demo, not an undo
            session.seek(lecture_step(session.config))
        self._undoing = False
        self.attach(session, self._play_after_attach)
        if self._after_attach:
            self.window.show_message(self._after_attach)
            self._after_attach = ""

    @property
    def selected(self):
        return self.session.selected if self.session is not None else 0

    def attach(self, session, play=False):
        self.session = session
        w = self.window
        w.show_busy("")
        w.data.show_data(session.data, session.arch.kind == "mlp")
        w.landscape.show_lecture(session.config.lecture, position=lecture_position(session.config))
        w.highlight(session.config.lecture.get("highlight") if session.config.lecture else None)
        w.lecture.set_examples(session.data.N)
        w.controls.show_session(session, self.selected, self.playing)
        self._show_document()
        if getattr(session.data, "notes", None):
            w.show_message(" ".join(session.data.notes))
        self.request_landscape()
        self.refresh_runs()
        self.refresh_lecture()
        self.session_attached.emit()
        if play:
            self.play()

    def _show_document(self):
        """The window's title: the demo file's name, or the data set's."""
        self.window.show_document(os.path.basename(self.path) if self.path else self.session.data.name)

    def set_language(self, code):
        """View > Language: every text in `code` at once, the fixed ones and those the demo writes."""
        set_language(code)
        self.window.retranslate()
        s = self.session
        if s is None:
            return
        s.relabel()
        w = self.window
        w.data.show_data(s.data, s.arch.kind == "mlp")
        w.landscape.show_lecture(s.config.lecture, keep_answer=True, position=lecture_position(s.config))
        w.landscape.show_hint()
        w.controls.show_session(s, self.selected, self.playing)
        self._show_document()
        # the texts again, never a new request: one would supersede a demo or landscape on its way
        w.landscape.show_axes(s.plane.axis_names)
        self.draw_landscape()
        self.refresh_runs()
        self.refresh_lecture()

    def _on_worker_progress(self, text):
        self.window.show_busy(text)

    def _on_worker_failed(self, text):
        self._undoing, self._after_attach = False, ""
        self.window.show_busy("")
        self.window.show_message(text, dialog=self.session is None)

    # ---------------------------------------------------------------------------------- landscape
    def request_landscape(self):
        s = self.session
        self.window.landscape.show_axes(s.plane.axis_names)
        full = s.landscape_request()
        if s.has_data_grid(full.key):
            self.draw_landscape()
            return
        wanted = [full]
        if full.alphas.size > PREVIEW_RESOLUTION:
            preview = s.landscape_request(PREVIEW_RESOLUTION)
            if not s.has_data_grid(preview.key):
                wanted.insert(0, preview)
        self.window.show_busy(tr("Computing the landscape"))
        self.worker.request_landscapes(wanted)

    def _on_worker_landscape_ready(self, gen, key, grid):
        if self.session is None or gen != self.worker.latest:
            return  # superseded: a newer request is on its way
        self.session.store_data_grid(key, grid)
        full = self.session.landscape_request()
        if key == full.key:
            self.window.show_busy("")
            self.worker.warm_up_rest()  # the first frame is up: now the kernels it did not need
        self.draw_landscape()

    def draw_landscape(self):
        s = self.session
        res = s.config.landscape["resolution"]
        grid = s.landscape(res)
        if grid is None:
            grid = s.landscape(PREVIEW_RESOLUTION)
        if grid is None:
            return
        lc = s.config.landscape
        w = self.window
        w.landscape.show_landscape(grid, s.extent, lc["log_scale"], lc["contours"], s.plane.equal_scales)
        if w.surface is not None:
            w.surface.set_landscape(grid, s.extent, s.plane.axis_names)
        w.landscape.show_note(tr(s.config.view["note"]) if s.config.view["note"] else "")
        w.landscape.show_title(s.landscape_title())  # drawn with the grid: they never disagree
        self.landscape_drawn.emit()

    # ---------------------------------------------------------------------------------- drawing
    def refresh_runs(self):
        s = self.session
        w = self.window
        step = s.display_step
        w.landscape.show_runs(s.runs, step, self.selected)
        spread = s.gradient_spread(self.selected) if s.config.view["gradient_spread"] else None
        w.landscape.show_spread(spread, s.runs[self.selected].color)
        if w.surface is not None and w.surface_shown():
            w.surface.set_runs(s.runs, step)
        run = s.runs[self.selected]
        i = run.shown(step)
        w.curves.show_runs(s.runs, step, self.selected)
        w.data.show_weights(run.W[i], s.arch.scores if s.arch.kind == "mlp" else None)
        w.controls.show_step(step, s.planned_steps)
        w.landscape.show_status(status_line(s, self.selected, i, step, self._current_grid))
        self._show_explained_step()

    def _show_explained_step(self):
        """Explain step (E): the selected run's shown step taken apart, with its arrows and minibatch;
        while playing on large data only when paused (a replay from the last checkpoint per step)."""
        s, w = self.session, self.window
        if not w.explaining or not budget.follows_playback(budget.data_work(s.data), self.playing):
            w.landscape.show_explain()
            w.data.mark_examples(None)
            w.lecture.show_step("" if not w.explaining else
                                "<p>" + tr("The explained step shows when playback is paused.") + "</p>")
            return
        try:
            x = explain.explain_step(s, self.selected)
        except ValueError as e:  # the scores overflow at a diverged run's last point
            w.landscape.show_explain()
            w.lecture.show_step("<p>" + tr("No numbers at this step: {problem}", problem=e) + "</p>")
            return
        run = s.runs[self.selected]
        w.landscape.show_explain(x["origin"], x["arrows"], run.color)
        w.data.mark_examples(None if len(x["batch"]) == s.data.N else x["batch"])  # a full batch: no rings
        w.lecture.show_explained(x, self._entry_names())

    def _on_window_explain_toggled(self, on):
        if self.session is not None:
            self._show_explained_step()
            if on:
                self.window.show_message(tr("Explain step: the Lecture tab takes the shown step apart; "
                                            "Right steps on, E hides it"))

    def _on_window_panel_changed(self):
        if self.session is not None:
            self.refresh_tables()

    def refresh_tables(self):
        """The Examples or Weights tab, whichever is on top, at the selected run's shown step."""
        s, w = self.session, self.window
        shown = w.panel_shown()
        if shown == "examples":
            d = s.data
            few = d.D - 1 <= FEATURE_COLUMNS and d.image_shape is None and d.name != "scores"
            w.examples.show_examples(explain.examples(s, self.selected), d.class_names,
                                     d.X[:, :-1] if few else None, d.feature_names[:-1])
        elif shown == "weights":
            try:
                w.weights.show_weights(explain.weights(s, self.selected), self._entry_names())
            except ValueError as e:
                w.weights.footer.setText(tr("No numbers at this step: {problem}", problem=e))

    def _entry_names(self):
        s = self.session
        return explain.entry_names(s.arch, s.data.feature_names, s.data.class_names)

    def _on_weights_edit_requested(self, kind, entries, amount):
        """A nudge, Randomize or Zero in the Weights tab: the selected run's W at the shown step changes
        and the run goes on from there (Ctrl+Z takes it back)."""
        s = self.session
        if s is None:
            return
        run = s.runs[self.selected]
        W = np.array(run.W[run.shown(s.display_step)], dtype=np.float64)
        if kind == "nudge":
            W.reshape(-1)[entries] += amount
        elif kind == "randomize":  # a fresh random start (a zero init_scale would give W = 0 again)
            W = s.arch.init(int(np.random.default_rng().integers(2 ** 31)), max(s.config.model["init_scale"], 1e-3))
        else:
            W[:] = 0.0
        self.pause()
        if self._apply(lambda: s.edit_weights(self.selected, W)):
            self.refresh_runs()
            self.refresh_lecture()

    def refresh_lecture(self):
        s = self.session
        if s is None:
            return
        self._last_lecture = time.perf_counter()
        n = self.window.lecture.example_index()
        run = s.runs[self.selected]
        t = run.shown(s.display_step)
        m = run.model_at(t)
        try:
            b = example_breakdown(run.W[t], s.data.X[n], int(s.data.y[n]), m["delta"], s.arch)
            # the curvature (dozens of Hessian products on large data) while paused, or when it is cheap
            checks = sanity_checks(s, self.selected, budget.follows_playback(curvature_work(s), self.playing))
        except ValueError as e:  # e.g. the scores overflow at a diverged run's last point
            self.window.lecture.show_message(tr("No numbers at this step: {problem}", problem=e))
            return
        self.window.lecture.show_numbers(b, checks, s.data.class_names, m["delta"], m["loss"])
        if checks["curvature"] is not None:
            self.window.controls.show_lr_limit(checks["curvature"]["lr_limit"])
        self.refresh_tables()

    def refresh_all(self):
        self.window.controls.show_session(self.session, self.selected, self.playing)
        self.refresh_runs()
        self.refresh_lecture()

    # ---------------------------------------------------------------------------------- playback
    def play(self):
        if self.session is None:
            return
        s = self.session
        if s.at_end():
            restarted = s.restart_outdated()  # diverged, then given new settings: the user asks to go on
            if restarted:
                self.window.show_message(tr("Restarted from the start with the new settings: {runs}",
                                            runs=", ".join(f"'{r.label}'" for r in restarted)))
                self.refresh_runs()
        if s.at_end():
            if all(r.diverged_at is not None for r in s.runs):
                self.window.show_message(tr("Every run diverged: Reset (R), or lower the step size"))
                return
            if s.planned_steps >= MAX_STEPS:
                self.window.show_message(tr("The runs reached the limit of {steps} steps: Reset (R) starts again",
                                                    steps=f"{MAX_STEPS:,}"))
                return
            s.extend_to(s.planned_steps + max(r.settings["steps"] for r in s.runs))  # Play at the end: go on
        self.playing = True
        self._last_tick = time.perf_counter()
        self._acc = 0.0
        self.timer.start()
        self.window.controls.show_playing(True)

    def pause(self):
        self.playing = False
        self.timer.stop()
        self.window.controls.show_playing(False)
        if self.session is not None:
            self.refresh_lecture()

    def continue_runs(self):
        """Let every run go on for as many steps again as the demo planned, and play."""
        s = self.session
        if s is not None and not s.at_end():
            return
        self.play()  # at the end, play goes on

    def toggle_play(self):
        self.pause() if self.playing else self.play()

    def step_once(self):
        if self.session is None:
            return
        self.pause()
        self.session.advance(1)
        self.refresh_runs()
        self.refresh_lecture()

    def seek(self, step):
        """Show `step` of the runs as computed (Home: 0, Left: one back), paused: nothing is recomputed,
        and Space plays on from there."""
        if self.session is None:
            return
        self.pause()
        self.session.seek(step)
        self.refresh_runs()
        self.refresh_lecture()

    def advance(self, n):
        """Move the animation n steps (the timer does this; tests and the command line call it)."""
        more = self.session.advance(n)
        self.refresh_runs()
        return more

    def _on_timer_tick(self):
        now = time.perf_counter()
        dt = min(now - self._last_tick, 0.1)
        self._last_tick = now
        self._acc += self.session.config.view["speed"] * dt
        n = int(self._acc)
        if n == 0:
            return
        self._acc -= n
        if not self.advance(n):
            self.pause()
        elif now - self._last_lecture > LECTURE_INTERVAL:
            shown = self.window.panel_shown()
            if shown == "lecture":
                self.refresh_lecture()
            elif shown in ("examples", "weights"):  # the tables alone: no sanity checks for a hidden tab
                self._last_lecture = now
                self.refresh_tables()

    def reset(self):
        """R: every run back to its start with its current settings, paused at step 0 (Space plays)."""
        if self.session is None:
            return
        self.pause()
        self.session.reset(whole_plan=False)  # the plane stays: no need to compute the whole plan now
        self.refresh_runs()
        self.refresh_lecture()

    # ---------------------------------------------------------------------------------- controls
    def _apply(self, change, remember=True):
        """Run a session change; a bad value is a message and the controls show the session again.
        remember: Ctrl+Z can take it back."""
        if self._undoing:  # the session on screen is about to be replaced: a change now would be lost
            self.window.show_message(tr("Still taking back the last change: try again in a moment"))
            self.window.controls.show_session(self.session, self.selected, self.playing)
            return None
        snapshot = self._snapshot() if remember else None
        try:
            result = change()
        except (ConfigError, ValueError) as e:
            self.window.show_message(str(e))
            self.window.controls.show_session(self.session, self.selected, self.playing)
            return None
        if result and snapshot is not None:
            self._undo.append(snapshot)
            del self._undo[:-UNDO_DEPTH]
        return result

    # ---------------------------------------------------------------------------------- undo
    def _snapshot(self):
        """What undo restores: the demo's settings, each run's own start and visibility, the shown step
        and whether it was playing."""
        s = self.session
        return (copy.deepcopy(s.config), s.display_step, [None if r.start is None else r.start.copy() for r in s.runs],
                [r.visible for r in s.runs], self.playing)

    def undo(self):
        """Take back the last start click or setting change (Ctrl+Z): the session is rebuilt from the
        settings it had, on the same data (dragged points stay), and shown at the same step."""
        if self.session is None or not self._undo:
            self.window.show_message(tr("Nothing to undo"))
            return
        from .session.session import restored

        config, step, starts, visible, playing = self._undo.pop()
        # the worker's own view of the data: a point dragged meanwhile rebinds this session's X, not its
        data = copy.copy(self.session.data)
        self.pause()
        self._play_after_attach = playing
        self._after_attach = tr("Undone")
        self._undoing = True
        self.window.show_busy(tr("Taking back the last change"))
        losses, network, first = first_frame_needs(config)
        self.worker.request_session(lambda: restored(config, data, step, starts, visible), losses, network,
                                    first=first, lasting=True)

    def _on_controls_model_changed(self, change):
        if self.session is None:
            return
        if self._apply(lambda: self.session.update_run_model(self.selected, **change)):
            self.request_landscape()  # drawn at once when only the penalty changed: the data term is cached
            self.refresh_all()

    def _on_controls_run_changed(self, change):
        if self.session is None:
            return
        if self._apply(lambda: self.session.update_run(self.selected, **change)):
            self.refresh_all()

    def _on_controls_run_selected(self, index):
        if self.session is not None and self._apply(lambda: self.session.select(index) or True, remember=False):
            self.request_landscape()  # the landscape is the selected run's model
            self.refresh_all()

    def _on_controls_run_added(self):
        if self._apply(lambda: self.session.add_run()) is not None:
            self.request_landscape()
            self.refresh_all()

    def _on_controls_run_removed(self):
        if self._apply(lambda: self.session.remove_run(self.selected)):
            self.request_landscape()
            self.refresh_all()

    def _on_controls_run_shown(self, index, shown):
        if self.session is not None and 0 <= index < len(self.session.runs):
            self.session.runs[index].visible = bool(shown)
            self.refresh_runs()

    def _on_controls_data_chosen(self, name):
        """Another dataset: the same demo settings on it (a start W or two chosen entries of W belong to
        the old data's shape, and a lecture text to the old demo: both go)."""
        if self.session is None or name == self.session.config.data.get("name") and name not in ("csv", "cifar10"):
            return
        data = {"name": name}
        if name == "scores":  # its examples and labels come with a demo: nothing to switch to here
            self.window.show_message(tr("The worked examples come with their lecture demos (Lecture menu)"))
            self.window.controls.show_session(self.session, self.selected, self.playing)
            return
        if name in ("csv", "cifar10"):
            path = self.window.ask_path("csv" if name == "csv" else "folder")
            if not path:
                self.window.controls.show_session(self.session, self.selected, self.playing)
                return
            data["path"] = path
        self.open_config(cfgmod.on_other_data(self.session.config, data), play=self.playing)

    def _on_controls_architecture_chosen(self, arch):
        """A linear classifier or a network (or another hidden size or activation): the same demo trains
        it, from its own start (a start W belongs to the old parameters; two weights of W make no plane of
        a network's parameters)."""
        s = self.session
        if s is None or all(s.config.model[k] == v for k, v in arch.items()):
            return
        self.open_config(cfgmod.on_other_model(s.config, arch), play=True)  # from its start: the descent is the lesson

    def _on_controls_share_requested(self):
        if self.session is not None and self._apply(lambda: self.session.share_model(self.selected) or True):
            self.request_landscape()
            self.refresh_all()

    def _on_controls_speed_changed(self, v):
        if self.session is not None:
            self._apply(lambda: self.session.set_view(speed=float(v)), remember=False)

    def _on_controls_landscape_changed(self, change):
        s = self.session
        if s is None:
            return
        changed = self._apply(lambda: s.set_landscape(**change))
        if not changed:
            return
        if changed - {"log_scale", "contours"}:  # a new plane, framing or resolution: a new data term
            self.request_landscape()
            self.refresh_runs()
        else:
            self.draw_landscape()

    def _on_controls_refit_requested(self):
        if self.session is not None:
            self.session.fit_plane()
            self.request_landscape()
            self.refresh_runs()

    def _on_window_surface_opened(self):
        if self.session is None:
            return
        surface = self.window.ensure_surface()
        grid = self._current_grid()
        if surface is not None and grid is not None:
            surface.set_landscape(grid, self.session.extent, self.session.plane.axis_names)
            surface.set_runs(self.session.runs, self.session.display_step)

    def _on_landscape_start_clicked(self, a, b, all_runs):
        if self.session is None:
            return
        s = self.session
        if not self._apply(lambda: s.set_start_on_plane(a, b, None if all_runs else self.selected) or True):
            return
        # the descent from the clicked point is the lesson: every run is shown again from step 0, playing
        s.display_step = 0
        s.advance(0)
        self.refresh_runs()
        self.refresh_lecture()
        where = dict(a=f"{a:.3g}", b=f"{b:.3g}")
        self.window.show_message(tr("Every run now starts at a = {a}, b = {b} (Ctrl+Z takes it back)", **where)
                                 if all_runs else
                                 tr("{label} now starts at a = {a}, b = {b} (Ctrl+Z takes it back)",
                                    label=s.runs[self.selected].label, **where))
        self.play()

    def _on_data_point_moved(self, index, x, y):
        if self._undoing:  # as _apply: the point goes back where the session has it
            self.window.show_message(tr("Still taking back the last change: try again in a moment"))
            self.window.data.show_data(self.session.data, self.session.arch.kind == "mlp")
            return
        self.session.move_point(index, (x, y))
        self.request_landscape()
        self.refresh_runs()
        self.refresh_lecture()

    # ---------------------------------------------------------------------------------- files
    def _on_window_open_requested(self):
        path = self.window.ask_path("open")
        if path:
            self.open_path(path)

    def open_path(self, path):
        try:
            cfg = cfgmod.load(path)
        except ConfigError as e:
            self.window.show_message(str(e), dialog=True)
            return False
        self.open_config(cfg, play=True, path=path)
        return True

    def _on_window_preset_requested(self, name):
        try:
            cfg = cfgmod.loads(self.presets[name].read_text(), f"preset {name}")
        except (ConfigError, KeyError, DatasetError) as e:
            self.window.show_message(str(e), dialog=True)
            return
        self.open_config(cfg, play=True)

    def _on_window_lecture_step_requested(self, delta):
        """PageDown / PageUp (a presentation clicker): the next or previous lecture question, in the
        lecture's order, from the question on screen however it was opened; from any other demo, the
        first (or, going back, the last)."""
        from .session.presets import lecture_items

        order = [name for name, _ in lecture_items()]
        if not order:
            return
        at = lecture_position(self.session.config if self.session is not None else None)
        if at is not None:
            k = min(max(at[0] - 1 + delta, 0), len(order) - 1)
            if k == at[0] - 1:
                return
        else:
            k = 0 if delta > 0 else len(order) - 1
        self._on_window_preset_requested(order[k])

    def _on_window_save_requested(self, save_as):
        if self.session is None:
            return
        path = self.path
        if save_as or not path:
            path = self.window.ask_path("save")
            if not path:
                return
        self.save(path)

    def _current_grid(self):
        s = self.session
        return s.landscape() if s.landscape() is not None else s.landscape(PREVIEW_RESOLUTION)

    def _on_window_export_requested(self):
        if self.session is None or self._current_grid() is None:
            self.window.show_message(tr("Nothing to export yet: the landscape is still being computed"))
            return
        path = self.window.ask_path("export")
        if path:
            if os.path.splitext(path)[1].lower() not in FORMATS:
                self.window.show_message(tr("{path}: use one of {formats}", path=path, formats=", ".join(FORMATS)),
                                         dialog=True)
                return
            self.export_to(path)

    def export_to(self, path, size=(1200, 900), frames=None):
        """Export the current session; a GIF shows a cancellable progress dialog. Playback pauses while
        it renders and goes on as it was. Returns the summary, or None when cancelled or failed (the
        reason is shown)."""
        was_playing = self.playing
        self.pause()
        progress = None
        if os.path.splitext(path)[1].lower() in ANIMATION_FORMATS:
            from .session.frames import animation_steps

            progress = self.window.open_progress(tr("Rendering the animation..."),
                                                 len(animation_steps(self.session, frames)))

        def step(i, n):
            if progress is None:
                return True
            progress.setMaximum(n)
            progress.setValue(i)
            QtCore.QCoreApplication.processEvents()
            return not progress.wasCanceled()

        try:
            summary = export(self.session, self._current_grid(), path, size=size, frames=frames, progress=step)
        except (OSError, ValueError) as e:
            self.window.show_message(tr("Could not export {path}: {problem}", path=path,
                                        problem=getattr(e, "strerror", None) or e), dialog=True)
            return None
        finally:
            if progress is not None:
                progress.close()
            if was_playing:
                self.play()
        self.window.show_message(tr("Export cancelled; nothing was written") if summary is None else summary)
        return summary

    def _on_window_copy_requested(self):
        from .views.render import FigureCanvas

        if self.session is None or self._current_grid() is None:
            return
        canvas = FigureCanvas(self.session, self._current_grid(), (1200, 900))
        self.window.copy_picture(canvas.widget.grab())
        canvas.close()
        self.window.show_message(tr("The figure is on the clipboard"))

    def _on_window_screenshot_requested(self):
        path = self.window.ask_path("screenshot")
        if path:
            try:
                write_atomically(path, self.window.screenshot_png())
            except OSError as e:
                self.window.show_message(tr("Could not save {path}: {problem}", path=path, problem=e.strerror or e),
                                         dialog=True)

    def save(self, path):
        try:
            write_atomically(path, cfgmod.dumps(self.session.config).encode())
        except OSError as e:
            self.window.show_message(tr("Could not save {path}: {problem}", path=path, problem=e.strerror or e),
                                         dialog=True)
            return False
        self.path = path
        self.window.show_message(tr("Saved {path}", path=path))
        return True
