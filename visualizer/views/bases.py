"""The narrow interfaces the controller talks to (as ndv's views/bases): every method, signal and
attribute it uses of the window and its panels, and nothing else. The Qt views provide them
(tests/test_controller.py checks that they do, and mocks the views with these as their spec, so a view
method renamed on one side fails there).

Signals are named here, with what they carry; the views define them as pyqtSignal.
"""


class Signal:
    """A signal a view emits (a pyqtSignal in the view)."""

    def connect(self, slot):
        raise NotImplementedError

    def emit(self, *args):
        raise NotImplementedError


class ControlPanelBase:
    """What the controller uses of the window's controls."""

    architecture_chosen = Signal()
    continue_requested = Signal()
    data_chosen = Signal()
    landscape_changed = Signal()
    model_changed = Signal()
    play_toggled = Signal()
    refit_requested = Signal()
    reset_requested = Signal()
    step_back_requested = Signal()
    to_start_requested = Signal()
    run_added = Signal()
    run_changed = Signal()
    run_removed = Signal()
    run_selected = Signal()
    run_shown = Signal()
    share_requested = Signal()

    def show_config(self, config):
        """Before a session exists (kernels compiling on a first launch): the demo's own values, greyed out."""
        raise NotImplementedError

    def show_lr_limit(self, limit):
        """The largest stable step size near the selected run's point, under the step size (None: none)."""
        raise NotImplementedError

    def show_playing(self, playing):
        raise NotImplementedError

    def show_session(self, session, selected, playing):
        """Make every widget show the session's values, without echoing them back as changes."""
        raise NotImplementedError

    def show_step(self, step, last):
        """The shown step of the planned `last`; Continue is offered once they are reached."""
        raise NotImplementedError

    speed_changed = Signal()
    step_requested = Signal()


class MainWindowBase:
    """What the controller uses of the window's window."""


    def ask_path(self, kind):
        """A file dialog; the chosen path, or "" when cancelled ("folder": a folder, e.g. CIFAR-10's)."""
        raise NotImplementedError

    controls = None  # set by the view

    def copy_picture(self, pixmap):
        raise NotImplementedError

    copy_requested = Signal()
    curves = None  # set by the view
    data = None  # set by the view

    def ensure_surface(self):
        """The 3-D view, created the first time it is needed (None where OpenGL is missing)."""
        raise NotImplementedError

    examples = None  # set by the view
    explain_toggled = Signal()
    explaining = None  # set by the view
    export_requested = Signal()

    def highlight(self, target):
        """Frame the view a lecture item asks to look at (None: no frame)."""
        raise NotImplementedError

    landscape = None  # set by the view
    language_changed = Signal()
    lecture = None  # set by the view
    lecture_step_requested = Signal()

    def open_progress(self, text, maximum):
        """A window-modal progress dialog with Cancel (setValue, wasCanceled, close)."""
        raise NotImplementedError

    open_requested = Signal()
    panel_changed = Signal()

    def panel_shown(self):
        """'curves', 'examples', 'weights' or 'lecture': the right column's tab on top."""
        raise NotImplementedError

    preset_requested = Signal()

    def retranslate(self):
        """Every fixed text in the current language (View > Language; the controller rewrites the rest)."""
        raise NotImplementedError

    save_requested = Signal()

    def screenshot_png(self):
        raise NotImplementedError

    screenshot_requested = Signal()

    def show_busy(self, text):
        raise NotImplementedError

    def show_document(self, name):
        raise NotImplementedError

    def show_message(self, text, dialog=False):
        """A status-bar message (errors, "Saved ...", "copied"); dialog=True also shows it in a box."""
        raise NotImplementedError

    surface = None  # set by the view
    surface_opened = Signal()

    def surface_shown(self):
        raise NotImplementedError

    undo_requested = Signal()
    weights = None  # set by the view


class CurvesViewBase:
    """What the controller uses of the window's curves."""


    def show_runs(self, runs, step, selected=0):
        """Plot each run up to `step`; the loss axis frames the runs' sensible range, so one blow-up does not flatten the rest."""
        raise NotImplementedError


class DataViewBase:
    """What the controller uses of the window's data."""


    def highlight_example(self, index):
        """A large ring around one example (the Examples tab's hovered row); -1 clears."""
        raise NotImplementedError

    def mark_examples(self, indices):
        """Ring the examples of a minibatch (2-D sets); None or [] clears."""
        raise NotImplementedError

    point_hovered = Signal()
    point_moved = Signal()

    def show_data(self, data, network=False):
        """Set up for a dataset (called when the dataset changes); network: the runs train a network."""
        raise NotImplementedError

    def show_weights(self, W, scores=None):
        """The selected run's parameters: a linear W (D, C), or a network's flat parameters (with its scores)."""
        raise NotImplementedError


class ExamplesViewBase:
    """What the controller uses of the window's examples."""

    example_hovered = Signal()

    def select_example(self, index):
        """Scroll to and select an example's row (the data view's hover), -1: none."""
        raise NotImplementedError

    def show_examples(self, ex, class_names, features=None, feature_names=()):
        """ex: session.explain.examples(); features (N, k) shown for a few features, else None."""
        raise NotImplementedError


class LandscapeViewBase:
    """What the controller uses of the window's landscape."""


    def show_axes(self, names):
        raise NotImplementedError

    def show_explain(self, origin=None, arrows=None, color='#000'):
        raise NotImplementedError

    def show_hint(self):
        """The read-out's hint until the pointer next moves over the landscape (a new language)."""
        raise NotImplementedError

    def show_landscape(self, grid, extent, log_scale, contours, equal_scales=True):
        raise NotImplementedError

    def show_lecture(self, lecture, keep_answer=False, position=None):
        """The question, what to look at, and the answer behind a button (empty lecture: hidden)."""
        raise NotImplementedError

    def show_note(self, text):
        raise NotImplementedError

    def show_runs(self, runs, step, selected):
        raise NotImplementedError

    def show_spread(self, spread, color):
        raise NotImplementedError

    def show_status(self, text):
        raise NotImplementedError

    def show_title(self, text):
        raise NotImplementedError

    start_clicked = Signal()


class LecturePanelBase:
    """What the controller uses of the window's lecture."""

    example_changed = Signal()

    def example_index(self):
        raise NotImplementedError

    def set_examples(self, n):
        raise NotImplementedError

    def show_explained(self, x, names):
        """The explained step (session.explain.explain_step) above the lecture's numbers; names: (row, column) of each entry."""
        raise NotImplementedError

    def show_message(self, text):
        raise NotImplementedError

    def show_numbers(self, b, checks, class_names, delta, loss):
        raise NotImplementedError

    def show_step(self, html):
        """The explained step's section as given ("" removes it)."""
        raise NotImplementedError


class SurfaceViewBase:
    """What the controller uses of the window's surface."""


    def set_landscape(self, grid, extent, axis_names=('a', 'b')):
        """New surface; the camera stays where the user put it."""
        raise NotImplementedError

    def set_runs(self, runs, step):
        raise NotImplementedError


class WeightsViewBase:
    """What the controller uses of the window's weights."""

    edit_requested = Signal()
    footer = None  # set by the view

    def show_weights(self, w, names):
        """w: session.explain.weights(); names: (row, column) of each entry (explain.entry_names)."""
        raise NotImplementedError
