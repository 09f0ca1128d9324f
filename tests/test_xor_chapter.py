"""The numbers the XOR chapter (book/xor.ipynb) shows equal what independent code computes.

The page builds its tables with ``dnnbook.xor``; here every forward value is recomputed with the
reference forward, every delta and every gradient with central differences of the reference loss
(``autograder.gradcheck``), and the symmetric-initialisation demonstration is re-run.
"""
import json

import numpy as np
import pytest

import course
from autograder.gradcheck import numerical_gradient
from autograder.reference import xor as ref
from dnnbook import xor as dx

TOL = 1e-8


def _close(a, b, tol=TOL):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))), (a, b)


def _numerical(X, y, p):
    """{name: dL/dname} of L = 1/2 sum (y_hat - y)^2 by central differences."""
    out = {}
    for k in dx.PARAMS:
        def f(v, k=k):
            q = dict(p)
            q[k] = v
            return ref.loss(X, y, q["W1"], q["b1"], q["W2"], q["b2"])
        out[k] = numerical_gradient(f, np.array(p[k], dtype=float, copy=True))
    return out


@pytest.fixture(scope="module")
def example():
    return dx.worked_example(x=(1.0, 0.0), y=1.0)


def test_fixed_weights_are_the_stated_ones():
    assert dx.FIXED["W1"].tolist() == [[0.6, -0.3], [-0.4, 0.7]]
    assert dx.FIXED["b1"].tolist() == [0.1, -0.2]
    assert dx.FIXED["W2"].tolist() == [[0.8], [-0.5]]
    assert dx.FIXED["b2"].tolist() == [0.3]


def test_forward_table(example):
    x, y, p = np.array([[1.0, 0.0]]), np.array([[1.0]]), dx.FIXED
    z1 = x @ p["W1"] + p["b1"]
    h, y_hat = ref.xor_forward(x, p["W1"], p["b1"], p["W2"], p["b2"])
    expected = [z1[0, 0], z1[0, 1], h[0, 0], h[0, 1], (h @ p["W2"] + p["b2"])[0, 0], y_hat[0, 0],
                y_hat[0, 0] - 1.0, ref.loss(x, y, p["W1"], p["b1"], p["W2"], p["b2"])]
    _close([v for _, _, v in example["forward"]], expected)


def test_delta_table_equals_numerical_derivatives_wrt_preactivations(example):
    p = dx.FIXED
    x, y = np.array([[1.0, 0.0]]), np.array([[1.0]])
    z1 = x @ p["W1"] + p["b1"]
    z2 = ref.sigmoid(z1) @ p["W2"] + p["b2"]
    d_hid = numerical_gradient(
        lambda z: 0.5 * float(np.sum((ref.sigmoid(ref.sigmoid(z) @ p["W2"] + p["b2"]) - y) ** 2)), z1.copy())
    d_out = numerical_gradient(lambda z: 0.5 * float(np.sum((ref.sigmoid(z) - y) ** 2)), z2.copy())
    _close([v for _, _, v in example["deltas"]], [d_out[0, 0], d_hid[0, 0], d_hid[0, 1]])


def test_gradient_table_equals_central_differences(example):
    num = _numerical(np.array([[1.0, 0.0]]), np.array([[1.0]]), dx.FIXED)
    got = [v for _, _, v in example["gradients"]]
    want = [num[k][idx] for k, idx, _, _ in dx.WEIGHT_ROWS]
    assert len(got) == 9                                   # every weight and bias
    _close(got, want)


def test_sign_statements_on_the_page(example):
    g = {label.split()[0]: v for label, _, v in example["gradients"]}
    assert g["W1[1,0]"] == 0.0 and g["W1[1,1]"] == 0.0                  # x2 = 0
    assert all(g[k] < 0 for k in ["W2[0,0]", "W2[1,0]", "b2[0]", "W1[0,0]", "b1[0]"])
    assert all(g[k] > 0 for k in ["W1[0,1]", "b1[1]"]) and dx.FIXED["W2"][1, 0] < 0
    assert example["backward"]["y_hat"][0, 0] < 1.0


def test_gradients_summed_over_the_four_patterns():
    G, total = dx.per_pattern_gradients()
    for n in range(4):
        num = _numerical(ref.X_XOR[n:n + 1], ref.Y_XOR[n:n + 1], dx.FIXED)
        _close(G[:, n], [num[k][idx] for k, idx, _, _ in dx.WEIGHT_ROWS])
    num = _numerical(ref.X_XOR, ref.Y_XOR, dx.FIXED)
    _close(total, [num[k][idx] for k, idx, _, _ in dx.WEIGHT_ROWS])
    # [1,0] and [1,1] pull in opposite directions on every weight where neither is zero
    both = (G[:, 2] != 0) & (G[:, 3] != 0)
    assert np.all(np.sign(G[both, 2]) == -np.sign(G[both, 3]))


def test_book_backward_equals_the_solution_notebook():
    ns = course.solution_namespace("xor")
    rng = np.random.default_rng(5)
    for n in (1, 2, 4):
        X, y = rng.uniform(-1, 1, size=(n, 2)), rng.integers(0, 2, size=(n, 1)).astype(float)
        p = {k: rng.normal(size=dx.FIXED[k].shape) for k in dx.PARAMS}
        r = dx.backward(X, y, p)
        sol = ns["xor_backward"](X, y, p["W1"], p["b1"], p["W2"], p["b2"])
        for k, s in zip(dx.PARAMS, sol):
            _close(r[k], s, 1e-12)


def test_symmetric_initialisation_keeps_hidden_units_identical():
    history, losses = dx.train(dx.equal_init(0.5), lr=dx.LR, epochs=2000)
    for p in history:                                           # every epoch, exactly
        assert np.array_equal(p["W1"][:, 0], p["W1"][:, 1])
        assert p["b1"][0] == p["b1"][1] and p["W2"][0, 0] == p["W2"][1, 0]
        assert dx.hidden_unit_gap(p) == 0.0
    q = history[-1]
    assert ref.accuracy(ref.X_XOR, ref.Y_XOR, q["W1"], q["b1"], q["W2"], q["b2"]) <= 0.75
    assert losses[-1] > 0.3                                     # stalled
    # ... and the property also holds when the two inputs are weighted differently
    sym = {"W1": np.array([[0.3, 0.3], [-0.4, -0.4]]), "b1": np.array([0.1, 0.1]),
           "W2": np.array([[0.7], [0.7]]), "b2": np.array([-0.2])}
    assert all(dx.hidden_unit_gap(p) == 0.0 for p in dx.train(sym, epochs=500)[0])


def test_all_zero_weights_do_not_move():
    r = dx.backward(ref.X_XOR, ref.Y_XOR, dx.equal_init(0.0))
    assert all(np.all(r[k] == 0.0) for k in dx.PARAMS)
    num = _numerical(ref.X_XOR, ref.Y_XOR, dx.equal_init(0.0))
    assert all(np.abs(num[k]).max() < 1e-10 for k in dx.PARAMS)


def test_random_initialisation_breaks_symmetry_and_solves_xor():
    history, losses = dx.train(dx.random_init(seed=0), lr=dx.LR, epochs=2000)
    assert dx.hidden_unit_gap(history[0]) > 0.1
    q = history[-1]
    assert ref.accuracy(ref.X_XOR, ref.Y_XOR, q["W1"], q["b1"], q["W2"], q["b2"]) == 1.0


def test_batched_training_matches_the_single_run():
    inits = [dx.random_init(seed=s) for s in range(6)]
    acc = dx.final_accuracies(inits, lr=dx.LR, epochs=300)
    for a, p in zip(acc, inits):
        q = dx.train(p, lr=dx.LR, epochs=300)[0][-1]
        assert a == ref.accuracy(ref.X_XOR, ref.Y_XOR, q["W1"], q["b1"], q["W2"], q["b2"])


def test_training_run_of_the_page():
    history, losses = dx.train(dx.FIXED, lr=dx.LR, epochs=dx.EPOCHS)
    assert len(history) == dx.EPOCHS + 1 and losses.shape == (dx.EPOCHS,)
    for t in range(0, dx.EPOCHS, 97):                           # losses[t] = L(history[t])
        p = history[t]
        _close(losses[t], ref.loss(ref.X_XOR, ref.Y_XOR, p["W1"], p["b1"], p["W2"], p["b2"]), 1e-12)
    q = history[-1]
    assert ref.accuracy(ref.X_XOR, ref.Y_XOR, q["W1"], q["b1"], q["W2"], q["b2"]) == 1.0
    assert losses[300] > 0.49 and losses[-1] < 0.02            # plateau, then solved (alt text)
    # one step of the page: the loss drops
    full = dx.backward(ref.X_XOR, ref.Y_XOR, dx.FIXED)
    step = {k: dx.FIXED[k] - dx.LR * full[k] for k in dx.PARAMS}
    assert ref.loss(ref.X_XOR, ref.Y_XOR, *[step[k] for k in dx.PARAMS]) < full["loss"]


def test_committed_page_has_ids_and_no_outputs():
    nb = json.loads((course.REPO / "book" / "xor.ipynb").read_text())
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] >= 5
    for cell in nb["cells"]:
        assert cell.get("id")
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_network_figure_shows_the_fixed_weights():
    edges = dx.network_edges(dx.FIXED)
    assert sorted(v for *_, v in edges) == sorted(dx.FIXED["W1"].ravel().tolist() + dx.FIXED["W2"].ravel().tolist())
    assert ("x2", "h1", "W1[1,0]", -0.4) in edges and ("h2", "ŷ", "W2[1,0]", -0.5) in edges


def test_long_runs_record_what_train_computes():
    inits = [dx.random_init(seed=s) for s in (0, 5)]
    runs = dx.long_runs(inits, [0, 7, 40])
    for i, p in enumerate(inits):
        history, losses = dx.train(p, lr=dx.LR, epochs=41)
        for c, t in enumerate([0, 7, 40]):
            r = dx.backward(ref.X_XOR, ref.Y_XOR, history[t])
            num = _numerical(ref.X_XOR, ref.Y_XOR, history[t])
            grad = np.sqrt(sum(np.sum(num[k] ** 2) for k in dx.PARAMS))
            _close(runs["loss"][c, i], r["loss"], 1e-12)
            _close(runs["grad_norm"][c, i], grad, 1e-7)
            _close(runs["param_norm"][c, i], np.sqrt(sum(np.sum(history[t][k] ** 2) for k in dx.PARAMS)), 1e-12)
        for k in dx.PARAMS:
            _close(runs["params"][i][k], history[41][k], 1e-12)


def test_failing_starts_drift_on_saturation_plateaus_not_into_minima():
    """The page: 16 of 20 starts solve XOR in 2000 epochs; the others, run to t = 100 000, creep
    towards 1/4 or 1/3, their gradient fades roughly like 1/t (t·|grad| within a factor 1.6) and their weights keep growing."""
    acc = dx.final_accuracies([dx.random_init(seed=s) for s in range(20)], lr=dx.LR, epochs=2000)
    failing = [s for s in range(20) if acc[s] < 1.0]
    assert failing == [5, 6, 13, 18] and int(np.sum(acc == 1.0)) == 16
    cps = [1_000, 10_000, 100_000]
    runs = dx.long_runs([dx.random_init(seed=s) for s in failing], cps)   # about 4 s
    L, g, n = runs["loss"], runs["grad_norm"], runs["param_norm"]
    assert np.all(np.diff(L, axis=0) < 0)                                # still falling ...
    limits = np.array([1 / 3, 0.25, 0.25, 0.25])
    assert np.all(L[-1] > limits) and np.all(L[-1] - limits < 1e-3)     # ... towards 1/3 or 1/4, not 0
    tg = g * np.array(cps)[:, None]                   # the page: t * |grad| changes by < a factor 1.6
    assert np.all(tg.max(axis=0) / tg.min(axis=0) < 1.6)
    assert np.isclose(tg[:, 0].max(), 2.08, atol=0.005) and np.isclose(tg[-1, 0], 1.38, atol=0.005)
    assert np.all(g[0] / g[-1] > 50)                                      # gradient shrinks ~100x
    assert np.all(np.diff(n, axis=0) > 3)                                 # weights keep growing
    for i, p in enumerate(runs["params"]):                                # not a stationary point:
        num = _numerical(ref.X_XOR, ref.Y_XOR, p)                         # the gradient is not 0
        assert np.sqrt(sum(np.sum(num[k] ** 2) for k in dx.PARAMS)) > 1e-6


def test_page_tables_render_as_html_and_markdown():
    """The book's output renderer does not parse Markdown tables: dx.table also gives HTML."""
    t = dx.table(["a", "b"], [("x < y", 0.5)])
    assert t._repr_markdown_() == dx.markdown_table(["a", "b"], [("x < y", 0.5)])
    html = t._repr_html_()
    assert html.count("<tr>") == 2 and "x &lt; y" in html and "+0.500000" in html
