"""Checks of the Chain Rule exercise (``solutions/chain_rule/chain_rule.ipynb``).

Functions the learner writes (x, y: arrays of shape (N,); w, b, lr: floats):

    neuron_forward(x, y, w, b)              -> (y_hat, loss)     y_hat = σ(w·x + b), shape (N,);
                                                                  loss = mean of ½(y − y_hat)², a float
    neuron_backward(x, y, w, b)             -> (dw, db)          ∂loss/∂w and ∂loss/∂b, floats
    numerical_gradient(f, x, h=1e-5)        -> grad shaped like x, central differences, x restored
    forward_difference(f, x, h=1e-5)        -> grad shaped like x, forward differences, x restored
    gradient_descent(x, y, w0, b0, lr, steps) -> (w, b, losses)  losses[k] = loss before update k+1,
                                                                  shape (steps,)
    chain_backward(x, y, w1, b1, w2, b2)  -> (dw1, db1, dw2, db2)  two neurons in a row,
                                                                  h = σ(w1·x + b1), ŷ = σ(w2·h + b2),
                                                                  loss = mean of ½(y − ŷ)²; the page
                                                                  shows one neuron only

The neuron's gradients are compared with central differences of the reference loss
(:mod:`autograder.reference.chain_rule`). ``numerical_gradient`` is run on functions whose
derivatives are known exactly (sum of sines, a quadratic form, a product, a cubic), and
``gradient_descent`` is replayed on the trusted side with the reference loss and its numerical
gradient from the same start.
"""
import numpy as np

from autograder import hints
from autograder.checks import Item
from autograder.gradcheck import max_relative_error, relative_error
from autograder.probes.chain_rule import CHAIN_GRADS, PROBES
from autograder.reference import chain_rule as ref

# Tolerances. "Correct" = the solution over 300 hidden seeds; "mutants" = tests/mutants/chain_rule.py
# over 100 hidden seeds (the smallest error a mutant reaches on the check when that check fails).
#: Forward values (ŷ, loss): correct code differs from the reference by rounding only (worst
#: correct 0.0); mutants ≥ 3.0e-3 (loss without the ½), 7.8e-1 (summed loss).
TOL_FORWARD = 1e-9
#: dw, db vs central differences (h = 1e-5) of the reference loss: worst correct 1.3e-8 (dw),
#: 3.0e-9 (db); mutants ≥ 1.0e-4 (σ' applied to ŷ), 2.5e-3 (dw without x), ≥ 4e-2 otherwise.
TOL_GRAD = 1e-6
#: numerical_gradient vs the exact gradient at the default h: worst correct 7.2e-9; mutants
#: ≥ 8.3e-4 (h ignored), 3.3e-1 (divides by h), 6.5e-1 (all entries perturbed at once). A
#: forward difference errs by only ~1e-6 here: the cubic check below is what rejects it.
TOL_NUMERICAL = 1e-6
#: On f = Σ x³ the central difference is exactly 3x² + h² (its error h² is the O(h²) term), so at
#: h = 1e-3 a correct function equals 3x² + h² up to rounding ε·|f|/h (worst correct 3.3e-13);
#: a forward/backward difference is off by 3|x|h (≥ 3.3e-4 relative for 0.5 ≤ |x| ≤ 1.5; forward
#: mutant 4.6e-4), one that ignores the h passed in by ≥ 7.4e-8 (using 1e-5) or 1.4e-3 (mutant, 0.1).
TOL_ORDER = 1e-9
#: forward_difference vs the reference forward difference at the same h (1e-3 or 1e-2): worst
#: correct 0.0 (same arithmetic); mutants ≥ 2.8e-4 (central), 5.5e-4 (backward difference).
TOL_FORWARD_DIFF = 1e-8
#: gradient_descent's (w, b) and losses vs the trusted replay (reference loss + numerical gradient);
#: w and b are compared with the relative error's floor at 1 (weights are O(1)). Worst correct:
#: 6.3e-11 (w), 4.7e-11 (b), 2.2e-10 (losses). Each mutant fails some check of every run by at
#: least 1.2e-3 (b updated with the new w), 9.9e-3 (one update too few), 8.0e-2 (losses recorded
#: after the update), 2.9e-1 (learning rate forgotten), 7.2e-1 (summed gradient), inf (ascent).
TOL_GD = 1e-7
#: "the loss fell": final loss ≤ FACTOR × first loss on the training cases. The random draw
#: decides that ratio for a correct run too (over 13 702 training cases of 6 851 hidden seeds the
#: reference run's worst was 0.449, with a heavy tail), so a training case is redrawn unless the
#: reference run itself ends below FACTOR / 2 and never rises: a correct run then always passes.
FACTOR = 0.5
#: "never increases": losses[k+1] ≤ losses[k] + MONOTONE_SLACK (rounding allowance).
MONOTONE_SLACK = 1e-12

CUBIC_H = 1e-3


def _f(v):
    return f"{float(v):.6g}"


# ------------------------------------------------------------------ neuron
def _neuron_case(rng, n, w, b, scale=1.5):
    x = rng.normal(size=n) * scale
    return dict(x=x, y=rng.uniform(0, 1, size=n), w=np.float64(w), b=np.float64(b))


def _neuron_cases(rng, hidden):
    if not hidden:      # one of each kind the hidden cases have: a batch, a batch of one, σ saturated
        return [dict(x=np.array([-1.5, -0.5, 0.2, 1.0, 2.5]), y=np.array([0.1, 0.3, 0.5, 0.8, 0.9]),
                     w=np.float64(0.7), b=np.float64(-0.3)),
                dict(x=np.array([0.8]), y=np.array([0.25]), w=np.float64(-1.1), b=np.float64(0.4)),
                dict(x=np.array([800.0, -800.0, 300.0, 0.5]), y=np.array([0.9, 0.2, 0.6, 0.4]),
                     w=np.float64(0.9), b=np.float64(0.1))]
    cases = [
        _neuron_case(rng, 1, rng.uniform(-2, 2), rng.uniform(-1, 1)),          # batch of one
        _neuron_case(rng, 8, rng.uniform(-2, 2), rng.uniform(-1, 1)),
        _neuron_case(rng, 30, rng.uniform(-1, 1), rng.uniform(-2, 2), scale=3.0),
    ]
    big = _neuron_case(rng, 12, rng.uniform(0.5, 1.5) * rng.choice([-1, 1]), rng.uniform(-1, 1))
    big["x"][:4] = rng.choice([-1.0, 1.0], size=4) * rng.uniform(200, 800, size=4)   # σ saturates
    big["x"][:2] = [800.0, -800.0]                                   # the named edge, every draw
    cases.append(big)
    return cases


def _loss_hint(got, expected, n):
    if expected != 0 and np.isfinite(got):
        r = float(got) / float(expected)
        if abs(r - 2) < 1e-6:
            return "your loss is twice the expected one: the loss is ½(y − ŷ)², keep the ½."
        if n > 1 and abs(r - n) < 1e-6 * n:
            return f"your loss is N = {n} times the expected one: take the MEAN over the batch, not the sum."
        if n > 1 and abs(r - 2 * n) < 1e-6 * n:
            return "use the mean (not the sum) over the batch and keep the ½."
    if not np.isfinite(got):
        return "NaN or inf: for large |z| exp(−z) overflows; compute σ without exponentiating a large positive number."
    return ""


def _neuron_candidates(case, which):
    x, y, w, b = case["x"], case["y"], float(case["w"]), float(case["b"])
    y_hat = ref.neuron_output(x, w, b)
    factor = x if which == "dw" else np.ones_like(x)
    s = ref.sigmoid(y_hat)
    out = [
        (np.mean((y_hat - y) * factor),
         "you left out σ'(z) = ŷ(1 − ŷ): ∂L/∂z = (ŷ − y)·σ'(z) (chain rule through the sigmoid)."),
        (np.mean((y_hat - y) * s * (1 - s) * factor),
         "σ'(z) = σ(z)(1 − σ(z)) = ŷ(1 − ŷ): apply the formula to ŷ itself, not σ(ŷ)."),
        (np.sum((y_hat - y) * y_hat * (1 - y_hat) * factor),
         "you summed over the batch: the loss is the MEAN of ½(y − ŷ)², so its gradient is a mean too."),
    ]
    if which == "dw":
        out.append((np.mean((y_hat - y) * y_hat * (1 - y_hat)),
                    "that is db's value: ∂z/∂w = x, so multiply each example's δ = ∂L/∂z by its input x "
                    "before averaging (or, if you returned (db, dw), swap them: the order is (dw, db))."))
    other = np.ones_like(x) if which == "dw" else x          # the OTHER gradient: (dw, db) swapped
    out.append((np.mean((y_hat - y) * y_hat * (1 - y_hat) * other),
                "that is the other gradient: return the pair in the order (dw, db)."))
    return [(np.asarray(c, dtype=np.float64), m) for c, m in out if len(x) > 1 or "summed" not in m]


def _neuron_verify(j, case):
    x, y, w, b = case["x"], case["y"], float(case["w"]), float(case["b"])
    n = len(x)
    y_hat = j.array("y_hat", "neuron_forward: y_hat is a float64 array of shape (N,)", (n,), "y_hat")
    if y_hat is not None:
        j.close("neuron_forward: y_hat = σ(w·x + b)", y_hat, ref.neuron_output(x, w, b), TOL_FORWARD,
                hint_fn=lambda bad: "" if np.all(np.isfinite(y_hat)) else
                "NaN or inf for large |w·x + b|: compute σ without exponentiating a large positive number.")
    loss = j.array("loss", "neuron_forward: loss is a float", (), "loss")
    if loss is not None:
        expected = ref.neuron_loss(x, y, w, b)
        j.close("neuron_forward: loss = mean of ½(y − ŷ)²", loss, np.float64(expected), TOL_FORWARD,
                hint_fn=lambda bad: _loss_hint(float(loss), expected, n))
    num = ref.neuron_numerical_gradient(x, y, w, b)
    for i, name in enumerate(("dw", "db")):
        got = j.array(name, f"neuron_backward: {name} is a float", (), name)
        if got is not None:
            j.gradient(f"neuron_backward: {name} matches the numerical gradient", got, np.float64(num[i]),
                       TOL_GRAD, candidates=_neuron_candidates(case, name))
    j.unchanged("x_after", x, "neuron_forward leaves x unchanged", call="forward")
    j.unchanged("y_after", y, "neuron_forward leaves y unchanged", "y", call="forward")
    j.unchanged("x_after_backward", x, "neuron_backward leaves x unchanged", call="backward")
    j.unchanged("y_after_backward", y, "neuron_backward leaves y unchanged", "y", call="backward")


# ------------------------------------------------------------------ test functions with known derivatives
# kind 0: f(x) = Σ sin(x)           ∇f = cos(x)
# kind 1: f(x) = ½ xᵀAx + c·x       ∇f = ½(A + Aᵀ)x + c      (x of shape (D,), A not symmetric)
# kind 2: f(x) = Π x                ∇f_i = Π_{j≠i} x_j
# kind 3: f(x) = Σ x³               ∇f = 3x², called with h = 1e-3 (the error-order check)


def _exact(case):
    x, kind = case["x"], int(case["kind"])
    if kind == 0:
        return np.cos(x)
    if kind == 1:
        A, c = case["A"], case["c"]
        return 0.5 * (A + A.T) @ x + c
    if kind == 2:
        out = np.empty_like(x)
        for i in np.ndindex(x.shape):
            others = np.delete(x.ravel(), np.ravel_multi_index(i, x.shape))
            out[i] = np.prod(others)
        return out
    return 3 * x ** 2


def _away(rng, shape, lo=0.5, hi=1.5):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(lo, hi, size=shape)


def _fcase(kind, x, h=np.nan, **extra):
    return dict(kind=np.float64(kind), x=x, h=np.float64(h), **extra)


def _quadratic(rng, d):
    return _fcase(1, rng.normal(size=d), A=rng.normal(size=(d, d)), c=rng.normal(size=d))


def _numgrad_cases(rng, hidden):
    if not hidden:
        return [_fcase(0, rng.uniform(-3, 3, size=(3, 4))), _quadratic(rng, 4),
                _fcase(2, _away(rng, (2, 3))), _fcase(3, _away(rng, (5,)), CUBIC_H),
                _fcase(0, rng.uniform(-3, 3, size=(2, 2, 3)))]               # any number of axes
    return [_fcase(0, rng.uniform(-3, 3, size=(2, 2, 3))), _fcase(0, rng.uniform(-3, 3, size=(1,))),
            _quadratic(rng, 6), _fcase(2, _away(rng, (4,))),
            _fcase(3, _away(rng, (3, 2)), CUBIC_H)]


def _numgrad_verify(j, case):
    x, kind = case["x"], int(case["kind"])
    grad = j.array("grad", "numerical_gradient returns a float64 array shaped like x", x.shape,
                   "`numerical_gradient(f, x)`")
    j.unchanged("x_after", x, "numerical_gradient restores x")
    if grad is None:
        return
    exact = _exact(case)
    if kind == 3:
        h = float(case["h"])
        cubic_candidates = [
                       (3 * x ** 2 + 3 * x * h + h * h,
                        "that is a forward difference (f(x+h) − f(x))/h, error O(h); use the "
                        "central difference (f(x+h) − f(x−h))/(2h), error O(h²)."),
                       (3 * x ** 2 - 3 * x * h + h * h,
                        "that is a backward difference (f(x) − f(x−h))/h, error O(h); use the "
                        "central difference (f(x+h) − f(x−h))/(2h)."),
                       (3 * x ** 2 + 1e-10,
                        "your result fits h = 1e-5, not the h = 1e-3 passed in: use the argument h.")]
        central = 3 * x ** 2 + h * h
        j.close("on Σ x³ with h = 1e-3 the error is h² (central difference, O(h²))", grad, central, TOL_ORDER,
                ref_name="central difference 3x² + h²",
                hint_fn=lambda bad: hints.gradient_hint(grad, central, candidates=cubic_candidates))
        return
    what = {0: "Σ sin(x)", 1: "½ xᵀAx + c·x", 2: "Π x"}[kind]
    j.close(f"numerical_gradient matches the exact gradient of {what}", grad, exact, TOL_NUMERICAL,
            ref_name="exact", hint_fn=lambda bad: hints.gradient_hint(grad, exact, candidates=[
                (2 * exact, "you divided by h instead of 2h: the two points x ± h are 2h apart.")]))


# ------------------------------------------------------------------ forward difference
def _fd_cases(rng, hidden):
    if not hidden:
        return [_fcase(0, rng.uniform(-3, 3, size=(3, 4)), 1e-3), _fcase(3, _away(rng, (5,), 0.5, 3.0), 1e-3)]
    return [_fcase(0, rng.uniform(-3, 3, size=(2, 2, 3)), 1e-2), _fcase(3, _away(rng, (3, 2), 0.5, 3.0), 1e-3),
            _quadratic(rng, 5) | {"h": np.float64(1e-2)}, _fcase(2, _away(rng, (4,)), 1e-3)]


def _fd_verify(j, case):
    x, h = case["x"], float(case["h"])
    grad = j.array("grad", "forward_difference returns a float64 array shaped like x", x.shape,
                   "`forward_difference(f, x, h)`")
    j.unchanged("x_after", x, "forward_difference restores x")
    if grad is None:
        return
    expected = ref.forward_difference(case, x, h)
    central = ref.central_difference(case, x, h)
    j.close("forward_difference equals (f(x + h·e_i) − f(x))/h", grad, expected, TOL_FORWARD_DIFF,
            ref_name="forward difference",
            hint_fn=lambda bad: _fd_hint(grad, expected, central, ref.forward_difference(case, x, -h)))


def _fd_hint(grad, expected, central, backward):
    if max_relative_error(grad, central) < 1e-8:
        return "that is the central difference; here we want the one-sided forward difference (f(x+h) − f(x))/h."
    if max_relative_error(grad, backward) < 1e-8:
        return "that is the backward difference (f(x) − f(x−h))/h; step forward: (f(x+h) − f(x))/h."
    return hints.gradient_hint(grad, expected)


# ------------------------------------------------------------------ gradient descent
def _gd_case(rng, n, lr, steps, train=True):
    x = rng.uniform(-2, 2, size=n)
    w_true = rng.choice([-1, 1]) * rng.uniform(1.5, 3.0)
    y = ref.neuron_output(x, w_true, rng.uniform(-1, 1))
    w0, b0 = rng.uniform(-1, 1, size=2)
    return dict(x=x, y=y, w0=np.float64(w0), b0=np.float64(b0), lr=np.float64(lr),
                steps=np.float64(steps), train=np.float64(train))


def _gd_training_case(rng, draw):
    """``draw()`` (a training case) again until the reference run falls to at most FACTOR / 2 of
    its first loss and never rises by more than a hundredth of the slack the check allows."""
    for _ in range(1000):
        case = draw()
        _, _, losses = ref.gradient_descent(case["x"], case["y"], float(case["w0"]), float(case["b0"]),
                                            float(case["lr"]), int(case["steps"]))
        if losses[-1] <= FACTOR / 2 * losses[0] and np.all(np.diff(losses) <= MONOTONE_SLACK / 100):
            return case
    raise RuntimeError("no gradient-descent case with a clear fall in 1000 draws")


def _gd_cases(rng, hidden):
    if not hidden:
        return [_gd_case(rng, 10, 2.0, 60)]
    return [_gd_training_case(rng, lambda: _gd_case(rng, int(rng.integers(5, 30)), rng.uniform(1.5, 3.0),
                                                    int(rng.integers(40, 80)))),
            _gd_training_case(rng, lambda: _gd_case(rng, 1, rng.uniform(1.5, 3.0), 50)),
            _gd_case(rng, 7, 0.0, 5, train=False),                       # η = 0: nothing moves
            _gd_case(rng, 6, rng.uniform(0.5, 1.0), 1, train=False)]     # a single step


def _close_params(j, label, got, expected, hint_fn):
    """Like ``Judge.close`` for a final parameter, with the relative error's floor at 1 (the scale
    of the weights): a weight that ends near 0 is compared in absolute terms."""
    err = float(relative_error(got, np.float64(expected), floor=1.0))
    if err <= TOL_GD:
        return j.add(label, True, error=err, tol=TOL_GD)
    return j.add(label, False, f"yours {_f(got)}, reference {_f(expected)}", err, TOL_GD, hint_fn(None))


def _gd_verify(j, case):
    x, y = case["x"], case["y"]
    w0, b0, lr, steps = float(case["w0"]), float(case["b0"]), float(case["lr"]), int(case["steps"])
    w_ref, b_ref, losses_ref = ref.gradient_descent(x, y, w0, b0, lr, steps)
    wrong = []
    if lr != 0:
        wrong.append((ref.gradient_descent(x, y, w0, b0, lr, steps, sign=+1.0),
                      "you moved UP the gradient (gradient ascent): the update is w ← w − η·∂L/∂w."))
        if len(x) > 1:
            wrong.append((ref.gradient_descent(x, y, w0, b0, lr * len(x), steps),
                          "your steps are N times too large: the loss is a mean, so its gradient is a mean, not a sum."))
        wrong.append((ref.gradient_descent(x, y, w0, b0, lr, steps - 1),
                      "you made one update too few: make exactly `steps` updates."))
    if lr != 1:
        wrong.append((ref.gradient_descent(x, y, w0, b0, 1.0, steps),
                      "your run matches η = 1: multiply the gradient by the learning rate lr."))
    wrong = [(c, m) for c, m in wrong if c is not None]

    def hint_for(index, got):
        def hint(bad):
            for cand, message in wrong:
                if max_relative_error(got, np.float64(cand[index])) < 1e-6:
                    return message
            return ""
        return hint

    w = j.array("w", "gradient_descent: w is a float", (), "w")
    if w is not None:
        _close_params(j, "gradient_descent: final w equals the reference run", w, w_ref, hint_for(0, w))
    b = j.array("b", "gradient_descent: b is a float", (), "b")
    if b is not None:
        _close_params(j, "gradient_descent: final b equals the reference run", b, b_ref, hint_for(1, b))
    losses = j.array("losses", "gradient_descent: losses is a float64 array of shape (steps,)", (steps,), "losses")
    if losses is not None:
        def loss_hint(bad):
            after = np.append(losses_ref[1:], ref.neuron_loss(x, y, w_ref, b_ref))
            if lr != 0 and np.allclose(losses, after, rtol=1e-6, atol=0):
                return "losses[k] must be the loss BEFORE update k+1 (losses[0] is the loss at w0, b0)."
            return ""
        j.close("gradient_descent: losses[k] is the loss before update k+1", losses, losses_ref, TOL_GD,
                ref_name="reference", hint_fn=loss_hint)
        if case["train"]:
            rises = np.diff(losses) > MONOTONE_SLACK
            j.add("gradient_descent: the loss never increases (small learning rate)",
                  not rises.any() and np.all(np.isfinite(losses)),
                  "" if not rises.any() else f"the loss went up at step {int(np.argmax(rises)) + 1}: "
                  f"{_f(losses[np.argmax(rises)])} → {_f(losses[np.argmax(rises) + 1])}.",
                  hint="" if not rises.any() else "check the sign of the update: w ← w − η·∂L/∂w.")
            ratio = float(losses[-1] / losses[0]) if losses[0] > 0 else np.inf
            j.add(f"gradient_descent: the final loss is at most {FACTOR:g} × the first", ratio <= FACTOR,
                  "" if ratio <= FACTOR else f"first loss {_f(losses[0])}, last {_f(losses[-1])} "
                  f"(ratio {ratio:.3g} > {FACTOR:g}).")
    j.unchanged("x_after", x, "gradient_descent leaves x unchanged")
    j.unchanged("y_after", y, "gradient_descent leaves y unchanged", "y")


# ------------------------------------------------------------------ chain: two neurons in a row
def _chain_case(rng, n, scale=1.5):
    """A batch of n examples and four parameters (random signs): |w1| in [0.5, 2] and |w2| in
    [1.5, 3], never near 1, so a δ1 that forgets the factor w2 is off by at least a third; both
    neurons inside their working range, so every gradient is far from 0 and a missing factor shows."""
    w1 = rng.uniform(0.5, 2.0) * rng.choice([-1.0, 1.0])
    w2 = rng.uniform(1.5, 3.0) * rng.choice([-1.0, 1.0])
    return dict(x=rng.normal(size=n) * scale, y=rng.uniform(0, 1, size=n), w1=np.float64(w1),
                b1=np.float64(rng.uniform(-1, 1)), w2=np.float64(w2), b2=np.float64(rng.uniform(-1, 1)))


def _chain_cases(rng, hidden):
    """Visible: a batch of five and a batch of one, fixed. Hidden: a batch of one, of 8 and of 30
    (wider inputs), each drawn afresh — the same kinds as the visible ones."""
    if not hidden:
        return [dict(x=np.array([-1.2, -0.4, 0.3, 0.9, 2.0]), y=np.array([0.2, 0.4, 0.5, 0.7, 0.9]),
                     w1=np.float64(1.3), b1=np.float64(-0.2), w2=np.float64(-1.7), b2=np.float64(0.5)),
                dict(x=np.array([0.6]), y=np.array([0.85]), w1=np.float64(-0.9), b1=np.float64(0.3),
                     w2=np.float64(1.4), b2=np.float64(-0.6))]
    return [_chain_case(rng, 1), _chain_case(rng, 8), _chain_case(rng, 30, scale=2.5)]


def _chain_candidates(case, which):
    """Wrong derivations of ``which`` (one of CHAIN_GRADS), each with what went wrong."""
    x, y = case["x"], case["y"]
    w1, b1, w2, b2 = (float(case[k]) for k in ("w1", "b1", "w2", "b2"))
    h = ref.neuron_output(x, w1, b1)
    y_hat = ref.neuron_output(h, w2, b2)
    n = len(x)
    d2 = (y_hat - y) * y_hat * (1 - y_hat) / n                 # ∂L/∂z2 per example
    into = {"dw1": x, "db1": np.ones_like(x), "dw2": h, "db2": np.ones_like(x)}[which]
    out = []
    if which in ("dw1", "db1"):
        out += [(np.sum(d2 * h * (1 - h) * into),
                 "the path from z1 to the loss passes through w2: ∂z2/∂h = w2 is missing from δ1 = δ2·w2·h(1 − h)."),
                (np.sum(d2 * w2 * y_hat * (1 - y_hat) * into),
                 "the first neuron's slope is σ'(z1) = h(1 − h), computed from ITS output h, not from ŷ."),
                (np.sum(d2 * w2 * into),
                 "σ'(z1) = h(1 − h) is missing: the chain passes through the first sigmoid too."),
                (np.sum(d2 * w2 * h * (1 - h) * h),
                 "∂z1/∂w1 = x, the first neuron's input (h is the second neuron's input).")][:4 if which == "dw1" else 3]
    else:
        out += [(np.sum(d2 * (x if which == "dw2" else np.ones_like(x))),
                 "∂z2/∂w2 = h, the second neuron's input — not the network's input x.")]
        out = out if which == "dw2" else []
    out.append((n * np.sum((d2 * w2 * h * (1 - h) if which in ("dw1", "db1") else d2) * into),
                "you summed over the batch: the loss is the MEAN of ½(y − ŷ)², so its gradient is a mean too."))
    return [(np.asarray(c, dtype=np.float64), m) for c, m in out if n > 1 or "summed" not in m]


def _chain_verify(j, case):
    x, y = case["x"], case["y"]
    num = ref.chain_numerical_gradient(x, y, *(float(case[k]) for k in ("w1", "b1", "w2", "b2")))
    for i, name in enumerate(CHAIN_GRADS):
        got = j.array(name, f"chain_backward: {name} is a float", (), name)
        if got is not None:
            j.gradient(f"chain_backward: {name} matches the numerical gradient", got, np.float64(num[i]),
                       TOL_GRAD, candidates=_chain_candidates(case, name))
    j.unchanged("x_after", x, "chain_backward leaves x unchanged", call="backward")
    j.unchanged("y_after", y, "chain_backward leaves y unchanged", "y", call="backward")


ITEMS = {item.name: item for item in [
    Item("neuron", ("neuron_forward", "neuron_backward"), _neuron_cases, PROBES["neuron"], _neuron_verify),
    Item("numerical_gradient", ("numerical_gradient",), _numgrad_cases, PROBES["numerical_gradient"],
         _numgrad_verify),
    Item("forward_difference", ("forward_difference",), _fd_cases, PROBES["forward_difference"], _fd_verify),
    Item("gradient_descent", ("gradient_descent",), _gd_cases, PROBES["gradient_descent"], _gd_verify),
    Item("chain", ("chain_backward",), _chain_cases, PROBES["chain"], _chain_verify),
]}
