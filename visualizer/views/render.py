"""Offscreen rendering, the one place for it: the offscreen QApplication, a widget grabbed to PNG
bytes or an RGB array, disposing of a top-level widget, and the FigureCanvas that every exported figure
(PNG, SVG, PDF, GIF, the clipboard) is drawn on, with the same LandscapeFigure as the window.
"""

import math
import os
import sys

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from ..i18n import tr
from ..session.runs import tame_limit
from .fonts import use_hangul
from .fastitems import Polyline
from .figure import COLORMAP, LandscapeFigure, configure_pyqtgraph, paint_canvas, style_axes


_app = None
# Qt's offscreen platform says this on every top-level window: chatter, not news
OFFSCREEN_CHATTER = ("This plugin does not support propagateSizeHints()",)


def _quiet_offscreen(kind, context, message):
    if message not in OFFSCREEN_CHATTER:
        print(message, file=sys.stderr)


def offscreen_app():
    """The QApplication for headless work (the offscreen platform, unless one exists already)."""
    global _app
    app = QtWidgets.QApplication.instance()
    if app is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = _app = QtWidgets.QApplication(["losscape"])  # held here: an unreferenced one is deleted
        QtCore.qInstallMessageHandler(_quiet_offscreen)
    configure_pyqtgraph()
    return app


def dispose(widget):
    """Delete a top-level pyqtgraph widget now, while Qt is idle. Left to Python's garbage collector it
    goes at a random moment, sometimes inside the delivery of another widget's event ("pure virtual
    method called", an abort)."""
    widget.close()
    widget.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


def image_bytes(picture, fmt="PNG"):
    """A QPixmap or QImage encoded as PNG (or JPG) bytes, for write_atomically."""
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    picture.save(buf, fmt)
    return bytes(buf.data())


def rgb_array(pixmap):
    """A QPixmap as an (h, w, 3) uint8 array."""
    img = pixmap.toImage().convertToFormat(QtGui.QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    return np.frombuffer(ptr, np.uint8).reshape(h, img.bytesPerLine())[:, :w * 3].reshape(h, w, 3).copy()


# ---------------------------------------------------------------------------------------- figures
class FigureCanvas:
    """An offscreen widget holding the shared landscape figure, with a loss-curve panel for animations."""

    def __init__(self, session, grid, size, with_curves=False):
        self.session = session
        use_hangul()
        self.widget = pg.GraphicsLayoutWidget()
        # drawn and grabbed, never shown: during an export from the app no stray window appears
        self.widget.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.widget.setBackground("w")
        self.widget.resize(*size)
        self.widget.ci.setContentsMargins(12, 8, 12, 8)
        self.widget.addLabel(session.landscape_title(), row=0, col=0, colspan=2, size="15pt", color="#000")
        plot = self.widget.addPlot(row=1, col=0)
        # the legend spans the curve panel's column too: in the landscape's column alone, a label
        # growing at a divergence ("... (diverged at step 17)") widened the column mid-animation
        self.figure = LandscapeFigure(plot, legend_cell=(self.widget.ci, 2, 0, 2 if with_curves else 1))
        self.figure.set_axes(session.plane.axis_names)
        lc = session.config.landscape
        self.figure.set_landscape(grid, session.extent, lc["log_scale"], lc["contours"], session.plane.equal_scales)
        if with_curves:
            self.curve_plot = self.widget.addPlot(row=1, col=1)
            style_axes(self.curve_plot)
            self.curve_plot.setLabel("bottom", tr("step"), **{"font-size": "12pt"})
            self.curve_plot.setLabel("left", tr("loss"), **{"font-size": "12pt"})
            self.curve_plot.showGrid(x=True, y=True, alpha=0.25)
            # 3 : 2, fixed: left to the layout, the columns moved when a legend label grew mid-animation
            room = size[0] - 24 - 2 * self.widget.ci.layout.horizontalSpacing()
            self.widget.ci.layout.setColumnFixedWidth(0, room * 0.6)
            self.widget.ci.layout.setColumnFixedWidth(1, room * 0.4)
            self.curves = [self.curve_plot.plot(pen=pg.mkPen(r.color, width=3)) for r in session.runs]
            last = max(r.shown(session.display_step) for r in session.runs)
            limit = tame_limit(session.runs)
            losses = np.concatenate([r.loss_full[np.isfinite(r.loss_full)] for r in session.runs])
            top = float(losses[losses <= limit].max()) if (losses <= limit).any() else limit
            self.curve_plot.setXRange(0, max(last, 1))
            self.curve_plot.setYRange(0, top * 1.05)
        # axes in the light theme's ink (#333 on white, 12.6:1): pyqtgraph's own grey is 3:1, below
        # WCAG AA's 4.5:1, and faint on a projected slide
        paint_canvas(self.widget, "light")
        self.widget.show()
        self.draw(session.display_step)
        QtCore.QCoreApplication.processEvents()

    def draw(self, step):
        self.figure.set_runs(self.session.runs, step)
        if hasattr(self, "curves"):
            for c, run in zip(self.curves, self.session.runs):
                n = run.shown(step) + 1
                lf = run.loss_full[:n]
                ok = np.isfinite(lf)
                c.setData(np.arange(n)[ok], lf[ok])
        QtCore.QCoreApplication.processEvents()

    def png(self):
        return image_bytes(self.widget.grab())

    def image(self):
        """The current frame as an RGB numpy array."""
        return rgb_array(self.widget.grab())

    def vector(self, kind):
        """SVG or PDF: paint the widget into a vector device (pyqtgraph's own SVG exporter breaks on
        Qt >= 6.11). The resolution must be the widget's, or text and axes come out shrunken."""
        self._solid_pens()
        size = self.widget.size()
        if kind == ".svg":
            from PyQt6 import QtSvg

            buf = QtCore.QBuffer()
            buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
            gen = QtSvg.QSvgGenerator()
            gen.setOutputDevice(buf)
            gen.setSize(size)
            gen.setViewBox(QtCore.QRect(0, 0, size.width(), size.height()))
            gen.setResolution(self.widget.logicalDpiX())
            gen.setTitle(self.session.landscape_title())
            painter = QtGui.QPainter(gen)
            self.widget.render(painter)
            painter.end()
            return bytes(buf.data())
        buf = QtCore.QBuffer()
        buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        pdf = QtGui.QPdfWriter(buf)
        pdf.setResolution(self.widget.logicalDpiX())
        pdf.setPageSize(QtGui.QPageSize(QtCore.QSizeF(size.width(), size.height()), QtGui.QPageSize.Unit.Point))
        pdf.setPageMargins(QtCore.QMarginsF(0, 0, 0, 0))
        painter = QtGui.QPainter(pdf)
        scale = pdf.width() / size.width()
        painter.scale(scale, scale)
        self.widget.render(painter)
        painter.end()
        return bytes(buf.data())

    def _solid_pens(self):
        """Cosmetic pens (a width in screen pixels) reach SVG and PDF as a width in data units, a
        hundred times too thick: give each line item a plain pen of the same on-screen width."""
        def fixed(pen, item):
            t = item.sceneTransform()
            scale = math.sqrt(abs(t.m11() * t.m22() - t.m12() * t.m21())) or 1.0
            new = QtGui.QPen(pen)
            new.setCosmetic(False)
            new.setWidthF(max(pen.widthF(), 1.0) / scale)
            return new

        for item in self.widget.scene().items():
            if isinstance(item, Polyline):
                item.pen = fixed(item.pen, item)
                item.shadow = None if item.shadow is None else fixed(item.shadow, item)
                item.update()
            elif isinstance(item, pg.PlotCurveItem):
                item.opts["pen"] = fixed(pg.mkPen(item.opts["pen"]), item)
                if item.opts.get("shadowPen") is not None:
                    item.opts["shadowPen"] = fixed(pg.mkPen(item.opts["shadowPen"]), item)
                item.update()

    def close(self):
        dispose(self.widget)


def gif_palette(session):
    """One fixed palette for every frame: the colour map, each run's exact colour, greys for text.
    An adaptive palette spends its entries on the heatmap and turns thin coloured paths grey."""
    from PIL import Image

    colors = [tuple(c[:3]) for c in pg.colormap.get(COLORMAP).getLookupTable(nPts=200)]
    colors += [pg.mkColor(r.color).getRgb()[:3] for r in session.runs]
    colors += [(255, 32, 32)] + [(v, v, v) for v in np.linspace(0, 255, 40).astype(int)]
    colors = (colors + [(255, 255, 255)] * 256)[:256]
    pal = Image.new("P", (1, 1))
    pal.putpalette([int(v) for c in colors for v in c])
    return pal


def animation_frames(session, grid, size, frames=None, progress=lambda i, n: True):
    """(i, n, RGB array) of each frame the animation shows (session.frames.animation_steps), drawn one at
    a time on one offscreen canvas; progress(i, n) returning False stops early and raises Cancelled."""
    from ..files import Cancelled
    from ..session.frames import animation_steps

    canvas = FigureCanvas(session, grid, size, with_curves=True)
    try:
        steps = animation_steps(session, frames)
        for i, t in enumerate(steps):
            if not progress(i, len(steps)):
                raise Cancelled()
            canvas.draw(int(t))
            yield i, len(steps), canvas.image()
    finally:
        canvas.close()


def write_gif(session, grid, f, size, fps, frames=None, progress=lambda i, n: True):
    """The runs moving over the landscape, with the loss curve beside, written to the open binary file
    f one frame at a time (memory holds one frame, whatever the size and count). progress(i, n) returning
    False cancels: returns False (the caller discards the file)."""
    import struct

    from PIL import GifImagePlugin, Image

    from ..files import Cancelled

    palette = gif_palette(session)
    duration = int(round(1000 / fps))
    before = None
    try:
        for i, _, rgb in animation_frames(session, grid, size, frames, progress):
            frame = Image.fromarray(rgb).quantize(palette=palette, dither=Image.Dither.NONE)
            offset = (0, 0)
            if i == 0:  # the header with the one global palette, and "loop forever" (NETSCAPE2.0)
                f.write(b"".join(GifImagePlugin.getheader(frame)[0]))
                f.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", 0) + b"\x00")
            now = np.asarray(frame)
            if before is not None:  # only the rectangle that changed, over the frame before (disposal 1
                # keeps it): a step moves the heads and the curves, not the landscape (27 MB -> 7 MB)
                changed = now != before
                rows, cols = np.nonzero(changed.any(axis=1))[0], np.nonzero(changed.any(axis=0))[0]
                box = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1) if len(rows) else (0, 0, 1, 1)
                offset = box[:2]
                frame = frame.crop(box)
            before = now
            for chunk in GifImagePlugin.getdata(frame, offset=offset, duration=duration, disposal=1):
                f.write(chunk)
    except Cancelled:
        return False
    f.write(b";")
    return True


def write_mp4(session, grid, f, size, fps, frames=None, progress=lambda i, n: True):
    """The same animation as an H.264 MP4 (yuv420p, which every slide program plays), through the
    ffmpeg that imageio-ffmpeg brings (the 'video' extra), into the open binary file f. ffmpeg writes a
    file by name: one in a temporary folder, then copied into f. Returns False when cancelled."""
    import shutil
    import tempfile

    import imageio_ffmpeg

    from ..files import Cancelled

    w, h = size[0] // 2 * 2, size[1] // 2 * 2  # yuv420p needs even sides
    with tempfile.TemporaryDirectory(prefix="losscape-video-") as folder:
        path = os.path.join(folder, "out.mp4")
        writer = imageio_ffmpeg.write_frames(path, (w, h), fps=fps, codec="libx264", macro_block_size=2,
                                             quality=8, ffmpeg_log_level="error")
        writer.send(None)  # starts ffmpeg
        try:
            for _, _, rgb in animation_frames(session, grid, size, frames, progress):
                writer.send(np.ascontiguousarray(rgb[:h, :w]))
        except Cancelled:
            return False
        finally:
            writer.close()
        with open(path, "rb") as video:
            shutil.copyfileobj(video, f)
    return True


def figure_file(session, grid, size, ext):
    """The figure as PNG, SVG or PDF bytes."""
    canvas = FigureCanvas(session, grid, size)
    try:
        return canvas.png() if ext == ".png" else canvas.vector(ext)
    finally:
        canvas.close()
