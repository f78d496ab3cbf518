"""What the window shows, read back from its own widgets as plain data: `losscape --screenshot OUT.png
--state OUT.json` writes it, and the consistency tests read it (a contour on its level, the head's plane
value on the grid, the title and controls naming the selected run's model)."""

import json


from .export import jsonable
from .i18n import language, tr
from .session.runs import MODEL_KEYS


def _rect(widget, window):
    """A widget's (or a plot area's) [x, y, w, h] in window pixels."""
    p = widget.mapTo(window, widget.rect().topLeft())
    return [p.x(), p.y(), widget.width(), widget.height()]


def _plot_rect(canvas, plot, window):
    r = canvas.mapFromScene(plot.vb.sceneBoundingRect()).boundingRect()
    p = canvas.mapTo(window, r.topLeft())
    return [p.x(), p.y(), r.width(), r.height()]


def window_state(window, session):
    """The document described in the README (`--state`)."""
    land = window.landscape.describe()
    s = session
    runs = []
    for k, (run, head) in enumerate(zip(s.runs, land["heads"])):
        t = run.shown(s.display_step)
        runs.append({"label": run.label, "color": run.color, "visible": run.visible,
                     "model": run.model_at(t), "diverged_at": run.diverged_by(s.display_step),
                     "head": {"step": t, "a": head["a"], "b": head["b"], "diverged_mark": head["diverged_mark"],
                              "plane_loss": s.plane_loss(head["a"], head["b"]) if head["a"] is not None else None,
                              "loss_full": s.run_loss(k), "off_plane": float(run.off[t])}})
    views = {"landscape": _plot_rect(window.landscape.canvas, window.landscape.plot, window),
             "data": _rect(window.data, window), "curves": _rect(window.curves, window),
             "controls": _rect(window.controls, window)}
    doc = {"title": land["title"], "note": land["note"], "status": land["status"], "selected": s.selected,
           "controls": window.controls.describe(),
           "plane": {"mode": s.plane.mode, "axis_names": list(s.plane.axis_names), "W0": s.plane.W0,
                     "U": s.plane.U, "V": s.plane.V},
           "landscape": {"run": s.selected, "model": {k: s.landscape_model()[k] for k in MODEL_KEYS},
                         "title": land["title"], "axes": land["axes"], "legend": land["legend"],
                         "alphas": land["alphas"], "betas": land["betas"], "grid": land["grid"],
                         "log_scale": land["log_scale"], "contours": land["contours"],
                         "equal_scales": s.plane.equal_scales, "pixels_per_unit": land["pixels_per_unit"]},
           "runs": runs,
           "window": {"size": [window.width(), window.height()], "views": views}}
    if s.config.lecture:
        from .session.presets import lecture_position

        doc["lecture"] = {k: tr(s.config.lecture[k]) for k in ("question", "look", "answer")}
        at = lecture_position(s.config)
        doc["lecture"]["position"] = list(at) if at else None
        doc["lecture"]["answer_shown"] = not window.landscape.answer.isHidden()
    doc["language"] = language()
    from .session.budget import AT_ALL
    from .session.lecture import curvature, curvature_work

    c = curvature(s, s.selected) if curvature_work(s) <= AT_ALL else None  # as the Lecture tab shows it
    doc["curvature"] = {"lambda_max": c["lambda_max"], "lr_limit": c["lr_limit"]} if c else None
    doc["examples"] = examples_state(s)
    a = s.arch
    doc["architecture"] = {"kind": a.kind, "hidden": a.hidden, "activation": getattr(a, "activation", None),
                           "parameters": a.size}
    return doc


EXAMPLE_ROWS = 500  # --state lists every example of a set up to this size (the first ones beyond)


def examples_state(session):
    """[{index, label, scores, loss}] of the selected run at its shown step, as the Examples tab shows."""
    from .session.explain import examples

    ex = examples(session, session.selected)
    n = min(len(ex["loss"]), EXAMPLE_ROWS)
    return [{"index": i, "label": int(ex["label"][i]), "scores": ex["scores"][i].tolist(), "loss": float(ex["loss"][i])}
            for i in range(n)]


def state_json(window, session):
    return json.dumps(jsonable(window_state(window, session)), allow_nan=False).encode()
