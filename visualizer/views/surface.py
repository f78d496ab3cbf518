"""The 3-D view: the landscape grid as a lit surface, with every run riding on it.

OpenGL works on a real display (Xvfb with Mesa included) but not on Qt's offscreen platform, where a GL
widget crashes the process. gl_unavailable() says why before any GL widget is created; the window then
disables the 3-D tab and nothing else changes.
"""

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtGui, QtWidgets

from ..i18n import N_, tr
from ..session.contours import display_values
from .figure import COLORMAP

SIZE = 20.0  # the plane is drawn as a SIZE x SIZE square
HEIGHT = 8.0  # and the loss (clipped) as heights 0..HEIGHT
LIFT = 0.12  # paths float this far above the surface so it does not hide them


MIN_ELEVATION = 5.0  # degrees: the camera never goes under the surface


def above(elevation):
    """The camera's elevation kept above the plane and no higher than straight down."""
    return min(max(elevation, MIN_ELEVATION), 90.0)


def _AboveView():
    """A GLViewWidget whose orbit never takes the camera under the surface (a 100 px drag flipped it)."""
    import pyqtgraph.opengl as gl

    class AboveView(gl.GLViewWidget):
        def orbit(self, azim, elev):
            self.opts["azimuth"] += azim
            self.opts["elevation"] = above(self.opts["elevation"] + elev)
            self.update()

    return AboveView()


def gl_unavailable():
    """None when OpenGL can be used here, else the reason (one line)."""
    platform = QtGui.QGuiApplication.platformName()
    if platform not in ("xcb", "wayland", "windows", "cocoa"):
        return tr("3-D needs OpenGL on a display; Qt's '{platform}' platform has none", platform=platform)
    try:
        import OpenGL.GL  # noqa: F401  (PyOpenGL)
    except Exception as e:  # ImportError, or a broken libGL
        return tr("3-D needs PyOpenGL: {problem}", problem=e)
    ctx = QtGui.QOpenGLContext()
    surf = QtGui.QOffscreenSurface()
    surf.create()
    if not ctx.create() or not ctx.makeCurrent(surf):
        return tr("3-D needs OpenGL, but no OpenGL context could be created on this display")
    ctx.doneCurrent()
    return None


def surface_heights(grid, log_scale, clip_quantile):
    """Heights from the grid: log or plain, clipped at a quantile (a divergent corner must not flatten
    the rest), scaled to 0..HEIGHT. Returns (heights, (lo, hi)) with lo, hi in display units."""
    values = display_values(grid, log_scale)
    finite = values[np.isfinite(values)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(np.quantile(finite, clip_quantile)) if finite.size else 1.0
    hi = hi if hi > lo else lo + 1.0
    z = (np.clip(np.nan_to_num(values, nan=hi, posinf=hi), lo, hi) - lo) / (hi - lo) * HEIGHT
    return z, (lo, hi)


def colorbar_labels(lo, hi, log_scale, ticks=5):
    """{text: position 0..1} for the 3-D colour bar: true losses at evenly spaced heights (display units
    are log10 loss when log_scale), and the bar's name above it."""
    out = {}
    for t in np.linspace(0.0, 1.0, ticks):
        v = lo + t * (hi - lo)
        out[f"{10 ** v if log_scale else v:.3g}"] = float(t)
    out[tr("loss")] = 1.1
    return out


def height_at(z, extent, a, b):
    """Bilinear interpolation of the height field at plane points (a, b): where a path touches the
    surface."""
    a_lo, a_hi, b_lo, b_hi = extent
    ny, nx = z.shape
    fx = np.clip((np.asarray(a) - a_lo) / (a_hi - a_lo) * (nx - 1), 0, nx - 1)
    fy = np.clip((np.asarray(b) - b_lo) / (b_hi - b_lo) * (ny - 1), 0, ny - 1)
    x0 = np.minimum(fx.astype(int), nx - 2)
    y0 = np.minimum(fy.astype(int), ny - 2)
    tx, ty = fx - x0, fy - y0
    return ((1 - ty) * ((1 - tx) * z[y0, x0] + tx * z[y0, x0 + 1])
            + ty * ((1 - tx) * z[y0 + 1, x0] + tx * z[y0 + 1, x0 + 1]))


class SurfaceView(QtWidgets.QWidget):
    """Create only when gl_unavailable() is None."""

    def __init__(self, parent=None):
        super().__init__(parent)
        import pyqtgraph.opengl as gl

        self.gl = gl
        self.view = _AboveView()
        self.view.setBackgroundColor("w")
        # the plane's axes and the loss, named where they are: a and b along two edges, loss up a corner
        self.labels = [gl.GLTextItem(color=(20, 20, 20, 255)) for _ in range(3)]
        for item in self.labels:
            self.view.addItem(item)
        # the colour bar: which loss each colour (and height) stands for, in true loss values
        self.colorbar = gl.GLGradientLegendItem(pos=(16, 30), size=(18, 220), gradient=pg.colormap.get(COLORMAP),
                                                fontColor=(20, 20, 20), glOptions="translucent")
        self.view.addItem(self.colorbar)
        self.surface = None
        self.lines, self.heads = [], []
        self.z = None
        self.extent = None
        self.log_height = QtWidgets.QCheckBox(N_("log height"))  # N_: made after the window was translated
        self.clip = QtWidgets.QDoubleSpinBox()
        self.clip.setRange(0.5, 1.0)
        self.clip.setSingleStep(0.01)
        self.clip.setValue(0.98)
        self.clip.setPrefix(N_("clip at quantile "))
        self.reset_camera = QtWidgets.QPushButton(N_("Reset camera"))
        bar = QtWidgets.QHBoxLayout()
        for w in (self.log_height, self.clip, self.reset_camera):
            bar.addWidget(w)
        bar.addStretch(1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.view, 1)
        self.reset_camera.clicked.connect(self.home)
        self.log_height.toggled.connect(self._redraw)
        self.clip.valueChanged.connect(self._redraw)
        self._grid = None
        self._runs = None
        self._step = 0
        self.home()

    def home(self):
        self.view.setCameraPosition(distance=1.45 * SIZE, elevation=30, azimuth=-60)
        self.view.opts["center"] = pg.Vector(0, 0, HEIGHT / 3)
        self.view.update()

    def set_landscape(self, grid, extent, axis_names=("a", "b")):
        """New surface; the camera stays where the user put it."""
        self._grid, self.extent = grid, extent
        a_lo, a_hi, b_lo, b_hi = extent
        texts = (f"{axis_names[0]} ({a_lo:.2g} .. {a_hi:.2g})", f"{axis_names[1]} ({b_lo:.2g} .. {b_hi:.2g})",
                 tr("loss"))
        spots = ((-SIZE / 4, -SIZE / 2, 0), (SIZE / 2, -SIZE / 4, 0), (0, SIZE / 2, HEIGHT))
        for item, text, pos in zip(self.labels, texts, spots):
            item.setData(pos=pos, text=text)
        self._redraw()

    def _redraw(self):
        if self._grid is None:
            return
        log = self.log_height.isChecked()
        z, (lo, hi) = surface_heights(self._grid, log, self.clip.value())
        self.z = z
        self.colorbar.setData(labels=colorbar_labels(lo, hi, log))
        ny, nx = z.shape
        x = np.linspace(-SIZE / 2, SIZE / 2, nx)
        y = np.linspace(-SIZE / 2, SIZE / 2, ny)
        lut = pg.colormap.get(COLORMAP).getLookupTable(nPts=256, alpha=True) / 255.0
        colors = lut[np.clip((z / HEIGHT * 255).astype(int), 0, 255)]
        # GLSurfacePlotItem wants z[x, y]: our grid is [b (rows), a (columns)]
        if self.surface is None:
            self.surface = self.gl.GLSurfacePlotItem(x=x, y=y, z=z.T, colors=colors.transpose(1, 0, 2),
                                                     shader="shaded", smooth=True, computeNormals=True)
            self.view.addItem(self.surface)
        else:
            self.surface.setData(x=x, y=y, z=z.T, colors=colors.transpose(1, 0, 2))
        if self._runs is not None:
            self.set_runs(self._runs, self._step)

    def _to_scene(self, a, b):
        a_lo, a_hi, b_lo, b_hi = self.extent
        return ((np.asarray(a) - a_lo) / (a_hi - a_lo) - 0.5) * SIZE, ((np.asarray(b) - b_lo) / (b_hi - b_lo) - 0.5) * SIZE

    def set_runs(self, runs, step):
        self._runs, self._step = runs, step
        if self.z is None:
            return
        gl = self.gl
        while len(self.lines) < len(runs):
            line = gl.GLLinePlotItem(width=3, antialias=True, mode="line_strip")
            head = gl.GLScatterPlotItem(size=14, pxMode=True)
            line.setGLOptions("opaque")
            head.setGLOptions("opaque")
            self.view.addItem(line)
            self.view.addItem(head)
            self.lines.append(line)
            self.heads.append(head)
        while len(self.lines) > len(runs):
            self.view.removeItem(self.lines.pop())
            self.view.removeItem(self.heads.pop())
        a_lo, a_hi, b_lo, b_hi = self.extent
        for line, head, run in zip(self.lines, self.heads, runs):
            n = run.shown(step) + 1
            a, b = run.a[:n], run.b[:n]
            inside = (a >= a_lo) & (a <= a_hi) & (b >= b_lo) & (b <= b_hi)
            a, b = a[inside], b[inside]
            color = pg.mkColor(run.color).getRgbF()
            if len(a) == 0 or not run.visible:
                line.setData(pos=np.zeros((0, 3)))
                head.setData(pos=np.zeros((0, 3)))
                continue
            x, y = self._to_scene(a, b)
            z = height_at(self.z, self.extent, a, b) + LIFT
            pos = np.column_stack([x, y, z])
            line.setData(pos=pos, color=color, width=3)
            head.setData(pos=pos[-1:], color=color, size=16)

    def grab_image(self):
        """The current frame as a QImage (the widget must be shown)."""
        return self.view.grabFramebuffer()
