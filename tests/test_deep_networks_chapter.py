"""The deep-networks chapter's numbers and claims, recomputed; and its exercise through the batch grader.

The page (book/deep_networks.ipynb) prints its numbers through ``dnnbook.deep_networks``; here they
are recomputed another way (central differences of the reference forward, the exercise solution's
layers and ``Network``, closed-form counts), and every claim the page's prose makes about its
tables is asserted. The last test grades the solution, the blank notebook and a "backward" that
differentiates the forward numerically with the sandboxed batch grader.

Runtime: about 35 s on the shared 2-core machine (17 s of it the batch grader with 3 submissions,
12 s the deep-vs-wide grid).
"""

import numpy as np
import pytest

import course
from autograder.gradcheck import max_relative_error, numerical_gradient
from autograder.reference import deep_networks as ref
from autograder.reference import two_layer_net as tln
from dnnbook import deep_networks as dn

A = "deep_networks"


@pytest.fixture(scope="module")
def sol():
    return course.solution_namespace(A)


def _solution_net(sol, Ws, bs, acts):
    layers = []
    for l, (W, b) in enumerate(zip(Ws, bs)):
        layers.append(sol["Affine"](W.copy(), b.copy()))
        if l < len(acts):
            layers.append(sol[acts[l]]())
    return sol["Network"](layers + [sol["SoftmaxWithLoss"]()]), layers[::2]


@pytest.mark.parametrize("sizes,acts", [([3, 4], []), ([2, 5, 3], ["Relu"]),
                                        ([3, 6, 5, 4, 3], ["Relu", "Sigmoid", "Tanh"]),
                                        ([1, 4, 4, 4, 4, 2], ["Tanh", "Tanh", "Sigmoid", "Relu"])])
def test_delta_recursion_matches_numerical_gradients_and_the_solution(sizes, acts, sol):
    rng = np.random.default_rng(len(sizes))
    Ws, _ = dn.he_weights(sizes, rng)
    bs = [rng.normal(scale=0.3, size=n) for n in sizes[1:]]
    X, y = rng.normal(size=(5, sizes[0])), rng.integers(0, sizes[-1], size=5)
    loss, dWs, dbs, cache = dn.forward_backward(Ws, bs, acts, X, y)
    assert loss == pytest.approx(ref.loss(Ws, bs, acts, X, y), rel=1e-12)
    net, affines = _solution_net(sol, Ws, bs, acts)
    assert net.loss(X, y) == pytest.approx(loss, rel=1e-12)
    dX = net.backward()
    np.testing.assert_allclose(dX, cache["delta"][0] @ Ws[0].T, rtol=1e-10, atol=1e-14)
    for l in range(len(Ws)):
        num = numerical_gradient(lambda v: ref.loss(Ws[:l] + [v] + Ws[l + 1:], bs, acts, X, y), Ws[l].copy())
        assert max_relative_error(dWs[l], num) < 1e-6
        np.testing.assert_allclose(dWs[l], affines[l].dW, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(dbs[l], affines[l].db, rtol=1e-10, atol=1e-14)
        assert dWs[l].shape == Ws[l].shape and cache["delta"][l].shape == (5, sizes[l + 1])


def test_layer_counts_and_shapes():
    sizes = [784, 256, 128, 10]
    rows = dn.layer_table(sizes)
    assert [r[3] for r in rows] == [784 * 256 + 256, 256 * 128 + 128, 128 * 10 + 10]
    assert dn.n_params(sizes) == 235_146
    shapes = dict(dn.shape_rows(sizes=(2, 4, 5, 3), N=6))
    assert shapes["W2"] == shapes["∂L/∂W2"] == (4, 5)
    assert shapes["Z2"] == shapes["δ2"] == shapes["A2"] == (6, 5)
    assert shapes["δ3"] == (6, 3) and shapes["∂L/∂b1"] == (4,)


@pytest.fixture(scope="module")
def tuned():
    return dn.tune_per_depth(depths=(1, 2, 4, 8), lrs=(0.03, 0.1, 0.3, 1.0), budget=1200,
                             seeds=(0, 1, 2), batch_size=64, steps=2000)


def test_deep_vs_wide_grid_supports_the_page(tuned):
    """The page's prose on the grid: equal budgets; at the largest η one wide layer is at its best
    while 4 and 8 layers fail; at the smallest η one layer is the worst; the ranking reverses."""
    grid, _ = tuned
    val = {d: {lr: r["val"].mean() for lr, r in runs.items()} for d, runs in grid.items()}
    for runs in grid.values():
        for r in runs.values():
            assert abs(r["params"] - 1200) <= 0.05 * 1200
            assert r["params"] == dn.n_params([2] + [r["width"]] * r["depth"] + [3])
    assert max(val[1], key=val[1].get) == 1.0
    assert val[4][1.0] < 0.5 and val[8][1.0] < 0.5
    assert (grid[4][1.0]["train"] < 0.5).any() and (grid[8][1.0]["train"] < 0.5).all()
    assert min(val, key=lambda d: val[d][0.03]) == 1
    # self-check 3: the ranking at η = 0.03 is the reverse of the ranking at η = 1
    at = {lr: sorted(val, key=lambda d: -val[d][lr]) for lr in (0.03, 1.0)}
    assert at[1.0] == [1, 2, 4, 8] and at[0.03][-1] == 1 and at[0.03].index(4) < at[0.03].index(2)


def test_deep_vs_wide_tuned_table_supports_the_page(tuned):
    """With η chosen on validation: 1, 2 and 4 hidden layers within one point of test accuracy;
    8 layers below them, need a small η and vary more between seeds; small train–test gaps."""
    grid, best = tuned
    for d, r in best.items():          # the choice is the best validation mean, never the test set
        assert r["val"].mean() == max(x["val"].mean() for x in grid[d].values())
    level = [best[d]["test"].mean() for d in (1, 2, 4)]
    assert max(level) - min(level) < 0.01
    assert best[8]["test"].mean() < min(level) and best[8]["lr"] <= 0.1
    assert np.ptp(best[8]["train"]) > max(np.ptp(best[d]["train"]) for d in (1, 2, 4))
    for r in best.values():
        assert abs(r["train"].mean() - r["test"].mean()) < 0.02


def test_dead_units_explain_the_failed_runs():
    """Few dead units at initialisation; after a large η a whole layer is dead (chance level);
    after a small η none is and the network fits the data."""
    width = dn.width_for(8, 1200)
    dead0, _ = dn.dead_units(lr=None)
    dead_big, acc_big = dn.dead_units(lr=0.3)
    dead_small, acc_small = dn.dead_units(lr=0.1)
    assert max(dead0) <= width // 3
    assert width in dead_big and acc_big < 0.4
    assert width not in dead_small and acc_small > 0.95


def test_sigmoid_is_not_the_identity_near_zero():
    z = np.random.default_rng(0).normal(0.0, 0.2, size=1_000_000)
    tanh, sig = ref.FUNCTIONS["Tanh"](z), ref.FUNCTIONS["Sigmoid"](z)
    assert np.mean(tanh ** 2) == pytest.approx(z.var(), rel=0.1)        # "nearly the same variance"
    assert np.mean(tanh ** 2) < z.var()                                 # "a little less"
    assert np.mean(sig ** 2) == pytest.approx(0.25 + z.var() / 16, rel=0.01)
    assert np.mean(sig ** 2) / z.var() == pytest.approx(6, rel=0.15)    # "six times Var(z) here"


def test_self_check_counts():
    assert dn.n_params([64, 100, 50, 10]) == 12_060
    assert 2 ** (-29 / 2) == pytest.approx(4e-5, rel=0.1)


def test_initialisation_statistics_support_the_page(sol):
    pick = [0, 9, 19, 29]
    relu1, relu_he, relu2 = (dn.depth_statistics("Relu", g) for g in (1.0, np.sqrt(2.0), 2.0))
    # He keeps both directions within a factor of 3 of 1; gain 1 vanishes and gain 2 explodes
    assert np.all((relu_he[0] > 1 / 3) & (relu_he[0] < 3)) and np.all((relu_he[1] > 1 / 3) & (relu_he[1] < 3))
    assert relu1[0][29] < 1e-3 * relu1[0][0] and relu1[1][0] < 1e-3 * relu1[1][29]
    assert relu2[0][29] > 1e3 * relu2[0][0] and relu2[1][0] > 1e3 * relu2[1][29]
    # ReLU with gain 1 loses about half the variance per layer (std × 1/√2)
    per_layer = (relu1[0][29] / relu1[0][0]) ** (1 / 29)
    assert per_layer == pytest.approx(1 / np.sqrt(2), rel=0.1)
    tanh1, tanh2 = dn.depth_statistics("Tanh", 1.0), dn.depth_statistics("Tanh", 2.0)
    assert tanh1[0][29] < tanh1[0][0] and tanh2[1][0] > 10 * tanh2[1][29]
    assert np.all(np.isfinite(relu2[0][pick]))
    # the same experiment with the exercise solution's layers gives the same statistics
    rng = np.random.default_rng(0)
    A0 = rng.standard_normal((100, 100))
    Ws = [rng.standard_normal((100, 100)) / np.sqrt(100) for _ in range(30)]
    layers = []
    for W in Ws:
        layers += [sol["Affine"](W, np.zeros(100)), sol["Tanh"]()]
    out = A0
    stds = []
    for layer in layers:
        out = layer.forward(out)
        stds.append(out.std())
    g = rng.standard_normal((100, 100))
    deltas = []
    for layer in reversed(layers):
        g = layer.backward(g)
        if isinstance(layer, sol["Tanh"]):
            deltas.append(g.std())
    np.testing.assert_allclose(stds[1::2], tanh1[0], rtol=1e-10)
    np.testing.assert_allclose(deltas[::-1], tanh1[1], rtol=1e-10)


def test_symmetric_initialisation_stays_symmetric():
    distinct, acc = dn.symmetric_run(0.3)
    assert distinct == [1, 1, 1] and acc < 0.6
    distinct, acc = dn.symmetric_run(None)
    assert distinct == [16, 16, 16] and acc > 0.9


NUMERICAL_BACKWARD = '''
class Network(Network):
    """A 'backward' by central differences of the forward: two forward passes per parameter."""
    def loss(self, X, t):
        self.X, self.t = X, t
        return super().loss(X, t)

    def backward(self, dout=1.0):
        def f():
            return float(self.layers[-1].forward(self.predict(self.X), self.t))
        h = 1e-5
        for layer in self.layers:
            if hasattr(layer, "W"):
                for name in ("W", "b"):
                    p = getattr(layer, name)
                    g = np.zeros_like(p)
                    for i in np.ndindex(p.shape):
                        old = p[i]
                        p[i] = old + h
                        fp = f()
                        p[i] = old - h
                        fm = f()
                        p[i] = old
                        g[i] = dout * (fp - fm) / (2 * h)
                    setattr(layer, "d" + name, g)
        X = np.array(self.X, dtype=float)
        dX = np.zeros_like(X)
        for i in np.ndindex(X.shape):
            old = X[i]
            X[i] = old + h
            fp = float(self.layers[-1].forward(self.predict(X), self.t))
            X[i] = old - h
            fm = float(self.layers[-1].forward(self.predict(X), self.t))
            X[i] = old
            dX[i] = dout * (fp - fm) / (2 * h)
        return dX
'''


def test_batch_grader_solution_blank_and_numerical_backward(tmp_path):
    """Sandboxed batch grader: the solution scores full marks, the blank notebook 0, and a backward
    that differentiates the forward numerically runs out of time on the large network (0 for the
    network item only)."""
    status, scores, points = course.grade_solution_blank_and(tmp_path, A, "answer_network", NUMERICAL_BACKWARD)
    assert status["solution"]["status"] == "graded", status["solution"]
    assert scores["solution"] == points
    assert scores["blank"] == {g: 0.0 for g in points}
    assert scores["numerical"] == {**points, "test_network": 0.0}, (scores["numerical"], status["numerical"])


def test_index_form_of_the_delta_recursion():
    """The page's index form, δ_{l,nj} = f_l'(Z_{l,nj}) Σ_k δ_{l+1,nk} W_{l+1,jk} and
    ∂L/∂W_{l,ij} = Σ_n A_{l-1,ni} δ_{l,nj}, written with einsum on the page's network (seed 0,
    sizes 3-6-5-4-3): equal to the matrix recursion to rounding error (the page: 5.6e-17), and
    the first layer's delta equals central differences of the loss with respect to Z_1."""
    rng = np.random.default_rng(0)
    sizes, acts = [3, 6, 5, 4, 3], ["Relu", "Sigmoid", "Tanh"]
    Ws, bs = dn.he_weights(sizes, rng)
    bs = [rng.normal(scale=0.3, size=b.shape) for b in bs]
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 3, size=5)
    _, dWs, _, cache = dn.forward_backward(Ws, bs, acts, X, y)
    Z, A, delta = cache["Z"], cache["A"], cache["delta"]
    for l in range(len(Ws) - 1):
        by_index = dn.DERIVATIVES[acts[l]](Z[l]) * np.einsum("nk,jk->nj", delta[l + 1], Ws[l + 1])
        assert np.abs(by_index - delta[l]).max() < 1e-15
    for l in range(len(Ws)):
        assert np.abs(np.einsum("ni,nj->ij", A[l], delta[l]) - dWs[l]).max() < 1e-15

    def loss_from_Z1(z1):                     # the rest of the forward pass, from Z_1 up
        a = ref.FUNCTIONS[acts[0]](z1)
        for l in range(1, len(Ws)):
            z = a @ Ws[l] + bs[l]
            a = ref.FUNCTIONS[acts[l]](z) if l < len(acts) else z
        return tln.cross_entropy(z, y)
    num = numerical_gradient(loss_from_Z1, Z[0].copy())
    assert max_relative_error(delta[0], num) < 1e-6
