"""Light plot items for what changes every animation frame: a run's live path, its head, its dots.

pyqtgraph's PlotDataItem and ScatterPlotItem do much per update and per paint (data bounds, pixel
padding, symbol atlases, downsampling): about 0.3 ms each way, and with 8 runs that was most of a
frame. These items keep their points, build one QPainterPath or point list, and paint it directly:
setData costs tens of microseconds. Widths and sizes are in pixels, as pyqtgraph's: a Polyline strokes
with cosmetic pens (render._solid_pens makes them plain for SVG and PDF), and Dots draw as copies of a
picture or, for a vector writer, as shapes in the view's pixels.

On screen a wide line is stroked as separate segments and dots are stamped from one picture: Qt's
raster engine strokes a wide antialiased polyline as one polygon, 0.8 ms for 150 points, and a
segment list with square caps in 0.2 ms; 300 dots as points of a wide round pen took 2.4 ms, and as
copies of a picture 0.07 ms (the per-frame figures behind the 60 fps goal of issue 14).
"""

import math

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets, sip

_EMPTY = np.zeros(0)
_SPRITES = {}  # (size, colour, ring colour, ring width, screen ratio) -> QPixmap


def _on_screen(p):
    """Does the painter draw pixels (the window, a PNG), not shapes (an SVG or PDF writer)?"""
    return isinstance(p.device(), (QtGui.QImage, QtGui.QPixmap, QtWidgets.QWidget))


def _sip_array(kind, rows, fields):
    """(a sip.array of `rows` Qt structs of `fields` doubles each, a numpy view on its memory): QPainter
    takes the array in one call, with no Python object per line or dot."""
    arr = sip.array(kind, rows)
    view = np.frombuffer(sip.voidptr(arr, rows * fields * 8), np.float64).reshape(rows, fields)
    return arr, view


# Where unused rows of a reused array are drawn: zero-length lines and transparent dots, far outside
# any picture (clipped away before any pixel).
_AWAY = -1e5
_LINE_PAD = np.array([_AWAY, _AWAY, _AWAY, _AWAY])
_FRAGMENT_PAD = np.array([_AWAY, _AWAY, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0])  # opacity 0


class SipBuffer:
    """A sip.array reused from frame to frame. PyQt6-sip (13.13 here) keeps about 77 bytes of every
    sip.array it makes, and of every slice of one: new arrays per frame grew the app by megabytes a
    minute. This one grows by doubling, and the rows past those asked for are padding QPainter draws
    as nothing. One owner at a time: what it returns is valid until the next take()."""

    def __init__(self, kind, pad):
        self.kind, self.pad = kind, pad
        self.arr, self.view = None, np.empty((0, len(pad)))

    def take(self, rows):
        """(the array, a view of its first `rows` rows to fill)."""
        capacity = len(self.view)
        if rows > capacity or capacity > 256 and rows < capacity // 4:  # grow, or give back a lot
            self.arr, self.view = _sip_array(self.kind, max(16, 1 << max(rows - 1, 0).bit_length()), len(self.pad))
        self.view[rows:] = self.pad
        return self.arr, self.view[:rows]


def line_buffer():
    return SipBuffer(QtCore.QLineF, _LINE_PAD)


def fragment_buffer():
    return SipBuffer(QtGui.QPainter.PixmapFragment, _FRAGMENT_PAD)


def _map(t, x, y):
    """Points (x, y) through the affine QTransform t (a plot's is axis-aligned: then a NaN in y, a gap in a
    curve, stays out of x)."""
    if t.m12() == 0 and t.m21() == 0:
        return t.m11() * x + t.dx(), t.m22() * y + t.dy()
    return t.m11() * x + t.m21() * y + t.dx(), t.m12() * x + t.m22() * y + t.dy()


def line_array(x0, y0, x1, y1, buffer):
    """The segments (x0[i], y0[i]) - (x1[i], y1[i]) as a sip.array of QLineF in `buffer` (a line_buffer:
    what it held before is overwritten), for QPainter.drawLines."""
    arr, view = buffer.take(len(x0))
    for col, v in enumerate((x0, y0, x1, y1)):
        view[:, col] = v
    return arr


def segment_array(x, y, buffer):
    """The polyline (x, y), broken at NaN, as a sip.array of QLineF in `buffer`: one per segment between
    two finite points."""
    ok = np.isfinite(x) & np.isfinite(y)
    keep = ok[:-1] & ok[1:]
    return line_array(x[:-1][keep], y[:-1][keep], x[1:][keep], y[1:][keep], buffer)


def _finite_bounds(x, y):
    """The rectangle around the points (x, y) where both are finite, or None. A frame sets many items of
    a point or two: there plain floats beat numpy's per-call cost."""
    if len(x) <= 8:
        pts = [(a, b) for a, b in zip(x.tolist(), y.tolist()) if math.isfinite(a) and math.isfinite(b)]
        if not pts:
            return None
        xs, ys = [a for a, _ in pts], [b for _, b in pts]
        x0, y0 = min(xs), min(ys)
        return QtCore.QRectF(x0, y0, max(xs) - x0, max(ys) - y0)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return None
    xs, ys = x[ok], y[ok]
    return QtCore.QRectF(xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min())


def _pixel_pad(item, width):
    """Half a pen of `width` pixels in data units (x, y): the margin a stroke reaches beyond its points."""
    vb = item.getViewBox()
    if vb is None or not hasattr(vb, "viewPixelSize"):
        return 0.0, 0.0
    px, py = vb.viewPixelSize()
    if px is None or py is None:  # not in a view yet: bounds follow once it is (viewTransformChanged)
        return 0.0, 0.0
    return 0.5 * width * px, 0.5 * width * py


def dot_sprite(size, color, outline, width, dpr):
    """A round dot of `size` pixels (with a ring of `outline` colour, `width` pixels, if given) as an
    antialiased picture centred in its square, made once per look and screen ratio."""
    key = (size, color.rgba(), None if outline is None else outline.rgba(), width, dpr)
    sprite = _SPRITES.get(key)
    if sprite is None:
        side = int(np.ceil(size + 2))
        sprite = QtGui.QPixmap(int(np.ceil(side * dpr)), int(np.ceil(side * dpr)))
        sprite.setDevicePixelRatio(dpr)
        sprite.fill(QtCore.Qt.GlobalColor.transparent)
        q = QtGui.QPainter(sprite)
        q.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        c = QtCore.QPointF(side / 2, side / 2)  # the picture's centre: where a fragment is placed
        ring = outline is not None and width > 0
        q.setPen(QtCore.Qt.PenStyle.NoPen)
        if ring:
            q.setBrush(outline)
            q.drawEllipse(c, size / 2, size / 2)
        q.setBrush(color)
        r = size / 2 - (width if ring else 0.0)
        q.drawEllipse(c, r, r)
        q.end()
        _SPRITES[key] = sprite
    return sprite


def sprite_copies(t, x, y, sprite, buffer):
    """QPainter.drawPixmapFragments' argument for copies of `sprite` centred on the points (x, y)
    mapped through t (None: they are in device pixels already) for a painter drawing in device pixels,
    in `buffer` (a fragment_buffer)."""
    frags, f = buffer.take(len(x))
    # each fragment: its centre in device pixels, the source rectangle, scale, rotation, opacity
    f[:, 0], f[:, 1] = (x, y) if t is None else _map(t, x, y)
    f[:, 2:4] = 0.0
    f[:, 4], f[:, 5] = sprite.width(), sprite.height()
    f[:, 6:8] = 1.0 / sprite.devicePixelRatio()  # the source is in the picture's pixels, the target in the painter's
    f[:, 8], f[:, 9] = 0.0, 1.0
    return frags


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
            rect = _finite_bounds(self._x, self._y)
        if rect is None:
            rect = QtCore.QRectF()
        else:
            pad_x, pad_y = _pixel_pad(self, reach)
            rect = rect.adjusted(-pad_x, -pad_y, pad_x, pad_y)
        if rect.isNull() and self._rect.isNull():
            return  # nothing drawn before or now: an update would still mark a point of the view (its
            # origin), and Qt repaints every item under the bounding box of all it marks
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
        self._path = None  # one QPainterPath, made when a vector writer (or a thin pen) needs it
        self._segments = None  # (device transform, its segments in device pixels): made when painted on screen
        self._lines = line_buffer()  # the segments' array, reused

    def setData(self, x, y, pen=None):
        if pen is not None:
            self.pen = pen
        self._path = self._segments = None
        x = np.asarray(x, dtype=np.float64)
        self._set_points(x, y, self._reach(), None if len(x) < 2 else False)

    def getData(self):
        """(x, y), or (None, None) with no points, as PlotDataItem answers."""
        return (self._x, self._y) if len(self._x) else (None, None)

    def setPen(self, pen):
        self.pen = pg.mkPen(pen)
        self._set_points(self._x, self._y, self._reach(), self._bounds())  # a wider pen reaches further

    def _bounds(self):
        return None if len(self._x) < 2 else False

    def _qpath(self):
        if self._path is None:
            self._path = (pg.arrayToQPath(self._x, self._y, connect="finite") if len(self._x) > 1
                          else QtGui.QPainterPath())
        return self._path

    def _reach(self):
        return max(self.pen.widthF(), 0.0 if self.shadow is None else self.shadow.widthF()) + 2

    @staticmethod
    def _as_segments(pen):
        """May this pen stroke the line as separate segments? Wide (a 1 px pen has its own fast path),
        solid, square- or flat-capped (the caps fill the joins), and opaque: where segments overlap at
        a join, a translucent colour would show twice."""
        return (pen.widthF() > 1 and pen.style() == QtCore.Qt.PenStyle.SolidLine
                and pen.capStyle() != QtCore.Qt.PenCapStyle.RoundCap and pen.color().alpha() == 255
                and pen.brush().style() == QtCore.Qt.BrushStyle.SolidPattern)

    def paint(self, p, *args):
        if self._rect.isNull():  # fewer than two points, or none finite
            return
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, self.antialias)
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)  # a path is a line: an exporter's painter may carry a fill
        screen = _on_screen(p)
        for pen in (self.shadow, self.pen):
            if pen is None:
                continue
            p.setPen(pen)
            if screen and self._as_segments(pen):
                t = p.transform()
                key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy())
                if self._segments is None or self._segments[0] != key:
                    self._segments = (key, segment_array(*_map(t, self._x, self._y), self._lines))
                # in device pixels: under a plot's unequal x and y scales Qt strokes a wide line by its
                # general path stroker, 5x the time of its line rasterizer (0.25 ms against 0.05 ms a line)
                p.resetTransform()
                p.drawLines(self._segments[1])
                p.setTransform(t)
            else:  # one path: one <path> element in an SVG
                p.drawPath(self._qpath())


class Dots(_PointsItem):
    """Round dots of `size` pixels (an optional ring of `outline` colour and `width` pixels), or
    crosses (symbol "x"), at points in data units."""

    def __init__(self, size, color="w", outline=None, width=0.0, symbol="o"):
        super().__init__()
        self._fragments = fragment_buffer()  # the dots' array, reused
        self.size = size
        self.color = pg.mkColor(color)
        self.outline = None if outline is None else pg.mkColor(outline)
        self.width = width
        self.symbol = symbol
        self._given = (color, outline)  # the colours as last given, before mkColor
        self._given_xy = ([], [])  # the points as last given, as lists (a frame sets most of them unchanged)

    @property
    def data(self):
        """The points as rows (x, y): ScatterPlotItem's record array has one row per point too."""
        return np.column_stack([self._x, self._y])

    def setData(self, x, y, color=None, outline=None):
        # a head, a start, a mark: set every frame, mostly unchanged; plain comparisons, colours made once
        if color is not None and color != self._given[0]:
            self._given = (color, self._given[1])
            color = pg.mkColor(color)
        else:
            color = self.color
        if outline is not None and outline != self._given[1]:
            self._given = (self._given[0], outline)
            outline = pg.mkColor(outline)
        else:
            outline = self.outline
        xs = x.tolist() if isinstance(x, np.ndarray) else [float(v) for v in x]
        ys = y.tolist() if isinstance(y, np.ndarray) else [float(v) for v in y]
        if color == self.color and outline == self.outline and xs == self._given_xy[0] and ys == self._given_xy[1]:
            return  # unchanged: a cached picture of it stays valid
        self._given_xy = (xs, ys)
        self.color, self.outline = color, outline
        self._set_points(np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64), self._reach())

    def _reach(self):
        return self.size + 2 + (self.width if self.symbol == "x" else 0.0)  # a cross's square caps

    def _sprite(self, dpr):
        return dot_sprite(self.size, self.color, self.outline, self.width, dpr)

    def _pen(self, color, width, cosmetic=True):
        pen = QtGui.QPen(color, width)
        pen.setCosmetic(cosmetic)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap if self.symbol == "o" else QtCore.Qt.PenCapStyle.SquareCap)
        return pen

    def paint(self, p, *args):
        if self._rect.isNull():  # no finite point
            return
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        if self.symbol == "o" and _on_screen(p):
            # on screen and in a PNG: every dot a copy of one antialiased picture of it
            dpr = p.device().devicePixelRatioF()
            sprite = self._sprite(dpr)
            t = p.transform()
            p.resetTransform()
            if len(self._x) == 1:  # a head or a start, every frame: no arrays for one point
                c = t.map(QtCore.QPointF(float(self._x[0]), float(self._y[0])))
                half = sprite.width() / dpr / 2
                p.drawPixmap(QtCore.QPointF(c.x() - half, c.y() - half), sprite)
            else:
                ok = np.isfinite(self._x) & np.isfinite(self._y)
                p.drawPixmapFragments(sprite_copies(t, self._x[ok], self._y[ok], sprite, self._fragments), sprite)
            p.setTransform(t)
            return
        ok = np.isfinite(self._x) & np.isfinite(self._y)
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


class OpaqueImage(pg.GraphicsObject):
    """An opaque picture stretched over a rectangle in data units: rows from the rectangle's low y.

    Qt copies and scales an RGB32 picture without blending and without converting it: pyqtgraph's
    ImageItem hands Qt RGBA8888, which it converts and blends on every paint (0.65 ms a frame for the
    decision regions, against 0.1 ms). A translucent look is made opaque by its caller, over the
    background it would show on."""

    def __init__(self):
        super().__init__()
        self._rect = QtCore.QRectF()
        self._words = self._qimage = None

    def setImage(self, words, rect):
        """words: (rows, cols) uint32, each pixel 0xffRRGGBB; rect: the QRectF it covers."""
        self._words = np.ascontiguousarray(words, dtype=np.uint32)  # the picture's memory: kept while shown
        self._qimage = pg.functions.ndarray_to_qimage(self._words, QtGui.QImage.Format.Format_RGB32)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QtCore.QRectF(rect)
        self.update()

    @property
    def image(self):
        """The picture as (rows, cols, 4) RGBA bytes, as ImageItem.image of a colour picture."""
        if self._words is None:
            return None
        w = self._words
        return np.stack([(w >> 16) & 255, (w >> 8) & 255, w & 255, (w >> 24) & 255], axis=-1).astype(np.uint8)

    def boundingRect(self):
        return self._rect

    def paint(self, p, *args):
        if self._qimage is not None and not self._rect.isEmpty():
            p.drawImage(self._rect, self._qimage)


class StepLine(pg.GraphicsObject):
    """A vertical line at x across the view's height (the shown step over the curves): moved every
    frame, it repaints a strip a few pixels wide. pyqtgraph's InfiniteLine, which also drags and
    labels, took 0.4 ms a frame for two of them."""

    def __init__(self, pen):
        super().__init__()
        self.pen = pg.mkPen(pen)
        self._x = 0.0
        self._rect = QtCore.QRectF()

    def value(self):
        return self._x

    def setValue(self, x):
        self._x = float(x)
        self._place()

    def _place(self):
        vb = self.getViewBox()
        if vb is None or not hasattr(vb, "viewRange"):
            return
        (_, _), (y0, y1) = vb.viewRange()
        pad = _pixel_pad(self, self.pen.widthF() + 2)[0]
        rect = QtCore.QRectF(self._x - pad, y0, 2 * pad, y1 - y0)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self.update()

    def viewTransformChanged(self):  # a new range, or a resize: the height and a pixel's width change
        super().viewTransformChanged()
        self._place()

    def boundingRect(self):
        return self._rect

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        """None: not part of the data's range (its rectangle is the view's height; counted in an
        auto-range, it would widen the view at every frame)."""
        return None

    def paint(self, p, *args):
        if self._rect.isEmpty():
            return
        p.setPen(self.pen)
        line = QtCore.QLineF(self._x, self._rect.top(), self._x, self._rect.bottom())
        if _on_screen(p):  # in device pixels: the dashes stay put as the view's scale changes
            t = p.transform()
            p.resetTransform()
            p.drawLine(t.map(line))
            p.setTransform(t)
        else:
            p.drawLine(line)
