"""Loss and accuracy per step, for every run: minibatch loss (noisy), full loss, data and
regularization parts, accuracy; the shown step and divergences marked."""

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ..i18n import tr
from .fastitems import Dots, Polyline, StepLine
from .figure import THEMES, fit_title, name_axis, paint_canvas, style_axes
from .pathlayer import PathLayer
from .pathlayer import peaks as _peaks
from ..session.runs import tame_limit

PEAK_BINS = 120  # the dashed validation curves' tails: at most twice this many points (see peaks)


def peaks(x, y, bins=PEAK_BINS):
    """(x, y) drawn from at most 2 * bins points, spikes kept (pathlayer.peaks)."""
    return _peaks(x, y, bins)


TAIL_BLOCK = 128  # a loss curve's older part is drawn once per this many steps, then shown from a cached picture


def tail_split(n, block=TAIL_BLOCK):
    """Where a curve of n points splits into its settled tail (drawn once, cached as a picture) and the
    live part drawn every frame (between block / 2 and 1.5 * block points, so a frame at step 10,000
    strokes about as much as a frame at step 100); 0: no tail yet."""
    return max(0, (n - block // 2) // block * block)


def _axis_unit(step):
    """Steps between moves of the step axis: 50, or a twentieth of the steps drawn rounded up to 1, 2 or
    5 times a power of ten, whichever is more."""
    unit = 50
    while 20 * unit < step:
        unit = unit * 5 // 2 if str(unit)[0] == "2" else unit * 2  # 50, 100, 200, 500, 1000, ...
    return unit


def _finite(x, y):
    """(x, y) where y is finite; the arrays themselves when all of it is (no copies, every frame)."""
    ok = np.isfinite(y)
    return (x, y) if ok.all() else (x[ok], y[ok])


class SplitCurve:
    """One curve drawn as two items: its settled older part, painted once and then shown from a cached
    picture, and its live end, redrawn each frame (see tail_split): a frame's cost stays flat."""

    def __init__(self, plot, pen, antialias=True):
        self.plot = plot
        self.tail = pg.PlotDataItem(pen=pen, antialias=antialias)
        self.tail.curve.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.live = Polyline(pen=pen, antialias=antialias)  # set every frame: the light item
        self._key = None
        plot.addItem(self.tail)
        plot.addItem(self.live)

    def set(self, x, y, pen):
        if len(x) == 0:  # data without a validation split: empty every frame, set once
            if self._key != "empty":
                self.tail.setData([], [])
                self.live.setData([], [], pen=pen)
                self._key = "empty"
            return
        s = tail_split(len(x))
        key = (s, hash(x[:s + 1].tobytes()), hash(y[:s + 1].tobytes()), pen.color().rgba(), pen.widthF())
        if key != self._key:
            self.tail.setData(*(peaks(x[:s + 1], y[:s + 1]) if s else ([], [])), pen=pen, connect="finite")
            self._key = key
        self.live.setData(x[s:], y[s:], pen=pen)

    def setVisible(self, on):
        self.tail.setVisible(on)
        self.live.setVisible(on)

    def isVisible(self):
        return self.live.isVisible()

    def getData(self):
        """The whole curve as drawn (tail, then the live end)."""
        parts = [item.getData() for item in (self.tail, self.live)]
        parts = [p for p in parts if p[0] is not None and len(p[0])]
        if not parts:
            return None, None
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def remove(self):
        self.plot.removeItem(self.tail)
        self.plot.removeItem(self.live)


def _style(plot, font=11):
    style_axes(plot)
    f = QtGui.QFont()
    f.setPointSizeF(font)
    for name in ("bottom", "left"):
        plot.getAxis(name).setTickFont(f)
    plot.showGrid(x=True, y=True, alpha=0.25)


class CurvesView(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.loss_plot = self.addPlot(row=0, col=0)
        self.acc_plot = self.addPlot(row=1, col=0)
        self.acc_plot.setXLink(self.loss_plot)
        _style(self.loss_plot)
        _style(self.acc_plot)
        self.retranslate()
        self.acc_plot.setYRange(0, 1.02)
        self.loss_plot.setMenuEnabled(False)
        self.acc_plot.setMenuEnabled(False)
        self.now = [StepLine(pg.mkPen("#888", width=1, style=pg.QtCore.Qt.PenStyle.DashLine)) for _ in range(2)]
        self.loss_plot.addItem(self.now[0])
        self.acc_plot.addItem(self.now[1])
        self.items = []
        # every run's minibatch loss under every run's full loss; accuracy: each curve drawn a step at a time
        self.loss_layer = PathLayer(antialias=(False, True), columns=True)
        self.acc_layer = PathLayer(antialias=(False,), columns=True)
        for plot, layer in ((self.loss_plot, self.loss_layer), (self.acc_plot, self.acc_layer)):
            plot.addItem(layer)
            plot.vb.sigRangeChanged.connect(self._show_paths)
        self._shown = None  # (loss curves, accuracy curves) as last given to the layers
        self._look_cache = {}
        self._steps = np.zeros(0)  # 0, 1, 2, ...: sliced for each curve's x
        self._ranges = None
        self.set_theme("light")  # the theme's ink from the start (pyqtgraph's grey is 3:1)

    def retranslate(self):
        """The axis names and the key in the current language, at the text size chosen."""
        s = getattr(self, "_scale", 1.0)
        name_axis(self.loss_plot.getAxis("left"), tr("loss"), f"{12 * s:.1f}")
        # the runs' colours are named by the runs list beside: no legend over the curves' ends
        fit_title(self.loss_plot, tr("thick: full loss · thin: minibatch · dotted: penalty"), size=f"{10 * s:.1f}pt",
                  color=THEMES[getattr(self, "theme", "light")][2])
        name_axis(self.acc_plot.getAxis("left"), tr("accuracy"), f"{12 * s:.1f}")
        name_axis(self.acc_plot.getAxis("bottom"), tr("step"), f"{12 * s:.1f}")

    def set_theme(self, theme):
        self.theme = theme
        paint_canvas(self, theme)
        self.retranslate()  # the key's ink

    def set_font_scale(self, scale):
        """Ctrl+= / Ctrl+-: tick numbers, axis names and the key."""
        self._scale = scale
        for plot in (self.loss_plot, self.acc_plot):
            _style(plot, 11 * scale)
        self.retranslate()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        QtCore.QTimer.singleShot(0, self._fit_title)  # once the layout has the new width

    def _fit_title(self):
        fit_title(self.loss_plot)

    def _ensure(self, n):
        while len(self.items) < n:
            # the dashed validation curve as a line with a cached tail (a dash pattern cannot grow a
            # segment at a time); the other curves are in the layers
            val = SplitCurve(self.acc_plot, pg.mkPen("#000", width=1.5), antialias=False)
            mark = Dots(16, "#ff2020", width=4, symbol="x")
            self.loss_plot.addItem(mark)
            self.items.append((val, mark))
        while len(self.items) > n:
            val, mark = self.items.pop()
            val.remove()
            self.loss_plot.removeItem(mark)

    def _looks(self, color):
        """A run's strokes (minibatch, full loss, accuracy) for the layers and its validation pen."""
        if color not in self._look_cache:
            c = pg.mkColor(color)
            faint = pg.mkColor(c)
            faint.setAlpha(110)
            # the jagged curves (minibatch loss, accuracy) unsmoothed: antialiased, they were most of a frame
            self._look_cache[color] = (((0, faint.getRgb(), 1.0),), ((1, color, 3.0),),
                                       ((0, color, 2.0),),
                                       pg.mkPen(c, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine))
        return self._look_cache[color]

    def drawn(self, k, name):
        """(steps, values) of run k's curve `name` (batch, full, accuracy; penalty: the selected run's,
        any k) as drawn; None: hidden."""
        n = len(self.items)
        layer, index = {"batch": (self.loss_layer, k), "full": (self.loss_layer, n + k),
                        "penalty": (self.loss_layer, 2 * n), "accuracy": (self.acc_layer, k)}[name]
        return layer.path(index)

    def _steps_for(self, n):
        """0, 1, ..., n - 1 as floats: a slice of one cached range (a curve's x, every frame)."""
        if len(self._steps) < n:
            self._steps = np.arange(2 * n, dtype=np.float64)
        return self._steps[:n]

    def show_runs(self, runs, step, selected=0):
        """Plot each run up to `step`; the loss axis frames the runs' sensible range, so one blow-up
        does not flatten every other curve (it leaves the top, marked by its red cross)."""
        limit = tame_limit(runs)
        self._ensure(len(runs))
        top = 0.0
        batches, fulls, accs = [], [], []
        for (val, mark), run in zip(self.items, runs):
            val.setVisible(run.visible)
            mark.setVisible(run.visible)
            if not run.visible:
                batches.append(None)
                fulls.append(None)
                accs.append(None)
                continue
            n = run.shown(step) + 1
            steps = self._steps_for(n)
            look_batch, look_full, look_acc, pen_val = self._looks(run.color)
            batches.append((steps, run.loss_batch[:n], look_batch, None))  # gaps where it is not finite
            lf = run.loss_full[:n]
            fulls.append((*_finite(steps, lf), look_full, None))
            accs.append((*_finite(steps, run.accuracy[:n]), look_acc, None))  # large data: every few steps
            val.set(*_finite(steps, run.val_accuracy[:n]), pen_val)
            if run.diverged_by(step) is not None:
                y = fulls[-1][1][-1] if len(fulls[-1][1]) else 0.0
                mark.setData([run.head], [min(y, limit)])
            else:
                mark.setData([], [])
        with np.errstate(invalid="ignore"):  # the highest finite loss under the limit, in one pass each
            for curve in batches + fulls:
                if curve is not None:
                    top = max(top, float(np.max(curve[1], initial=0.0, where=curve[1] <= limit)))
        reg = runs[selected].loss_reg[:runs[selected].shown(step) + 1]  # the penalty in force at each step
        dotted = (self._steps_for(len(reg)), reg, ((1, runs[selected].color, 2.0, 3.0),), None)  # over the full losses
        self._shown = (batches + fulls + [dotted], accs)
        for line in self.now:
            line.setValue(step)
        # axes move in coarse steps: re-ticking every frame costs more than drawing the curves, and the
        # layers draw their curves again for a new range (40 ms at step 10,000): steps of 50, and of a
        # twentieth of the steps drawn once there are more than 1,000
        unit = _axis_unit(step)
        right = unit * (step // unit + 1)
        top = max(top, 1e-3)
        if self._ranges is None or right != self._ranges[0] or not (0.8 * self._ranges[1] <= top <= self._ranges[1]):
            self._ranges = (right, top * 1.1)
            self.loss_plot.setXRange(0, right, padding=0.02)
            self.loss_plot.setYRange(0, top * 1.1, padding=0)
        self._show_paths()

    def _show_paths(self, *_):
        """The layers' curves clipped to the views' ranges (again when a range changes: the axes
        moving on, or a pan or zoom)."""
        if self._shown is None:
            return
        for layer, plot, paths in ((self.loss_layer, self.loss_plot, self._shown[0]),
                                   (self.acc_layer, self.acc_plot, self._shown[1])):
            (x0, x1), (y0, y1) = plot.vb.viewRange()
            layer.set_paths(paths, (x0, x1, y0, y1))
