"""The Examples and Weights tabs and Explain step in the window: the numbers they show, their links to
the data view and the landscape, and edits of W."""

import math

import numpy as np
import pytest
from PyQt6 import QtCore

from losscape_lab import kernels
from test_explain import CAT_CAR_FROG
from losscape_lab.visualizer.session import config as C
from losscape_lab.visualizer.session import explain as E
from losscape_lab.visualizer.session.session import Session
from losscape_lab.visualizer.state import window_state


def _column(view, header):
    m = view.model
    return m.columns[m.headers.index(header)]


def test_the_examples_tab_shows_the_lectures_cat_car_frog_losses(app):
    app.attach(Session(C.loads(CAT_CAR_FROG)))
    w = app.window
    w.tabs.setCurrentWidget(w.examples)
    np.testing.assert_allclose(_column(w.examples, "L_i"), [2.9, 0.0, 12.9], atol=1e-12)
    np.testing.assert_allclose(_column(w.examples, "s cat"), [3.2, 1.3, 2.2])
    assert list(_column(w.examples, "class")) == ["cat", "car", "frog"]
    assert "5.26667" in w.examples.footer.text() and "1 of 3 examples has zero loss" in w.examples.footer.text()
    # the zero-loss row is green, the others orange; the active margins bold
    m = w.examples.model
    assert m.background[1] == "#D8EFD8" and m.background[0] != m.background[1]
    k = m.headers.index("margin car")
    assert m.bold[0][k] and not m.bold[1][k]
    # sorted by loss, largest first: frog, cat, car
    w.examples.table.sortByColumn(m.headers.index("L_i"), QtCore.Qt.SortOrder.DescendingOrder)
    assert [w.examples._example(r) for r in range(3)] == [2, 0, 1]


def test_examples_follow_the_shown_step_and_mark_the_minibatch(app, attach):
    s = attach("[optimizer]\nbatch_size = 7\nsteps = 30\nseed = 3")
    w = app.window
    w.tabs.setCurrentWidget(w.examples)
    app.advance(11)
    app.pause()  # while playing the tab follows four times a second; paused, at once
    ex = E.examples(s, 0)
    np.testing.assert_allclose(_column(w.examples, "L_i"), ex["loss"])
    assert ex["data_loss"] == pytest.approx(kernels.loss_and_grad(s.runs[0].W[11], s.data.X, s.data.y)[0], rel=1e-12)
    marked = [i for i, v in enumerate(_column(w.examples, "batch")) if v]
    assert marked == sorted(kernels.batch_indices(3, 11, s.data.N, 7))
    assert w.examples.describe()["rows"] == s.data.N


def test_hovering_a_row_rings_its_point_and_hovering_a_point_selects_its_row(app, attach):
    s = attach()
    w = app.window
    w.tabs.setCurrentWidget(w.examples)
    w.examples.table.sortByColumn(w.examples.model.headers.index("L_i"), QtCore.Qt.SortOrder.DescendingOrder)
    row = 4
    index = w.examples._example(row)
    w.examples.table.entered.emit(w.examples.proxy.index(row, 0))
    x, y = w.data.hover_ring.getData()
    assert (x[0], y[0]) == (s.data.X[index, 0], s.data.X[index, 1])
    w.data.point_hovered.emit(17)
    rows = w.examples.table.selectionModel().selectedRows()
    assert [w.examples._example(r.row()) for r in rows] == [17]
    w.examples.example_hovered.emit(-1)
    assert len(w.data.hover_ring.getData()[0]) == 0


def test_a_nudge_in_the_weights_tab_moves_the_runs_point(app, attach):
    s = attach("[optimizer]\nsteps = 40")
    w = app.window
    app.advance(20)
    w.tabs.setCurrentWidget(w.weights)  # a tab brought up shows the numbers at once
    run = s.runs[0]
    before = run.W[20].copy()
    a0 = run.a[20]
    np.testing.assert_allclose(_column(w.weights, "W"), before.ravel())
    wt = E.weights(s, 0)
    np.testing.assert_allclose(_column(w.weights, "dL/dW"), wt["grad"].ravel())
    w.weights.table.selectRow(1)  # W[0, 1] in the data's order
    w.weights.step.setValue(0.5)
    w.weights.up.click()
    after = before.copy()
    after[0, 1] += 0.5
    np.testing.assert_array_equal(run.W[20], after)
    assert s.display_step == 20 and run.a[20] != a0  # the head moved on the landscape
    np.testing.assert_allclose(_column(w.weights, "W"), after.ravel())
    assert w.weights.selected_entries() == [1]  # W[0, 1] of the flat W  # the selection stays for the next nudge
    assert s.run_loss(0) == pytest.approx(kernels.loss_and_grad(after, s.data.X, s.data.y, reg="l2", lam=1e-3)[0])
    app.undo()
    np.testing.assert_array_equal(app.session.runs[0].W[20], before)


def test_zero_w_gives_the_lectures_initial_loss_ln_c(app, attach):
    s = attach("[model]\nreg = 'none'\nlam = 0.0")
    w = app.window
    w.tabs.setCurrentWidget(w.weights)
    w.weights.zero.click()
    assert np.abs(s.runs[0].W[0]).max() == 0
    assert s.run_loss(0) == pytest.approx(math.log(3))
    w.weights.randomize.click()
    assert 0 < np.abs(s.runs[0].W[0]).max() < 0.1


def test_explain_step_takes_the_shown_step_apart_with_arrows_and_the_batch(app, attach):
    s = attach("[optimizer]\nname = 'momentum'\nbatch_size = 6\nsteps = 30\nlr = 0.05")
    w = app.window
    app.advance(9)
    w.set_explaining(True)
    assert w.explain_action.isChecked() and w.panel_shown() == "lecture"
    html = w.lecture.text.toHtml()
    assert "Step 9 taken apart" in html and "v' = mu v - lr g" in html
    x = E.explain_step(s, 0)
    figure = w.landscape.figure
    line, head = figure.explain_items["update"]
    xs, ys = line.getData()
    scale = (xs[1] - xs[0]) / x["arrows"]["update"][0]
    assert scale >= 1 and (ys[1] - ys[0]) == pytest.approx(scale * x["arrows"]["update"][1])
    assert (xs[0], ys[0]) == pytest.approx(tuple(x["origin"]))
    assert set(figure.explain_items) == {"gradient", "update", "velocity"}
    assert len(w.data.batch_rings.getData()[0]) == 6
    app.step_once()  # the next step is explained
    assert "Step 10 taken apart" in w.lecture.text.toHtml()
    w.set_explaining(False)
    assert "taken apart" not in w.lecture.text.toHtml()
    assert len(figure.explain_items["update"][0].getData()[0] or []) == 0
    assert len(w.data.batch_rings.getData()[0]) == 0


def test_loss_colours_grade_losses_and_grey_out_nan():
    from losscape_lab.visualizer.views.tables import NO_LOSS, ZERO_LOSS, loss_colours

    c = loss_colours([0.0, 1.0, 4.0, np.nan, np.inf])
    assert c[0] == ZERO_LOSS and c[3] == c[4] == NO_LOSS  # not "zero loss": the scores overflowed
    assert c[1] != c[2] and c[2] == "#F6B278"  # the largest finite loss: the strongest orange


def test_state_lists_every_example(app, attach):
    s = attach()
    app.advance(5)
    doc = window_state(app.window, s)
    ex = E.examples(s, 0)
    assert len(doc["examples"]) == s.data.N
    row = doc["examples"][7]
    assert row["index"] == 7 and row["label"] == int(s.data.y[7])
    np.testing.assert_allclose(row["scores"], s.data.X[7] @ s.runs[0].W[5])
    assert row["loss"] == pytest.approx(ex["loss"][7])


def test_numbers_that_are_zero_up_to_rounding_read_0():
    from losscape_lab.visualizer.views.tables import number_text

    assert number_text(-0.0) == "0" and number_text(2.1e-16, scale=0.3) == "0"
    assert number_text(3.5e-05, scale=0.3) == "3.5e-05" and number_text(-0.1234567) == "-0.1235"
    assert number_text(2.1e-16) == "2.1e-16"  # alone in its column, a small number is a number
    assert number_text(float("nan")) == "nan"


def test_no_number_in_the_weights_tab_is_cut(app):
    """The penalty column of l1-vs-l2 holds 3.5e-05 beside 0.005: every number column is at least as
    wide as the widest number the table writes ("-8.888e-88"), however it was first sized."""
    from PyQt6 import QtWidgets

    from losscape_lab.visualizer.session import presets

    app.open_config(presets.load("l1-vs-l2"))
    app.pause()
    w = app.window
    w.tabs.setCurrentWidget(w.weights)
    app.advance(100)
    app.refresh_tables()
    QtWidgets.QApplication.processEvents()
    view, model = w.weights.table, w.weights.model
    metrics = view.fontMetrics()
    for c, scale in enumerate(model.scales):
        if scale is None:
            continue
        width = view.horizontalHeader().sectionSize(c)
        texts = [model.data(model.index(r, c)) for r in range(model.n)]
        assert max(metrics.horizontalAdvance(t) for t in texts) + 6 <= width, (model.headers[c], width)
        assert "-0" not in texts
