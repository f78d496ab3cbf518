"""The plane of weight space a landscape is drawn on: W(a, b) = W0 + a*U + b*V.

Six honest ways to choose it, each a PlaneSpec in PLANES (at the end of this file):
- "weights": two chosen entries of W vary, all others stay at W0 (exact for a path that moves only in
  them); a and b are then the entries' values themselves.
- "pca": through the end of the trajectories, spanned by their two main directions (PCA of the path).
- "endpoints": through the common start and the ends of the first two runs (one run: its start, its end
  and its point farthest from that line), so these points lie on the plane exactly: start at (0, 0), the
  first end at (1, 0), the second at (0, 1).
- "random": two random directions, each class column scaled to the norm of that column of W0 (so every
  class moves about as much), as in loss-landscape papers; "random_plain": raw ones, for comparison.
- "hessian": through the selected run's shown point along the Hessian's two top eigenvectors, the
  directions in which the loss curves most (where a too-large step oscillates first).
Every projected point also reports its distance from the plane, so a path drawn on contours it does not
lie on says so.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..i18n import N_, tr
from .errors import ConfigError


@dataclass(frozen=True)
class Plane:
    W0: np.ndarray
    U: np.ndarray
    V: np.ndarray
    mode: str
    # each axis's name: (English template, {field: text, or a function giving it as it is now})
    axes: tuple = (("a", {}), ("b", {}))
    # a and b are in one unit (a step along U is as long as one along V, or both are the same kind of
    # entry): drawn with equal scales, so that a round valley looks round and the gradient looks
    # perpendicular to the contours; False for a weight against a bias
    equal_scales: bool = True

    @property
    def axis_names(self):
        """The axes' names in the current language (a run's label as the run is named now)."""
        return tuple(tr(text, **{k: v() if callable(v) else tr(v) for k, v in fields.items()})
                     for text, fields in self.axes)

    def point(self, a, b):
        return self.W0 + a * self.U + b * self.V

    def _coefficients(self, d):
        """Least-squares (a, b) of directions d (R, DC) in the plane's basis: (basis (DC, 2), coef (2, R))."""
        B = np.stack([self.U.ravel(), self.V.ravel()], axis=1)
        with np.errstate(over="ignore", invalid="ignore"):  # a blown-up W is simply very far away
            return B, np.linalg.solve(B.T @ B, B.T @ d.T)

    def project(self, Ws):
        """(a, b, off_plane) for a stack of weights (..., D, C): least-squares coordinates in the plane
        and the Euclidean distance of W from it."""
        Ws = np.asarray(Ws, dtype=np.float64)
        lead = Ws.shape[:Ws.ndim - self.W0.ndim]
        d = Ws.reshape(-1, self.W0.size) - self.W0.ravel()
        B, coef = self._coefficients(d)
        with np.errstate(over="ignore", invalid="ignore"):
            off = np.linalg.norm(d - (B @ coef).T, axis=1)
        return coef[0].reshape(lead), coef[1].reshape(lead), off.reshape(lead)

    def direction(self, ds):
        """A direction in weight space (W's shape) as (da, db) on the plane, or a stack of them as (R, 2):
        the same least squares as a projected point's."""
        ds = np.asarray(ds, dtype=np.float64)
        one = ds.shape == self.W0.shape
        coef = self._coefficients(ds.reshape(-1, self.W0.size))[1].T
        return coef[0] if one else coef


def weights_plane(W_start, entries):
    """a = W[r0, c0], b = W[r1, c1]; every other entry as in W_start."""
    (r0, c0), (r1, c1) = entries
    D, C = W_start.shape
    for r, c in entries:
        if not (0 <= r < D and 0 <= c < C):
            raise ConfigError(f"[landscape] entries: W[{r}, {c}] is outside W, which is {D} x {C}")
    if (r0, c0) == (r1, c1):
        raise ConfigError("[landscape] entries must name two different entries of W")
    W0 = np.array(W_start, dtype=np.float64)
    W0[r0, c0] = W0[r1, c1] = 0.0
    U = np.zeros_like(W0)
    V = np.zeros_like(W0)
    U[r0, c0] = 1.0
    V[r1, c1] = 1.0
    # the last row of a linear model's W is the bias (X has a column of ones)
    alike = (r0 == D - 1) == (r1 == D - 1)
    return Plane(W0, U, V, "weights", ((f"W[{r0},{c0}]", {}), (f"W[{r1},{c1}]", {})), equal_scales=alike)


def _orthonormal(u, v, rng):
    u = u / np.linalg.norm(u)
    v = v - (v @ u) * u
    n = np.linalg.norm(v)
    while n < 1e-12 * max(1.0, np.linalg.norm(u)):  # degenerate: any direction orthogonal to u
        v = rng.normal(size=u.shape)
        v -= (v @ u) * u
        n = np.linalg.norm(v)
    return u, v / n


def pca_plane(paths, seed=0):
    """Centred on the end of the first path; U, V = the two main directions of all paths' points
    around it (falls back to any orthogonal direction if the paths are a line or a point). Points of a
    blow-up (far beyond the bulk) are left out, so a diverging run does not decide the plane."""
    flat = [np.asarray(p, dtype=np.float64).reshape(len(p), -1) for p in paths]
    with np.errstate(over="ignore"):  # the norm of a blown-up point is inf: it is left out below
        norms = [np.linalg.norm(f, axis=1) for f in flat]
    limit = 10.0 * (np.median(np.concatenate(norms)) + 1.0)
    kept = [f[n <= limit] for f, n in zip(flat, norms)]
    kept = [k for k in kept if len(k)] or [flat[0][:1]]
    shape = np.asarray(paths[0][0]).shape
    end = kept[0][-1]
    pts = np.concatenate(kept) - end
    rng = np.random.default_rng(seed)
    if np.allclose(pts, 0):
        pts = rng.normal(size=(3, end.size))
    _, sv, Vt = np.linalg.svd(pts, full_matrices=False)
    v2 = Vt[1] if len(Vt) > 1 else rng.normal(size=end.size)
    u, v = _orthonormal(Vt[0], v2, rng)
    share = sv ** 2 / max(float((sv ** 2).sum()), 1e-300)  # of the paths' spread around the centre
    names = tuple((N_("PC {k} ({share})"), {"k": str(k + 1), "share": f"{share[k]:.0%}"}) if k < len(share)
                  else (N_("PC {k}"), {"k": str(k + 1)}) for k in range(2))
    return Plane(end.reshape(shape), u.reshape(shape), v.reshape(shape), "pca", names)


def endpoints_plane(start, paths, labels, seed=0):
    """W(a, b) = start + a (end1 - start) + b (end2 - start), ends of the first two paths; with one path
    (or a second end in line with the first), the second direction reaches the point of all paths
    farthest from the line start -> end1. Returns a Plane on which those points lie exactly."""
    start = np.asarray(start, dtype=np.float64)
    flat = [np.asarray(p, dtype=np.float64).reshape(len(p), -1) - start.ravel() for p in paths]
    rng = np.random.default_rng(seed)
    scale = max(1.0, float(np.abs(start).max()))
    u = flat[0][-1]
    names = [(N_("start -> end of '{label}'"), {"label": labels[0]})]
    if np.linalg.norm(u) < 1e-12 * scale:  # the first run never moved: any direction
        u = rng.normal(size=start.size) * 1e-3 * scale
        names = [(N_("random direction"), {})]
    unit = u / np.linalg.norm(u)
    v = flat[1][-1] if len(flat) > 1 else None
    if v is not None and np.linalg.norm(v - (v @ unit) * unit) > 1e-6 * np.linalg.norm(v) + 1e-12 * scale:
        names.append((N_("start -> end of '{label}'"), {"label": labels[1]}))
    else:
        pts = np.concatenate(flat)
        rest = pts - np.outer(pts @ unit, unit)
        far = int(np.argmax(np.linalg.norm(rest, axis=1)))
        if np.linalg.norm(rest[far]) > 1e-9 * scale:
            v = pts[far]
            names.append((N_("start -> farthest point of the paths"), {}))
        else:  # the paths are a line: any direction across it
            v = rng.normal(size=start.size)
            v -= (v @ unit) * unit
            v *= np.linalg.norm(u) / np.linalg.norm(v)
            names.append((N_("random direction"), {}))
    return Plane(start.copy(), u.reshape(start.shape), v.reshape(start.shape), "endpoints", tuple(names))


def hessian_plane(W, values, vectors):
    """Through W along the Hessian's two top eigenvectors there: the directions in which the loss curves
    most, where a too-large step size oscillates first (2 / lambda_max is the limit along the first)."""
    W = np.asarray(W, dtype=np.float64)
    names = tuple((N_("eigenvector {k} (lambda {value})"), {"k": str(k + 1), "value": f"{values[k]:.3g}"})
                  for k in range(2))
    return Plane(W.copy(), np.asarray(vectors[0], np.float64), np.asarray(vectors[1], np.float64), "hessian",
                 names)


def random_plane(W_ref, seed=0, layers=None, plain=False):
    """Through W_ref along two random directions. Filter-normalized (Li et al. 2018): each filter of a
    direction (a column of each of layers(d): a class's weights, or a hidden unit's incoming weights)
    rescaled to the norm of that filter of W_ref (unit where it is ~0), because a ReLU network's loss does
    not change when a unit's incoming weights grow and its outgoing ones shrink, so raw directions
    mislead. plain=True: raw Gaussian directions scaled to W_ref's norm as a whole, for comparison."""
    W_ref = np.asarray(W_ref, dtype=np.float64)
    layers = layers or (lambda P: [("W", P)])
    rng = np.random.default_rng(seed)
    dirs = []
    for _ in range(2):
        d = rng.normal(size=W_ref.shape)
        if plain:
            d *= max(np.linalg.norm(W_ref), 1e-8) / np.linalg.norm(d)
        else:
            for (_, dl), (_, wl) in zip(layers(d), layers(W_ref)):  # views: rescaled in place
                col = np.linalg.norm(wl, axis=0)
                dl *= np.where(col > 1e-8, col, 1.0) / np.linalg.norm(dl, axis=0)
        dirs.append(d)
    name = N_("random direction {k}") if plain else N_("filter-normalized random direction {k}")
    return Plane(W_ref.copy(), dirs[0], dirs[1], "random_plain" if plain else "random",
                 ((name, {"k": "1"}), (name, {"k": "2"})))


# ------------------------------------------------------------------------------------- plane modes
@dataclass(frozen=True)
class PlaneSpec:
    name: str  # as [landscape] plane names it
    menu: str  # as the plane control lists it (translated there)
    fit: Callable  # (session, [landscape] table) -> the Plane, from the session's runs
    at_selected: bool = False  # through the selected run's point: fitted anew when another run is selected
    for_network: bool = True  # a network's flat parameters can take it


def _fit_weights(s, cfg):
    if s.arch.kind == "mlp":
        others = ", ".join(p.name for p in PLANES.values() if p.for_network)
        raise ConfigError(f"[landscape] plane = 'weights' picks two entries of the linear W; for a network use "
                          f"one of {others}")
    return weights_plane(s.W_start, cfg["entries"])


def _fit_pca(s, cfg):
    # centred where the best run ends (lowest final loss): that is where the interest is
    best = s.best_run()
    return pca_plane([s.path_points(best)] + [s.path_points(r) for r in s.runs if r is not best], cfg["seed"])


def _fit_endpoints(s, cfg):
    runs = s.runs[:2]
    return endpoints_plane(s.start_of(runs[0]), [s.path_points(r) for r in runs],
                           [lambda r=r: r.label for r in runs], cfg["seed"])


def _fit_hessian(s, cfg):  # at the selected run's shown point
    run = s.runs[s.selected]
    W = np.asarray(run.W[run.shown(s.display_step)], dtype=np.float64)
    values, vectors = s.arch.top_eigen(W, s.data.X, s.data.y, 2, **s.model_of(run))
    return hessian_plane(W, values, vectors)


def _fit_random(s, cfg, plain=False):
    # through the selected run's last point
    return random_plane(s.runs[s.selected].W[-1], cfg["seed"], s.arch.layers, plain=plain)


PLANES = {p.name: p for p in (
    PlaneSpec("pca", "trajectory plane (PCA)", _fit_pca),
    PlaneSpec("endpoints", "start and ends of the runs", _fit_endpoints),
    PlaneSpec("weights", "two weights", _fit_weights, for_network=False),
    PlaneSpec("random", "random directions (filter-normalized)", _fit_random, at_selected=True),
    PlaneSpec("random_plain", "random directions (raw)", lambda s, cfg: _fit_random(s, cfg, plain=True),
              at_selected=True),
    PlaneSpec("hessian", "most curved directions (Hessian)", _fit_hessian, at_selected=True, for_network=False),
)}
DEFAULT_PLANE = PLANES["pca"].name  # a demo that names none: the plane its runs move in
