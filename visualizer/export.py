"""Files out: figures (PNG, SVG, PDF), data (CSV, JSON, NPZ) and animations (GIF) of a session.

Figures are drawn by the same LandscapeFigure as the app. Every writer builds the whole file in memory
and hands it to write_atomically: no half-written file, and an existing one is replaced only by a
complete one.
"""

import csv
import io
import json
import os

import numpy as np

from .controller import write_atomically
from .session import config as cfgmod
from .session.session import tame_limit

FIGURE_FORMATS = (".png", ".svg", ".pdf")
DATA_FORMATS = (".csv", ".json", ".npz")
ANIMATION_FORMATS = (".gif",)
FORMATS = FIGURE_FORMATS + DATA_FORMATS + ANIMATION_FORMATS
CSV_COLUMNS = ("run", "step", "epoch", "lr", "loss_batch", "loss_full", "accuracy", "a", "b", "off_plane")


def figure_title(session):
    m = session.model
    loss = m["loss"].replace("_", " ") + ("" if m["loss"] == "softmax" else f" (delta {m['delta']:g})")
    reg = "no regularization" if m["reg"] == "none" else f"{m['reg'].upper()} lambda {m['lam']:g}"
    opts = {(r.settings["name"], r.settings["lr"], r.settings["batch_size"]) for r in session.runs}
    if len(opts) == 1:
        name, lr, bs = opts.pop()
        opt = f"{name}, step size {lr:g}" + ("" if name == "gd" else f", batch {bs}")
    else:
        opt = f"{len(session.runs)} runs (see legend)"
    return f"{loss} loss, {reg}; {opt}"


# ------------------------------------------------------------------------------------------- data
def run_rows(session):
    """One row per recorded step of every run, up to the shown step."""
    N = session.data.N
    for run in session.runs:
        n = run.shown(session.display_step) + 1
        B = N if run.settings["name"] == "gd" else min(run.settings["batch_size"], N)
        per_epoch = -(-N // B)
        for t in range(n):
            yield (run.label, t, t // per_epoch, run.lr[t], run.loss_batch[t], run.loss_full[t], run.accuracy[t],
                   run.a[t], run.b[t], run.off[t])


def to_csv(session):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for row in run_rows(session):
        w.writerow([row[0], row[1], row[2]] + [repr(float(v)) for v in row[3:]])
    return buf.getvalue().encode()


def arrays(session, grid):
    """Everything needed to redraw the figure elsewhere, as named numpy arrays."""
    alphas, betas = session.axes(grid.shape[1])
    out = {"W0": session.plane.W0, "U": session.plane.U, "V": session.plane.V, "alphas": alphas,
           "betas": betas, "loss_grid": grid}
    for k, run in enumerate(session.runs):
        n = run.shown(session.display_step) + 1
        for name in ("W", "loss_batch", "loss_full", "lr", "accuracy", "a", "b", "off"):
            out[f"run{k}_{name}"] = getattr(run, name)[:n]
    return out


def _json_value(v):
    if isinstance(v, np.ndarray):
        return [_json_value(x) for x in v] if v.ndim else _json_value(v.item())
    if isinstance(v, float) and not np.isfinite(v):
        return None  # JSON has no NaN/inf
    return v


def to_json(session, grid):
    a = arrays(session, grid)
    runs = []
    for k, run in enumerate(session.runs):
        n = run.shown(session.display_step) + 1
        runs.append({"label": run.label, "color": run.color, "settings": run.settings,
                     "diverged_at": run.diverged_at, "steps": n - 1,
                     "final_W": _json_value(run.W[n - 1]),
                     "loss_full_start": _json_value(float(run.loss_full[0])),
                     "loss_full_end": _json_value(float(run.loss_full[n - 1])),
                     **{name: _json_value(a[f"run{k}_{name}"].astype(float))
                        for name in ("loss_batch", "loss_full", "lr", "accuracy", "a", "b", "off")},
                     "W": _json_value(a[f"run{k}_W"])})
    doc = {"config": cfgmod.to_dict(session.config), "model": session.model,
           "plane": {"mode": session.plane.mode, "axis_names": list(session.plane.axis_names),
                     "W0": _json_value(a["W0"]), "U": _json_value(a["U"]), "V": _json_value(a["V"])},
           "grid": {"alphas": _json_value(a["alphas"]), "betas": _json_value(a["betas"]),
                    "loss": _json_value(grid)},
           "runs": runs}
    return json.dumps(doc, allow_nan=False).encode()


def to_npz(session, grid):
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays(session, grid))
    return buf.getvalue()


# ---------------------------------------------------------------------------------------- figures
class FigureCanvas:
    """An offscreen widget holding the shared landscape figure, with a loss-curve panel for animations."""

    def __init__(self, session, grid, size, with_curves=False):
        import pyqtgraph as pg
        from PyQt6 import QtCore

        from .figure import LandscapeFigure

        self.session = session
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setBackground("w")
        self.widget.resize(*size)
        self.widget.ci.setContentsMargins(12, 8, 12, 8)
        self.widget.addLabel(figure_title(session), row=0, col=0, colspan=2, size="15pt", color="#000")
        plot = self.widget.addPlot(row=1, col=0)
        self.figure = LandscapeFigure(plot)
        self.figure.set_axes(session.plane.axis_names)
        lc = session.config.landscape
        self.figure.set_landscape(grid, session.extent, lc["log_scale"], lc["contours"])
        self.curve = None
        if with_curves:
            self.curve_plot = self.widget.addPlot(row=1, col=1)
            self.curve_plot.setLabel("bottom", "step", **{"font-size": "12pt"})
            self.curve_plot.setLabel("left", "loss", **{"font-size": "12pt"})
            self.curve_plot.showGrid(x=True, y=True, alpha=0.25)
            self.widget.ci.layout.setColumnStretchFactor(0, 3)
            self.widget.ci.layout.setColumnStretchFactor(1, 2)
            self.curves = [self.curve_plot.plot(pen=pg.mkPen(r.color, width=3)) for r in session.runs]
            last = max(r.shown(session.display_step) for r in session.runs)
            limit = tame_limit(session.runs)
            losses = np.concatenate([r.loss_full[np.isfinite(r.loss_full)] for r in session.runs])
            top = float(losses[losses <= limit].max()) if (losses <= limit).any() else limit
            self.curve_plot.setXRange(0, max(last, 1))
            self.curve_plot.setYRange(0, top * 1.05)
        self.widget.show()
        self.draw(session.display_step)
        QtCore.QCoreApplication.processEvents()

    def draw(self, step):
        from PyQt6 import QtCore

        self.figure.set_runs(self.session.runs, step)
        if hasattr(self, "curves"):
            for c, run in zip(self.curves, self.session.runs):
                n = run.shown(step) + 1
                lf = run.loss_full[:n]
                ok = np.isfinite(lf)
                c.setData(np.arange(n)[ok], lf[ok])
        QtCore.QCoreApplication.processEvents()

    def png(self):
        from PyQt6 import QtCore

        buf = QtCore.QBuffer()
        buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        self.widget.grab().save(buf, "PNG")
        return bytes(buf.data())

    def image(self):
        """The current frame as an RGB numpy array."""
        img = self.widget.grab().toImage()
        img = img.convertToFormat(img.Format.Format_RGB888)
        w, h = img.width(), img.height()
        ptr = img.constBits()
        ptr.setsize(img.sizeInBytes())
        return np.frombuffer(ptr, np.uint8).reshape(h, img.bytesPerLine())[:, :w * 3].reshape(h, w, 3).copy()

    def vector(self, kind):
        """SVG or PDF: paint the widget into a vector device (pyqtgraph's own SVG exporter breaks on
        Qt >= 6.11). The resolution must be the widget's, or text and axes come out shrunken."""
        from PyQt6 import QtCore, QtGui

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
            gen.setTitle(figure_title(self.session))
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
        import math

        import pyqtgraph as pg
        from PyQt6 import QtGui

        def fixed(pen, item):
            t = item.sceneTransform()
            scale = math.sqrt(abs(t.m11() * t.m22() - t.m12() * t.m21())) or 1.0
            new = QtGui.QPen(pen)
            new.setCosmetic(False)
            new.setWidthF(max(pen.widthF(), 1.0) / scale)
            return new

        for item in self.widget.scene().items():
            if isinstance(item, pg.PlotCurveItem):
                item.opts["pen"] = fixed(pg.mkPen(item.opts["pen"]), item)
                if item.opts.get("shadowPen") is not None:
                    item.opts["shadowPen"] = fixed(pg.mkPen(item.opts["shadowPen"]), item)
                item.update()
            elif isinstance(item, pg.IsocurveItem):
                item.setPen(fixed(item.pen, item))

    def close(self):
        from .cli import dispose

        dispose(self.widget)


def gif_palette(session):
    """One fixed palette for every frame: the colour map, each run's exact colour, greys for text.
    An adaptive palette spends its entries on the heatmap and turns thin coloured paths grey."""
    import pyqtgraph as pg
    from PIL import Image

    from .figure import COLORMAP

    colors = [tuple(c[:3]) for c in pg.colormap.get(COLORMAP).getLookupTable(nPts=200)]
    colors += [pg.mkColor(r.color).getRgb()[:3] for r in session.runs]
    colors += [(255, 32, 32)] + [(v, v, v) for v in np.linspace(0, 255, 40).astype(int)]
    colors = (colors + [(255, 255, 255)] * 256)[:256]
    pal = Image.new("P", (1, 1))
    pal.putpalette([int(v) for c in colors for v in c])
    return pal


def gif(session, grid, size, fps, frames=40, progress=lambda i, n: True):
    """The runs moving over the landscape, with the loss curve beside; progress(i, n) returning False
    cancels (returns None)."""
    from PIL import Image

    canvas = FigureCanvas(session, grid, size, with_curves=True)
    palette = gif_palette(session)
    try:
        last = max(r.shown(session.display_step) for r in session.runs)
        steps = np.unique(np.linspace(0, last, min(frames, last + 1)).round().astype(int))
        images = []
        for i, t in enumerate(steps):
            if not progress(i, len(steps)):
                return None
            canvas.draw(int(t))
            images.append(Image.fromarray(canvas.image()).quantize(palette=palette, dither=Image.Dither.NONE))
    finally:
        canvas.close()
    buf = io.BytesIO()
    duration = int(round(1000 / fps))
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0,
                   optimize=False)
    return buf.getvalue()


def export(session, grid, path, size=(1200, 900), fps=10, frames=40, progress=lambda i, n: True):
    """Write `path` in the format its extension names; returns a one-line summary, or None if cancelled."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".csv":
        data = to_csv(session)
    elif ext == ".json":
        data = to_json(session, grid)
    elif ext == ".npz":
        data = to_npz(session, grid)
    elif ext == ".gif":
        data = gif(session, grid, size, fps, frames, progress)
        if data is None:
            return None
    elif ext in FIGURE_FORMATS:
        canvas = FigureCanvas(session, grid, size)
        try:
            data = canvas.png() if ext == ".png" else canvas.vector(ext)
        finally:
            canvas.close()
    else:
        raise ValueError(f"{path}: unknown file type {ext or '(none)'}; use one of {', '.join(FORMATS)}")
    write_atomically(path, data)
    finals = ", ".join(
        f"{r.label}: {r.loss_full[r.shown(session.display_step)]:.4g}"
        + (f" (diverged at step {r.diverged_at})" if r.diverged_at is not None else "") for r in session.runs)
    return (f"wrote {path} ({len(data):,} bytes): {len(session.runs)} run(s), {session.display_step} steps; "
            f"final full loss {finals}")
