"""The numbers the Chain Rule chapter (book/chain_rule.ipynb) shows equal what independent code computes.

The page computes its worked example, error curves, gradient-descent paths and finite-difference
errors with ``dnnbook.chain_rule``; here each is recomputed another way — central differences of
the reference loss (``autograder.gradcheck``) or the solution notebook's functions — and the
page's claims about them (signs, error orders, the learning-rate regimes) are asserted.
"""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import course  # noqa: E402
from autograder.gradcheck import max_relative_error, numerical_gradient  # noqa: E402
from autograder.reference import chain_rule as ref  # noqa: E402
from dnnbook import chain_rule as C  # noqa: E402

EX = C.EXAMPLE
TOL = 1e-8
W_BEST = (np.log(EX["y"] / (1 - EX["y"])) - EX["b"]) / EX["x"]


@pytest.fixture(scope="module")
def sol():
    return course.solution_namespace("chain_rule")


def loss_w(w):
    return ref.neuron_loss(np.array([EX["x"]]), np.array([EX["y"]]), w, EX["b"])


def dloss_dw(w):
    return float(numerical_gradient(lambda v: loss_w(float(v[()])), np.array(float(w))))


def test_worked_example_matches_solution_and_central_differences(sol):
    f = C.chain_factors(**EX)
    x1, y1 = np.array([EX["x"]]), np.array([EX["y"]])
    y_hat, loss = sol["neuron_forward"](x1, y1, EX["w"], EX["b"])
    dw, db = sol["neuron_backward"](x1, y1, EX["w"], EX["b"])
    assert max_relative_error(f["y_hat"], y_hat[0]) < TOL
    assert max_relative_error(f["loss"], loss) < TOL
    assert max_relative_error(np.array([f["dw"], f["db"]]), np.array([dw, db])) < TOL
    num = numerical_gradient(lambda p: ref.neuron_loss_params(p, x1, y1), np.array([EX["w"], EX["b"]]))
    assert max_relative_error(np.array([f["dw"], f["db"]]), num) < TOL
    # the chain's factors multiply to the gradients, and the page's reading of their signs holds
    assert f["dL_dyhat"] * f["dyhat_dz"] * f["dz_dw"] == pytest.approx(f["dw"], rel=1e-12)
    assert f["y_hat"] < EX["y"] and f["dw"] < 0 and f["db"] < 0


def test_batch_gradient_on_page_matches_solution(sol):
    rng = np.random.default_rng(0)                       # the page's batch
    xb, yb = rng.normal(size=8), rng.uniform(size=8)
    y_hat = ref.neuron_output(xb, EX["w"], EX["b"])
    delta = (y_hat - yb) * y_hat * (1 - y_hat) / len(xb)
    page = np.array([np.sum(delta * xb), np.sum(delta)])
    assert max_relative_error(page, np.array(sol["neuron_backward"](xb, yb, EX["w"], EX["b"]))) < TOL


def test_error_curve_and_slope():
    ws = np.linspace(-4, 6, 41)
    L = C.loss_of_w(ws, EX["x"], EX["y"], EX["b"])
    assert max_relative_error(L, np.array([loss_w(w) for w in ws])) < TOL
    g = C.slope_of_w(ws, EX["x"], EX["y"], EX["b"])
    assert max_relative_error(g, np.array([dloss_dw(w) for w in ws])) < 1e-7
    # the page's claims: minimum (L = 0, slope 0) at w_best, negative slope left of it, plateau at w = 6
    assert loss_w(W_BEST) < 1e-25 and abs(C.slope_of_w([W_BEST], EX["x"], EX["y"], EX["b"])[0]) < 1e-12
    assert C.slope_of_w([EX["w"]], EX["x"], EX["y"], EX["b"])[0] < 0
    # the plateau on the left: slope > 500x smaller than at w = 0.3, yet the largest error in the table
    g03, gm6 = (abs(C.slope_of_w([w], EX["x"], EX["y"], EX["b"])[0]) for w in (EX["w"], -6.0))
    table = [-6.0, -3.0, EX["w"], W_BEST, 2.5, 6.0]
    assert g03 / gm6 > 500 and loss_w(-6.0) == max(loss_w(w) for w in table) and 0.31 < loss_w(-6.0) < 0.33
    # the right-hand flat part lies low: L(6) < L(0.3), and tends to 1/2 (1 - y)^2 = 0.02
    assert loss_w(6.0) < loss_w(EX["w"]) and abs(loss_w(60.0) - 0.5 * (1 - EX["y"]) ** 2) < 1e-12


def test_one_update_step_lowers_the_loss():
    g = dloss_dw(EX["w"])
    w_new = EX["w"] - 1.0 * g
    page = EX["w"] - 1.0 * C.slope_of_w([EX["w"]], EX["x"], EX["y"], EX["b"])[0]
    assert abs(page - w_new) < TOL
    assert loss_w(w_new) < loss_w(EX["w"])


@pytest.mark.parametrize("eta", [0.5, 2.0, 9.0, 20.0, 45.0, 100.0])
def test_gd_paths_match_replay_with_numerical_gradient(eta):
    path = C.gd_path(eta, -1.5, 10, EX["x"], EX["y"], EX["b"])
    w, replay = -1.5, [-1.5]
    for _ in range(10):
        w = w - eta * dloss_dw(w)
        replay.append(w)
    assert np.max(np.abs(path - np.array(replay))) < 1e-7 * max(1.0, np.abs(path).max())


def test_gd_learning_rate_regimes_described_on_page():
    def run(eta):
        path = C.gd_path(eta, -1.5, 10, EX["x"], EX["y"], EX["b"])
        return path, C.loss_of_w(path, EX["x"], EX["y"], EX["b"])
    path, L = run(0.5)                                   # crawls
    assert np.all(np.diff(L) <= 0) and L[-1] > 0.1 and path[-1] < 0
    path, L = run(9.0)                                   # converges
    assert L[-1] < 1e-6 and abs(path[-1] - W_BEST) < 1e-3
    path, L = run(20.0)                                  # overshoots, still converges
    assert path.max() > W_BEST + 0.5 and L[-1] < 1e-6
    path, L = run(45.0)                                  # oscillates: the loss goes up in some steps
    assert np.sum(np.diff(L) > 0) >= 3 and L[-1] > 1e-3
    assert np.any(path[1:] > W_BEST) and np.any(path[2:] < W_BEST)
    path, L = run(100.0)                                 # thrown onto the plateau
    assert path[1] > 5 and abs(path[-1] - path[1]) < 1.0 and L[-1] > 0.019
    assert L[-1] < run(0.5)[1][-1]                       # lower than the crawl after 10 steps ...


def test_learning_rates_after_1000_steps():
    """... but after 1000 steps eta = 100 is still at 0.020, eta <= 20 reached the minimum,
    eta = 45 still oscillates (the page's table of L_10, L_100, L_1000)."""
    def L_after(eta, n):
        return C.loss_of_w(C.gd_path(eta, -1.5, n, EX["x"], EX["y"], EX["b"]), EX["x"], EX["y"], EX["b"])[-1]
    assert 0.0199 < L_after(100.0, 1000) < 0.0201 and 0.0199 < L_after(100.0, 100) < 0.0201
    assert all(L_after(eta, 1000) < 1e-20 for eta in (0.5, 2.0, 9.0, 20.0))
    assert L_after(0.5, 10) > 0.2 and L_after(0.5, 100) < 1e-4
    assert L_after(45.0, 1000) > 1e-3


def test_loss_scale_rescales_the_learning_rate():
    rng = np.random.default_rng(0)                       # the page's batch
    xb, yb = rng.normal(size=8), rng.uniform(size=8)
    mean_loss = lambda p: ref.neuron_loss_params(p, xb, yb)
    sum_loss = lambda p: 8 * ref.neuron_loss_params(p, xb, yb)
    start = np.array([EX["w"], EX["b"]])
    assert np.allclose(numerical_gradient(sum_loss, start) / numerical_gradient(mean_loss, start), 8.0, rtol=1e-8)
    p_mean, p_sum = start.copy(), start.copy()
    for _ in range(20):
        p_mean = p_mean - 0.8 * numerical_gradient(mean_loss, p_mean)
        p_sum = p_sum - 0.1 * numerical_gradient(sum_loss, p_sum)
    assert np.allclose(p_mean, p_sum, rtol=1e-9, atol=1e-12)
    assert mean_loss(p_mean) < mean_loss(start)


def test_cross_entropy_removes_the_sigmoid_factor():
    x1 = np.array([EX["x"]])
    def ce(w):
        y_w = ref.neuron_output(x1, w, EX["b"])[0]
        return float(-(EX["y"] * np.log(y_w) + (1 - EX["y"]) * np.log(1 - y_w)))
    for w in (-6.0, -3.0, EX["w"]):
        y_w = ref.neuron_output(x1, w, EX["b"])[0]
        d_ce = float(numerical_gradient(lambda v: ce(float(v[()])), np.array(w)))
        assert abs(d_ce - (y_w - EX["y"]) * EX["x"]) < 1e-8
    d_ce6 = float(numerical_gradient(lambda v: ce(float(v[()])), np.array(-6.0)))
    assert abs(d_ce6) / abs(dloss_dw(-6.0)) > 9000                # "ten thousand times larger"


def test_difference_errors_and_their_orders():
    hs = np.logspace(-15, 0, 46)
    exact = C.chain_factors(**EX)["dw"]
    fwd, cen = C.difference_errors(loss_w, exact, EX["w"], hs)
    my_fwd = np.array([abs((loss_w(EX["w"] + h) - loss_w(EX["w"])) / h - exact) for h in hs])
    my_cen = np.array([abs((loss_w(EX["w"] + h) - loss_w(EX["w"] - h)) / (2 * h) - exact) for h in hs])
    scale = np.abs(exact) + np.abs(np.array([(loss_w(EX["w"] + h) - loss_w(EX["w"])) / h for h in hs]))
    assert np.allclose(fwd * scale, my_fwd, rtol=1e-8, atol=1e-300)
    # slopes on the right of the log-log plot: 1 (forward) and 2 (central)
    right = (hs >= 1e-4) & (hs <= 1e-1)
    slope_f = np.polyfit(np.log10(hs[right]), np.log10(fwd[right]), 1)[0]
    slope_c = np.polyfit(np.log10(hs[right]), np.log10(cen[right]), 1)[0]
    assert abs(slope_f - 1) < 0.1 and abs(slope_c - 2) < 0.1
    scale_c = np.abs(exact) + np.abs(np.array([(loss_w(EX["w"] + h) - loss_w(EX["w"] - h)) / (2 * h) for h in hs]))
    assert np.allclose(cen * scale_c, my_cen, rtol=1e-8, atol=1e-300)
    # best steps near sqrt(eps) and eps^(1/3); rounding makes tiny steps worse again
    assert 1e-9 <= hs[np.argmin(fwd)] <= 1e-7 and 1e-6 <= hs[np.argmin(cen)] <= 1e-4
    assert fwd[0] > 100 * fwd.min() and cen[0] > 100 * cen.min()
    i = np.argmin(np.abs(hs - 1e-5))
    assert cen[i] < 1e-10 < fwd[i]
