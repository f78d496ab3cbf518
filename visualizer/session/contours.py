"""What the landscape's colours and contour lines show, computed without Qt: the window, every exported
figure, the JSON export and `--state` all take their lines from here, so they cannot disagree.

A grid is indexed [row = b, column = a]: grid[j, i] is the loss at (alphas[i], betas[j]).
"""

import numpy as np

LOG_FLOOR = 1e-3  # log10(loss + LOG_FLOOR): hinge losses reach exactly 0


def display_values(grid, log_scale):
    """What the colours show: the loss, or log10 of it."""
    if not log_scale:
        return grid
    return np.log10(np.maximum(grid, 0.0) + LOG_FLOOR)


def to_loss(value, log_scale):
    """A display value (a colour level) back in loss units."""
    return 10.0 ** value - LOG_FLOOR if log_scale else value


def levels_for(values):
    """Colour levels from the bulk of the values: a diverging corner must not flatten everything else."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = np.percentile(finite, [0.0, 98.0])
    return float(lo), float(hi if hi > lo else lo + 1.0)


def contour_levels(levels, n):
    """n evenly spaced lines strictly between the colour levels (display units)."""
    return np.linspace(levels[0], levels[1], n + 2)[1:-1] if n > 0 else np.zeros(0)


def contour_segments(values, alphas, betas, level):
    """Marching squares: the line where `values` (display units, [b, a]) crosses `level`, as an (S, 2, 2)
    array of segments [[a0, b0], [a1, b1]]. Each end lies on a cell edge, linearly interpolated, so the
    grid read there (bilinearly) is exactly the level. Non-finite values count as above every level."""
    v = np.where(np.isfinite(values), values, np.inf)
    a, b = np.asarray(alphas, np.float64), np.asarray(betas, np.float64)
    up = v >= level
    with np.errstate(invalid="ignore", divide="ignore"):
        # crossings on the horizontal edges (j, i)-(j, i+1) and the vertical edges (j, i)-(j+1, i)
        th = np.clip((level - v[:, :-1]) / (v[:, 1:] - v[:, :-1]), 0.0, 1.0)
        tv = np.clip((level - v[:-1, :]) / (v[1:, :] - v[:-1, :]), 0.0, 1.0)
    th = np.where(np.isfinite(th), th, 0.5)  # an infinite corner: the crossing sits mid-edge
    tv = np.where(np.isfinite(tv), tv, 0.5)
    h_pts = np.stack([a[:-1][None, :] + th * np.diff(a)[None, :], np.broadcast_to(b[:, None], th.shape)], -1)
    v_pts = np.stack([np.broadcast_to(a[None, :], tv.shape), b[:-1][:, None] + tv * np.diff(b)[:, None]], -1)
    h_cross, v_cross = up[:, :-1] != up[:, 1:], up[:-1, :] != up[1:, :]
    # per cell: its edges in the order bottom, right, top, left
    pts = np.stack([h_pts[:-1], v_pts[:, 1:], h_pts[1:], v_pts[:, :-1]], axis=2).reshape(-1, 4, 2)
    cross = np.stack([h_cross[:-1], v_cross[:, 1:], h_cross[1:], v_cross[:, :-1]], axis=2).reshape(-1, 4)
    count = cross.sum(axis=1)
    two = count == 2
    order = np.argsort(~cross[two], axis=1, kind="stable")[:, :2]
    segs = [np.take_along_axis(pts[two], order[:, :, None], axis=1)]
    four = np.flatnonzero(count == 4)
    if four.size:  # a saddle: the cell's centre decides which corners the two lines cut off
        corners = np.stack([v[:-1, :-1], v[:-1, 1:], v[1:, 1:], v[1:, :-1]], axis=2).reshape(-1, 4)[four]
        centre_up = np.where(np.isfinite(corners).all(axis=1), corners.mean(axis=1), np.inf) >= level
        same = centre_up == (corners[:, 0] >= level)  # the centre joins the bottom-left corner's side
        p = pts[four]
        first = np.where(same[:, None, None], p[:, [0, 1]], p[:, [0, 3]])  # cut bottom-right / bottom-left
        second = np.where(same[:, None, None], p[:, [2, 3]], p[:, [2, 1]])  # cut top-left / top-right
        segs += [first, second]
    return np.concatenate(segs) if segs else np.zeros((0, 2, 2))


def contours(grid, alphas, betas, log_scale, n):
    """[(level in loss units, segments (S, 2, 2))] of the n lines the landscape draws."""
    values = display_values(grid, log_scale)
    clipped = np.where(np.isfinite(values), values, levels_for(values)[1])
    return [(float(to_loss(lv, log_scale)), contour_segments(clipped, alphas, betas, lv))
            for lv in contour_levels(levels_for(values), n)]


def bilinear(grid, alphas, betas, a, b):
    """The grid read at plane points (a, b) by bilinear interpolation (NaN outside the grid)."""
    alphas, betas = np.asarray(alphas, np.float64), np.asarray(betas, np.float64)
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    i = np.clip(np.searchsorted(alphas, a, side="right") - 1, 0, len(alphas) - 2)
    j = np.clip(np.searchsorted(betas, b, side="right") - 1, 0, len(betas) - 2)
    ta = (a - alphas[i]) / (alphas[i + 1] - alphas[i])
    tb = (b - betas[j]) / (betas[j + 1] - betas[j])
    out = ((1 - tb) * ((1 - ta) * grid[j, i] + ta * grid[j, i + 1])
           + tb * ((1 - ta) * grid[j + 1, i] + ta * grid[j + 1, i + 1]))
    inside = (a >= alphas[0]) & (a <= alphas[-1]) & (b >= betas[0]) & (b <= betas[-1])
    return np.where(inside, out, np.nan)
