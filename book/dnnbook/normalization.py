"""Book-side code of the chapter "Normalisation, dropout and skip connections".

Row-vector batches: x (N, D). The forward definitions come from
``autograder.reference.normalization``. Here are the backward passes the chapter derives (batch
norm node by node on its computation graph, then in compact form; layer norm; dropout; a
residual block), the batch-dependency measurement, and the depth experiment behind the table and
the slider: 30 plain ReLU layers, 30 residual blocks and 30 layers with batch norm, at
initialisation and after training on the spirals.
"""
import functools

import numpy as np

from autograder.reference import normalization as ref
from autograder.reference import two_layer_net as tln_ref
from .plots import new_figure


# ------------------------------------------------------------------ batch norm, node by node
def batchnorm_graph_forward(x, s, b, eps=1e-5):
    """Batch norm (training mode) as a chain of small nodes; returns (out, cache).

    Nodes: x̄ = mean(x), c = x − x̄, ν = mean(c²), r = (ν + ε)^(−1/2), x̂ = c·r, out = s·x̂ + b.
    """
    N = x.shape[0]
    mean = x.sum(axis=0) / N
    c = x - mean
    var = (c ** 2).sum(axis=0) / N
    r = 1.0 / np.sqrt(var + eps)
    xhat = c * r
    out = s * xhat + b
    return out, dict(N=N, c=c, var=var, r=r, xhat=xhat, s=s, eps=eps)


def batchnorm_graph_backward(dout, cache):
    """The backward pass of :func:`batchnorm_graph_forward`, one node at a time in reverse order.

    Returns (dx, ds, db) and a dict of every intermediate gradient (for the page's table)."""
    N, c, var, r, xhat, s, eps = (cache[k] for k in ("N", "c", "var", "r", "xhat", "s", "eps"))
    db = dout.sum(axis=0)                      # out = s·x̂ + b: b is used by every row
    ds = (dout * xhat).sum(axis=0)
    dxhat = dout * s
    dr = (dxhat * c).sum(axis=0)               # x̂ = c·r: r is shared by the column
    dc = dxhat * r                             # first use of c
    dvar = dr * (-0.5) * (var + eps) ** -1.5   # r = (ν + ε)^(−1/2)
    dc = dc + dvar * 2.0 * c / N               # second use of c (ν = mean(c²)): gradients ADD
    dmean = -dc.sum(axis=0)                    # c = x − x̄
    dx = dc + dmean / N                        # x̄ = mean(x): each x_n gets 1/N of it
    return dx, ds, db, dict(db=db, ds=ds, dxhat=dxhat, dr=dr, dvar=dvar, dc=dc, dmean=dmean)


def batchnorm_compact_backward(dout, cache):
    """The compact form: dx = (r/N)·(N·g − Σ_n g − x̂·Σ_n g⊙x̂) with g = dout ⊙ s."""
    N, r, xhat, s = cache["N"], cache["r"], cache["xhat"], cache["s"]
    g = dout * s
    dx = r / N * (N * g - g.sum(axis=0) - xhat * (g * xhat).sum(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def layernorm_backward(dout, x, s, eps=1e-5):
    """Layer norm's backward: batch norm's compact form along the last axis. Returns (dx, ds, db)."""
    D = x.shape[-1]
    mean = x.mean(axis=-1, keepdims=True)
    r = 1.0 / np.sqrt(((x - mean) ** 2).mean(axis=-1, keepdims=True) + eps)
    xhat = (x - mean) * r
    g = dout * s
    dx = r / D * (D * g - g.sum(axis=-1, keepdims=True) - xhat * (g * xhat).sum(axis=-1, keepdims=True))
    lead = tuple(range(x.ndim - 1))
    return dx, (dout * xhat).sum(axis=lead), dout.sum(axis=lead)


def batch_dependence(x, s, b, eps=1e-5, n=0, other=1):
    """How much output row ``n`` moves per unit change of input row ``other`` (the largest entry of
    that block of the Jacobian, by central differences), in batch norm and in layer norm."""
    h = 1e-5
    out = {}
    for name, f in (("batch norm", lambda v: ref.batchnorm_train(v, s, b, eps)),
                    ("layer norm", lambda v: ref.layernorm(v, s, b, eps))):
        worst = 0.0
        for j in range(x.shape[1]):
            xp, xm = x.copy(), x.copy()
            xp[other, j] += h
            xm[other, j] -= h
            worst = max(worst, float(np.abs(f(xp)[n] - f(xm)[n]).max() / (2 * h)))
        out[name] = worst
    return out


# ------------------------------------------------------------------ dropout
def dropout_forward(x, q, rng, train=True):
    """Inverted dropout: returns (out, keep). ``keep`` = 1 where rng.random ≥ q (probability 1 − q)."""
    if not train:
        return x.copy(), np.ones_like(x)
    keep = (rng.random(x.shape) >= q).astype(np.float64)
    return ref.dropout_apply(x, keep, q), keep


def dropout_means(x, q, draws, seed=0):
    """The mean over ``draws`` masks of the dropout output, and the input (whose value it estimates)."""
    rng = np.random.default_rng(seed)
    total = np.zeros_like(x)
    for _ in range(draws):
        total += dropout_forward(x, q, rng)[0]
    return total / draws


# ------------------------------------------------------------------ residual block
def residual_backward(dout, x, W1, b1, W2):
    """Gradients of out = x + relu(x W1 + b1) W2 + b2: (dx, dW1, db1, dW2, db2)."""
    z = x @ W1 + b1
    h = np.maximum(z, 0.0)
    dh = dout @ W2.T
    dz = dh * (z > 0)
    dx = dout + dz @ W1.T                      # the identity path plus the path through F
    return dx, x.T @ dz, dz.sum(axis=0), h.T @ dout, dout.sum(axis=0)


# ------------------------------------------------------------------ the depth experiment
KINDS = ("plain", "residual", "batch norm")
COLORS = {"plain": "#d62728", "residual": "#1f77b4", "batch norm": "#2ca02c"}


def init_stack(kind, depth, width, gain, rng, d_in=2, classes=3):
    """Parameters of: input affine (d_in → width), ``depth`` blocks of ``kind``, readout (width →
    classes). Every block's W ~ N(0, gain²/width); batch-norm blocks also get s = 1, b = 0."""
    params = {"Win": rng.standard_normal((d_in, width)) * np.sqrt(2.0 / d_in), "bin": np.zeros(width),
              "Wout": rng.standard_normal((width, classes)) / np.sqrt(width), "bout": np.zeros(classes)}
    for l in range(depth):
        params[f"W{l}"] = rng.standard_normal((width, width)) * (gain / np.sqrt(width))
        if kind == "batch norm":
            params[f"s{l}"], params[f"b{l}"] = np.ones(width), np.zeros(width)
    return params


def stack_loss_and_grads(kind, params, depth, X, y, eps=1e-5):
    """Forward and backward through the stack. Blocks, with A the block's input:

    plain:       A ← relu(A W_l)
    residual:    A ← A + relu(A) W_l            (the branch F(A) = relu(A) W_l)
    batch norm:  A ← relu(BN(A W_l))            (training-mode batch statistics)

    Returns (loss, grads, stats) with stats["dA"][l] = std of ∂L/∂(input of block l) and
    stats["dW"][l] = std of ∂L/∂W_l, for l = 0 … depth − 1 (block 0 is nearest the input)."""
    A = X @ params["Win"] + params["bin"]
    caches = []
    for l in range(depth):
        W = params[f"W{l}"]
        if kind == "plain":
            Z = A @ W
            caches.append((A, Z))
            A = np.maximum(Z, 0.0)
        elif kind == "residual":
            H = np.maximum(A, 0.0)
            caches.append((A, H))
            A = A + H @ W
        else:
            Z = A @ W
            U, bn = batchnorm_graph_forward(Z, params[f"s{l}"], params[f"b{l}"], eps)
            caches.append((A, U, bn))
            A = np.maximum(U, 0.0)
    logits = A @ params["Wout"] + params["bout"]
    loss = tln_ref.cross_entropy(logits, y)
    P = np.exp(tln_ref.log_softmax(logits))
    delta = (P - tln_ref.one_hot(y, P.shape[1])) / X.shape[0]
    grads = {"Wout": A.T @ delta, "bout": delta.sum(axis=0)}
    dA = delta @ params["Wout"].T
    std_dA, std_dW = np.zeros(depth), np.zeros(depth)
    for l in range(depth - 1, -1, -1):
        W = params[f"W{l}"]
        if kind == "plain":
            Ain, Z = caches[l]
            dZ = dA * (Z > 0)
            grads[f"W{l}"] = Ain.T @ dZ
            dA = dZ @ W.T
        elif kind == "residual":
            Ain, H = caches[l]
            grads[f"W{l}"] = H.T @ dA
            dA = dA + (dA @ W.T) * (Ain > 0)          # identity path + path through the branch
        else:
            Ain, U, bn = caches[l]
            dU = dA * (U > 0)
            dZ, grads[f"s{l}"], grads[f"b{l}"] = batchnorm_compact_backward(dU, bn)
            grads[f"W{l}"] = Ain.T @ dZ
            dA = dZ @ W.T
        std_dA[l], std_dW[l] = dA.std(), grads[f"W{l}"].std()
    grads["Win"] = X.T @ dA
    grads["bin"] = dA.sum(axis=0)
    return loss, grads, dict(dA=std_dA, dW=std_dW)


def stack_accuracy(kind, params, depth, X, y, eps=1e-5):
    """Training accuracy (batch norm in training mode on the whole set)."""
    A = X @ params["Win"] + params["bin"]
    for l in range(depth):
        W = params[f"W{l}"]
        if kind == "plain":
            A = np.maximum(A @ W, 0.0)
        elif kind == "residual":
            A = A + np.maximum(A, 0.0) @ W
        else:
            A = np.maximum(ref.batchnorm_train(A @ W, params[f"s{l}"], params[f"b{l}"], eps), 0.0)
    return float(np.mean(np.argmax(A @ params["Wout"] + params["bout"], axis=1) == y))


def spirals():
    """The 3-class spirals of chapters 6 and 7 (300 points), standardised."""
    return tln_ref.spirals(100, 3, noise=0.2, seed=1)


def depth_run(kind, gain, depth=30, width=32, steps=0, lr=0.05, batch=64, seed=0):
    """Initialise a stack, train it ``steps`` SGD steps on the spirals, and measure the gradient
    statistics on the whole training set. Returns a dict: loss0 (before training), loss,
    accuracy, dA and dW (per-block stds at the end), finite (no overflow on the way)."""
    X, y = spirals()
    rng = np.random.default_rng(seed)
    params = init_stack(kind, depth, width, gain, rng)
    with np.errstate(all="ignore"):
        loss0, _, _ = stack_loss_and_grads(kind, params, depth, X, y)
        finite = bool(np.isfinite(loss0))
        for _ in range(steps):
            idx = rng.choice(X.shape[0], size=batch, replace=False)
            loss, grads, _ = stack_loss_and_grads(kind, params, depth, X[idx], y[idx])
            if not np.isfinite(loss):
                finite = False
                break
            for k in params:
                params[k] = params[k] - lr * grads[k]
        loss, _, stats = stack_loss_and_grads(kind, params, depth, X, y)
        acc = stack_accuracy(kind, params, depth, X, y) if finite else float("nan")
    return dict(loss0=float(loss0), loss=float(loss), accuracy=acc, dA=stats["dA"], dW=stats["dW"],
                finite=finite and bool(np.isfinite(loss)))


def depth_table(gains, depth=30, steps=300, **kw):
    """Rows for the page: (kind, gain, run at initialisation, run after ``steps`` steps)."""
    return [(kind, g, depth_run(kind, g, depth, steps=0, **kw), depth_run(kind, g, depth, steps=steps, **kw))
            for kind in KINDS for g in gains]


@functools.lru_cache(maxsize=None)
def _init_run(kind, gain, depth, width):
    """``depth_run`` at initialisation (a slider frame is drawn twice: wide and phone layout)."""
    return depth_run(kind, gain, depth, width)


def gradient_frame(gain, depth=30, width=32):
    """The slider's frame: std of ∂L/∂A at each block's input and of ∂L/∂W_l, at initialisation,
    for the three stacks with every block's W ~ N(0, gain²/width)."""
    fig, (ax, gx) = new_figure(2, figsize=(7.4, 3.0))
    blocks = np.arange(1, depth + 1)
    for kind in KINDS:
        run = _init_run(kind, float(gain), depth, width)
        ax.plot(blocks, np.clip(run["dA"], 1e-12, 1e12), color=COLORS[kind], label=kind)
        gx.plot(blocks, np.clip(run["dW"], 1e-12, 1e12), color=COLORS[kind], label=kind)
    ax.set(yscale="log", ylim=(1e-10, 1e10), xlabel="block l (1 = nearest the input)",
           ylabel="std of ∂L/∂A", title=f"gradient at each block's input (gain {gain:.2f})")
    gx.set(yscale="log", ylim=(1e-10, 1e10), xlabel="block l", ylabel="std of ∂L/∂W_l",
           title="weight gradients")
    ax.legend(loc="upper right")
    return fig


def depth_table_text(rows, steps=300):
    """The page's table of :func:`depth_table` rows: std of ∂L/∂A at blocks 1 and 30 and their
    ratio, the loss at initialisation; after training the ratio, the loss and the accuracy."""
    lines = [f"{'stack':10s} {'gain':>4s} | {'at initialisation':^33s} | {f'after {steps} steps':^24s}",
             f"{'':10s} {'':>4s} | {'block 1':>7s} {'block 30':>8s} {'ratio':>7s} {'loss':>8s} | "
             f"{'ratio':>7s} {'loss':>7s} {'accuracy':>8s}"]
    for kind, gain, r0, r1 in rows:
        ratio0 = r0["dA"][0] / r0["dA"][-1]
        after = (f"{r1['dA'][0] / r1['dA'][-1]:7.1e} {r1['loss']:7.3f} {r1['accuracy']:8.1%}" if r1["finite"]
                 else f"{'diverged (overflow)':>24s}")
        lines.append(f"{kind:10s} {gain:4.2f} | {r0['dA'][0]:7.1e} {r0['dA'][-1]:8.1e} {ratio0:7.1e} "
                     f"{r0['loss0']:8.3g} | {after}")
    return "\n".join(line.rstrip() for line in lines)
