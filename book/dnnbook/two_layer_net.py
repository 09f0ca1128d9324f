"""Book-side code of the chapter "A two-layer network, derived in matrix form".

Row-vector batches: X (N, D), W1 (D, H), b1 (H,), Z1 = X W1 + b1 (N, H), A1 = relu(Z1),
W2 (H, C), b2 (C,), Z2 = A1 W2 + b2 (N, C), Ŷ = softmax(Z2), L = mean cross-entropy.
The forward definitions come from ``autograder.reference.two_layer_net``; the analytic backward
pass (the matrix formulas the chapter derives), the training loop, the forward-mode comparison
and the figures live here.
"""
import time

import numpy as np

from autograder.reference import two_layer_net as ref
from .plots import new_figure

PARAMS = ref.PARAM_NAMES


def init_params(D, H, C, rng):
    """He initialisation: W1 (D, H) with variance 2/D, W2 (H, C) with variance 2/H — i.e. standard
    deviations sqrt(2/D) and sqrt(2/H) — and zero biases."""
    return {"W1": rng.standard_normal((D, H)) * np.sqrt(2.0 / D), "b1": np.zeros(H),
            "W2": rng.standard_normal((H, C)) * np.sqrt(2.0 / H), "b2": np.zeros(C)}


def forward_backward(params, X, y):
    """The matrix-form forward and backward pass. Returns (loss, grads, cache) where ``cache``
    holds every intermediate quantity of the chapter's table (Z1, A1, Z2, Ŷ, T, δ2, δ1)."""
    W1, b1, W2, b2 = (params[k] for k in PARAMS)
    N, C = X.shape[0], W2.shape[1]
    Z1 = X @ W1 + b1                               # (N, H)
    A1 = ref.relu(Z1)                              # (N, H)
    Z2 = A1 @ W2 + b2                              # (N, C)
    Y_hat = np.exp(ref.log_softmax(Z2))            # (N, C)
    T = ref.one_hot(y, C)                          # (N, C)
    loss = ref.cross_entropy(Z2, y)
    delta2 = (Y_hat - T) / N                       # ∂L/∂Z2, (N, C)
    delta1 = (delta2 @ W2.T) * (Z1 > 0)            # ∂L/∂Z1, (N, H)
    grads = {"W2": A1.T @ delta2, "b2": delta2.sum(axis=0),
             "W1": X.T @ delta1, "b1": delta1.sum(axis=0)}
    cache = dict(X=X, Z1=Z1, A1=A1, Z2=Z2, Y_hat=Y_hat, T=T, delta2=delta2, delta1=delta1)
    return loss, {k: grads[k] for k in PARAMS}, cache


def shape_table(N=5, D=2, H=4, C=3, seed=0):
    """Rows (quantity, formula, shape) with every shape read from an executed array."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, size=N)
    params = init_params(D, H, C, rng)
    loss, grads, c = forward_backward(params, X, y)
    rows = [
        ("X", "input batch, one example per row", c["X"]),
        ("W1", "first-layer weights", params["W1"]),
        ("b1", "first-layer bias", params["b1"]),
        ("Z1", "X W1 + b1", c["Z1"]),
        ("A1", "f(Z1), element-wise", c["A1"]),
        ("W2", "second-layer weights", params["W2"]),
        ("b2", "second-layer bias", params["b2"]),
        ("Z2", "A1 W2 + b2 (logits)", c["Z2"]),
        ("Ŷ", "softmax(Z2), row by row", c["Y_hat"]),
        ("T", "one-hot targets", c["T"]),
        ("L", "mean cross-entropy", np.asarray(loss)),
        ("δ2 = ∂L/∂Z2", "(Ŷ − T)/N", c["delta2"]),
        ("∂L/∂W2", "A1ᵀ δ2", grads["W2"]),
        ("∂L/∂b2", "Σ_n δ2[n, :]", grads["b2"]),
        ("∂L/∂A1", "δ2 W2ᵀ", c["delta2"] @ params["W2"].T),
        ("δ1 = ∂L/∂Z1", "(δ2 W2ᵀ) ⊙ f'(Z1)", c["delta1"]),
        ("∂L/∂W1", "Xᵀ δ1", grads["W1"]),
        ("∂L/∂b1", "Σ_n δ1[n, :]", grads["b1"]),
    ]
    return [(name, formula, tuple(a.shape)) for name, formula, a in rows]


def column_form_grads(params, X, y):
    """The same gradients computed one example at a time in column-vector form
    (weights W' = Wᵀ, x a column): δ2 = ŷ − t, δ1 = (W2' ᵀ δ2) ⊙ f'(z1), ∂L/∂W' = Σ δ aᵀ / N.
    Returns the gradients transposed back to the row-batch shapes."""
    W1c, W2c = params["W1"].T, params["W2"].T        # (H, D), (C, H)
    N = X.shape[0]
    g = {k: np.zeros_like(v) for k, v in params.items()}
    gW1c, gW2c = np.zeros_like(W1c), np.zeros_like(W2c)
    for n in range(N):
        x = X[n][:, None]                             # (D, 1)
        z1 = W1c @ x + params["b1"][:, None]          # (H, 1)
        a1 = ref.relu(z1)
        z2 = W2c @ a1 + params["b2"][:, None]         # (C, 1)
        t = ref.one_hot([y[n]], W2c.shape[0]).T       # (C, 1)
        d2 = np.exp(ref.log_softmax(z2.T)).T - t      # (C, 1)
        d1 = (W2c.T @ d2) * (z1 > 0)                  # (H, 1)
        gW2c += d2 @ a1.T / N                         # (C, H): δ2 a1ᵀ
        gW1c += d1 @ x.T / N                          # (H, D): δ1 xᵀ
        g["b2"] += d2[:, 0] / N
        g["b1"] += d1[:, 0] / N
    g["W1"], g["W2"] = gW1c.T, gW2c.T
    return g


def train(X, y, hidden, lr=1.0, batch_size=64, steps=2000, seed=0):
    """Mini-batch SGD on the two-layer ReLU network. Returns (params, losses (steps,))."""
    rng = np.random.default_rng(seed)
    N, D = X.shape
    params = init_params(D, hidden, int(y.max()) + 1, rng)
    losses = np.empty(steps)
    for s in range(steps):
        idx = rng.choice(N, size=batch_size, replace=False)      # 1. sample a mini-batch
        losses[s], grads, _ = forward_backward(params, X[idx], y[idx])   # 2. gradients
        for k in PARAMS:                                          # 3. update
            params[k] = params[k] - lr * grads[k]
    return params, losses


# ------------------------------------------------------------------ reverse vs forward mode
class MacCounter:
    """Counts the multiply-adds of the matrix products done through :meth:`mm`."""

    def __init__(self):
        self.macs = 0

    def mm(self, a, b):
        self.macs += a.shape[0] * a.shape[1] * b.shape[1]
        return a @ b


def reverse_mode(params, X, y, counter):
    """Loss gradient by back-propagation, counting multiply-adds. Returns (grads, floats stored
    between the passes)."""
    W1, b1, W2, b2 = (params[k] for k in PARAMS)
    N = X.shape[0]
    Z1 = counter.mm(X, W1) + b1
    A1 = ref.relu(Z1)
    Z2 = counter.mm(A1, W2) + b2
    Y_hat = np.exp(ref.log_softmax(Z2))
    stored = Z1.size + A1.size + Y_hat.size          # kept for the backward pass
    d2 = (Y_hat - ref.one_hot(y, W2.shape[1])) / N
    gW2 = counter.mm(A1.T, d2)
    d1 = counter.mm(d2, W2.T) * (Z1 > 0)
    gW1 = counter.mm(X.T, d1)
    return {"W1": gW1, "b1": d1.sum(0), "W2": gW2, "b2": d2.sum(0)}, stored


def forward_mode(params, X, y, counter):
    """The same gradient by forward-mode differentiation: one tangent pass per parameter
    entry (a Jacobian–vector product with a unit direction), counting multiply-adds."""
    W1, b1, W2, b2 = (params[k] for k in PARAMS)
    N = X.shape[0]
    Z1 = counter.mm(X, W1) + b1
    A1 = ref.relu(Z1)
    Z2 = counter.mm(A1, W2) + b2
    g2 = (np.exp(ref.log_softmax(Z2)) - ref.one_hot(y, W2.shape[1])) / N   # ∂L/∂Z2, applied last
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for name in PARAMS:
        for idx in np.ndindex(params[name].shape):
            tan = {k: np.zeros_like(v) for k, v in params.items()}
            tan[name][idx] = 1.0
            dZ1 = counter.mm(X, tan["W1"]) + tan["b1"]
            dA1 = dZ1 * (Z1 > 0)
            dZ2 = counter.mm(dA1, W2) + counter.mm(A1, tan["W2"]) + tan["b2"]
            grads[name][idx] = np.sum(g2 * dZ2)
    return grads


def cost_comparison(N=300, D=2, H=100, C=3, seed=0):
    """Multiply-adds, stored floats and wall time of reverse vs forward mode for one gradient."""
    rng = np.random.default_rng(seed)
    X, y = ref.spirals(N // 3, 3, seed=seed)
    params = init_params(D, H, C, rng)
    rev, fwd = MacCounter(), MacCounter()
    t0 = time.perf_counter()
    g_rev, stored = reverse_mode(params, X, y, rev)
    t1 = time.perf_counter()
    g_fwd = forward_mode(params, X, y, fwd)
    t2 = time.perf_counter()
    diff = max(float(np.max(np.abs(g_rev[k] - g_fwd[k]))) for k in PARAMS)
    n_params = sum(v.size for v in params.values())
    one_pass = MacCounter()                                 # the forward pass alone: X W1, A1 W2
    one_pass.mm(ref.relu(one_pass.mm(X, params["W1"]) + params["b1"]), params["W2"])
    return dict(n_params=n_params, macs_forward_pass=one_pass.macs, macs_reverse=rev.macs, macs_forward=fwd.macs, stored_reverse=stored,
                seconds_reverse=t1 - t0, seconds_forward=t2 - t1, max_difference=diff)


# ------------------------------------------------------------------ deep versus wide
def tent_layer(x):
    """One layer of 2 ReLU units on [0, 1]: 2·relu(x) − 4·relu(x − 1/2), a tent with peak 1 at 1/2."""
    return 2 * ref.relu(x) - 4 * ref.relu(x - 0.5)


def count_linear_pieces(f, grid_exponent=14):
    """Number of linear pieces of a piecewise-linear f on [0, 1], from slopes on a dyadic grid."""
    x = np.linspace(0.0, 1.0, 2 ** grid_exponent + 1)
    slope = np.diff(f(x)) / np.diff(x)
    return 1 + int(np.sum(np.abs(np.diff(slope)) > 1e-6 * np.abs(slope).max()))


def deep_vs_wide(max_depth=8):
    """Rows (depth k, ReLU units 2k, pieces of the k-fold tent, most pieces of one layer of 2k units)."""
    rows = []
    for k in range(1, max_depth + 1):
        def deep(x, k=k):
            for _ in range(k):
                x = tent_layer(x)
            return x
        rows.append((k, 2 * k, count_linear_pieces(deep), 2 * k + 1))
    return rows


# ------------------------------------------------------------------ figures
CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]


def decision_regions(ax, params, X, y, resolution=120, lim=1.15):
    """Colour the plane by the network's predicted class and draw the data on top."""
    from matplotlib.colors import ListedColormap
    g = np.linspace(-lim, lim, resolution)
    gx, gy = np.meshgrid(g, g)
    pred = ref.predict(params, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    C = int(y.max()) + 1
    cmap = ListedColormap(CLASS_COLORS[:C])
    ax.contourf(gx, gy, pred, levels=np.arange(C + 1) - 0.5, cmap=cmap, alpha=0.25)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, s=9, edgecolors="k", linewidths=0.3)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xticks=[], yticks=[])
    ax.grid(False)


_LAST_TRAINED = {}


def width_frame(H, X, y, steps=1500, seed=0):
    """Train with H hidden units and draw decision regions and the loss curve (two panels).

    The last training is kept: a slider draws each frame twice (wide and phone layout)."""
    key = (int(H), steps, seed, X.tobytes(), y.tobytes())
    if key not in _LAST_TRAINED:
        _LAST_TRAINED.clear()
        _LAST_TRAINED[key] = train(X, y, int(H), steps=steps, seed=seed)
    params, losses = _LAST_TRAINED[key]
    fig, (ax, lax) = new_figure(2, figsize=(7.0, 3.2))
    decision_regions(ax, params, X, y, resolution=90)
    ax.set_title(f"H = {int(H)}: training accuracy {ref.accuracy(params, X, y):.1%}")
    window = 50
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    lax.plot(np.arange(window, steps + 1), smooth, color="k")
    lax.set(yscale="log", ylim=(0.02, 2.0), xlabel="step", ylabel="loss (mean of 50 steps)",
            title="training loss")
    return fig


# ------------------------------------------------------------------ figures: the layer pipeline
def draw_pipeline(N="N", D="D", H="H", C="C", figsize=(8.5, 2.9)):
    """The two-layer network as a pipeline of layers, with the shape of every array passed
    forward (top, black) and every gradient passed backward (bottom, red)."""
    from matplotlib.patches import FancyBboxPatch
    fig, (ax,) = new_figure(1, figsize)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.98)
    hw, fs = 1.05, 10
    layers = [(f"Affine\nW1 ({D}, {H})\nb1 ({H},)", 1.9), ("ReLU", 4.55), (f"Affine\nW2 ({H}, {C})\nb2 ({C},)", 7.2),
              (f"Softmax-\nWithLoss\nT ({N}, {C})", 9.85)]
    fwd = [f"X ({N}, {D})", f"Z1 ({N}, {H})", f"A1 ({N}, {H})", f"Z2 ({N}, {C})", "L ()"]
    bwd = [f"dX ({N}, {D})", f"δ1 ({N}, {H})", f"dA1 ({N}, {H})", f"δ2 ({N}, {C})", "dout = 1"]
    left, right = 0.0, 11.7
    for text, x in layers:
        ax.add_patch(FancyBboxPatch((x - hw, -0.6), 2 * hw, 1.2, boxstyle="round,pad=0.05", fc="#fff4e0", ec="0.3"))
        ax.text(x, 0, text, ha="center", va="center", fontsize=fs - 0.5)
    ends = [left] + [x for _, x in layers] + [right]
    for i in range(5):
        a = ends[i] + (hw + 0.05 if i else 0.0)
        b = ends[i + 1] - (hw + 0.05 if i < 4 else 0.0)
        ax.annotate("", xy=(b, 0.3), xytext=(a, 0.3), arrowprops=dict(arrowstyle="-|>", color="k", lw=1.2))
        ax.annotate("", xy=(a, -0.3), xytext=(b, -0.3), arrowprops=dict(arrowstyle="-|>", color="#c62828", lw=1.2))
        ax.text((a + b) / 2, 0.7, fwd[i], ha="center", va="bottom", fontsize=fs)
        ax.text((a + b) / 2, -0.7, bwd[i], ha="center", va="top", fontsize=fs, color="#c62828")
    ax.text(left, 1.3, "forward: each layer stores what its backward needs", fontsize=fs, ha="left")
    ax.text(left, -1.35, "backward: each layer returns ∂L/∂(its input)", fontsize=fs, ha="left", color="#c62828")
    ax.set(xlim=(-0.3, 12.2), ylim=(-1.55, 1.6))
    ax.axis("off")
    ax.grid(False)
    return fig
