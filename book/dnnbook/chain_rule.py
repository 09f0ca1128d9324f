"""The single sigmoid neuron of the Chain Rule chapter: chain-rule factors, error curves, gradient
descent paths and finite-difference errors, for the page's worked examples and figures.

The forward pass is not defined here: it comes from ``autograder.reference.chain_rule`` (the
definition the exercise checks use). The neuron has one input feature; for a batch, ``x`` and ``y``
have shape (N,) and the loss is the mean of ½(y − ŷ)². ``w`` and ``b`` are floats.
"""
import numpy as np

from autograder.gradcheck import relative_error
from autograder.reference.chain_rule import neuron_loss, neuron_output, sigmoid  # noqa: F401
from .plots import new_figure

#: The worked example of the page: one input, its target, the current weight and bias.
EXAMPLE = {"x": 1.5, "y": 0.8, "w": 0.3, "b": -0.2}

#: Colours of the chapter's figures.
CURVE, TANGENT, POINT, FORWARD, CENTRAL = "#1f77b4", "#d62728", "#d62728", "#ff7f0e", "#2ca02c"


def chain_factors(x, y, w, b):
    """Every factor of the chain rule for one example (all floats), as a dict.

    z = w·x + b, ŷ = σ(z), L = ½(y − ŷ)²;
    ∂L/∂ŷ = ŷ − y, ∂ŷ/∂z = ŷ(1 − ŷ), ∂z/∂w = x, ∂z/∂b = 1;
    δ = ∂L/∂z = ∂L/∂ŷ · ∂ŷ/∂z, ∂L/∂w = δ·x, ∂L/∂b = δ.
    """
    z = w * x + b
    y_hat = float(sigmoid(z))
    out = {"z": z, "y_hat": y_hat, "loss": 0.5 * (y - y_hat) ** 2,
           "dL_dyhat": y_hat - y, "dyhat_dz": y_hat * (1 - y_hat), "dz_dw": x, "dz_db": 1.0}
    out["delta"] = out["dL_dyhat"] * out["dyhat_dz"]
    out["dw"] = out["delta"] * out["dz_dw"]
    out["db"] = out["delta"] * out["dz_db"]
    return out


def loss_of_w(ws, x, y, b):
    """L(w) for an array of weights ``ws`` (shape (M,)) with b, x, y fixed (x, y: floats or
    arrays of shape (N,)); returns shape (M,)."""
    ws = np.asarray(ws, dtype=np.float64)
    x, y = np.atleast_1d(np.asarray(x, dtype=np.float64)), np.atleast_1d(np.asarray(y, dtype=np.float64))
    y_hat = sigmoid(ws[:, None] * x[None, :] + b)                 # (M, N)
    return np.mean(0.5 * (y[None, :] - y_hat) ** 2, axis=1)


def slope_of_w(ws, x, y, b):
    """∂L/∂w for an array of weights ``ws`` (shape (M,)), by the chain rule; shape (M,)."""
    ws = np.asarray(ws, dtype=np.float64)
    x, y = np.atleast_1d(np.asarray(x, dtype=np.float64)), np.atleast_1d(np.asarray(y, dtype=np.float64))
    y_hat = sigmoid(ws[:, None] * x[None, :] + b)
    return np.mean((y_hat - y[None, :]) * y_hat * (1 - y_hat) * x[None, :], axis=1)


def gd_path(lr, w0, steps, x, y, b):
    """Gradient descent on w alone (b fixed): the weights w_0 … w_steps, shape (steps + 1,)."""
    ws = [float(w0)]
    for _ in range(steps):
        ws.append(ws[-1] - lr * float(slope_of_w([ws[-1]], x, y, b)[0]))
    return np.array(ws)


def forward_difference(f, w, h):
    """(f(w + h) − f(w)) / h for a scalar function of one float."""
    return (f(w + h) - f(w)) / h


def central_difference(f, w, h):
    """(f(w + h) − f(w − h)) / (2h) for a scalar function of one float."""
    return (f(w + h) - f(w - h)) / (2 * h)


def difference_errors(f, exact, w, hs):
    """Relative errors (the course's measure, ``autograder.gradcheck.relative_error``) of the
    forward and central differences of ``f`` at ``w`` against the exact derivative, for every
    step in ``hs`` (shape (M,)). Returns two arrays of shape (M,)."""
    fwd = np.array([forward_difference(f, w, h) for h in hs])
    cen = np.array([central_difference(f, w, h) for h in hs])
    ex = np.full(len(hs), exact)
    return relative_error(fwd, ex, floor=1e-300), relative_error(cen, ex, floor=1e-300)


# ------------------------------------------------------------------ figures
def draw_tangent(w, x=EXAMPLE["x"], y=EXAMPLE["y"], b=EXAMPLE["b"], ws=np.linspace(-4, 6, 401), figsize=(7.0, 3.0)):
    """The error curve L(w) (b fixed) with its tangent at the weight ``w``; returns the Figure."""
    fig, (ax,) = new_figure(1, figsize)
    L = loss_of_w(ws, x, y, b)
    Lw, g = float(loss_of_w([w], x, y, b)[0]), float(slope_of_w([w], x, y, b)[0])
    ax.plot(ws, L, color=CURVE, label="error L(w)")
    span = np.linspace(w - 1.2, w + 1.2, 2)
    ax.plot(span, Lw + g * (span - w), color=TANGENT, lw=1.5, label="tangent, slope ∂L/∂w")
    ax.plot([w], [Lw], "o", color=POINT, zorder=3)
    if abs(g) < 1e-3:
        advice = "≈ 0: (almost) no change"
    elif g < 0:
        advice = "< 0: increase w"
    else:
        advice = "> 0: decrease w"
    ax.set(xlabel="weight w", ylabel="L", xlim=(ws[0], ws[-1]), ylim=(-0.02, 0.36),
           title=f"w = {w:.2f}:  ∂L/∂w = {g:+.4f} {advice}")
    ax.legend(loc="upper right")
    return fig


def draw_gd(lr, w0=-1.5, steps=10, x=EXAMPLE["x"], y=EXAMPLE["y"], b=EXAMPLE["b"],
            ws=np.linspace(-4, 6, 401), figsize=(7.0, 3.0)):
    """The first ``steps`` gradient-descent iterates for the learning rate ``lr`` on L(w)."""
    fig, (ax, lax) = new_figure(2, figsize)
    path = gd_path(lr, w0, steps, x, y, b)
    Lp = loss_of_w(path, x, y, b)
    ax.plot(ws, loss_of_w(ws, x, y, b), color=CURVE)
    ax.plot(path, Lp, "-o", color=TANGENT, ms=4, lw=1)
    ax.plot(path[:1], Lp[:1], "s", color="k", ms=6)
    ax.set(xlabel="weight w", ylabel="L", xlim=(ws[0], ws[-1]), ylim=(-0.02, 0.36),
           title=f"η = {lr:.3g}: {steps} steps from w = {w0:g}")
    off = path[(path < ws[0]) | (path > ws[-1])]
    if off.size:
        ax.text(0.02, 0.95, f"{off.size} iterate(s) off the plot, up to w = {off[np.argmax(np.abs(off))]:.1f}",
                transform=ax.transAxes, va="top", fontsize=9)
    lax.semilogy(range(steps + 1), np.maximum(Lp, 1e-12), "-o", color=TANGENT, ms=4)
    lax.set(xlabel="step", ylabel="L (log scale)", ylim=(1e-12, 1), title=f"final L = {Lp[-1]:.2e}")
    return fig


def draw_difference_errors(hs, fwd, cen, figsize=(6.0, 3.4)):
    """Log-log plot of the relative errors of both differences against the step h."""
    fig, (ax,) = new_figure(1, figsize)
    fig.subplots_adjust(left=0.13, bottom=0.16)
    ax.loglog(hs, np.maximum(fwd, 1e-17), "-o", ms=3, color=FORWARD, label="forward difference")
    ax.loglog(hs, np.maximum(cen, 1e-17), "-o", ms=3, color=CENTRAL, label="central difference")
    ref_h = np.array([1e-4, 1e-1])
    ax.loglog(ref_h, 0.04 * ref_h, "--", color=FORWARD, lw=1, label="slope 1 (∝ h)")
    ax.loglog(ref_h, 0.002 * ref_h ** 2, "--", color=CENTRAL, lw=1, label="slope 2 (∝ h²)")
    ax.set(xlabel="step h", ylabel="relative error", ylim=(1e-13, 1))
    ax.legend(loc="upper center", fontsize=8)
    return fig


def draw_neuron_graph(x=EXAMPLE["x"], y=EXAMPLE["y"], w=EXAMPLE["w"], b=EXAMPLE["b"], figsize=(8.0, 3.0)):
    """The neuron's computation graph with forward values under the nodes and, on every edge,
    the gradient of L flowing back along it (from :func:`chain_factors`); returns the Figure.
    Uses :func:`dnnbook.graphs.draw_graph` (the computation-graphs chapter's drawer)."""
    from .graphs import draw_graph

    f = chain_factors(x, y, w, b)
    nodes = {"x": (0, 2), "w": (0, 0.8), "mul": (1.5, 1.4), "b": (1.5, 0), "add": (3, 0.8),
             "sig": (4.5, 0.8), "y_hat": (6, 0.8), "y": (6, -0.4), "loss": (7.5, 0.8), "L": (9, 0.8)}
    edges = [("x", "mul"), ("w", "mul"), ("mul", "add"), ("b", "add"), ("add", "sig"),
             ("sig", "y_hat"), ("y_hat", "loss"), ("y", "loss"), ("loss", "L")]
    values = {"x": x, "w": w, "b": b, "mul": w * x, "add": f["z"], "sig": f["y_hat"], "y_hat": f["y_hat"],
              "y": y, "loss": f["loss"], "L": f["loss"]}
    grads = {("loss", "L"): 1.0, ("y_hat", "loss"): f["dL_dyhat"], ("sig", "y_hat"): f["dL_dyhat"],
             ("add", "sig"): f["delta"], ("mul", "add"): f["delta"], ("b", "add"): f["db"],
             ("w", "mul"): f["dw"], ("x", "mul"): f["delta"] * w, ("y", "loss"): -f["dL_dyhat"]}
    labels = {"mul": "×", "add": "+", "sig": "σ", "loss": "½(·)²", "y_hat": "ŷ"}
    ax = draw_graph(nodes, edges, values, grads, ops={"mul", "add", "sig", "loss"}, labels=labels,
                    captions={"add": "z", "loss": "½(y − ŷ)²"}, figsize=figsize, value_fmt="{:.4g}",
                    grad_fmt="{:.4g}")
    return ax.figure
