"""The lecture walkthrough: every bundled question opens, explains itself, and its answer checks out
in the exported numbers."""

import json
import math

import numpy as np
import pytest

from visualizer.app import main
from visualizer.session import presets
from visualizer.session.lecture import example_breakdown


def exported(name, tmp_path, capsys):
    out = tmp_path / f"{name}.json"
    assert main(["export", "--preset", name, "--out", str(out)]) == 0, capsys.readouterr().err
    return json.loads(out.read_text())


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
        # softmax is positive for all three; for the last it is 2e-48, which rounds to 0 in float64
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
    from visualizer.session.session import Session

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
