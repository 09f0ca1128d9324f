"""Checks of the Activation Functions exercise (``solutions/activations/activations.ipynb``).

Functions the learner writes (x: array of any shape, dout: upstream gradient shaped like the
output, every result a new float64 array):

    linear_forward(x, c)            linear_backward(dout, x, c)        f(x) = c·x
    step_forward(x)                 (no backward: f' = 0 almost everywhere)
    sigmoid_forward(x)              sigmoid_backward(dout, x)
    tanh_forward(x)                 tanh_backward(dout, x)
    relu_forward(x)                 relu_backward(dout, x)
    leaky_relu_forward(x, alpha)    leaky_relu_backward(dout, x, alpha)
    prelu_forward(x, alpha)         prelu_backward(dout, x, alpha) -> (dx, dalpha)
                                    x: (N, D); alpha: (D,) or (1,); dalpha has alpha's shape
    elu_forward(x, alpha)           elu_backward(dout, x, alpha)
    selu_forward(x)                 selu_backward(dout, x)
    softmax_forward(x)              softmax_backward(dout, x)          along the last axis
    softplus_forward(x)             softplus_backward(dout, x)         log(1 + e^x); its derivative is
                                                                       not on the chapter's page

Every gradient is compared with a central-difference gradient of the reference forward
(:mod:`autograder.reference.activations`) in float64. Inputs stay at least 1e-3 away from kinks;
a separate case puts exact zeros on the kink and accepts any value between the left and right
slopes there.
"""
import numpy as np

from autograder import hints
from autograder.checks import Item
from autograder.gradcheck import directional_derivatives, numerical_gradient_independent, random_directions
from autograder.probes.activations import KEEP_INPUTS, PROBES
from autograder.reference import activations as ref

#: Forward values: correct code differs from the reference by rounding only (< 1e-13 measured).
TOL_FORWARD = 1e-9
#: Gradients vs central differences (h = 1e-5): correct code stays below 1e-8 (measured).
TOL_GRAD = 1e-6

KINK_GAP = 1e-3


def _x(rng, shape, scale=2.0):
    """Standard-normal entries times ``scale``, pushed at least KINK_GAP away from 0."""
    x = rng.standard_normal(shape) * scale
    small = np.abs(x) < KINK_GAP
    x[small] = np.where(x[small] < 0, -1, 1) * (KINK_GAP + rng.random(int(small.sum())))
    return x


#: The largest |x| the instructions name: every hidden draw (and the visible case) contains ±800
#: exactly, so overflow-prone code fails on every seed, not on some.
LARGE = 800.0
#: Shape of the big case (visible and hidden): a backward that numerically differentiates the
#: forward needs 2·N forward calls on N = 200 000 entries — minutes — while vectorised code
#: takes milliseconds. (The host's own numerical gradient perturbs independent entries together.)
BIG = (300, 500)


def _large(rng, shape):
    """Magnitudes 20–800 with random signs, always including exactly +800 and −800."""
    x = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(20, LARGE, size=shape)
    x.flat[0], x.flat[-1] = LARGE, -LARGE
    return x


def _with_zeros(rng, shape):
    x = _x(rng, shape)
    x.flat[:: max(1, x.size // 3)] = 0.0
    return x


HIDDEN_SHAPES = [(2, 3), (5,), (2, 3, 4)]


def _elementwise_cases(params, zeros, backward=True):
    """Cases for an element-wise activation: ``params(rng, hidden)`` gives its parameters.
    Visible and hidden cases are of the same kinds — a small one (with exact zeros on the kink
    when it matters), one with |x| up to 800, and a big one (``BIG``); the hidden ones add more
    shapes. Every edge case is in every draw; randomness only picks the other numbers."""
    def cases(rng, hidden):
        xs = [_with_zeros(rng, (3, 4)) if zeros else _x(rng, (3, 4))]
        # any shape: 1-D and 3-D inputs, visible and hidden
        xs += [_x(rng, s) for s in (HIDDEN_SHAPES if hidden else [(5,), (2, 3, 2)])]
        xs.append(_large(rng, (2, 5)))
        if backward:
            xs.append(_x(rng, BIG))
        return [dict(x=x, dout=rng.standard_normal(x.shape), **params(rng, hidden)) for x in xs]
    return cases


def _big_label(x, label):
    """Checks on the big case get their own line, so the learner sees why it failed."""
    return f"{label} on a large {x.shape[0]}×{x.shape[1]} input (vectorise: no Python loops)" \
        if x.size >= 100_000 else label


def elementwise(name, forward, params=lambda rng, hidden: {}, kink=None, backward=True,
                candidates=lambda case, num: (), zeros=None):
    """An item for ``<name>_forward(x, *params)`` / ``<name>_backward(dout, x, *params)``.

    ``forward(x, **params)`` is the reference; ``kink(**params) -> (left, right)`` gives the
    slopes on either side of x = 0 for functions with a kink there; ``candidates(case, num)``
    lists known wrong gradients with their hint.
    """
    fwd, bwd = f"{name}_forward", f"{name}_backward"

    def args(case):
        return [float(case[k]) for k in sorted(case) if k not in ("x", "dout")]

    def verify(j, case):
        x, dout = case["x"], case["dout"]
        unchanged = j.unchanged if x.size <= KEEP_INPUTS else (lambda *a, **k: None)
        p = {k: float(case[k]) for k in case if k not in ("x", "dout")}
        y = j.array("y", f"{fwd} returns a float64 array shaped like x", x.shape, f"`{fwd}(x)`")
        if y is not None:
            expected = j.reference("y", lambda: forward(x, **p))
            j.close(_big_label(x, f"{fwd} values match the definition"), y, expected, TOL_FORWARD,
                    ref_name="expected", hint_fn=lambda bad: _forward_hint(y, expected, x))
        unchanged("x_after_forward", x, f"{fwd} leaves its input unchanged", call="y")
        if not backward:
            return
        dx = j.array("dx", f"{bwd} returns a float64 array shaped like x", x.shape, f"`{bwd}(dout, x)`")
        unchanged("x_after_backward", x, f"{bwd} leaves its input unchanged", call="dx")
        if dx is None:
            return
        at_kink = x == 0
        num = j.reference("dx", lambda: numerical_gradient_independent(lambda v: forward(v, **p), x, dout))
        # entries on the kink are judged by the subgradient check below, not here
        smooth = ~at_kink
        mine, numerical = (np.where(smooth, dx, 0.0), np.where(smooth, num, 0.0)) if at_kink.any() else (dx, num)
        j.gradient(_big_label(x, f"{bwd}: dx matches the numerical gradient"), mine, numerical, TOL_GRAD, dout=dout,
                   x=x, candidates=lambda: [(np.where(smooth, c, 0.0), m) for c, m in candidates(case, num)])
        if at_kink.any() and kink is not None:
            left, right = kink(**p)
            lo = np.minimum(left * dout, right * dout)[at_kink]
            hi = np.maximum(left * dout, right * dout)[at_kink]
            got = dx[at_kink]
            ok = bool(np.all(np.isfinite(got)) and np.all(got >= lo - 1e-12) and np.all(got <= hi + 1e-12))
            j.add(f"{bwd} at the kink x = 0", ok,
                  "" if ok else "at x = 0, dx must be finite and between (left slope)·dout and "
                                "(right slope)·dout (any value there is a valid subgradient).",
                  hint="" if ok else "at x = 0 the function has a kink: use the left or the right slope.",
                  where="" if ok else f"slopes {left:g} and {right:g}; your dx there: {_fmt_list(got)}")

    return Item(name, (fwd, bwd) if backward else (fwd,),
                _elementwise_cases(params, kink is not None if zeros is None else zeros, backward),
                PROBES[name], verify)


def _fmt_list(a):
    return ", ".join(f"{v:.4g}" for v in np.asarray(a).ravel()[:4])


def _forward_hint(y, expected, x):
    if not np.all(np.isfinite(y)) and np.all(np.isfinite(expected)):
        return ("NaN or inf for large |x|: exp overflowed. Use a form that never exponentiates a "
                "large positive number (e.g. subtract the max, or split on the sign of x).")
    if y.shape == expected.shape and np.allclose(y, -expected):
        return "your values have the wrong sign."
    return ""


# ------------------------------------------------------------------ the graded items
def _a(rng, hidden):
    return {"a": np.float64(rng.uniform(0.05, 0.3) if hidden else 0.1)}


def _alpha(rng, hidden):
    return {"alpha": np.float64(rng.uniform(0.3, 2.0) if hidden else 1.5)}


def _linear_params(rng, hidden):
    return {"a": np.float64(rng.uniform(0.5, 3.0) if hidden else 2.0)}


def _sigmoid_candidates(case, num):
    x, dout = case["x"], case["dout"]
    return [(dout * x * (1 - x), "σ'(x) = σ(x)(1 − σ(x)) — apply the formula to σ(x), not to x."),
            (dout * ref.sigmoid(x), "σ'(x) = σ(x)(1 − σ(x)): the factor (1 − σ(x)) is missing.")]


def _tanh_candidates(case, num):
    x, dout = case["x"], case["dout"]
    return [(dout * (1 - x ** 2), "tanh'(x) = 1 − tanh²(x) — square tanh(x), not x.")]


def _relu_candidates(case, num):
    dout = case["dout"]
    return [(dout * (dout > 0), "the mask must come from the forward input (x > 0), not from dout.")]


def _selu_candidates(case, num):
    x, dout = case["x"], case["dout"]
    no_lambda_pos = np.where(x > 0, dout, num)
    return [(no_lambda_pos, "SELU's positive branch is λ·x, so its slope is λ, not 1.")]


def _softplus_candidates(case, num):
    """The derivative the learner derives (σ(x)), mistaken in the ways one derives it wrongly."""
    x, dout = case["x"], case["dout"]
    return [(dout * ref.sigmoid(-x), "d/dx log(1 + eˣ) = eˣ/(1 + eˣ) = σ(x); you have σ(−x), the slope "
                                     "of log(1 + e⁻ˣ) (a sign lost in the chain rule)."),
            (dout * ref.softplus(x), "that is softplus itself, not its derivative: differentiate "
                                     "log(u) with u = 1 + eˣ by the chain rule."),
            (dout * np.exp(np.minimum(x, 700.0)), "d/dx log(1 + eˣ) = eˣ/(1 + eˣ): the denominator is missing.")]


def _prelu_cases(rng, hidden):
    """Visible and hidden: a kink case, a shared slope of shape (1,), |x| up to 800, a big case."""
    layout = [((3, 4), (4,), True), ((5, 2), (1,), False)]
    if hidden:
        layout += [((2, 3), (3,), False), ((1, 4), (1,), True)]
    out = []
    for xshape, ashape, zeros in layout:
        x = _with_zeros(rng, xshape) if zeros else _x(rng, xshape)
        out.append(dict(x=x, alpha=rng.uniform(0.05, 0.5, size=ashape), dout=rng.standard_normal(xshape)))
    for x in (_large(rng, (2, 5)), _x(rng, BIG)):
        out.append(dict(x=x, alpha=rng.uniform(0.05, 0.5, size=x.shape[1:]), dout=rng.standard_normal(x.shape)))
    return out


def _prelu_verify(j, case):
    x, alpha, dout = case["x"], case["alpha"], case["dout"]
    unchanged = j.unchanged if x.size <= KEEP_INPUTS else (lambda *a, **k: None)
    y = j.array("y", "prelu_forward returns a float64 array shaped like x", x.shape, "`prelu_forward(x, alpha)`")
    if y is not None:
        j.close(_big_label(x, "prelu_forward values match the definition"), y,
                j.reference("y", lambda: ref.prelu(x, alpha)), TOL_FORWARD)
    unchanged("x_after_forward", x, "prelu_forward leaves x unchanged", call="y")
    res = j.value("res", "prelu_backward returns (dx, dalpha): dx shaped like x, dalpha like alpha",
                  ("tuple", [("array", x.shape), ("array", alpha.shape)]), "`prelu_backward(dout, x, alpha)`")
    if res is None and alpha.shape == (1,):
        _shared_slope_hint(j)
    unchanged("x_after", x, "prelu_backward leaves x unchanged", call="res")
    unchanged("alpha_after", alpha, "prelu_backward leaves alpha unchanged", "alpha", call="res")
    if res is None:
        return
    dx, dalpha = res
    at_kink = x == 0
    num = j.reference("dx", lambda: numerical_gradient_independent(lambda v: ref.prelu(v, alpha), x, dout))
    j.gradient(_big_label(x, "prelu_backward: dx matches the numerical gradient"), np.where(at_kink, 0.0, dx),
               np.where(at_kink, 0.0, num), TOL_GRAD, dout=dout, x=x)
    if at_kink.any():
        slope = np.broadcast_to(alpha, x.shape)
        lo = np.minimum(slope * dout, dout)[at_kink]
        hi = np.maximum(slope * dout, dout)[at_kink]
        got = dx[at_kink]
        ok = bool(np.all(np.isfinite(got)) and np.all(got >= lo - 1e-12) and np.all(got <= hi + 1e-12))
        j.add("prelu_backward at the kink x = 0", ok,
              "" if ok else "at x = 0, dx must be finite and between α·dout and dout.",
              hint="" if ok else "at x = 0 the function has a kink: use the slope of either side (α or 1).",
              where="" if ok else f"your dx there: {_fmt_list(got)}")
    # α_d only affects column d (or, for a shared α of shape (1,), every entry): perturbing all of
    # α at once and summing dout·Δf per column is exactly the one-at-a-time central difference.
    num_a = j.reference("dalpha", lambda: _prelu_dalpha(x, alpha, dout))
    everywhere = np.sum(dout * x, axis=0) if alpha.size > 1 else np.sum(dout * x).reshape(alpha.shape)
    j.close(_big_label(x, "prelu_backward: dalpha matches the numerical gradient"), dalpha, num_a, TOL_GRAD,
            ref_name="numerical", hint_fn=lambda bad: hints.gradient_hint(dalpha, num_a, candidates=[
                (everywhere, "only entries with x ≤ 0 depend on α: sum dout·x over the negative entries only.")]))


def _prelu_dalpha(x, alpha, dout, h=1e-5):
    diff = (ref.prelu(x, alpha + h) - ref.prelu(x, alpha - h)) * dout / (2 * h)
    return diff.sum(axis=0) if alpha.size > 1 else np.array([diff.sum()])


def _shared_slope_hint(j):
    """A (D,)-shaped dalpha for a shared slope of shape (1,) is the common mistake: say what to do."""
    info = j.info("res/1") or {}
    if tuple(info.get("shape") or ()) not in ((), (1,)) and info.get("type") == "array":
        j.report.outcomes[-1].hint = ("alpha has shape (1,): one slope shared by every column, so dalpha "
                                      "sums over ALL entries — `np.sum(...).reshape(alpha.shape)` "
                                      "(or `keepdims`), not `.sum(axis=0)`.")


SOFTMAX_BIG = (3000, 50)
#: A wide hidden case (issue 21 §4): every output of a row depends on all 25 000 inputs of the
#: row, so a backward that differences the forward column by column needs 50 000 forward calls on
#: the whole input — minutes (``benchmarks/numdiff_cost.py``) — while the formula takes
#: milliseconds. Checked at sampled entries and along random directions.
SOFTMAX_WIDE = (8, 25_000)
#: Entries of the wide case compared one by one, and random directions.
WIDE_ENTRIES = 24
WIDE_DIRECTIONS = 2


def _softmax_cases(rng, hidden):
    """Visible and hidden: small rows, one row whose exp overflows (logits up to +1000) and one
    whose exp underflows (down to −1000) — a softmax without the max-subtraction returns NaN for
    both — and a big case; the hidden ones add more shapes (1-D, 3-D)."""
    shapes = [(3, 4), (6,), (2, 3, 4)] if hidden else [(2, 5), (4,), (2, 2, 3)]
    xs = [rng.standard_normal(s) * 2 for s in shapes]
    big = rng.uniform(750, 1000, size=(2, 4)) * np.array([[1.0], [-1.0]])
    big[0, 0], big[1, 0] = 1000.0, -1000.0
    xs.append(big)
    xs.append(rng.standard_normal(SOFTMAX_BIG) * 2)
    if hidden:
        xs.append(rng.standard_normal(SOFTMAX_WIDE) * 2)
    return [dict(x=x, dout=rng.standard_normal(x.shape)) for x in xs]


def _softmax_verify(j, case):
    x, dout = case["x"], case["dout"]
    unchanged = j.unchanged if x.size <= KEEP_INPUTS else (lambda *a, **k: None)
    expected = j.reference("y", lambda: ref.softmax(x))
    y = j.array("y", "softmax_forward returns a float64 array shaped like x", x.shape, "`softmax_forward(x)`")
    if y is not None:
        def forward_hint(bad):
            if x.ndim > 1 and np.allclose(y, ref.softmax(x, axis=0)):
                return "normalise along the LAST axis: each row (one example) must sum to 1."
            return _forward_hint(y, expected, x)
        j.close(_big_label(x, "softmax_forward values match the definition"), y, expected, TOL_FORWARD,
                hint_fn=forward_hint)
    unchanged("x_after_forward", x, "softmax_forward leaves x unchanged", call="y")
    dx = j.array("dx", "softmax_backward returns a float64 array shaped like x", x.shape, "`softmax_backward(dout, x)`")
    if dx is not None and x.shape[-1] >= SOFTMAX_WIDE[1]:
        _softmax_wide_verify(j, x, dout, dx)
    elif dx is not None:
        # Rows are independent, and each costs 2·C evaluations of softmax: on the big case the
        # numerical gradient is taken on every 15th row (200 of 3000), 15× less host time.
        rows = slice(None, None, 15) if x.size >= 100_000 else slice(None)
        got, d, y_ref = dx[rows], dout[rows], expected[rows]
        num = j.reference("dx", lambda: numerical_gradient_independent(ref.softmax, x[rows], d, axis=-1))
        diag_only = d * y_ref * (1 - y_ref)
        j.close(_big_label(x, "softmax_backward: dx matches the numerical gradient"), got, num, TOL_GRAD, ref_name="numerical",
                hint_fn=lambda bad: hints.gradient_hint(got, num, d, candidates=[(diag_only,
                    "you used only the diagonal of the Jacobian, ∂y_i/∂x_i = y_i(1 − y_i); every output "
                    "depends on every input (∂y_i/∂x_j = −y_i·y_j): dx = y ⊙ (dout − Σ_j dout_j·y_j).")]))
    unchanged("x_after", x, "softmax_backward leaves x unchanged", call="dx")


def _softmax_wide_verify(j, x, dout, dx):
    """The wide case: central differences at WIDE_ENTRIES sampled entries (each on its own row,
    2 softmax calls of one row) and along WIDE_DIRECTIONS random directions of the whole input."""
    pick = np.random.default_rng([20261205, *x.shape])
    rows = pick.integers(0, x.shape[0], WIDE_ENTRIES)
    cols = pick.choice(x.shape[1], WIDE_ENTRIES, replace=False)

    def sampled(h=1e-5):
        num = []
        for i, k in zip(rows, cols):
            up, down = x[i].copy(), x[i].copy()
            up[k] += h
            down[k] -= h
            num.append(np.sum((ref.softmax(up) - ref.softmax(down)) * dout[i]) / (2 * h))
        return np.array(num)
    label = f"softmax_backward: dx matches the numerical gradient on a wide {x.shape[0]}×{x.shape[1]} input"
    j.close(f"{label} ({WIDE_ENTRIES} sampled entries)", dx[rows, cols], j.reference("wide entries", sampled),
            TOL_GRAD, ref_name="numerical")
    dirs = random_directions(x.shape, WIDE_DIRECTIONS)
    num = j.reference("wide directions", lambda: directional_derivatives(ref.softmax, x, dout, dirs))
    j.close(f"{label} (along {WIDE_DIRECTIONS} random directions)", np.array([np.sum(dx * v) for v in dirs]),
            num, TOL_GRAD, ref_name="numerical")


ITEMS = {item.name: item for item in [
    elementwise("linear", ref.linear, _linear_params),
    elementwise("step", lambda x: ref.step(x), backward=False, zeros=True),
    elementwise("sigmoid", ref.sigmoid, candidates=_sigmoid_candidates),
    elementwise("tanh", ref.tanh, candidates=_tanh_candidates),
    elementwise("relu", lambda x: ref.relu(x), kink=lambda: (0.0, 1.0), candidates=_relu_candidates),
    elementwise("leaky_relu", ref.leaky_relu, _a, kink=lambda a: (a, 1.0)),
    elementwise("elu", ref.elu, _alpha, kink=lambda alpha: (alpha, 1.0)),
    elementwise("selu", lambda x: ref.selu(x),
                kink=lambda: (ref.SELU_LAMBDA * ref.SELU_ALPHA, ref.SELU_LAMBDA),
                candidates=_selu_candidates),
    Item("prelu", ("prelu_forward", "prelu_backward"), _prelu_cases, PROBES["prelu"], _prelu_verify),
    Item("softmax", ("softmax_forward", "softmax_backward"), _softmax_cases, PROBES["softmax"], _softmax_verify),
    elementwise("softplus", ref.softplus, candidates=_softplus_candidates),
]}
