"""The one drawing of a landscape with its runs, on a pyqtgraph PlotItem: the app's centre view and every
exported figure use it, so what a teacher exports is what the class saw.
"""

import re

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ..i18n import tr
from .fastitems import Dots
from .pathlayer import PathLayer, cut_at_exit
from ..session.contours import contours as contour_lines
from ..session.contours import display_values, levels_for

def configure_pyqtgraph():
    """pyqtgraph's global options, set once by every path that draws (the window, --screenshot, every
    export). The items here name their axis order themselves, so nothing depends on these."""
    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
    # Items cached as pictures (validation-curve tails, contours, the data points) live in Qt's pixmap
    # cache, 10 MB by default: a view's worth of them overflowed it, and each frame then re-rendered
    # every cached item in turn (a frame at step 10,000 went from 40 to 110 ms). A cap, not an allocation.
    QtGui.QPixmapCache.setCacheLimit(256 * 1024)


COLORMAP = "viridis"  # perceptually uniform, readable in grey, survives a projector and colour blindness
OUTLINE = "#111111"
DOTS_UP_TO = 300  # paths of at most this many points show each iterate


def point_arrow(head, vb, origin, tip, **style):
    """Put an ArrowItem's head at `tip`, pointing away from `origin` (view coordinates of `vb`): its
    angle is taken on screen, where y points down and the axes' scales differ. The angle turns the item
    (setStyle rebuilds the arrow's path, pen and brush: 0.2 ms, for every arrow every frame)."""
    p0, p1 = vb.mapViewToScene(pg.Point(*origin)), vb.mapViewToScene(pg.Point(*tip))
    if style or head.opts["angle"] != 0:
        head.setStyle(angle=0, **style)
    head.setRotation(180 + float(np.degrees(np.arctan2(p1.y() - p0.y(), p1.x() - p0.x()))))
    head.setPos(*tip)


def fit_title(plot, text=None, size="12pt", **style):
    """A plot's title broken into lines at its ' · ' or ', ' breaks where it is wider than the view that
    holds the plot (a one-line title set the layout's least width, and a narrow column then cut off the
    title, the axes and the plot's right side); call again without text after a resize."""
    if text is not None:
        plot._title_parts = (text, size, style)
    text, size, style = getattr(plot, "_title_parts", ("", size, style))
    font = QtGui.QFont()
    font.setPointSizeF(float(size.rstrip("pt")))
    metrics = QtGui.QFontMetrics(font)
    view = plot.scene().views()[0] if plot.scene() is not None and plot.scene().views() else None
    width = view.width() if view is not None else plot.width()
    room = width - 60  # less the axis and the margins; narrowed below if the layout still needs more
    for _ in range(6):
        lines, line = [], ""
        pieces = []  # at ' · ' and ', ' first; a piece wider than the room at its spaces
        for piece in re.split(r"(?<=·) |(?<=,) ", text):
            pieces += piece.split(" ") if metrics.horizontalAdvance(piece) > room else [piece]
        for piece in pieces:
            if line and metrics.horizontalAdvance(line + " " + piece) > room:
                lines.append(line)
                line = piece
            else:
                line = f"{line} {piece}" if line else piece
        lines.append(line)
        plot.setTitle("<br>".join(lines), size=size, **style)
        height = max(30, len(lines) * metrics.lineSpacing() + 10)  # pyqtgraph keeps one line's 30 px
        plot.titleLabel.setMaximumHeight(height)
        plot.layout.setRowFixedHeight(0, height)
        if view is None or view.centralWidget is None:
            return
        plot.layout.invalidate()  # size hints are cached: measure the new title
        view.centralWidget.layout.invalidate()
        excess = view.centralWidget.effectiveSizeHint(QtCore.Qt.SizeHint.MinimumSize).width() - width
        if excess <= 0 or room <= 60:
            break
        # the label's own width per measured pixel (its HTML font is not quite the QFont measured)
        ratio = plot.titleLabel.minimumWidth() / max(max(metrics.horizontalAdvance(t) for t in lines), 1)
        room = max((room - excess - 2) / max(ratio, 1.0), 60)
    view.centralWidget.setGeometry(view.range)  # the layout takes the view's width again


# (background, axis and text, faint text) of the window's plots in each theme; exports stay light
THEMES = {"light": ("w", "#333333", "#444444"), "dark": ("#1b1b1b", "#d0d0d0", "#b0b0b0")}


def paint_canvas(canvas, theme):
    """A GraphicsLayoutWidget's background and every axis in it, in the theme's colours."""
    background, ink, _ = THEMES[theme]
    canvas.setBackground(background)
    for item in canvas.scene().items():
        if isinstance(item, pg.AxisItem):
            item.setPen(ink)
            item.setTextPen(ink)


def name_axis(ax, text, points):
    """An axis's name at `points` pt, in the ink its theme gave it: pyqtgraph's setLabel with a style
    replaces the whole style, and the name fell back to pyqtgraph's grey (3:1) after a new plane or a
    larger text size."""
    ax.setLabel(text, **{**ax.labelStyle, "font-size": f"{points}pt"})


def _font_height(points):
    f = QtGui.QFont()
    f.setPointSizeF(points)
    return QtGui.QFontMetrics(f).height()


def fix_axis_space(ax, lo, hi, tick_points, name_points):
    """A vertical axis's width, fixed: its widest tick label over lo..hi at any plot height, and its
    name at its full height (pyqtgraph allows 0.8 of it: a scaled-up or Korean name then sat on the
    numbers, or on the colour bar)."""
    f = QtGui.QFont()
    f.setPointSizeF(tick_points)
    texts = ["0"]
    if hi > lo:
        for size in (150, 300, 600, 1200):
            for spacing, values in ax.tickValues(lo, hi, size):
                texts += ax.tickStrings(values, 1.0, spacing)
    width = max(QtGui.QFontMetrics(f).horizontalAdvance(t) for t in texts) + 4
    ax.setStyle(autoExpandTextSpace=False, tickTextWidth=width)
    ax.setWidth(width + 5 + (_font_height(name_points) + 2 if ax.label.isVisible() else 0))


def style_axes(plot):
    """Axes show true values (no "x0.001" scaling that reads 150 for a loss of 0.15), and, as they
    change rarely but would be re-painted with every frame of the animation, Qt keeps them as pixmaps."""
    from PyQt6 import QtWidgets

    for name in ("bottom", "left", "top", "right"):
        plot.getAxis(name).enableAutoSIPrefix(False)
        plot.getAxis(name).setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


class LandscapeFigure:
    """Heatmap + colour bar + contours + runs (path, start, head, divergence mark) + legend."""

    def __init__(self, plot: pg.PlotItem, font_size=14, legend_cell=None, cached=False):
        """legend_cell (layout, row, col, colspan): the legend sits there, beside the plot, instead of over the
        landscape's top (where it hid a third of a 1280x720 picture); False: no legend (the window's
        runs list, in the runs' colours, is the legend there)."""
        self.plot = plot
        self.font_size = font_size
        plot.setAspectLocked(False)
        plot.showGrid(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        plot.addItem(self.image)
        # every level's contour segments in one item (one pen): one picture to blit per frame
        self.contours = pg.PlotDataItem(pen=pg.mkPen(255, 255, 255, 110, width=1), connect="pairs")
        self.contours.setZValue(-5)
        plot.addItem(self.contours)
        if cached:  # the heatmap (scaled smoothly: 5 ms a paint) and the contours change with the
            # landscape, not with the frame: painted once, then blitted
            self.image.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.contours.curve.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get(COLORMAP), interactive=False, width=18,
                                        label=tr("loss"))
        self.colorbar.setImageItem(self.image, insert_in=plot)
        self.contour_lines = []  # [(level in loss units, segments (S, 2, 2))] as drawn
        if legend_cell is False:
            self.legend = None
        elif legend_cell is None:
            self.legend = plot.addLegend(offset=(10, 10), labelTextSize=f"{font_size - 2}pt",
                                         brush=pg.mkBrush(255, 255, 255, 200), labelTextColor="#000")
        else:
            layout, row, col, colspan = legend_cell
            self.legend = pg.LegendItem(labelTextSize=f"{font_size - 2}pt", labelTextColor="#000", colCount=2)
            layout.addItem(self.legend, row=row, col=col, colspan=colspan)
        # every run's path (outline, colour, iterate dots): drawn once per step (pathlayer)
        self.layer = PathLayer(antialias=(True, True, True), dot_size=5)
        self.layer.setZValue(10)
        plot.addItem(self.layer)
        self.starts, self.heads, self.marks, self.notes = [], [], [], []
        self._shown_runs = None  # set_runs' arguments, to draw them again on a new landscape
        # the gradient spread and the explained step's arrows are on screen (or not made yet): a hide
        # then has work to do; hidden, a further hide is skipped (every frame asks)
        self._spread_shown = self._explain_shown = True
        self._legend_labels = None
        self._legend_key = None
        self.extent = None
        self.grid = None
        self.log_scale = False
        self._slopes = None
        for name in ("bottom", "left"):
            ax = plot.getAxis(name)
            f = QtGui.QFont()
            f.setPointSize(font_size - 2)
            ax.setTickFont(f)
            ax.label.setFont(f)
        self._fix_tick_space(font_size - 2)
        self._colorbar_fonts(font_size)
        style_axes(plot)
        style_axes(self.colorbar)  # the colour bar is a plot too: its axis shows true losses

    def set_font_size(self, size):
        """Axis labels and tick labels at `size` pt (presenter mode's larger text)."""
        self.font_size = size
        for name in ("bottom", "left"):
            ax = self.plot.getAxis(name)
            f = QtGui.QFont()
            f.setPointSize(size - 2)
            ax.setTickFont(f)
            name_axis(ax, ax.labelText, size)
        self._fix_tick_space(size - 2)
        self._colorbar_fonts(size)
        for note in self.notes:
            note.setFont(self._note_font())
        if self.legend is not None:  # its labels with the rest (a rebuild keeps the size)
            self.legend.opts["labelTextSize"] = f"{size - 2}pt"
            for _, label in self.legend.items:
                label.setText(label.text, size=f"{size - 2}pt")

    def _note_font(self):
        """The 'diverged at step 17' notes: as large as the tick numbers."""
        f = QtGui.QFont()
        f.setPointSize(self.font_size - 3)
        return f

    def _colorbar_fonts(self, size):
        """The colour bar's numbers as large as the axes' and its "loss" as large as their names (they
        stayed at pyqtgraph's 9 pt when the text was scaled up: unreadable from the back row)."""
        f = QtGui.QFont()
        f.setPointSize(size - 2)
        for name in ("left", "right"):
            ax = self.colorbar.getAxis(name)
            ax.setTickFont(f)
            name_axis(ax, ax.labelText, size)

    def _fix_tick_space(self, points=None):
        """The left axis keeps one width for its tick labels while the landscape stays: the widest label
        it could show for this extent (at any plot height, with the room equal scales may add). Left to
        itself, the b range followed the plot's width, the labels the range and the axis's width its
        labels, and the picture jumped sideways between frames as "-2.5" became "-3"."""
        if points is not None:
            self._tick_points = points
        ticks = getattr(self, "_tick_points", self.font_size - 2)
        if self.extent is None:
            lo, hi = -1.0, 1.0
        else:
            mid, half = (self.extent[2] + self.extent[3]) / 2, (self.extent[3] - self.extent[2]) / 2
            lo, hi = mid - 2 * half, mid + 2 * half
        fix_axis_space(self.plot.getAxis("left"), lo, hi, ticks, self.font_size)
        self.plot.getAxis("bottom").setHeight(_font_height(ticks) + 4 + _font_height(self.font_size) + 2)
        levels = self.colorbar.levels()
        fix_axis_space(self.colorbar.getAxis("right"), *levels, ticks, self.font_size)

    # ------------------------------------------------------------------------------ landscape
    def set_axes(self, names):
        for side, name in zip(("bottom", "left"), names):
            name_axis(self.plot.getAxis(side), name, self.font_size)

    def set_landscape(self, grid, extent, log_scale=False, contours=8, equal_scales=True):
        """grid (len(betas), len(alphas)) over extent (a_lo, a_hi, b_lo, b_hi); equal_scales: a unit
        across as long as a unit down (the plane's two axes share a unit), the room left over blank."""
        self.plot.setAspectLocked(equal_scales, ratio=1.0)
        self.extent = extent
        self.grid = grid
        self.log_scale = log_scale
        self._slopes = None
        values = display_values(grid, log_scale)
        levels = levels_for(values)
        self.image.setImage(values, autoLevels=False)
        a_lo, a_hi, b_lo, b_hi = extent
        self.image.setRect(QtCore.QRectF(a_lo, b_lo, a_hi - a_lo, b_hi - b_lo))
        self.colorbar.setLevels(levels)
        name_axis(self.colorbar.getAxis("left"), tr("log10 loss" if log_scale else "loss"), self.font_size)
        self._draw_contours(grid, contours)
        self._fix_tick_space()
        self.plot.setRange(xRange=(a_lo, a_hi), yRange=(b_lo, b_hi), padding=0)
        if self._shown_runs is not None:  # the paths are cut and clipped to the extent: to the new one now
            self.set_runs(*self._shown_runs)

    def axes_values(self):
        """(alphas, betas) of the grid drawn."""
        a_lo, a_hi, b_lo, b_hi = self.extent
        ny, nx = self.grid.shape
        return np.linspace(a_lo, a_hi, nx), np.linspace(b_lo, b_hi, ny)

    def _draw_contours(self, grid, n):
        """The contour lines, from session.contours (the JSON export and --state read the same lines)."""
        self.contour_lines = contour_lines(grid, *self.axes_values(), self.log_scale, n)
        pts = np.concatenate([np.zeros((0, 2))] + [segs.reshape(-1, 2) for _, segs in self.contour_lines])
        self.contours.setData(pts[:, 0], pts[:, 1], connect="pairs")

    def describe(self):
        """What the figure draws, as plain data in plane and loss units (for --state)."""
        heads = []
        for k, (head, mark) in enumerate(zip(self.heads, self.marks)):
            x, y = head.getData()
            path = self.layer.path(k)
            heads.append({"a": float(x[0]) if len(x) else None, "b": float(y[0]) if len(y) else None,
                          "diverged_mark": len(mark.getData()[0]) > 0,
                          "path_points": 0 if path is None else int(np.isfinite(path[0]).sum())})
        alphas, betas = self.axes_values() if self.grid is not None else ([], [])
        return {"alphas": alphas, "betas": betas, "grid": self.grid, "log_scale": self.log_scale,
                "contours": [{"level": lv, "lines": segs} for lv, segs in self.contour_lines],
                "axes": [self.plot.getAxis("bottom").labelText, self.plot.getAxis("left").labelText],
                "legend": list(self._legend_labels or []), "heads": heads,
                "pixels_per_unit": self.pixels_per_unit()}

    def pixels_per_unit(self):
        """[across, down]: screen pixels per unit of a and of b as drawn (equal where the axes share one)."""
        vb = self.plot.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        rect = vb.boundingRect()
        if x1 <= x0 or y1 <= y0 or rect.width() <= 0:
            return [None, None]
        return [float(rect.width() / (x1 - x0)), float(rect.height() / (y1 - y0))]

    def value_at(self, a, b):
        """(loss, dL/da, dL/db) read off the grid at the nearest grid point, or None outside it."""
        if self.grid is None or self.extent is None:
            return None
        a_lo, a_hi, b_lo, b_hi = self.extent
        ny, nx = self.grid.shape
        j = int(round((a - a_lo) / (a_hi - a_lo) * (nx - 1)))
        i = int(round((b - b_lo) / (b_hi - b_lo) * (ny - 1)))
        if not (0 <= i < ny and 0 <= j < nx):
            return None
        if self._slopes is None:
            db, da = np.gradient(self.grid, (b_hi - b_lo) / max(ny - 1, 1), (a_hi - a_lo) / max(nx - 1, 1))
            self._slopes = (da, db)
        return float(self.grid[i, j]), float(self._slopes[0][i, j]), float(self._slopes[1][i, j])

    # ------------------------------------------------------------------------------ gradient spread
    def set_spread(self, spread, color="#000"):
        """Minibatch steps (thin) around the full-batch step (thick, black) from one point; None hides."""
        if not hasattr(self, "spread_items"):
            self.spread_items = (pg.PlotDataItem(connect="pairs"), pg.PlotDataItem(connect="pairs"),
                                 pg.TextItem(color="#000", anchor=(0, 1)))
            for item, z in zip(self.spread_items, (14, 15, 16)):
                item.setZValue(z)
                self.plot.addItem(item)
        batch_item, full_item, label = self.spread_items
        if spread is None:
            if self._spread_shown:  # hidden once, not every frame
                batch_item.setData([], [])
                full_item.setData([], [])
                label.setHtml("")
                self._spread_shown = False
            return
        self._spread_shown = True
        origin, full, batch = spread
        # one step is tiny next to the view: magnify all of them alike so the spread can be seen
        longest = max(np.abs(batch).max(), np.abs(full).max(), 1e-300)
        scale = 1.0
        if self.extent is not None:
            scale = max(1.0, 0.18 * (self.extent[1] - self.extent[0]) / longest)
        full, batch = full * scale, batch * scale
        text = tr("one step x{scale}", scale=f"{scale:.3g}") if scale > 1 else tr("one step")
        label.setHtml(f'<span style="font-size: {self.font_size - 2}pt; background: rgba(255,255,255,190)">{text}</span>')
        label.setPos(origin[0], origin[1])
        ends = origin + batch
        xs = np.column_stack([np.full(len(batch), origin[0]), ends[:, 0]]).ravel()
        ys = np.column_stack([np.full(len(batch), origin[1]), ends[:, 1]]).ravel()
        c = pg.mkColor(color)
        c.setAlpha(200)
        batch_item.setData(xs, ys, pen=pg.mkPen(c, width=1.5))
        full_item.setData([origin[0], origin[0] + full[0]], [origin[1], origin[1] + full[1]],
                          pen=pg.mkPen("#000", width=4))

    # ------------------------------------------------------------------------------ one step explained
    EXPLAIN_COLORS = {"gradient": "#000000", "velocity": "#555555"}  # velocity dashed

    def set_explain(self, origin=None, arrows=None, color="#000"):
        """Arrows from the head of the explained step (session.explain): the negative gradient times the
        step size, the velocity (momentum), and the step taken (in the run's colour), all projected on
        the plane and magnified alike; None hides them."""
        if origin is None and not self._explain_shown:
            return  # hidden already: every frame asks
        self._explain_shown = origin is not None
        if not hasattr(self, "explain_items"):
            self.explain_items = {}
            self.explain_label = pg.TextItem(color="#000", anchor=(0, 0))
            self.explain_label.setZValue(18)
            self.plot.addItem(self.explain_label)
        for line, head in self.explain_items.values():
            line.setData([], [])
            head.hide()
        if origin is None:
            self.explain_label.setHtml("")
            return
        longest = max([float(np.hypot(*v)) for v in arrows.values()] + [1e-300])
        scale = 1.0
        if self.extent is not None:
            scale = max(1.0, 0.2 * (self.extent[1] - self.extent[0]) / longest)
        names = {"gradient": tr("-lr x gradient"), "velocity": tr("velocity"), "update": tr("step taken")}
        shown = []
        for name, v in arrows.items():
            if name not in self.explain_items:
                line = pg.PlotDataItem()
                head = pg.ArrowItem(headLen=16, tipAngle=35)
                for item in (line, head):  # the step taken under the others (SGD's equals -lr g)
                    item.setZValue(17 if name == "update" else 18)
                    self.plot.addItem(item)
                self.explain_items[name] = (line, head)
            line, head = self.explain_items[name]
            c = pg.mkColor(color if name == "update" else self.EXPLAIN_COLORS[name])
            tip = origin + scale * np.asarray(v, dtype=np.float64)
            width = 5 if name == "update" else 3
            style = QtCore.Qt.PenStyle.DashLine if name == "velocity" else QtCore.Qt.PenStyle.SolidLine
            line.setData([origin[0], tip[0]], [origin[1], tip[1]], pen=pg.mkPen(c, width=width, style=style),
                         shadowPen=pg.mkPen(OUTLINE, width=width + 2) if name == "update" else None)
            point_arrow(head, self.plot.vb, origin, tip, pen=pg.mkPen(OUTLINE if name == "update" else c), brush=c)
            head.setVisible(bool(np.hypot(*v) > 0))
            mark = "&#9476;&#9476;" if name == "velocity" else "&#9632;"
            shown.append(f'<span style="color: {c.name()}">{mark}</span> {names[name]}')
        text = " &nbsp;".join(shown) + (" &nbsp;" + tr("(x{scale})", scale=f"{scale:.3g}") if scale > 1 else "")
        self.explain_label.setHtml(f'<span style="font-size: {self.font_size - 2}pt; '
                                   f'background: rgba(255,255,255,210)">{text}</span>')
        if self.extent is not None:  # the top-left corner: clear of the head and the spread's label
            self.explain_label.setPos(self.extent[0], self.extent[3])

    # ------------------------------------------------------------------------------ runs
    def _ensure_runs(self, n):
        while len(self.heads) < n:
            start = Dots(16, "#ffffff", outline=OUTLINE, width=3)  # as a 13 px symbol with a 3 px pen
            head = Dots(22.5, outline=OUTLINE, width=2.5)
            mark = Dots(24, "#ff2020", width=6, symbol="x")
            note = pg.TextItem(color="#000", anchor=(0.5, 1.3), fill=pg.mkBrush(255, 255, 255, 210))
            note.setFont(self._note_font())
            note.setVisible(False)
            for item, z in ((start, 11), (head, 12), (mark, 13), (note, 14)):
                item.setZValue(z)
                self.plot.addItem(item)
            for lst, item in ((self.starts, start), (self.heads, head), (self.marks, mark), (self.notes, note)):
                lst.append(item)
        while len(self.heads) > n:
            for lst in (self.starts, self.heads, self.marks, self.notes):
                self.plot.removeItem(lst.pop())

    def set_runs(self, runs, step, selected=None):
        """Draw each run up to the shown step; `runs` are session Run objects (a, b, color, label).
        A run that diverges is drawn up to where it leaves the view and marked there (a red cross and
        the step): drawn further, its swings from edge to edge would cover the picture in a band. A path
        with few steps shows each iterate as a dot, so a zig-zag reads as one."""
        self._shown_runs = (runs, step, selected)
        self._ensure_runs(len(runs))
        labels, paths = [], []
        for k, run in enumerate(runs):
            for items in (self.starts, self.heads, self.marks):
                items[k].setVisible(run.visible)
            if not run.visible:
                self.notes[k].setVisible(False)
                labels.append(run.label)
                paths.append(None)
                continue
            n = run.shown(step) + 1
            a, b = run.a[:n], run.b[:n]
            left = False
            if run.diverged_at is not None and self.extent is not None:
                a, b, left = cut_at_exit(a, b, self.extent)
            width = 3.5 if k == selected else 2.5  # a dark outline 1 px wider each side, under every colour
            paths.append((a, b, ((0, OUTLINE, width + 2), (1, run.color, width)),
                          run.color if len(a) <= DOTS_UP_TO else None))
            self.starts[k].setData([a[0]], [b[0]], outline=run.color)
            self.heads[k].setData([] if left else [a[-1]], [] if left else [b[-1]], color=run.color)
            diverged = run.diverged_by(step) is not None
            if diverged or left:
                self.marks[k].setData([a[-1]], [b[-1]])
                self.notes[k].setText(tr("diverged at step {step}", step=run.diverged_at) if diverged else
                                      tr("left the view at step {step}", step=n - 1))
                self.notes[k].setPos(a[-1], b[-1])
                if self.extent is not None:  # the label reads inwards from the edge it sits on
                    a_lo, a_hi, b_lo, b_hi = self.extent
                    ax = min(max((a[-1] - a_lo) / (a_hi - a_lo), 0.0), 1.0)
                    below = (b[-1] - b_lo) / (b_hi - b_lo) > 0.85
                    self.notes[k].setAnchor((ax, -0.3 if below else 1.3))
                self.notes[k].setVisible(True)
            else:
                self.marks[k].setData([], [])
                self.notes[k].setVisible(False)  # an empty TextItem still paints its white box
            labels.append(run.label + ("  " + tr("(diverged at step {step})", step=run.diverged_at)
                                       if diverged else ""))
        self.layer.set_paths(paths, self.extent)
        key = (labels, [(run.color, run.visible) for run in runs])
        if key != self._legend_key and self.legend is not None:  # a rebuild relayouts: only on change
            self.legend.clear()
            for run, label in zip(runs, labels):  # a sample line in each run's colour; hidden: marked so
                sample = pg.PlotDataItem(pen=pg.mkPen(run.color, width=2.5))
                sample.setVisible(run.visible)
                self.legend.addItem(sample, label)
        self._legend_labels = labels
        self._legend_key = key
