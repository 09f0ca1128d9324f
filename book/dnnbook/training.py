"""Computations and figures of the chapter "Training in practice" (``book/training.ipynb``).

Row-vector batches: X (N, D), a layer computes X @ W + b with W of shape (D, H). The network here
is the book's own: an L-layer ReLU network with a softmax cross-entropy head, its parameters in
a dict {"W1", "b1", ..., "WL", "bL"}. Optimisers are small objects with one ``update(params,
grads)`` method, so the same training loop runs plain SGD, momentum and Adam.
"""
import time

import numpy as np

from autograder.reference import training as ref
from .plots import new_figure

LOG10 = float(np.log(10.0))


# ------------------------------------------------------------------ the network
def init_mlp(sizes, rng):
    """He-initialised parameters for layer sizes [D, H1, ..., C]."""
    out = {}
    for i in range(1, len(sizes)):
        out[f"W{i}"] = rng.normal(0.0, np.sqrt(2.0 / sizes[i - 1]), size=(sizes[i - 1], sizes[i]))
        out[f"b{i}"] = np.zeros(sizes[i])
    return out


def _depth(params):
    return sum(1 for k in params if k.startswith("W"))


def logits(params, X):
    """Scores (N, C) of the ReLU network."""
    a = X
    L = _depth(params)
    for i in range(1, L + 1):
        a = a @ params[f"W{i}"] + params[f"b{i}"]
        if i < L:
            a = np.maximum(a, 0.0)
    return a


def predict(params, X):
    return np.argmax(logits(params, X), axis=1)


def loss(params, X, y, lam=0.0, reduction="mean"):
    """Cross-entropy (mean or sum over the batch) plus the L2 penalty (λ/2)Σ‖W‖²."""
    from autograder.reference.two_layer_net import cross_entropy
    ce = cross_entropy(logits(params, X), y)
    if reduction == "sum":
        ce *= X.shape[0]
    return ce + ref.l2_penalty(params, lam)


def loss_and_grads(params, X, y, lam=0.0, reduction="mean"):
    """(loss, grads) by back-propagation through every layer (δ recursion of the deep chapter)."""
    L = _depth(params)
    inputs = []                       # the input of every affine layer
    a = X
    for i in range(1, L + 1):
        inputs.append(a)
        z = a @ params[f"W{i}"] + params[f"b{i}"]
        a = np.maximum(z, 0.0) if i < L else z
    shifted = a - a.max(axis=1, keepdims=True)
    log_prob = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = X.shape[0]
    scale = 1.0 / n if reduction == "mean" else 1.0
    value = -scale * np.sum(log_prob[np.arange(n), y]) + ref.l2_penalty(params, lam)
    delta = np.exp(log_prob)
    delta[np.arange(n), y] -= 1.0
    delta *= scale
    grads = {}
    for i in range(L, 0, -1):
        grads[f"W{i}"] = inputs[i - 1].T @ delta + lam * params[f"W{i}"]
        grads[f"b{i}"] = delta.sum(axis=0)
        if i > 1:
            delta = (delta @ params[f"W{i}"].T) * (inputs[i - 1] > 0)
    return value, grads


# ------------------------------------------------------------------ optimisers
class SGD:
    def __init__(self, lr):
        self.lr = lr

    def update(self, params, grads):
        return {k: p - self.lr * grads[k] for k, p in params.items()}


class Momentum:
    """The page's form: u ← μ u − η g, θ ← θ + u (``vel`` holds u; ``lr`` may change between steps)."""

    def __init__(self, lr, mu=0.9):
        self.lr, self.mu, self.vel = lr, mu, {}

    def update(self, params, grads):
        out = {}
        for k, p in params.items():
            self.vel[k] = self.mu * self.vel.get(k, 0.0) - self.lr * grads[k]
            out[k] = p + self.vel[k]
        return out


class Adam:
    """m, v running averages of g and g²; bias-corrected with the step count t = 1, 2, ..."""

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, beta1, beta2, eps
        self.t, self.m, self.v = 0, {}, {}

    def update(self, params, grads):
        self.t += 1
        out = {}
        for k, p in params.items():
            g = grads[k]
            self.m[k] = self.b1 * self.m.get(k, 0.0) + (1.0 - self.b1) * g
            self.v[k] = self.b2 * self.v.get(k, 0.0) + (1.0 - self.b2) * np.square(g)
            corr1, corr2 = 1.0 - self.b1 ** self.t, 1.0 - self.b2 ** self.t
            out[k] = p - self.lr * (self.m[k] / corr1) / (np.sqrt(self.v[k] / corr2) + self.eps)
        return out


class TorchSGD:
    """``torch.optim.SGD(lr=η, momentum=μ, nesterov=...)`` as its documentation writes the step
    (dampening 0, no weight decay): buf ← g at the first step, then buf ← μ buf + g; the step
    direction is buf, or g + μ buf with Nesterov; θ ← θ − η · direction."""

    def __init__(self, lr, mu=0.9, nesterov=False):
        self.lr, self.mu, self.nesterov, self.buf = lr, mu, nesterov, {}

    def update(self, params, grads):
        out = {}
        for k, p in params.items():
            g = grads[k]
            self.buf[k] = g if k not in self.buf else self.mu * self.buf[k] + g
            out[k] = p - self.lr * (g + self.mu * self.buf[k] if self.nesterov else self.buf[k])
        return out


OPTIMISERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


# ------------------------------------------------------------------ a 2-D loss surface
#: An elongated bowl f(w) = ½(w₁² + 25 w₂²): curvature 1 along w₁, 25 along w₂.
CURV = np.array([1.0, 25.0])
START = np.array([-4.0, 1.5])


def bowl(w):
    w = np.asarray(w, dtype=np.float64)
    return 0.5 * np.sum(CURV * w ** 2, axis=-1)


def bowl_grad(w):
    return CURV * np.asarray(w, dtype=np.float64)


def bowl_path(name, lr, steps=60, start=START):
    """The points visited by optimiser ``name`` on the bowl: array (steps + 1, 2)."""
    opt = OPTIMISERS[name](lr)
    p = {"w": np.array(start, dtype=np.float64)}
    path = [p["w"]]
    with np.errstate(over="ignore", invalid="ignore"):          # SGD diverges above η = 0.08
        for _ in range(steps):
            p = opt.update(p, {"w": bowl_grad(p["w"])})
            path.append(p["w"])
    return np.array(path)


def steps_to_reach(path, level=1e-3):
    """First step at which the bowl's value is below ``level`` (None if never)."""
    with np.errstate(over="ignore", invalid="ignore"):
        hit = np.nonzero(bowl(path) < level)[0]
    return int(hit[0]) if hit.size else None


def momentum_forms(lrs, mu=0.9, start=START):
    """Momentum on the bowl in the page's form and in PyTorch's, with learning rate ``lrs[k]`` at
    step k. Nesterov in the page's form (Sutskever et al., 2013) takes the gradient at the
    look-ahead point: u ← μ u − η ∇f(w + μ u), w ← w + u. Returns the paths (len(lrs) + 1, 2):
    "page", "torch" (heavy ball), "page nesterov" (its look-ahead points w + μ u) and
    "torch nesterov"."""
    page, torch, torch_nag = Momentum(lrs[0], mu), TorchSGD(lrs[0], mu), TorchSGD(lrs[0], mu, nesterov=True)
    w = {name: {"w": np.array(start, dtype=np.float64)} for name in ("page", "torch", "torch nesterov")}
    nag_w, nag_u = np.array(start, dtype=np.float64), np.zeros(2)
    paths = {name: [p["w"]] for name, p in w.items()} | {"page nesterov": [nag_w]}
    for lr in lrs:
        for name, opt in (("page", page), ("torch", torch), ("torch nesterov", torch_nag)):
            opt.lr = lr
            w[name] = opt.update(w[name], {"w": bowl_grad(w[name]["w"])})
            paths[name].append(w[name]["w"])
        nag_u = mu * nag_u - lr * bowl_grad(nag_w + mu * nag_u)
        nag_w = nag_w + nag_u
        paths["page nesterov"].append(nag_w + mu * nag_u)
    return {name: np.array(p) for name, p in paths.items()}


def tuned_steps(ratio, method, level=1e-6, max_steps=100_000):
    """Steps until f(w) = ½(w₁² + ratio·w₂²) falls below ``level`` × its value at START, with the
    best constant settings for curvatures 1 and ``ratio``: SGD with η = 2/(1 + ratio) (both
    directions shrink by (ratio − 1)/(ratio + 1) per step), or momentum ("heavy ball", Polyak 1964)
    with η = 4/(1 + √ratio)² and μ = ((√ratio − 1)/(√ratio + 1))², which shrinks every direction
    by about (√ratio − 1)/(√ratio + 1) per step. Returns (steps, η, μ)."""
    curv, r = np.array([1.0, ratio]), np.sqrt(ratio)
    lr, mu = (2 / (1 + ratio), 0.0) if method == "sgd" else (4 / (1 + r) ** 2, ((r - 1) / (r + 1)) ** 2)
    w, u = np.array(START, dtype=np.float64), np.zeros(2)
    f0 = 0.5 * np.sum(curv * w ** 2)
    for k in range(1, max_steps + 1):
        u = mu * u - lr * curv * w
        w = w + u
        if 0.5 * np.sum(curv * w ** 2) < level * f0:
            return k, lr, mu
    return None, lr, mu


PATH_STYLE = {"sgd": dict(color="#7f7f7f", label="SGD"), "momentum": dict(color="#1f77b4", label="momentum μ = 0.9"),
              "adam": dict(color="#d62728", label="Adam")}


def bowl_frame(lr, steps=60, adam_lr=None):
    """Contours of the bowl with the paths of SGD, momentum and Adam (left) and f per step (right)."""
    fig, (ax, fax) = new_figure(2, figsize=(7.6, 3.0))
    g1, g2 = np.meshgrid(np.linspace(-4.5, 4.5, 121), np.linspace(-2.0, 2.0, 81))
    ax.contour(g1, g2, bowl(np.stack([g1, g2], -1)), levels=np.geomspace(0.01, 60, 12), colors="0.8",
               linewidths=0.8)
    for name, style in PATH_STYLE.items():
        path = bowl_path(name, lr if name != "adam" else (adam_lr or lr), steps)
        shown = np.clip(path, [-4.5, -2.0], [4.5, 2.0])
        ax.plot(shown[:, 0], shown[:, 1], "-o", ms=2.5, lw=1.2, **style)
        with np.errstate(over="ignore", invalid="ignore"):
            fax.plot(np.clip(np.nan_to_num(bowl(path), nan=1e12), 1e-12, 1e12), lw=1.5, **style)
    ax.plot(*START, "k*", ms=9)
    ax.set(xlim=(-4.5, 4.5), ylim=(-2.0, 2.0), xlabel="w₁", ylabel="w₂",
           title=f"paths, η = {lr:.3g}" + (f" (Adam η = {adam_lr:.2g})" if adam_lr else ""))
    fax.set(yscale="log", ylim=(1e-8, 1e3), xlabel="step", ylabel="f(w)", title="loss per step")
    fax.legend(loc="lower left", fontsize=9)
    return fig


# ------------------------------------------------------------------ batches
def batch_gradient_spread(params, X, y, batch_sizes, draws, rng):
    """For each batch size B: the mean over ``draws`` random batches of ‖g_B − g‖ / ‖g‖, where g is
    the full-batch gradient of the mean loss (all parameters flattened)."""
    def flat(g):
        return np.concatenate([v.ravel() for v in g.values()])
    full = flat(loss_and_grads(params, X, y)[1])
    out = []
    for b in batch_sizes:
        devs = []
        for _ in range(draws):
            idx = rng.choice(X.shape[0], size=b, replace=False)
            devs.append(np.linalg.norm(flat(loss_and_grads(params, X[idx], y[idx])[1]) - full))
        out.append(float(np.mean(devs) / np.linalg.norm(full)))
    return out


# ------------------------------------------------------------------ training
def epoch(params, opt, X, y, batch_size, lam, rng):
    """One pass over shuffled mini-batches; returns (params, mean training loss of the batches)."""
    order = rng.permutation(X.shape[0])
    losses = []
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        value, grads = loss_and_grads(params, X[idx], y[idx], lam)
        losses.append(value)
        params = opt.update(params, grads)
    return params, float(np.mean(losses))


def fit(X, y, Xv, yv, sizes=(64, 128, 64, 10), optimiser="adam", lr=2e-3, batch_size=32, lam=1e-4,
        max_epochs=40, patience=8, seed=0):
    """Train with early stopping on the validation loss (``patience=0``: never stop early).
    Returns a dict with the best parameters, per epoch (epoch 0 = initialisation) the penalised
    training loss ``train`` (mean over the epoch's batches; at epoch 0 on the whole set), the
    training cross-entropy ``train_ce`` of the whole training set without the penalty and the
    validation cross-entropy ``val``; the best epoch, the optimiser steps taken up to it, and
    the CPU seconds used."""
    rng = np.random.default_rng(seed)
    start = time.process_time()
    params = init_mlp(list(sizes), rng)
    opt = OPTIMISERS[optimiser](lr)
    best, best_val, waited = params, loss(params, Xv, yv), 0
    hist = {"train": [loss(params, X, y, lam)], "train_ce": [loss(params, X, y)], "val": [best_val]}
    best_epoch = 0
    for e in range(1, max_epochs + 1):
        params, tr = epoch(params, opt, X, y, batch_size, lam, rng)
        val = loss(params, Xv, yv)
        hist["train"].append(tr)
        hist["train_ce"].append(loss(params, X, y))
        hist["val"].append(val)
        if val < best_val:
            best, best_val, best_epoch, waited = params, val, e, 0
        else:
            waited += 1
            if patience and waited == patience:
                break
    steps_per_epoch = -(-X.shape[0] // batch_size)
    return dict(params=best, train=np.array(hist["train"]), train_ce=np.array(hist["train_ce"]),
                val=np.array(hist["val"]), best_epoch=best_epoch, steps=best_epoch * steps_per_epoch,
                cpu=time.process_time() - start)


def blank_pixel_weights(params, X, init):
    """Mean |W1| over the rows of the input pixels that are 0 in every image of ``X`` — weights
    whose cross-entropy gradient is exactly 0, so only a weight penalty can move them — for the
    trained ``params`` and for the initial parameters ``init``. Returns (pixels, init, trained)."""
    blank = np.all(X == 0, axis=0)
    return int(blank.sum()), float(np.abs(init["W1"][blank]).mean()), float(np.abs(params["W1"][blank]).mean())


def lr_range(X, y, lrs, steps=150, batch_size=32, seed=0, optimiser="adam"):
    """Training loss (mean of the last 20 batches) after ``steps`` steps from the same start, per η."""
    out = []
    for lr in lrs:
        rng = np.random.default_rng(seed)
        params = init_mlp([X.shape[1], 128, 64, 10], rng)
        opt = OPTIMISERS[optimiser](lr)
        tail = []
        for s in range(steps):
            idx = rng.choice(X.shape[0], batch_size, replace=False)
            value, grads = loss_and_grads(params, X[idx], y[idx])
            params = opt.update(params, grads)
            if s >= steps - 20:
                tail.append(value)
        out.append(float(np.mean(tail)) if np.all(np.isfinite(tail)) else np.inf)
    return np.array(out)


def confusion(pred, y, classes=10):
    """Counts (classes, classes): row = true digit, column = predicted digit."""
    m = np.zeros((classes, classes), dtype=int)
    np.add.at(m, (np.asarray(y), np.asarray(pred)), 1)
    return m
