"""The minimum of a convex loss, and a start near it along the directions it curves most (Qt-free): for
demos of the largest stable step size, whose limit 2 / lambda_max belongs to the curvature there."""

import numpy as np

from losscape_lab import kernels
ROUNDS = 20
WORK = 2e9  # multiply-adds the search may spend (N * D * C per gradient-descent step)


def find_minimum(X, y, model, C):
    """W where the full loss's gradient vanishes, by gradient descent at step 1 / lambda_max (stable for
    a convex loss), the curvature measured again each round; the best point found within the budget
    (a loss without a minimum, say softmax without a penalty on separable data, never gets there)."""
    N, D = X.shape
    W = np.zeros((D, C))
    steps = int(max(50, min(500, WORK / (ROUNDS * N * D * W.shape[1]))))
    for _ in range(ROUNDS):
        top = float(kernels.top_eigen(W, X, y, k=1, **model)[0][0])
        if top <= 1e-12:  # flat (piecewise linear, no penalty): no curvature to size a step by
            break
        traj = kernels.run_optimizer(W, X, y, optimizer="gd", lr=1.0 / top, steps=steps, **model)
        W = traj.state.W
        g = kernels.loss_and_grad(W, X, y, **model)[1]
        if traj.diverged_at is not None or np.linalg.norm(g) <= 1e-10 * max(1.0, np.linalg.norm(W)):
            break
    return W


def near_minimum(X, y, model, offset, C):
    """(start, W*, lambda_max at W*): W* moved by `offset` along the Hessian's top eigenvector there and
    half as far along the second, so that the way a step behaves along each can be seen."""
    W = find_minimum(X, y, model, C)
    values, vectors = kernels.top_eigen(W, X, y, k=2, **model)
    return W + offset * vectors[0] + 0.5 * offset * vectors[1], W, float(values[0])
