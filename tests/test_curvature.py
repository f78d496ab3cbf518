"""Curvature: H V against a Hessian from finite differences of the gradient, its symmetry, the piecewise
linear losses' zero, and the top eigenvalues against a dense eigendecomposition and a closed form."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from losscape_lab import kernels
from losscape_lab.kernels import curvature as K


def problem(seed, N, D, C, dtype=np.float64, scale=0.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)).astype(dtype)
    W = (scale * rng.normal(size=(D, C))).astype(dtype)
    return W, X, rng.integers(0, C, N)


def fd_hessian(W, X, y, h=1e-5, **kw):
    """Column j: (grad(W + h e_j) - grad(W - h e_j)) / 2h, in float64."""
    W = W.astype(np.float64)
    X = X.astype(np.float64)
    cols = []
    for j in range(W.size):
        E = np.zeros(W.size)
        E[j] = h
        E = E.reshape(W.shape)
        gp = kernels.loss_and_grad(W + E, X, y, **kw)[1]
        gm = kernels.loss_and_grad(W - E, X, y, **kw)[1]
        cols.append(((gp - gm) / (2 * h)).ravel())
    return np.stack(cols, axis=1)


def dense(W, X, y, **kw):
    n = W.size
    return np.stack([kernels.hessian_vector(W, X, y, e.reshape(W.shape), **kw).astype(np.float64).ravel()
                     for e in np.eye(n)], axis=1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 20), D=st.integers(1, 4), C=st.integers(2, 4),
       loss=st.sampled_from(["softmax", "squared_hinge"]), reg=st.sampled_from(["none", "l2", "elastic"]),
       lam=st.floats(0, 1), l1_ratio=st.floats(0, 1))
def test_hessian_vector_matches_finite_differences_of_the_gradient(dtype, seed, N, D, C, loss, reg, lam, l1_ratio):
    W, X, y = problem(seed, N, D, C, dtype)
    kw = dict(loss=loss, reg=reg, lam=lam, l1_ratio=l1_ratio)
    if loss == "squared_hinge":  # keep off the kinks, where the second derivative jumps
        S = X.astype(np.float64) @ W.astype(np.float64)
        m = S - S[np.arange(N), y][:, None] + 1.0
        if np.abs(m).min() < 1e-3:
            return
    H = dense(W, X, y, **kw)
    Vd = np.random.default_rng(seed + 1).normal(size=W.shape).astype(dtype)
    HV = kernels.hessian_vector(W, X, y, Vd, **kw)
    assert HV.shape == W.shape and HV.dtype == W.dtype
    np.testing.assert_allclose(H, fd_hessian(W, X, y, **kw), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(H, H.T, atol=1e-12)  # symmetric: <U, H V> = <V, H U>
    np.testing.assert_allclose(HV.astype(np.float64).ravel(), H @ Vd.astype(np.float64).ravel(),
                               rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-5)


@pytest.mark.parametrize("loss", ["hinge", "mean_hinge", "ova_hinge", "structured_hinge"])
def test_piecewise_linear_losses_curve_only_through_the_penalty(loss):
    W, X, y = problem(3, 15, 3, 4)
    Vd = np.random.default_rng(4).normal(size=W.shape)
    assert np.all(kernels.hessian_vector(W, X, y, Vd, loss=loss) == 0)
    assert np.all(kernels.hessian_vector(W, X, y, Vd, loss=loss, reg="l1", lam=0.3) == 0)
    np.testing.assert_allclose(kernels.hessian_vector(W, X, y, Vd, loss=loss, reg="l2", lam=0.3), 0.6 * Vd)
    np.testing.assert_allclose(kernels.hessian_vector(W, X, y, Vd, loss=loss, reg="elastic", lam=0.3,
                                                      l1_ratio=0.25), 0.45 * Vd)
    np.testing.assert_allclose(dense(W, X, y, loss=loss, reg="l2", lam=0.3),
                               fd_hessian(W, X, y, loss=loss, reg="l2", lam=0.3), atol=1e-6)


def test_softmax_at_zero_has_its_closed_form_top_eigenvalue():
    """W = 0: every p is 1/C, so H = (X^T X / N) (x) (I/C - 11^T/C^2) + 2 lam I, whose largest
    eigenvalue is lambda_max(X^T X / N) / C + 2 lam."""
    _, X, y = problem(5, 40, 3, 5)
    W = np.zeros((3, 5))
    values, vectors = kernels.top_eigen(W, X, y, k=2, reg="l2", lam=0.05)
    top = np.linalg.eigvalsh(X.T @ X / len(X))[-1] / 5 + 0.1
    assert values[0] == pytest.approx(top, rel=1e-10)
    assert values[0] >= values[1]


@pytest.mark.parametrize("dense_up_to", [K.DENSE_UP_TO, 0])  # whole Hessian, or Lanczos
def test_top_eigen_against_a_dense_eigendecomposition(monkeypatch, dense_up_to):
    monkeypatch.setattr(K, "DENSE_UP_TO", dense_up_to)
    W, X, y = problem(7, 60, 6, 4)
    kw = dict(loss="softmax", reg="l2", lam=0.01)
    values, vectors = kernels.top_eigen(W, X, y, k=3, **kw)
    ref = np.linalg.eigvalsh(dense(W, X, y, **kw))[::-1][:3]
    np.testing.assert_allclose(values, ref, rtol=1e-8)
    assert vectors.shape == (3, 6, 4)
    for lam_k, v in zip(values, vectors):
        assert np.linalg.norm(v) == pytest.approx(1.0)
        np.testing.assert_allclose(kernels.hessian_vector(W, X, y, v, **kw), lam_k * v, atol=1e-8)


@pytest.mark.parametrize("call, message", [
    (lambda W, X, y: kernels.hessian_vector(W, X, y, np.ones((2, 2))), "V must have W's shape"),
    (lambda W, X, y: kernels.hessian_vector(W, X, y, np.full(W.shape, np.nan)), "V contains NaN"),
    (lambda W, X, y: kernels.top_eigen(W, X, y, k=0), "k must be"),
    (lambda W, X, y: kernels.top_eigen(W, X, y, k=13), "k must be"),
    (lambda W, X, y: kernels.hessian_vector(W, X, y, W, loss="cubic"), "loss must be one of"),
    (lambda W, X, y: kernels.top_eigen(W * 1e200, X * 1e200, y), "scores X @ W overflow"),
])
def test_bad_input_is_a_clear_error(call, message):
    W, X, y = problem(1, 10, 3, 4)
    with pytest.raises(ValueError, match=message):
        call(W, X, y)


def test_the_lecture_panel_the_step_size_and_the_state_give_the_largest_safe_step(app, attach):
    from losscape_lab.visualizer.state import window_state

    s = attach("[model]\nloss = 'hinge'\nreg = 'l2'\nlam = 0.05\n[optimizer]\nname = 'gd'\nsteps = 5")
    w = app.window
    w.tabs.setCurrentWidget(w.lecture)
    app.refresh_lecture()
    doc = window_state(w, s)
    assert doc["curvature"]["lambda_max"] == pytest.approx(0.1) and doc["curvature"]["lr_limit"] == pytest.approx(20)
    assert "1 / lam" in w.lecture.text.toPlainText() and "2 / lambda_max = 20" in w.lecture.text.toPlainText()
    assert not w.controls.lr_limit.isHidden() and "20" in w.controls.lr_limit.text()
    s = attach("[optimizer]\nname = 'gd'\nsteps = 5\nlr = 0.5")
    app.refresh_lecture()
    run = s.runs[0]
    W = run.W[run.shown(s.display_step)]
    top = kernels.top_eigen(W, s.data.X, s.data.y, k=1, **run.model_at(run.shown(s.display_step)))[0][0]
    doc = window_state(w, s)
    assert doc["curvature"]["lambda_max"] == pytest.approx(top) and doc["curvature"]["lr_limit"] == pytest.approx(2 / top)
    s = attach("[model]\nloss = 'hinge'\nreg = 'none'\n[optimizer]\nname = 'gd'\nsteps = 5")
    app.refresh_lecture()
    assert window_state(w, s)["curvature"]["lr_limit"] is None and w.controls.lr_limit.isHidden()


def test_the_hessian_plane_runs_along_the_two_most_curved_directions(make):
    s = make("[optimizer]\nname = 'gd'\nsteps = 30\nlr = 0.5\n[landscape]\nplane = 'hessian'\nresolution = 24")
    run = s.runs[0]
    W = run.W[run.shown(s.display_step)]
    p = s.plane
    assert p.mode == "hessian" and np.allclose(p.W0, W)
    assert abs(np.vdot(p.U, p.V)) < 1e-10 and np.linalg.norm(p.U) == pytest.approx(1.0)
    values, _ = kernels.top_eigen(W, s.data.X, s.data.y, k=2, **run.model_at(run.shown(s.display_step)))
    for vec, value in zip((p.U, p.V), values):
        np.testing.assert_allclose(kernels.hessian_vector(W, s.data.X, s.data.y, vec, **s.model_of(run)),
                                   value * vec, atol=1e-8)
    assert s.plane.axis_names[0] == f"eigenvector 1 (lambda {values[0]:.3g})"
    assert values[0] >= values[1] > 0


def test_while_playing_large_data_the_gui_thread_leaves_the_curvature_for_a_pause(app, attach, monkeypatch):
    from losscape_lab.visualizer.session import budget

    monkeypatch.setattr(budget, "WHILE_PLAYING", 1)  # the toy data counts as large here
    attach("[optimizer]\nname = 'gd'\nsteps = 50")
    w = app.window
    w.tabs.setCurrentWidget(w.lecture)
    app.play()
    app.refresh_lecture()
    assert "Computed when playback is paused" in w.lecture.text.toPlainText()
    app.pause()
    assert "lambda_max = " in w.lecture.text.toPlainText()
