"""Light plot items for what changes every animation frame: a run's live path, its head, its dots.

pyqtgraph's PlotDataItem and ScatterPlotItem do much per update and per paint (data bounds, pixel
padding, symbol atlases, downsampling): about 0.3 ms each way, and with 8 runs that was most of a
frame. These items keep their points, build one QPainterPath or point list, and paint it directly:
setData costs tens of microseconds. Widths and sizes are in pixels, as pyqtgraph's: a Polyline strokes
with cosmetic pens (render._solid_pens makes them plain for SVG and PDF), and Dots draw as copies of a
picture, as points of a wide pen, or, for a vector writer, as shapes in the view's pixels.
"""

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

_EMPTY = np.zeros(0)
SPRITE_MAX = 16  # up to this many dots are drawn as copies of a picture; more, as points of a wide pen
_SPRITES = {}  # (size, colour, ring colour, ring width, screen ratio) -> QPixmap


def _pixel_pad(item, width):
    """Half a pen of `width` pixels in data units (x, y): the margin a stroke reaches beyond its points."""
    vb = item.getViewBox()
    if vb is None or not hasattr(vb, "viewPixelSize"):
        return 0.0, 0.0
    px, py = vb.viewPixelSize()
    if px is None or py is None:  # not in a view yet: bounds follow once it is (viewTransformChanged)
        return 0.0, 0.0
    return 0.5 * width * px, 0.5 * width * py


class _PointsItem(pg.GraphicsObject):
    """Points in data units and a bounding rectangle that follows them (plus a pen's reach)."""

    def __init__(self):
        super().__init__()
        self._x = self._y = _EMPTY
        self._rect = QtCore.QRectF()

    def getData(self):
        return self._x, self._y

    def boundingRect(self):
        return self._rect

    def _set_points(self, x, y, reach, rect=False):
        """Keep the points. rect: their bounds if the caller has them (a path's, from Qt), None when
        there is nothing to draw, False to find them here. A single point has bounds of no size: the
        pen's reach around it is what gets repainted."""
        self._x = np.asarray(x, dtype=np.float64)
        self._y = np.asarray(y, dtype=np.float64)
        if rect is False:
            ok = np.isfinite(self._x) & np.isfinite(self._y)
            rect = None
            if ok.any():
                xs, ys = self._x[ok], self._y[ok]
                rect = QtCore.QRectF(xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min())
        if rect is None:
            rect = QtCore.QRectF()
        else:
            pad_x, pad_y = _pixel_pad(self, reach)
            rect = rect.adjusted(-pad_x, -pad_y, pad_x, pad_y)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self.update()

    def viewTransformChanged(self):
        # a zoom changes how far a pen of fixed pixels reaches in data units
        super().viewTransformChanged()
        self._set_points(self._x, self._y, self._reach(), self._bounds())

    def _bounds(self):
        return False

    def _reach(self):
        return 0.0


class Polyline(_PointsItem):
    """A line through (x, y), broken at NaN, with an optional wider shadow pen under it."""

    def __init__(self, pen="w", shadow=None, antialias=True):
        super().__init__()
        self.pen = pg.mkPen(pen)
        self.shadow = None if shadow is None else pg.mkPen(shadow)
        self.antialias = antialias
        self._path = QtGui.QPainterPath()

    def setData(self, x, y, pen=None):
        if pen is not None:
            self.pen = pen
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self._path = pg.arrayToQPath(x, y, connect="finite") if len(x) > 1 else QtGui.QPainterPath()
        self._set_points(x, y, self._reach(), self._bounds())

    def getData(self):
        """(x, y), or (None, None) with no points, as PlotDataItem answers."""
        return (self._x, self._y) if len(self._x) else (None, None)

    def setPen(self, pen):
        self.pen = pg.mkPen(pen)
        self._set_points(self._x, self._y, self._reach(), self._bounds())  # a wider pen reaches further

    def _bounds(self):
        return None if self._path.isEmpty() else self._path.controlPointRect()

    def _reach(self):
        return max(self.pen.widthF(), 0.0 if self.shadow is None else self.shadow.widthF()) + 2

    def paint(self, p, *args):
        if self._path.isEmpty():
            return
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, self.antialias)
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)  # a path is a line: an exporter's painter may carry a fill
        for pen in (self.shadow, self.pen):
            if pen is not None:
                p.setPen(pen)
                p.drawPath(self._path)


class Dots(_PointsItem):
    """Round dots of `size` pixels (an optional ring of `outline` colour and `width` pixels), or
    crosses (symbol "x"), at points in data units."""

    def __init__(self, size, color="w", outline=None, width=0.0, symbol="o"):
        super().__init__()
        self.size = size
        self.color = pg.mkColor(color)
        self.outline = None if outline is None else pg.mkColor(outline)
        self.width = width
        self.symbol = symbol

    @property
    def data(self):
        """The points as rows (x, y): ScatterPlotItem's record array has one row per point too."""
        return np.column_stack([self._x, self._y])

    def setData(self, x, y, color=None, outline=None):
        color = self.color if color is None else pg.mkColor(color)
        outline = self.outline if outline is None else pg.mkColor(outline)
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if (color == self.color and outline == self.outline and np.array_equal(x, self._x)
                and np.array_equal(y, self._y)):
            return  # unchanged: a cached picture of it stays valid
        self.color, self.outline = color, outline
        self._set_points(x, y, self._reach())

    def _reach(self):
        return self.size + 2 + (self.width if self.symbol == "x" else 0.0)  # a cross's square caps

    def _sprite(self, dpr):
        """The dot as a picture, antialiased, made once per look (size, colours, ring, screen ratio)."""
        key = (self.size, self.color.rgba(), None if self.outline is None else self.outline.rgba(), self.width, dpr)
        sprite = _SPRITES.get(key)
        if sprite is None:
            side = int(np.ceil(self.size + 2))
            sprite = QtGui.QPixmap(int(np.ceil(side * dpr)), int(np.ceil(side * dpr)))
            sprite.setDevicePixelRatio(dpr)
            sprite.fill(QtCore.Qt.GlobalColor.transparent)
            q = QtGui.QPainter(sprite)
            q.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            c = QtCore.QPointF(self.size / 2 + 1, self.size / 2 + 1)
            ring = self.outline is not None and self.width > 0
            if ring:
                q.setPen(QtCore.Qt.PenStyle.NoPen)
                q.setBrush(self.outline)
                q.drawEllipse(c, self.size / 2, self.size / 2)
            q.setBrush(self.color)
            r = self.size / 2 - (self.width if ring else 0.0)
            q.drawEllipse(c, r, r)
            q.end()
            _SPRITES[key] = sprite
        return sprite

    def _pen(self, color, width, cosmetic=True):
        pen = QtGui.QPen(color, width)
        pen.setCosmetic(cosmetic)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap if self.symbol == "o" else QtCore.Qt.PenCapStyle.SquareCap)
        return pen

    def paint(self, p, *args):
        ok = np.isfinite(self._x) & np.isfinite(self._y)
        if not ok.any():
            return
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        raster = isinstance(p.device(), (QtGui.QImage, QtGui.QPixmap, QtWidgets.QWidget))
        if self.symbol == "o" and raster and ok.sum() <= SPRITE_MAX:
            # a few large dots (heads, starts): each a copy of one picture of the dot, drawn once
            sprite = self._sprite(p.device().devicePixelRatioF())
            t = p.transform()
            p.resetTransform()
            half = self.size / 2 + 1
            for x, y in zip(self._x[ok], self._y[ok]):
                q = t.map(QtCore.QPointF(x, y))
                p.drawPixmap(QtCore.QPointF(q.x() - half, q.y() - half), sprite)
            p.setTransform(t)
            return
        if self.symbol == "o" and raster:
            # on screen and in a PNG: every dot in one call, as a point of a round pen
            poly = pg.functions.arrayToQPolygonF(self._x[ok], self._y[ok])
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            if self.outline is not None and self.width > 0:
                p.setPen(self._pen(self.outline, self.size))
                p.drawPoints(poly)
                p.setPen(self._pen(self.color, max(self.size - 2 * self.width, 1.0)))
            else:
                p.setPen(self._pen(self.color, self.size))
            p.drawPoints(poly)
            return
        # crosses, and dots for an SVG or PDF writer (whose wide round points vary): shapes drawn in
        # scene units, which are the view's pixels, whatever scale the writer's painter adds
        to_scene = self.sceneTransform()
        data_to_device = p.transform()
        pts = [to_scene.map(QtCore.QPointF(x, y)) for x, y in zip(self._x[ok], self._y[ok])]
        p.setTransform(to_scene.inverted()[0] * data_to_device)
        shapes = QtGui.QPainterPath()  # one path: one <path> element in an SVG
        if self.symbol == "x":
            h = self.size / 2 - self.width / 2
            for q in pts:
                shapes.moveTo(q.x() - h, q.y() - h)
                shapes.lineTo(q.x() + h, q.y() + h)
                shapes.moveTo(q.x() - h, q.y() + h)
                shapes.lineTo(q.x() + h, q.y() - h)
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            p.setPen(self._pen(self.color, self.width, cosmetic=False))
        else:
            ring = self.outline is not None and self.width > 0
            r = (self.size - self.width) / 2 if ring else self.size / 2
            for q in pts:
                shapes.addEllipse(q, r, r)
            p.setBrush(self.color)
            p.setPen(self._pen(self.outline, self.width, cosmetic=False) if ring else QtCore.Qt.PenStyle.NoPen)
        p.drawPath(shapes)
        p.setTransform(data_to_device)
