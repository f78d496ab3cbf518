"""The Qt-free session: runs computed ahead, changes mid-run, the plane, the landscape cache."""

import numpy as np
import pytest

from losscape_lab import kernels
from losscape_lab.visualizer.session import config as C
from losscape_lab.visualizer.session.plane import pca_plane, random_plane, weights_plane
from losscape_lab.visualizer.session.runs import accuracy, kernel_kwargs
from losscape_lab.visualizer.session.session import Session


def test_runs_are_computed_ahead_and_match_the_kernels(make):
    s = make("[optimizer]\nsteps = 40\nlr = 0.2\nbatch_size = 8\nseed = 5")
    run = s.runs[0]
    assert run.head == 40 and s.display_step == 0
    ref = kernels.run_optimizer(s.W_start, s.data.X, s.data.y, optimizer="sgd", lr=0.2, batch_size=8, steps=40,
                                seed=5, loss="softmax", reg="l2", lam=1e-3)
    np.testing.assert_array_equal(run.W, ref.W)
    np.testing.assert_array_equal(run.loss_batch[:-1], ref.loss_batch[:-1])
    assert np.isfinite(run.loss_full).all()
    np.testing.assert_allclose(run.accuracy, accuracy(ref.W, s.data.X, s.data.y))


def test_runs_stop_at_their_steps_until_extended(make):
    s = make("[optimizer]\nsteps = 10\n[[run]]\n[[run]]\nsteps = 4\nlr = 0.3")
    assert s.advance(6)
    assert not s.advance(25) and s.display_step == 10 and s.at_end()
    assert [r.head for r in s.runs] == [10, 4]
    s.extend_to(25)
    assert s.advance(100) is False and s.display_step == 25
    assert [r.head for r in s.runs] == [25, 19]  # each run goes on by as much
    s.reset()
    assert s.planned_steps == 10


def test_changing_lr_mid_run_continues_from_the_shown_step(make):
    s = make("[optimizer]\nsteps = 30\nlr = 0.1\nbatch_size = 4\nseed = 2")
    s.advance(12)
    before = s.runs[0].W[:13].copy()
    s.update_run(0, lr=0.5)
    run = s.runs[0]
    np.testing.assert_array_equal(run.W[:13], before)  # the past is kept
    # the future is exactly: the old settings up to step 12, then lr = 0.5 from the same state
    kw = dict(optimizer="sgd", batch_size=4, seed=2, loss="softmax", reg="l2", lam=1e-3)
    a = kernels.run_optimizer(s.W_start, s.data.X, s.data.y, lr=0.1, steps=12, **kw)
    b = kernels.run_optimizer(a.state, s.data.X, s.data.y, lr=0.5, steps=run.head - 12, **kw)
    np.testing.assert_array_equal(run.W[12:], b.W)
    assert [seg.start for seg in run.segments] == [0, 12]


def test_changing_lam_only_rerenders_from_the_cached_data_term(make):
    s = make("[model]\nlam = 0.01\n[landscape]\nresolution = 24")
    req = s.landscape_request()
    assert s.landscape() is None  # nothing computed yet
    s.store_data_grid(req.key, req.compute())
    g1 = s.landscape()
    s.update_model(lam=0.1)
    assert s.landscape_request().key == req.key  # the data term is unchanged
    g2 = s.landscape()
    p = s.plane
    ref = kernels.loss_grid(s.data.X, s.data.y, p.W0, p.U, p.V, req.alphas, req.betas, reg="l2", lam=0.1)
    np.testing.assert_allclose(g2, ref, rtol=1e-6)  # the app sums softmax grids in float32
    assert not np.allclose(g1, g2)
    s.update_model(loss="hinge")
    assert s.landscape_request().key != req.key and s.landscape() is None


def test_divergence_is_marked_and_the_session_keeps_working(make):
    s = make("[model]\nlam = 1.0\n[optimizer]\nname = 'gd'\nlr = 5.0\nsteps = 600")
    run = s.runs[0]
    assert run.diverged_at is not None and run.head < 600
    assert np.isfinite(run.W).all() and np.isfinite(run.a).all()
    s.advance(1000)
    assert s.display_step == run.head
    at, head = run.diverged_at, run.head
    s.update_run(0, lr=0.1)  # shown diverged: it stays so (no revival from a blown-up W) until asked
    assert (run.diverged_at, run.head, run.outdated) == (at, head, True) and run.settings["lr"] == 0.1
    assert s.restart_outdated() == [run]  # Continue: from its start, with the sane step size
    assert run.diverged_at is None and not run.outdated and run.head > 0
    s.reset()
    assert s.runs[0].diverged_at is None and s.runs[0].head == 600


def test_a_change_before_the_divergence_goes_on_from_the_shown_step(make):
    s = make("[model]\nlam = 1.0\n[optimizer]\nname = 'gd'\nlr = 5.0\nsteps = 600")
    run = s.runs[0]
    at = run.diverged_at
    s.seek(at - 2)  # Home / Left: before it blew up
    assert run.diverged_by(s.display_step) is None and run.diverged_by(at) == at
    s.update_run(0, lr=0.01)
    assert run.diverged_at is None and not run.outdated and run.head > at


def test_planes_and_projection(make):
    s = make()
    W = s.runs[0].W
    for plane in (pca_plane([W]), random_plane(W[-1], seed=1), weights_plane(W[0], [[0, 0], [1, 2]])):
        a, b, off = plane.project(plane.point(0.3, -0.7)[None])
        assert a[0] == pytest.approx(0.3) and b[0] == pytest.approx(-0.7) and off[0] == pytest.approx(0, abs=1e-9)
    wp = weights_plane(W[0], [[0, 0], [1, 2]])
    a, b, off = wp.project(W)
    np.testing.assert_allclose(a, W[:, 0, 0])
    np.testing.assert_allclose(b, W[:, 1, 2])
    with pytest.raises(ValueError, match=r"W\[5, 0\] is outside W"):
        weights_plane(W[0], [[5, 0], [1, 2]])
    # a path that moves only in two entries lies in the weights plane: zero distance
    assert np.allclose(weights_plane(W[0], [[0, 0], [1, 2]]).project(W[:1])[2], 0)


def test_pca_plane_holds_a_planar_path_exactly():
    rng = np.random.default_rng(3)
    W0, U, V = rng.normal(size=(3, 4, 3))
    t = np.linspace(0, 1, 30)
    path = W0 + np.sin(3 * t)[:, None, None] * U + t[:, None, None] ** 2 * V  # curved, in one plane
    plane = pca_plane([path])
    a, b, off = plane.project(path)
    assert off.max() < 1e-12 * np.abs(path).max()
    np.testing.assert_allclose(plane.point(a[:, None, None], b[:, None, None]), path, atol=1e-12)


def test_pca_plane_holds_a_gd_path_nearly(make):
    s = make("[optimizer]\nname = 'gd'\nlr = 0.1\nsteps = 50")
    off = s.runs[0].off
    assert off.max() < 0.2 * np.abs(s.runs[0].a).max()  # GD on a smooth loss: nearly planar


def test_set_start_and_runs(make):
    s = make("[optimizer]\nsteps = 20")
    s.set_start_on_plane(0.5, -0.5)
    assert s.runs[0].a[0] == pytest.approx(0.5) and s.runs[0].b[0] == pytest.approx(-0.5)
    s.add_run(lr=0.01)
    assert len(s.runs) == 2 and s.runs[1].head >= 20 and s.runs[1].color != s.runs[0].color
    s.remove_run(0)
    assert len(s.runs) == 1 and len(s.config.runs) == 1
    with pytest.raises(C.ConfigError, match="at least one run"):
        s.remove_run(0)
    with pytest.raises(C.ConfigError, match="lr must be > 0"):
        s.update_run(0, lr=-1)


def test_start_matrix_from_config_must_fit_the_data(make):
    with pytest.raises(C.ConfigError, match="start must be 3 x 3"):
        make("start = [[0.0, 0.0], [0.0, 0.0]]")


def test_moving_a_point_changes_the_data_and_the_runs(make):
    s = make()
    key = s.landscape_request().key
    before = s.runs[0].W[-1].copy()
    s.move_point(0, (5.0, 5.0))
    assert s.data.X[0, 0] == 5.0 and s.landscape_request().key != key
    assert not np.array_equal(s.runs[0].W[-1], before)


def test_regularization_part_matches_the_kernels(make):
    s = make("[model]\nreg = 'elastic'\nlam = 0.3\nl1_ratio = 0.25\n[optimizer]\nsteps = 5")
    run = s.runs[0]
    for t in range(6):
        with_reg = kernels.loss_and_grad(run.W[t], s.data.X, s.data.y, reg="elastic", lam=0.3, l1_ratio=0.25)[0]
        without = kernels.loss_and_grad(run.W[t], s.data.X, s.data.y)[0]
        assert run.loss_reg[t] == pytest.approx(with_reg - without, rel=1e-9)


def test_regularization_part_keeps_the_lambda_of_its_own_step(make):
    s = make("[model]\nreg = 'l2'\nlam = 0.01\n[optimizer]\nname = 'gd'\nsteps = 30")
    s.advance(10)
    s.update_model(lam=1.0)
    s.advance(10)
    run = s.runs[0]
    for t in (2, 9, 10, 15):
        lam = 0.01 if t < 10 else 1.0
        assert run.loss_reg[t] == pytest.approx(lam * (run.W[t] ** 2).sum(), rel=1e-12)
        assert run.model_at(t)["lam"] == lam
        if np.isfinite(run.loss_full[t]):  # the recorded loss is under the same lambda
            data = kernels.loss_and_grad(run.W[t], s.data.X, s.data.y, loss="softmax")[0]
            assert run.loss_full[t] == pytest.approx(data + run.loss_reg[t], rel=1e-9)


def test_every_preset_builds_a_session():
    from losscape_lab.visualizer.session import presets

    for name in presets.available():
        s = Session(presets.load(name))
        assert all(r.head >= 1 for r in s.runs) and s.extent is not None
        assert np.isfinite(s.runs[0].loss_full[0])


def test_minibatch_steps_scatter_around_the_full_batch_step(make):
    s = make("[optimizer]\nsteps = 10\nbatch_size = 4\nlr = 0.5")
    origin, full, batch = s.gradient_spread(0, samples=600)
    run = s.runs[0]
    assert origin == pytest.approx([run.a[0], run.b[0]])
    assert batch.shape == (600, 2)
    spread = np.linalg.norm(batch - full, axis=1).mean()
    assert spread > 0.2 * np.linalg.norm(full)  # batch 4: visibly noisy
    # a minibatch gradient is an unbiased estimate of the full one
    assert np.linalg.norm(batch.mean(axis=0) - full) < 0.25 * spread


def test_weights_are_replayed_exactly_from_bounded_checkpoints(make):
    from losscape_lab.visualizer.session import weights

    s = make("[optimizer]\nname = 'adam'\nbatch_size = 7\nsteps = 5000\nlr = 0.05")
    run = s.runs[0]
    assert len(run.path.checkpoints) <= weights.MAX_CHECKPOINTS and run.path.every > weights.FIRST_EVERY
    ref = kernels.run_optimizer(s.W_start, s.data.X, s.data.y, steps=5000,
                                **kernel_kwargs(run.segments[0].model, run.segments[0].settings))
    for t in (0, 1, 17, 1234, 4095, 4096, 4999, 5000):
        np.testing.assert_array_equal(run.W[t], ref.W[t])
    np.testing.assert_array_equal(run.W[2000:2100], ref.W[2000:2100])
    state = run.path.state_at(3333)
    np.testing.assert_array_equal(state.W, ref.W[3333])


def test_a_run_of_many_steps_keeps_tens_of_bytes_per_step(make):
    s = make("[optimizer]\nsteps = 20000\nbatch_size = 4")
    run = s.runs[0]
    per_step = sum(getattr(run, name).nbytes for name in run.RECORDS) / (run.head + 1)
    weights = sum(c.W.nbytes * 4 for c in run.path.checkpoints.values())  # W and three optimizer buffers
    assert per_step <= 9 * 8 and weights < 300 * 9 * 8 * 4


def test_add_run_copies_the_selected_run_and_its_start(make):
    s = make("[[run]]\nlr = 0.1\n[[run]]\nlr = 0.7\nname = 'momentum'")
    s.select(1)
    s.set_start(np.full((3, 3), 0.5), run_index=1)
    run = s.add_run()
    assert run.settings["lr"] == 0.7 and run.settings["name"] == "momentum" and s.selected == 2
    np.testing.assert_array_equal(run.W[0], np.full((3, 3), 0.5))


def test_default_labels_name_what_differs_between_runs(make):
    s = make("[optimizer]\nname = 'gd'\nlr = 0.3\n[[run]]\nloss = 'hinge'\n[[run]]\nloss = 'softmax'")
    assert [r.label for r in s.runs] == ["hinge", "softmax"]
    s.update_run(1, lr=0.5)
    assert [r.label for r in s.runs] == ["lr=0.3 hinge", "lr=0.5 softmax"]
    s.update_run(1, label="mine")
    assert s.runs[1].label == "mine"
    assert [r.label for r in make("[optimizer]\nlr = 0.2").runs] == ["SGD lr=0.2"]
    twins = make("[[run]]\n[[run]]")
    assert [r.label for r in twins.runs] == ["SGD lr=0.1 #1", "SGD lr=0.1 #2"]
    mixed = make("[optimizer]\nname = 'momentum'\nschedule = 'step'\n[[run]]\n[[run]]\nmomentum = 0.5\nseed = 3")
    assert [r.label for r in mixed.runs] == ["momentum=0.9 seed=0", "momentum=0.5 seed=3"]
    from losscape_lab.visualizer.i18n import set_language

    set_language("ko")
    mixed.relabel()
    assert [r.label for r in mixed.runs] == ["모멘텀=0.9 시드=0", "모멘텀=0.5 시드=3"]
    assert make("[optimizer]\nname = 'momentum'").runs[0].label == "모멘텀 lr=0.1"


def test_exact_losses_and_spreads_are_computed_once_per_shown_point_and_never_stale(make, monkeypatch):
    """The status line and the gradient spread ask for the same numbers frame after frame: one kernel pass
    per shown point, and a new one as soon as the point, the model or the data changes."""
    from losscape_lab import kernels
    s = make("[optimizer]\nsteps = 20\n[model]\nreg = \"l2\"\nlam = 0.01")
    s.advance(5)
    calls = []
    real = kernels.loss_and_grad
    monkeypatch.setattr(kernels, "loss_and_grad", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = s.run_loss(0), s.plane_loss(s.runs[0].a[5], s.runs[0].b[5])
    spread = s.gradient_spread(0)
    n = len(calls)
    assert (s.run_loss(0), s.plane_loss(s.runs[0].a[5], s.runs[0].b[5])) == first
    assert s.gradient_spread(0)[1].tolist() == spread[1].tolist() and len(calls) == n
    s.update_model(lam=1.0)  # from the shown step on: the next step's loss has the new penalty
    s.advance(1)
    assert s.run_loss(0) != first[0] and len(calls) > n
    lam_now = s.run_loss(0)
    s.move_point(0, (5.0, 5.0))
    assert s.run_loss(0) != lam_now


def test_a_start_near_the_minimum_and_steps_from_its_curvature(make):
    s = make("[model]\nreg = 'l2'\nlam = 0.05\ninit = 'near_minimum'\ninit_offset = 0.2\n"
             "[optimizer]\nname = 'gd'\nlr_of_limit = 0.5\nsteps = 10")
    W_min, top = s._minimum
    g = kernels.loss_and_grad(W_min, s.data.X, s.data.y, reg="l2", lam=0.05)[1]
    assert np.linalg.norm(g) < 1e-8
    assert top == pytest.approx(kernels.top_eigen(W_min, s.data.X, s.data.y, k=1, reg="l2", lam=0.05)[0][0])
    assert s.runs[0].settings["lr"] == pytest.approx(0.5 * 2 / top) == s.config.runs[0]["lr"]
    assert np.linalg.norm(s.W_start - W_min) == pytest.approx(0.2 * np.sqrt(1.25))
    s.update_run(0, lr=0.3)  # a step size set by hand is no longer a fraction of the limit
    assert s.runs[0].settings["lr_of_limit"] == 0 and s.runs[0].settings["lr"] == 0.3
    with pytest.raises(C.ConfigError, match="lr_of_limit needs a loss that curves"):
        make("[model]\nloss = 'hinge'\nreg = 'none'\n[optimizer]\nlr_of_limit = 0.9")
    with pytest.raises(C.ConfigError, match=r"\[model\] init must be one of"):
        C.loads("[model]\ninit = 'minimum'")


def test_the_status_line_is_built_in_the_session_layer(make):
    """The run's own loss beside the plane's, exactly where that is cheap; stopped runs say so."""
    from losscape_lab.visualizer.session.status import status_line

    s = make("[optimizer]\nname = 'gd'\nlr = 0.1\nsteps = 5")
    s.advance(5)
    text = status_line(s, 0, 5, 5, lambda: None)
    assert text.startswith(f"{s.runs[0].label}: step 5 · loss: run {s.run_loss(0, 5):.4g}")
    assert f"/ plane {s.plane_loss(s.runs[0].a[5], s.runs[0].b[5]):.4g}" in text
    assert "stopped at its planned steps" in text


def test_another_data_set_or_model_rewrites_the_demo_in_the_session_layer(make):
    from losscape_lab.visualizer.session import config as C

    cfg = C.loads("start = [[0.0, 0.0, 0.0]]\n[landscape]\nplane = 'hessian'\nentries = [[0, 1], [1, 1]]\n"
                  "[lecture]\nquestion = 'q?'\n[optimizer]\nlr_of_limit = 0.5")
    other = C.on_other_data(cfg, {"name": "iris"})
    assert other.data == {"name": "iris"} and other.start is None and other.lecture == {}
    assert other.landscape["entries"] == C.LANDSCAPE["entries"][0] and cfg.landscape["entries"] == [[0, 1], [1, 1]]
    net = C.on_other_model(cfg, {"kind": "mlp", "hidden": 8, "activation": "tanh"})
    assert net.model["kind"] == "mlp" and net.model["init"] == "random" and net.start is None
    assert net.landscape["plane"] == "pca" and all(r["lr_of_limit"] == 0 for r in net.runs)  # no hessian plane
    assert cfg.landscape["plane"] == "hessian" and cfg.runs[0]["lr_of_limit"] == 0.5  # the old demo is kept


def test_a_runs_settings_have_one_owner(make):
    """Run.settings is the run's dict in config.runs: every change the session makes is the saved one."""
    s = make("[[run]]\nlr = 0.1\n[[run]]\nlr = 0.3\nloss = 'hinge'")
    s.update_run(0, lr=0.05, name="momentum")
    s.add_run(lr=0.2)
    s.share_model(1)
    s.remove_run(0)
    assert len(s.runs) == len(s.config.runs) == 2
    assert all(run.settings is cfg for run, cfg in zip(s.runs, s.config.runs))
    assert s.config.runs[0]["loss"] is None and s.config.runs[1]["lr"] == 0.2
