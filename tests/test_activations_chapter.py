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
