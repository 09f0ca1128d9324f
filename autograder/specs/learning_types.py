"""Checks of the Learning Types exercise (``solutions/learning_types/learning_types.ipynb``).

One convention for every item: ``<item>_forward(...)`` returns the scalar loss L (a Python float,
a NumPy float64 or a 0-d float64 array), ``<item>_backward(...)`` takes the same arguments and
returns the gradient of L with respect to the listed parameters (a float64 array shaped like
the parameter, or a tuple of them in the listed order):

    mse_forward(y_hat, y)                        mse_backward -> dy_hat               (N, K)
    cross_entropy_forward(logits, labels)        cross_entropy_backward -> dlogits    (N, C)
    autoencoder_forward(x, W_enc, b_enc, W_dec, b_dec)
                                                 autoencoder_backward -> (dW_enc, db_enc, dW_dec, db_dec)
    semi_supervised_forward(logits_l, labels, logits_u, lam)
                                                 semi_supervised_backward -> (dlogits_l, dlogits_u)
    reinforce_forward(s, a, G, W)                reinforce_backward -> dW             (D, A)
    huber_forward(y_hat, y)                      huber_backward -> dy_hat             (N, K)
                                                 (its gradient is not on the chapter's page)

Definitions: :mod:`autograder.reference.learning_types`. Labels and actions reach the learner's
functions as int64 arrays, ``lam`` as a Python float; every other argument is a float64 array.
Every gradient is compared with a central-difference gradient (h = 1e-5) of the reference loss.
"""
import numpy as np

from autograder.checks import Item
from autograder.gradcheck import directional_derivatives, numerical_gradient, random_directions
from autograder.probe import KEEP_INPUTS
from autograder.probes.learning_types import PROBES, SCALARS, SIGNATURES
from autograder.reference import learning_types as ref

#: Loss values: correct code differs from the reference by rounding only (300 hidden seeds of
#: every item: worst 0, the unusual-but-correct versions ~1e-15). Wrong losses in the mutants
#: are off by ≥ 0.7 (or inf / a float32 dtype, caught by the type check).
TOL_LOSS = 1e-10
#: Gradients vs central differences (h = 1e-5). 300 hidden seeds of the solution: worst 2.3e-7
#: (mse 2.1e-7, semi-supervised dlogits_l 2.3e-7, others ≤ 1.3e-7: rounding of L/h where an
#: entry is small next to the largest one). Mutants, 30 seeds each: smallest error on the
#: failing gradient check 0.33 (mse missing factor 2). The tolerance sits 40x above the first
#: and 30000x below the second.
TOL_GRAD = 1e-5


# ------------------------------------------------------------------ shared probe / verify code
def loss_item(name, loss, params, cases, candidates=lambda case, p, num: (), shifted=()):
    """An item for ``<name>_forward(*args)`` -> L and ``<name>_backward(*args)`` -> gradients.

    The arguments (names in call order, those passed as int64) are the probe's
    ``SIGNATURES[name]``; ``loss(**case)`` is the reference; ``params``: names of the arguments
    the backward differentiates, in the order it returns them (one: an array, several: a tuple).
    ``shifted``: logits arguments the loss is invariant to shifting row by row (softmax); their
    numerical gradient is taken at the row-centred logits (same gradient, far less rounding
    noise near ±1000).
    """
    fwd, bwd = f"{name}_forward", f"{name}_backward"
    args, ints = SIGNATURES[name]

    def verify(j, case):
        ref_args = {a: case[a] for a in args}
        L = j.scalar("L", f"{fwd} returns one float64 number", f"`{fwd}(...)`")
        expected = j.reference("L", lambda: float(loss(**ref_args)))
        if L is not None:
            j.close(f"{fwd} value matches the definition", np.array(L), np.array(expected), TOL_LOSS)
        for a in args:                       # (the probe sends back the small inputs only)
            if a not in ints and a not in SCALARS and np.size(case[a]) <= KEEP_INPUTS:
                j.unchanged(f"after_{a}", case[a], f"{name} leaves its arguments unchanged", a)
        shapes = [("array", case[p].shape) for p in params]
        names = ", ".join("d" + p for p in params)
        got = j.value("grad", f"{bwd} returns " + (f"d{params[0]}: a float64 array shaped like {params[0]}"
                                                    if len(params) == 1 else f"({names}), each shaped like its parameter"),
                      shapes[0] if len(params) == 1 else ("tuple", shapes), f"`{bwd}(...)`")
        if got is None:
            return
        big = any(np.size(case[a]) > KEEP_INPUTS for a in args)
        for p, g in zip(params, [got] if len(params) == 1 else got):
            at = {a: (v - v.max(axis=1, keepdims=True) if a in shifted else v) for a, v in ref_args.items()}

            def f(v, p=p):
                return loss(**{**at, p: v})
            if big:       # a numerically differentiating backward runs out of time here
                dirs = random_directions(at[p].shape)
                j.close(f"{bwd}: d{p} matches the numerical gradient on a large input "
                        f"(along {len(dirs)} random directions; vectorise: no Python loops)",
                        np.array([np.sum(g * v) for v in dirs]),
                        j.reference(f"d{p}", lambda: directional_derivatives(f, at[p], 1.0, dirs)),
                        TOL_GRAD, ref_name="numerical")
                continue
            num = j.reference(f"d{p}", lambda: numerical_gradient(f, at[p].copy()))
            j.gradient(f"{bwd}: d{p} matches the numerical gradient", g, num, TOL_GRAD,
                       candidates=candidates(case, p, num))

    return Item(name, (fwd, bwd), cases, PROBES[name], verify)


def _onehot(labels, C):
    return np.eye(C)[labels.astype(np.int64)]


def _labels(rng, n, c):
    return rng.integers(0, c, size=n).astype(np.float64)


# ------------------------------------------------------------------ mse
def _mse_cases(rng, hidden):
    shapes = [(4, 3), (1, 1)] if not hidden else [(1, 1), (5, 2), (2, 6), (3, 4)]
    out = []
    for i, s in enumerate(shapes):
        scale = 5.0 if (hidden and i == 3) else 1.5
        out.append(dict(y_hat=rng.standard_normal(s) * scale, y=rng.standard_normal(s) * scale))
    out.append(dict(y_hat=rng.standard_normal(BIG["mse"]), y=rng.standard_normal(BIG["mse"])))
    return out


def _mse_candidates(case, p, num):
    d = case["y_hat"] - case["y"]
    N, K = d.shape
    return [(d / (N * K), "the derivative of (ŷ − y)² is 2(ŷ − y): the factor 2 is missing (L has no ½)."),
            (2 * d / N, "L is the mean over all N·K entries: divide by N·K, not by N."),
            (2 * d, "L is a mean: divide by the number of entries N·K.")]


def _pm1000(rng, n):
    """Row shifts of ±1000 (the instructions' "logits near ±1000"): the first row always +1000,
    the second always −1000 (overflow and underflow in every draw), the rest random signs."""
    shift = rng.choice([-1000.0, 1000.0], size=(n, 1))
    shift[: 2, 0] = [1000.0, -1000.0][: n]
    return shift


#: The big case of each item (visible and hidden; judged along random directions): a backward
#: that numerically differentiates the forward needs 2 loss evaluations per entry — 10⁴ to 10⁵
#: entries, each evaluation over the whole input: minutes — while vectorised code takes
#: milliseconds. mse: y_hat (N, K); cross_entropy: logits (N, C); autoencoder: (N, D, H);
#: semi_supervised: (N_l, N_u, C); reinforce: (T, D, A).
BIG = {"mse": (300, 500), "cross_entropy": (20000, 10), "autoencoder": (200, 120, 60),
       "semi_supervised": (5000, 15000, 10), "reinforce": (200, 500, 40)}


# ------------------------------------------------------------------ cross-entropy
def _ce_cases(rng, hidden):
    layout = [(4, 3, 2.0, False), (1, 4, 2.0, False), (3, 3, 3.0, True)] if not hidden else [
        (1, 4, 2.0, False), (6, 5, 3.0, False), (5, 2, 1.0, False), (4, 3, 8.0, True)]
    out = []
    for N, C, scale, large in layout:
        z = rng.standard_normal((N, C)) * scale
        if large:
            z = z + _pm1000(rng, N)
        out.append(dict(logits=z, labels=_labels(rng, N, C)))
    N, C = BIG["cross_entropy"]
    out.append(dict(logits=rng.standard_normal((N, C)) * 2, labels=_labels(rng, N, C)))
    return out


def _ce_candidates(case, p, num):
    z, y = case["logits"], case["labels"]
    N, C = z.shape
    P, Y = ref.softmax(z), _onehot(y, C)
    with np.errstate(all="ignore"):
        dprob = -Y / P / N
    return [(P - Y, "L is the MEAN over the batch: divide (softmax(z) − onehot) by N."),
            (Y - P, "sign: ∂L/∂z = (softmax(z) − onehot(labels)) / N, not (onehot − softmax) / N."),
            ((Y - P) / N, "sign: ∂L/∂z = (softmax(z) − onehot(labels)) / N, not (onehot − softmax) / N."),
            (dprob, "that is ∂L/∂p (w.r.t. the probabilities); go through the softmax: ∂L/∂z = (p − onehot) / N.")]


# ------------------------------------------------------------------ autoencoder
def _ae_cases(rng, hidden):
    layout = [(5, 4, 2, 0.5), (1, 3, 2, 0.5)] if not hidden else [(1, 3, 2, 0.5), (6, 5, 3, 0.7), (4, 2, 3, 0.6), (3, 4, 2, 1.5)]
    layout = layout + [(*BIG["autoencoder"], 0.1)]
    out = []
    for N, D, H, scale in layout:
        out.append(dict(x=rng.standard_normal((N, D)), W_enc=rng.standard_normal((D, H)) * scale,
                        b_enc=rng.standard_normal(H) * 0.5, W_dec=rng.standard_normal((H, D)) * scale,
                        b_dec=rng.standard_normal(D) * 0.5))
    return out


def _ae_candidates(case, p, num):
    x, We, be, Wd, bd = (case[k] for k in ("x", "W_enc", "b_enc", "W_dec", "b_dec"))
    N, D = x.shape
    h = np.tanh(x @ We + be)
    dxh = 2 * (h @ Wd + bd - x) / (N * D)
    dh = dxh @ Wd.T
    out = []
    if p == "W_enc":
        out.append((x.T @ dh, "the encoder's tanh is missing from the chain: multiply by tanh' = 1 − h² "
                              "before the product with x."))
        out.append((x.T @ (dh * (1 - (x @ We + be) ** 2)), "tanh'(z) = 1 − tanh²(z) = 1 − h²: square h, not z."))
    if p == "b_enc":
        out.append((dh.sum(0), "the encoder's tanh is missing from the chain: multiply by 1 − h²."))
    if p == "W_dec":
        out.append(((x @ We + be).T @ dxh, "the decoder's input is h = tanh(x @ W_enc + b_enc), "
                                           "not the pre-activation."))
    return out


# ------------------------------------------------------------------ semi-supervised
def _ss_cases(rng, hidden):
    layout = [(3, 5, 3, 0.5, 2.0, False), (1, 4, 3, 2.0, 2.0, False), (2, 3, 3, 0.7, 3.0, True)] if not hidden else [
        (1, 4, 3, 2.0, 2.0, False), (4, 6, 2, 0.1, 1.5, False), (2, 3, 4, 1.3, 3.0, False), (3, 4, 3, 0.7, 8.0, True)]
    out = []
    for Nl, Nu, C, lam, scale, large in layout:
        zl = rng.standard_normal((Nl, C)) * scale
        zu = rng.standard_normal((Nu, C)) * scale
        if large:
            # one unlabelled row so confident that some q_c underflow to 0 (0·log 0 must give 0)
            zu[0] = rng.permutation(np.linspace(-1000.0, 1000.0, C))
            zl = zl + _pm1000(rng, Nl)
            zu = zu + _pm1000(rng, Nu)
        if hidden:
            lam = lam * rng.uniform(0.8, 1.25)
        out.append(dict(logits_l=zl, labels=_labels(rng, Nl, C), logits_u=zu, lam=np.float64(lam)))
    Nl, Nu, C = BIG["semi_supervised"]
    out.append(dict(logits_l=rng.standard_normal((Nl, C)) * 2, labels=_labels(rng, Nl, C),
                    logits_u=rng.standard_normal((Nu, C)) * 2, lam=np.float64(0.5)))
    return out


def _ss_candidates(case, p, num):
    lam = float(case["lam"])
    if p == "logits_l":
        z, y = case["logits_l"], case["labels"]
        P, Y = ref.softmax(z), _onehot(y, z.shape[1])
        return [(P - Y, "the labelled term is a MEAN over the N_l labelled rows: divide by N_l.")]
    z = case["logits_u"]
    Nu = z.shape[0]
    P, logP = ref.softmax(z), ref.log_softmax(z)
    H = -(P * logP).sum(1, keepdims=True)
    true = -lam * P * (logP + H) / Nu
    return [(true / lam, "the unlabelled term is weighted by λ (`lam`): multiply its gradient by λ."),
            (-true, "sign: minimising the entropy H = −Σ p log p gives ∂(λH/N_u)/∂z = −λ p ⊙ (log p + H) / N_u."),
            (-lam * (logP + 1) / Nu, "that is ∂H/∂p; go through the softmax Jacobian: "
                                     "∂H/∂z = −p ⊙ (log p + H)."),
            (true * Nu, "the unlabelled term is a MEAN over the N_u unlabelled rows: divide by N_u.")]


# ------------------------------------------------------------------ REINFORCE
def _rf_cases(rng, hidden):
    layout = [(5, 3, 2, 0.5), (1, 2, 3, 0.5)] if not hidden else [(1, 2, 3, 0.5), (6, 4, 4, 1.0), (4, 3, 2, 0.3), (3, 2, 3, 4.0)]
    layout = layout + [(*BIG["reinforce"], 0.05)]
    out = []
    for T, D, A, scale in layout:
        out.append(dict(s=rng.standard_normal((T, D)), a=_labels(rng, T, A),
                        G=rng.standard_normal(T) * 2.0, W=rng.standard_normal((D, A)) * scale))
    return out


def _rf_candidates(case, p, num):
    s, a, G, W = case["s"], case["a"], case["G"], case["W"]
    T, A = s.shape[0], W.shape[1]
    P, Y = ref.softmax(s @ W), _onehot(a, A)
    return [(s.T @ (P - Y), "each step's term is weighted by its return: δ_t = G_t · (π(·|s_t) − onehot(a_t))."),
            (s.T @ (G[:, None] * (P - Y)) / T, "L is a SUM over the T steps of the episode, not a mean."),
            (s.T @ (G[:, None] * (Y - P)), "sign: L = −Σ G log π, so dW = sᵀ(G ⊙ (π − onehot(a))).")]


# ------------------------------------------------------------------ huber
#: Residuals r = ŷ − y stay at least this far from the kinks |r| = 1 of the second derivative
#: (the loss itself is C¹ there; this keeps the central difference exact to rounding).
HUBER_GAP = 1e-3


def _huber_pair(rng, shape, scale):
    """(y_hat, y) whose residuals include, in every draw, one inside the quadratic piece (0.5) and
    one on each linear piece (+2.5 and −2.5), the rest random and never within HUBER_GAP of ±1."""
    y = rng.standard_normal(shape) * scale
    r = rng.standard_normal(shape) * scale
    near = np.abs(np.abs(r) - 1.0) < HUBER_GAP
    r[near] = np.sign(r[near]) * (1.0 + 2 * HUBER_GAP)
    fixed = [0.5, 2.5, -2.5][:r.size]
    r.flat[:len(fixed)] = fixed
    return dict(y_hat=y + r, y=y)


def _huber_cases(rng, hidden):
    """Visible: (4, 3) and a batch of one (1, 1); hidden: (1, 1), (5, 2), (2, 6) and wider residuals
    (3, 4); both: the big case. Every case but (1, 1) has residuals on all three pieces."""
    shapes = [(4, 3), (1, 1)] if not hidden else [(1, 1), (5, 2), (2, 6), (3, 4)]
    out = [_huber_pair(rng, s, 3.0 if (hidden and i == 3) else 1.5) for i, s in enumerate(shapes)]
    out.append(_huber_pair(rng, BIG["mse"], 1.5))
    return out


def _huber_candidates(case, p, num):
    r = case["y_hat"] - case["y"]
    n = r.size
    clipped = np.clip(r, -1.0, 1.0)
    return [(r / n, "where |ŷ − y| > 1 the loss is |ŷ − y| − ½, a straight line: its slope is ±1, "
                    "not ŷ − y (only the quadratic piece was differentiated)."),
            (np.sign(r) / n, "where |ŷ − y| ≤ 1 the loss is ½(ŷ − y)², whose slope is ŷ − y, not ±1."),
            (2 * clipped / n, "the quadratic piece is ½(ŷ − y)²: its derivative is ŷ − y, no factor 2."),
            (clipped, "L is the mean over all N·K entries: divide by N·K.")]


ITEMS = {item.name: item for item in [
    loss_item("mse", ref.mse, ("y_hat",), _mse_cases, _mse_candidates),
    loss_item("cross_entropy", ref.cross_entropy, ("logits",), _ce_cases, _ce_candidates, shifted=("logits",)),
    loss_item("autoencoder", ref.autoencoder_loss, ("W_enc", "b_enc", "W_dec", "b_dec"), _ae_cases, _ae_candidates),
    loss_item("semi_supervised", ref.semi_supervised_loss, ("logits_l", "logits_u"), _ss_cases, _ss_candidates,
              shifted=("logits_l", "logits_u")),
    loss_item("reinforce", ref.reinforce_loss, ("W",), _rf_cases, _rf_candidates),
    loss_item("huber", ref.huber, ("y_hat",), _huber_cases, _huber_candidates),
]}
