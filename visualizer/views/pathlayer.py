"""Polylines that grow a step at a time (the runs' paths on the landscape, the loss and accuracy curves),
as one item that strokes each step once.

An animation frame adds a step or two to each line. Stroking whole lines again every frame (8 runs:
an outline and a colour per path, ~150 points per live end; four curves a run) cost 7-10 ms of a
16.7 ms frame in each view, however the lines were split. This item keeps pictures at the screen's own
resolution (on the landscape: every path's dark outline, every path's colour over them, the iterate
dots over both): a frame strokes only the new segments into them and asks Qt to repaint only where
they are. The pictures are drawn again from the whole lines when they can no longer be extended:
another zoom, axis range, size or screen, or a line that changed other than by growing (a restart, a
new start, the shown step moved back, a colour or width).

A vector writer (SVG, PDF) gets the lines as shapes instead, in the view's pixels, as Dots do.
"""

import math

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from .fastitems import _map, _on_screen, dot_sprite, fragment_buffer, line_array, line_buffer, sprite_copies


def _clip_params(x0, y0, dx, dy, extent):
    """Liang-Barsky: the part t0 <= t <= t1 of each segment (x0, y0) + t (dx, dy) inside extent (none
    where t0 > t1 or either is NaN)."""
    a_lo, a_hi, b_lo, b_hi = extent
    t0, t1 = np.zeros(len(dx)), np.ones(len(dx))
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - a_lo), (dx, a_hi - x0), (-dy, y0 - b_lo), (dy, b_hi - y0)):
            r = q / p
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
            t1 = np.where((p == 0) & (q < 0), -1.0, t1)  # parallel and outside
    return t0, t1


def clip_segments(a, b, extent):
    """The segments of the polyline (a, b) clipped to the rectangle extent, as four arrays (x0, y0, x1,
    y1): clip_path without joining the pieces again, all in numpy (a curve with spikes above its view
    took clip_path's Python loop hundreds of milliseconds at step 10,000)."""
    x0, y0, x1, y1 = a[:-1], b[:-1], a[1:], b[1:]
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = _clip_params(x0, y0, dx, dy, extent)
    keep = t0 <= t1  # False for NaN: a gap
    t0, t1 = t0[keep], t1[keep]
    x0, y0, dx, dy = x0[keep], y0[keep], dx[keep], dy[keep]
    return x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy


def clip_path(a, b, extent):
    """The polyline (a, b) clipped to the rectangle extent (Liang-Barsky per segment), with NaN gaps
    where it leaves and re-enters: a path flying off (a divergence) ends at the frame instead of
    relying on the renderer to clip (SVG and PDF writers do not)."""
    a_lo, a_hi, b_lo, b_hi = extent
    if len(a) < 2 or ((a >= a_lo) & (a <= a_hi) & (b >= b_lo) & (b <= b_hi)).all():
        return a, b  # the usual case, every frame of the animation: nothing to clip
    x0, y0, x1, y1 = a[:-1], b[:-1], a[1:], b[1:]
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = _clip_params(x0, y0, dx, dy, extent)
    keep = t0 <= t1
    xa, ya = x0 + t0 * dx, y0 + t0 * dy
    xb, yb = x0 + t1 * dx, y0 + t1 * dy
    out_x, out_y = [], []
    joined = False  # does the next kept segment continue the piece drawn so far?
    for k in range(len(keep)):
        if not keep[k]:
            joined = False
            continue
        if not (joined and t0[k] == 0):
            if out_x:
                out_x.append(np.nan)  # a gap: the path left the frame and came back
                out_y.append(np.nan)
            out_x.append(xa[k])
            out_y.append(ya[k])
        out_x.append(xb[k])
        out_y.append(yb[k])
        joined = t1[k] == 1
    if not out_x:
        return np.array([a[0]]), np.array([b[0]])
    return np.array(out_x), np.array(out_y)


def cut_at_exit(a, b, extent):
    """The path up to where it first leaves the rectangle, ending on its edge: (a, b, left?)."""
    a_lo, a_hi, b_lo, b_hi = extent
    inside = (a >= a_lo) & (a <= a_hi) & (b >= b_lo) & (b <= b_hi)
    if inside.all():
        return a, b, False
    k = int(np.argmax(~inside))
    if k == 0:
        return a[:1], b[:1], True
    ea, eb = clip_path(a[k - 1:k + 1], b[k - 1:k + 1], extent)
    return np.append(a[:k], ea[-1]), np.append(b[:k], eb[-1]), True


def _device_extent(t, extent):
    """The rectangle extent (a_lo, a_hi, b_lo, b_hi) through t, as (left, right, top, bottom)."""
    r = t.mapRect(QtCore.QRectF(extent[0], extent[2], extent[1] - extent[0], extent[3] - extent[2]))
    return r.left(), r.right(), r.top(), r.bottom()


def _thin(x, y, cell=1.0):
    """The points of (x, y), in pixels, that move to another `cell`-pixel square from the point before
    (and the last): a path of 10,000 mostly sub-pixel steps redraws from a few hundred."""
    with np.errstate(invalid="ignore", over="ignore"):
        cx, cy = np.floor(x / cell), np.floor(y / cell)
    keep = np.ones(len(x), bool)
    keep[1:] = (cx[1:] != cx[:-1]) | (cy[1:] != cy[:-1])  # NaN != NaN: a gap and its ends are kept
    keep[-1] = True
    return x[keep], y[keep]


def _by_column(x, y, cell=1.0):
    """A curve over x (increasing), in pixels, as the lowest and highest point of about each `cell`-wide
    column in order (peaks, in stretches of equal point counts): spikes kept, two points a column."""
    span = (x[-1] - x[0]) / cell if len(x) > 1 else 0.0
    if not math.isfinite(span) or span < 1:
        return x, y
    return peaks(x, y, bins=int(math.ceil(span)))


def peaks(x, y, bins):
    """A curve of many steps as the min and max of each of `bins` stretches, in order, and both ends: it
    draws the same picture (spikes kept) from at most 2 * bins + 2 points, so a frame costs the same at step 100 and at step
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
    idx = np.unique(np.concatenate([[0], np.minimum(idx, n - 1), [n - 1]]))  # and both ends
    return x[idx], y[idx]


def _marks(x, y, between=64):
    """(indices, x there, y there as bytes): the first point, the last and `between` spread over the
    rest, to tell next time whether the path is the same up to here (bytes compare NaN as equal)."""
    idx = np.arange(between + 2) * max(len(x) - 1, 0) // (between + 1) if len(x) else np.zeros(0, np.int64)
    return idx, x[idx].tobytes(), y[idx].tobytes()


def _dashed(x0, y0, x1, y1, d):
    """The parts of segments (arrays, pixels) that lie in the even bands of d pixels across x: a line
    dashed d on, d off, drawn a segment at a time. A segment within a band is kept or dropped whole by
    its middle; a longer one is cut at the bands' edges (steps 6 px wide kept or dropped whole made a
    solid line, or none)."""
    x0, y0, x1, y1 = (np.asarray(v, dtype=np.float64) for v in (x0, y0, x1, y1))
    short = np.abs(x1 - x0) <= d
    on = short & (((x0 + x1) / 2 // d) % 2 == 0)
    parts = [[v[on]] for v in (x0, y0, x1, y1)]
    for a0, b0, a1, b1 in zip(x0[~short], y0[~short], x1[~short], y1[~short]):
        lo, hi = min(a0, a1), max(a0, a1)
        starts = np.arange(math.floor(lo / d), math.floor(hi / d) + 1)
        starts = starts[starts % 2 == 0] * d
        s, e = np.maximum(starts, lo), np.minimum(starts + d, hi)
        s, e = s[e > s], e[e > s]
        slope = (b1 - b0) / (a1 - a0)
        for part, v in zip(parts, (s, b0 + slope * (s - a0), e, b0 + slope * (e - a0))):
            part.append(v)
    return tuple(np.concatenate(part) for part in parts)


def _turns(n, first=32, growth=1.125):
    """Where paths drawn all at once take turns: after each of the first `first` points, then after
    stretches growing by `growth`. Where paths overlap, the later steps then lie on top, as when the
    animation added each frame's steps to every path in turn (the first steps move the most)."""
    ends = np.arange(1, min(n, first) + 1)
    if n > first:
        ends = np.concatenate([ends, np.geomspace(first, n, int(np.log(n / first) / np.log(growth)) + 2)])
    return np.unique(np.round(ends).astype(int))


class PathLayer(pg.GraphicsObject):
    """Polylines in data units, each stroked by one or more pens into pictures ("strata": every path's
    stroke in picture 0 lies under every stroke in picture 1), with optional dots at its points in the
    last picture; widths and sizes in pixels."""

    def __init__(self, antialias=(True, True, True), dot_size=5, columns=False):
        """antialias: per picture; columns: the paths are curves over x (loss per step), drawn again at
        once as the lowest and highest point in each pixel column (landscape paths: each point that
        moves to another pixel)."""
        super().__init__()
        # the arrays of lines and dots handed to QPainter, reused from frame to frame (see SipBuffer)
        self._lines, self._dashes, self._fragments = line_buffer(), line_buffer(), fragment_buffer()
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)  # hover and clicks reach the plot
        # paint() is told the part exposed: a frame copies a strip of the pictures, not all of them
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.antialias = tuple(antialias)
        self.dot_size = dot_size
        self.columns = columns
        self._paths = []  # per path: None (not drawn) or (x, y, strokes, dot colour)
        self._extent = None
        self._rect = QtCore.QRectF()
        self._pictures = None  # one QImage per stratum, at device resolution
        self._key = None  # the device transform and size the pictures were drawn for
        self._drawn = []  # per path: how many of its points are in the pictures
        self._stale = True  # draw the pictures again from the whole paths
        self._used = QtCore.QRectF()  # device rectangle holding every stroke so far
        self.stroked = 0  # segments stroked since the paths were last set (a frame adds only a few)
        self._pen_cache = {}
        self._plans = {}  # (strokes, dot, screen ratio) -> how a path of that look is drawn (see _plan)
        self._max_reach = 0.0  # pixels beyond the extent that strokes reach
        self._marks = []  # per path: (indices, x there, y there as bytes) as last given (see set_paths)

    # ------------------------------------------------------------------------------ data
    def set_paths(self, paths, extent):
        """paths: per run, None (hidden) or (x, y, strokes, dot) in drawing order. strokes: a tuple of
        (picture, colour, width in pixels[, dash]) drawn in turn; dash: pixels on and off across x, for a
        curve over steps (a dash pattern along the line cannot grow a segment at a time). dot: a colour or
        None. extent (x_lo, x_hi, y_lo, y_hi): the rectangle the paths are clipped to, or None."""
        self.stroked = 0
        new = [None if p is None else (np.asarray(p[0], dtype=np.float64), np.asarray(p[1], dtype=np.float64),
                                       tuple(p[2]), p[3]) for p in paths]
        grown = None if extent != self._extent or len(new) != len(self._paths) else []
        for old, p, mark in zip(self._paths, new, self._marks):
            if grown is None:
                break
            if (old is None) != (p is None):
                grown = None
            elif p is not None:
                n = len(old[0])
                # the part drawn is unchanged if its marks are: the first and last points and 64 between
                # (a session changes a path whole, by a new plane or start, or at its end), checked
                # in time that does not grow with the path
                same = (old[2:] == p[2:] and len(p[0]) >= n and p[0][mark[0]].tobytes() == mark[1]
                        and p[1][mark[0]].tobytes() == mark[2])
                if not same:
                    grown = None
                elif len(p[0]) > n:
                    grown.append((p[0][max(n - 1, 0):], p[1][max(n - 1, 0):], self._reach(p)))
        self._marks = [None if p is None else _marks(p[0], p[1]) for p in new]
        self._paths = new
        if extent is None:  # nothing to clip to: the paths' own bounds
            bounds = [self.dataBounds(0), self.dataBounds(1)]
            extent_rect = QtCore.QRectF() if None in bounds else QtCore.QRectF(
                bounds[0][0], bounds[1][0], bounds[0][1] - bounds[0][0], bounds[1][1] - bounds[1][0])
        else:
            extent_rect = QtCore.QRectF(extent[0], extent[2], extent[1] - extent[0], extent[3] - extent[2])
        if extent != self._extent or extent_rect != self._rect:
            self.prepareGeometryChange()
            self._extent = extent
            self._rect = extent_rect
        reach = max([self._reach(p) for p in new if p is not None] + [0.0])
        if reach != self._max_reach:
            self.prepareGeometryChange()
            self._max_reach = reach
        if grown is None:  # not an extension of what is drawn: draw it all again
            self._stale = True
            self.update()
            return
        px, py = self._pixel_size()
        # repaint only around the new segments, as one rectangle: Qt turns a region of many rectangles
        # into their bounding box, and a curve's new steps, all at one x, then repainted the whole plot
        dirty = QtCore.QRectF()
        for x, y, reach in grown:
            if len(x) == 2 and math.isfinite(x[0] + x[1] + y[0] + y[1]):  # a frame's usual share: plain floats
                x0, x1, y0, y1 = float(x[0]), float(x[1]), float(y[0]), float(y[1])
                lo_x, hi_x, lo_y, hi_y = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
            else:
                ok = np.isfinite(x) & np.isfinite(y)
                if not ok.any():
                    continue
                lo_x, hi_x, lo_y, hi_y = x[ok].min(), x[ok].max(), y[ok].min(), y[ok].max()
            if math.isfinite(lo_x + hi_x + lo_y + hi_y):
                dirty = dirty.united(QtCore.QRectF(lo_x - reach * px, lo_y - reach * py,
                                                   hi_x - lo_x + 2 * reach * px, hi_y - lo_y + 2 * reach * py))
        if not dirty.isEmpty():
            self.update(dirty)

    def _reach(self, path):
        """How far, in pixels, a path's strokes and dots reach beyond its points."""
        return self._plan(path)[3]

    def _plan(self, path, dpr=1.0):
        """(strokes as (picture, pen, dash or 0), the dot's picture or None, half its width, reach in
        pixels) for a path's look: made once, not per segment per frame."""
        key = (path[2], path[3], dpr)
        plan = self._plans.get(key)
        if plan is None:
            strokes = tuple((stroke[0], self._pen(stroke[1], stroke[2]), stroke[3] if len(stroke) > 3 else 0)
                            for stroke in path[2])
            sprite = None if path[3] is None else dot_sprite(self.dot_size, pg.mkColor(path[3]), None, 0.0, dpr)
            reach = max([stroke[2] for stroke in path[2]] + [self.dot_size if path[3] is not None else 0.0]) / 2 + 2
            plan = self._plans[key] = (strokes, sprite, 0.0 if sprite is None else sprite.width() / dpr / 2, reach)
            if len(self._plans) > 256:  # looks come and go with colours and selections
                self._plans = {key: plan}
        return plan

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        """(lowest, highest) of the paths' finite points along axis ax (0: x, 1: y), for a ViewBox's
        auto-range (without it the view fits the layer's own rectangle, which is the view)."""
        values = [p[ax][np.isfinite(p[ax])] for p in self._paths if p is not None]
        values = [v for v in values if len(v)]
        if not values:
            return None
        return min(float(v.min()) for v in values), max(float(v.max()) for v in values)

    def path(self, k):
        """(x, y) of path k as given (None: hidden or no such path)."""
        p = self._paths[k] if 0 <= k < len(self._paths) else None
        return None if p is None else (p[0], p[1])

    def _pixel_size(self):
        vb = self.getViewBox()
        size = vb.viewPixelSize() if vb is not None and hasattr(vb, "viewPixelSize") else (None, None)
        return (0.0, 0.0) if size[0] is None else size

    def boundingRect(self):
        if self._rect.isEmpty():
            return self._rect
        px, py = self._pixel_size()
        return self._rect.adjusted(-self._max_reach * px, -self._max_reach * py, self._max_reach * px,
                                   self._max_reach * py)

    def viewTransformChanged(self):
        super().viewTransformChanged()
        self.prepareGeometryChange()  # a pen's reach in data units follows the zoom

    # ------------------------------------------------------------------------------ drawing
    def _pen(self, color, width):
        """A cosmetic pen, made once per colour and width. Segments are stroked one by one: a wide pen's
        square caps fill the joins; a thin one's flat caps leave each join's pixel to one segment (a
        translucent colour would show twice there)."""
        key = (color, width)
        if key not in self._pen_cache:
            pen = QtGui.QPen(pg.mkColor(color), width)
            pen.setCosmetic(True)
            pen.setCapStyle(QtCore.Qt.PenCapStyle.SquareCap if width > 1 else QtCore.Qt.PenCapStyle.FlatCap)
            self._pen_cache[key] = pen
        return self._pen_cache[key]

    def _stroke(self, painters, segments, path, dots, dpr):
        """Stroke segments (x0, y0, x1, y1 arrays, device pixels; NaN ends: none) into the pictures with
        the path's pens, and stamp the path's dot at the points dots (xs, ys) (None: no dots)."""
        strokes, sprite, _, reach = self._plan(path, dpr)
        x0, y0, x1, y1 = segments
        fine = np.isfinite(x0) & np.isfinite(y0) & np.isfinite(x1) & np.isfinite(y1)
        if not fine.all():
            x0, y0, x1, y1 = x0[fine], y0[fine], x1[fine], y1[fine]
        xs, ys = [x0, x1], [y0, y1]  # every point drawn: the device rectangle these strokes reach
        if len(x0):
            lines = line_array(x0, y0, x1, y1, self._lines)
            for picture, pen, dash in strokes:
                painters[picture].setPen(pen)
                painters[picture].drawLines(line_array(*_dashed(x0, y0, x1, y1, dash), self._dashes) if dash else lines)
            self.stroked += len(x0)
        if dots is not None and sprite is not None:
            fine = np.isfinite(dots[0]) & np.isfinite(dots[1])
            if fine.any():
                painters[-1].drawPixmapFragments(sprite_copies(None, dots[0][fine], dots[1][fine], sprite,
                                                               self._fragments), sprite)
                xs.append(dots[0][fine])
                ys.append(dots[1][fine])
        xs, ys = np.concatenate(xs), np.concatenate(ys)
        if len(xs):
            self._used = self._used.united(QtCore.QRectF(xs.min() - reach, ys.min() - reach,
                                                         xs.max() - xs.min() + 2 * reach, ys.max() - ys.min() + 2 * reach))

    def _segment(self, painters, x0, y0, x1, y1, path, first, dpr):
        """_stroke for a frame's usual share, one segment inside the frame, in plain floats (numpy's
        per-call cost on two points was most of a frame's drawing of eight paths). Returns the device
        rectangle it reaches, as (x_lo, y_lo, x_hi, y_hi)."""
        strokes, sprite, half, reach = self._plan(path, dpr)
        line = QtCore.QLineF(x0, y0, x1, y1)
        for picture, pen, dash in strokes:
            painters[picture].setPen(pen)
            if dash and abs(x1 - x0) <= dash:  # within a band: whole or none, by its middle (as _dashed)
                if ((x0 + x1) / 2 // dash) % 2 == 0:
                    painters[picture].drawLine(line)
            elif dash:
                painters[picture].drawLines(line_array(*_dashed([x0], [y0], [x1], [y1], dash), self._dashes))
            else:
                painters[picture].drawLine(line)
        self.stroked += 1
        if sprite is not None:
            for px, py in ((x0, y0), (x1, y1))[first:]:
                painters[-1].drawPixmap(QtCore.QPointF(px - half, py - half), sprite)
        return min(x0, x1) - reach, min(y0, y1) - reach, max(x0, x1) + reach, max(y0, y1) + reach

    def _update_pictures(self, p):
        """Bring the pictures up to the paths for the painter's device: the new segments, or all."""
        t = p.transform()
        device = p.device()
        dpr = device.devicePixelRatioF()
        w, h = device.width(), device.height()
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), w, h, dpr)
        if key != self._key or self._stale or self._pictures is None:
            if self._pictures is None or self._key is None or self._key[6:] != key[6:]:
                self._pictures = []
                for _ in self.antialias:
                    img = QtGui.QImage(max(int(np.ceil(w * dpr)), 1), max(int(np.ceil(h * dpr)), 1),
                                       QtGui.QImage.Format.Format_ARGB32_Premultiplied)
                    img.setDevicePixelRatio(dpr)
                    self._pictures.append(img)
            for img in self._pictures:
                img.fill(QtCore.Qt.GlobalColor.transparent)
            self._key, self._stale = key, False
            self._drawn = [0] * len(self._paths)
            self._used = QtCore.QRectF()
            thin = True
        else:
            thin = False
        lengths = [0 if p_ is None else len(p_[0]) for p_ in self._paths]
        if all(n <= d for n, d in zip(lengths, self._drawn)):
            return
        frame = None if self._extent is None else _device_extent(t, self._extent)
        axis_aligned = t.m12() == 0 and t.m21() == 0
        m11, m22, ox, oy = t.m11(), t.m22(), t.dx(), t.dy()
        painters = [QtGui.QPainter(img) for img in self._pictures]
        for painter, smooth in zip(painters, self.antialias):  # in device pixels (the pictures' own scale aside)
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, smooth)
        reached = []  # device rectangles of the one-segment steps: united once, below
        # curves over steps never overlap themselves across steps: drawn whole, run by run, they stack
        # as the animation stacked them
        for end in (_turns(max(lengths)) if thin and not self.columns else [max(lengths)]):
            for k, path in enumerate(self._paths):
                upto = min(end, lengths[k])
                if path is None or upto <= self._drawn[k]:
                    continue
                x, y = path[:2]
                start = max(self._drawn[k] - 1, 0)  # from the last point drawn: the segment that joins them
                if upto - start == 2 and axis_aligned:
                    x0, x1 = m11 * float(x[start]) + ox, m11 * float(x[start + 1]) + ox
                    y0, y1 = m22 * float(y[start]) + oy, m22 * float(y[start + 1]) + oy
                    if frame is None or (frame[0] <= min(x0, x1) and max(x0, x1) <= frame[1]
                                         and frame[2] <= min(y0, y1) and max(y0, y1) <= frame[3]):
                        if math.isfinite(x0 + x1 + y0 + y1):
                            reached.append(self._segment(painters, x0, y0, x1, y1, path,
                                                         1 if self._drawn[k] else 0, dpr))
                        self._drawn[k] = upto
                        continue
                dx, dy = _map(t, x[start:upto], y[start:upto])
                if thin:
                    dx, dy = _by_column(dx, dy) if self.columns else _thin(dx, dy)
                first = 1 if self._drawn[k] else 0  # the dot at `start` is drawn already
                # dots at the iterates (inside the frame), not where a clipped line meets its edge
                dots = None if path[3] is None else (dx[first:], dy[first:])
                if frame is not None:
                    if dots is not None:
                        inside = ((frame[0] <= dots[0]) & (dots[0] <= frame[1]) & (frame[2] <= dots[1])
                                  & (dots[1] <= frame[3]))
                        dots = dots[0][inside], dots[1][inside]
                    segments = clip_segments(dx, dy, frame)
                else:
                    segments = (dx[:-1], dy[:-1], dx[1:], dy[1:])
                self._stroke(painters, segments, path, dots, dpr)
                self._drawn[k] = upto
        for painter in painters:
            painter.end()
        if reached:
            lo_x, lo_y, hi_x, hi_y = (min(r[0] for r in reached), min(r[1] for r in reached),
                                      max(r[2] for r in reached), max(r[3] for r in reached))
            self._used = self._used.united(QtCore.QRectF(lo_x, lo_y, hi_x - lo_x, hi_y - lo_y))

    def paint(self, p, *args):
        if not _on_screen(p):
            self._paint_shapes(p)
            return
        self._update_pictures(p)
        if self._used.isEmpty():
            return
        t = p.transform()
        target = self._used
        if args and isinstance(args[0], QtWidgets.QStyleOptionGraphicsItem):
            target = target.intersected(t.mapRect(args[0].exposedRect))
        if p.hasClipping():
            target = target.intersected(t.mapRect(p.clipBoundingRect()))
        p.resetTransform()  # the pictures are in the device's pixels
        if not target.isEmpty():
            target = target.toAlignedRect()
            dpr = self._pictures[0].devicePixelRatio()
            source = QtCore.QRectF(target.x() * dpr, target.y() * dpr, target.width() * dpr, target.height() * dpr)
            for img in self._pictures:
                p.drawImage(QtCore.QRectF(target), img, source)
        p.setTransform(t)

    def _paint_shapes(self, p):
        """For an SVG or PDF writer: each path as one shape per pen, picture by picture, dots as circles,
        in scene units (the view's pixels) with plain pens of the on-screen widths."""
        to_scene = self.sceneTransform()
        data_to_device = p.transform()
        shapes = []
        for path in self._paths:
            if path is None or len(path[0]) == 0:
                continue
            sx, sy = _map(to_scene, path[0], path[1])
            # a vector reader may zoom in: below a pixel
            sx, sy = _by_column(sx, sy, 0.25) if self.columns else _thin(sx, sy, cell=0.25)
            if self._extent is not None:
                sx, sy = clip_path(sx, sy, _device_extent(to_scene, self._extent))
            shapes.append((pg.arrayToQPath(sx, sy, connect="finite"), sx, sy, path))
        p.setTransform(to_scene.inverted()[0] * data_to_device)
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        for picture, smooth in enumerate(self.antialias):
            p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, smooth)
            for line, _, _, path in shapes:
                for _, color, width, *dash in (s_ for s_ in path[2] if s_[0] == picture):
                    pen = QtGui.QPen(self._pen(color, width))  # the same widths, in the scene's pixels
                    pen.setCosmetic(False)
                    if dash:  # a vector line can carry its dashes
                        pen.setStyle(QtCore.Qt.PenStyle.DashLine)
                    pen.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)
                    p.setPen(pen)
                    p.drawPath(line)
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        for _, sx, sy, path in shapes:
            if path[3] is not None:
                circles = QtGui.QPainterPath()
                ok = np.isfinite(sx) & np.isfinite(sy)
                for a, b in zip(sx[ok], sy[ok]):
                    circles.addEllipse(QtCore.QPointF(a, b), self.dot_size / 2, self.dot_size / 2)
                p.setBrush(pg.mkColor(path[3]))
                p.drawPath(circles)
        p.setTransform(data_to_device)
