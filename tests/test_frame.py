"""What an animation frame costs the window: light items for what changes every frame, and text that
changes every frame repainting only itself."""

import contextlib

import numpy as np
import pytest
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from losscape_lab.visualizer.views.data import class_color
from losscape_lab.visualizer.views.fastitems import Dots, Polyline


def _plot(qtbot):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.resize(400, 300)
    w.show()
    w.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    return w


@contextlib.contextmanager
def _events(target, kind, keep=lambda obj, event: obj):
    """The events of `kind` delivered to target (a widget, or the application: every object) meanwhile,
    each as keep(obj, event), taken when it arrives (Qt reuses the event); None is left out."""
    seen = []

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, event):
            if event.type() == kind:
                value = keep(obj, event)
                if value is not None:
                    seen.append(value)
            return False

    spy = Spy()
    target.installEventFilter(spy)
    try:
        yield seen
    finally:
        target.removeEventFilter(spy)


def test_a_polyline_bounds_its_points_and_its_pen(qtbot):
    w = _plot(qtbot)
    line = Polyline(pen=pg.mkPen("r", width=3), shadow=pg.mkPen("k", width=5))
    w.addItem(line)
    line.setData([1, 2, np.nan, 8], [1, 5, 3, 9])
    x, y = line.getData()
    assert np.array_equal(x[[0, 1, 3]], [1, 2, 8]) and np.isnan(x[2])
    r = line.boundingRect()
    # every point inside, with room for half the wider pen (5 px is a few hundredths of a unit here)
    assert r.left() < 1 < 8 < r.right() and r.top() < 1 < 9 < r.bottom()
    assert 0.0 < 1 - r.left() < 0.5 and 0.0 < r.right() - 8 < 0.5
    line.setData([], [])
    assert line.getData() == (None, None) and line.boundingRect().isEmpty()


def test_a_wide_line_is_stroked_where_its_points_are_after_a_pan(qtbot):
    """On screen a wide line is stroked from segments in device pixels, kept while the view stays: a
    pan must move them."""
    w = _plot(qtbot)
    w.setBackground("w")
    line = Polyline(pen=pg.mkPen("#ff0000", width=4))
    w.addItem(line)
    line.setData([2.0, 8.0], [5.0, 5.0])
    for x_range in ((0, 10), (-3, 7)):
        w.setRange(xRange=x_range, yRange=(0, 10), padding=0)
        QtWidgets.QApplication.processEvents()
        img = w.viewport().grab().toImage()
        for x in (3.0, 5.0, 7.0):
            p = w.mapFromScene(w.plotItem.vb.mapViewToScene(QtCore.QPointF(x, 5.0)))
            assert img.pixelColor(p.x(), p.y()).name() == "#ff0000", (x_range, x)
        p = w.mapFromScene(w.plotItem.vb.mapViewToScene(QtCore.QPointF(5.0, 7.0)))
        assert img.pixelColor(p.x(), p.y()).name() == "#ffffff"


def test_dots_keep_their_points_and_paint_them(qtbot):
    w = _plot(qtbot)
    dots = Dots(12, "#ff0000", outline="#000000", width=2)
    w.addItem(dots)
    dots.setData([5.0], [5.0])
    assert len(dots.data) == 1 and dots.getData()[0][0] == 5.0
    img = w.viewport().grab().toImage()
    p = w.mapFromScene(w.plotItem.vb.mapViewToScene(QtCore.QPointF(5.0, 5.0)))
    assert img.pixelColor(p.x(), p.y()).name() == "#ff0000"  # the fill at the centre
    ring = img.pixelColor(p.x() + 5, p.y())  # the 2 px ring just inside the 12 px dot's edge
    assert ring.red() < 90 and ring.green() < 90
    assert img.pixelColor(p.x() + 12, p.y()).name() != "#ff0000"  # and nothing beyond it
    dots.setData([], [])
    assert len(dots.data) == 0


def test_a_frame_repaints_the_status_line_not_the_window_around_it(app, attach):
    """Each frame writes new text to the status line; in a layout, that relaid the window and repainted
    the whole landscape tab every frame (a sixth of a frame's time)."""
    attach("[optimizer]\nsteps = 50\n")
    view = app.window.landscape
    for _ in range(3):  # the first frames lay the new demo out
        app.advance(1)
        QtWidgets.QApplication.processEvents()
    with _events(QtWidgets.QApplication.instance(), QtCore.QEvent.Type.Paint,
                 lambda obj, event: event.region().boundingRect() if obj is view else None) as regions:
        for _ in range(5):
            status = view.status.text()
            app.advance(1)
            QtWidgets.QApplication.processEvents()
            assert view.status.text() != status  # the text did change
    assert regions, "the status line was not repainted"
    assert max(r.height() for r in regions) < view.height() / 4, regions


def test_a_frame_asks_no_layout_to_recompute(app, attach):
    """The step and status labels change every frame; a label in a layout asks it to recompute, and
    the controls panel's took 0.6 ms of every frame."""
    attach("[optimizer]\nsteps = 50\n")
    for _ in range(3):  # the first frames lay the new demo out
        app.advance(1)
        QtWidgets.QApplication.processEvents()
    controls = app.window.controls
    with _events(QtWidgets.QApplication.instance(), QtCore.QEvent.Type.LayoutRequest,
                 lambda obj, event: type(obj).__name__) as asked:
        for _ in range(5):
            text = controls.step_label.text()
            app.advance(1)
            QtWidgets.QApplication.processEvents()
            assert controls.step_label.text() != text and controls.step_label.isVisible()
    assert set(asked) <= {"LabelSlot"}, asked  # a slot has no layout: the request stops there
    # the step's slot is a line of its font high, also with the text scaled up
    label = controls.step_label
    assert label.height() >= label.fontMetrics().lineSpacing()
    app.window.set_font_scale(1.5)
    QtWidgets.QApplication.processEvents()
    assert label.height() >= label.fontMetrics().lineSpacing() and label.sizeHint().height() <= label.height() + 1
    app.window.set_font_scale(1.0)


def test_cached_pictures_are_blitted_not_redrawn_each_frame(app, attach, monkeypatch):
    """Contours and validation-curve tails are painted once into Qt's pixmap cache. When
    the cache is too small for them all, each frame evicts and redraws them in turn (a frame at step
    10,000 took 2.7x one at step 100)."""
    runs = "".join(f"[[run]]\nlr = {0.02 * (k + 1)}\nbatch_size = {4 * (k + 1)}\n" for k in range(8))
    attach("[optimizer]\nsteps = 3000\n" + runs)
    app.window.resize(1600, 960)
    app.advance(2050)  # the step axis stays at 0..2,200 for the next frames
    QtWidgets.QApplication.processEvents()
    cached = {id(item) for view in (app.window.landscape.canvas, app.window.curves)
              for item in view.scene().items()
              if isinstance(item, pg.PlotCurveItem)
              and item.cacheMode() == QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache}
    assert len(cached) >= 1 + 8  # the landscape's contours, each run's validation curve tail
    painted = []
    real = pg.PlotCurveItem.paint

    def paint(self, *args):
        if id(self) in cached:
            painted.append(id(self))
        real(self, *args)
    monkeypatch.setattr(pg.PlotCurveItem, "paint", paint)
    for _ in range(5):  # no tail is re-set in these steps, no axis range moves
        app.advance(1)
        QtWidgets.QApplication.processEvents()
    assert len(painted) <= 2, f"{len(painted)} cached pictures redrawn in 5 frames"


def test_a_moving_dot_leaves_nothing_behind(qtbot):
    """A single point has bounds of no size: without the pen's reach around it, moving a head repainted
    too little of where it was, and left a crescent of its old ring on the landscape."""
    w = _plot(qtbot)
    head = Dots(22.5, "#ff0000", outline="#ffffff", width=2.5)
    w.addItem(head)
    head.setData([2.0], [2.0])
    r = head.boundingRect()
    px = w.plotItem.vb.viewPixelSize()[0]
    assert r.width() >= 22 * px and r.contains(QtCore.QPointF(2.0, 2.0))
    QtWidgets.QApplication.processEvents()
    p = w.mapFromScene(w.plotItem.vb.mapViewToScene(QtCore.QPointF(2.0, 2.0)))
    with _events(w.viewport(), QtCore.QEvent.Type.Paint, lambda obj, event: QtGui.QRegion(event.region())) as regions:
        head.setData([8.0], [8.0])
        QtWidgets.QApplication.processEvents()
    old = QtCore.QRect(p.x() - 12, p.y() - 12, 24, 24)  # all of the old dot, ring included
    assert any(reg.contains(old) for reg in regions), [reg.boundingRect() for reg in regions]


def test_the_path_layer_draws_lines_outlines_and_dots_where_the_points_are(qtbot):
    from losscape_lab.visualizer.views.pathlayer import PathLayer

    w = _plot(qtbot)
    w.setBackground("w")
    layer = PathLayer(dot_size=9)
    w.addItem(layer)
    layer.set_paths([([1.0, 9.0], [5.0, 5.0], ((0, "#000000", 11.0), (1, "#ff0000", 3.0)), None),
                     ([5.0, 5.0], [1.0, 2.0], ((0, "#000000", 11.0), (1, "#0000ff", 3.0)), "#0000ff"), None],
                    (0, 10, 0, 10))
    QtWidgets.QApplication.processEvents()
    img = w.viewport().grab().toImage()

    def pixel(x, y, dy=0):
        p = w.mapFromScene(w.plotItem.vb.mapViewToScene(QtCore.QPointF(x, y)))
        return img.pixelColor(p.x(), p.y() + dy).name()
    assert pixel(3.0, 5.0) == "#ff0000"  # on the line: its colour
    assert pixel(3.0, 5.0, 3) == "#000000"  # beside it: the outline, 4 px wider each side
    assert pixel(3.0, 5.0, 9) == "#ffffff"  # and then the plot again
    # the dots: beyond the line's width, on both points
    for y in (1.0, 2.0):
        p = w.mapFromScene(w.plotItem.vb.mapViewToScene(QtCore.QPointF(5.0, y)))
        c = img.pixelColor(p.x() + 3, p.y())
        assert max(c.red(), c.green()) < 16 and c.blue() > 240, c.name()
    assert layer.path(1)[1].tolist() == [1.0, 2.0] and layer.path(2) is None


def test_the_step_line_stands_at_its_step_across_the_view_and_moves_by_a_strip(qtbot):
    from losscape_lab.visualizer.views.fastitems import StepLine

    w = _plot(qtbot)
    w.setBackground("w")
    line = StepLine(pg.mkPen("#0000ff", width=1))
    w.addItem(line)
    line.setValue(4.0)
    QtWidgets.QApplication.processEvents()
    img = w.viewport().grab().toImage()

    def at(x, y):
        return w.mapFromScene(w.plotItem.vb.mapViewToScene(QtCore.QPointF(x, y)))
    for y in (0.5, 5.0, 9.5):  # its colour at the step, bottom to top; the plot beside it
        p = at(4.0, y)
        assert any(img.pixelColor(p.x() + dx, p.y()).name() == "#0000ff" for dx in (-1, 0, 1)), y
        assert img.pixelColor(p.x() + 4, p.y()).name() == "#ffffff"
    r = line.boundingRect()
    assert r.top() <= 0.0 and r.bottom() >= 10.0 and r.width() < 0.25  # a strip: a few pixels of 400
    w.setRange(yRange=(0, 20), padding=0)  # a new range: still across the whole height
    QtWidgets.QApplication.processEvents()
    assert line.boundingRect().bottom() >= 20.0 and line.value() == 4.0
    # not data: an auto-range ("A") fits the curves, and does not widen with every frame
    w.addItem(pg.PlotDataItem([1.0, 8.0], [2.0, 6.0]))
    fitted = []
    for _ in range(3):
        w.plotItem.vb.autoRange(padding=0)
        QtWidgets.QApplication.processEvents()
        line.setValue(line.value() + 0.5)
        fitted.append(w.plotItem.vb.viewRange()[1])
    assert fitted[0] == fitted[1] == fitted[2] and fitted[0] == pytest.approx([2.0, 6.0], abs=0.05), fitted


def test_the_decision_regions_are_each_class_colour_where_its_score_is_highest(app, attach):
    s = attach("[optimizer]\nsteps = 20\n")
    app.advance(20)
    data = app.window.data
    assert len(np.unique(data.region_classes)) == s.data.C  # every class has its region in the view
    W = s.runs[0].W[20]
    n = data.region_classes.shape[0]
    xx, yy = np.meshgrid(np.linspace(data.lo[0], data.hi[0], n), np.linspace(data.lo[1], data.hi[1], n))
    scores = np.column_stack([xx.ravel(), yy.ravel(), np.ones(xx.size)]) @ W
    np.testing.assert_array_equal(data.region_classes.ravel(), scores.argmax(axis=1))
    # and on screen: away from the boundaries, each pixel of the view in its class's colour (the data,
    # lines and arrows hidden)
    others = [item for item in (data.points, *data.lines, *data.arrows, *data.arrow_heads) if item.isVisible()]
    for item in others:
        item.hide()
    QtWidgets.QApplication.processEvents()
    shot = data.grab().toImage()
    cls = data.region_classes
    checked = 0
    for i in range(5, n - 5, 9):
        for j in range(5, n - 5, 9):
            if (cls[i - 3:i + 4, j - 3:j + 4] != cls[i, j]).any():
                continue  # near a boundary
            p = data.mapFromScene(data.plot.vb.mapViewToScene(QtCore.QPointF(xx[i, j], yy[i, j])))
            c = shot.pixelColor(p.x(), p.y())
            assert (c.red(), c.green(), c.blue()) == tuple(int(v) for v in data.region_colors[cls[i, j], :3]), (i, j)
            checked += 1
    assert checked > 100
    for item in others:
        item.show()
    for theme, background in (("light", (255, 255, 255)), ("dark", (0x1B, 0x1B, 0x1B))):
        app.window.set_theme(theme)  # the regions are drawn again over the new background at once
        img = data.regions.image
        assert img.shape == data.region_classes.shape + (4,) and img.dtype == np.uint8
        # each class's colour at alpha 60 over the background, as an opaque picture
        rgb = np.array([class_color(c).getRgb()[:3] for c in range(s.data.C)], dtype=np.float64)
        expected = np.rint(60 / 255 * rgb + (1 - 60 / 255) * np.array(background, dtype=np.float64))
        np.testing.assert_array_equal(img[..., :3], expected[data.region_classes])
        assert (img[..., 3] == 255).all()
    app.window.set_theme("light")


def test_the_class_map_is_the_argmax_of_the_scores_with_ties_and_nan(app, attach):
    attach("[optimizer]\nsteps = 5\n")
    data = app.window.data
    xx, yy = np.meshgrid(np.linspace(data.lo[0], data.hi[0], 60), np.linspace(data.lo[1], data.hi[1], 60))
    pts = np.column_stack([xx.ravel(), yy.ravel(), np.ones(xx.size)])
    rng = np.random.default_rng(4)
    cases = [rng.normal(size=(3, 3)) for _ in range(20)]
    tie = rng.normal(size=(3, 4))
    tie[:, 2] = tie[:, 1]  # two classes with the same scores: the first, as argmax
    nan = rng.normal(size=(3, 3))
    nan[:, 1] = np.nan  # a NaN score: argmax takes the first NaN
    inf = rng.normal(size=(3, 3))
    inf[2, 2] = np.inf
    for W in cases + [tie, nan, inf, np.zeros((3, 3))]:
        with np.errstate(invalid="ignore"):
            expected = (pts @ W).argmax(axis=1)
        np.testing.assert_array_equal(data._linear_classes(W, 60).ravel(), expected)


def test_each_class_has_its_zero_score_line_and_its_weight_vector_as_an_arrow_from_it(app, attach):
    s = attach("[optimizer]\nsteps = 20\n")
    app.advance(20)
    data = app.window.data
    W = s.runs[0].W[20]
    lengths = []
    for c in range(s.data.C):
        w, b = W[:2, c], W[2, c]
        xs, ys = data.lines[c].getData()
        assert len(xs) == 2 and np.allclose(w[0] * xs + w[1] * ys + b, 0, atol=1e-9)  # on the line
        steep = abs(w[1]) <= abs(w[0])  # it crosses the view from edge to edge along its longer extent
        ends = [data.lo[1], data.hi[1]] if steep else [data.lo[0], data.hi[0]]
        assert sorted(ys if steep else xs) == pytest.approx(ends)
        (x0, x1), (y0, y1) = data.arrows[c].getData()
        assert w[0] * x0 + w[1] * y0 + b == pytest.approx(0, abs=1e-9)  # from the line (it is in the view)
        d = np.array([x1 - x0, y1 - y0])
        assert d[0] * w[1] - d[1] * w[0] == pytest.approx(0, abs=1e-9) and d @ w > 0  # along w, the way the score grows
        lengths.append(np.linalg.norm(d) / np.linalg.norm(w))
        head = data.arrow_heads[c]
        assert head.isVisible() and (head.pos().x(), head.pos().y()) == pytest.approx((x1, y1))
    # one scale for every class: the longest a quarter of the view
    assert lengths == pytest.approx([lengths[0]] * s.data.C)
    longest = max(np.linalg.norm(W[:2, c]) for c in range(s.data.C))
    assert longest * lengths[0] == pytest.approx(0.25 * min(data.hi - data.lo))


def test_a_path_changed_in_place_is_drawn_again_whole(qtbot):
    """The layer tells growth from change by marks along the part drawn: a session that projects its runs
    onto a new plane rewrites their arrays in place, and the picture must follow."""
    from losscape_lab.visualizer.views.pathlayer import PathLayer

    w = _plot(qtbot)
    layer = PathLayer(antialias=(True,), dot_size=5)
    w.addItem(layer)
    x, y = np.linspace(1, 9, 500), np.full(500, 5.0)
    look = ((0, "#ff0000", 3.0),)
    layer.set_paths([(x[:400], y[:400], look, None)], (0, 10, 0, 10))
    w.viewport().grab()  # painted now
    layer.set_paths([(x[:401], y[:401], look, None)], (0, 10, 0, 10))
    w.viewport().grab()
    assert layer.stroked == 1  # grown by one step
    y[:401] = 3.0  # the same points moved, as a new plane moves them
    layer.set_paths([(x[:402], y[:402], look, None)], (0, 10, 0, 10))
    img = w.viewport().grab().toImage()  # painted now
    assert layer.stroked > 1  # drawn again whole
    p = w.mapFromScene(w.plotItem.vb.mapViewToScene(QtCore.QPointF(3.0, 3.0)))
    old = w.mapFromScene(w.plotItem.vb.mapViewToScene(QtCore.QPointF(3.0, 5.0)))
    assert img.pixelColor(p.x(), p.y()).name() == "#ff0000" and img.pixelColor(old.x(), old.y()).name() != "#ff0000"


def test_the_layers_follow_a_new_landscape_a_pan_and_an_auto_range(app, attach):
    """The paths are clipped to the landscape's extent, the curves to their view: a new extent, a pan
    or zoom must move the clip with them, and the view's auto-range must fit the curves, not grow."""
    attach("[optimizer]\nsteps = 120\n")
    app.advance(100)
    QtWidgets.QApplication.processEvents()
    fig, curves = app.window.landscape.figure, app.window.curves
    a_lo, a_hi, b_lo, b_hi = fig.extent
    wider = (a_lo - 1, a_hi + 1, b_lo - 1, b_hi + 1)
    fig.set_landscape(fig.grid, wider)  # a new landscape, the animation paused: the paths take its extent
    assert fig.layer.boundingRect().contains(QtCore.QRectF(wider[0], wider[2], wider[1] - wider[0], wider[3] - wider[2]))
    curves.loss_plot.setXRange(0, 400, padding=0)  # a zoom out
    QtWidgets.QApplication.processEvents()
    assert curves.loss_layer.boundingRect().right() >= 400 and curves.acc_layer.boundingRect().right() >= 400
    curves.loss_plot.vb.enableAutoRange()
    ranges = []
    for _ in range(4):
        app.advance(1)
        QtWidgets.QApplication.processEvents()
        ranges.append(curves.loss_plot.vb.viewRange()[0][1])
    assert max(ranges) < 1.1 * 104  # fitted to the steps drawn, not to the layer's own rectangle


@pytest.mark.parametrize("tip", [(8.0, 5.0), (5.0, 9.0), (2.0, 2.0)])
def test_an_arrow_head_points_away_from_where_its_line_starts(qtbot, tip):
    from losscape_lab.visualizer.views.figure import point_arrow

    w = _plot(qtbot)
    head = pg.ArrowItem(headLen=20, tipAngle=35)
    w.addItem(head)
    origin = (5.0, 5.0)
    point_arrow(head, w.plotItem.vb, origin, tip)
    vb = w.plotItem.vb
    on_screen = head.deviceTransform(w.viewportTransform())  # the head ignores the view's scales
    at_tip = QtCore.QPointF(w.mapFromScene(vb.mapViewToScene(pg.Point(*tip))))
    body = on_screen.map(head.path.boundingRect().center())  # the head's middle, behind its tip
    back = QtCore.QPointF(w.mapFromScene(vb.mapViewToScene(pg.Point(*origin)))) - at_tip
    ahead = body - at_tip
    assert (on_screen.map(QtCore.QPointF(0, 0)) - at_tip).manhattanLength() < 2.0  # the tip is at tip
    assert ahead.x() * back.x() + ahead.y() * back.y() > 0.9 * np.hypot(ahead.x(), ahead.y()) * np.hypot(back.x(), back.y())


def test_an_empty_line_set_again_repaints_nothing(qtbot):
    """An empty item updated every frame marked the view's origin dirty, and Qt repainted every item under
    the bounding box of that point and the frame's real changes: the whole curves view, every frame."""
    w = _plot(qtbot)
    line = Polyline(pen=pg.mkPen("r", width=2))
    w.addItem(line)
    line.setData([], [])
    qtbot.wait(50)  # shown and painted once
    with _events(w.viewport(), QtCore.QEvent.Type.Paint, lambda obj, event: event.region().boundingRect()) as painted:
        for _ in range(3):
            line.setData([], [])
            QtWidgets.QApplication.processEvents()
    assert painted == []
    line.setData([1.0, 2.0], [1.0, 2.0])  # and a line with points still repaints
    assert not line.boundingRect().isEmpty()


def test_a_line_dashed_across_x_has_its_dashes_whatever_its_steps():
    """The penalty curve grows a segment at a time, dashed 3 px on and off across x: steps a pixel wide
    are kept or dropped by their middle; wider steps are cut at the bands' edges (steps of exactly 6 px
    kept or dropped whole drew a solid line, or nothing)."""
    from losscape_lab.visualizer.views.pathlayer import _dashed

    x = np.arange(0.0, 61.0, 6.0)  # steps of 6 px: every middle in a band of the same parity
    x0, y0, x1, y1 = _dashed(x[:-1], np.zeros(10), x[1:], x[1:] / 6.0, 3.0)
    on = np.zeros(60, bool)
    for a, b in zip(x0, x1):
        on[int(round(a)):int(round(b))] = True
    np.testing.assert_array_equal(on, (np.arange(60) // 3) % 2 == 0)  # 3 on, 3 off, all along
    k = int(np.argmin(np.abs(x0 - 6.0)))  # the step from (6, 0) to (12, 2), cut to 6..9: its height on the way
    assert (x0[k], y0[k], x1[k]) == (6.0, 0.0, 9.0) and abs(y1[k] - 1.0) < 1e-12
    short = _dashed(np.array([0.5, 3.5]), np.zeros(2), np.array([1.5, 4.5]), np.zeros(2), 3.0)
    assert short[0].tolist() == [0.5]  # a short step by its middle: in band 0, kept; in band 1, dropped


def test_a_dashed_curve_grown_a_step_at_a_time_is_the_curve_drawn_at_once(qtbot):
    """A frame strokes its one new step of the dashed penalty curve by a shortcut in plain floats; the
    picture must be the one the whole curve gives."""
    from losscape_lab.visualizer.views.pathlayer import PathLayer

    x = np.arange(0.0, 10.0, 0.05)  # about 2 px a step
    y = 5.0 + 3.0 * np.sin(x)
    look = ((0, "#0000ff", 2.0, 3.0),)
    w = _plot(qtbot)
    w.setBackground("w")
    layer = PathLayer(antialias=(True,), columns=True)
    w.addItem(layer)
    images = []
    for grown in (True, False):
        layer.set_paths([], (0, 10, 0, 10))
        for n in (range(2, len(x) + 1) if grown else [len(x)]):
            layer.set_paths([(x[:n], y[:n], look, None)], (0, 10, 0, 10))
            QtWidgets.QApplication.processEvents()
        assert layer.stroked == (1 if grown else len(x) - 1)  # the last frame: one step
        images.append(w.viewport().grab().toImage())
    a, b = (np.array([[img.pixel(i, j) for i in range(0, img.width())] for j in range(img.height())])
            for img in images)
    blue = (a & 0xFF) > (a >> 16 & 0xFF) + 60
    assert blue.sum() > 200  # a dashed curve was drawn at all
    assert np.mean(a != b) < 1e-4, np.mean(a != b)


def test_the_step_axis_moves_in_coarse_steps_that_grow_with_the_steps_drawn(app, attach):
    """Each move of the step axis draws every curve again (40 ms at step 10,000): every 50 steps at
    first, then every twentieth of the steps drawn, and the newest step always in view, near the right."""
    s = attach("[optimizer]\nsteps = 3000\n")
    plot = app.window.curves.loss_plot
    ends = []
    for _ in range(300):
        app.advance(10)
        step = s.display_step
        right = plot.vb.viewRange()[0][1]
        assert step <= right <= 1.12 * step + 60, (step, right)
        ends.append(round(right))
    moves = sum(a != b for a, b in zip(ends, ends[1:]))
    assert 8 <= moves <= 45, moves  # 50 steps apart up to 1,000, then 100, then 200 (the old rule: 59)


def test_painting_frames_makes_no_new_qt_arrays(app, attach, monkeypatch):
    """PyQt6-sip keeps ~77 bytes of every sip.array it makes: the lines and dots handed to QPainter live
    in arrays reused from frame to frame (SipBuffer), so playing adds none once they have grown."""
    from losscape_lab.visualizer.views import fastitems

    runs = "".join(f"[[run]]\nlr = {0.05 * (k + 1):g}\nbatch_size = {4 * (k + 1)}\n" for k in range(4))
    attach(f"[optimizer]\nsteps = 400\n[landscape]\nresolution = 24\n{runs}")
    made = []
    real = fastitems._sip_array
    monkeypatch.setattr(fastitems, "_sip_array", lambda *a: made.append(a[1]) or real(*a))
    for _ in range(6):  # the buffers grow (by doubling) to the paths' size: 300 steps, room up to 512
        app.advance(50)
        app.window.grab()
    grown = len(made)
    for _ in range(60):
        app.advance(1)
        app.window.grab()
    assert len(made) == grown, made[grown:]  # before: one array per path and frame


def test_a_reused_array_pads_what_it_does_not_draw():
    from PyQt6 import QtCore

    from losscape_lab.visualizer.views import fastitems

    buf = fastitems.line_buffer()
    arr, view = buf.take(5)
    view[:] = 1.0
    again, view2 = buf.take(3)
    assert again is arr and len(arr) == 16 and view2.shape == (3, 4)
    assert isinstance(arr[3], QtCore.QLineF) and arr[3].x1() == fastitems._AWAY == arr[15].y2()  # drawn as nothing
    bigger, _ = buf.take(40)
    assert bigger is not arr and len(bigger) == 64
