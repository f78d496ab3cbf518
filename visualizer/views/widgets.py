"""Small reusable controls."""

import math

from PyQt6 import QtCore, QtGui, QtWidgets


class LogValueControl(QtWidgets.QWidget):
    """A log-scale slider with a number box beside it (type any value; the slider follows).

    valueChanged fires at most every `rate_ms` while dragging, and once more with the final value:
    slider-driven work stays rate-limited without losing the last value.

    span (decades): the slider covers only that much around the current value, and re-centres on it when
    released or typed, for fine control (a 40 px drag over the whole 1e-4..100 once took a step size from
    0.1 to 4.66); None covers lo..hi.
    """

    valueChanged = QtCore.pyqtSignal(float)
    STEPS = 1000

    def __init__(self, lo, hi, value, allow_zero=False, rate_ms=40, span=None, parent=None):
        super().__init__(parent)
        self.min, self.max, self.allow_zero, self.span = math.log10(lo), math.log10(hi), allow_zero, span
        self.lo, self.hi = self.min, self.max
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.STEPS)
        self.box = QtWidgets.QLineEdit()
        self.box.setMaximumWidth(80)
        v = QtGui.QDoubleValidator(0.0 if allow_zero else lo * 1e-3, 1e12, 12)
        v.setNotation(QtGui.QDoubleValidator.Notation.ScientificNotation)
        self.box.setValidator(v)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.box)
        self._value = None
        self._timer = QtCore.QTimer(self, singleShot=True, interval=rate_ms)
        self._timer.timeout.connect(self._emit)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.slider.sliderReleased.connect(lambda: self._centre(self._value))
        self.box.editingFinished.connect(self._on_box_edited)
        self.setValue(value)

    def value(self):
        return self._value

    def _centre(self, v):
        """Put the slider's window of `span` decades around v (within lo..hi)."""
        if self.span is None or not v or v <= 0:
            return
        c = min(max(math.log10(v), self.min + self.span / 2), self.max - self.span / 2)
        self.lo, self.hi = c - self.span / 2, c + self.span / 2
        self._place(v)

    def setValue(self, v):
        self._value = float(v)
        if not self.slider.isSliderDown():
            self._centre(v)
        self._place(v)

    def _place(self, v):
        self.box.setText(f"{v:g}")
        self.slider.blockSignals(True)
        if v > 0:
            pos = (math.log10(v) - self.lo) / (self.hi - self.lo) * self.STEPS
            self.slider.setValue(int(round(min(max(pos, 0), self.STEPS))))
        else:
            self.slider.setValue(0)
        self.slider.blockSignals(False)

    def _on_slider_moved(self, pos):
        v = 10 ** (self.lo + pos / self.STEPS * (self.hi - self.lo))
        v = float(f"{v:.3g}")
        if self.allow_zero and pos == 0:
            v = 0.0
        self._value = v  # the box shows it when it is sent: box, title and picture change together
        if not self._timer.isActive():
            self._timer.start()

    def _on_box_edited(self):
        try:
            v = float(self.box.text())
        except ValueError:
            self.box.setText(f"{self._value:g}")
            return
        if v != self._value:
            self.setValue(v)
            self._emit()

    def _emit(self):
        self.box.setText(f"{self._value:g}")
        self.valueChanged.emit(self._value)


def color_icon(color, size=14):
    pix = QtGui.QPixmap(size, size)
    pix.fill(QtGui.QColor(color))
    return QtGui.QIcon(pix)


class LabelSlot(QtWidgets.QWidget):
    """A fixed-height place in a layout for a label whose text changes every animation frame. In a
    layout, QLabel.setText asks the layout to recompute, and that repainted the window around it (the
    whole landscape tab, each frame); here the label has no layout to ask, and fills the slot."""

    def __init__(self, label, parent=None, lines=None):
        """lines: the slot is that many lines of its font high, also after the text is scaled (else
        the owner sets its height)."""
        super().__init__(parent)
        self.label = label
        label.setParent(self)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self._lines = lines
        if lines is not None:
            self._fit()

    def _fit(self):
        self.setFixedHeight(self._lines * self.fontMetrics().lineSpacing() + 4)

    def changeEvent(self, event):
        if self._lines is not None and event.type() == QtCore.QEvent.Type.FontChange:
            self._fit()
        super().changeEvent(event)

    def resizeEvent(self, event):
        self.label.setGeometry(self.rect())
        super().resizeEvent(event)


class ElidedComboBox(QtWidgets.QComboBox):
    """A combo box that shows "softmax (cross-ent…" where its choice does not fit, with the whole choice
    as its tooltip (Qt's own cuts it off mid-letter, with nothing to say that it did). The list opens
    as wide as its longest entry."""

    def paintEvent(self, event):
        if self.toolTip() != self.currentText():  # set here: the panel changes choices with signals blocked
            self.setToolTip(self.currentText())
        painter = QtWidgets.QStylePainter(self)
        opt = QtWidgets.QStyleOptionComboBox()
        self.initStyleOption(opt)
        painter.drawComplexControl(QtWidgets.QStyle.ComplexControl.CC_ComboBox, opt)
        opt.currentText = self.shown_text(opt)
        painter.drawControl(QtWidgets.QStyle.ControlElement.CE_ComboBoxLabel, opt)

    def shown_text(self, opt=None):
        """The choice as drawn: whole where it fits, else cut with an ellipsis."""
        if opt is None:
            opt = QtWidgets.QStyleOptionComboBox()
            self.initStyleOption(opt)
        room = self.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_ComboBox, opt,
                                           QtWidgets.QStyle.SubControl.SC_ComboBoxEditField, self).width()
        return self.fontMetrics().elidedText(opt.currentText, QtCore.Qt.TextElideMode.ElideRight, max(room - 2, 0))

    def showPopup(self):
        view = self.view()
        view.setMinimumWidth(max(view.sizeHintForColumn(0) + 24, self.width()))
        super().showPopup()

