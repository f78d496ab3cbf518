"""The lecture walkthrough: every bundled question opens, explains itself, and its answer checks out
in the exported numbers; and for every lecture preset, each number and claim its text states (what to
look at and the answer) holds in the session and the kernels, so the text agrees with the window."""

import functools
import itertools
import json
import math

import numpy as np
import pytest

from losscape_lab import kernels
from losscape_lab.visualizer.app import main
from losscape_lab.visualizer.session import presets
from losscape_lab.visualizer.session.lecture import example_breakdown, sanity_checks
from losscape_lab.visualizer.session.session import Session

_exports = {}


def on_plane(run, i):
    """W at record i lies on the plane: its distance from it is rounding, 1e-12 of W's size (the least
    squares behind the distance moves its last bits with the BLAS build)."""
    return run.off[i] <= 1e-12 * max(1.0, float(np.linalg.norm(run.W[i])))


def exported(name, tmp_path, capsys):
    """The preset's exported JSON document (exported once per test session: some presets take seconds)."""
    if name not in _exports:
        out = tmp_path / f"{name}.json"
        assert main(["export", "--preset", name, "--out", str(out)]) == 0, capsys.readouterr().err
        _exports[name] = json.loads(out.read_text())
    return _exports[name]


def test_lecture_items_are_in_order_and_complete():
    items = presets.lecture_items()
    names = [n for n, _ in items]
    assert names == [n for n in presets.LECTURE_ORDER if n in names]
    assert len(items) >= 15
    for name in names:
        lec = presets.load(name).lecture
        assert lec["question"].endswith("?") and lec["look"] and lec["answer"]


def test_loss_at_init_is_c_minus_1_and_ln_c(tmp_path, capsys):
    doc = exported("loss-at-init", tmp_path, capsys)
    start = {r["settings"]["loss"]: r["loss_full_start"] for r in doc["runs"]}
    assert start["hinge"] == pytest.approx(9.0, rel=0.01)  # digits: C = 10
    assert start["softmax"] == pytest.approx(math.log(10), rel=0.01)


def test_softmax_vs_hinge_hinge_is_exactly_zero(tmp_path, capsys):
    doc = exported("softmax-vs-hinge", tmp_path, capsys)
    hinge, softmax = doc["runs"]
    assert hinge["settings"]["loss"] == "hinge" and hinge["loss_full_start"] == 0.0
    assert softmax["loss_full_start"] > 0.1
    for scores in ([10, -2, 3], [10, 9, 9], [10, -100, -100]):
        b = example_breakdown(np.array([scores], float), [1.0], 0, 1.0)
        assert b["losses"]["hinge"] == 0.0
        # softmax is positive for all three; for the last it is about 3e-48, which rounds to 0 in float64
        assert b["losses"]["softmax"] > 0 or scores[1] == -100
    assert example_breakdown(np.array([[10.0, 9, 9]]), [1.0], 0, 1.0)["losses"]["softmax"] == pytest.approx(
        math.log(1 + 2 / math.e))
    seed = example_breakdown(np.array([[-2.85, 0.86, 0.28]]), [1.0], 2, 1.0)
    assert round(seed["losses"]["hinge"], 2) == 1.58 and round(seed["losses"]["softmax"], 2) == 1.04
    assert seed["hinge_all_classes"] == pytest.approx(1.58 + 1.0)


def test_l1_gives_more_exact_zeros_than_l2(tmp_path, capsys):
    doc = exported("l1-vs-l2", tmp_path, capsys)
    zeros = {r["settings"]["reg"]: int((np.array(r["final_W"]) == 0).sum()) for r in doc["runs"]}
    assert zeros["l1"] > 50 and zeros["l2"] == 0


def test_step_size_largest_run_diverges(tmp_path, capsys):
    doc = exported("step-size", tmp_path, capsys)
    by_lr = sorted(doc["runs"], key=lambda r: r["settings"]["lr"])
    assert by_lr[-1]["diverged_at"] is not None
    assert all(r["diverged_at"] is None for r in by_lr[:-1])


def test_a_diverged_run_stays_diverged_when_lambda_changes(app):
    """step-size to its end, then lambda 0.05: the lr-10 run keeps its cross at step 17 (it came back
    from the blown-up point before, and its swings crossed the picture); Continue restarts it and says so."""
    from losscape_lab.visualizer.session import presets
    from losscape_lab.visualizer.state import window_state

    app.open_config(presets.load("step-size"))
    s = app.session
    app.advance(150)
    app.pause()
    far = max(s.runs, key=lambda r: r.settings["lr"])
    assert far.diverged_at == 17
    app._on_controls_model_changed({"lam": 0.05})
    assert s.config.model["lam"] == 0.05 and far.diverged_at == 17 and far.head == 17 and far.outdated
    st = window_state(app.window, s)
    k = s.runs.index(far)
    assert st["runs"][k]["diverged_at"] == 17 and st["runs"][k]["head"]["diverged_mark"]
    assert all(r.head >= 150 for r in s.runs if r is not far)  # the others go on with lambda 0.05
    messages = []
    app.window.show_message = lambda text, dialog=False: messages.append(text)
    app.continue_runs()
    app.pause()
    assert not far.outdated and far.segments[0].model["lam"] == 0.05
    assert any("Restarted from the start with the new settings" in m and far.label in m for m in messages)


def test_an_export_reports_only_the_divergence_it_holds(tmp_path, capsys):
    from losscape_lab.visualizer.app import main

    out = tmp_path / "ten.json"
    assert main(["export", "--preset", "step-size", "--steps", "10", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "diverged" not in text  # the file holds steps 0-10; the blow-up is at step 17
    doc = json.loads(out.read_text())
    assert all(r["diverged_at"] is None for r in doc["runs"])
    assert main(["export", "--preset", "step-size", "--steps", "17", "--out", str(out)]) == 0
    assert "diverged at step 17" in capsys.readouterr().out


def test_too_much_regularization_collapses_w_and_accuracy(tmp_path, capsys):
    doc = exported("too-much-regularization", tmp_path, capsys)
    fine, too_much = doc["runs"]
    assert np.all(np.array(too_much["final_W"]) == 0)
    assert too_much["accuracy"][-1] < 0.5 < fine["accuracy"][-1]


def test_hinge_flat_region_does_not_move(tmp_path, capsys):
    doc = exported("hinge-flat-region", tmp_path, capsys)
    run = doc["runs"][0]
    assert run["loss_full_start"] == pytest.approx((2.9 + 0 + 12.9) / 3)
    assert np.allclose(run["a"], 1.3) and np.allclose(run["b"], 4.9)  # the car row has zero gradient


def test_opening_a_lecture_item_explains_and_highlights(app):
    from losscape_lab.visualizer.session.session import Session

    window = app.window
    lecture_menu = [m for m in window.menuBar().actions() if m.text() == "&Lecture"][0].menu()
    assert len(lecture_menu.actions()) >= 15
    app.attach(Session(presets.load("gradient-check")))
    view = window.landscape
    assert not view.explain.isHidden() and "Analytic or numerical" in view.question.text()
    assert view.answer.isHidden()
    view.answer_button.click()
    assert not view.answer.isHidden()
    assert window.tabs.currentWidget() is window.lecture and "border" in window.lecture.text.styleSheet()


def test_mean_over_classes_halves_the_loss_and_keeps_the_path(tmp_path, capsys):
    doc = exported("mean-vs-sum", tmp_path, capsys)
    total, mean = doc["runs"]
    assert mean["settings"]["loss"] == "mean_hinge"
    np.testing.assert_array_equal(np.array(total["W"]), np.array(mean["W"]))  # lr doubled: the same steps
    np.testing.assert_allclose(np.array(mean["loss_full"]), np.array(total["loss_full"]) / 2, rtol=1e-12)


# ------------------------------------------------------------------------------------------------------
# One test per lecture preset: every number and claim its [lecture] text states, checked against the
# kernels and the session (the text must agree with what the window shows).

def fresh(name):
    return Session(presets.load(name))


def ended(name):
    """A new session of the preset at its planned end (to change: select a run, a setting, ...)."""
    s = fresh(name)
    s.advance(10 ** 6)
    assert s.display_step == s.planned_steps
    return s


@functools.cache
def finished(name):
    """The preset's session at its planned end, shared between tests: read it, do not change it."""
    return ended(name)


def text(name):
    lec = presets.load(name).lecture
    return lec["look"] + " " + lec["answer"]


def says(name, *parts):
    """The preset's text states each part (so a test of the number fails when the text drifts)."""
    for part in parts:
        assert part in text(name), f"{name}: the text no longer says {part!r}"


def loss_of(s, W, **model):
    return kernels.loss_and_grad(W, s.data.X, s.data.y, **model)[0]


def test_every_lecture_preset_has_a_text_test():
    tested = {n[len("test_text_"):].replace("_", "-") for n in globals() if n.startswith("test_text_")}
    assert tested == set(presets.LECTURE_ORDER)


def test_text_hinge_flat_region():
    s = finished("hinge-flat-region")
    run, X, y = s.runs[0], s.data.X, s.data.y
    start = np.array(presets.load("hinge-flat-region").start)
    assert "(2.9 + 0 + 12.9) / 3 = 5.27" in text("hinge-flat-region")
    says("hinge-flat-region", "1.3, 4.9, 2.0", "margin 1", "2.6 at step 60", "example 1")
    per_example = [kernels.loss_and_grad(start, X[n:n + 1], y[n:n + 1], loss="hinge")[0] for n in range(3)]
    assert np.allclose(per_example, [2.9, 0.0, 12.9])
    assert s.data.class_names[1] == "car" and y[1] == 1  # example 1 is the car image
    # the car row never moves: its hinge terms and gradient stay 0
    assert np.all(run.W[:, 1, :] == start[1])
    assert np.allclose(run.a, 1.3) and np.allclose(run.b, 4.9)
    # the plane: the car image's cat and car scores, the other images held at their start
    assert s.plane.axis_names == ("W[1,0]", "W[1,1]")
    assert np.array_equal(s.plane.W0[[0, 2]], start[[0, 2]])
    for a, b in [(1.3, 4.9), (-1.5, 3.2), (0.0, 8.5), (2.0, 3.5), (5.5, 6.6)]:  # car score > max(cat, 2.0) + 1
        assert s.plane_loss(a, b) == pytest.approx(5.2667, abs=1e-4)
    assert s.plane_loss(6.5, 1.0) > 5.27 + 1  # the slope at the lower right
    assert s.plane_loss(4.2, 4.9) > 5.27  # a wrong score within 1 of the car score
    # the loss curve still falls, to 2.6 at step 60, and the dot is off the plane
    assert run.settings["steps"] == 60 and run.loss_full[60] == pytest.approx(2.6)
    assert np.all(np.diff(run.loss_full) < 0) and run.off[-1] > 1.0


def test_text_loss_range():
    s = finished("loss-range")
    run = s.runs[0]
    says("loss-range", "1.58", "0.86 - 0.28 + 1", "four steps", "0.28 - 1 = -0.72", "13.44", "start 0.28")
    assert s.data.class_names[s.data.y[0]] == "frog"
    assert round(run.loss_full[0], 2) == 1.58 == round(0.86 - 0.28 + 1, 2)  # cat adds 0: -2.85 < 0.28 - 1
    assert run.loss_full[3] > 0 and np.all(run.loss_full[4:] == 0)  # 0 in four steps
    assert run.W[-1][0, 2] > 0.28 and run.off[-1] > 0.5  # by raising the frog score: off the plane
    assert s.plane.axis_names == ("W[0,0]", "W[0,1]") and s.plane.W0[0, 2] == 0.28
    # minimum 0 in the dark corner (cat and car below -0.72), nowhere else
    assert s.plane_loss(-0.73, -0.73) == 0 == s.plane_loss(-6, -6) == s.plane_loss(-0.73, -6)
    assert s.plane_loss(-0.7, -6) > 0 and s.plane_loss(-6, -0.7) > 0
    # no maximum: linear growth, 13.44 at the top right corner of the view
    assert s.extent[1] == 6 and s.extent[3] == 6 and s.plane_loss(6, 6) == pytest.approx(13.44)
    assert s.plane_loss(6, 6) - s.plane_loss(5, 5) == pytest.approx(s.plane_loss(5, 5) - s.plane_loss(4, 4))


def test_text_loss_at_init():
    s = fresh("loss-at-init")  # step 0
    says("loss-at-init", "step 0", "run 9", "2.303", "C - 1 = 9", "ln C = 2.30")
    assert s.data.C == 10 and s.plane.mode == "endpoints"
    hinge = s.runs[0]
    assert f"{s.run_loss(0):.4g}" == "9" and f"{s.run_loss(1):.4g}" == "2.303"  # the status line at step 0
    for k, expected in ((0, 9.0), (1, math.log(10))):
        run = s.runs[k]
        assert on_plane(run, 0)  # the start is on the plane: the colour under the start dot is the run's loss
        s.select(k)
        assert s.plane_loss(run.a[0], run.b[0]) == pytest.approx(expected, abs=1e-3)
        assert np.isfinite(run.loss_full[0]) and run.loss_full[0] == pytest.approx(expected, abs=1e-3)
    s.select(0)
    checks = sanity_checks(s, 0)
    assert checks["hinge"] == pytest.approx((9.0, 9.0), abs=1e-3)
    assert checks["softmax"][0] == pytest.approx(math.log(10), abs=1e-3) and round(checks["softmax"][1], 2) == 2.30
    b = example_breakdown(hinge.W[0], s.data.X[0], int(s.data.y[0]), 1.0)
    assert b["losses"]["hinge"] == pytest.approx(9.0, abs=0.01)
    assert b["losses"]["softmax"] == pytest.approx(math.log(10), abs=1e-3)


def test_text_sum_over_all_classes():
    s = finished("sum-over-all-classes")
    says("sum-over-all-classes", "grows by exactly delta", "same gradient")
    run = s.runs[0]
    delta = s.model_of(run)["delta"]
    X, y = s.data.X, s.data.y
    for W in (run.W[0], run.W[-1]):
        S = X @ W
        all_j = np.maximum(0.0, S - S[np.arange(len(y)), y][:, None] + delta).sum(axis=1)
        assert all_j.mean() == pytest.approx(loss_of(s, W, loss="hinge", delta=delta) + delta)  # exactly + delta
        for n in (0, 7, len(y) - 1):
            b = example_breakdown(W, X[n], int(y[n]), delta)
            assert b["hinge_all_classes"] - b["losses"]["hinge"] == pytest.approx(delta)
            assert b["hinge_all_classes"] == pytest.approx(all_j[n])


def test_text_mean_vs_sum():
    s = ended("mean-vs-sum")  # selects runs
    says("mean-vs-sum", "C = 3", "C - 1 = 2", "halve lambda", "half the other")
    total, mean = s.runs
    assert s.data.C - 1 == 2 and mean.settings["lr"] == 2 * total.settings["lr"]
    np.testing.assert_array_equal(total.a, mean.a)  # one path on top of the other
    np.testing.assert_array_equal(total.b, mean.b)
    s.select(1)  # the mean run's landscape: the same shape, every value halved
    halves = [s.plane_loss(a, b) for a, b in ((0, 0), (-2, 1), (0.5, -1.5))]
    s.select(0)
    assert halves == pytest.approx([s.plane_loss(a, b) / 2 for a, b in ((0, 0), (-2, 1), (0.5, -1.5))])
    # with a regularizer: halve lambda too
    W = total.W[-1]
    L_sum, g_sum = kernels.loss_and_grad(W, s.data.X, s.data.y, loss="hinge", reg="l2", lam=0.02)
    L_mean, g_mean = kernels.loss_and_grad(W, s.data.X, s.data.y, loss="mean_hinge", reg="l2", lam=0.01)
    assert L_mean == pytest.approx(L_sum / 2) and np.allclose(g_mean, g_sum / 2)


def test_text_squared_hinge():
    s = ended("squared-hinge")  # selects runs
    says("squared-hinge", "about 2", "about 9 for the hinge, 48 squared", "end at different points")
    hinge, squared = s.runs
    assert s.plane.mode == "endpoints" and on_plane(hinge, -1) and on_plane(squared, -1)  # both ends on the plane
    assert np.linalg.norm(hinge.W[-1] - squared.W[-1]) > 0.3  # the runs end at different points
    # each end is lower than the other's end on its own loss
    h, q = s.model_of(hinge), s.model_of(squared)
    assert loss_of(s, hinge.W[-1], **h) < loss_of(s, squared.W[-1], **h)
    assert loss_of(s, squared.W[-1], **q) < loss_of(s, hinge.W[-1], **q)
    a0, b0 = s.extent[0], s.extent[2]  # the lower left corner
    line = {}
    for k in (0, 1):
        s.select(k)
        line[k] = np.array([s.plane_loss(t * a0, t * b0) for t in (0, 0.25, 0.5, 0.75, 1.0)])
    s.select(0)
    assert line[0][0] == pytest.approx(2.0, abs=0.01) and line[1][0] == pytest.approx(2.0, abs=0.01)
    assert line[0][-1] == pytest.approx(9, rel=0.1) and line[1][-1] == pytest.approx(48, rel=0.1)
    steps = np.diff(line[0])
    assert np.allclose(steps, steps.mean(), rtol=0.05)  # the hinge: a ramp, evenly spaced contours
    assert np.all(np.diff(np.diff(line[1])) > 1.0)  # the squared hinge climbs faster and faster


def test_text_w_not_unique():
    s = ended("w-not-unique")  # changes the penalty
    says("w-not-unique", "exactly 0 at step 231", "2W", "lambda 0.01", "Continue")
    run = s.runs[0]
    assert run.loss_full[230] > 0 and np.all(run.loss_full[231:] == 0)  # exactly 0 from step 231
    assert np.all(run.W[231:] == run.W[231])  # and it stops moving
    assert s.plane.mode == "endpoints" and np.abs(s.W_start).max() < 0.01  # the start is W near 0
    W = run.W[-1]
    assert run.a[-1] == pytest.approx(1) and run.b[-1] == pytest.approx(0, abs=1e-9)
    assert s.extent[0] < 0 and s.extent[1] > 2  # 2 on the horizontal axis is in view
    assert loss_of(s, 2 * W, loss="hinge") == 0 == loss_of(s, 3 * W, loss="hinge")
    assert np.allclose(s.plane.point(2, 0), 2 * W, atol=0.01)
    assert s.plane_loss(2, 0) == 0 == s.plane_loss(s.extent[1], 0)
    # L2 with lambda 0.01: the loss grows along the ray, a smaller W wins, and Continue shrinks W
    s.update_model(reg="l2", lam=0.01)
    assert 0 < s.plane_loss(0.8, 0) < s.plane_loss(1, 0) < s.plane_loss(2, 0)
    before = np.linalg.norm(W)
    s.extend_to(s.planned_steps + 250)
    s.advance(250)
    assert np.linalg.norm(run.W[-1]) < 0.8 * before


def test_text_margin_delta():
    s = finished("margin-delta")
    says("margin-delta", "twice as far out", "twice the loss", "same decision regions", "lambda * delta")
    one, two = s.runs
    assert (s.model_of(one)["delta"], s.model_of(one)["lam"]) == (1.0, 0.02)
    assert (s.model_of(two)["delta"], s.model_of(two)["lam"]) == (2.0, 0.01)
    W1, W2, W0 = one.W[-1], two.W[-1], s.W_start
    assert np.abs(W0).max() < 0.01  # the start is W near 0
    # one line through the start, the delta 2 end twice as far out
    d1, d2 = (W1 - W0).ravel(), (W2 - W0).ravel()
    assert d1 @ d2 / np.linalg.norm(d1) / np.linalg.norm(d2) > 0.999
    assert np.linalg.norm(d2) / np.linalg.norm(d1) == pytest.approx(2, rel=0.03)
    assert np.linalg.norm(W2 - 2 * W1) / np.linalg.norm(2 * W1) < 0.03
    X = s.data.X
    assert np.array_equal((X @ W1).argmax(1), (X @ W2).argmax(1))  # the same decision regions
    assert two.loss_full[-1] == pytest.approx(2 * one.loss_full[-1], rel=0.01)  # twice the loss
    # the identity: Loss(W; delta, lambda) = delta * Loss(W / delta; 1, lambda * delta)
    assert loss_of(s, 2 * W1, loss="hinge", delta=2.0, reg="l2", lam=0.01) == pytest.approx(
        2 * loss_of(s, W1, loss="hinge", delta=1.0, reg="l2", lam=0.02), rel=1e-12)


def test_text_softmax_range():
    s = finished("softmax-range")
    says("softmax-range", "starts at 1.04", "0.006 after 200 steps", "start -2.85", "about 16")
    run = s.runs[0]
    b = example_breakdown(np.array(presets.load("softmax-range").start), [1.0], 2, 1.0)
    assert round(b["losses"]["hinge"], 2) == 1.58 and round(b["losses"]["softmax"], 2) == 1.04
    assert round(run.loss_full[0], 2) == 1.04
    assert s.config.landscape["log_scale"] and s.plane.axis_names == ("W[0,2]", "W[0,1]")
    assert s.plane.W0[0, 0] == -2.85  # the cat score held at its start
    assert np.all(np.diff(run.loss_full) < 0) and run.loss_full[-1] > 0  # falls every step, never 0
    assert run.settings["steps"] == 200 and round(run.loss_full[-1], 3) == 0.006
    assert run.a[-1] > run.a[0] and run.b[-1] < run.b[0]  # to the lower right
    assert run.W[-1][0, 0] < -2.85 and 0 < run.off[-1] < 0.5  # the cat score lowered a little
    assert s.plane_loss(s.extent[0], s.extent[3]) == pytest.approx(16, abs=0.5)  # top left corner


def test_text_softmax_vs_hinge():
    s = finished("softmax-vs-hinge")
    says("softmax-vs-hinge", "starts at 0.18", "ln(1 + 2/e) = 0.55", "3e-48", "never moves")
    hinge, softmax = s.runs
    assert np.all(hinge.loss_full == 0) and np.all(hinge.W == hinge.W[0])  # 0 from the start, never moves
    assert round(softmax.loss_full[0], 2) == 0.18
    assert np.all(np.diff(softmax.loss_full) < 0) and softmax.loss_full[-1] > 0
    assert round(math.log(1 + 2 / math.e), 2) == 0.55
    far = example_breakdown(np.array([[10.0, -100, -100]]), [1.0], 0, 1.0)["losses"]["softmax"]
    assert far < 1e-40 and f"{far:.4f}" == "0.0000"
    assert f"{math.log1p(2 * math.exp(-110)):.0e}" == "3e-48"  # ln(1 + 2 e^-110): 0 in float64 arithmetic


def test_text_l1_vs_l2(tmp_path, capsys):
    says("l1-vs-l2", "more than a third", "97% against 98%", "under L2 none are")
    doc = exported("l1-vs-l2", tmp_path, capsys)  # the same run as test_l1_gives_more_exact_zeros_than_l2
    runs = {r["settings"]["reg"]: r for r in doc["runs"]}
    W1, W2 = np.array(runs["l1"]["final_W"]), np.array(runs["l2"]["final_W"])
    assert (W1 == 0).sum() > W1.size / 3 and (W2 == 0).sum() == 0  # more than a third; none
    assert round(100 * runs["l1"]["accuracy"][-1]) == 97 and round(100 * runs["l2"]["accuracy"][-1]) == 98


def test_text_too_much_regularization():
    s = finished("too-much-regularization")
    says("too-much-regularization", "after one proximal step", "accuracy 1/3", "ln 3 = 1.10", "class 0")
    fine, too_much = s.runs
    assert np.any(too_much.W[0] != 0) and np.all(too_much.W[1:] == 0)  # exactly 0 after one proximal step
    assert np.all(np.bincount(s.data.y) == len(s.data.y) / 3)  # three equal classes
    assert np.all(too_much.accuracy[1:] == pytest.approx(1 / 3))
    assert np.all((s.data.X @ too_much.W[-1]).argmax(1) == 0)  # class 0 for every point
    assert too_much.loss_full[-1] == pytest.approx(math.log(3)) and round(math.log(3), 2) == 1.10
    assert fine.accuracy[-1] > 0.9


def test_text_random_search():
    s = finished("random-search")
    says("random-search", "650 weights", "from 2.30 to about 1.4 (58% right)", "0.14 and 98%", "200 steps")
    rs, gd = s.runs
    assert s.plane.mode == "endpoints" and on_plane(rs, -1) and on_plane(gd, -1)
    assert s.data.D * s.data.C == 650 and rs.settings["batch_size"] >= s.data.N  # the full loss decides
    assert rs.settings["steps"] == gd.settings["steps"] == 200
    lb = rs.loss_batch[:-1]
    assert np.all(np.diff(lb) <= 1e-12)  # a step is kept only if the loss drops
    assert round(rs.loss_full[0], 2) == 2.30 and round(rs.loss_full[-1], 1) == 1.4
    assert round(rs.accuracy[-1], 2) == 0.58
    assert round(gd.loss_full[-1], 2) == 0.14 and round(gd.accuracy[-1], 2) == 0.98


def test_text_gradient_check():
    from losscape_lab.visualizer.views.lecture import grad_check_verdict

    s = fresh("gradient-check")
    says("gradient-check", "about 1e-8", "slope of 1/6", "frog score 3.9", "car score 4.9")
    softmax, hinge = s.runs
    assert s.model_of(softmax)["loss"] == "softmax" and s.model_of(hinge)["loss"] == "hinge"
    X, y = s.data.X, s.data.y
    assert s.data.class_names[y[1]] == "car" and s.plane.axis_names == ("W[1,2]", "W[1,1]")
    for step in (0, 30, s.planned_steps):
        s.advance(step - s.display_step)
        soft, hin = sanity_checks(s, 0)["grad_check"], sanity_checks(s, 1)["grad_check"]
        assert soft < 1e-7 and grad_check_verdict(soft, "softmax") == "agree"  # about 1e-8
        assert hin > 0.5 and "kink" in grad_check_verdict(hin, "hinge")
    assert "differ" in grad_check_verdict(1.0, "softmax") and "kink" not in grad_check_verdict(1.0, "softmax")
    # the hinge run sits on the kink: frog score 3.9, exactly 1 below the car score 4.9; it never moves
    W = hinge.W[-1]
    assert np.all(hinge.W == hinge.W[0]) and W[1, 1] == 4.9 and W[1, 2] == 3.9
    L, g = kernels.loss_and_grad(W, X, y, loss="hinge")
    assert L == 0 and np.all(g == 0)
    num = kernels.numerical_grad(lambda Wp: kernels.loss_and_grad(Wp, X, y, loss="hinge")[0], W,
                                 entries=[1 * 3 + 2, 1 * 3 + 1])
    assert num == pytest.approx([1 / 6, -1 / 6], abs=1e-6)  # half the 1/3 on the steep side
    # the dot on the edge of the flat region of the hinge landscape
    s.select(1)
    assert s.plane_loss(3.8, 4.9) == 0 == s.plane_loss(3.9, 4.9) and s.plane_loss(4.0, 4.9) > 0


def test_text_step_size():
    s = finished("step-size")
    says("step-size", "lr 0.01 is at 0.69", "about 0.76", "0.59", "red cross")
    crawl, good, zigzag, blowup = s.runs
    lrs = [r.settings["lr"] for r in s.runs]
    assert lrs == [0.01, 1.5, 4.2, 10.0] and crawl.settings["steps"] == 150
    floor = good.loss_full[-1]
    assert round(floor, 2) == 0.59 and good.loss_full[10] == pytest.approx(floor, abs=1e-3)  # within a few steps
    assert round(crawl.loss_full[150], 2) == 0.69 and crawl.loss_full[150] > good.loss_full[1]
    # lr 4.2 ends up bouncing between the walls at about 0.76, above the floor, for good
    assert round(zigzag.loss_full[150], 2) == 0.76 and zigzag.loss_full[150] > floor + 0.1
    d = np.diff(zigzag.W[-4:], axis=0).reshape(3, -1)
    assert d[0] @ d[1] < 0 and d[1] @ d[2] < 0  # each step reverses the last: a zig-zag
    longer = fresh("step-size")
    longer.extend_to(600)
    longer.advance(600)
    z = longer.runs[2].loss_full
    assert z[-1] == pytest.approx(z[-3], abs=1e-9) and z[-2] == pytest.approx(z[-4], abs=1e-9)  # a 2-cycle
    assert round(z[-1], 2) == 0.76 or round(z[-2], 2) == 0.76
    assert min(z[-2:]) > floor + 0.1
    # far too large: every step higher than the last, until it blows up
    assert blowup.diverged_at is not None and np.all(np.diff(blowup.loss_full) > 0)


def test_text_batch_size_noise():
    s = finished("batch-size-noise")
    says("batch-size-noise", "24 random minibatches", "within 0.1%", "about 10% above")
    b1, b32, full = s.runs
    assert [r.settings["batch_size"] for r in s.runs[:2]] == [1, 32] and full.settings["name"] == "gd"
    noise = [np.std(np.diff(r.loss_batch[:-1])) for r in s.runs]
    assert noise[0] > 3 * noise[1] > 3 * 3 * noise[2]  # batch 1 wanders, batch 32 less, full batch smooth
    assert np.allclose(full.loss_batch[:-1], full.loss_full[:-1])  # the full batch's thin curve is its loss
    f = full.loss_full[-1]
    assert abs(b32.loss_full[-1] / f - 1) < 0.001 and b1.loss_full[-1] / f - 1 == pytest.approx(0.10, abs=0.03)
    # on average a minibatch gradient is the full gradient
    W, X, y, m = b1.W[-1], s.data.X, s.data.y, s.model_of(b1)
    per_example = [kernels.loss_and_grad(W, X[n:n + 1], y[n:n + 1], **m)[1] for n in range(len(y))]
    assert np.allclose(np.mean(per_example, axis=0), kernels.loss_and_grad(W, X, y, **m)[1])
    assert s.config.view["gradient_spread"]
    assert s.gradient_spread(0)[2].shape == (24, 2)  # 24 minibatch steps around the full one


def test_gradient_check_panel_says_agree_for_softmax_and_kink_for_hinge(app):
    app.attach(fresh("gradient-check"))
    panel = app.window.lecture.text
    assert "agree" in panel.toPlainText() and "kink" not in panel.toPlainText()
    app._on_controls_run_selected(1)  # select the hinge run, as a click in Runs does
    assert "hinge loss" in app.window.landscape.title.text()
    assert "differ (W is at or within h of a hinge kink" in panel.toPlainText()


def test_text_stability_limit():
    s = finished("stability-limit")
    says("stability-limit", "2 / lambda_max", "(1 - lr lambda_max)", "factor -0.8", "factor -1.2", "about 0.36",
         "bottom's 0.33")
    X, y = s.data.X, s.data.y
    model = dict(loss="softmax", reg="l2", lam=0.01)
    # the minimum found on its own: the gradient vanishes there, and the steps are 0.9 and 1.1 of 2 / lambda_max
    W_min = kernels.run_optimizer(np.zeros((s.data.D, s.data.C)), X, y, optimizer="gd", lr=1.0, steps=3000,
                                  **model).state.W
    assert np.linalg.norm(kernels.loss_and_grad(W_min, X, y, **model)[1]) < 1e-9
    values, vectors = kernels.top_eigen(W_min, X, y, k=2, **model)
    assert [r.settings["lr"] for r in s.runs] == pytest.approx([0.9 * 2 / values[0], 1.1 * 2 / values[0]], rel=1e-6)
    u1 = vectors[0].ravel()
    start = s.runs[0].W[0]
    np.testing.assert_allclose(start - W_min, 0.1 * vectors[0] + 0.05 * vectors[1], atol=1e-6)
    settle, grow = (np.array([(W - W_min).ravel() @ u1 for W in r.W]) for r in s.runs)
    # near the minimum each step multiplies the distance along u1 by (1 - lr lambda_max): -0.8 and -1.2
    # (the loss is not exactly quadratic there: the factor alternates a little about its mean)
    assert abs(settle[10] / settle[0]) ** (1 / 10) == pytest.approx(0.8, abs=0.03)
    assert abs(grow[4] / grow[0]) ** (1 / 4) == pytest.approx(1.2, abs=0.05)
    assert abs(settle[-1]) < 1e-6 and abs(grow[8]) > 2 * abs(grow[0])
    assert np.all(np.sign(grow[1:12]) != np.sign(grow[:11]))  # a zig-zag across the bowl
    bottom = kernels.loss_and_grad(W_min, X, y, **model)[0]
    assert round(bottom, 2) == 0.33 and s.runs[0].loss_full[-1] == pytest.approx(bottom, abs=1e-8)
    end = s.runs[1].loss_full
    assert end[-1] == pytest.approx(end[-3], abs=1e-6) and end[-2] == pytest.approx(end[-4], abs=1e-6)  # a 2-cycle
    assert round(end[-1], 2) == 0.36 and s.runs[1].diverged_at is None


def _ends_apart(runs):
    return max(np.linalg.norm(a.W[-1] - b.W[-1]) for a, b in itertools.combinations(runs, 2))


def test_text_convex_vs_nonconvex():
    s = finished("convex-vs-nonconvex")
    says("convex-vs-nonconvex", "0.4187 to 0.4191", "about 96% accuracy", "12.7 apart", "loss 0.7469",
         "54% accuracy", "16 ReLU units")
    assert s.arch.kind == "mlp" and s.arch.hidden == 16
    final = [r.loss_full[-1] for r in s.runs]
    assert round(min(final), 4) == 0.4187 and round(max(final), 4) == 0.4191
    assert all(0.945 <= r.accuracy[-1] <= 0.975 for r in s.runs)
    apart = _ends_apart(s.runs)
    assert round(apart, 1) == 12.7
    starts = max(np.linalg.norm(a.W[0] - b.W[0]) for a, b in itertools.combinations(s.runs, 2))
    assert apart > starts  # "more than the starts were"
    # the same four seeds, the linear classifier (the Data box's model): one end
    cfg = presets.load("convex-vs-nonconvex")
    cfg.model["kind"] = "linear"
    lin = Session(cfg)
    lin.advance(10 ** 6)
    assert len({tuple(np.round(r.W[0].ravel(), 6)) for r in lin.runs}) == 4  # four different starts
    assert _ends_apart(lin.runs) < 1e-5
    assert round(lin.runs[0].loss_full[-1], 4) == 0.7469 and round(lin.runs[0].accuracy[-1], 2) == 0.54


def test_text_two_minima():
    s = finished("two-minima")
    says("two-minima", "loss 0.419", "10.9 apart", "rises to 0.83", "about twice", "(1, 0)", "(0, 1)")
    a, b = s.runs
    assert round(a.loss_full[-1], 3) == round(b.loss_full[-1], 3) == 0.419
    assert round(np.linalg.norm(a.W[-1] - b.W[-1]), 1) == 10.9
    # the plane holds both ends where the text says
    for run, at in ((a, (1.0, 0.0)), (b, (0.0, 1.0))):
        assert (run.a[-1], run.b[-1]) == pytest.approx(at, abs=1e-9) and run.off[-1] < 1e-9
    # on the straight line between the ends the loss rises to 0.83 near the middle
    line = [s.plane_loss(1 - t, t) for t in np.linspace(0, 1, 101)]
    peak = int(np.argmax(line))
    assert round(max(line), 2) == 0.83 and 40 <= peak <= 60
    assert max(line) / max(line[0], line[-1]) == pytest.approx(2.0, abs=0.1)


def test_text_scale_symmetry():
    s = fresh("scale-symmetry")
    says("scale-symmetry", "loss 0.206 and 95% accuracy", "ReLU(3 z) = 3 ReLU(z)", "6.16", "30.7", "4.09",
         "times 3", "divided by 3")
    trained, twin = s.runs
    assert twin.settings["unit_scale"] == 3.0
    assert not np.allclose(trained.W[0], twin.W[0])  # two points of weight space ...
    np.testing.assert_allclose(s.arch.scores(trained.W[0], s.data.X), s.arch.scores(twin.W[0], s.data.X),
                               rtol=1e-12, atol=1e-12)  # ... one function
    assert round(trained.loss_full[0], 3) == 0.206 and trained.accuracy[0] == twin.accuracy[0] == 0.95
    seen = {}
    for mode in ("random", "random_plain"):
        s.set_landscape(plane=mode)
        for k in (0, 1):
            s.select(k)  # the plane goes through the selected run
            seen[mode, k] = (s.plane_loss(1.0, 0.0), s.landscape_request(17).compute())
    # filter-normalized: the same picture through either point
    assert round(seen["random", 0][0], 2) == round(seen["random", 1][0], 2) == 6.16
    np.testing.assert_allclose(seen["random", 0][1], seen["random", 1][1], rtol=1e-7)
    # raw: the rescaled point looks far sharper
    assert round(seen["random_plain", 0][0], 2) == 4.09 and round(seen["random_plain", 1][0], 1) == 30.7
