"""The status line under the landscape: the selected run's step, its own loss beside the landscape's
value under its dot, its distance from the plane, its accuracy and whether it stopped (Qt-free)."""

import numpy as np

from ..i18n import tr
from . import budget
from .contours import bilinear


def status_line(s, k, i, step, drawn_grid):
    """'label: step i · loss: run y / plane x (off the plane by d) · accuracy': the run's own loss
    beside the landscape's value under its dot. Both exact (a kernel call each) where that is cheap;
    on large data the last recorded loss and the grid read there, marked '≈' (drawn_grid(): the grid on
    screen, or None)."""
    run = s.runs[k]
    exact = budget.data_work(s.data) <= budget.AT_ALL and run.diverged_at is None
    if exact:
        loss = tr("loss: run {value}", value=f"{s.run_loss(k, i):.4g}")
        if np.isfinite(run.a[i]):
            loss += tr(" / plane {value}", value=f"{s.plane_loss(run.a[i], run.b[i]):.4g}")
    else:
        lb = run.loss_full[:i + 1]
        lb = lb[lb == lb]
        loss = tr("loss: run {value}", value=f"≈{lb[-1]:.4g}" if lb.size else "?")
        grid = drawn_grid()
        if grid is not None and np.isfinite(run.a[i]):
            under = float(bilinear(grid, *s.axes(grid.shape[1]), run.a[i], run.b[i]))
            if np.isfinite(under):  # what the colour under the dot says, beside the truth
                loss += tr(" / plane {value}", value=f"≈{under:.4g}")
    off = tr("on the plane") if run.off[i] < 1e-9 * max(1.0, np.abs(run.W[i]).max()) else \
        tr("off the plane by {d}", d=f"{run.off[i]:.2g}")
    div = ("  " + tr("DIVERGED at step {step} (the loss blew up)", step=run.diverged_at)
           + (" · " + tr("its settings changed since: Continue restarts it with them") if run.outdated else "")
           if run.diverged_by(step) is not None else
           "  " + tr("(stopped at its planned steps: Continue goes on)") if i >= s.limit_of(run) else "")
    acc = run.accuracy[:i + 1]
    acc = acc[np.isfinite(acc)]
    acc = tr("accuracy {value}", value=f"{acc[-1]:.1%}") if acc.size else ""
    return tr("{label}: step {step}", label=run.label, step=i) + f" · {loss} ({off}) · {acc}{div}"
