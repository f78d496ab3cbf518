"""The numbers behind the picture (Qt-free): every example's terms and loss, W's gradient split into its
data and penalty parts, one optimizer step taken apart, and weights edited by hand."""

import numpy as np
import pytest

from losscape_lab import kernels
import naive
from losscape_lab.visualizer.session import config as C
from losscape_lab.visualizer.session import explain as E
from losscape_lab.visualizer.session.runs import kernel_kwargs
from losscape_lab.visualizer.session.session import Session

CAT_CAR_FROG = """
start = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]]
[data]
name = "scores"
labels = [0, 1, 2]
class_names = ["cat", "car", "frog"]
[model]
loss = "hinge"
reg = "none"
lam = 0.0
[optimizer]
name = "gd"
lr = 0.05
steps = 10
"""


def test_the_lectures_cat_car_frog_losses_term_by_term():
    s = Session(C.loads(CAT_CAR_FROG))
    ex = E.examples(s, 0)
    np.testing.assert_allclose(ex["loss"], [2.9, 0.0, 12.9], atol=1e-12)
    # cat: only car's margin is active (5.1 - 3.2 + 1 = 2.9); frog: cat 2.2 + 3.1 + 1 and car 2.5 + 3.1 + 1
    np.testing.assert_allclose(ex["terms"], [[0, 2.9, 0], [0, 0, 0], [6.3, 6.6, 0]], atol=1e-12)
    assert ex["data_loss"] == pytest.approx(15.8 / 3, abs=1e-12) == pytest.approx(s.run_loss(0), abs=1e-12)
    assert round(ex["data_loss"], 2) == 5.27  # the lecture's full loss
    assert ex["kind"] == "margins" and list(ex["batch"]) == [0, 1, 2]  # gradient descent: every example


@pytest.mark.parametrize("loss", sorted(kernels.LOSSES))
def test_each_examples_loss_averages_to_the_kernels_data_loss(loss):
    rng = np.random.default_rng(3)
    N, D, Cn = 17, 4, 5
    X, y, W = rng.normal(size=(N, D)), rng.integers(0, Cn, N), rng.normal(size=(D, Cn))
    terms, L = E.example_terms(X @ W, y, loss, 1.5)
    for n in range(N):  # one example at a time through the kernel, and through the plain reference
        assert L[n] == pytest.approx(kernels.loss_and_grad(W, X[n:n + 1], y[n:n + 1], loss=loss, delta=1.5)[0],
                                     rel=1e-12)
    assert L.mean() == pytest.approx(naive.loss_and_grad(W, X, y, loss=loss, delta=1.5)[0], rel=1e-12)
    if loss == "softmax":
        np.testing.assert_allclose(terms.sum(axis=1), 1.0)
        np.testing.assert_allclose(L, -np.log(terms[np.arange(N), y]))
    elif loss != "structured_hinge":
        np.testing.assert_allclose(terms.sum(axis=1), L)


def test_softmax_terms_are_stable_for_huge_scores():
    terms, L = E.example_terms(np.array([[1000.0, 0.0, -1000.0]]), [1], "softmax", 1.0)
    assert np.isfinite(L).all() and L[0] == pytest.approx(1000.0)


@pytest.mark.parametrize("reg", ["l2", "l1", "elastic"])
def test_the_gradient_splits_into_data_and_penalty_parts(make, reg):
    s = make(f"[model]\nreg = '{reg}'\nlam = 0.05\n[optimizer]\nsteps = 20")
    s.advance(7)
    w = E.weights(s, 0)
    W = s.runs[0].W[7]
    np.testing.assert_array_equal(w["W"], W)
    total = kernels.loss_and_grad(W, s.data.X, s.data.y, loss="softmax", reg=reg, lam=0.05)[1]
    np.testing.assert_allclose(w["grad_data"] + w["grad_reg"], total, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(w["grad_data"], kernels.loss_and_grad(W, s.data.X, s.data.y)[1])
    assert np.abs(w["grad_reg"]).max() > 0


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_one_step_taken_apart_is_the_step_the_run_took(make, name):
    s = make(f"[optimizer]\nname = '{name}'\nlr = 0.05\nbatch_size = 5\nsteps = 30\nseed = 4\n"
             "schedule = 'inv_t'\ndecay = 0.1")
    s.advance(9)
    run = s.runs[0]
    x = E.explain_step(s, 0)
    assert x["step"] == 9 and x["lr"] == pytest.approx(0.05 / (1 + 0.1 * 9))
    np.testing.assert_array_equal(x["W"], run.W[9])
    np.testing.assert_array_equal(x["W_next"], run.W[10])
    np.testing.assert_array_equal(x["batch"], kernels.batch_indices(4, 9, s.data.N, 5))
    # the minibatch gradient (data part on those rows, plus the L2 part) against the plain reference
    X, y = s.data.X[x["batch"]], s.data.y[x["batch"]]
    ref = naive.loss_and_grad(x["W"], X, y, loss="softmax", reg="l2", lam=1e-3)[1]
    np.testing.assert_allclose(x["grad"], ref, rtol=1e-9, atol=1e-13)
    g, lr = x["grad"], x["lr"]
    v0, v1 = x["velocity"]
    m0, m1 = x["first"]
    c0, c1 = x["second"]
    if name == "sgd":
        expected = -lr * g
    elif name == "momentum":
        np.testing.assert_allclose(v1, 0.9 * v0 - lr * g, rtol=1e-9, atol=1e-15)
        expected = v1
    elif name == "nesterov":
        expected = -0.9 * v0 + 1.9 * v1
    elif name == "adagrad":
        np.testing.assert_allclose(c1, c0 + g * g, rtol=1e-9, atol=1e-18)
        expected = -lr * g / (np.sqrt(c1) + 1e-8)
    elif name == "rmsprop":
        np.testing.assert_allclose(c1, 0.99 * c0 + 0.01 * g * g, rtol=1e-9, atol=1e-18)
        expected = -lr * g / (np.sqrt(c1) + 1e-8)
    else:
        b1, b2 = x["bias_correction"]
        assert (b1, b2) == pytest.approx((1 - 0.9 ** 10, 1 - 0.999 ** 10))
        np.testing.assert_allclose(m1, 0.9 * m0 + 0.1 * g, rtol=1e-9, atol=1e-15)
        expected = -lr * (m1 / b1) / (np.sqrt(c1 / b2) + 1e-8)
    np.testing.assert_allclose(x["update"], expected, rtol=1e-7, atol=1e-14)
    # the arrows: the update on the plane is where the run's next point projects
    a, b, _ = s.plane.project(run.W[10])
    np.testing.assert_allclose(x["origin"] + x["arrows"]["update"], [a, b], rtol=1e-9, atol=1e-12)
    assert ("velocity" in x["arrows"]) == (name in ("momentum", "nesterov"))


def test_a_proximal_step_leaves_l1_out_of_the_gradient(make):
    s = make("[model]\nreg = 'l1'\nlam = 0.05\n[optimizer]\nprox = true\nsteps = 10\nbatch_size = 8")
    s.advance(3)
    x = E.explain_step(s, 0)
    assert x["prox"] and np.abs(x["grad_reg"]).max() == 0
    W = x["W"] - x["lr"] * x["grad"]  # then the soft threshold
    np.testing.assert_allclose(x["W_next"], np.sign(W) * np.maximum(np.abs(W) - x["lr"] * 0.05, 0), atol=1e-14)


def test_an_edited_w_moves_the_runs_point_and_the_run_goes_on_from_there(make):
    s = make("[optimizer]\nname = 'momentum'\nlr = 0.1\nbatch_size = 8\nsteps = 200\nseed = 1")
    s.advance(40)
    run = s.runs[0]
    state = run.path.state_at(40)
    W = run.W[40].copy()
    W[0, 1] += 0.5
    s.edit_weights(0, W)
    np.testing.assert_array_equal(run.W[40], W)
    assert s.display_step == 40 and run.head > 40
    # the run continues from the edited W with its velocity as it was
    ref = kernels.run_optimizer(kernels.OptimizerState(W, 40, state.velocity, state.first, state.second),
                                s.data.X, s.data.y, steps=run.head - 40, **kernel_kwargs(run.segments[-1].model,
                                                                                        run.segments[-1].settings))
    np.testing.assert_array_equal(run.W[40:], ref.W)
    run.path._cache = (0, run.W[0][None])  # forget the cached stretch: step 45 is replayed from step 32
    np.testing.assert_array_equal(run.W[45], ref.W[5])
    np.testing.assert_array_equal(run.W[40], W)
    assert run.loss_reg[40] == pytest.approx(kernels.penalty(W, reg="l2", lam=1e-3))
    # a setting changed at the same step keeps the edit
    s.display_step = 40
    s.update_run(0, lr=0.05)
    np.testing.assert_array_equal(run.W[40], W)
    with pytest.raises(C.ConfigError, match="finite"):
        s.edit_weights(0, np.full_like(W, np.nan))


def test_an_edit_at_step_0_is_the_runs_own_start(make):
    s = make("[[run]]\n[[run]]\nlr = 0.3")
    W = np.zeros_like(s.W_start)
    s.edit_weights(1, W)
    np.testing.assert_array_equal(s.runs[1].W[0], W)
    assert s.runs[0].W[0] is not None and not np.array_equal(s.runs[0].W[0], W)
