"""Loss and accuracy per step, for every run: minibatch loss (noisy), full loss, data and
regularization parts, accuracy; the shown step and divergences marked."""

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ..i18n import tr
from .fastitems import Dots, Polyline
from .figure import fit_title, style_axes, tail_split
from ..session.session import tame_limit

PEAK_BINS = 120  # a curve is drawn from at most twice this many points (a few per pixel of the panel)


def peaks(x, y, bins=PEAK_BINS):
    """A curve of many steps as the min and max of each of `bins` stretches, in order: it draws the same
    picture (spikes kept) from at most 2 * bins points, so a frame costs the same at step 100 and at step
    100,000 (Qt strokes a long jagged antialiased line slowly: 10,000 points took seconds)."""
    n = len(x)
    if n <= 2 * bins:
        return x, y
    k = -(-n // bins)
    pad = k * bins - n
    yy = np.concatenate([y, np.full(pad, np.nan)]).reshape(bins, k)
    with np.errstate(invalid="ignore"):
        lo = np.nanargmin(np.where(np.isnan(yy), np.inf, yy), axis=1)
        hi = np.nanargmax(np.where(np.isnan(yy), -np.inf, yy), axis=1)
    base = np.arange(bins) * k
    idx = np.sort(np.concatenate([base + np.minimum(lo, hi), base + np.maximum(lo, hi)]))
    idx = np.unique(np.minimum(idx, n - 1))
    idx[-1] = n - 1
    return x[idx], y[idx]


class SplitCurve:
    """One curve drawn as two items: its settled older part, painted once and then shown from a cached
    picture, and its live end, redrawn each frame (see figure.tail_split): a frame's cost stays flat."""

    def __init__(self, plot, pen, antialias=True):
        self.plot = plot
        self.tail = pg.PlotDataItem(pen=pen, antialias=antialias)
        self.tail.curve.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.live = Polyline(pen=pen, antialias=antialias)  # set every frame: the light item
        self._key = None
        plot.addItem(self.tail)
        plot.addItem(self.live)

    def set(self, x, y, pen):
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
    f.setPointSize(font)
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
        self.now = [pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", width=1, style=pg.QtCore.Qt.PenStyle.DashLine))
                    for _ in range(2)]
        self.loss_plot.addItem(self.now[0])
        self.acc_plot.addItem(self.now[1])
        self.items = []
        self.reg_curve = Polyline(pen=pg.mkPen("#333", width=2, style=pg.QtCore.Qt.PenStyle.DotLine))
        self.loss_plot.addItem(self.reg_curve)
        self._ranges = None
        self._pen_cache = {}

    def retranslate(self):
        """The axis names and the key in the current language."""
        self.loss_plot.setLabel("left", tr("loss"), **{"font-size": "12pt"})
        # the runs' colours are named by the runs list beside: no legend over the curves' ends
        fit_title(self.loss_plot, tr("thick: full loss · thin: minibatch · dotted: penalty"), size="10pt",
                  color="#444")
        self.acc_plot.setLabel("left", tr("accuracy"), **{"font-size": "12pt"})
        self.acc_plot.setLabel("bottom", tr("step"), **{"font-size": "12pt"})

    def resizeEvent(self, event):
        super().resizeEvent(event)
        QtCore.QTimer.singleShot(0, self._fit_title)  # once the layout has the new width

    def _fit_title(self):
        fit_title(self.loss_plot)

    def _ensure(self, n):
        while len(self.items) < n:
            # the jagged curves (minibatch loss, accuracy) unsmoothed: antialiased, they were most of a frame
            batch = SplitCurve(self.loss_plot, pg.mkPen("#999", width=1), antialias=False)
            full = SplitCurve(self.loss_plot, pg.mkPen("#000", width=2.5))
            acc = SplitCurve(self.acc_plot, pg.mkPen("#000", width=2.5), antialias=False)
            val = SplitCurve(self.acc_plot, pg.mkPen("#000", width=1.5), antialias=False)
            mark = Dots(16, "#ff2020", width=4, symbol="x")
            self.loss_plot.addItem(mark)
            self.items.append((batch, full, acc, val, mark))
        while len(self.items) > n:
            *curves, mark = self.items.pop()
            for curve in curves:
                curve.remove()
            self.loss_plot.removeItem(mark)

    def _pens(self, color):
        """A run's pens (minibatch, full loss, accuracy, validation), made once per colour."""
        if color not in self._pen_cache:
            c = pg.mkColor(color)
            faint = pg.mkColor(c)
            faint.setAlpha(110)
            self._pen_cache[color] = (pg.mkPen(faint, width=1), pg.mkPen(c, width=3), pg.mkPen(c, width=2),
                                      pg.mkPen(c, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine))
        return self._pen_cache[color]

    def show_runs(self, runs, step, selected=0):
        """Plot each run up to `step`; the loss axis frames the runs' sensible range, so one blow-up
        does not flatten every other curve (it leaves the top, marked by its red cross)."""
        limit = tame_limit(runs)
        self._ensure(len(runs))
        top = 0.0
        for (batch, full, acc, val, mark), run in zip(self.items, runs):
            for item in (batch, full, acc, val, mark):
                item.setVisible(run.visible)
            if not run.visible:
                continue
            n = run.shown(step) + 1
            steps = np.arange(n)
            pen_batch, pen_full, pen_acc, pen_val = self._pens(run.color)
            batch.set(steps, run.loss_batch[:n], pen_batch)
            lf = run.loss_full[:n]
            ok = np.isfinite(lf)
            full.set(steps[ok], lf[ok], pen_full)
            ok_acc = np.isfinite(run.accuracy[:n])  # large data: accuracy only every few steps
            # accuracy jumps every step of SGD: a thick jagged line is slow
            acc.set(steps[ok_acc], run.accuracy[:n][ok_acc], pen_acc)
            ok_val = np.isfinite(run.val_accuracy[:n])
            val.set(steps[ok_val], run.val_accuracy[:n][ok_val], pen_val)
            if run.diverged_at is not None and step >= run.head:
                y = lf[ok][-1] if ok.any() else 0.0
                mark.setData([run.head], [min(y, limit)])
            else:
                mark.setData([], [])
            finite = np.concatenate([lf[ok], run.loss_batch[:n][np.isfinite(run.loss_batch[:n])]])
            finite = finite[finite <= limit]
            if finite.size:
                top = max(top, float(finite.max()))
        reg = runs[selected].loss_reg[:runs[selected].shown(step) + 1]  # the penalty in force at each step
        self.reg_curve.setData(*peaks(np.arange(len(reg)), reg),
                               pen=pg.mkPen(runs[selected].color, width=2, style=pg.QtCore.Qt.PenStyle.DotLine))
        for line in self.now:
            line.setValue(step)
        # axes move in coarse steps: re-ticking every frame costs more than drawing the curves
        right = 50 * (step // 50 + 1)
        top = max(top, 1e-3)
        if self._ranges is None or right != self._ranges[0] or not (0.8 * self._ranges[1] <= top <= self._ranges[1]):
            self._ranges = (right, top * 1.1)
            self.loss_plot.setXRange(0, right, padding=0.02)
            self.loss_plot.setYRange(0, top * 1.1, padding=0)

