"""Checks shared by several test modules (plain functions, like naive.py's references)."""

import numpy as np

from losscape_lab.visualizer.session.contours import bilinear, display_values


def check_contours_on_their_levels(land):
    grid, log = np.asarray(land["grid"], float), land["log_scale"]
    values = display_values(grid, log)
    assert land["contours"], "no contour drawn"
    for c in land["contours"]:
        pts = np.asarray(c["lines"], float).reshape(-1, 2)
        assert len(pts), f"level {c['level']} has no line"
        read = bilinear(values, land["alphas"], land["betas"], pts[:, 0], pts[:, 1])
        level = display_values(np.array(c["level"]), log)
        np.testing.assert_allclose(read, level, rtol=1e-9, atol=1e-9 * np.abs(values).max())
