"""Checks of the two-layer-network exercise (``solutions/two_layer_net/two_layer_net.ipynb``).

What the learner writes (row-vector batches; every array float64):

    Affine(W, b)        forward(x) -> x @ W + b; backward(dout) -> dx, and sets .dW, .db
                        x (N, D), W (D, M), b (M,), dout (N, M)
    Relu()              forward(x), backward(dout); the mask comes from the forward input
    Sigmoid()           forward(x), backward(dout); uses the stored output y: dx = dout·y(1 − y)
    SoftmaxWithLoss()   forward(x, t) -> mean cross-entropy (a scalar); t: integer labels (N,)
                        or one-hot (N, C); backward(dout=1.0) -> dout·(Ŷ − T)/N, shape (N, C)
    HingeLoss()         forward(x, t) -> mean multiclass hinge loss (margin 1), t integer labels (N,);
                        backward(dout=1.0) -> ∂L/∂x times dout, shape (N, C) (derived by the learner:
                        the page does not show it)
    two_layer_loss(params, X, y) -> (loss, grads)     Affine → Relu → Affine → SoftmaxWithLoss
    train(X, y, hidden, lr, batch_size, steps, seed) -> (params, losses)      mini-batch SGD

Every gradient is compared with a central-difference gradient (h = 1e-5, float64) of the
reference forward :mod:`autograder.reference.two_layer_net`. ``train`` is checked four ways: one
full-batch step with the same seed and learning rates 0 and η must move every parameter by exactly
−η·∂L/∂θ (numerical gradient of the reference loss at the starting point); 12 steps with lr = 0 on
batches of 6 of 30 points must not give 12 equal losses (a new mini-batch every step); one step
with lr = 0 on data whose fan-ins are far from 2 returns the initial parameters, whose rms must be
sqrt(2/fan_in) (the variance used as the standard deviation fails here); and a full
run on 3-class spirals must reach the stated accuracy, measured by the reference forward on the
parameters it returns.
"""
import numpy as np

from autograder.checks import Item
from autograder.gradcheck import (directional_derivatives, numerical_gradient, numerical_gradient_array,
                                  numerical_gradient_independent, random_directions)
from autograder.probes.two_layer_net import KEEP_INPUTS, PROBES, TRAIN_ARGS, TRAIN_RUNS, _targets
from autograder.reference import two_layer_net as ref

#: Forward values and losses: correct code differs from the reference by rounding only
#: (worst over 200–300 hidden seeds: 2.5e-16); the smallest mutant error on a value check is
#: 2e-7 (an epsilon of 1e-7 inside the log), so 1e-9 sits two orders of magnitude from each.
TOL_FORWARD = 1e-9
#: Gradients vs central differences (h = 1e-5): correct code stays below 1.1e-7 (worst over 300
#: hidden seeds; the worst entries are tiny softmax gradients near the relative-error floor); the
#: smallest error of a wrong gradient or update among the mutants is 2.7e-2.
TOL_GRAD = 1e-5

KINK_GAP = 1e-3

#: The accuracy run of ``train``: 3-class spirals, 100 points per class, angular noise 0.2,
#: H = 100, η = 1.0, batches of 64, 2000 steps. The solution reached ≥ 97.3% on each of 60
#: data/initialisation seeds (median 98.5%) and passed on all 200 hidden seeds of the tolerance
#: sweep; one run takes 0.25–0.6 s on one core of the (shared) 2-core machine. A correct variant
#: still has bad runs: a uniform He initialisation reached 92.0% on one hidden seed (98% with
#: the next five seeds; min 95.0% over 1000 other runs), so TRAIN_RUNS runs are made with seeds
#: s, s + 1, … and the best counts: with a bad run in ~1 of 1000, all five are bad ~1e-15.
SPIRAL = dict(n_per_class=100, classes=3, noise=0.2)
MIN_ACCURACY = 0.95
#: The fresh-batch run of ``train``: 12 steps of batches of 6 (of 30 points) with lr = 0.
FRESH_BATCH, FRESH_STEPS = 6, 12
#: The initialisation run of ``train`` (one step, lr = 0, so the returned parameters are the
#: initial ones): (D, H, C) with D and H far from 2, where the variance 2/fan_in and its square
#: root differ (with D = 2 both are 1). The root-mean-square of W1 (D·H entries) and of W2 (H·C
#: entries) must lie within a factor INIT_RATIO of sqrt(2/fan_in). n·rms²/σ² of a correct draw
#: is χ² with n degrees of freedom: with n >= 480 entries it falls below 1/1.3² with probability
#: <= 5e-14 (n = 400, the hidden (24, 100, 4) this replaced, gave 5.2e-12: once in ~2·10^11
#: students); the variance used as the standard deviation is off by sqrt(fan_in/2) >= 3.4.
INIT_SHAPES = [(40, 50, 10)]
INIT_SHAPES_HIDDEN = [(60, 24, 20), (24, 100, 8)]
INIT_RATIO = 1.3


def _away_from_kink(rng, shape, scale=1.0):
    x = rng.standard_normal(shape) * scale
    small = np.abs(x) < KINK_GAP
    x[small] = np.where(x[small] < 0, -1, 1) * (KINK_GAP + rng.random(int(small.sum())))
    return x


# ------------------------------------------------------------------ affine
#: The big cases (visible and hidden): a backward that numerically differentiates the forward
#: needs 2 forward calls per entry of x (2·10⁵ calls of a (1000, 100) @ (100, 100) product) or
#: of W (2·10⁴) — minutes — while vectorised code takes milliseconds. The host checks them
#: along random directions (a handful of forward calls).
BIG_AFFINE = (1000, 100, 100)
#: A wide hidden case (issue 21 §4): rows are independent, but every output of a row depends on
#: all 10 000 inputs of the row, and every column of W on all of x: a backward that differences
#: the forward by groups still needs 4·10 000 forward calls (minutes, ``benchmarks/numdiff_cost.py``).
WIDE_AFFINE = (64, 10_000, 64)
BIG = (300, 500)
#: The largest |x| the instructions name for the Sigmoid layer: in every draw, visible and hidden.
LARGE = 800.0


def _big_label(x, label):
    return f"{label} on a large {x.shape[0]}×{x.shape[1]} input (vectorise: no Python loops)" \
        if x.size > KEEP_INPUTS else label


def _unchanged(j, x):
    """``j.unchanged``, for inputs the probe sends back (the big ones it does not)."""
    return j.unchanged if x.size <= KEEP_INPUTS else (lambda *a, **k: None)


def _affine_cases(rng, hidden):
    shapes = [(1, 3, 2), (7, 5, 4), (2, 1, 6), (3, 6, 1), (5, 4, 4)] if hidden else [(4, 3, 5), (1, 3, 2), (3, 3, 3)]
    shapes = shapes + [BIG_AFFINE] + ([WIDE_AFFINE] if hidden else [])
    out = []
    for n, d, m in shapes:
        out.append(dict(x=rng.standard_normal((n, d)) * 2, W=rng.standard_normal((d, m)),
                        b=rng.standard_normal(m), dout=rng.standard_normal((n, m))))
    return out


def _affine_verify(j, case):
    x, W, b, dout = case["x"], case["W"], case["b"], case["dout"]
    n, m = dout.shape
    big = x.size > KEEP_INPUTS
    unchanged = _unchanged(j, x)
    if not j.constructed("layer", "Affine(W, b) can be created", "`Affine(W, b)`"):
        return
    out = j.array("out", "Affine.forward returns a float64 array of shape (N, M)", (n, m), "`forward(x)`")
    if out is not None:
        j.close(_big_label(x, "Affine.forward: x @ W + b"), out, ref.affine(x, W, b), TOL_FORWARD)
    dx = j.array("dx", "Affine.backward returns dx of shape (N, D)", x.shape, "`backward(dout)`")
    if dx is not None and big:
        dirs = random_directions(x.shape)
        num = j.reference("dx", lambda: directional_derivatives(lambda v: ref.affine(v, W, b), x, dout, dirs))
        j.close(_big_label(x, f"Affine.backward: dx matches the numerical gradient (along {len(dirs)} random directions)"),
                np.array([np.sum(dx * v) for v in dirs]), num, TOL_GRAD, ref_name="numerical")
    elif dx is not None:
        num = j.reference("dx", lambda: numerical_gradient_array(lambda v: ref.affine(v, W, b), x.copy(), dout))
        j.gradient("Affine.backward: dx matches the numerical gradient", dx, num, TOL_GRAD,
                   candidates=[(dout @ W, "dx = dout @ W.T: W is (D, M), dout is (N, M).")]
                   if W.shape[0] == W.shape[1] else ())
    dW = j.array("dW", "Affine.dW has the shape of W", W.shape, "`layer.dW`")
    if dW is not None and big:
        dirs = random_directions(W.shape)
        num = j.reference("dW", lambda: directional_derivatives(lambda v: ref.affine(x, v, b), W, dout, dirs))
        j.close(_big_label(x, f"Affine.backward: dW matches the numerical gradient (along {len(dirs)} random directions)"),
                np.array([np.sum(dW * v) for v in dirs]), num, TOL_GRAD, ref_name="numerical")
    elif dW is not None:
        num = j.reference("dW", lambda: numerical_gradient_array(lambda v: ref.affine(x, v, b), W.copy(), dout))
        cands = [(num / n, "dW is a sum over the batch, Xᵀ·dout — do not divide by N here "
                           "(the 1/N is already in the loss's gradient).")] if n > 1 else []
        if W.shape[0] == W.shape[1]:
            cands.append(((dout.T @ x), "dW = x.T @ dout (shape (D, M)), not dout.T @ x."))
        j.gradient("Affine.backward: dW matches the numerical gradient", dW, num, TOL_GRAD, candidates=cands)
    db = j.array("db", "Affine.db has the shape of b", b.shape, "`layer.db`")
    if db is not None:
        # b_m affects output column m only: every entry of b is differenced at once
        h = 1e-5
        num = ((ref.affine(x, W, b + h) - ref.affine(x, W, b - h)) * dout).sum(axis=0) / (2 * h)
        cands = [(num / n, "db = dout.sum(axis=0): a sum over the batch, not a mean.")] if n > 1 else []
        j.gradient(_big_label(x, "Affine.backward: db matches the numerical gradient"), db, num, TOL_GRAD,
                   candidates=cands)
    unchanged("x_after_forward", x, "Affine.forward leaves x unchanged", call="out")
    unchanged("x_after", x, "Affine.backward leaves the stored x unchanged", call="dx")
    unchanged("W_after", W, "Affine leaves W unchanged", "W")
    unchanged("b_after", b, "Affine leaves b unchanged", "b")
    unchanged("dout_after", dout, "Affine.backward leaves dout unchanged", "dout", call="dx")


# ------------------------------------------------------------------ element-wise layers
def _elementwise_cases(rng, hidden):
    """Visible and hidden: small inputs, |x| from 20 up to exactly ±800, and a big input."""
    shapes = [(1, 4), (6, 3), (3, 7)] if hidden else [(4, 5)]
    xs = [_away_from_kink(rng, s, 2.0) for s in shapes]
    large = rng.choice([-1.0, 1.0], size=(2, 5)) * rng.uniform(20, LARGE, size=(2, 5))
    large.flat[0], large.flat[-1] = LARGE, -LARGE
    xs += [large, _away_from_kink(rng, BIG, 2.0)]
    return [dict(x=x, dout=rng.standard_normal(x.shape)) for x in xs]


def _layer_verify(cls, forward, candidates):
    def verify(j, case):
        x, dout = case["x"], case["dout"]
        unchanged = _unchanged(j, x)
        if not j.constructed("layer", f"{cls}() can be created", f"`{cls}()`"):
            return
        out = j.array("out", f"{cls}.forward returns a float64 array shaped like x", x.shape, "`forward(x)`")
        if out is not None:
            expected = forward(x)
            j.close(_big_label(x, f"{cls}.forward values"), out, expected, TOL_FORWARD, hint_fn=lambda bad: (
                "NaN or inf for large |x|: compute without exponentiating a large positive number."
                if not np.all(np.isfinite(out)) else ""))
        dx = j.array("dx", f"{cls}.backward returns dx shaped like x", x.shape, "`backward(dout)`")
        if dx is not None:
            num = numerical_gradient_independent(forward, x, dout)
            j.gradient(_big_label(x, f"{cls}.backward: dx matches the numerical gradient"), dx, num, TOL_GRAD,
                       dout=dout, x=x, candidates=candidates(x, dout))
        unchanged("x_after_forward", x, f"{cls}.forward leaves x unchanged", call="out")
        unchanged("x_after", x, f"{cls}.backward leaves x unchanged", call="dx")
        unchanged("dout_after", dout, f"{cls}.backward leaves dout unchanged", "dout", call="dx")
    return verify


def _relu_candidates(x, dout):
    return [(dout.copy(), "your backward passes dout through everywhere: zero it where the forward "
                          "input was ≤ 0 (a mask saved in forward, from x — not from the output's sign)."),
            (dout * (dout > 0), "the mask must come from the forward input (x > 0), not from dout."),
            (dout * (x <= 0), "the mask is inverted: keep dout where x > 0, zero it where x ≤ 0.")]


def _sigmoid_candidates(x, dout):
    return [(dout * x * (1 - x), "use the stored OUTPUT y = σ(x): dx = dout·y·(1 − y), not dout·x·(1 − x)."),
            (dout * ref.sigmoid(x), "dx = dout·y·(1 − y): the factor (1 − y) is missing.")]


# ------------------------------------------------------------------ softmax with loss
def _softmax_cases(rng, hidden):
    # (N, C, one-hot?, spread of the logits, offset of the logits, dout)
    if hidden:
        layout = [(1, 2, False, 2.0, 0.0, 1.0), (6, 4, True, 2.0, 0.0, 2.5), (5, 10, False, 3.0, 0.0, 0.7),
                  (3, 3, False, 3.0, 1000.0, 1.0), (4, 5, True, 3.0, -1000.0, 1.3)]
    else:
        # one of each kind the hidden cases have: labels and one-hot, dout ≠ 1, logits near ±1000
        layout = [(4, 3, False, 2.0, 0.0, 1.0), (3, 4, True, 2.0, 0.0, 2.5), (3, 3, False, 3.0, 1000.0, 1.0),
                  (2, 4, True, 3.0, -1000.0, 0.7)]
    out = []
    for n, c, onehot, spread, offset, dout in layout:
        x = rng.standard_normal((n, c)) * spread + offset      # offset ±1000: exp overflows
        labels = rng.integers(0, c, size=n).astype(np.float64)
        out.append(dict(x=x, labels=labels, onehot=np.float64(onehot), dout=np.float64(dout)))
    return out


def _softmax_verify(j, case):
    x, dout = case["x"], float(case["dout"])
    t = _targets(case)
    n, c = x.shape
    kind = "one-hot labels" if case["onehot"] else "integer labels"
    if not j.constructed("layer", "SoftmaxWithLoss() can be created", "`SoftmaxWithLoss()`"):
        return
    loss = j.array("loss", "SoftmaxWithLoss.forward returns a float64 scalar", (), "`forward(x, t)`")
    expected = ref.cross_entropy(x, t)
    if loss is not None:
        def loss_hint(bad):
            got = float(loss)
            if not np.isfinite(got):
                return "NaN or inf for large logits: subtract each row's maximum before exponentiating."
            if n > 1 and abs(got - n * expected) <= 1e-9 * abs(n * expected):
                return "you summed the cross-entropy over the batch: return the MEAN (divide by N)."
            p = np.exp(ref.log_softmax(x))
            T = ref.one_hot(t, c) if t.ndim == 1 else t
            eps = -np.sum(T * np.log(p + 1e-7)) / n
            if abs(got - eps) <= 1e-6 * abs(eps):
                return "a constant added inside the log (log(y + 1e-7)) changes the loss; use log-softmax: z − max − log Σ exp(z − max)."
            return ""
        j.close(f"SoftmaxWithLoss.forward: mean cross-entropy ({kind})", loss[None], np.array([expected]),
                TOL_FORWARD, hint_fn=loss_hint)
    dx = j.array("dx", "SoftmaxWithLoss.backward returns dx of shape (N, C)", x.shape, "`backward(dout)`")
    if dx is not None:
        # The loss is unchanged when a row of x is shifted by a constant, and so is its gradient:
        # differentiate at x − rowmax(x), where a step h = 1e-5 is not rounded away (logits ±1000).
        shifted = x - x.max(axis=1, keepdims=True)
        num = dout * numerical_gradient(lambda v: ref.cross_entropy(v, t), shifted.copy())
        T = ref.one_hot(t, c) if t.ndim == 1 else t
        p = np.exp(ref.log_softmax(x))
        cands = []
        if n > 1:
            cands.append((dout * (p - T), "divide by the batch size: dx = dout·(Ŷ − T)/N for a MEAN loss."))
        if dout != 1.0:
            cands.append(((p - T) / n, "multiply by the upstream gradient `dout` (chain rule)."))
        j.gradient(f"SoftmaxWithLoss.backward: dx matches the numerical gradient ({kind})", dx, num,
                   TOL_GRAD, candidates=cands)
    j.unchanged("x_after", x, "SoftmaxWithLoss leaves x unchanged")
    j.unchanged("t_after", np.asarray(t), "SoftmaxWithLoss leaves t unchanged", "t")


# ------------------------------------------------------------------ hinge loss (not on the page)
#: Margins z_c − z_t + 1 are kept at least this far from 0 (the kink of max(0, ·)): a central
#: difference with h = 1e-5 straddling a kink would be wrong by up to 1/2 there.
HINGE_GAP = 1e-2
# (TOL_FORWARD and TOL_GRAD serve here too: over 200 hidden seeds the solution's loss is exact and its
# gradient within 1.3e-9; the mutants of tests/mutants/two_layer_net.py miss by >= 2e-2.)


def _hinge_x(rng, n, c, spread, labels, all_satisfied=False):
    """Logits (N, C) whose margins all stay HINGE_GAP away from 0; with ``all_satisfied`` every
    margin is negative (loss 0, gradient 0)."""
    while True:
        x = rng.standard_normal((n, c)) * spread
        if all_satisfied:
            x[np.arange(n), labels] = x.max(axis=1) + 1.0 + rng.uniform(0.1, 1.0, size=n)
        m = x - x[np.arange(n), labels][:, None] + 1.0
        m[np.arange(n), labels] = 1.0
        if np.abs(m).min() > HINGE_GAP:
            return x


def _hinge_cases(rng, hidden):
    # (N, C, spread, dout, every margin satisfied?)
    layout = ([(1, 2, 1.0, 1.0, False), (6, 4, 1.5, 0.7, False), (5, 10, 2.0, 1.0, False),
               (3, 3, 1.0, 2.0, True), (4, 5, 0.6, 1.3, False)] if hidden else
              [(4, 3, 1.0, 1.0, False), (3, 5, 1.5, 2.5, False), (2, 3, 1.0, 1.0, True)])
    out = []
    for n, c, spread, dout, sat in layout:
        labels = rng.integers(0, c, size=n)
        out.append(dict(x=_hinge_x(rng, n, c, spread, labels, sat), labels=labels.astype(np.float64),
                        dout=np.float64(dout)))
    return out


def _hinge_verify(j, case):
    x, dout, t = case["x"], float(case["dout"]), case["labels"].astype(np.int64)
    n, c = x.shape
    if not j.constructed("layer", "HingeLoss() can be created", "`HingeLoss()`"):
        return
    loss = j.array("loss", "HingeLoss.forward returns a float64 scalar", (), "`forward(x, t)`")
    expected = ref.hinge_loss(x, t)
    if loss is not None:
        def loss_hint(bad):
            got = float(loss)
            if abs(got - (expected + (c > 1) * 1.0)) <= 1e-9 * max(1.0, abs(expected)):
                return "leave the correct class out of the sum (c ≠ t): its own margin is always 1."
            if n > 1 and abs(got - n * expected) <= 1e-9 * max(1.0, abs(n * expected)):
                return "you summed over the batch: return the MEAN (divide by N)."
            return ""
        j.close("HingeLoss.forward: mean of Σ_{c≠t} max(0, x_c − x_t + 1)", loss[None], np.array([expected]),
                TOL_FORWARD, hint_fn=loss_hint)
    dx = j.array("dx", "HingeLoss.backward returns dx of shape (N, C)", x.shape, "`backward(dout)`")
    if dx is not None:
        num = dout * numerical_gradient(lambda v: ref.hinge_loss(v, t), x.copy())
        no_true = num.copy()                                          # the correct class forgotten
        no_true[np.arange(n), t] = 0.0
        cands = [(no_true, "the correct class's score appears in EVERY active margin: its "
                  "gradient is −(number of active margins in that row), times dout/N.")]
        if n > 1:
            cands.append((num * n, "divide by the batch size: the loss is a MEAN over the batch."))
        if dout != 1.0:
            cands.append((num / dout, "multiply by the upstream gradient `dout` (chain rule)."))
        j.gradient("HingeLoss.backward: dx matches the numerical gradient", dx, num, TOL_GRAD, candidates=cands)
    j.unchanged("x_after", x, "HingeLoss leaves x unchanged")
    j.unchanged("t_after", t, "HingeLoss leaves t unchanged", "t")


# ------------------------------------------------------------------ the whole network
def _net_params(rng, d, h, c, scale=1.0):
    return dict(W1=rng.standard_normal((d, h)) * scale, b1=rng.standard_normal(h) * 0.5,
                W2=rng.standard_normal((h, c)) * scale, b2=rng.standard_normal(c) * 0.5)


def _net_cases(rng, hidden):
    shapes = [(1, 3, 5, 2), (8, 4, 7, 5), (3, 2, 10, 3), (6, 1, 3, 4)] if hidden else [(5, 2, 4, 3), (1, 3, 5, 2)]
    out = []
    for n, d, h, c in shapes:
        while True:                                   # keep every Z1 away from the ReLU's kink
            X = rng.standard_normal((n, d))
            p = _net_params(rng, d, h, c)
            if np.abs(ref.affine(X, p["W1"], p["b1"])).min() > 1e-3:
                break
        out.append(dict(X=X, y=rng.integers(0, c, size=n).astype(np.float64), **p))
    return out


def _net_verify(j, case):
    X, y = case["X"], case["y"].astype(np.int64)
    params = {k: case[k].copy() for k in ref.PARAM_NAMES}
    if j.raised("res", "two_layer_loss returns (loss, grads)"):
        return
    loss = j.array("loss", "two_layer_loss: the loss is a float64 scalar", (), "the loss")
    if loss is not None:
        j.close("two_layer_loss: loss value", loss[None], np.array([ref.loss(params, X, y)]), TOL_FORWARD)
    n = X.shape[0]
    for k in ref.PARAM_NAMES:
        g = j.array("d" + k, f"grads['{k}'] has the shape of {k}", params[k].shape, f"grads['{k}']")
        if g is None:
            continue

        def f(v, k=k):
            p = dict(params)
            p[k] = v
            return ref.loss(p, X, y)
        num = numerical_gradient(f, params[k].copy())
        cands = [(n * num, "the gradient is N times too large: the loss is a MEAN over the batch.")] if n > 1 else []
        j.gradient(f"two_layer_loss: grads['{k}'] matches the numerical gradient", g, num, TOL_GRAD,
                   candidates=cands)
    for k in ref.PARAM_NAMES:
        j.unchanged(k + "_after", case[k], "two_layer_loss leaves the parameters unchanged", k)
    j.unchanged("X_after", X, "two_layer_loss leaves X unchanged", "X")


# ------------------------------------------------------------------ training
def _points(rng, n, c):
    """``n`` random 2-D points X (n, 2) and float labels y (n,) in which each of ``c`` classes occurs."""
    X = rng.standard_normal((n, 2))
    return X, np.concatenate([np.arange(c), rng.integers(0, c, size=n - c)]).astype(np.float64)


def _sgd_cases(rng, hidden):
    out = []
    # One full-batch step (batch_size = N): (N, classes, hidden, lr)
    for n, c, h, lr in ([(20, 3, 6, 0.7), (9, 2, 4, 0.05)] if hidden else [(12, 3, 5, 0.5)]):
        while True:       # keep every Z1 of the documented initialisation away from the ReLU's kink
            X, y = _points(rng, n, c)
            seed = int(rng.integers(0, 2**31))
            W1 = np.random.default_rng(seed).standard_normal((2, h)) * np.sqrt(2.0 / 2)   # b1 = 0
            if np.abs(X @ W1).min() > KINK_GAP:
                break
        out.append(dict(kind=np.float64(0), X=X, y=y, hidden=np.float64(h), lr=np.float64(lr),
                        seed=np.float64(seed)))
    # Mini-batches of 6 of 30 points with lr = 0: the parameters stay put, so losses[t] is the
    # loss of batch t alone and differs from step to step only if every step draws a new batch
    # (the accuracy run below can miss one batch reused throughout: on some data seeds it
    # reaches 95% anyway).
    X, y = _points(rng, 30, 3)
    out.append(dict(kind=np.float64(2), X=X, y=y, hidden=np.float64(5), batch_size=np.float64(FRESH_BATCH),
                    steps=np.float64(FRESH_STEPS), seed=np.float64(rng.integers(0, 2**31))))
    # The initialisation, with fan-ins other than 2 (visible and hidden).
    for d, h, c in (INIT_SHAPES_HIDDEN if hidden else INIT_SHAPES):
        y = _points(rng, max(8, c), c)[1]
        X = rng.standard_normal((len(y), d))
        out.append(dict(kind=np.float64(3), X=X, y=y, hidden=np.float64(h), seed=np.float64(rng.integers(0, 2**31))))
    # A full run on spirals.
    X, y = ref.spirals(**SPIRAL, seed=int(rng.integers(0, 2**31)))
    out.append(dict(kind=np.float64(1), X=X, y=y.astype(np.float64),
                    seed=np.float64(rng.integers(0, 2**31))))
    return out


def _shapes(d, h, c):
    return {"W1": (d, h), "b1": (h,), "W2": (h, c), "b2": (c,)}


def _get_params(j, prefix, shapes, what):
    if j.raised(prefix, f"train returns (params, losses) {what}"):
        return None
    out = {}
    for k, s in shapes.items():
        a = j.array(f"{prefix}/{k}", f"train returns params['{k}'] of shape (D, H), (H,), (H, C), (C,)",
                    s, f"params['{k}'] {what}")
        if a is None:
            return None
        out[k] = a
    return out


def _run_accuracy(j, key, X, y):
    """Training accuracy (reference forward) of the parameters one accuracy run returned; 0 when
    they are missing, misshapen or not finite."""
    shapes = _shapes(X.shape[1], TRAIN_ARGS["hidden"], int(y.max()) + 1)
    p = {k: j.numbers(f"{key}/{k}") for k in shapes}
    if any(v is None or v.shape != s or v.dtype != np.float64 or not np.all(np.isfinite(v))
           for (k, s), v in zip(shapes.items(), p.values())):
        return 0.0
    return ref.accuracy(p, X, y)


def _straddles_kink(X, p, h=1e-5, margin=10.0):
    """{"W1": mask, "b1": mask} of the entries whose central difference (step h) could cross a
    kink of the ReLU (|Z1| within ``margin``·h·|x| of 0). The case keeps Z1 away from the kink
    only for the initialisation the text describes, drawn in that order; a correct ``train``
    that draws its weights otherwise starts elsewhere, and its Z1 can be anywhere (about one
    such student in 1000 had an entry within reach of the step)."""
    Z1 = np.abs(X @ p["W1"] + p["b1"])                                     # (N, H)
    w1 = (Z1[:, None, :] <= margin * h * np.abs(X)[:, :, None]).any(axis=0)   # (D, H)
    return {"W1": w1, "b1": (Z1 <= margin * h).any(axis=0)}


def _first_loss_hint(losses, p0, p1, X, y):
    """Why losses[0] of one full-batch step is not the loss at the starting parameters."""
    if all(np.allclose(p0[k], p1[k]) for k in p0):
        return ("the runs with lr = 0 and lr = η returned the same parameters: the update must use `lr` "
                "(θ ← θ − lr·∂L/∂θ).")
    if np.isclose(losses[0], ref.loss(p1, X, y), rtol=1e-9):
        return ("record the loss of the batch computed with the parameters BEFORE the update "
                "(the one two_layer_loss returns).")
    return ("with batch_size = N a step must use every example exactly once: draw the mini-batch "
            "WITHOUT replacement (`rng.choice(n, size=batch_size, replace=False)` or a permutation).")


def _sgd_verify(j, case):
    X, y = case["X"], case["y"].astype(np.int64)
    c = int(y.max()) + 1
    if case["kind"] == 0:
        h, lr = int(case["hidden"]), float(case["lr"])
        p0 = _get_params(j, "zero", _shapes(2, h, c), "(lr = 0)")
        p1 = _get_params(j, "step", _shapes(2, h, c), f"(lr = {lr:g})")
        if p0 is None or p1 is None:
            return
        losses = j.numbers("step/losses")
        ok = losses is not None and losses.shape == (1,)
        j.add("train returns one loss per step", ok,
              "" if ok else f"after 1 step `losses` has shape {None if losses is None else losses.shape}; expected (1,).")
        if ok:
            j.close("train: losses[0] is the batch loss before the update", losses, np.array([ref.loss(p0, X, y)]),
                    TOL_FORWARD, hint_fn=lambda bad: _first_loss_hint(losses, p0, p1, X, y))
        straddle = _straddles_kink(X, p0)
        for k in ref.PARAM_NAMES:
            def f(v, k=k):
                p = dict(p0)
                p[k] = v
                return ref.loss(p, X, y)
            num = numerical_gradient(f, p0[k].copy())
            moved = (p0[k] - p1[k]) / lr
            if k in straddle:        # a central difference across a ReLU kink: judged nowhere
                num, moved = np.where(straddle[k], 0.0, num), np.where(straddle[k], 0.0, moved)
            j.gradient(f"one full-batch step (batch_size = N) moves {k} by −lr·∂L/∂{k}",
                       moved, num, TOL_GRAD,
                       candidates=[(-num, "the update has the wrong sign: θ ← θ − lr·∂L/∂θ (go DOWN the gradient)."),
                                   (num / lr, "the step ignores `lr`: θ ← θ − lr·∂L/∂θ."),
                                   (np.zeros_like(num), "the runs with lr = 0 and lr = η moved the parameters "
                                    "alike: the update must use `lr` (and batch_size = N must mean the whole data set).")])
    elif case["kind"] == 3:
        _init_verify(j, X, c, int(case["hidden"]))
    elif case["kind"] == 2:
        steps, b = int(case["steps"]), int(case["batch_size"])
        what = f"(lr = 0, batch_size = {b} of {len(y)}, {steps} steps)"
        if _get_params(j, "fresh", _shapes(2, int(case["hidden"]), c), what) is None:
            return
        losses = j.numbers("fresh/losses")
        ok = losses is not None and losses.shape == (steps,) and bool(np.all(np.isfinite(losses)))
        j.add(f"train returns `steps` finite losses {what}", ok,
              "" if ok else f"`losses` has shape {None if losses is None else losses.shape} "
                            f"(expected ({steps},)) or contains NaN/inf.")
        if ok:
            fresh = np.ptp(losses) > 1e-9 * max(1.0, float(np.abs(losses).max()))
            j.add(f"every step draws a new mini-batch: with lr = 0 the {steps} batch losses are not all equal",
                  fresh, "" if fresh else f"all {steps} losses are {losses[0]:.6g}: with lr = 0 the parameters "
                  "do not move, so the same loss at every step means the same mini-batch at every step.",
                  hint="draw the batch's indices INSIDE the loop, once per step (e.g. "
                       "`idx = rng.choice(N, batch_size, replace=False)`), not once before it.")
    else:
        d = X.shape[1]
        p = _get_params(j, "run", _shapes(d, TRAIN_ARGS["hidden"], c), "")
        if p is None:
            return
        losses = j.numbers("run/losses")
        steps = TRAIN_ARGS["steps"]
        ok = losses is not None and losses.shape == (steps,) and bool(np.all(np.isfinite(losses)))
        j.add("train returns `steps` finite losses", ok,
              "" if ok else f"`losses` has shape {None if losses is None else losses.shape} "
                            f"(expected ({steps},)) or contains NaN/inf.")
        # the probe stops after a run it estimates at ≥ ENOUGH: the runs not made are not listed
        keys = ["run"] + [k for k in (f"run{r}" for r in range(1, TRAIN_RUNS)) if j.info(f"{k}/W1") is not None
                          or j.prefix + f"{k}/W1" in j.cap.errors or j.prefix + k in j.cap.errors]
        accs = [_run_accuracy(j, key, X, y) for key in keys]
        acc = max(accs)
        args = ", ".join(f"{k}={v}" for k, v in TRAIN_ARGS.items())
        j.add(f"train reaches ≥ {MIN_ACCURACY:.0%} training accuracy on 3-class spirals in at least one of "
              f"{TRAIN_RUNS} runs (seeds s, s + 1, …; {args})",
              acc >= MIN_ACCURACY,
              f"accuracy of the returned parameters (reference forward) in {len(accs)} runs: "
              f"{', '.join(f'{a:.1%}' for a in accs)}; needed ≥ {MIN_ACCURACY:.0%} in at least one.",
              hint="check the update sign, that each step uses a fresh random mini-batch, and the "
                   "He initialisation W ~ N(0, 2/fan_in) described above.")
        j.unchanged("X_after", X, "train leaves X unchanged", "X")


def _init_verify(j, X, c, h):
    """He initialisation, read off a run with lr = 0: rms of W1, W2 vs sqrt(2/fan_in); zero biases."""
    d = X.shape[1]
    p = _get_params(j, "init", _shapes(d, h, c), f"(lr = 0, D = {d}, hidden = {h})")
    if p is None:
        return
    for k, fan_in in (("W1", d), ("W2", h)):
        want = np.sqrt(2.0 / fan_in)
        rms = float(np.sqrt(np.mean(p[k] ** 2))) if np.all(np.isfinite(p[k])) else np.inf
        ok = want / INIT_RATIO <= rms <= want * INIT_RATIO
        hint = ""
        if not ok and np.isclose(rms, 2.0 / fan_in, rtol=INIT_RATIO - 1):
            hint = (f"the entries of {k} have standard deviation ≈ 2/{fan_in}, the VARIANCE: "
                    f"rng.normal takes the standard deviation, np.sqrt(2 / {fan_in}).")
        elif not ok:
            hint = f"He initialisation: {k} entries with mean 0 and variance 2/fan_in (fan_in = {fan_in} here)."
        j.add(f"train initialises {k} ({p[k].shape[0]} × {p[k].shape[1]}) with variance 2/fan_in = 2/{fan_in}",
              ok, f"root-mean-square of the initial {k}: {rms:.4g}; sqrt(2/{fan_in}) = {want:.4g} "
              f"(accepted: within a factor {INIT_RATIO:g}).", hint=hint)
    zero = all(np.all(p[k] == 0) for k in ("b1", "b2"))
    j.add("train initialises the biases b1, b2 to zero", zero, "" if zero else "b1 and b2 must start at zero.")


ITEMS = {item.name: item for item in [
    Item("affine", ("Affine",), _affine_cases, PROBES["affine"], _affine_verify),
    Item("relu_layer", ("Relu",), _elementwise_cases, PROBES["relu_layer"],
         _layer_verify("Relu", ref.relu, _relu_candidates)),
    Item("sigmoid_layer", ("Sigmoid",), _elementwise_cases, PROBES["sigmoid_layer"],
         _layer_verify("Sigmoid", ref.sigmoid, _sigmoid_candidates)),
    Item("softmax_with_loss", ("SoftmaxWithLoss",), _softmax_cases, PROBES["softmax_with_loss"], _softmax_verify),
    Item("hinge_loss", ("HingeLoss",), _hinge_cases, PROBES["hinge_loss"], _hinge_verify),
    Item("two_layer_net", ("two_layer_loss",), _net_cases, PROBES["two_layer_net"], _net_verify),
    Item("sgd", ("train",), _sgd_cases, PROBES["sgd"], _sgd_verify),
]}
