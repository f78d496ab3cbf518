"""Files out: figures (PNG, SVG, PDF), data (CSV, JSON, NPZ) and animations (GIF) of a session.

The data writers are Qt-free (a CSV export never loads Qt); figures and animations are drawn offscreen
by views.render with the same LandscapeFigure as the app. Every writer builds the whole file in memory
and hands it to write_atomically: no half-written file, and an existing one is replaced only by a
complete one.
"""

import csv
import io
import json
import os

import numpy as np

from losscape_lab import kernels
from .files import Cancelled, atomic_file, write_atomically
from .i18n import tr
from .session import config as cfgmod
from .session.contours import contours

FIGURE_FORMATS = (".png", ".svg", ".pdf")
DATA_FORMATS = (".csv", ".json", ".npz")
ANIMATION_FORMATS = (".gif", ".mp4")  # MP4: the 'video' extra (imageio-ffmpeg)
FORMATS = FIGURE_FORMATS + DATA_FORMATS + ANIMATION_FORMATS
MAX_EXPORT_W = 2000  # W per run in a JSON or NPZ export, unless --every says otherwise
CSV_COLUMNS = ("run", "step", "epoch", "lr", "loss_batch", "loss_full", "loss_data", "loss_reg", "accuracy", "a",
               "b", "off_plane")


# ------------------------------------------------------------------------------------------- data
def run_rows(session):
    """One row per recorded step of every run, up to the shown step."""
    N = session.data.N
    for run in session.runs:
        n = run.shown(session.display_step) + 1
        B = N if kernels.OPTIMIZER_SPECS[run.settings["name"]].full_batch else min(run.settings["batch_size"], N)
        per_epoch = -(-N // B)
        for t in range(n):
            yield (run.label, t, t // per_epoch, run.lr[t], run.loss_batch[t], run.loss_full[t],
                   run.loss_full[t] - run.loss_reg[t], run.loss_reg[t], run.accuracy[t], run.a[t], run.b[t], run.off[t])


def to_csv(session):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for row in run_rows(session):
        w.writerow([row[0], row[1], row[2]] + [repr(float(v)) for v in row[3:]])
    return buf.getvalue().encode()


def w_every(session, every=None):
    """Every how many steps W is written: as asked, or so that no run writes more than MAX_EXPORT_W."""
    if every is not None:
        return every
    longest = max(r.shown(session.display_step) + 1 for r in session.runs)
    return max(1, -(-longest // MAX_EXPORT_W))


def w_steps(run, n, every):
    """The steps whose W an export writes: every `every`-th, and always the last shown."""
    return np.unique(np.append(np.arange(0, n, every), n - 1))


def arrays(session, grid, every=None):
    """Everything needed to redraw the figure elsewhere, as named numpy arrays; W every `every` steps
    (run{k}_W_steps says which)."""
    alphas, betas = session.axes(grid.shape[1])
    every = w_every(session, every)
    out = {"W0": session.plane.W0, "U": session.plane.U, "V": session.plane.V, "alphas": alphas,
           "betas": betas, "loss_grid": grid, "W_every": np.array(every)}
    for k, run in enumerate(session.runs):
        n = run.shown(session.display_step) + 1
        for name in ("loss_batch", "loss_full", "loss_reg", "lr", "accuracy", "a", "b", "off"):
            out[f"run{k}_{name}"] = getattr(run, name)[:n]
        out[f"run{k}_loss_data"] = run.loss_full[:n] - run.loss_reg[:n]
        out[f"run{k}_W_steps"] = w_steps(run, n, every)
        out[f"run{k}_W"] = run.W.stack(out[f"run{k}_W_steps"])
    return out


def jsonable(v):
    """Plain JSON data from nested dicts, lists, tuples, numpy arrays and scalars (non-finite -> null)."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "f" and v.size and np.isfinite(v).all():
            return v.tolist()  # the common case, without a Python call per number
        return [jsonable(x) for x in v] if v.ndim else jsonable(v.item())
    if isinstance(v, np.generic):
        return jsonable(v.item())
    if isinstance(v, float) and not np.isfinite(v):
        return None  # JSON has no NaN/inf
    return v




def to_json(session, grid, every=None):
    a = arrays(session, grid, every)
    lc = session.config.landscape
    runs = []
    for k, run in enumerate(session.runs):
        n = run.shown(session.display_step) + 1
        runs.append({"label": run.label, "color": run.color, "settings": run.settings,
                     "model": run.model_at(n - 1),  # in force at the shown step (each record: loss_reg)
                     "diverged_at": run.diverged_by(session.display_step), "steps": n - 1,
                     "final_W": jsonable(run.W[n - 1]),
                     "loss_full_start": jsonable(float(run.loss_full[0])),
                     "loss_full_end": jsonable(float(run.loss_full[n - 1])),
                     **{name: jsonable(a[f"run{k}_{name}"].astype(float))
                        for name in ("loss_batch", "loss_full", "loss_data", "loss_reg", "lr", "accuracy", "a",
                                     "b", "off")},
                     "W_steps": a[f"run{k}_W_steps"], "W": jsonable(a[f"run{k}_W"])})
    doc = {"config": cfgmod.to_dict(session.config), "model": session.model,
           "W_every": int(a["W_every"]),  # runs[k]["W"] holds W at the steps runs[k]["W_steps"]
           "plane": {"mode": session.plane.mode, "axis_names": list(session.plane.axis_names),
                     "W0": jsonable(a["W0"]), "U": jsonable(a["U"]), "V": jsonable(a["V"])},
           "grid": {"alphas": jsonable(a["alphas"]), "betas": jsonable(a["betas"]),
                    "loss": jsonable(grid)},
           "landscape": {"run": session.selected, "model": session.landscape_model(),
                         "alphas": a["alphas"], "betas": a["betas"], "grid": grid, "log_scale": lc["log_scale"],
                         "contours": [{"level": lv, "lines": segs} for lv, segs in
                                      contours(grid, a["alphas"], a["betas"], lc["log_scale"], lc["contours"])]},
           "runs": runs}
    return json.dumps(jsonable(doc), allow_nan=False).encode()


def to_npz(session, grid, every=None):
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays(session, grid, every))
    return buf.getvalue()


def last_full_loss(run, step):
    """(step, loss) of the last recorded full loss at or before `step` (on large data it is recorded only
    every few hundred steps), or None."""
    lf = run.loss_full[:run.shown(step) + 1]
    seen = np.flatnonzero(np.isfinite(lf))
    return (int(seen[-1]), float(lf[seen[-1]])) if seen.size else None


def summary_of(session):
    parts = []
    for r in session.runs:
        last = last_full_loss(r, session.display_step)
        value = "?" if last is None else f"{last[1]:.4g}"
        if last is not None and last[0] != r.shown(session.display_step):
            value = tr("{value} (at step {step})", value=value, step=last[0])
        text = f"{r.label}: {value}"
        shown = r.diverged_by(session.display_step)
        parts.append(text + (" " + tr("(diverged at step {step})", step=shown) if shown is not None else ""))
    return ", ".join(parts)


def video_problem():
    """Raise a one-line ValueError when MP4 cannot be written here (the 'video' extra is missing)."""
    try:
        import imageio_ffmpeg

        imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as e:
        raise ValueError("MP4 needs the 'video' extra, which brings ffmpeg: pip install 'losscape-lab[video]' "
                         f"({e.__class__.__name__}: {str(e).splitlines()[0] if str(e) else 'not found'})") from None


def export(session, grid, path, size=(1200, 900), fps=10, frames=None, progress=lambda i, n: True,
           cancelled=lambda: False, every=None):
    """Write `path` in the format its extension names; returns a one-line summary, or None if cancelled
    (progress(i, n) returning False, or cancelled() true before the file replaces anything)."""
    try:
        written = _write(session, grid, path, size, fps, frames, progress, cancelled, every)
    except Cancelled:
        return None
    return tr("wrote {path} ({size} bytes): {runs} run(s), {steps} steps; final full loss {losses}", path=path,
              size=f"{written:,}", runs=len(session.runs), steps=session.display_step, losses=summary_of(session))


def _write(session, grid, path, size, fps, frames, progress, cancelled, every):
    """The file, written atomically; returns its size."""
    ext = os.path.splitext(path)[1].lower()
    if ext in ANIMATION_FORMATS:  # streamed to the file frame by frame
        from .views import render

        if ext == ".mp4":
            video_problem()  # before any file is touched
        write = render.write_gif if ext == ".gif" else render.write_mp4
        with atomic_file(path, cancelled) as f:
            if not write(session, grid, f, size, fps, frames, progress):
                raise Cancelled()
            return f.tell()
    if ext == ".csv":
        data = to_csv(session)
    elif ext == ".json":
        data = to_json(session, grid, every)
    elif ext == ".npz":
        data = to_npz(session, grid, every)
    elif ext in FIGURE_FORMATS:
        from .views.render import figure_file

        data = figure_file(session, grid, size, ext)
    else:
        raise ValueError(f"{path}: unknown file type {ext or '(none)'}; use one of {', '.join(FORMATS)}")
    write_atomically(path, data, cancelled)
    return len(data)
