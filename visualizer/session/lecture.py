"""The numbers the lecture panel shows, computed with the kernels (Qt-free)."""

import math

import numpy as np

from losscape_lab import kernels
from losscape_lab.kernels.specs import SOFTMAX, SVM
from . import budget
from .architecture import HESSIAN_LIMIT
from .explain import example_terms


def example_breakdown(W, x, label, delta, arch=None):
    """Scores of one example, its hinge margins, softmax probabilities and its loss under every loss (of
    the linear model, or of the architecture given)."""
    x = np.asarray(x, np.float64)
    s = arch.scores(W, x[None])[0] if arch is not None else x @ np.asarray(W, np.float64)
    C = len(s)
    margins = example_terms(s[None], [label], SVM.name, delta)[0][0]
    probs = example_terms(s[None], [label], SOFTMAX.name, delta)[0][0]
    losses = {name: float(example_terms(s[None], [label], name, delta)[1][0]) for name in kernels.LOSS_SPECS}
    return {"scores": s, "margins": margins, "probs": probs, "losses": losses, "label": label, "C": C,
            "exp": np.exp(s - s.max()),  # softmax step by step: exponentiate (shifted), normalize, -log
            # the lecture's "what if the sum also ran over j = y?": that term is max(0, delta) = delta
            "hinge_all_classes": losses[SVM.name] + max(0.0, delta)}


def sanity_checks(session, run_index, curvature_too=True):
    """The lecture's checks on the current data: the loss at W ~ 0 against C-1 (hinge, delta=1) and ln C
    (softmax), the analytic gradient against centred differences at the run's current W, and (unless
    curvature_too is False, or its work is more than budget.AT_ALL) the curvature there."""
    d, arch = session.data, session.arch
    rng = np.random.default_rng(0)
    W_small = 1e-6 * rng.normal(size=arch.shape)  # a network's scores are ~0 there too
    out = {}
    for spec in (SVM, SOFTMAX):
        out[spec.name] = (arch.loss_and_grad(W_small, d.X, d.y, loss=spec.name, delta=1.0)[0],
                          spec.at_zero(d.C, 1.0))
    run = session.runs[run_index]
    t = run.shown(session.display_step)
    model = run.model_at(t)
    W = np.array(run.W[t], dtype=np.float64)
    out["grad_check"] = kernels.check_gradient(lambda P: arch.loss_and_grad(P, d.X, d.y, **model), W, num_checks=20)
    out["ln_C"] = math.log(d.C)
    out["curvature"] = curvature(session, run_index) if curvature_too and curvature_work(session) <= budget.AT_ALL \
        else None
    return out


def curvature_work(session):
    """What finding the curvature costs, in N*D*C of a linear model (whose Lanczos takes some 60 passes
    over the data): a network's dense Hessian takes 2 gradients per parameter, each N*H*(D + C)."""
    d, arch = session.data, session.arch
    if arch.kind == "linear":
        return d.N * d.D * d.C
    if arch.size > HESSIAN_LIMIT:
        return float("inf")
    return 2 * arch.size * d.N * arch.hidden * (d.D + d.C) // 60


def curvature(session, run_index):
    """{lambda_max, lr_limit, model} at the run's shown W: the largest eigenvalue of the loss's Hessian
    there, and 2 / lambda_max, the largest step for which gradient descent is stable near that point
    (None: no curvature, no limit). Computed once per point."""
    run = session.runs[run_index]
    t = run.shown(session.display_step)
    W = np.asarray(run.W[t], dtype=np.float64)
    model = run.model_at(t)
    key = ("curvature", W.tobytes(), tuple(sorted(model.items())), session.data_version)

    def compute():
        d = session.data
        top = float(session.arch.top_eigen(W, d.X, d.y, 1, **model)[0][0])
        return {"lambda_max": top, "lr_limit": 2.0 / top if top > 1e-12 else None, "model": model}
    return session.remember(key, compute)
