"""The generated 2-D sets: blobs, spiral, linear, nonlinear (rings) and the hand-placed demo table, as raw
features and labels (`load` splits and preprocesses them)."""

import numpy as np

SYNTHETIC = ("blobs", "spiral", "linear", "nonlinear", "demo")

# A small hand-placed set in the style of the CS231n linear-classification web demo: three points per
# class, one class per region of the plane, so a teacher can reproduce the demo's pictures.
DEMO_POINTS = (
    # x1,    x2,   class
    (0.50, 0.40, 0),
    (0.80, 0.30, 0),
    (0.30, 0.80, 0),
    (-0.40, 0.30, 1),
    (-0.30, 0.70, 1),
    (-0.70, 0.20, 1),
    (0.30, -0.50, 2),
    (-0.10, -0.80, 2),
    (-0.50, -0.40, 2),
)


def _per_class(n, k):
    return np.repeat(np.arange(k), [n // k + (i < n % k) for i in range(k)])


def _synthetic(name, opt):
    rng = np.random.default_rng((opt["seed"], 0))
    n, k = opt["n"], opt["classes"]
    if name == "demo":
        table = np.array(DEMO_POINTS)
        X, y = table[:, :2], table[:, 2].astype(np.int64)
    elif name == "blobs":
        # Centres on a circle, rotated off the axes so that no feature is constant even at overlap 0.
        angle = 2 * np.pi * np.arange(k) / k + np.pi / 6
        y = _per_class(n, k)
        X = 2.0 * np.c_[np.cos(angle), np.sin(angle)][y] + 0.7 * opt["overlap"] * rng.normal(size=(n, 2))
    elif name == "spiral":
        # The CS231n spiral: each arm sweeps 4 radians while the radius grows from 0 to 1.
        y = _per_class(n, k)
        X = np.empty((n, 2))
        for j in range(k):
            idx = np.flatnonzero(y == j)
            r = np.linspace(0.0, 1.0, len(idx))
            t = np.linspace(4.0 * j, 4.0 * (j + 1), len(idx)) + 0.2 * rng.normal(size=len(idx))
            X[idx] = np.c_[r * np.sin(t), r * np.cos(t)]
    elif name == "linear":
        # Three 120-degree sectors, kept 0.25 rad and radius 0.2 away from their borders: the unit vectors
        # through the sector centres separate the classes, so a zero-loss W exists.
        y = _per_class(n, 3)
        centre = np.pi / 2 + 2 * np.pi * y / 3
        t = centre + rng.uniform(-(np.pi / 3 - 0.25), np.pi / 3 - 0.25, size=n)
        r = np.sqrt(rng.uniform(0.04, 1.0, size=n))
        X = np.c_[r * np.cos(t), r * np.sin(t)]
    else:  # nonlinear: concentric rings; every ring's convex hull holds the inner rings
        y = _per_class(n, 3)
        r = (y + 1) / 3 + 0.04 * rng.normal(size=n)
        t = rng.uniform(0, 2 * np.pi, size=n)
        X = np.c_[r * np.cos(t), r * np.sin(t)]
    C = 3 if name in ("demo", "linear", "nonlinear") else k
    return X, y, [f"class {c}" for c in range(C)], ["x1", "x2"]
