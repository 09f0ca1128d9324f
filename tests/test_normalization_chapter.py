"""The normalisation chapter's numbers and claims, recomputed.

The page (book/normalization.ipynb) prints its numbers through ``dnnbook.normalization``; here they
are recomputed another way where one exists (central differences of the reference forward, the
exercise solution's layers, closed forms), and every claim the page's prose makes about them is
asserted: the batch-norm backward in graph and compact form, the running statistics' bias, the
coupling of a batch's examples, layer norm on 3-D input, dropout's expectation and backward, the
residual block's identity path, and the depth table and slider (plain vs residual vs batch norm).
"""
import numpy as np
import pytest

import course
from autograder.gradcheck import max_relative_error, numerical_gradient_array
from autograder.reference import normalization as ref
from dnnbook import normalization as nz

A = "normalization"
EPS = 1e-5


@pytest.fixture(scope="module")
def sol():
    return course.solution_namespace(A)


def _page_batch():
    """The page's first example: the same seed and draws as its cells."""
    rng = np.random.default_rng(0)
    x = rng.normal(loc=[0.0, 5.0, -3.0], scale=[1.0, 4.0, 0.5], size=(6, 3))
    return rng, x, np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 1.0])


def test_forward_running_statistics_and_a_batch_of_one():
    rng, x, s, b = _page_batch()
    out = ref.batchnorm_train(x, s, b, EPS)
    np.testing.assert_allclose(out.mean(axis=0), b, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), np.abs(s), rtol=1e-4)       # ν/(ν + ε) ≈ 1
    run_mean, run_var = np.zeros(3), np.ones(3)
    for _ in range(50):
        batch = rng.normal(loc=[0.0, 5.0, -3.0], scale=[1.0, 4.0, 0.5], size=(6, 3))
        run_mean, run_var = ref.running_mean(run_mean, batch, 0.9), ref.running_var(run_var, batch, 0.9)
    # "the running mean approaches (0, 5, −3)"; "the running std stays below (1, 4, 0.5) in every column"
    assert np.all(np.abs(run_mean - [0.0, 5.0, -3.0]) < 0.5 * np.array([1.0, 4.0, 0.5]))
    assert np.all(np.sqrt(run_var) < [1.0, 4.0, 0.5])
    # the biased variance of a batch of 6 averages to 5/6 of the true one
    draws = np.random.default_rng(5).normal(size=(20000, 6))
    assert draws.var(axis=1).mean() == pytest.approx(5 / 6, rel=0.02)
    # a batch of one in training mode returns b; evaluation mode does not
    np.testing.assert_allclose(ref.batchnorm_train(x[:1], s, b, EPS), b[None], atol=1e-12)
    assert not np.allclose(ref.batchnorm_eval(x[:1], s, b, run_mean, run_var, EPS), b[None])


def test_graph_and_compact_backward_agree_with_central_differences_and_the_solution(sol):
    rng, x, s, b = _page_batch()
    for _ in range(50):                                   # the page draws 50 batches before dout
        rng.normal(size=(6, 3))
    out, cache = nz.batchnorm_graph_forward(x, s, b, EPS)
    dout = rng.normal(size=out.shape)
    dx_g, ds_g, db_g, inter = nz.batchnorm_graph_backward(dout, cache)
    dx_c, ds_c, db_c = nz.batchnorm_compact_backward(dout, cache)
    num = numerical_gradient_array(lambda v: ref.batchnorm_train(v, s, b, EPS), x.copy(), dout)
    assert max_relative_error(dx_g, num) < 1e-6 and max_relative_error(dx_c, num) < 1e-6
    assert max_relative_error(dx_c, dx_g) < 1e-12
    np.testing.assert_allclose(dx_c.sum(axis=0), 0.0, atol=1e-12)            # "each column sums to zero"
    # "the gradient reaching x̄ is −r Σ_n g_n" (and not zero)
    np.testing.assert_allclose(inter["dmean"], -cache["r"] * (dout * s).sum(axis=0), rtol=1e-10)
    assert np.all(np.abs(inter["dmean"]) > 1e-3)
    bn = sol["BatchNorm"](3)
    bn.s, bn.b = s.copy(), b.copy()
    np.testing.assert_allclose(bn.forward(x), out, rtol=1e-12)
    np.testing.assert_allclose(bn.backward(dout), dx_c, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bn.ds, ds_g, rtol=1e-12)
    np.testing.assert_allclose(bn.db, db_g, rtol=1e-12)
    # evaluation mode: dout·s·r with the running statistics
    bn.train = False
    bn.forward(x)
    r = 1.0 / np.sqrt(bn.running_var + EPS)
    num = numerical_gradient_array(lambda v: ref.batchnorm_eval(v, s, b, bn.running_mean, bn.running_var, EPS),
                                   x.copy(), dout)
    assert max_relative_error(dout * s * r, num) < 1e-6
    np.testing.assert_allclose(bn.backward(dout), dout * s * r, rtol=1e-12)


def test_the_examples_of_a_batch_depend_on_each_other_only_in_batch_norm():
    _, x, s, b = _page_batch()
    dep = nz.batch_dependence(x, s, b, EPS)
    assert round(dep["batch norm"], 3) == 0.568 and dep["layer norm"] == 0.0
    # shuffling the batch permutes batch norm's outputs; a different partner changes them
    perm = np.array([3, 1, 0, 5, 4, 2])
    np.testing.assert_allclose(ref.batchnorm_train(x[perm], s, b, EPS), ref.batchnorm_train(x, s, b, EPS)[perm],
                               atol=1e-12)
    other = x.copy()
    other[1] += 1.0
    assert not np.allclose(ref.batchnorm_train(other, s, b, EPS)[0], ref.batchnorm_train(x, s, b, EPS)[0])
    np.testing.assert_allclose(ref.layernorm(other, s, b, EPS)[0], ref.layernorm(x, s, b, EPS)[0])


def test_layer_norm_on_a_batch_of_sequences(sol):
    rng = np.random.default_rng(3)
    x3 = rng.normal(size=(2, 3, 4)) * 2.0 + 1.0
    s4, b4, dout3 = rng.normal(size=4), rng.normal(size=4), rng.normal(size=(2, 3, 4))
    dx, ds, db = nz.layernorm_backward(dout3, x3, s4, EPS)
    assert max_relative_error(dx, numerical_gradient_array(lambda v: ref.layernorm(v, s4, b4, EPS), x3.copy(), dout3)) < 1e-6
    assert max_relative_error(ds, numerical_gradient_array(lambda v: ref.layernorm(x3, v, b4, EPS), s4.copy(), dout3)) < 1e-6
    ln = sol["LayerNorm"](4)
    ln.s, ln.b = s4.copy(), b4.copy()
    np.testing.assert_allclose(ln.forward(x3), ref.layernorm(x3, s4, b4, EPS), rtol=1e-12)
    np.testing.assert_allclose(ln.backward(dout3), dx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ln.ds, ds, rtol=1e-10)
    np.testing.assert_allclose(ln.db, db, rtol=1e-12)


def test_dropout_keeps_the_expected_activation(sol):
    xd = np.array([[1.0, -2.0, 3.0, 0.5]])
    outd, keep = nz.dropout_forward(xd, 0.5, np.random.default_rng(1))
    np.testing.assert_array_equal(outd, [[2.0, -4.0, 0.0, 1.0]])              # one of four dropped, the rest doubled
    errs = [np.abs(nz.dropout_means(xd, 0.5, n, seed=2) - xd).max() for n in (10, 100, 10_000)]
    assert errs[2] < errs[0] and errs[2] < 0.05                               # mean over masks → x
    # the solution's layer: the same masks from the same seed, identity in evaluation mode
    layer = sol["Dropout"](0.5, np.random.default_rng(1))
    np.testing.assert_array_equal(layer.forward(xd), outd)
    dout = np.arange(4.0)[None] + 1.0
    np.testing.assert_array_equal(layer.backward(dout), dout * keep / 0.5)
    layer.train = False
    np.testing.assert_array_equal(layer.forward(xd), xd)
    np.testing.assert_array_equal(layer.backward(dout), dout)
    # E[out] = x exactly, entry by entry: (1 − q)·x/(1 − q)
    q = 0.3
    big = np.random.default_rng(4).random((200_000,)) >= q
    assert big.mean() == pytest.approx(1 - q, abs=0.005)


def test_residual_block_identity_path(sol):
    rng = np.random.default_rng(7)
    xr = rng.normal(size=(5, 4))
    W1, b1 = rng.normal(size=(4, 6)) / 2.0, rng.normal(size=6) * 0.3
    W2, b2 = rng.normal(size=(6, 4)) / np.sqrt(6), rng.normal(size=4) * 0.3
    dout = rng.normal(size=(5, 4))
    dx, dW1, db1, dW2, db2 = nz.residual_backward(dout, xr, W1, b1, W2)
    num = numerical_gradient_array(lambda v: ref.residual(v, W1, b1, W2, b2), xr.copy(), dout)
    assert max_relative_error(dx, num) < 1e-6
    assert max_relative_error(dx - dout, num) > 0.1                           # without the identity path
    blk = sol["Residual"](W1, b1, W2, b2)
    blk.forward(xr)
    np.testing.assert_allclose(blk.backward(dout), dx, rtol=1e-12)
    for got, want in ((blk.dW1, dW1), (blk.db1, db1), (blk.dW2, dW2), (blk.db2, db2)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    # zero branch weights: the gradient passes unchanged (self-check 6)
    dx0 = nz.residual_backward(dout, xr, W1, b1, np.zeros_like(W2))[0]
    np.testing.assert_array_equal(dx0, dout)


def test_depth_table_supports_the_page():
    rows = {(kind, round(g, 2)): (r0, r1) for kind, g, r0, r1 in
            nz.depth_table(gains=(0.25, np.sqrt(2.0)), depth=30, steps=300)}

    def ratio(r):
        return r["dA"][0] / r["dA"][-1]
    p_small, p_he = rows[("plain", 0.25)], rows[("plain", 1.41)]
    r_small, r_he = rows[("residual", 0.25)], rows[("residual", 1.41)]
    b_small, b_he = rows[("batch norm", 0.25)], rows[("batch norm", 1.41)]
    # plain: vanished at a small gain (< 1e-20), nothing learned (chance level 33.3 %)
    assert ratio(p_small[0]) < 1e-20 and p_small[1]["accuracy"] == pytest.approx(1 / 3)
    # plain with He's gain: of order 1 at initialisation, slow training
    assert 0.1 < ratio(p_he[0]) < 10 and p_he[1]["finite"] and p_he[1]["accuracy"] < 0.6
    # residual, small gain: ratio close to 1, the best-trained stack of the table
    assert 0.5 < ratio(r_small[0]) < 2
    accs = [r1["accuracy"] for r0, r1 in rows.values() if r1["finite"]]
    assert r_small[1]["accuracy"] == max(accs) and r_small[1]["accuracy"] > 0.9
    # residual, He's gain: loss in the thousands at initialisation, about √2 per block, overflow
    assert r_he[0]["loss0"] > 1000 and not r_he[1]["finite"]
    per_block = ratio(r_he[0]) ** (1 / 29)
    assert 1.2 < per_block < 1.6
    # batch norm: the same loss at both gains; a thousand-fold growth towards the input; training works
    assert round(b_small[0]["loss0"], 2) == round(b_he[0]["loss0"], 2) == 1.22      # equal up to ε
    for r0, r1 in (b_small, b_he):
        assert 500 < ratio(r0) < 5000
        assert r1["finite"] and ratio(r1) < ratio(r0) and r1["accuracy"] > 0.5
    assert all(np.isfinite(r0["loss0"]) for r0, _ in rows.values())


def test_gain_slider_claims():
    """The prose after the table: plain needs a gain near √2, residual a small one, batch norm gives
    nearly the same ∂L/∂A at every gain (its loss at initialisation is identical)."""
    gains = [0.1, 0.25, 0.5, 0.75, 1.0, 1.25, np.sqrt(2.0), 1.75, 2.0]
    runs = {(k, g): nz._init_run(k, float(g), 30, 32) for k in nz.KINDS for g in gains}

    def ratio(k, g):
        r = runs[(k, g)]
        return r["dA"][0] / r["dA"][-1]
    ok_plain = [g for g in gains if 0.1 < ratio("plain", g) < 10]
    assert np.sqrt(2.0) in ok_plain and 0.5 not in ok_plain and 1.0 not in ok_plain
    ok_res = [g for g in gains if 0.1 < ratio("residual", g) < 10]
    assert 0.1 in ok_res and 0.25 in ok_res and np.sqrt(2.0) not in ok_res
    losses = [runs[("batch norm", g)]["loss0"] for g in gains]
    assert max(losses) - min(losses) < 1e-2 * min(losses)
    top = [runs[("batch norm", g)]["dA"][0] for g in gains]
    assert max(top) < 1.5 * min(top) and all(500 < ratio("batch norm", g) < 2000 for g in gains)
    dW = [runs[("batch norm", g)]["dW"][0] * g for g in gains]          # roughly ∝ 1/g
    assert max(dW) < 2 * min(dW)


NUMERICAL_BACKWARD = '''
class BatchNorm(BatchNorm):
    """A 'backward' by central differences of its own forward: two forward passes per entry."""
    def forward(self, x):
        self.x_in, self.mode = np.array(x, dtype=float), self.train
        return super().forward(x)

    def backward(self, dout):
        saved = self.running_mean.copy(), self.running_var.copy()
        def f(v):
            self.running_mean, self.running_var = saved[0].copy(), saved[1].copy()
            return float(np.sum(super(type(self), self).forward(v) * dout))
        x, h, dx = self.x_in.copy(), 1e-5, np.zeros_like(self.x_in)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            fp = f(x)
            x[i] = old - h
            fm = f(x)
            x[i] = old
            dx[i] = (fp - fm) / (2 * h)
        self.running_mean, self.running_var = saved
        super().forward(self.x_in)
        self.running_mean, self.running_var = saved
        super().backward(dout)
        return dx
'''


def test_batch_grader_solution_blank_and_numerical_backward(tmp_path):
    """Sandboxed batch grader: the solution scores full marks, the blank notebook 0, and a batch
    norm whose backward differentiates its own forward numerically runs out of time on the large
    input (0 for the batchnorm item only)."""
    status, scores, points = course.grade_solution_blank_and(tmp_path, A, "answer_batchnorm", NUMERICAL_BACKWARD)
    assert status["solution"]["status"] == "graded", status["solution"]
    assert scores["solution"] == points
    assert scores["blank"] == {g: 0.0 for g in points}
    assert scores["numerical"] == {**points, "test_batchnorm": 0.0}, (scores["numerical"], status["numerical"])
