"""The numbers behind the picture, for the Examples and Weights tabs and "Explain step" (Qt-free).

Every number here is recomputed from the run's exact state at the shown step: the scores of every
example, each class's term of its loss, the gradient split into its data and penalty parts, the
minibatch a step drew, the optimizer's buffers before and after, and the update it made.
"""

import numpy as np

from losscape_lab import kernels
from ..i18n import tr, tr_name
from .runs import kernel_kwargs


def example_terms(S, y, loss, delta):
    """Each example's loss from its scores S (N, C) and labels y, term by term: (terms (N, C), L (N,)),
    as the loss's spec computes them (the margins of the hinge family, the softmax's probabilities)."""
    return kernels.LOSS_SPECS[loss].terms(np.asarray(S, dtype=np.float64), np.asarray(y, dtype=np.int64), delta)


def penalty_gradient(W, reg, lam, l1_ratio, l1=True):
    """The gradient of lam * R(W) (the L1 part's subgradient is 0 at 0, as in the kernels); l1=False
    leaves the L1 part out (a proximal step applies it as a soft threshold instead)."""
    w1, w2 = kernels.reg_weights(reg, l1_ratio)
    W = np.asarray(W, dtype=np.float64)
    return lam * ((w1 if l1 else 0.0) * np.sign(W) + 2.0 * w2 * W)


def batch_at(session, run, step):
    """The example indices step `step` of a run drew (all of them for gradient descent)."""
    st = run.settings_at(step)
    N = session.data.N
    if kernels.OPTIMIZER_SPECS[st["name"]].full_batch:
        return np.arange(N)
    return kernels.batch_indices(st["seed"], step, N, st["batch_size"])


def examples(session, run_index, step=None):
    """Every example at the run's shown step: scores, terms and loss; the batch that step draws; and the
    mean loss, which is the data loss the curves show."""
    run = session.runs[run_index]
    t = run.shown(session.display_step if step is None else step)
    m = run.model_at(t)
    d = session.data
    W = np.asarray(run.W[t], dtype=np.float64)
    S = session.arch.scores(W, d.X)
    with np.errstate(all="ignore"):
        terms, L = example_terms(S, d.y, m["loss"], m["delta"])
    return {"step": t, "model": m, "scores": S, "terms": terms, "loss": L, "label": d.y,
            "batch": batch_at(session, run, t), "data_loss": float(L.mean()),
            "penalty": float(session.arch.penalty(W, m["reg"], m["lam"], m["l1_ratio"])),
            "kind": kernels.LOSS_SPECS[m["loss"]].term_kind}


def entry_names(arch, feature_names, class_names):
    """[(row, column)] naming each entry of the flat parameters: (feature, class) of the linear W; for a
    network, (W1 feature, hidden unit) then (W2 hidden unit or bias, class)."""
    if arch.kind == "linear":
        return [(tr_name(f), tr_name(c)) for f in feature_names for c in class_names]
    units = [tr("hidden {k}", k=k + 1) for k in range(arch.hidden)]
    return ([(f"W1 {tr_name(f)}", u) for f in feature_names for u in units]
            + [(f"W2 {u}", tr_name(c)) for u in units + [tr_name("bias")] for c in class_names])


def weights(session, run_index):
    """W at the run's shown step with the full loss's gradient there, split into the data part and the
    penalty part."""
    run = session.runs[run_index]
    t = run.shown(session.display_step)
    m = run.model_at(t)
    d = session.data
    W = np.asarray(run.W[t], dtype=np.float64)
    g_data = session.arch.loss_and_grad(W, d.X, d.y, loss=m["loss"], delta=m["delta"])[1]
    g_reg = penalty_gradient(W, m["reg"], m["lam"], m["l1_ratio"])
    return {"step": t, "W": W, "grad_data": g_data, "grad_reg": g_reg, "grad": g_data + g_reg, "model": m}


def explain_step(session, run_index):
    """Step t of the run (t its shown step) taken apart: the batch it drew, the gradient on it (data part
    + penalty part), the step size of the schedule, the optimizer's buffers before and after, and the
    update W_{t+1} - W_t, with each direction also as an arrow on the plane. Computed once per point."""
    run = session.runs[run_index]
    t = run.shown(session.display_step)
    W = np.asarray(run.W[t], dtype=np.float64)
    key = ("explain", run_index, t, W.tobytes(), session.plane_version, session.data_version,
           tuple(sorted(run.settings_at(t).items())), tuple(sorted(run.model_at(t).items())))
    return session.remember(key, lambda: _explain(session, run, t))


def _explain(session, run, t):
    d = session.data
    st, m = run.settings_at(t), run.model_at(t)
    before = run.path.state_at(t)
    W = np.array(before.W, dtype=np.float64)
    after = kernels.run_optimizer(before, d.X, d.y, steps=1, **kernel_kwargs(m, st, session.arch))
    rows = batch_at(session, run, t)
    g_data = session.arch.loss_and_grad(W, d.X[rows], d.y[rows], loss=m["loss"], delta=m["delta"])[1]
    prox = st["prox"] and m["reg"] in ("l1", "elastic") and m["lam"] > 0
    g_reg = penalty_gradient(W, m["reg"], m["lam"], m["l1_ratio"], l1=not prox)
    out = {"step": t, "optimizer": st["name"], "settings": st, "model": m, "batch": rows, "N": d.N,
           "lr": float(after.lr[0]), "W": W, "grad_data": g_data, "grad_reg": g_reg, "grad": g_data + g_reg,
           "prox": prox, "diverged": after.diverged_at is not None,
           "velocity": (before.velocity.copy(), after.state.velocity.copy()),
           "first": (before.first.copy(), after.state.first.copy()),
           "second": (before.second.copy(), after.state.second.copy())}
    out["W_next"] = np.array(after.W[-1], dtype=np.float64)
    out["update"] = out["W_next"] - W
    spec = kernels.OPTIMIZER_SPECS[st["name"]]
    if spec.bias_correction:
        out["bias_correction"] = (1.0 - st["beta1"] ** (t + 1), 1.0 - st["beta2"] ** (t + 1))
    p = session.plane
    out["origin"] = np.array(p.project(W)[:2], dtype=np.float64)
    arrows = {"gradient": p.direction(-out["lr"] * out["grad"]), "update": p.direction(out["update"])}
    if "velocity" in spec.buffers:
        arrows["velocity"] = p.direction(out["velocity"][1])
    out["arrows"] = arrows
    return out
