"""autograder.gradcheck: the relative error every check uses, against its definition written out
entry by entry (NaN, infinities, zeros, broadcasting, empty arrays), and the numerical gradients
against known derivatives."""
import math

import numpy as np
import pytest

from autograder.gradcheck import (max_relative_error, numerical_gradient, numerical_gradient_array,
                                  numerical_gradient_at, numerical_gradient_independent, relative_error,
                                  relative_errors)


def _by_definition(a, b):
    """|a − b| / max(|a| + |b|, floor) entry by entry; floor 1e-3·max(1, largest finite |b|);
    NaN or inf in either gives inf, except equal infinities (0)."""
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    finite_b = np.abs(b[np.isfinite(b)])
    floor = 1e-3 * max(1.0, float(finite_b.max()) if finite_b.size else 1.0)
    out = np.empty(a.shape)
    for i in np.ndindex(a.shape):
        x, y = float(a[i]), float(b[i])
        if not (math.isfinite(x) and math.isfinite(y)):
            out[i] = 0.0 if x == y else math.inf
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                out[i] = np.float64(abs(x - y)) / max(np.float64(abs(x)) + np.float64(abs(y)), floor)
    return out


def _pairs():
    rng = np.random.default_rng(11)
    for _ in range(400):
        shape = tuple(rng.integers(0, 5, size=rng.integers(0, 3)))
        b = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 8)
        a = b + rng.standard_normal(shape) * 10.0 ** rng.integers(-14, 2)
        for arr in (a, b):
            if arr.size and rng.random() < 0.3:
                arr.flat[rng.integers(arr.size)] = rng.choice([np.nan, np.inf, -np.inf, 0.0])
        if a.size and rng.random() < 0.2:
            a.flat[0] = b.flat[0]
        yield a, b
    yield np.full(3, np.inf), np.array([np.inf, -np.inf, 1.0])
    yield np.array([1e308, -1e308]), np.array([-1e308, 1e308])          # |a| + |b| overflows
    yield np.ones((2, 3)), np.ones(3)                                      # broadcasting
    yield 2.0, 2.5
    for shape in ((300, 500), (16385,), (3, 16384 * 2 + 7)):             # computed block by block
        b = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 3, size=shape)
        a = b * (1 + 1e-9 * rng.standard_normal(shape))
        a.flat[rng.integers(a.size, size=5)] = [np.nan, np.inf, -np.inf, 0.0, 1e300]
        b.flat[rng.integers(b.size, size=3)] = [np.nan, np.inf, 0.0]
        yield a, b
        yield a[:, ::2] if a.ndim == 2 else a[::2], b[:, ::2] if b.ndim == 2 else b[::2]   # not contiguous
        yield np.nan_to_num(a), np.nan_to_num(b)                           # every entry finite


@pytest.mark.parametrize("a, b", list(_pairs()))
def test_relative_error_is_its_definition(a, b):
    want = _by_definition(a, b)
    got, worst = relative_errors(a, b)
    assert got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(relative_error(a, b), want, equal_nan=True)
    top = float(np.max(want)) if want.size else 0.0
    assert (worst == top or (math.isnan(worst) and math.isnan(top))) and \
        (max_relative_error(a, b) == top or math.isnan(top))


def test_numerical_gradients_match_known_derivatives():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    assert np.allclose(numerical_gradient(lambda v: float(np.sum(v ** 3)), x.copy()), 3 * x ** 2, rtol=1e-8)
    dout = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert np.allclose(numerical_gradient_array(np.tanh, x.copy(), dout), dout * (1 - np.tanh(x) ** 2), rtol=1e-8)
    assert np.allclose(numerical_gradient_independent(np.tanh, x, dout), dout * (1 - np.tanh(x) ** 2), rtol=1e-8)
    soft = lambda v: np.exp(v) / np.exp(v).sum(axis=-1, keepdims=True)  # noqa: E731
    assert np.allclose(numerical_gradient_independent(soft, x, dout, axis=-1),
                       numerical_gradient_array(soft, x.copy(), dout), rtol=1e-7, atol=1e-10)


def test_the_gradient_at_some_entries_is_the_full_gradient_there():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5))
    f = lambda v: float(np.sum(np.sin(v) * v))  # noqa: E731
    full = numerical_gradient(f, x.copy())
    entries = [(0, 0), (3, 4), (2, 1)]
    y = x.copy()
    assert np.array_equal(numerical_gradient_at(f, y, entries), np.array([full[i] for i in entries]))
    assert np.array_equal(y, x)                                   # restored
