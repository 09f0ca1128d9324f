"""Checks of the training exercise (``solutions/training/training.ipynb``).

What the learner writes (row-vector batches; every array float64):

    momentum_step(w, dw, v, lr, mu) -> (w, v)          v ← μ·v − η·dw;  w ← w + v
    adam_step(w, dw, m, v, t, lr, beta1, beta2, eps) -> (w, m, v)
                                                       m ← β1·m + (1−β1)·dw;  v ← β2·v + (1−β2)·dw²
                                                       m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ) (t = 1, 2, ...)
                                                       w ← w − η·m̂/(√v̂ + ε); the state returned is m, v
    rmsprop_step(w, dw, s, lr, rho, eps) -> (w, s)    s ← ρ·s + (1−ρ)·dw²;  w ← w − η·dw/(√s + ε)
                                                       (the exercise gives it in words; the formula
                                                       is behind a hint)
    l2_penalty(params, lam) -> (penalty, grads)        (λ/2)·Σ‖W‖² over the weights ("W…" keys);
                                                       grads: λ·W for weights, zeros for biases
    fit_early_stopping(params, train_epoch, val_loss, max_epochs, patience) -> (best, val_losses)
    train_digits(X_train, y_train, X_val, y_val, seed) -> model;  predict_digits(model, X) -> labels

The probes that call these live in :mod:`autograder.probes.training`. The optimiser steps are
compared with the update rules above evaluated here on the same (hidden) states — the rule is
what the exercise states, so writing it here hands out nothing the instructions do not; the L2
gradient with central differences of :func:`autograder.reference.training.l2_penalty`; the
early-stopping loop with the run its scripted validation curve implies; the digits model by its
accuracy on held-out test images whose labels never reach the learner's code.
"""
import numpy as np

from autograder.checks import Item
from autograder.gradcheck import numerical_gradient
from autograder.probes.training import PROBES
from autograder.reference import training as ref

#: Optimiser states: correct code differs from the update rule by rounding only (worst over 200
#: hidden seeds: 1.7e-16); the smallest error of a wrong update among the mutants is 3.7e-4 (ε
#: inside the square root, on the gradients of size 1e-9), the next 4.4e-2 (no bias correction).
TOL_STEP = 1e-9
#: The L2 gradient against central differences (h = 1e-5) of a quadratic: correct code stays
#: below 8e-8 (200 hidden seeds); the smallest mutant error is 1.9e-1.
TOL_GRAD = 1e-5
#: Penalty values (rounding only: 1.6e-16 over 200 seeds; mutants ≥ 1.9e-1) and the scripted
#: validation losses, which a correct loop returns exactly as ``val_loss`` gave them.
TOL_LOSS = 1e-12

#: The digits run: the learner's own network, trained by ``train_digits`` on 1078 training and 359
#: validation images, must label ≥ 95% of the 360 test images correctly. The split is fixed for
#: each of the visible and the hidden check (seeds 0 and 1), so the same code always gets the
#: same score; the grader's per-item time limit (30 s) is the CPU budget.
MIN_ACCURACY = 0.95
DIGITS_SPLITS = {False: (0, 0), True: (1, 1)}       # hidden? -> (split seed, training seed)
#: The host computes the accuracy itself, from the parameters ``train_digits`` returns (the
#: chapter's forward: affine layers, ReLU between them): a lookup of the labels, or hard-coded
#: ones, in ``predict_digits`` earns nothing. Networks of 1 to this many layers are accepted.
MAX_DIGITS_LAYERS = 8


# ------------------------------------------------------------------ shared judging helpers
def _returned(j, label):
    """Did the call return the tuple the probe expected?"""
    k = j.prefix + "res"
    if k in j.cap.errors:
        j.add(label, False, j.cap.errors[k])
        return False
    return j.flag("res", label, "nothing was returned.")


# ------------------------------------------------------------------ momentum
def _momentum_cases(rng, hidden):
    # (shape, lr, mu, first step: v = 0?)
    layout = [((3,), 0.1, 0.9, True), ((4, 3), 0.05, 0.5, False)]
    if hidden:
        layout = [((1,), 0.3, 0.9, True), ((5, 2), 0.01, 0.99, False), ((2, 6), 0.2, 0.5, False),
                  ((7,), 0.1, 0.0, False)]
    out = []
    for shape, lr, mu, first in layout:
        v = np.zeros(shape) if first else rng.standard_normal(shape) * 0.5
        out.append(dict(w=rng.standard_normal(shape), dw=rng.standard_normal(shape) * 2, v=v,
                        lr=np.float64(lr), mu=np.float64(mu)))
    return out


def _momentum_verify(j, case):
    w, dw, v, lr, mu = case["w"], case["dw"], case["v"], float(case["lr"]), float(case["mu"])
    if not _returned(j, "momentum_step returns (w, v)"):
        return
    w_new, v_new = ref.momentum_update(w, dw, v, lr, mu)
    where = f"(lr = {lr:g}, mu = {mu:g}{', v = 0' if not v.any() else ''})"
    got_v = j.array("res/v", "momentum_step: the new velocity is a float64 array shaped like w", w.shape, "v")
    if got_v is not None:
        cands = [(mu * v + lr * dw, "the velocity points UP the gradient: v ← μ·v − η·dw."),
                 (v, "the velocity returned is the old one: return the NEW v, the optimiser's state for the next step.")]
        j.close(f"momentum_step: v = μ·v − η·dw {where}", got_v, v_new, TOL_STEP,
                hint_fn=lambda bad: _match(got_v, cands))
    got_w = j.array("res/w", "momentum_step: the new w is a float64 array shaped like w", w.shape, "w")
    if got_w is not None:
        cands = [(w - lr * dw, "w moved by −η·dw only: w ← w + v with the NEW velocity."),
                 (w - v_new, "w moved the wrong way: w ← w + v, where v already holds −η·dw."),
                 (w + v, "w moved by the OLD velocity: update v first, then w ← w + v.")]
        j.close(f"momentum_step: w = w + v {where}", got_w, w_new, TOL_STEP,
                hint_fn=lambda bad: _match(got_w, cands))
    j.unchanged("w_after", w, "momentum_step leaves its argument w unchanged", "w")
    j.unchanged("dw_after", dw, "momentum_step leaves dw unchanged", "dw")
    j.unchanged("v_after", v, "momentum_step leaves its argument v unchanged (return a new v)", "v")


def _match(got, candidates):
    """The message of the first known mistake that reproduces ``got``."""
    for arr, message in candidates:
        arr = np.asarray(arr, dtype=np.float64)
        if arr.shape == got.shape and np.allclose(got, arr, rtol=1e-7, atol=1e-12):
            return message
    return ""


# ------------------------------------------------------------------ Adam
def _adam_cases(rng, hidden):
    # (shape, t, gradient scale, lr, beta1, beta2): t = 1 is the first step (m = v = 0); a
    # gradient scale of 1e-9 makes √v̂ smaller than ε, where ε's place in the formula shows.
    # A seventh entry sets ε (1e-8 otherwise): with gradients of the size of ε, an ε hard-coded
    # to its default shows.
    layout = [((3,), 1, 1.0, 1e-3, 0.9, 0.999), ((2, 3), 5, 1.0, 1e-2, 0.8, 0.99),
              ((4,), 3, 1e-9, 1e-2, 0.9, 0.999), ((3, 2), 4, 1e-3, 1e-2, 0.9, 0.999, 1e-3)]
    if hidden:
        layout = [((2, 2), 1, 1.0, 1e-2, 0.9, 0.999), ((5,), 1, 1e-9, 1e-3, 0.8, 0.99),
                  ((3, 4), 2, 1.0, 1e-3, 0.9, 0.999), ((6,), int(rng.integers(7, 40)), 3.0, 1e-2, 0.9, 0.999),
                  ((2, 5), int(rng.integers(500, 3000)), 0.5, 5e-3, 0.95, 0.999),
                  ((4, 1), int(rng.integers(4, 20)), 1e-9, 1e-2, 0.9, 0.999),
                  ((5, 2), 1, 1e-2, 1e-3, 0.9, 0.999, 1e-2), ((7,), int(rng.integers(2, 30)), 1e-5, 1e-2, 0.9, 0.999, 1e-5)]
    out = []
    for shape, t, scale, lr, b1, b2, *eps in layout:
        dw = rng.standard_normal(shape) * scale
        if t == 1:
            m, v = np.zeros(shape), np.zeros(shape)
        else:            # a state that t − 1 earlier steps with gradients of this scale could leave
            m = rng.standard_normal(shape) * scale * (1 - b1 ** (t - 1))
            v = rng.uniform(0.2, 2.0, shape) * scale ** 2 * (1 - b2 ** (t - 1))
        out.append(dict(w=rng.standard_normal(shape), dw=dw, m=m, v=v, t=np.float64(t), lr=np.float64(lr),
                        beta1=np.float64(b1), beta2=np.float64(b2), eps=np.float64(eps[0] if eps else 1e-8)))
    return out


def _adam_verify(j, case):
    w, dw, m, v = case["w"], case["dw"], case["m"], case["v"]
    t, lr, b1, b2, eps = int(case["t"]), float(case["lr"]), float(case["beta1"]), float(case["beta2"]), float(case["eps"])
    if not _returned(j, "adam_step returns (w, m, v)"):
        return
    w_new, m_new, v_new, mh, vh = ref.adam_update(w, dw, m, v, t, lr, b1, b2, eps)
    tiny = float(np.abs(dw).max()) < 1e-6
    betas = "" if (b1, b2) == (0.9, 0.999) else f", β1 = {b1:g}, β2 = {b2:g}"
    eps_text = "" if eps == 1e-8 else f", ε = {eps:g}"
    where = f"(t = {t}{', m = v = 0' if t == 1 else ''}{betas}{eps_text}{', gradients ~1e-9 so √v̂ < ε' if tiny else ''})"
    got_m = j.array("res/m", "adam_step: the new m is a float64 array shaped like w", w.shape, "m")
    if got_m is not None:
        j.close(f"adam_step: m = β1·m + (1 − β1)·dw {where}", got_m, m_new, TOL_STEP, hint_fn=lambda bad: _match(
            got_m, [(mh, "return the running average m itself, not the bias-corrected m̂ (m̂ is only used for the step).")]))
    got_v = j.array("res/v", "adam_step: the new v is a float64 array shaped like w", w.shape, "v")
    if got_v is not None:
        j.close(f"adam_step: v = β2·v + (1 − β2)·dw² {where}", got_v, v_new, TOL_STEP, hint_fn=lambda bad: _match(
            got_v, [(vh, "return the running average v itself, not the bias-corrected v̂."),
                    (b2 * v + (1 - b2) * dw, "v averages the SQUARED gradient: (1 − β2)·dw**2.")]))
    got_w = j.array("res/w", "adam_step: the new w is a float64 array shaped like w", w.shape, "w")
    if got_w is not None:
        cands = [(ref.adam_update(w, dw, m, v, t, lr, b1, b2, eps, correct=False)[0],
                  "no bias correction: divide m by (1 − β1**t) and v by (1 − β2**t) before the step."),
                 (ref.adam_update(w, dw, m, v, t, lr, b1, b2, eps, t0=1)[0],
                  "the bias correction uses t − 1: t counts steps from 1, so the first step uses 1 − β**1."),
                 (w - lr * mh / np.sqrt(vh + eps), "ε belongs outside the square root: √v̂ + ε."),
                 (w + lr * mh / (np.sqrt(vh) + eps), "the step has the wrong sign: w ← w − η·m̂/(√v̂ + ε)."),
                 (w - lr * mh / (np.sqrt(vh) + 1e-8), "use the argument `eps`, not the number 1e-8.")]
        j.close(f"adam_step: w = w − η·m̂/(√v̂ + ε) {where}", got_w, w_new, TOL_STEP,
                hint_fn=lambda bad: _match(got_w, cands) or (
                    "NaN or inf: 1 − β**t is 0 when t = 0 — the first step is t = 1." if not np.all(np.isfinite(got_w)) else ""))
    j.unchanged("w_after", w, "adam_step leaves its argument w unchanged", "w")
    j.unchanged("dw_after", dw, "adam_step leaves dw unchanged", "dw")
    j.unchanged("m_after", m, "adam_step leaves its argument m unchanged (return a new m)", "m")
    j.unchanged("v_after", v, "adam_step leaves its argument v unchanged (return a new v)", "v")


# ------------------------------------------------------------------ RMSProp
def _rmsprop_cases(rng, hidden):
    # (shape, gradient scale, lr, rho, eps, first step: s = 0?)
    layout = [((3,), 1.0, 1e-2, 0.9, 1e-8, True), ((2, 4), 2.0, 1e-3, 0.99, 1e-8, False),
              ((5,), 1e-4, 1e-2, 0.9, 1e-3, False)]
    if hidden:
        layout = [((2, 2), 1.0, 1e-3, 0.9, 1e-8, True), ((6,), 0.5, 1e-2, 0.99, 1e-8, False),
                  ((3, 3), 3.0, 5e-3, 0.5, 1e-8, False), ((4,), 1e-5, 1e-2, 0.9, 1e-4, False),
                  ((1, 5), 1e-9, 1e-3, 0.95, 1e-8, True)]
    out = []
    for shape, scale, lr, rho, eps, first in layout:
        s = np.zeros(shape) if first else rng.uniform(0.2, 2.0, shape) * scale ** 2
        out.append(dict(w=rng.standard_normal(shape), dw=rng.standard_normal(shape) * scale, s=s,
                        lr=np.float64(lr), rho=np.float64(rho), eps=np.float64(eps)))
    return out


def _rmsprop_verify(j, case):
    w, dw, s = case["w"], case["dw"], case["s"]
    lr, rho, eps = float(case["lr"]), float(case["rho"]), float(case["eps"])
    if not _returned(j, "rmsprop_step returns (w, s)"):
        return
    w_new, s_new = ref.rmsprop_update(w, dw, s, lr, rho, eps)
    where = f"(lr = {lr:g}, rho = {rho:g}, eps = {eps:g}{', s = 0' if not s.any() else ''})"
    got_s = j.array("res/s", "rmsprop_step: the new s is a float64 array shaped like w", w.shape, "s")
    if got_s is not None:
        j.close(f"rmsprop_step: the running average of the squared gradient {where}", got_s, s_new, TOL_STEP,
                hint_fn=lambda bad: _match(got_s, [
                    (rho * s + (1 - rho) * dw, "s averages the SQUARED gradient."),
                    ((1 - rho) * s + rho * dw ** 2, "the old average keeps the weight ρ, the new squared gradient 1 − ρ."),
                    (s, "return the NEW average: it is the state for the next step.")]))
    got_w = j.array("res/w", "rmsprop_step: the new w is a float64 array shaped like w", w.shape, "w")
    if got_w is not None:
        j.close(f"rmsprop_step: the step {where}", got_w, w_new, TOL_STEP, hint_fn=lambda bad: _match(got_w, [
            (w - lr * dw / np.sqrt(s_new + eps), "ε goes outside the square root here."),
            (w - lr * dw / (np.sqrt(s) + eps), "divide by the root of the NEW average (update s first)."),
            (w + lr * dw / (np.sqrt(s_new) + eps), "the step goes DOWN the gradient."),
            (w - lr * dw / (np.sqrt(s_new) + 1e-8), "use the argument `eps`, not the number 1e-8."),
            (w - lr * dw / (s_new + eps), "divide by the square ROOT of the average (the typical size of the gradient).")]))
    j.unchanged("w_after", w, "rmsprop_step leaves its argument w unchanged", "w")
    j.unchanged("dw_after", dw, "rmsprop_step leaves dw unchanged", "dw")
    j.unchanged("s_after", s, "rmsprop_step leaves its argument s unchanged (return a new s)", "s")


# ------------------------------------------------------------------ L2 weight decay
def _l2_cases(rng, hidden):
    # (layer sizes, λ)
    layout = [((3, 4, 2), 0.1)] if not hidden else [((2, 3), 0.5), ((4, 5, 3, 2), 0.01 + rng.random()),
                                                     ((1, 6, 1), 0.2)]
    out = []
    for sizes, lam in layout:
        case = dict(depth=np.float64(len(sizes) - 1), lam=np.float64(lam))
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            case[f"W{i}"] = rng.standard_normal((a, b))
            case[f"b{i}"] = rng.choice([-1.0, 1.0], b) * rng.uniform(0.5, 2.0, b)   # |b| ≥ 0.5
        out.append(case)
    return out


def _l2_verify(j, case):
    depth, lam = int(case["depth"]), float(case["lam"])
    params = {f"{kind}{i}": case[f"{kind}{i}"] for i in range(1, depth + 1) for kind in "Wb"}
    if not _returned(j, "l2_penalty returns (penalty, grads)"):
        return
    penalty = j.scalar("res/penalty", "l2_penalty: the penalty is a float64 number", "the penalty")
    expected = ref.l2_penalty(params, lam)
    if penalty is not None:
        def hint(bad):
            if abs(penalty - 2 * expected) <= 1e-9 * abs(expected):
                return "the penalty is (λ/2)·Σ W², with the factor 1/2."
            full = expected + 0.5 * lam * sum(np.sum(v ** 2) for k, v in params.items() if not ref.is_weight(k))
            if abs(penalty - full) <= 1e-9 * abs(full):
                return "biases are not penalised: sum over the weights (keys starting with 'W') only."
            return ""
        j.close(f"l2_penalty: (λ/2)·Σ‖W‖² over the {depth} weight matrices", np.array([penalty]),
                np.array([expected]), TOL_LOSS, hint_fn=hint)
    if j.prefix + "grads" in j.cap.errors:
        j.add("l2_penalty: grads is a dict with the keys of params", False, j.cap.errors[j.prefix + "grads"])
        return
    for k, p in params.items():
        g = j.array("d" + k, f"l2_penalty: grads['{k}'] has the shape of params['{k}']", p.shape, f"grads['{k}']")
        if g is None:
            continue
        num = numerical_gradient(lambda val, k=k: ref.l2_penalty({**params, k: val}, lam), p.copy())
        kind = "weights" if ref.is_weight(k) else "biases"
        cands = [(lam * p, "biases are not decayed: their gradient of the penalty is zero.")] if kind == "biases" else \
            [(2 * lam * p, "the gradient of (λ/2)·W² is λ·W (the 2 cancels the 1/2)."),
             (0.5 * lam * p, "the gradient of (λ/2)·W² is λ·W, not (λ/2)·W."),
             (p.copy(), "multiply by λ: the gradient is λ·W.")]
        j.gradient(f"l2_penalty: grads of the {kind} match the numerical gradient", g, num, TOL_GRAD,
                   candidates=cands)
    for k, p in params.items():
        j.unchanged(k + "_after", p, "l2_penalty leaves the parameters unchanged", k)


# ------------------------------------------------------------------ early stopping
def _curve(rng, shape):
    """Validation losses at epochs 0..len − 1 for a named shape of curve."""
    kind, n, best = shape
    base = 2.0 + rng.random()
    if kind == "u":                   # falls to a minimum at epoch `best`, then rises (noisily)
        e = np.arange(n)
        c = base - 0.05 * np.minimum(e, best) + 0.04 * np.maximum(e - best, 0) * (1 + 0.5 * rng.random(n))
    elif kind == "flat":              # never better than the start: the best are the starting parameters
        c = base + 0.01 * (1 + rng.random(n))
        c[0] = base
    elif kind == "tie":               # equal to the best is no improvement
        c = base - 0.05 * np.minimum(np.arange(n), best)
        c[best + 1:] = c[best]
    elif kind == "late":              # a new best after patience − 1 bad epochs resets the count
        c = base - 0.05 * np.minimum(np.arange(n), best)
        c[best + 1:] = c[best] + 0.1
        c[best + 3] = c[best] - 0.01
    elif kind == "down":              # keeps improving: stops at max_epochs
        c = base - 0.05 * np.arange(n)
    return c


def _early_cases(rng, hidden):
    # (curve kind, curve length, best epoch, max_epochs, patience)
    layout = [("u", 30, 6, 20, 3), ("tie", 30, 4, 20, 2), ("flat", 30, 0, 20, 3), ("late", 30, 3, 20, 3),
              ("down", 30, 0, 8, 2)]
    if hidden:
        layout = [("u", 40, int(rng.integers(3, 12)), 30, int(rng.integers(2, 6))),
                  ("u", 40, 2, 25, 1), ("tie", 40, int(rng.integers(2, 8)), 30, 3),
                  ("flat", 40, 0, 30, int(rng.integers(1, 5))), ("late", 40, int(rng.integers(1, 6)), 30, 3),
                  ("down", 40, 0, int(rng.integers(5, 15)), 4), ("u", 40, 8, 9, 2)]
    out = []
    for kind, n, best, max_epochs, patience in layout:
        val = _curve(rng, (kind, n, best))
        train = 3.0 - 0.07 * np.arange(n) - 0.01 * rng.random(n).cumsum()     # always falling
        out.append(dict(val_curve=val, train_curve=train, max_epochs=np.float64(max_epochs),
                        patience=np.float64(patience)))
    return out


def expected_run(val_curve, max_epochs, patience):
    """(val_losses, best epoch) of the rule the exercise states, on a scripted curve."""
    best, best_loss, bad = 0, val_curve[0], 0
    losses = [val_curve[0]]
    for e in range(1, max_epochs + 1):
        losses.append(val_curve[e])
        if val_curve[e] < best_loss:
            best, best_loss, bad = e, val_curve[e], 0
        else:
            bad += 1
            if bad == patience:
                break
    return np.array(losses), best


def _early_verify(j, case):
    val, max_epochs, patience = case["val_curve"], int(case["max_epochs"]), int(case["patience"])
    if not _returned(j, "fit_early_stopping returns (params, val_losses)"):
        return
    losses, best = expected_run(val, max_epochs, patience)
    epochs = len(losses) - 1
    setting = f"(max_epochs = {max_epochs}, patience = {patience})"
    got = j.cap.arrays.get(j.prefix + "losses")
    if j.prefix + "losses" in j.cap.errors:
        j.add("fit_early_stopping: val_losses", False, j.cap.errors[j.prefix + "losses"])
    else:
        ran = None if got is None else len(got) - 1
        label = f"fit_early_stopping trains the right number of epochs and records every validation loss {setting}"
        if got is None or got.shape != losses.shape:
            detail = f"val_losses has {None if got is None else len(got)} entries (epochs 0..{ran}); the run " \
                     f"should stop after epoch {epochs} (best at epoch {best}), i.e. {len(losses)} entries."
            hint = ""
            if ran is not None and ran == epochs + 1:
                hint = "stop as soon as `patience` epochs in a row brought no improvement (not one later)."
            elif ran is not None and ran == epochs - 1:
                hint = "you stopped one epoch early: wait for `patience` epochs without improvement."
            elif ran is not None and got.shape == (len(losses) - 1,):
                hint = "val_losses[0] is the validation loss of the starting parameters."
            j.add(label, False, detail, hint=hint)
        else:
            j.close(label, got, losses, TOL_LOSS)
    calls = j.cap.arrays.get(j.prefix + "calls")
    ok = calls is not None and calls.shape == (epochs,)
    j.add(f"fit_early_stopping calls train_epoch once per epoch {setting}", ok,
          "" if ok else f"train_epoch was called {0 if calls is None else len(calls)} times; expected {epochs}.")
    if j.prefix + "best_W" in j.cap.errors:
        j.add("fit_early_stopping returns the parameters with the lowest validation loss", False,
              j.cap.errors[j.prefix + "best_W"])
    else:
        bw, bb = j.cap.arrays.get(j.prefix + "best_W"), j.cap.arrays.get(j.prefix + "best_b")
        ok = bw is not None and bb is not None and bw.shape == (2, 3) and bb.shape == (3,) \
            and np.all(bw == best) and np.all(bb == -best)
        got_epoch = None if bw is None or bw.size == 0 else bw.reshape(-1)[0]
        hint = ""
        if not ok and got_epoch is not None and best == 0:
            hint = "no epoch improved on the start: the starting parameters (epoch 0) are the first " \
                   "candidate, and then they are the best."
        elif not ok and got_epoch is not None and got_epoch == epochs:
            hint = "you returned the LAST parameters: keep the ones with the lowest validation loss."
        elif not ok and got_epoch is not None:
            hint = "decide on the validation loss `val_loss(params)` (not the training loss), and count " \
                   "only a strictly lower loss as an improvement."
        j.add(f"fit_early_stopping returns the parameters with the lowest validation loss {setting}", ok,
              "" if ok else f"returned the parameters of epoch {got_epoch}; the lowest validation loss "
                            f"was at epoch {best}.", hint=hint)
    j.unchanged("start_W", np.zeros((2, 3)), "fit_early_stopping leaves the starting parameters unchanged", "params")


# ------------------------------------------------------------------ digits
def _digits_cases(rng, hidden):
    split, seed = DIGITS_SPLITS[bool(hidden)]
    Xtr, ytr, Xva, yva, Xte, _ = ref.load_digits_split(split)       # test labels stay here
    return [dict(X_train=Xtr, y_train=ytr.astype(np.float64), X_val=Xva, y_val=yva.astype(np.float64),
                 X_test=Xte, split=np.float64(split), seed=np.float64(seed))]


def _digits_model(j, key, n_in, n_out):
    """The parameter dict {"W1", "b1", …, "WL", "bL"} kept under ``key``, or ``None`` after
    recording why it is not one."""
    label = "train_digits returns the parameters of a ReLU network {'W1', 'b1', …, 'WL', 'bL'}"
    info = j.info(key)
    if j.prefix + key in j.cap.errors:
        j.add(label, False, j.cap.errors[j.prefix + key])
        return None
    if info is None or info.get("type") != "dict":
        j.add(label, False, "`train_digits` must return a dict of NumPy arrays with the keys W1, b1, …, WL, bL.")
        return None
    keys = info.get("keys", [])
    depth = sum(1 for k in keys if k.startswith("W"))
    want = [f"{kind}{i}" for i in range(1, depth + 1) for kind in "Wb"]
    if depth == 0 or sorted(keys) != sorted(want) or depth > MAX_DIGITS_LAYERS:
        j.add(label, False, f"the dict has the keys {', '.join(map(str, keys[:12]))}; expected W1, b1, …, WL, bL "
                            f"(1 to {MAX_DIGITS_LAYERS} layers) and nothing else.")
        return None
    params, fan_in = {}, n_in
    for i in range(1, 1 + depth):         # W1, b1, …, in order
        W, b = j.numbers(f"{key}/W{i}"), j.numbers(f"{key}/b{i}")
        ok = all(x is not None and x.dtype.kind == "f" for x in (W, b)) and W.ndim == 2 and W.shape[0] == fan_in \
            and b.shape == (W.shape[1],) and (i < depth or W.shape[1] == n_out)
        if not ok:
            j.add(label, False, f"W{i} must have shape ({fan_in}, H{i}) and b{i} shape (H{i},), with "
                                f"{n_out} outputs in the last layer.")
            return None
        params[f"W{i}"], params[f"b{i}"] = W.astype(np.float64), b.astype(np.float64)
        fan_in = W.shape[1]
    j.add(label, True)
    return params


def _digits_verify(j, case):
    X_test = case["X_test"]
    n = X_test.shape[0]
    which = "hidden" if int(case["split"]) else "visible"
    params = _digits_model(j, "model", X_test.shape[1], 10)
    if params is None:
        return
    with np.errstate(all="ignore"):
        scores = ref.logits(params, X_test)
    if not np.all(np.isfinite(scores)):
        j.add("the network's scores on the test images are finite", False, "NaN or inf in the scores.")
        return
    mine = scores.argmax(axis=1)
    top2 = np.sort(scores, axis=1)[:, -2:]
    clear = (top2[:, 1] - top2[:, 0]) > 1e-9 * np.maximum(1.0, np.abs(top2).max(axis=1))
    if j.prefix + "pred" in j.cap.errors:
        j.add("predict_digits returns one label per test image", False, j.cap.errors[j.prefix + "pred"])
        return
    pred = j.cap.arrays.get(j.prefix + "pred")
    ok = pred is not None and pred.shape == (n,) and np.all(np.isfinite(pred))
    if not j.add("predict_digits returns one label per test image", ok,
                 "" if ok else f"expected a NumPy array of {n} integer labels; got "
                               f"{j.cap.meta.get(j.prefix + 'pred', {}).get('shape', 'nothing')}."):
        return
    same = np.all(pred[clear] == mine[clear])
    j.add("predict_digits gives the labels of the network train_digits returned", bool(same),
          "" if same else f"{int(np.sum(pred[clear] != mine[clear]))} of {n} test labels differ from the argmax of "
                          "the network's scores (ReLU after every affine layer but the last).",
          hint="predict with the returned parameters only: the argmax over the 10 scores of each row.")
    y_test = ref.load_digits_split(int(case["split"]))[5]
    acc = ref.accuracy(mine, y_test)
    j.add(f"test accuracy on the {n} held-out digits ({which} split) ≥ {MIN_ACCURACY:.0%} (yours: {acc:.1%})",
          acc >= MIN_ACCURACY,
          f"your network labels {acc:.1%} of the test images correctly; needed ≥ {MIN_ACCURACY:.0%}.",
          hint="check the loss at initialisation (≈ log 10) and that your network can overfit 20 "
               "training images first; then your optimiser and early stopping.")
    again = _digits_model(j, "again/model", X_test.shape[1], 10) if j.info("again/model") else None
    pred2 = j.cap.arrays.get(j.prefix + "again/pred")
    det = again is not None and pred2 is not None and pred2.shape == pred.shape and np.array_equal(pred2, pred) \
        and all(np.array_equal(again[k], params[k]) for k in params) and set(again) == set(params)
    j.add(f"train_digits is deterministic for a given seed (two runs with seed {int(case['seed'])})", det,
          "" if det else "two calls of train_digits with the same seed gave different networks.",
          hint="draw every random number (initial weights, shuffling) from "
               "`np.random.default_rng(seed)`, never from np.random.… or an unseeded generator.")


_CASES = {"momentum": _momentum_cases, "adam": _adam_cases, "rmsprop": _rmsprop_cases, "l2": _l2_cases,
          "early_stopping": _early_cases, "digits": _digits_cases}
_VERIFY = {"momentum": _momentum_verify, "adam": _adam_verify, "rmsprop": _rmsprop_verify, "l2": _l2_verify,
           "early_stopping": _early_verify, "digits": _digits_verify}
_FUNCTIONS = {"momentum": ("momentum_step",), "adam": ("adam_step",), "rmsprop": ("rmsprop_step",), "l2": ("l2_penalty",),
              "early_stopping": ("fit_early_stopping",), "digits": ("train_digits", "predict_digits")}

ITEMS = {name: Item(name, _FUNCTIONS[name], _CASES[name], probe, _VERIFY[name])
         for name, probe in PROBES.items()}
