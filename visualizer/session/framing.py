"""The plane a session's runs are drawn on, and the view of it that holds them (a part of Session: it
reads the session's runs and [landscape] settings). Qt-free."""

import numpy as np

from . import plane as planes
from .runs import final_loss, tame_limit

PLANE_POINTS = 4096  # a plane is fitted to every step of a path up to this long, to a sample beyond


class PlaneFraming:
    """Session's plane and extent: fit_plane, the runs' coordinates on it, and the framed view."""

    def fit_plane(self):
        """Choose the plane from [landscape] and the computed paths, and a view that holds them."""
        self.plane_version += 1
        cfg = self.config.landscape
        self.plane = planes.PLANES[cfg["plane"]].fit(self, cfg)
        for run in self.runs:
            self._project(run)
        self.fit_extent()

    def _project(self, run):
        """Every step of a run onto the current plane, stretch by stretch (bounded memory)."""
        run.a, run.b, run.off = (np.empty(run.head + 1) for _ in range(3))
        for lo, Ws in run.W.every_step():
            sl = slice(lo, lo + len(Ws))
            run.a[sl], run.b[sl], run.off[sl] = self.plane.project(Ws)

    def best_run(self):
        """The run that ends lowest (its last tame loss)."""
        return min(self.runs, key=final_loss)

    def path_points(self, run):
        """The tame points of a run's path that choose a plane: every step of a short run; of a long one,
        its checkpoints, the stretch before its end, and its last tame point (where PCA and the
        endpoints plane are anchored)."""
        keep = self._tame(run)
        steps = np.flatnonzero(keep)
        if len(steps) > PLANE_POINTS:
            last = steps[-1]
            marks = np.array(sorted(run.path.checkpoints))
            near_end = np.arange(max(0, last - PLANE_POINTS // 4), last + 1)
            steps = np.unique(np.concatenate([marks[marks <= last], near_end]))
            steps = steps[keep[steps]]
        return run.W.stack(steps)

    def _tame(self, run):
        """Records whose loss stays within TAME times the highest starting loss: what the view frames
        (a diverging run would otherwise shrink everything else to a dot)."""
        limit = tame_limit(self.runs)
        loss = np.where(np.isfinite(run.loss_full), run.loss_full, run.loss_batch)
        with np.errstate(invalid="ignore"):
            keep = ~(loss > limit)
        keep[0] = True
        return keep

    def fit_extent(self):
        fixed = self.config.landscape["extent"]
        if fixed:
            self.extent = tuple(fixed)
            return
        a = np.concatenate([r.a[self._tame(r)] for r in self.runs])
        b = np.concatenate([r.b[self._tame(r)] for r in self.runs])
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        lo_a, hi_a = a.min(), a.max()
        lo_b, hi_b = b.min(), b.max()
        span = self.config.landscape["span"]
        size = max(hi_a - lo_a, hi_b - lo_b, 1e-3)
        pad = max(size * span, 0.05 * max(1.0, abs(lo_a), abs(hi_a), abs(lo_b), abs(hi_b)))
        ca, cb = (lo_a + hi_a) / 2, (lo_b + hi_b) / 2
        half = size / 2 + pad
        self.extent = (ca - half, ca + half, cb - half, cb + half)

    def axes(self, resolution=None):
        res = resolution or self.config.landscape["resolution"]
        a_lo, a_hi, b_lo, b_hi = self.extent
        return np.linspace(a_lo, a_hi, res), np.linspace(b_lo, b_hi, res)
