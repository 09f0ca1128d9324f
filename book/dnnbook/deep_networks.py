"""Book-side code of the chapter "Deep networks".

Row-vector batches: A0 = X (N, D0); Z_l = A_{l-1} W_l + b_l (N, D_l) with W_l (D_{l-1}, D_l);
A_l = f(Z_l) for the hidden layers; Z_L are the logits, L = mean cross-entropy of softmax(Z_L).
The forward definitions come from ``autograder.reference.deep_networks``. Here are the matrix-form
backward recursion the chapter derives (written as one function over lists of arrays), the
training runs behind the deep-vs-wide table, the activation/gradient statistics behind the
initialisation section and the figures.
"""
import functools
import time

import numpy as np

from autograder.reference import deep_networks as ref
from autograder.reference import two_layer_net as tln_ref
from .plots import new_figure

#: Derivative of each activation, written in terms of its input z.
def _relu_grad(z):
    return (z > 0).astype(np.float64)


def _sigmoid_grad(z):
    s = ref.sigmoid(z)
    return s * (1.0 - s)


def _tanh_grad(z):
    return 1.0 - np.tanh(z) ** 2


DERIVATIVES = {"Relu": _relu_grad, "Sigmoid": _sigmoid_grad, "Tanh": _tanh_grad}


# ------------------------------------------------------------------ structure
def layer_table(sizes):
    """Rows (l, shape of W_l, shape of b_l, parameters of layer l) for layer sizes [D0, …, DL]."""
    rows = []
    for l in range(1, len(sizes)):
        n_w, n_b = sizes[l - 1] * sizes[l], sizes[l]
        rows.append((l, (sizes[l - 1], sizes[l]), (sizes[l],), n_w + n_b))
    return rows


def n_params(sizes):
    return sum(row[3] for row in layer_table(sizes))


# ------------------------------------------------------------------ forward and the δ recursion
def forward_backward(Ws, bs, acts, X, y):
    """Loss and gradients of an L-layer network by the δ recursion.

    Returns (loss, dWs, dbs, cache); ``cache`` holds the lists Z (Z_1…Z_L), A (A_0…A_{L-1}) and
    delta (δ_1…δ_L), with δ_l = ∂L/∂Z_l.
    """
    L = len(Ws)
    A, Z = [np.asarray(X, dtype=np.float64)], []
    for l in range(L):
        Z.append(A[-1] @ Ws[l] + bs[l])
        if l < L - 1:
            A.append(ref.FUNCTIONS[acts[l]](Z[-1]))
    N, C = X.shape[0], Ws[-1].shape[1]
    P = np.exp(tln_ref.log_softmax(Z[-1]))
    T = tln_ref.one_hot(y, C)
    loss = tln_ref.cross_entropy(Z[-1], y)
    delta = [None] * L
    delta[L - 1] = (P - T) / N                                   # δ_L, (N, D_L)
    for l in range(L - 2, -1, -1):                               # δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ f'(Z_l)
        delta[l] = (delta[l + 1] @ Ws[l + 1].T) * DERIVATIVES[acts[l]](Z[l])
    dWs = [A[l].T @ delta[l] for l in range(L)]                  # A_{l-1}ᵀ δ_l, (D_{l-1}, D_l)
    dbs = [delta[l].sum(axis=0) for l in range(L)]               # Σ_n δ_l, (D_l,)
    return loss, dWs, dbs, dict(Z=Z, A=A, delta=delta)


def he_weights(sizes, rng, gain=np.sqrt(2.0)):
    """W_l ~ N(0, gain²/fan_in), b_l = 0 (gain √2: He; gain 1: LeCun, ≈ Xavier for square layers)."""
    Ws = [rng.standard_normal((a, b)) * (gain / np.sqrt(a)) for a, b in zip(sizes[:-1], sizes[1:])]
    return Ws, [np.zeros(b) for b in sizes[1:]]


def shape_rows(sizes=(2, 4, 5, 3), N=6, acts=("Relu", "Tanh"), seed=0):
    """Rows (name, shape) of every quantity of one forward/backward pass, read from the arrays."""
    rng = np.random.default_rng(seed)
    Ws, bs = he_weights(list(sizes), rng)
    X = rng.standard_normal((N, sizes[0]))
    y = rng.integers(0, sizes[-1], size=N)
    _, dWs, dbs, c = forward_backward(Ws, bs, list(acts), X, y)
    rows = [("X = A0", c["A"][0].shape)]
    L = len(Ws)
    for l in range(L):
        rows += [(f"W{l + 1}", Ws[l].shape), (f"Z{l + 1}", c["Z"][l].shape)]
        if l < L - 1:
            rows.append((f"A{l + 1}", c["A"][l + 1].shape))
    for l in range(L - 1, -1, -1):
        rows += [(f"δ{l + 1}", c["delta"][l].shape), (f"∂L/∂W{l + 1}", dWs[l].shape),
                 (f"∂L/∂b{l + 1}", dbs[l].shape)]
    return rows


# ------------------------------------------------------------------ deep vs wide
def width_for(depth, budget, D=2, C=3):
    """The hidden width h for which ``depth`` hidden layers of h units have the parameter count
    closest to ``budget``."""
    best = min(range(1, 2000), key=lambda h: abs(n_params([D] + [h] * depth + [C]) - budget))
    return best


def sgd(sizes, act, X, y, lr, batch_size, steps, seed):
    """Mini-batch SGD with He-initialised weights; returns (Ws, bs, losses)."""
    rng = np.random.default_rng(seed)
    Ws, bs = he_weights(sizes, rng)
    acts = [act] * (len(sizes) - 2)
    losses = np.empty(steps)
    n = X.shape[0]
    for s in range(steps):
        idx = rng.choice(n, size=batch_size, replace=False)
        losses[s], dWs, dbs, _ = forward_backward(Ws, bs, acts, X[idx], y[idx])
        Ws = [W - lr * g for W, g in zip(Ws, dWs)]
        bs = [b - lr * g for b, g in zip(bs, dbs)]
    return Ws, bs, losses


def accuracy(Ws, bs, act, X, y):
    acts = [act] * (len(Ws) - 1)
    return float(np.mean(ref.logits(Ws, bs, acts, X).argmax(axis=1) == y))


def deep_vs_wide(depths=(1, 2, 4, 8), budget=1200, seeds=(0, 1, 2), lr=0.3, batch_size=64,
                 steps=2000, data_seed=1):
    """Train ReLU networks of several depths with about ``budget`` parameters each on the same
    spirals (300 training points; 300 validation points and 600 test points drawn from the same
    distribution with other seeds). ``lr`` is one learning rate for every depth, or a dict
    {depth: learning rate}. Returns one dict per depth with the width, parameter count, learning
    rate and accuracies over the seeds."""
    X, y = tln_ref.spirals(100, 3, noise=0.2, seed=data_seed)
    Xv, yv = tln_ref.spirals(100, 3, noise=0.2, seed=data_seed + 500)
    Xt, yt = tln_ref.spirals(200, 3, noise=0.2, seed=data_seed + 1000)
    rows = []
    for depth in depths:
        h = width_for(depth, budget)
        sizes = [2] + [h] * depth + [3]
        eta = lr[depth] if isinstance(lr, dict) else lr
        train_acc, val_acc, test_acc, final = [], [], [], []
        start = time.perf_counter()
        for seed in seeds:
            Ws, bs, losses = sgd(sizes, "Relu", X, y, eta, batch_size, steps, seed)
            train_acc.append(accuracy(Ws, bs, "Relu", X, y))
            val_acc.append(accuracy(Ws, bs, "Relu", Xv, yv))
            test_acc.append(accuracy(Ws, bs, "Relu", Xt, yt))
            final.append(float(losses[-200:].mean()))
        rows.append(dict(depth=depth, width=h, params=n_params(sizes), lr=eta, train=np.array(train_acc),
                         val=np.array(val_acc), test=np.array(test_acc), loss=np.array(final),
                         seconds=(time.perf_counter() - start) / len(seeds)))
    return rows


def tune_per_depth(depths=(1, 2, 4, 8), lrs=(0.03, 0.1, 0.3, 1.0), **kwargs):
    """Train every depth at every learning rate of ``lrs`` (``deep_vs_wide`` with ``kwargs``) and
    pick, per depth, the learning rate with the highest mean VALIDATION accuracy (the smaller η
    of a tie). Returns (grid, best): grid[depth][lr] is that run's row, best[depth] the chosen
    row; the test accuracy plays no part in the choice."""
    grid = {d: {} for d in depths}
    for lr in lrs:
        for r in deep_vs_wide(depths=depths, lr=lr, **kwargs):
            grid[r["depth"]][lr] = r
    best = {d: max(grid[d].values(), key=lambda r: (r["val"].mean(), -r["lr"])) for d in depths}
    return grid, best


# ------------------------------------------------------------------ initialisation statistics
@functools.lru_cache(maxsize=None)
def depth_statistics(act, gain, depth=30, width=100, N=100, seed=0):
    """Forward a batch through ``depth`` layers of ``width`` units with W ~ N(0, gain²/fan_in)
    and zero biases, then back-propagate an upstream gradient ∂L/∂A_depth of unit variance.

    Returns (std of A_l, std of δ_l = ∂L/∂Z_l, std of ∂L/∂W_l), each for l = 1…depth (cached:
    the table and the slider's frames share runs).
    """
    rng = np.random.default_rng(seed)
    f, df = ref.FUNCTIONS[act], DERIVATIVES[act]
    A = rng.standard_normal((N, width))
    Ws = [rng.standard_normal((width, width)) * (gain / np.sqrt(width)) for _ in range(depth)]
    inputs, Zs, a_std = [], [], np.empty(depth)
    for l, W in enumerate(Ws):
        inputs.append(A)
        Zs.append(A @ W)
        A = f(Zs[-1])
        a_std[l] = A.std()
    g = rng.standard_normal((N, width))                     # ∂L/∂A_depth
    d_std, w_std = np.empty(depth), np.empty(depth)
    for l in range(depth - 1, -1, -1):
        delta = g * df(Zs[l])
        d_std[l] = delta.std()
        w_std[l] = (inputs[l].T @ delta).std()
        g = delta @ Ws[l].T
    return a_std, d_std, w_std


def statistics_frame(gain, depth=30, width=100):
    """Two panels: std of the activations and of the weight gradients per layer, ReLU and tanh,
    with every W ~ N(0, gain²/fan_in)."""
    fig, (ax, gx) = new_figure(2, figsize=(7.4, 3.0))
    layers = np.arange(1, depth + 1)
    for act, color in (("Relu", "#2ca02c"), ("Tanh", "#ff7f0e")):
        a_std, d_std, _ = depth_statistics(act, gain, depth, width)
        ax.plot(layers, a_std, color=color, label=act)
        gx.plot(layers, d_std, color=color, label=act)
    ax.set(yscale="log", ylim=(1e-8, 1e8), xlabel="layer l", ylabel="std of A_l",
           title=f"forward: activations (gain {gain:.2f})")
    gx.set(yscale="log", ylim=(1e-8, 1e8), xlabel="layer l", ylabel="std of δ_l = ∂L/∂Z_l",
           title="backward: deltas")
    ax.legend(loc="upper left")
    return fig


# ------------------------------------------------------------------ symmetric initialisation
def symmetric_run(value, sizes=(2, 16, 16, 16, 3), lr=0.3, steps=1500, seed=0, data_seed=1):
    """Train from every weight equal to ``value`` (biases 0), or from He weights if ``value`` is
    None. Returns (number of distinct hidden units per hidden layer, training accuracy)."""
    X, y = tln_ref.spirals(100, 3, noise=0.2, seed=data_seed)
    rng = np.random.default_rng(seed)
    sizes = list(sizes)
    if value is None:
        Ws, bs = he_weights(sizes, rng)
    else:
        Ws = [np.full((a, b), float(value)) for a, b in zip(sizes[:-1], sizes[1:])]
        bs = [np.zeros(b) for b in sizes[1:]]
    acts = ["Tanh"] * (len(sizes) - 2)
    for _ in range(steps):
        idx = rng.choice(X.shape[0], size=64, replace=False)
        _, dWs, dbs, _ = forward_backward(Ws, bs, acts, X[idx], y[idx])
        Ws = [W - lr * g for W, g in zip(Ws, dWs)]
        bs = [b - lr * g for b, g in zip(bs, dbs)]
    distinct = [int(np.unique(np.round(np.vstack([W, b[None]]), 12), axis=1).shape[1])
                for W, b in zip(Ws[:-1], bs[:-1])]
    return distinct, accuracy(Ws, bs, "Tanh", X, y)


# ------------------------------------------------------------------ dead units
def dead_units(depth=8, budget=1200, lr=None, seed=1, batch_size=64, steps=2000, data_seed=1):
    """Hidden units that are inactive (Z ≤ 0) for every training point of the deep-vs-wide
    spirals, per hidden layer, for the ReLU network of ``depth`` hidden layers — at He
    initialisation (``lr=None``) or after ``steps`` steps of SGD with learning rate ``lr``.
    Returns (dead units per hidden layer, training accuracy)."""
    X, y = tln_ref.spirals(100, 3, noise=0.2, seed=data_seed)
    h = width_for(depth, budget)
    sizes = [2] + [h] * depth + [3]
    if lr is None:
        Ws, bs = he_weights(sizes, np.random.default_rng(seed))
    else:
        Ws, bs, _ = sgd(sizes, "Relu", X, y, lr, batch_size, steps, seed)
    Zs = ref.preactivations(Ws, bs, ["Relu"] * depth, X)
    return [int(np.sum(np.all(Z <= 0, axis=0))) for Z in Zs[:depth]], accuracy(Ws, bs, "Relu", X, y)
