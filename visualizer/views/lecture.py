"""The lecture panel: one example's scores, margins, probabilities and losses side by side, and the
sanity checks for the current data."""

import numpy as np
from PyQt6 import QtCore, QtWidgets

from losscape_lab.kernels import LOSS_SPECS, OPTIMIZER_SPECS
from losscape_lab.kernels.specs import SOFTMAX, SVM
from ..i18n import tr, tr_name


def grad_check_verdict(error, loss):
    """What a gradient check's max relative error means for this loss: only the hinge losses have kinks
    where the centred difference straddles the bend; softmax is smooth, so a large error there is a bug
    (or an L1 weight within h of 0)."""
    if error < 1e-4:
        return tr("agree")
    if loss == SOFTMAX.name:
        return tr("differ (softmax is smooth: check the analytic gradient, or an L1 weight near 0)")
    return tr("differ (W is at or within h of a hinge kink: the numerical gradient straddles the bend there)")


def curvature_html(c):
    """The curvature section: lambda_max at this W, the step size gradient descent stays stable below,
    and why (the hinge losses are piecewise linear: only the penalty curves)."""
    if c is None:
        return (f"<h3>{tr('Curvature and the largest safe step')}</h3><p>"
                + tr("Computed when playback is paused (and for data up to N x D x C = 2,000,000).") + "</p>")
    m = c["model"]
    lines = [tr("Largest curvature here (top eigenvalue of the Hessian): lambda_max = {value}",
                value=f"{c['lambda_max']:.4g}")]
    if c["lr_limit"] is None:
        lines.append(tr("No curvature here: the loss is flat or piecewise linear around this W, and no "
                        "step size is too large by this measure."))
    else:
        lines.append(tr("Gradient descent is stable near here for step sizes below 2 / lambda_max = {limit}: "
                        "a larger step overshoots along the steepest curve and grows each time.",
                        limit=f"{c['lr_limit']:.4g}"))
    if LOSS_SPECS[m["loss"]].hessian is None and m["reg"] == "l2" and m["lam"] > 0:
        lines.append(tr("The hinge loss is piecewise linear (no curvature): only the L2 penalty curves, "
                        "lambda_max = 2 lam, so the limit is 1 / lam."))
    return f"<h3>{tr('Curvature and the largest safe step')}</h3><p>" + "<br>".join(lines) + "</p>"


def _n(v):
    return f"{v:.4g}"


def step_html(x, names):
    """One update taken apart (session.explain.explain_step): the batch, the step size, the gradient as
    data part + penalty part, the optimizer's buffers and the update, with one entry of W (the one that
    moved most) worked out number by number."""
    t = x["step"]
    method = OPTIMIZER_SPECS[x["optimizer"]]
    N = len(x["batch"])
    batch = ", ".join(f"#{i}" for i in x["batch"][:12]) + (" ..." if N > 12 else "")
    norm = np.linalg.norm
    lines = [tr("Update rule: {rule}", rule=tr(method.rule)),
             tr("Minibatch of {n}: {which}", n=N, which=batch) if N < x["N"] else
             tr("Full batch: the gradient over all {n} examples", n=N),
             tr("Step size at step {step}: lr = {lr}", step=t, lr=_n(x["lr"])),
             tr("|g| = {g} (data part {data}, penalty part {reg})", g=_n(norm(x["grad"])),
                data=_n(norm(x["grad_data"])), reg=_n(norm(x["grad_reg"])))]
    if x["prox"]:
        lines.append(tr("Proximal step: the L1 part is left out of g and applied as a soft threshold"))
    if "velocity" in method.buffers:
        lines.append(tr("Velocity |v|: {before} before, {after} after", before=_n(norm(x["velocity"][0])),
                        after=_n(norm(x["velocity"][1]))))
    if "second" in method.buffers:
        lines.append(tr("Squared-gradient cache |c|: {before} before, {after} after",
                        before=_n(norm(x["second"][0])), after=_n(norm(x["second"][1]))))
    if method.bias_correction:
        b1, b2 = x["bias_correction"]
        lines.append(tr("Bias correction: 1 - b1^(t+1) = {b1}, 1 - b2^(t+1) = {b2}", b1=_n(b1), b2=_n(b2)))
    lines.append(tr("Update |W' - W| = {norm}", norm=_n(norm(x["update"]))))
    if x["diverged"]:
        lines.append(tr("This step overflowed: the run stopped here"))
    # the entry that moved most, number by number
    i = int(np.argmax(np.abs(x["update"])))
    w, g, gd, gr, dw = (x[k].reshape(-1)[i] for k in ("W", "grad", "grad_data", "grad_reg", "update"))
    work = [f"w = {_n(w)}", f"g = {_n(gd)} + {_n(gr)} = {_n(g)}"]
    if method.work is not None:
        work += method.work(x, i, g, dw)
    work.append(f"w' = {_n(w)} + {_n(dw)} = {_n(w + dw)}")
    row, col = names[i]
    layer, _, given = row.partition(" ") if row[:3] in ("W1 ", "W2 ") else ("W", "", row)
    entry = tr("The entry that moved most, {entry}:", entry=f"{layer}[{given}, {col}]")
    arrows = tr("On the landscape: black is -lr g, dashed grey the velocity, the run's colour the step taken "
                "(all projected on the plane). E hides this.")
    return (f"<h3>{tr('Step {step} taken apart', step=t)}</h3><p>" + "<br>".join(lines) + "</p>"
            f"<p>{entry}<br><code>" + "<br>".join(work) + f"</code></p><p><i>{arrows}</i></p>")


class LecturePanel(QtWidgets.QWidget):
    example_changed = QtCore.pyqtSignal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.example = QtWidgets.QSpinBox()
        self.example.setPrefix("example #")
        self.example.setKeyboardTracking(False)
        self.text = QtWidgets.QTextBrowser()
        self.text.setStyleSheet("font-size: 12pt;")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.example)
        lay.addWidget(self.text, 1)
        self.example.valueChanged.connect(self.example_changed)

    def example_index(self):
        return self.example.value()

    def show_message(self, text):
        self.text.setPlainText(text)

    step_section = ""  # the explained step (E), above the lecture's numbers
    numbers_section = ""

    def show_explained(self, x, names):
        """The explained step (session.explain.explain_step) above the lecture's numbers; names: (row,
        column) of each entry of W (explain.entry_names)."""
        self.show_step(step_html(x, names))

    def show_step(self, html):
        """The explained step's section as given ("" removes it)."""
        if html == self.step_section:
            return  # unchanged: every frame asks, and a new document costs a millisecond
        self.step_section = html
        self._set_html(None)

    def _set_html(self, html):
        """New numbers in place: the reader's scroll position stays (it jumped to the top 4 times a
        second while playing, so the checks below the fold could not be read)."""
        if html is not None:
            self.numbers_section = html
        bar = self.text.verticalScrollBar()
        keep = bar.value()
        self.text.setHtml(self.step_section + self.numbers_section)
        bar.setValue(min(keep, bar.maximum()))

    def set_examples(self, n):
        self.example.blockSignals(True)
        self.example.setRange(0, max(0, n - 1))
        self.example.blockSignals(False)

    def show_numbers(self, b, checks, class_names, delta, loss):
        y = b["label"]
        margin = ["" if c == y else f"{b['margins'][c]:.3f}" for c in range(b["C"])]
        rows = "".join(
            f"<tr><td>{'<b>' if c == y else ''}{tr_name(class_names[c])}{' (' + tr('label') + ')</b>' if c == y else ''}</td>"
            f"<td align=right>{b['scores'][c]:.3f}</td>"
            f"<td align=right>{margin[c]}</td>"
            f"<td align=right>{b['probs'][c]:.3f}</td></tr>" for c in range(b["C"]))
        losses = "".join(f"<tr><td>{'<b>' if k == loss else ''}{tr(LOSS_SPECS[k].menu)}</td>"
                         f"<td align=right>{v:.4f}</td></tr>" for k, v in b["losses"].items())
        p_y = b["probs"][y]
        steps = ("<p>" + tr("Softmax step by step: exp(s - max s) = [{exp}], normalized p = [{probs}], "
                            "loss = -ln p<sub>y</sub> = -ln {p_y} = {loss}",
                            exp=", ".join(f"{v:.3g}" for v in b["exp"]), probs=", ".join(f"{v:.3f}" for v in b["probs"]),
                            p_y=f"{p_y:.3f}", loss=f"{b['losses'][SOFTMAX.name]:.3f}") + "</p><p>"
                 + tr("Hinge sum over j &ne; y: {hinge}; the same sum over all j (j = y adds delta = {delta}): {all}",
                      hinge=f"{b['losses'][SVM.name]:.3f}", delta=f"{delta:g}", all=f"{b['hinge_all_classes']:.3f}")
                 + "</p>")
        h, s = checks[SVM.name], checks[SOFTMAX.name]
        g = checks["grad_check"]
        verdict = grad_check_verdict(g, loss)
        self._set_html(
            f"<h3>{tr('Scores of this example')}</h3>"
            f"<table cellspacing=6><tr><th align=left>{tr('class')}</th><th>{tr('score s')}</th>"
            f"<th>{tr('hinge term')} max(0, s<sub>j</sub> - s<sub>y</sub> + {delta:g})</th>"
            f"<th>{tr('softmax p')}</th></tr>{rows}</table>"
            f"<h3>{tr('Its loss under each loss')}</h3><table cellspacing=6>{losses}</table>{steps}"
            f"<h3>{tr('Sanity checks (this data)')}</h3><p>"
            + tr("W near 0: hinge loss {loss}, expected C - 1 = {expected}", loss=f"{h[0]:.4f}",
                 expected=f"{h[1]:.0f}") + "<br>"
            + tr("W near 0: softmax loss {loss}, expected ln C = {expected}", loss=f"{s[0]:.4f}",
                 expected=f"{s[1]:.4f}") + "<br>"
            + tr("gradient check (analytic vs numerical, max relative error): {error}", error=f"{g:.1e}")
            + f" &mdash; {verdict}</p>" + curvature_html(checks["curvature"]))
