"""The main window: controls on the left, the landscape in the centre, data / curves / lecture on the
right; menus and keyboard shortcuts. It only lays out and forwards: the controller does the wiring."""

from PyQt6 import QtCore, QtGui, QtWidgets

from ..i18n import LANGUAGES, N_, tr
from ..session import presets
from .controls import DATA_NAMES, ControlPanel
from .curves import CurvesView
from .data import DataView
from .figure import configure_pyqtgraph
from .fonts import use_hangul
from .landscape import LandscapeView
from .lecture import LecturePanel
from .tables import ExamplesView, WeightsView
from .translate import retranslate, use_qt_translations


def make_window():
    """The main window with its preset and lecture menus, and the presets found (shared by the app,
    --screenshot and the tests, which add a worker and a controller)."""
    configure_pyqtgraph()
    use_hangul()
    found = presets.available()
    window = MainWindow(presets.preset_items(), presets.lecture_items())
    return window, found


class MainWindow(QtWidgets.QMainWindow):
    open_requested = QtCore.pyqtSignal()
    save_requested = QtCore.pyqtSignal(bool)  # save as?
    preset_requested = QtCore.pyqtSignal(str)
    screenshot_requested = QtCore.pyqtSignal()
    export_requested = QtCore.pyqtSignal()
    copy_requested = QtCore.pyqtSignal()
    surface_opened = QtCore.pyqtSignal()
    undo_requested = QtCore.pyqtSignal()
    lecture_step_requested = QtCore.pyqtSignal(int)  # PageDown +1 / PageUp -1: the next / previous question
    font_scale_changed = QtCore.pyqtSignal(float)
    theme_changed = QtCore.pyqtSignal(str)
    language_changed = QtCore.pyqtSignal(str)  # 'en' or 'ko', chosen in View > Language
    explain_toggled = QtCore.pyqtSignal(bool)  # View > Explain step (E)
    panel_changed = QtCore.pyqtSignal()  # another tab of the right column is shown
    closing = QtCore.pyqtSignal()

    def __init__(self, presets=(), lecture=()):
        super().__init__()
        self._translated = False  # a language other than English has been shown
        self.setWindowTitle("Losscape")
        self.resize(1600, 960)
        f = self.font()
        f.setPointSize(12)
        self.setFont(f)
        self._build_panels()
        self._build_status_bar()
        self._build_menus(presets, lecture)  # File, Edit, Presets, Lecture
        self._build_view_menu()
        hm = self.menuBar().addMenu("&Help")
        self._action(hm, "&Keyboard shortcuts", "F1", self.show_shortcuts)
        self.retranslate()

    def _build_panels(self):
        """The controls, the landscape (and the 3-D surface beside it), the data view and the tabs."""
        self.controls = ControlPanel()
        self.landscape = LandscapeView()
        self.data = DataView()
        self.curves = CurvesView()
        self.lecture = LecturePanel()
        self.examples = ExamplesView()
        self.weights = WeightsView()
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setUsesScrollButtons(True)  # four tabs must not widen a narrow column
        self.tabs.addTab(self.curves, "Curves")
        self.tabs.addTab(self.examples, "Examples")
        self.tabs.addTab(self.weights, "Weights")
        self.tabs.addTab(self.lecture, "Lecture")
        self.tabs.currentChanged.connect(lambda _: self.panel_changed.emit())
        right = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        right.addWidget(self.data)
        right.addWidget(self.tabs)
        right.setSizes([430, 500])
        main = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        main.addWidget(self.controls)
        self.center = QtWidgets.QTabWidget()
        self.center.addTab(self.landscape, "Landscape")
        self.surface_page = QtWidgets.QWidget()
        QtWidgets.QVBoxLayout(self.surface_page).setContentsMargins(0, 0, 0, 0)
        self.center.addTab(self.surface_page, "3-D surface")
        self.surface = None  # created on first use: GL costs start-up time and may be missing
        from .surface import gl_unavailable

        self.gl_problem = gl_unavailable()
        if self.gl_problem:
            self.center.setTabEnabled(1, False)
            self.center.setTabToolTip(1, self.gl_problem)
        self.center.currentChanged.connect(
            lambda i: self.center.widget(i) is self.surface_page and self.surface_opened.emit())
        main.addWidget(self.center)
        main.addWidget(right)
        main.setSizes([390, 700, 510])
        for k, stretch in enumerate((2, 5, 3)):  # a smaller window shrinks every column, the landscape least
            main.setStretchFactor(k, stretch)
            main.setCollapsible(k, False)
        self.setCentralWidget(main)
        self.splitter = main
        self.presenting = False
        self.font_scale = 1.0
        self.theme = "light"
        for b in (self.controls.play, self.controls.step, self.controls.reset):
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # Space must reach the play shortcut

    def _build_status_bar(self):
        self.busy = QtWidgets.QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(160)
        self.busy.hide()
        self.statusBar().addPermanentWidget(self.busy)

    def _build_menus(self, presets, lecture):
        """File, Edit, Presets and Lecture."""
        menu = self.menuBar().addMenu("&File")
        self._action(menu, "&Open demo...", "Ctrl+O", self.open_requested.emit)
        self._action(menu, "&Save demo", "Ctrl+S", lambda: self.save_requested.emit(False))
        self._action(menu, "Save demo &as...", "Ctrl+Shift+S", lambda: self.save_requested.emit(True))
        menu.addSeparator()
        self._action(menu, "&Export figure, data or animation...", "Ctrl+E", self.export_requested.emit)
        self._action(menu, "&Copy figure to clipboard", "Ctrl+Shift+C", self.copy_requested.emit)
        self._action(menu, "Save screens&hot...", None, self.screenshot_requested.emit)
        menu.addSeparator()
        self._action(menu, "&Quit", "Ctrl+Q", self.close)
        em = self.menuBar().addMenu("&Edit")
        self._action(em, "&Undo start or setting change", "Ctrl+Z", self.undo_requested.emit)
        pm = self.menuBar().addMenu("&Presets")
        pm.setToolTipsVisible(True)
        for name, about in presets:  # what each shows, in the window's language; its file name as a tip
            act = self._action(pm, about, None, lambda checked=False, n=name: self.preset_requested.emit(n))
            act.setToolTip(f"--preset {name}")
        lm = self.menuBar().addMenu("&Lecture")
        self.lecture_actions = []  # (action, number, English question): retitled on a language switch
        for i, (name, question) in enumerate(lecture, 1):
            act = self._action(lm, "", None, lambda checked=False, n=name: self.preset_requested.emit(n))
            self.lecture_actions.append((act, i, question))

    def _build_view_menu(self):
        """Playback, presenter mode, text size, theme, the lecture's keys, Explain step and the language."""
        vm = self.menuBar().addMenu("&View")
        self._action(vm, "&Full screen", "F", self.toggle_full_screen)
        self.play_action = self._action(vm, "Play / pause", "Space", self.controls.play_toggled.emit)
        self._action(vm, "Step", "Right", self.controls.step_requested.emit)
        self._action(vm, "Step back", "Left", self.controls.step_back_requested.emit)
        self._action(vm, "To step 0", "Home", self.controls.to_start_requested.emit)
        self._action(vm, "Reset", "R", self.controls.reset_requested.emit)
        vm.addSeparator()
        self.present_action = self._action(vm, "&Presenter mode", "P", lambda: self.set_presenter(not self.presenting))
        self.present_action.setCheckable(True)
        self._action(vm, "Show or hide the &controls", "C", self.toggle_controls)
        self._action(vm, "Larger text", "Ctrl+=", lambda: self.set_font_scale(self.font_scale * 1.15))
        self._action(vm, "Smaller text", "Ctrl+-", lambda: self.set_font_scale(self.font_scale / 1.15))
        self.dark_action = self._action(vm, "&Dark theme", "Ctrl+D",
                                        lambda: self.set_theme("light" if self.theme == "dark" else "dark"))
        self.dark_action.setCheckable(True)
        self._action(vm, "Next lecture question", "PgDown", lambda: self.lecture_step_requested.emit(1))
        self._action(vm, "Previous lecture question", "PgUp", lambda: self.lecture_step_requested.emit(-1))
        self._action(vm, "Show or hide the answer", "B", self.landscape.toggle_answer)
        self._action(vm, "Show or hide the answer (clicker)", ".", self.landscape.toggle_answer)
        self.explain_action = self._action(vm, "&Explain step", "E", lambda: self.set_explaining(not self.explaining))
        self.explain_action.setCheckable(True)
        self.explaining = False
        lang = vm.addMenu("&Language")
        group = QtGui.QActionGroup(self)
        self.language_actions = {}
        for code, name in LANGUAGES.items():  # each language in its own name, as a reader looks for it
            act = self._action(lang, name, None, lambda checked=False, c=code: self.language_changed.emit(c))
            act.setCheckable(True)
            group.addAction(act)
            self.language_actions[code] = act

    def retranslate(self):
        """Every fixed text in the current language (View > Language; the controller rewrites the rest)."""
        from ..i18n import language

        use_qt_translations()
        if language() != "en" or self._translated:  # built in English: nothing to swap before a switch
            retranslate(self)
            self._translated = True
        self.curves.retranslate()
        if self.gl_problem:  # the reason the 3-D tab is off, in the new language
            from .surface import gl_unavailable

            self.gl_problem = gl_unavailable()
            self.center.setTabToolTip(1, self.gl_problem)
        for act, i, question in self.lecture_actions:
            act.setText(f"{i}. {tr(question)}")
        self.language_actions[language()].setChecked(True)

    def _action(self, menu, text, shortcut, slot):
        act = QtGui.QAction(text, self)
        if shortcut:
            act.setShortcut(QtGui.QKeySequence(shortcut))
            act.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)  # its shortcut works with the menu bar hidden too (presenter mode)
        return act

    def shortcuts(self):
        """[(keys, what)] of every menu action with a shortcut, read from the menus themselves."""
        out = []
        for menu in self.menuBar().findChildren(QtWidgets.QMenu):
            for act in menu.actions():
                if not act.shortcut().isEmpty():
                    out.append((act.shortcut().toString(QtGui.QKeySequence.SequenceFormat.NativeText),
                                act.text().replace("&", "").rstrip(".")))
        return out

    def show_shortcuts(self):
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{what}</td></tr>" for k, what in self.shortcuts())
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Information, tr("Keyboard shortcuts"),
                                    f"<table cellspacing=6>{rows}</table><p>"
                                    + tr("They work wherever the focus is; Enter or Escape leaves a number box.")
                                    + "</p>",
                                    QtWidgets.QMessageBox.StandardButton.Ok, self)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_dialog = box

    def highlight(self, target):
        """Frame the view a lecture item asks to look at (None: no frame)."""
        frames = {"landscape": self.landscape.canvas, "data": self.data, "curves": self.curves,
                  "lecture": self.lecture.text}
        for name, w in frames.items():
            w.setStyleSheet("border: 4px solid #D55E00;" if name == target else "")
        if target in ("curves", "lecture"):
            self.tabs.setCurrentWidget(self.curves if target == "curves" else self.lecture)

    def ensure_surface(self):
        """The 3-D view, created the first time it is needed (None where OpenGL is missing)."""
        if self.surface is None and not self.gl_problem:
            from .surface import SurfaceView

            self.surface = SurfaceView()
            self.surface_page.layout().addWidget(self.surface)
            retranslate(self.surface)
        return self.surface

    def set_presenter(self, on):
        """Presenter mode: the landscape is the largest thing on screen; the controls fold away (C or
        View > Show or hide the controls brings them back as a drawer); the clicker's PageDown / PageUp
        walk the lecture questions and B or '.' reveals the answer."""
        self.presenting = bool(on)
        self.present_action.setChecked(self.presenting)
        self.controls.setVisible(not self.presenting)
        # every pixel to the picture: the menus (their keys still work), the tab bar, the hover read-out
        # and the answer button (B shows the answer) are for the desk, not the projector
        self.menuBar().setVisible(not self.presenting)
        self.center.tabBar().setVisible(not self.presenting)
        self.landscape.set_compact(self.presenting)
        total = max(self.width(), 800)
        if self.presenting:
            self.splitter.setSizes([0, int(total * 0.79), int(total * 0.21)])
        else:
            self.splitter.setSizes([int(total * 0.24), int(total * 0.44), int(total * 0.32)])

    def toggle_controls(self):
        """The controls as a drawer: out and back in (in presenter mode, the landscape gives room)."""
        show = not self.controls.isVisible()
        self.controls.setVisible(show)
        if show:
            sizes = self.splitter.sizes()
            self.splitter.setSizes([max(sizes[0], 330), max(sizes[1] - 330, 300), sizes[2]])

    def set_font_scale(self, scale):
        """All text larger or smaller (Ctrl+= / Ctrl+-), from 0.7x to 2.5x; remembered by the app."""
        self.font_scale = min(max(scale, 0.7), 2.5)
        f = self.font()
        f.setPointSizeF(12 * self.font_scale)
        self.setFont(f)
        self.landscape.set_font_scale(self.font_scale)
        self.curves.set_font_scale(self.font_scale)
        self.data.set_font_scale(self.font_scale)
        self.font_scale_changed.emit(self.font_scale)

    def set_theme(self, theme):
        """Light (paper, a bright room) or dark (a projector in a dark room): the window's widgets and
        plots; exported figures stay light. Remembered by the app."""
        self.theme = theme if theme in ("light", "dark") else "light"
        self.dark_action.setChecked(self.theme == "dark")
        app = QtWidgets.QApplication.instance()
        if self.theme == "dark":
            app.setStyle("Fusion")
            pal = QtGui.QPalette()
            C = QtGui.QPalette.ColorRole
            for role, color in ((C.Window, "#262626"), (C.WindowText, "#e6e6e6"), (C.Base, "#1e1e1e"),
                                (C.AlternateBase, "#2c2c2c"), (C.Text, "#e6e6e6"), (C.Button, "#333333"),
                                (C.ButtonText, "#e6e6e6"), (C.Highlight, "#3d6fb6"), (C.HighlightedText, "#ffffff"),
                                (C.ToolTipBase, "#333333"), (C.ToolTipText, "#e6e6e6"), (C.PlaceholderText, "#888888")):
                pal.setColor(role, QtGui.QColor(color))
            for role in (C.WindowText, C.Text, C.ButtonText):  # a greyed-out control must look greyed out
                pal.setColor(QtGui.QPalette.ColorGroup.Disabled, role, QtGui.QColor("#7a7a7a"))
            app.setPalette(pal)
        else:
            app.setPalette(app.style().standardPalette())
        self.landscape.set_theme(self.theme)
        self.data.set_theme(self.theme)
        self.curves.set_theme(self.theme)
        self.theme_changed.emit(self.theme)

    def toggle_full_screen(self):
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def show_busy(self, text):
        self.busy.setVisible(bool(text))
        self.statusBar().showMessage(text or "")

    def surface_shown(self):
        return self.center.currentWidget() is self.surface_page

    def panel_shown(self):
        """'curves', 'examples', 'weights' or 'lecture': the right column's tab on top."""
        return {self.curves: "curves", self.examples: "examples", self.weights: "weights",
                self.lecture: "lecture"}[self.tabs.currentWidget()]

    def set_explaining(self, on):
        """Explain step (E): the selected run's step taken apart in the Lecture tab, with arrows on the
        landscape and its minibatch marked."""
        self.explaining = bool(on)
        self.explain_action.setChecked(self.explaining)
        if self.explaining:
            self.tabs.setCurrentWidget(self.lecture)
        self.explain_toggled.emit(self.explaining)

    def show_document(self, name):
        self.setWindowTitle(f"Losscape - {tr(DATA_NAMES.get(name, name))}")

    PATH_DIALOGS = {  # kind -> (caption, suggested name, filter, saving?)
        "open": (N_("Open demo"), "", N_("Demo (*.toml)"), False),
        "save": (N_("Save demo"), "demo.toml", N_("Demo (*.toml)"), True),
        "export": (N_("Export"), "losscape.png",
                   N_("Figure (*.png *.svg *.pdf);;Data (*.csv *.json *.npz);;Animation (*.gif *.mp4)"), True),
        "screenshot": (N_("Save screenshot"), "losscape-window.png", N_("PNG (*.png)"), True),
        "csv": (N_("Open a CSV data file"), "", N_("CSV (*.csv *.tsv *.txt);;Any file (*)"), False),
    }

    def ask_path(self, kind):
        """A file dialog; the chosen path, or "" when cancelled ("folder": a folder, e.g. CIFAR-10's)."""
        if kind == "folder":
            return QtWidgets.QFileDialog.getExistingDirectory(self, tr("The CIFAR-10 folder (cifar-10-batches-py)"))
        caption, name, filters, saving = self.PATH_DIALOGS[kind]
        ask = QtWidgets.QFileDialog.getSaveFileName if saving else QtWidgets.QFileDialog.getOpenFileName
        return ask(self, tr(caption), name, tr(filters))[0]

    def open_progress(self, text, maximum):
        """A window-modal progress dialog with Cancel (setValue, wasCanceled, close)."""
        dialog = QtWidgets.QProgressDialog(text, tr("Cancel"), 0, maximum, self)
        dialog.setWindowTitle(tr("Export"))
        dialog.setMinimumDuration(0)
        dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        self.progress_dialog = dialog
        return dialog

    def copy_picture(self, pixmap):
        QtWidgets.QApplication.clipboard().setPixmap(pixmap)

    def screenshot_png(self):
        from .render import image_bytes

        return image_bytes(self.grab())

    def show_message(self, text, dialog=False):
        """A status-bar message (errors, "Saved ...", "copied"); dialog=True also shows it in a box."""
        self.statusBar().showMessage(text, 10000)
        if dialog:  # open(), not exec(): the event loop (animation, worker results) keeps running
            box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, "Losscape", text,
                                        QtWidgets.QMessageBox.StandardButton.Ok, self)
            box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            self.last_dialog = box

    def closeEvent(self, event):
        self.closing.emit()
        super().closeEvent(event)
