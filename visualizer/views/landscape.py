"""The centre view: the landscape, the runs on it, hover read-out and click-to-set-start."""

import re

import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ..i18n import N_, tr
from .figure import LandscapeFigure, paint_canvas
from .widgets import LabelSlot


class LandscapeView(QtWidgets.QWidget):
    start_clicked = QtCore.pyqtSignal(float, float, bool)  # (a, b) in the plane; all runs (Shift)?
    HINT = N_("Hover to read the loss; click: the selected run starts there (Shift+click: every run).")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        self.plot = self.canvas.addPlot()
        self.plot.setMenuEnabled(False)
        self.figure = LandscapeFigure(self.plot, legend_cell=False, cached=True)
        self.title = QtWidgets.QLabel()
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.title.setWordWrap(True)  # a long run label takes a second line instead of being cut
        self.note = QtWidgets.QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("font-size: 13pt; color: #1a4d8f;")
        self.explain = QtWidgets.QFrame()
        self.explain.setStyleSheet("QFrame { background: #fff6e0; border-radius: 6px; }")
        box = QtWidgets.QVBoxLayout(self.explain)
        box.setContentsMargins(8, 6, 8, 6)  # every pixel the box does not need is the landscape's
        box.setSpacing(4)
        self.position = QtWidgets.QLabel()  # "Question 15 of 20": where the clicker is in the lecture
        self.position.setStyleSheet("font-size: 11pt; color: #555;")
        self.question = QtWidgets.QLabel()
        self.question.setWordWrap(True)
        self.question.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.look = QtWidgets.QLabel()
        self.look.setWordWrap(True)
        self.look.setStyleSheet("font-size: 12pt;")
        self.answer_button = QtWidgets.QPushButton("Show the answer")
        self.answer = QtWidgets.QLabel()
        self.answer.setWordWrap(True)
        self.answer.setStyleSheet("font-size: 13pt; color: #0b5d1e;")
        top = QtWidgets.QHBoxLayout()  # the question, and its place in the lecture at the right
        top.addWidget(self.question, 1)
        top.addWidget(self.position, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        box.addLayout(top)
        for w in (self.look, self.answer_button, self.answer):
            box.addWidget(w)
        self.answer_button.clicked.connect(lambda: (self.answer.show(), self.answer_button.hide()))
        self.explain.hide()
        self.compact = False
        self._scale = 1.0
        self.readout = QtWidgets.QLabel(self.HINT)
        self.readout.setStyleSheet("font-size: 11pt; color: #333;")
        self.status = QtWidgets.QLabel()
        self.status.setStyleSheet("font-size: 11pt; color: #555;")
        # both may wrap (a long run label, a narrow window); their heights are fixed so that text changing
        # every frame never relayouts the window
        font = QtGui.QFont(self.status.font())
        font.setPointSize(11)  # as their style sheets say
        line = QtGui.QFontMetrics(font).lineSpacing()
        self._line = line
        self.readout_slot, self.status_slot = LabelSlot(self.readout), LabelSlot(self.status)
        for label, slot, lines in ((self.readout, self.readout_slot, 2), (self.status, self.status_slot, 3)):
            label.setWordWrap(True)
            slot.setFixedHeight(lines * line + 4)
        for label in (self.title, self.note, self.readout, self.status):
            # text that changes every frame must not change the layout (a relayout repaints everything)
            label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        # (size in pt, the rest of the style) of each label, so the text size can be scaled
        self._styles = {label: (float(m.group(1)), label.styleSheet()[m.end():].strip())
                        for label in (self.title, self.note, self.position, self.question, self.look, self.answer, self.readout,
                                      self.status)
                        for m in [re.match(r"font-size: ([0-9.]+)pt;", label.styleSheet())] if m}
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.note)
        lay.addWidget(self.explain)
        lay.addWidget(self.canvas, 1)
        lay.addWidget(self.readout_slot)
        lay.addWidget(self.status_slot)
        paint_canvas(self.canvas, "light")  # the theme's ink from the start (pyqtgraph's grey is 3:1)
        self.plot.scene().sigMouseMoved.connect(self._on_canvas_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_canvas_clicked)

    def _to_plane(self, scene_pos):
        if not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.plot.vb.mapSceneToView(scene_pos)
        return p.x(), p.y()

    def _on_canvas_mouse_moved(self, pos):
        ab = self._to_plane(pos)
        if ab is None:
            return
        v = self.figure.value_at(*ab)
        if v is None:
            return
        loss, da, db = v
        self.readout.setText(tr("a = {a}, b = {b} · landscape {loss} · slope in the plane ({da}, {db})",
                                a=f"{ab[0]:.3g}", b=f"{ab[1]:.3g}", loss=f"{loss:.4g}", da=f"{da:.3g}",
                                db=f"{db:.3g}"))

    def _on_canvas_clicked(self, event):
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        ab = self._to_plane(event.scenePos())
        if ab is not None and self.figure.value_at(*ab) is not None:
            shift = bool(event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
            self.start_clicked.emit(ab[0], ab[1], shift)

    def show_lecture(self, lecture, keep_answer=False, position=None):
        """The question, what to look at, and the answer behind a button (empty lecture: hidden);
        keep_answer: the same lecture in another language, the answer as much in sight as it was;
        position (k, n): the question's place in the lecture, shown above it."""
        self.explain.setVisible(bool(lecture))
        self.position.setVisible(bool(lecture) and position is not None)
        if position is not None:
            self.position.setText(tr("Question {k} of {n}", k=position[0], n=position[1]))
        if lecture:
            self.question.setText(tr(lecture["question"]))
            self.look.setText(tr("Look at: {look}", look=tr(lecture["look"])))
            self.answer.setText(tr(lecture["answer"]))
            if not keep_answer:
                self.answer.hide()
                self.look.show()
                self.answer_button.setVisible(not self.compact)

    def show_hint(self):
        """The read-out's hint until the pointer next moves over the landscape (a new language)."""
        self.readout.setText(tr(self.HINT))

    def set_compact(self, on):
        """Presenter mode: no hover read-out, no answer button (B or '.' shows the answer)."""
        self.compact = on
        self.readout_slot.setVisible(not on)
        self.status_slot.setFixedHeight((2 if on else 3) * self._line + 4)
        if self.explain.isVisible():
            self.answer_button.setVisible(not on and not self.answer.isVisible())

    # label -> colour in the light and in the dark theme
    INKS = {"note": ("#1a4d8f", "#8ab4f8"), "answer": ("#0b5d1e", "#81c995"), "readout": ("#333", "#dddddd"),
            "status": ("#555", "#bbbbbb"), "position": ("#555", "#bbbbbb")}

    def set_theme(self, theme):
        dark = theme == "dark"
        for name, inks in self.INKS.items():
            label = getattr(self, name)
            size, rest = self._styles[label]
            self._styles[label] = (size, re.sub(r"color: [^;]+;", f"color: {inks[dark]};", rest))
        self.explain.setStyleSheet(f"QFrame {{ background: {'#3a3320' if dark else '#fff6e0'}; border-radius: 6px; }}")
        self.set_font_scale(self._scale)
        paint_canvas(self.canvas, theme)

    def show_answer(self):
        if not self.explain.isHidden() and self.answer.isHidden():
            self.toggle_answer()

    def toggle_answer(self):
        """B or '.': the answer of a lecture item in and out of sight (asked of the widgets themselves,
        so that it works before the window is shown, as --screenshot --answer asks)."""
        if self.explain.isHidden():
            return
        shown = not self.answer.isHidden()
        self.answer.setVisible(not shown)
        # the answer takes the place of what to look at (the class has looked): together they squashed
        # the landscape to a strip in a 1280x720 window
        self.look.setVisible(shown)
        self.answer_button.setVisible(shown and not self.compact)

    def set_font_scale(self, scale):
        """Every label's text size times `scale`, and the plot's axes and tick labels with them."""
        self._scale = scale
        for label, (size, rest) in self._styles.items():
            label.setStyleSheet(f"font-size: {size * scale:.1f}pt; {rest}")
        self.figure.set_font_size(int(round(14 * scale)))
        font = QtGui.QFont(self.status.font())
        font.setPointSizeF(11 * scale)
        self._line = QtGui.QFontMetrics(font).lineSpacing()
        self.readout_slot.setFixedHeight(2 * self._line + 4)
        self.status_slot.setFixedHeight((2 if self.compact else 3) * self._line + 4)

    def show_status(self, text):
        self.status.setText(text)

    def describe(self):
        return {"title": self.title.text(), "note": self.note.text() if self.note.isVisible() else "",
                "status": self.status.text(), "readout": self.readout.text(), **self.figure.describe()}

    def show_title(self, text):
        self.title.setText(text)

    def show_note(self, text):
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def show_axes(self, names):
        self.figure.set_axes(names)

    def show_landscape(self, grid, extent, log_scale, contours, equal_scales=True):
        self.figure.set_landscape(grid, extent, log_scale, contours, equal_scales)

    def show_runs(self, runs, step, selected):
        self.figure.set_runs(runs, step, selected)

    def show_spread(self, spread, color):
        self.figure.set_spread(spread, color)

    def show_explain(self, origin=None, arrows=None, color="#000"):
        self.figure.set_explain(origin, arrows, color)
