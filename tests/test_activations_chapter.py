"""The numbers the Activations chapter (book/activations.ipynb) states about ELU and SELU equal
what independent code computes.

The page's gradient-through-depth table is computed by the function ``gradient_ratio`` defined in
one of its cells; that cell's source is executed here (no kernel) and its claims re-checked, and
SELU's backward gain is recomputed by Monte Carlo instead of the page's quadrature. About 2 s.
"""
import json

import numpy as np
import pytest

import course
from autograder.gradcheck import numerical_gradient
from dnnbook import activations as dF
from autograder.reference import activations as F


@pytest.fixture(scope="module")
def gradient_ratio():
    nb = json.loads((course.REPO / "book" / "activations.ipynb").read_text())
    src = next("".join(c["source"]) for c in nb["cells"] if "def gradient_ratio" in "".join(c["source"]))
    src = src[:src.index("DEEP = ")]                       # the function only, not the printed table
    ns = {"np": np}
    exec(src, ns)
    return ns["gradient_ratio"]


def test_elu_and_selu_after_30_layers_at_gain_1(gradient_ratio):
    elu = gradient_ratio(*dF.ELEMENTWISE["elu"], gain=1.0)[-1]
    selu = gradient_ratio(*dF.ELEMENTWISE["selu"], gain=1.0)[-1]
    assert round(elu, 2) == 0.11                           # "ELU ... vanishes, though slowly (0.11 ...)"
    assert round(selu, 1) == 3.2                           # "SELU at g = 1 grows (3.2 ...)"
    assert 1.03 < selu ** (1 / 30) < 1.05


def test_selu_backward_gain_per_layer_at_its_fixed_point():
    z = np.random.default_rng(0).normal(size=2_000_000)
    gain_sq = np.mean(dF.selu_grad(z) ** 2)
    assert abs(gain_sq - 1.0716) < 0.005                   # "E[SELU'(z)^2] ~ 1.07"
    assert round(float(np.sqrt(gain_sq)), 3) in (1.034, 1.035, 1.036)


def test_selu_slope_jumps_at_zero_and_elu_alpha_1_does_not():
    h = 1e-7
    left = (F.selu(np.array(0.0)) - F.selu(np.array(-h))) / h
    right = (F.selu(np.array(h)) - F.selu(np.array(0.0))) / h
    assert abs(left - F.SELU_LAMBDA * F.SELU_ALPHA) < 1e-5 and abs(right - F.SELU_LAMBDA) < 1e-5
    assert round(float(left), 2) == 1.76 and round(float(right), 2) == 1.05
    e_left = (F.elu(np.array(0.0), 1.0) - F.elu(np.array(-h), 1.0)) / h
    assert abs(e_left - 1.0) < 1e-6                        # C^1 at 0 for alpha = 1 ...
    d2_left = numerical_gradient(lambda v: float(dF.elu_grad(v, 1.0).sum()), np.array([-1e-3]))[0]
    d2_right = numerical_gradient(lambda v: float(dF.elu_grad(v, 1.0).sum()), np.array([1e-3]))[0]
    assert abs(d2_left - 1.0) < 1e-2 and d2_right == 0.0  # ... but the second derivative jumps


def _sigmoid_preactivations(gain, depth=30, width=64, batch=64, seed=0):
    """The pre-activations of every layer of ``gradient_ratio``'s sigmoid net (same draws)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(batch, width))
    zs = []
    for _ in range(depth):
        zs.append(a @ (gain * rng.normal(scale=1 / np.sqrt(width), size=(width, width))))
        a = F.sigmoid(zs[-1])
    return np.array(zs)


def test_sigmoid_vanishes_less_at_larger_gains(gradient_ratio):
    """Review 2.1: a larger gain makes the sigmoid stack vanish LESS (the page's table and the
    sigmoid-only cell), and full compensation needs a gain near 10, where about half of the
    pre-activations are saturated (|z| > 4)."""
    gains = [0.6, 1.0, np.sqrt(2), 2.0, 4.0, 8.0, 10.0]
    ratios = [gradient_ratio(*dF.ELEMENTWISE["sigmoid"], gain=g)[-1] for g in gains]
    assert all(a < b for a, b in zip(ratios, ratios[1:])), ratios
    assert f"{ratios[0]:.1e}" == "1.2e-25" and f"{ratios[3]:.1e}" == "2.8e-12"   # quoted in the bullet
    assert ratios[-2] < 1 < ratios[-1] < 2                                        # "a gain near 10"
    share = np.mean(np.abs(_sigmoid_preactivations(10.0)) > 4)
    assert 0.45 < share < 0.6                                                     # "about half"
    assert np.mean(np.abs(_sigmoid_preactivations(2.0)) > 4) < 0.005                 # printed as 0 %
    md = "\n".join("".join(c["source"]) for c in json.loads(
        (course.REPO / "book" / "activations.ipynb").read_text())["cells"] if c["cell_type"] == "markdown")
    assert "makes\n  it vanish *less*" in md and "smaller still" not in md


def test_the_pages_backward_agrees_with_central_differences(gradient_ratio):
    """Review 2.2: the back-propagation the page uses before chapter 3 is checked numerically."""
    from autograder.gradcheck import numerical_gradient_array
    for name in ("tanh", "sigmoid", "relu"):
        f, df = dF.ELEMENTWISE[name]
        rng = np.random.default_rng(0)
        x = rng.normal(size=(2, 5))
        Ws = [1.5 * rng.normal(scale=1 / np.sqrt(5), size=(5, 5)) for _ in range(3)]
        r = rng.normal(size=(2, 5))

        def loss(v):
            for W in Ws:
                v = f(v @ W)
            return float(np.sum(v * r))
        num = np.linalg.norm(numerical_gradient_array(loss, x.copy(), 1.0)) / np.linalg.norm(r)
        assert abs(gradient_ratio(f, df, gain=1.5, depth=3, width=5, batch=2)[-1] - num) < 1e-7 * num, name
