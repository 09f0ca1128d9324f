"""Checks of the normalisation exercise (``solutions/normalization/normalization.ipynb``).

What the learner writes (row-vector batches; every array float64):

    BatchNorm(D, eps=1e-5, momentum=0.9)   s, b, running_mean, running_var, train
                        forward(x) (N, D): training mode — batch mean and biased variance, running
                        statistics r ← ρ·r + (1 − ρ)·(batch statistic); evaluation mode — the
                        running statistics, nothing updated
                        backward(dout) -> dx; sets ds, db (after a forward in either mode)
    steps_backward(dout, cache) -> (dx, ds, db)   the given node-by-node batch-norm backward
                        with its one planted mistake fixed (cache from the given steps_forward)
    LayerNorm(D, eps=1e-5)   forward(x) for x (..., D), normalised over the last axis;
                        backward(dout) -> dx; sets ds, db (D,)
    Dropout(q, rng)     forward(x): a new mask from rng per call, x·keep/(1 − q); evaluation
                        mode: x unchanged; backward(dout) through the last mask
    Residual(W1, b1, W2, b2)   forward(x) = x + relu(x W1 + b1) W2 + b2; backward(dout) -> dx;
                        sets dW1, db1, dW2, db2

The probes are in :mod:`autograder.probes.normalization`; here are the cases and the verdicts.
Every gradient is compared with central differences (h = 1e-5, float64) of the reference forward
:mod:`autograder.reference.normalization`. The edge cases the instructions name are among the
hidden ones of every seed: a batch of two, a feature (or an example, for layer norm) that is
constant so that its variance is 0 and only ε keeps r finite, non-default ε and momentum,
evaluation mode, 1-D and 3-D inputs to layer norm and dropout. Batch norm and layer norm also get
one input of 80 000 (visible) or 200 000 (hidden) entries, checked along random directions: a
"backward" that differentiates its own forward numerically runs out of the item's time there.
"""
import numpy as np

from autograder.checks import Item
from autograder.gradcheck import (directional_derivatives, numerical_gradient_array,
                                  numerical_gradient_independent, random_directions)
from autograder.probe import KEEP_INPUTS
from autograder.probes.normalization import PROBES
from autograder.reference import normalization as ref

#: Forward values and running statistics: correct code differs from the reference by rounding
#: only (see benchmarks/margins.py for the measured worst case over seeds).
TOL_FORWARD = 1e-8
#: Gradients vs central differences (h = 1e-5).
TOL_GRAD = 1e-5
KINK_GAP = 1e-3
#: Dropout's kept fraction must be within SIGMAS standard errors of 1 − q (checked on inputs of
#: at least MIN_ENTRIES entries; a correct layer fails with probability < 1e-14).
SIGMAS = 8.0
MIN_ENTRIES = 2000
#: "every forward draws a new mask" is judged only where two correct masks coincide with
#: probability below this.
SAME_MASK = 1e-14
#: Inputs with more entries than this are checked along DIRECTIONS random directions
#: (central differences of the reference along each) instead of entry by entry: a "backward"
#: that differentiates its own forward numerically needs two forward passes per entry of x
#: (hundreds of thousands) and runs out of the item's time there.
LARGE = 5000
#: A derivative along a random direction v is g·v ~ N(0, ‖g‖²) (‖g‖ ≈ 300 for the large layer
#: norm): any one can be near 0, and the relative error's floor is 1e-3 × the largest of them,
#: against a rounding noise of the central difference of sd 7.5e-9 (measured over 150 seeds).
#: A correct gradient fails only if ALL directions' derivatives are ≲ 1: along 3 UNIT directions
#: (‖g‖/√n ≈ 0.65) about 5e-4 per check — a correct layer norm failed at 1.1e-5 in 1 of ~300
#: hidden seeds; along 3 standard-normal ones at most 4e-8; along 10 at most 2e-23
#: (``benchmarks/margins.py --directional`` measures the noise and ‖g‖ and simulates).
DIRECTIONS = 10          # (autograder.gradcheck.DIRECTIONS)


def _vjp(f, x, dout):
    return numerical_gradient_array(f, np.array(x, dtype=np.float64, copy=True), dout)


def _unchanged(j, x, dout):
    """The call left ``x`` and ``dout`` as they were (inputs small enough to be sent back)."""
    if x.size <= KEEP_INPUTS:
        j.unchanged("x_after", x, "forward and backward leave x unchanged", call="out")
        j.unchanged("dout_after", dout, "backward leaves dout unchanged", "dout", call="dx")


def _dx_check(j, label, got, f, x, dout, candidates=None, big=False):
    """``got`` (the learner's dx) against central differences of ``f`` at ``x``: entry by entry,
    or for a LARGE x (or ``big``: a parameter of a layer whose input is large) along random
    standard-normal directions. ``candidates()`` builds the hints' wrong gradients (small inputs only).

    The directions are NOT scaled to unit length: each entry then moves by about h, as in the
    entry-by-entry check, and a derivative along v is about ‖dx‖ in size. Along unit directions
    of 200 000 entries every entry moved by h/√n ≈ 2e-8, the derivative shrank by √n while the
    rounding of the difference did not: a correct layer norm failed 1e-5 on about one hidden seed
    in 300 (1.1e-5 on the solution; along standard-normal directions ≤ 2e-9 over 150 seeds)."""
    if x.size <= LARGE and not big:
        return j.gradient(label, got, j.reference(label, lambda: _vjp(f, x, dout)), TOL_GRAD, dout=dout, x=x,
                          candidates=candidates or ())
    dirs = random_directions(x.shape, DIRECTIONS)
    num = j.reference(label, lambda: directional_derivatives(f, np.array(x, dtype=np.float64, copy=True), dout, dirs))
    mine = np.array([float(np.sum(got * v)) for v in dirs])
    return j.gradient(f"{label}, along {DIRECTIONS} random directions", mine, num, TOL_GRAD)


# ------------------------------------------------------------------ batch norm
def _bn_case(rng, n, d, eps=1e-5, rho=0.9, constant=None):
    x = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.uniform(-2, 2, size=d)
    if constant is not None:
        x[:, constant] = rng.uniform(-2, 2)                   # variance exactly 0 in this column
    return dict(x=x, dout=rng.standard_normal((n, d)),
                x2=rng.standard_normal((min(max(n, 3), 6), d)) * 1.5 + 0.3,       # evaluation mode: a small batch
                dout2=rng.standard_normal((min(max(n, 3), 6), d)),
                s=rng.uniform(0.5, 2.0, size=d) * rng.choice([-1.0, 1.0], size=d), b=rng.standard_normal(d),
                rm=rng.standard_normal(d) * 0.5, rv=rng.uniform(0.5, 2.0, size=d),
                eps=np.float64(eps), rho=np.float64(rho))


def _batchnorm_cases(rng, hidden):
    if not hidden:
        return [_bn_case(rng, 4, 3), _bn_case(rng, 6, 5, eps=1e-3, rho=0.8),
                _bn_case(rng, 1000, 80)]                              # large: vectorise
    return [_bn_case(rng, 2, 3),                                   # a batch of two
            _bn_case(rng, 5, 4, constant=int(rng.integers(0, 4))),  # a constant feature, ε = 1e-5
            _bn_case(rng, 7, 3, eps=0.1, rho=0.5),                  # non-default ε and momentum
            _bn_case(rng, 2000, 100, eps=1e-4, rho=0.95),           # large: 200 000 entries
            _bn_case(rng, int(rng.integers(3, 9)), int(rng.integers(1, 6)), eps=float(rng.uniform(1e-4, 1e-2)),
                     rho=float(rng.uniform(0.1, 0.99)))]


def _bn_verify(j, case):
    x, dout, x2, dout2 = case["x"], case["dout"], case["x2"], case["dout2"]
    s, b, rm, rv, eps, rho = case["s"], case["b"], case["rm"], case["rv"], float(case["eps"]), float(case["rho"])
    n, d = x.shape
    tag = f"N = {n}, D = {d}, eps = {eps:g}, momentum = {rho:g}"
    if not j.constructed("layer", "BatchNorm(D, eps=..., momentum=...) can be created", "`BatchNorm`"):
        return
    out = j.array("out", "training mode: forward returns an array shaped like x", x.shape, "`forward(x)`")
    if out is not None:
        j.close(f"training mode: forward normalises with the batch statistics ({tag})", out,
                ref.batchnorm_train(x, s, b, eps), TOL_FORWARD, hint_fn=lambda bad: _bn_forward_hint(out, x, s, b, eps))
    rm_new, rv_new = ref.running_mean(rm, x, rho), ref.running_var(rv, x, rho)
    for key, want, what in (("rm_after", rm_new, "running_mean"), ("rv_after", rv_new, "running_var")):
        got = j.array(key, f"training mode: {what} is an array of shape (D,)", (d,), what)
        if got is not None:
            j.close(f"training mode: {what} ← momentum·{what} + (1 − momentum)·(batch statistic) ({tag})",
                    got, want, TOL_FORWARD, hint_fn=lambda bad, got=got, key=key: _running_hint(got, key, rm, rv, x, rho))
    dx = j.array("dx", "training mode: backward returns dx shaped like x", x.shape, "`backward(dout)`")
    if dx is not None:
        def wrong():
            g = dout * s
            r = 1.0 / np.sqrt(x.var(axis=0) + eps)
            xhat = (x - x.mean(axis=0)) * r
            return [(g * r, "that is the evaluation-mode gradient: in training mode x̄ and ν depend on x "
                            "too (two more paths from every x_n to the output)."),
                    (r / n * (n * g - xhat * (g * xhat).sum(axis=0)),
                     "the term of the mean x̄ is missing: subtract Σ_n g_n."),
                    (r / n * (n * g - g.sum(axis=0)), "the term of the variance ν is missing.")]
        _dx_check(j, f"training mode: dx matches the numerical gradient ({tag})", dx,
                  lambda v: ref.batchnorm_train(v, s, b, eps), x, dout, wrong)
    for key, f, p, what in (("ds", lambda v: ref.batchnorm_train(x, v, b, eps), s, "ds"),
                            ("db", lambda v: ref.batchnorm_train(x, s, v, eps), b, "db")):
        got = j.array(key, f"training mode: {what} has shape (D,)", (d,), what)
        if got is not None:
            _dx_check(j, f"training mode: {what} matches the numerical gradient ({tag})", got, f, p, dout,
                      big=x.size > LARGE)
    _unchanged(j, x, dout)

    # evaluation mode, with the running statistics the training step should have left
    out2 = j.array("out_eval", "evaluation mode: forward returns an array shaped like x", x2.shape, "`forward(x)`")
    if out2 is not None:
        j.close(f"evaluation mode: forward normalises with the running statistics ({tag})", out2,
                ref.batchnorm_eval(x2, s, b, rm_new, rv_new, eps), TOL_FORWARD,
                hint_fn=lambda bad: "in evaluation mode use running_mean and running_var, not the batch's statistics."
                if np.allclose(out2, ref.batchnorm_train(x2, s, b, eps)) else "")
    for key, before, what in (("rm_eval", "rm_after", "running_mean"), ("rv_eval", "rv_after", "running_var")):
        got = j.array(key, f"evaluation mode: {what} is an array of shape (D,)", (d,), what)
        was = j.numbers(before)                      # the learner's own value after the training step
        if got is not None and was is not None and was.shape == got.shape:
            j.close(f"evaluation mode leaves {what} unchanged", got, was, TOL_FORWARD)
    dx2 = j.array("dx_eval", "evaluation mode: backward returns dx shaped like x", x2.shape, "`backward(dout)`")
    if dx2 is not None:
        _dx_check(j, f"evaluation mode: dx matches the numerical gradient ({tag})", dx2,
                  lambda v: ref.batchnorm_eval(v, s, b, rm_new, rv_new, eps), x2, dout2,
                  lambda: [(_vjp(lambda v: ref.batchnorm_train(v, s, b, eps), x2, dout2),
                            "that is the training-mode gradient: in evaluation mode the statistics are constants.")])
    for key, f, p, what in (("ds_eval", lambda v: ref.batchnorm_eval(x2, v, b, rm_new, rv_new, eps), s, "ds"),
                            ("db_eval", lambda v: ref.batchnorm_eval(x2, s, v, rm_new, rv_new, eps), b, "db")):
        got = j.array(key, f"evaluation mode: {what} has shape (D,)", (d,), what)
        if got is not None:
            _dx_check(j, f"evaluation mode: {what} matches the numerical gradient ({tag})", got, f, p, dout2,
                      big=x2.size > LARGE)


def _bn_forward_hint(out, x, s, b, eps):
    if not np.all(np.isfinite(out)):
        return "NaN or inf: a feature with variance 0 divides by zero unless ε is under the square root."
    n = x.shape[0]
    if n > 1:
        unbiased = s * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=1) + eps) + b
        if np.allclose(out, unbiased, rtol=1e-6, atol=1e-9):
            return "that is the unbiased variance (÷ (N − 1)); batch norm divides by N."
    if np.allclose(out, s * (x - x.mean(axis=0)) / (x.std(axis=0) + eps) + b, rtol=1e-6, atol=1e-9):
        return "ε goes under the square root: √(ν + ε), not √ν + ε."
    if np.allclose(out, s * (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + eps) + b,
                   rtol=1e-6, atol=1e-9):
        return "batch norm takes the statistics over the batch (axis 0), per feature."
    return ""


def _running_hint(got, key, rm, rv, x, rho):
    old = rm if key == "rm_after" else rv
    stat = x.mean(axis=0) if key == "rm_after" else x.var(axis=0)
    if np.allclose(got, (1 - rho) * old + rho * stat):
        return "momentum is the weight of the OLD running value: ρ·running + (1 − ρ)·batch."
    if key == "rv_after" and x.shape[0] > 1 and np.allclose(got, rho * old + (1 - rho) * x.var(axis=0, ddof=1)):
        return "here the running variance is updated with the biased batch variance (÷ N), as the instructions say."
    return ""


# ------------------------------------------------------------------ find the bug
def _steps_cases(rng, hidden):
    cases = [_bn_case(rng, 5, 3)] if not hidden else \
        [_bn_case(rng, 2, 4), _bn_case(rng, 6, 3, constant=1), _bn_case(rng, 8, 2, eps=0.05)]
    return [{k: c[k] for k in ("x", "dout", "s", "b", "eps")} for c in cases]


def _steps_verify(j, case):
    x, dout, s, b, eps = case["x"], case["dout"], case["s"], case["b"], float(case["eps"])
    n, d = x.shape
    k = j.prefix + "fwd"
    if k in j.cap.errors:
        j.add("the given steps_forward runs", False, j.cap.errors[k])
        return
    got = j.value("grads", "steps_backward returns (dx, ds, db)", ("tuple", [("array", (n, d)), ("array", (d,)), ("array", (d,))]),
                  "`steps_backward(dout, cache)`")
    if got is None:
        return
    dx, ds, db = got
    tag = f"N = {n}, D = {d}"
    j.gradient(f"steps_backward: dx matches the numerical gradient ({tag})", dx,
               _vjp(lambda v: ref.batchnorm_train(v, s, b, eps), x, dout), TOL_GRAD, dout=dout, x=x)
    j.gradient(f"steps_backward: ds matches the numerical gradient ({tag})", ds,
               _vjp(lambda v: ref.batchnorm_train(x, v, b, eps), s, dout), TOL_GRAD)
    j.gradient(f"steps_backward: db matches the numerical gradient ({tag})", db,
               _vjp(lambda v: ref.batchnorm_train(x, s, v, eps), b, dout), TOL_GRAD)
    j.unchanged("dout_after", dout, "steps_backward leaves dout unchanged", "dout", call="grads")


# ------------------------------------------------------------------ layer norm
def _ln_case(rng, shape, eps=1e-5, constant=False):
    d = shape[-1]
    x = rng.standard_normal(shape) * 2.0 + rng.uniform(-1, 1)
    if constant:
        flat = x.reshape(-1, d)
        flat[0] = rng.uniform(-2, 2)                              # one example with variance 0
        x = flat.reshape(shape)
    return dict(x=x, dout=rng.standard_normal(shape), eps=np.float64(eps),
                s=rng.uniform(0.5, 2.0, size=d) * rng.choice([-1.0, 1.0], size=d), b=rng.standard_normal(d))


def _layernorm_cases(rng, hidden):
    if not hidden:
        return [_ln_case(rng, (4, 5)), _ln_case(rng, (6,)), _ln_case(rng, (800, 100))]
    return [_ln_case(rng, (2, 3, 4)),                                # 3-D: a batch of sequences
            _ln_case(rng, (5,), eps=0.1),                            # 1-D, non-default ε
            _ln_case(rng, (3, 6), constant=True),                    # an example with variance 0
            _ln_case(rng, (2, 2)),                                   # two features, two examples
            _ln_case(rng, (50, 40, 100)),                            # large: 200 000 entries
            _ln_case(rng, tuple(int(v) for v in rng.integers(1, 6, size=int(rng.integers(1, 4)))) + (int(rng.integers(2, 7)),),
                     eps=float(rng.uniform(1e-5, 1e-2)))]


def _ln_verify(j, case):
    x, dout, s, b, eps = case["x"], case["dout"], case["s"], case["b"], float(case["eps"])
    d = x.shape[-1]
    tag = f"x of shape {x.shape}, eps = {eps:g}"
    if not j.constructed("layer", "LayerNorm(D, eps=...) can be created", "`LayerNorm`"):
        return
    out = j.array("out", "forward returns an array shaped like x", x.shape, "`forward(x)`")
    if out is not None:
        j.close(f"forward normalises each example over its last axis ({tag})", out, ref.layernorm(x, s, b, eps),
                TOL_FORWARD, hint_fn=lambda bad: "NaN or inf: ε goes under the square root." if not np.all(np.isfinite(out))
                else "layer norm takes the mean and the biased variance over the LAST axis (keepdims=True).")
    dx = j.array("dx", "backward returns dx shaped like x", x.shape, "`backward(dout)`")
    if dx is not None:
        _dx_check(j, f"dx matches the numerical gradient ({tag})", dx, lambda v: ref.layernorm(v, s, b, eps), x, dout)
    for key, f, p in (("ds", lambda v: ref.layernorm(x, v, b, eps), s), ("db", lambda v: ref.layernorm(x, s, v, eps), b)):
        got = j.array(key, f"{key} has shape (D,) = ({d},): summed over every axis but the last", (d,), key)
        if got is not None:
            _dx_check(j, f"{key} matches the numerical gradient ({tag})", got, f, p, dout, big=x.size > LARGE)
    _unchanged(j, x, dout)


# ------------------------------------------------------------------ dropout
def _dropout_cases(rng, hidden):
    def case(shape, q):
        x = rng.standard_normal(shape)
        x[x == 0] = 1.0                                         # every entry nonzero: a zero output means dropped
        return dict(x=x, dout=rng.standard_normal(shape), q=np.float64(q), seed=np.float64(rng.integers(0, 2**31)))
    if not hidden:
        return [case((4, 6), 0.5), case((100, 50), 0.25)]
    return [case((7,), 0.3),                                    # 1-D
            case((2, 3, 4), 0.5),                               # 3-D
            case((80, 50), 0.2), case((60, 70), 0.7),           # the kept fraction, q ≠ ½
            case((3, 4), 0.0),                                  # q = 0: nothing dropped
            case(tuple(int(v) for v in rng.integers(1, 6, size=2)), float(rng.uniform(0.05, 0.9)))]


def _masked(x, keep, q):
    """Dropout's forward with the mask read from the learner's own output (so that a download,
    which holds recorded reference results only, can judge masks no correct run drew)."""
    return np.where(keep > 0, x / (1.0 - q), 0.0)


def _dropout_verify(j, case):
    x, dout, q = case["x"], case["dout"], float(case["q"])
    tag = f"x of shape {x.shape}, q = {q:g}"
    if not j.constructed("layer", "Dropout(q, rng) can be created", "`Dropout`"):
        return
    out = j.array("out", "training mode: forward returns an array shaped like x", x.shape, "`forward(x)`")
    out2 = j.array("out2", "training mode: a second forward returns an array shaped like x", x.shape, "`forward(x)`")
    twin = j.array("out_twin", "training mode: forward of a second layer returns an array shaped like x", x.shape,
                   "`forward(x)`")
    keeps = []
    for o in (out, out2):
        if o is None:
            continue
        kept = o != 0
        scaled = x / (1.0 - q)
        ok = bool(np.all(np.isfinite(o))) and np.allclose(o[kept], scaled[kept], rtol=1e-12, atol=0)
        hint = ""
        if not ok and np.allclose(o[kept], x[kept], rtol=1e-12, atol=0):
            hint = "inverted dropout scales the kept entries by 1/(1 − q), so that the expected output is x."
        elif not ok and q > 0 and np.allclose(o[kept], x[kept] / q, rtol=1e-12, atol=0):
            hint = "divide by the KEEP probability 1 − q, not by q."
        j.add(f"training mode: every output entry is 0 or x/(1 − q) ({tag})", ok,
              "" if ok else "some output entries are neither 0 nor x/(1 − q).", hint=hint)
        keeps.append(kept.astype(np.float64))
    if out is not None and twin is not None:
        same = np.array_equal(out, twin)
        j.add("training mode: the mask comes from the layer's rng (the same seed gives the same output)", same,
              "" if same else "two layers built with generators of the same seed gave different outputs.",
              hint="" if same else "draw the mask with self.rng (e.g. self.rng.random(x.shape)), not with np.random.")
    # Two correct masks coincide with probability (q² + (1 − q)²)^n: checked only where that is
    # below SAME_MASK (a 5×4 input at q = 0.05 would coincide once in seven runs).
    if out is not None and out2 is not None and 0 < q and (q * q + (1 - q) ** 2) ** x.size < SAME_MASK:
        fresh = not np.array_equal(out, out2)
        j.add("training mode: every forward pass draws a new mask", fresh,
              "" if fresh else "two forward passes of the same layer dropped the same entries.",
              hint="" if fresh else "draw the mask inside forward, not once in __init__.")
    if out is not None and x.size >= MIN_ENTRIES:
        frac = float(keeps[0].mean())
        se = np.sqrt(max(q * (1 - q), 1e-12) / x.size)
        err = abs(frac - (1 - q))
        ok = err <= SIGMAS * se
        j.add(f"training mode: the kept fraction is 1 − q (within {SIGMAS:g} standard errors) ({tag})", ok,
              "" if ok else f"kept {frac:.3f} of the entries; expected {1 - q:.3f}.", error=err / max(se, 1e-12),
              tol=SIGMAS, hint="" if ok or abs(frac - q) > SIGMAS * se else "each entry is KEPT with probability 1 − q.")
    if q == 0 and out is not None:
        j.close("training mode with q = 0 returns x", out, x, TOL_FORWARD)
    for key, mask_i in (("dx_first", 0), ("dx", -1)):
        dx = j.array(key, "training mode: backward returns dx shaped like x", x.shape, "`backward(dout)`")
        if dx is not None and len(keeps) == 2:
            keep = keeps[mask_i]
            j.gradient(f"training mode: dx matches the numerical gradient through the last forward's mask ({tag})", dx,
                       numerical_gradient_independent(lambda v: _masked(v, keep, q), x.copy(), dout), TOL_GRAD, dout=dout, x=x,
                       candidates=[(dout * keep, "scale by 1/(1 − q) in backward too: the forward multiplied by it.")])
    _unchanged(j, x, dout)
    oe = j.array("out_eval", "evaluation mode: forward returns an array shaped like x", x.shape, "`forward(x)`")
    if oe is not None:
        j.close(f"evaluation mode: forward returns x unchanged ({tag})", oe, x, TOL_FORWARD,
                hint_fn=lambda bad: "with self.train false, dropout is the identity: no mask, no scaling.")
    de = j.array("dx_eval", "evaluation mode: backward returns dx shaped like x", x.shape, "`backward(dout)`")
    if de is not None:
        j.gradient(f"evaluation mode: dx = dout ({tag})", de, dout.copy(), TOL_GRAD)


# ------------------------------------------------------------------ residual block
def _res_case(rng, n, d, h):
    while True:
        x = rng.standard_normal((n, d))
        W1, b1 = rng.standard_normal((d, h)) / np.sqrt(d), rng.standard_normal(h) * 0.3
        if np.abs(ref.residual_hidden(x, W1, b1)).min() > KINK_GAP:
            break
    return dict(x=x, W1=W1, b1=b1, W2=rng.standard_normal((h, d)) / np.sqrt(h), b2=rng.standard_normal(d) * 0.3,
                dout=rng.standard_normal((n, d)))


def _residual_cases(rng, hidden):
    if not hidden:
        return [_res_case(rng, 4, 3, 5), _res_case(rng, 5, 6, 2)]
    return [_res_case(rng, 1, 4, 3),                 # a batch of one
            _res_case(rng, 2, 1, 4),                 # one feature
            _res_case(rng, 6, 5, 8),
            _res_case(rng, int(rng.integers(1, 7)), int(rng.integers(1, 7)), int(rng.integers(1, 7)))]


def _residual_verify(j, case):
    x, W1, b1, W2, b2, dout = (case[k] for k in ("x", "W1", "b1", "W2", "b2", "dout"))
    n, d = x.shape
    h = W1.shape[1]
    tag = f"N = {n}, D = {d}, H = {h}"
    if not j.constructed("layer", "Residual(W1, b1, W2, b2) can be created", "`Residual`"):
        return
    out = j.array("out", "forward returns an array shaped like x", x.shape, "`forward(x)`")
    if out is not None:
        j.close(f"forward: x + relu(x W1 + b1) W2 + b2 ({tag})", out, ref.residual(x, W1, b1, W2, b2), TOL_FORWARD)
    dx = j.array("dx", "backward returns dx shaped like x", x.shape, "`backward(dout)`")
    if dx is not None:
        num = j.reference("dx", lambda: _vjp(lambda v: ref.residual(v, W1, b1, W2, b2), x, dout))
        j.gradient(f"dx matches the numerical gradient ({tag})", dx, num, TOL_GRAD, dout=dout, x=x,
                   candidates=[(num - dout, "the identity path is missing: out = x + F(x), so dx gets dout itself "
                                            "PLUS the gradient through F.")])
    for key, f, p in (("dW1", lambda v: ref.residual(x, v, b1, W2, b2), W1), ("db1", lambda v: ref.residual(x, W1, v, W2, b2), b1),
                      ("dW2", lambda v: ref.residual(x, W1, b1, v, b2), W2), ("db2", lambda v: ref.residual(x, W1, b1, W2, v), b2)):
        got = j.array(key, f"{key} has the shape of {key[1:]}", p.shape, key)
        if got is not None:
            _dx_check(j, f"{key} matches the numerical gradient ({tag})", got, f, p, dout, big=x.size > LARGE)
    _unchanged(j, x, dout)


ITEMS = {item.name: item for item in [
    Item("batchnorm", ("BatchNorm",), _batchnorm_cases, PROBES["batchnorm"], _bn_verify),
    Item("find_the_bug", ("steps_backward",), _steps_cases, PROBES["find_the_bug"], _steps_verify),
    Item("layernorm", ("LayerNorm",), _layernorm_cases, PROBES["layernorm"], _ln_verify),
    Item("dropout", ("Dropout",), _dropout_cases, PROBES["dropout"], _dropout_verify),
    Item("residual", ("Residual",), _residual_cases, PROBES["residual"], _residual_verify),
]}
