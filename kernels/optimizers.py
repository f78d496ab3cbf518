"""Optimizers that run many steps in one call and return the trajectory.

    traj = run_optimizer(W0, X, y, optimizer="sgd", lr=0.1, batch_size=32, steps=500, seed=1)
    more = run_optimizer(traj.state, X, y, optimizer="sgd", lr=0.05, steps=500, seed=1)  # continue

Update rules: each OptimizerSpec's `rule` (kernels/specs.py; the README's table is read from them), with
g the minibatch gradient at W_t and lr the schedule's step size at step t, all elementwise. gd takes the
full batch; nesterov is the look-ahead form of CS231n; random_search draws W' = W + lr * N(0, 1) noise
and keeps it if its minibatch loss is lower (the lecture's baseline: no gradient at all).
With prox=True and an L1 part in the regularizer, the L1 term leaves the gradient and is applied as a
soft-threshold W = sign(W) max(|W| - lr_t lam l1, 0) after each step, so weights become exactly 0.
Schedules: constant; step (lr decay^(t // step_every)); inv_t (lr / (1 + decay t)); cosine
(lr (1 + cos(pi min(t, horizon) / horizon)) / 2).
"""

from dataclasses import dataclass

import numpy as np

from . import _training as T
from . import _validate as V
from .specs import OPTIMIZER_SPECS

OPTIMIZERS = {name: spec.code for name, spec in OPTIMIZER_SPECS.items()}
SCHEDULES = {"constant": T.CONSTANT, "step": T.STEP_DECAY, "inv_t": T.INV_T, "cosine": T.COSINE}
ACTIVATIONS = {"relu": T.RELU, "tanh": T.TANH}


@dataclass
class OptimizerState:
    """Where a run stands: weights at global step `step`, and the optimizer's per-weight buffers."""
    W: np.ndarray
    step: int
    velocity: np.ndarray  # momentum, nesterov
    first: np.ndarray  # adam's m
    second: np.ndarray  # adagrad / rmsprop / adam squared-gradient average

    @classmethod
    def fresh(cls, W0):
        W = np.array(W0, copy=True, order="C")
        z = np.zeros(W.shape)
        return cls(W, 0, z, z.copy(), z.copy())


@dataclass
class Trajectory:
    """Recorded points of a run; arrays have one row per record, the last row is the end point.

    W (R, D, C); step (R,) global step of each record; lr (R,) step size there; loss_batch (R,) the
    minibatch loss at W (NaN at the end point, inf there if the loss overflowed); loss_full (R,) the loss
    on all of X where requested (else NaN). diverged_at: first step whose loss or weights were not
    finite (the run stopped there), or None. state continues the run.
    """
    W: np.ndarray
    step: np.ndarray
    lr: np.ndarray
    loss_batch: np.ndarray
    loss_full: np.ndarray
    diverged_at: int | None
    state: OptimizerState


def run_optimizer(start, X, y, *, loss="softmax", delta=1.0, reg="none", lam=0.0, l1_ratio=0.5,
                  optimizer="sgd", lr=0.01, batch_size=32, steps=100, seed=0,
                  momentum=0.9, beta1=0.9, beta2=0.999, rho=0.99, eps=1e-8,
                  schedule="constant", decay=0.5, step_every=100, horizon=1000,
                  prox=False, record_every=1, full_loss_every=0, hidden=0, activation="relu", compile_only=False):
    """Run `steps` steps of `optimizer` from `start` (an initial W (D, C), or the `state` of an earlier
    Trajectory to continue it) on (X, y); see the module docstring for the rules.

    hidden > 0 trains the small network of kernels.mlp_loss_and_grad instead, with that many hidden
    units: its parameters are one flat vector P = [W1.ravel(), W2.ravel()] (length D*H + (H+1)*C) in
    `start`, the state and the trajectory's W (R, len(P)); the same rules apply to every entry.

    Minibatches are drawn without replacement within each epoch from a permutation seeded by
    (seed, epoch): the same seed gives the same trajectory, bit for bit, and a continued run draws the
    batches it would have drawn in one call. Step t's batch is perm(seed, e)[k*B:(k+1)*B], t = e*nb + k.

    compile_only=True compiles (or loads) the loop for these arguments' types and returns None: it calls
    the loss by address, so it compiles without the loss kernels (a cold start does both at once).
    """
    state = start if isinstance(start, OptimizerState) else None
    W_in = state.W if state is not None else start
    hidden = V.integer("hidden", hidden, low=0)
    act = V.choice("activation", activation, ACTIVATIONS)
    if hidden:
        W, X, y, C = V.network(W_in, X, y, hidden)
    else:
        W, X, y = V.problem(W_in, X, y)
        C = W.shape[1]
    lc, delta, rc, lam, l1_ratio = V.model(loss, delta, reg, lam, l1_ratio)
    oc = V.choice("optimizer", optimizer, OPTIMIZERS)
    sc = V.choice("schedule", schedule, SCHEDULES)
    lr = V.real("lr", lr, low=0.0, low_open=True)
    batch_size = min(V.integer("batch_size", batch_size, low=1), X.shape[0])  # a batch is at most all of X
    steps = V.integer("steps", steps, low=0)
    seed = V.integer("seed", seed, low=0)
    record_every = V.integer("record_every", record_every, low=1)
    full_loss_every = V.integer("full_loss_every", full_loss_every, low=0)
    step_every = V.integer("step_every", step_every, low=1)
    horizon = V.integer("horizon", horizon, low=1)
    momentum = V.real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    beta1 = V.real("beta1", beta1, low=0.0, high=1.0, high_open=True)
    beta2 = V.real("beta2", beta2, low=0.0, high=1.0, high_open=True)
    rho = V.real("rho", rho, low=0.0, high=1.0, high_open=True)
    eps = V.real("eps", eps, low=0.0, low_open=True)
    decay = V.real("decay", decay, low=0.0)
    N = X.shape[0]
    if not (T.labels_ok(y, C) and np.isfinite(X).all() and np.isfinite(W).all()):
        V.explain_nonfinite(W, X, y, C)
    if state is None:
        state = OptimizerState.fresh(W)
    else:
        state = OptimizerState(W.copy(), int(state.step), state.velocity.copy(), state.first.copy(),
                               state.second.copy())
    if OPTIMIZER_SPECS[optimizer].full_batch:
        batch_size = N
    R = steps // record_every + 2
    D = X.shape[1]
    if R * W.size * W.itemsize > V.MAX_RECORD_BYTES:
        raise ValueError(f"steps / record_every would record {R:,} weight matrices "
                         f"({R * W.size * W.itemsize / 2**30:.1f} GiB, more than {V.MAX_RECORD_BYTES >> 30} GiB): "
                         f"run fewer steps or record every k-th (record_every)")
    out_W = np.empty((R, W.size), W.dtype)
    out_step = np.empty(R, np.int64)
    out_lr, out_lb, out_lf = np.empty(R), np.empty(R), np.empty(R)
    flat = [a.reshape(-1) for a in (state.W, state.velocity, state.first, state.second)]  # views: updated in place
    net = (hidden, act) if hidden else None
    args = (flat[0], D, C, net, X, y, lc, delta, rc, lam, l1_ratio, bool(prox),
            oc, lr, sc, decay, step_every, horizon, momentum, beta1, rho if oc == T.RMSPROP else beta2, eps,
            batch_size, seed, state.step, steps, record_every, full_loss_every,
            flat[1], flat[2], flat[3], out_W, out_step, out_lr, out_lb, out_lf)
    if compile_only:  # the addresses are plain integers: any stands in for the types
        T.run_steps.compile(tuple(map(T.run_steps.typeof_pyval, (0, 0) + args)))
        return None
    loss_at = T.mlp_loss_address(W.dtype) if hidden else T.batch_loss_address(W.dtype)
    r, div = T.run_steps(loss_at, T.terms_address(lc), *args)
    state.step = int(out_step[r - 1])
    return Trajectory(out_W[:r].reshape((r,) + W.shape).copy(), out_step[:r].copy(), out_lr[:r].copy(), out_lb[:r].copy(),
                      out_lf[:r].copy(), None if div < 0 else int(div), state)


def batch_indices(seed, step, N, batch_size):
    """The example indices of minibatch `step` (as run_optimizer draws them), for tests and the app."""
    B = min(int(batch_size), int(N))
    nb = (N + B - 1) // B
    e, k = divmod(int(step), nb)
    perm = np.empty(N, np.int64)
    T.epoch_permutation(np.uint64(seed), e, N, perm)
    return perm[k * B:min((k + 1) * B, N)]
