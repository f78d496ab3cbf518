"""The landscape of a session: requests a worker can compute, and the cache of their grids (a part of
Session: the data term per plane, extent and model; the penalty added per lam at once). Qt-free."""

from dataclasses import dataclass

import numpy as np

from losscape_lab import kernels
from . import architecture


class LandscapeCache:
    """Session's landscape grids: landscape_request, store_data_grid, landscape."""

    def landscape_request(self, resolution=None):
        """Everything a worker needs for the data term of the landscape model, frozen now; `key` names
        the result."""
        alphas, betas = self.axes(resolution)
        p, m = self.plane, self.landscape_model()
        key = (self.plane_version, self.extent, len(alphas), m["loss"], m["delta"], self.data_version,
               self.arch.describe())
        return LandscapeRequest(key, self.data.X, self.data.y, p.W0, p.U, p.V, alphas, betas, m["loss"], m["delta"],
                                self.arch)

    def has_data_grid(self, key):
        return key in self._data_grid

    def store_data_grid(self, key, grid):
        if len(self._data_grid) > 8:
            self._data_grid.clear()
        self._data_grid[key] = grid

    def landscape(self, resolution=None):
        """The total loss grid of the landscape model, or None until its data term is computed: the
        cached data term plus lam times the cached unit regularization grid (so lam alone is instant)."""
        req = self.landscape_request(resolution)
        data = self._data_grid.get(req.key)
        if data is None:
            return None
        m = self.landscape_model()
        if m["reg"] == "none" or m["lam"] == 0:
            return data
        rkey = (self.plane_version, self.extent, len(req.alphas), m["reg"], m["l1_ratio"])
        unit = self._unit_reg.get(rkey)
        if unit is None:
            if len(self._unit_reg) > 8:
                self._unit_reg.clear()
            p = self.plane
            W0, U, V = (np.atleast_2d(a) for a in (p.W0, p.U, p.V))  # a network's flat parameters: one row
            unit = kernels.reg_grid(W0, U, V, req.alphas, req.betas, reg=m["reg"], lam=1.0, l1_ratio=m["l1_ratio"])
            self._unit_reg[rkey] = unit
        return data + m["lam"] * unit


@dataclass(frozen=True)
class LandscapeRequest:
    key: tuple
    X: np.ndarray
    y: np.ndarray
    W0: np.ndarray
    U: np.ndarray
    V: np.ndarray
    alphas: np.ndarray
    betas: np.ndarray
    loss: str
    delta: float
    arch: object = None  # architecture.Linear or Network

    def compute(self, pointwise=False):
        """The data grid; the linear softmax sums in float32 (within 1e-5 relative, a third faster): a
        picture and its contours, while the status line's numbers at the dots are computed exactly.
        pointwise: by the loss kernel at each point instead (exact; see architecture.pointwise_grid)."""
        args = (self.X, self.y, self.W0, self.U, self.V, self.alphas, self.betas, self.loss, self.delta)
        return architecture.pointwise_grid(self._arch, *args) if pointwise else self._arch.data_grid(*args)

    def pointwise_cost(self):
        """Multiply-adds of computing this grid point by point."""
        return self.alphas.size * self.betas.size * self.X.shape[0] * self._arch.size

    @property
    def _arch(self):
        return self.arch or architecture.Linear(*self.W0.shape)
