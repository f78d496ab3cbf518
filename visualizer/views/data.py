"""The data view. 2-D sets: the points by class, the decision regions of the selected run's current W and
each class's zero-score line, as in the course's web demo; points can be dragged. Image sets: each class's
weights as a template image. Other sets: the weights as bars."""

import math

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ..i18n import tr, tr_name
from .fastitems import OpaqueImage, Polyline
from .figure import THEMES, fit_title, name_axis, paint_canvas, point_arrow, style_axes

CLASS_COLORS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
                "#999999", "#882255")


def class_color(c, alpha=255):
    col = pg.mkColor(CLASS_COLORS[c % len(CLASS_COLORS)])
    col.setAlpha(alpha)
    return col


def _wrap(name, width=10):
    return name.replace(" ", "\n") if len(name) > width else name


class DraggablePoints(pg.ScatterPlotItem):
    """A scatter whose points can be dragged; point_moved(index, x, y) fires when a drag ends."""

    def __init__(self, on_moved, **kw):
        super().__init__(**kw)
        self.on_moved = on_moved
        self._drag = None

    def mouseDragEvent(self, ev):
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            hits = self.pointsAt(ev.buttonDownPos())
            if len(hits) == 0:
                ev.ignore()
                return
            self._drag = hits[0].index()
        if self._drag is None:
            ev.ignore()
            return
        ev.accept()
        pos = ev.pos()
        x, y = self.data["x"].copy(), self.data["y"].copy()
        x[self._drag], y[self._drag] = pos.x(), pos.y()
        self.setData(x=x, y=y, brush=[p.brush() for p in self.points()], pen=pg.mkPen("w", width=1))
        if ev.isFinish():
            i, self._drag = self._drag, None
            self.on_moved(i, pos.x(), pos.y())


class DataView(pg.GraphicsLayoutWidget):
    point_moved = QtCore.pyqtSignal(int, float, float)
    point_hovered = QtCore.pyqtSignal(int)  # the example under the pointer (2-D sets), -1 for none

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.theme = "light"
        self._scale = 1.0  # Ctrl+= / Ctrl+-: every text here at its size times this
        self.plot = None
        self.mode = None
        self._hovered = -1
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _on_mouse_moved(self, scene_pos):
        if self.mode != "2d":
            return
        hits = self.points.pointsAt(self.points.mapFromScene(scene_pos))
        index = hits[0].index() if len(hits) else -1
        if index != self._hovered:
            self._hovered = index
            self.point_hovered.emit(index)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        QtCore.QTimer.singleShot(0, self._fit_title)  # once the layout has the new width

    def _fit_title(self):
        if self.plot is not None:
            fit_title(self.plot)

    def _new_plot(self):
        self.clear()
        self.plot = self.addPlot()
        self.plot.setMenuEnabled(False)
        style_axes(self.plot)
        paint_canvas(self, self.theme)

    def show_data(self, data, network=False):
        """Set up for a dataset (called when the dataset changes); network: the runs train a network."""
        self.clear()
        self.plot = None
        self.legend = None
        self.labels = []  # the class names under the templates
        self.data = data
        if data.D == 3 and data.image_shape is None and data.feature_names[-1] == "bias":
            self.mode = "2d"
            self._new_plot()
            X = data.X
            pad = 0.15 * (X[:, :2].max(0) - X[:, :2].min(0) + 1e-9)
            self.lo, self.hi = X[:, :2].min(0) - pad, X[:, :2].max(0) + pad
            self.regions = OpaqueImage()
            self.region_classes = None  # the class at each pixel of the view (its bounds are the data's)
            self._region_colors()
            self.plot.addItem(self.regions)
            self.lines = [Polyline(pen=pg.mkPen(class_color(c), width=2.5)) for c in range(data.C)]
            for ln in self.lines:
                self.plot.addItem(ln)
            per_class = [pg.mkBrush(class_color(c)) for c in range(data.C)]  # shared: one symbol drawn per class
            brushes = [per_class[int(c)] for c in data.y]
            self.points = DraggablePoints(lambda i, x, y: self.point_moved.emit(i, x, y), x=X[:, 0], y=X[:, 1],
                                          size=11 if data.N <= 200 else 6, brush=brushes,
                                          pen=pg.mkPen("w", width=1))
            self.points.setZValue(10)
            # the regions under them change every frame; the points only when dragged: blit a picture
            self.points.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.plot.addItem(self.points)
            size = 11 if data.N <= 200 else 6
            # rings: the minibatch of the explained step, and the example hovered in the Examples tab
            self.batch_rings = pg.ScatterPlotItem(size=size + 8, brush=None, pen=pg.mkPen("#000", width=2))
            self.hover_ring = pg.ScatterPlotItem(size=size + 16, brush=None, pen=pg.mkPen("#000", width=3.5))
            # each class's weight vector (w_x, w_y) as an arrow from its zero-score line, as in the course demo
            self.arrows = [Polyline(pen=pg.mkPen(class_color(c), width=3)) for c in range(data.C)]
            self.arrow_heads = [pg.ArrowItem(headLen=14, tipAngle=35, pen=pg.mkPen(class_color(c)),
                                             brush=class_color(c)) for c in range(data.C)]
            for item in (self.batch_rings, self.hover_ring, *self.arrows, *self.arrow_heads):
                item.setZValue(11)
                self.plot.addItem(item)
            self.batch_rings.hide()  # until they ring something (an empty scatter item still paints)
            self.hover_ring.hide()
            self.plot.setRange(xRange=(self.lo[0], self.hi[0]), yRange=(self.lo[1], self.hi[1]), padding=0)
            self.plot.setLabel("bottom", tr_name(data.feature_names[0]))
            self.plot.setLabel("left", tr_name(data.feature_names[1]))
            self._title = tr("data and the network's decision regions" if network
                             else "data, decision regions, zero-score lines")
        elif data.image_shape is not None:
            self.mode = "templates"
            self.templates = []
            cols = min(5, data.C)
            for c in range(data.C):
                vb = self.addViewBox(row=2 * (c // cols), col=c % cols, lockAspect=True)
                vb.invertY(True)
                img = pg.ImageItem(axisOrder="row-major")
                vb.addItem(img)
                vb.setMouseEnabled(False, False)
                vb.setMenuEnabled(False)  # pyqtgraph's own menu (English, and not ours)
                self.labels.append(self.addLabel(tr_name(data.class_names[c]), row=2 * (c // cols) + 1,
                                                 col=c % cols))
                self.templates.append(img)
        else:
            self.mode = "bars"
            self._new_plot()
            self.bars = None
            scores = data.name == "scores"  # there W's rows are the examples' scores
            self._title = tr("scores: one row of W per example, one colour per class" if scores
                             else "weights W (one colour per class)")
            bottom = self.plot.getAxis("bottom")
            self.legend = self.plot.addLegend(offset=(-10, 10))
            for c, name in enumerate(data.class_names):  # which colour is which class
                self.legend.addItem(pg.ScatterPlotItem(symbol="s", size=12, brush=class_color(c), pen=None),
                                    tr_name(name))
            if data.D <= 12:  # few features: name each one
                # a long name one word per line: iris's four "sepal width (cm)" overlapped on one line each
                bottom.setTicks([[(d, _wrap(tr_name(name))) for d, name in enumerate(data.feature_names)]])
            if scores or data.D > 12:  # named ticks say what they are
                self.plot.setLabel("bottom", tr("example" if scores else "feature"))
        self._fonts()

    def set_font_scale(self, scale):
        """Ctrl+= / Ctrl+-: the axes, their names, the title, the legend and the class names."""
        self._scale = scale
        if self.mode is not None:
            self._fonts()

    def _fonts(self):
        s = self._scale
        if self.plot is not None:
            f = QtGui.QFont()
            f.setPointSizeF(11 * s)
            for name in ("bottom", "left"):
                ax = self.plot.getAxis(name)
                ax.setTickFont(f)
                name_axis(ax, ax.labelText, f"{12 * s:.1f}")
            fit_title(self.plot, self._title, size=f"{12 * s:.1f}pt", color=THEMES[self.theme][2])
        if self.legend is not None:
            for _, label in self.legend.items:
                label.setText(label.text, size=f"{10 * s:.1f}pt")
        for label in self.labels:
            label.setText(label.text, size=f"{11 * s:.1f}pt")
        self._legend_colors()

    def _legend_colors(self):
        """The bar legend's box and text in the theme (light grey on light grey in the dark one)."""
        if self.legend is None:
            return
        dark = self.theme == "dark"
        self.legend.setBrush(pg.mkBrush(40, 40, 40, 220) if dark else pg.mkBrush(255, 255, 255, 220))
        ink = THEMES[self.theme][1]
        for _, label in self.legend.items:
            label.setText(label.text, color=ink)

    def set_theme(self, theme):
        """The light or dark background, and the decision regions shown over it."""
        self.theme = theme
        paint_canvas(self, theme)
        if self.mode is not None:
            self._fonts()  # the title's and the legend's ink
        if self.mode == "2d":
            self._region_colors()
            if self.region_classes is not None:
                self._render_regions()

    def _region_colors(self):
        """Each class's region colour, indexed by class: its colour at alpha 60 over the background, made
        opaque (an opaque picture is drawn 6x as fast) as (C, 4) RGBA bytes and as one 0xffRRGGBB word."""
        back = np.array(pg.mkColor(THEMES[self.theme][0]).getRgb()[:3], dtype=np.float64)
        alpha = 60 / 255
        rgb = np.array([class_color(c).getRgb()[:3] for c in range(self.data.C)], dtype=np.float64)
        rgb = np.rint(alpha * rgb + (1 - alpha) * back).astype(np.uint32)
        self.region_colors = np.column_stack([rgb, np.full(len(rgb), 255, np.uint32)]).astype(np.ubyte)
        self._region_words = (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).astype(np.uint32)

    def _render_regions(self):
        self.regions.setImage(self._region_words[self.region_classes],
                              QtCore.QRectF(self.lo[0], self.lo[1], *(self.hi - self.lo)))

    def show_weights(self, W, scores=None):
        """The selected run's parameters: a linear W (D, C), or a network's flat parameters with
        scores(P, X) giving its class scores (its decision regions are curved; no lines or arrows)."""
        if self.mode == "2d":
            self._show_regions(W, scores)
        elif np.ndim(W) != 2:
            return  # a network on images or many features: its weights are in the Weights tab
        elif self.mode == "templates":
            for c, img in enumerate(self.templates):
                t = W[:-1, c].reshape(self.data.image_shape)
                lim = np.abs(t).max() or 1.0
                img.setImage(t, levels=(-lim, lim), lut=pg.colormap.get("CET-D1").getLookupTable(nPts=256))
        elif self.mode == "bars":
            if self.bars is not None:
                self.plot.removeItem(self.bars)
            D, C = W.shape
            x = np.arange(D)[:, None] + (np.arange(C)[None, :] - (C - 1) / 2) * (0.8 / C)
            brushes = [class_color(c) for _ in range(D) for c in range(C)]
            self.bars = pg.BarGraphItem(x=x.ravel(), height=W.ravel(), width=0.8 / C, brushes=brushes)
            self.plot.addItem(self.bars)

    def mark_examples(self, indices):
        """Ring the examples of a minibatch (2-D sets); None or [] clears."""
        if self.mode == "2d":
            idx = np.asarray([] if indices is None else indices, dtype=np.int64)
            if len(idx) == 0 and not self.batch_rings.isVisible():
                return  # cleared already: every frame asks
            self.batch_rings.setData(self.data.X[idx, 0], self.data.X[idx, 1])
            self.batch_rings.setVisible(len(idx) > 0)  # an empty scatter item still costs a paint

    def highlight_example(self, index):
        """A large ring around one example (the Examples tab's hovered row); -1 clears."""
        if self.mode == "2d":
            ok = 0 <= index < self.data.N
            self.hover_ring.setData(self.data.X[[index], 0] if ok else [], self.data.X[[index], 1] if ok else [])
            self.hover_ring.setVisible(ok)

    def _show_arrows(self, W):
        """Each class's weight vector w = (W[0, c], W[1, c]), from the point of its zero-score line nearest
        the centre, along w: the direction in which that class's score grows. The longest is a quarter of
        the view; the others in proportion. (Plain floats: a few numbers per class, every frame.)"""
        (lo_x, lo_y), (hi_x, hi_y) = self.lo.tolist(), self.hi.tolist()
        cx, cy = (lo_x + hi_x) / 2, (lo_y + hi_y) / 2
        w0s, w1s, bs = np.asarray(W[:3], dtype=np.float64).tolist()
        norms = [math.hypot(w0, w1) for w0, w1 in zip(w0s, w1s)]
        shown = [math.isfinite(n) and n >= 1e-12 for n in norms]
        longest = max([n for n, ok in zip(norms, shown) if ok], default=1.0)
        scale = 0.25 * min(hi_x - lo_x, hi_y - lo_y) / longest
        for c, (w0, w1, b, n) in enumerate(zip(w0s, w1s, bs, norms)):
            if not shown[c]:
                self.arrows[c].setData([], [])
                self.arrow_heads[c].hide()
                continue
            d = (w0 * cx + w1 * cy + b) / n  # the centre's signed distance from the line w.x + b = 0
            foot = (min(max(cx - d * w0 / n, lo_x), hi_x), min(max(cy - d * w1 / n, lo_y), hi_y))
            tip = (foot[0] + scale * w0, foot[1] + scale * w1)
            self.arrows[c].setData([foot[0], tip[0]], [foot[1], tip[1]])
            point_arrow(self.arrow_heads[c], self.plot.vb, foot, tip)
            self.arrow_heads[c].show()

    def _show_lines(self, W):
        """Each class's zero-score line w0 x + w1 y + b = 0 across the view."""
        (lo_x, lo_y), (hi_x, hi_y) = self.lo.tolist(), self.hi.tolist()
        for ln, w0, w1, b in zip(self.lines, *np.asarray(W[:3], dtype=np.float64).tolist()):
            if abs(w1) > abs(w0):
                ln.setData([lo_x, hi_x], [-(b + w0 * lo_x) / w1, -(b + w0 * hi_x) / w1])
            elif abs(w0) > 0:
                ln.setData([-(b + w1 * lo_y) / w0, -(b + w1 * hi_y) / w0], [lo_y, hi_y])
            else:
                ln.setData([], [])

    def _region_points(self, n=200):
        """The n x n grid over the view as rows (x, y, 1), kept while the view's bounds stay (a network's
        scores are taken there)."""
        key = (n, *self.lo, *self.hi)
        if getattr(self, "_grid_key", None) != key:
            xx, yy = np.meshgrid(np.linspace(self.lo[0], self.hi[0], n), np.linspace(self.lo[1], self.hi[1], n))
            self._grid = np.column_stack([xx.ravel(), yy.ravel(), np.ones(xx.size)])
            self._grid_key = key
        return self._grid

    def _linear_classes(self, W, n):
        """The class of highest score w_c . (x, y, 1) at each point of the n x n grid over the view (the
        first on a tie, as argmax). A score is x w_0c + (y w_1c + w_2c): one pass over the grid per class
        and a few to keep the best, a third of the time of the (n^2, 3) product and its argmax."""
        xs = np.linspace(self.lo[0], self.hi[0], n)
        ys = np.linspace(self.lo[1], self.hi[1], n)
        if getattr(self, "_scratch", (None,))[0] != n:  # kept: fresh pages cost as much as a pass
            self._scratch = (n, np.empty((n, n)), np.empty((n, n)), np.empty((n, n), dtype=bool))
        _, best, score, higher = self._scratch
        cls = np.zeros((n, n), dtype=np.uint8)
        for c in range(W.shape[1]):
            out = best if c == 0 else score
            np.add(xs[None, :] * W[0, c], ys[:, None] * W[1, c] + W[2, c], out=out)
            if c:
                np.greater(score, best, out=higher)
                higher |= np.isnan(score) & ~np.isnan(best)  # as argmax: the first NaN wins
                np.copyto(cls, np.uint8(c), where=higher)
                np.maximum(best, score, out=best)
        return cls

    def _show_regions(self, W, scores=None):
        n = 200
        if scores is None:
            cls = self._linear_classes(np.asarray(W[:3], dtype=np.float64), n)
        else:
            cls = scores(W, self._region_points(n)).argmax(axis=1).reshape(n, n).astype(np.uint8)
        if self.region_classes is None or not np.array_equal(cls, self.region_classes):
            # (a step that moves no boundary across a pixel leaves the picture as it is: W changes every
            # frame, the regions at 200 x 200 mostly do not, and a new image is rendered again)
            self.region_classes = cls  # the class at each pixel
            self._render_regions()  # one 32-bit word per pixel (a gather of 4 bytes took 1 ms)
        if scores is not None:  # a network: no zero-score line or weight vector per class
            for item in (*self.lines, *self.arrows):
                item.setData([], [])
            for head in self.arrow_heads:
                head.hide()
            return
        self._show_lines(W)
        self._show_arrows(W)
