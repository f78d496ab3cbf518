"""The small network in the app: the window, the tables, an explained step, --state, exports and the
model chosen in the Data box."""

import json

import numpy as np
import pytest

from losscape_lab.visualizer.session import explain as E
from losscape_lab.visualizer.state import window_state
from losscape_lab.visualizer.views.data import class_color

NET = """
[model]
kind = "mlp"
hidden = 6
loss = "softmax"
reg = "l2"
lam = 0.001
[optimizer]
name = "momentum"
lr = 0.2
batch_size = 20
steps = 60
[[run]]
seed = 1
[[run]]
seed = 2
[landscape]
plane = "endpoints"
resolution = 24
"""


def test_the_window_shows_the_networks_landscape_regions_and_numbers(app, attach):
    s = attach(NET)
    w = app.window
    assert s.arch.kind == "mlp" and s.runs[0].W[0].shape == (3 * 6 + 7 * 3,)
    assert not np.array_equal(s.runs[0].W[0], s.runs[1].W[0])  # each run from its own seed
    assert "network" in w.data.plot.titleLabel.text
    # the decision regions are the network's: its class at every pixel
    img = w.data.region_classes
    xs = np.linspace(w.data.lo[0], w.data.hi[0], img.shape[1])
    ys = np.linspace(w.data.lo[1], w.data.hi[1], img.shape[0])
    pts = np.column_stack([np.repeat(xs[None], len(ys), 0).ravel(), np.repeat(ys[:, None], len(xs), 1).ravel(),
                           np.ones(img.size)])
    np.testing.assert_array_equal(img.ravel(), s.arch.scores(s.runs[0].W[0], pts).argmax(axis=1))
    shown = w.data.regions.image  # and each pixel is painted in its class's colour (over the background)
    rgb = np.array([class_color(c).getRgb()[:3] for c in range(3)], dtype=np.float64)
    np.testing.assert_array_equal(shown[..., :3], np.rint(60 / 255 * rgb + (1 - 60 / 255) * 255.0)[img])
    assert all(len(ln.getData()[0] or []) == 0 for ln in w.data.lines)  # no zero-score lines for a network
    # the landscape is the network's loss: at its end, on the plane, the head's value there is its loss
    app.advance(60)
    doc = window_state(w, s)
    head = doc["runs"][0]["head"]
    assert head["off_plane"] < 1e-9 and head["plane_loss"] == pytest.approx(head["loss_full"], rel=1e-9)
    assert doc["architecture"] == {"kind": "mlp", "hidden": 6, "activation": "relu", "parameters": 39}
    assert doc["controls"]["model"] == "mlp" and doc["controls"]["hidden"] == 6
    row = doc["examples"][3]
    np.testing.assert_allclose(row["scores"], s.arch.scores(s.runs[0].W[60], s.data.X[3:4])[0])


def test_the_weights_tab_and_an_explained_step_name_the_networks_entries(app, attach):
    s = attach(NET)
    w = app.window
    app.advance(12)
    w.tabs.setCurrentWidget(w.weights)
    names = list(zip(w.weights.model.columns[0], w.weights.model.columns[1]))
    assert names[0] == ("W1 x1", "hidden 1") and names[-1] == ("W2 bias", "c")
    assert len(names) == s.arch.size
    wt = E.weights(s, 0)
    np.testing.assert_allclose(w.weights.model.columns[2], s.runs[0].W[12])
    total = s.arch.loss_and_grad(s.runs[0].W[12], s.data.X, s.data.y, reg="l2", lam=0.001)[1]
    np.testing.assert_allclose(wt["grad_data"] + wt["grad_reg"], total, rtol=1e-10, atol=1e-14)
    w.weights.table.selectRow(5)
    w.weights.step.setValue(0.25)
    before = s.runs[0].W[12].copy()
    w.weights.up.click()
    after = s.runs[0].W[12]
    assert after[5] == pytest.approx(before[5] + 0.25) and np.delete(after, 5) == pytest.approx(np.delete(before, 5))
    w.set_explaining(True)
    html = w.lecture.text.toHtml()
    assert "Step 12 taken apart" in html
    x = E.explain_step(s, 0)
    np.testing.assert_allclose(x["update"], x["velocity"][1])  # momentum: the step is the new velocity
    np.testing.assert_array_equal(x["W_next"], s.runs[0].W[13])


def test_the_model_is_chosen_in_the_data_box(app, attach, qtbot):
    s = attach("[optimizer]\nsteps = 20\n[landscape]\nresolution = 24\nplane = 'weights'")
    c = app.window.controls
    assert c.kind.currentData() == "linear" and not c.hidden.isEnabled()
    c.kind.setCurrentIndex(c.kind.findData("mlp"))
    c.kind.activated.emit(c.kind.currentIndex())
    s2 = app.session
    assert s2 is not s and s2.arch.kind == "mlp" and s2.arch.hidden == 16
    assert s2.plane.mode == "pca"  # two weights of W make no plane of a network
    assert c.hidden.isEnabled()
    for v in (9, 10, 8):  # clicks on the arrows: one new demo once they stop
        c.hidden.setValue(v)
    assert app.session is s2
    qtbot.waitUntil(lambda: app.session.arch.hidden == 8, timeout=3000)
    c.kind.setCurrentIndex(c.kind.findData("linear"))
    c.kind.activated.emit(c.kind.currentIndex())
    assert app.session.arch.kind == "linear"


def test_a_network_exports_every_format(app, attach, tmp_path):
    attach(NET)
    app.advance(20)
    for ext in ("png", "svg", "csv", "json", "npz"):
        path = tmp_path / f"net.{ext}"
        assert app.export_to(str(path), size=(400, 300)) is not None
        assert path.stat().st_size > 100
    doc = json.loads((tmp_path / "net.json").read_text())
    assert len(doc["runs"][0]["final_W"]) == 39
    gif = tmp_path / "net.gif"
    assert app.export_to(str(gif), size=(200, 150), frames=4) is not None
    from PIL import Image

    with Image.open(gif) as im:
        assert im.n_frames == 4


def test_planes_a_network_cannot_have_are_a_message_and_the_demo_stays(app, attach):
    s = attach(NET)
    version = s.plane_version
    app._on_controls_landscape_changed({"plane": "weights"})
    assert "two entries of the linear W" in app.window.statusBar().currentMessage()
    assert s.config.landscape["plane"] == "endpoints" and s.plane.mode == "endpoints"
    assert s.plane_version > version  # refitted as it was, not left half-changed
    big = attach(NET.replace("hidden = 6", "hidden = 120"))  # 3*120 + 121*3 = 723 parameters
    app._on_controls_landscape_changed({"plane": "hessian"})
    assert "up to 400 parameters" in app.window.statusBar().currentMessage()
    assert big.plane.mode == "endpoints"


def test_adding_a_run_on_a_plane_through_the_selected_run(app, attach):
    s = attach(NET.replace('plane = "endpoints"', 'plane = "random"'))
    app._on_controls_run_added()
    assert len(s.runs) == 3 and s.selected == 2
    np.testing.assert_array_equal(s.plane.W0, s.runs[2].W[-1])  # the plane went to the new, selected run
    app._on_controls_run_removed()
    assert len(s.runs) == 2 and s.selected == 1
    np.testing.assert_array_equal(s.plane.W0, s.runs[1].W[-1])


def test_switching_the_model_keeps_a_lecture_only_when_it_asks_for_the_switch(app):
    from losscape_lab.visualizer.session import presets

    for name, kept in (("two-minima", False), ("convex-vs-nonconvex", True)):
        app._on_window_preset_requested(name)
        c = app.window.controls
        c.kind.setCurrentIndex(c.kind.findData("linear"))
        c.kind.activated.emit(c.kind.currentIndex())
        assert app.session.arch.kind == "linear"
        assert bool(app.session.config.lecture) == kept, name
    assert presets.load("convex-vs-nonconvex").lecture["model_switch"]
