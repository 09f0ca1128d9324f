"""The numbers the two-layer-network chapter shows equal what independent code computes.

The page (book/two_layer_net.ipynb) prints them through ``dnnbook.two_layer_net``; here each is
recomputed another way: with central differences (``autograder.gradcheck``), with the exercise
solution's layers (``course.solution_namespace``), or from closed-form counts.
"""
import numpy as np
import pytest

import course
from autograder.gradcheck import numerical_gradient
from autograder.reference import two_layer_net as ref
from dnnbook import two_layer_net as tln


@pytest.fixture(scope="module")
def sol():
    return course.solution_namespace("two_layer_net")


def _case(seed=0, N=6, D=3, H=5, C=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D))
    y = rng.integers(0, C, size=N)
    return tln.init_params(D, H, C, rng), X, y


def test_shape_table_matches_the_solution(sol):
    N, D, H, C = 5, 2, 4, 3
    shapes = {name: shape for name, _, shape in tln.shape_table(N, D, H, C)}
    rng = np.random.default_rng(1)
    params = {"W1": rng.normal(size=(D, H)), "b1": rng.normal(size=H),
              "W2": rng.normal(size=(H, C)), "b2": rng.normal(size=C)}
    loss, grads = sol["two_layer_loss"](params, rng.normal(size=(N, D)), rng.integers(0, C, size=N))
    for k in ["W1", "b1", "W2", "b2"]:
        assert shapes[k] == params[k].shape
        assert shapes[f"∂L/∂{k}"] == grads[k].shape
    assert shapes["L"] == np.shape(loss) == ()
    assert shapes["Z1"] == shapes["A1"] == shapes["δ1 = ∂L/∂Z1"] == shapes["∂L/∂A1"] == (N, H)
    assert shapes["Z2"] == shapes["Ŷ"] == shapes["T"] == shapes["δ2 = ∂L/∂Z2"] == (N, C)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matrix_form_gradients(seed, sol):
    params, X, y = _case(seed)
    loss, grads, _ = tln.forward_backward(params, X, y)
    col = tln.column_form_grads(params, X, y)
    sol_loss, sol_grads = sol["two_layer_loss"]({k: v.copy() for k, v in params.items()}, X, y)
    assert loss == pytest.approx(ref.loss(params, X, y), rel=1e-12)
    assert loss == pytest.approx(sol_loss, rel=1e-12)
    for k in ["W1", "b1", "W2", "b2"]:
        num = numerical_gradient(lambda v: ref.loss({**params, k: v}, X, y), params[k].copy())
        np.testing.assert_allclose(grads[k], num, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(grads[k], sol_grads[k], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(col[k], sol_grads[k], rtol=1e-10, atol=1e-14)


def test_label_formats_and_shift_shown_on_the_page():
    params, X, y = _case(0)
    _, _, cache = tln.forward_backward(params, X, y)
    Z2 = cache["Z2"]
    p = np.exp(Z2 - Z2.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    by_hand = -np.mean(np.log(p[np.arange(len(y)), y]))
    assert ref.cross_entropy(Z2, y) == pytest.approx(by_hand, rel=1e-12)
    assert ref.cross_entropy(Z2, ref.one_hot(y, 4)) == pytest.approx(by_hand, rel=1e-12)
    assert ref.cross_entropy(Z2 + 1000.0, y) == pytest.approx(by_hand, rel=1e-10)


def test_training_run_shown_on_the_page(sol):
    X, y = ref.spirals(100, 3, noise=0.2, seed=1)
    params, losses = tln.train(X, y, hidden=100, lr=1.0, batch_size=64, steps=2000, seed=0)
    assert losses.shape == (2000,)
    scores = np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
    assert np.mean(scores.argmax(1) == y) == ref.accuracy(params, X, y) >= 0.95
    # the first recorded loss is the loss of the first batch at the initial parameters
    rng = np.random.default_rng(0)
    init = tln.init_params(2, 100, 3, rng)
    idx = rng.choice(300, size=64, replace=False)
    assert losses[0] == pytest.approx(sol["two_layer_loss"](init, X[idx], y[idx])[0], rel=1e-12)


def test_forward_and_reverse_mode_costs():
    N, D, H, C = 300, 2, 100, 3
    cost = tln.cost_comparison(N, D, H, C)
    P = D * H + H + H * C + C
    assert cost["n_params"] == P
    forward_pass = N * D * H + N * H * C
    assert cost["macs_reverse"] == forward_pass + N * H * C + N * H * C + N * D * H
    assert cost["macs_forward"] == forward_pass + P * (N * D * H + 2 * N * H * C)
    assert cost["stored_reverse"] == 2 * N * H + N * C
    assert cost["max_difference"] < 1e-12
    assert cost["macs_forward_pass"] == forward_pass == 150_000
    assert round(cost["macs_reverse"] / forward_pass, 1) == 2.6          # "2.6 times the forward pass"
    assert round(cost["macs_forward"] / cost["macs_reverse"]) == 371


def test_forward_mode_gradient_is_the_gradient():
    params, X, y = _case(3, N=4, D=2, H=3, C=3)
    g = tln.forward_mode(params, X, y, tln.MacCounter())
    for k in ["W1", "b1", "W2", "b2"]:
        num = numerical_gradient(lambda v: ref.loss({**params, k: v}, X, y), params[k].copy())
        np.testing.assert_allclose(g[k], num, rtol=1e-6, atol=1e-9)


def test_deep_versus_wide_piece_counts():
    for k, units, deep, wide in tln.deep_vs_wide(8):
        assert units == 2 * k and deep == 2 ** k and wide == 2 * k + 1
        # independent count: the k-fold tent has a breakpoint at every multiple of 2^-k in (0, 1)
        x = np.arange(2 ** k + 1) / 2 ** k
        f = x.copy()
        for _ in range(k):
            f = np.where(f <= 0.5, 2 * f, 2 - 2 * f)
        assert set(np.round(f, 12)) == {0.0, 1.0}          # alternates 0, 1, 0, ... at the breakpoints


def test_softmax_cross_entropy_delta_from_the_jacobian():
    """The page's three-line derivation: Jacobian route = (Y_hat - T)/N = central differences."""
    for seed in (3, 7):
        rng = np.random.default_rng(seed)
        N, C = 5, 3
        Z2, labels = rng.normal(size=(N, C)), rng.integers(0, C, size=N)
        T = ref.one_hot(labels, C)
        Y = np.exp(ref.log_softmax(Z2))
        jac = np.empty((N, C, C))
        for n in range(N):                                   # the Jacobian by central differences
            for k in range(C):
                def sm(v, n=n, k=k):
                    z = Z2[n].copy()
                    z[k] = v[0]
                    return z
                for c in range(C):
                    jac[n, c, k] = numerical_gradient(lambda v: float(np.exp(ref.log_softmax(sm(v)[None]))[0, c]),
                                                      np.array([Z2[n, k]]))[0]
        via = np.einsum("nc,nck->nk", -T / Y, jac) / N
        num = numerical_gradient(lambda z: ref.cross_entropy(z, labels), Z2.copy())
        assert np.abs(via - (Y - T) / N).max() < 1e-9 and np.abs(num - (Y - T) / N).max() < 1e-9
        assert np.allclose(T.sum(axis=1), 1.0)


def test_affine_backward_by_index_and_by_shape():
    rng = np.random.default_rng(4)
    X, W, b, up = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 2))
    loss = lambda X_, W_, b_: float(np.sum((X_ @ W_ + b_) * up))
    assert np.abs(numerical_gradient(lambda v: loss(X, v, b), W.copy()) - X.T @ up).max() < 1e-9
    assert np.abs(numerical_gradient(lambda v: loss(v, W, b), X.copy()) - up @ W.T).max() < 1e-9
    assert np.abs(numerical_gradient(lambda v: loss(X, W, v), b.copy()) - up.sum(axis=0)).max() < 1e-9
    assert (X.T @ up).shape == W.shape and (up @ W.T).shape == X.shape


def test_he_variance_keeps_relu_preactivations_steady():
    """The page's run: 20 ReLU layers of width 256; variance 1/n halves per layer, 4/n doubles, 2/n steady."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1000, 256))
    out = {}
    for var in (1.0, 2.0, 4.0):
        h, v = a, []
        for _ in range(20):
            z = h @ (rng.standard_normal((256, 256)) * np.sqrt(var / 256))
            v.append(z.var())
            h = np.maximum(z, 0.0)
        out[var] = np.array(v)
    assert 1e-6 < out[1.0][19] < 1e-5 and 1e-3 < out[1.0][9] < 3e-3      # halves: ~ 2^-19
    assert 1e6 < out[4.0][19] < 1e7                                      # doubles: ~ 4 * 2^19
    assert np.all((out[2.0] > 0.5) & (out[2.0] < 8.0))                  # steady (same order as 2)
    # the init the chapter uses has variance 2/fan-in: its standard deviation is sqrt(2/fan-in)
    W = tln.init_params(400, 300, 3, np.random.default_rng(1))["W1"]
    assert abs(W.var() - 2 / 400) < 0.05 * 2 / 400


def test_pipeline_figure_states_the_shapes_the_code_computes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = tln.draw_pipeline(N=5, D=2, H=4, C=3)
    texts = {t.get_text() for t in fig.axes[0].texts}
    plt.close(fig)
    shapes = {name: shape for name, _, shape in tln.shape_table(N=5, D=2, H=4, C=3)}
    for name in ("X", "Z1", "A1", "Z2"):
        assert f"{name} {shapes[name]}" in texts
    assert f"δ1 {shapes['δ1 = ∂L/∂Z1']}" in texts and f"δ2 {shapes['δ2 = ∂L/∂Z2']}" in texts
    assert f"dA1 {shapes['∂L/∂A1']}" in texts and "L ()" in texts
