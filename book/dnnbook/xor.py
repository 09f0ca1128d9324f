"""The XOR chapter's worked example, training loop and figures.

The forward pass and the loss come from ``autograder.reference.xor`` (the definitions the
exercise checks use); the analytic backward pass — delta by delta — lives here, for the page.
Shapes (row-vector batches): X (N, 2), W1 (2, 2) with W1[i, j] from input i to hidden unit j,
b1 (2,), W2 (2, 1), b2 (1,), h (N, 2), y_hat (N, 1); L = 1/2 * sum_n (y_hat_n - y_n)^2.
"""
import numpy as np

from autograder.reference.xor import X_XOR, Y_XOR, accuracy, loss, sigmoid, xor_forward  # noqa: F401

from .plots import new_figure

PARAMS = ("W1", "b1", "W2", "b2")

#: The worked example's fixed starting weights.
FIXED = {"W1": np.array([[0.6, -0.3], [-0.4, 0.7]]), "b1": np.array([0.1, -0.2]),
         "W2": np.array([[0.8], [-0.5]]), "b2": np.array([0.3])}

#: Learning rate and number of epochs of the chapter's training run (from FIXED).
LR = 2.0
EPOCHS = 800


def copy_params(p):
    return {k: np.array(p[k], dtype=np.float64, copy=True) for k in PARAMS}


def backward(X, y, p):
    """Forward values, deltas and gradients of L for the batch (X, y): a dict of arrays."""
    z1 = X @ p["W1"] + p["b1"]                            # (N, 2)
    h = sigmoid(z1)
    z2 = h @ p["W2"] + p["b2"]                            # (N, 1)
    y_hat = sigmoid(z2)
    d_out = (y_hat - y) * y_hat * (1 - y_hat)             # (N, 1)  dL/dz2
    d_hid = (d_out @ p["W2"].T) * h * (1 - h)             # (N, 2)  dL/dz1
    return {"z1": z1, "h": h, "z2": z2, "y_hat": y_hat, "error": y_hat - y,
            "loss": 0.5 * float(np.sum((y_hat - y) ** 2)), "delta_out": d_out, "delta_hidden": d_hid,
            "W1": X.T @ d_hid, "b1": d_hid.sum(axis=0), "W2": h.T @ d_out, "b2": d_out.sum(axis=0)}


#: One row per parameter: (key, index, label, formula of its gradient for one pattern).
WEIGHT_ROWS = [
    ("W1", (0, 0), "W1[0,0]  (x1 → h1)", "δ_h1 · x1"),
    ("W1", (1, 0), "W1[1,0]  (x2 → h1)", "δ_h1 · x2"),
    ("W1", (0, 1), "W1[0,1]  (x1 → h2)", "δ_h2 · x1"),
    ("W1", (1, 1), "W1[1,1]  (x2 → h2)", "δ_h2 · x2"),
    ("b1", (0,), "b1[0]  (bias of h1)", "δ_h1"),
    ("b1", (1,), "b1[1]  (bias of h2)", "δ_h2"),
    ("W2", (0, 0), "W2[0,0]  (h1 → out)", "δ_out · h1"),
    ("W2", (1, 0), "W2[1,0]  (h2 → out)", "δ_out · h2"),
    ("b2", (0,), "b2[0]  (bias of out)", "δ_out"),
]


def worked_example(x=(1.0, 0.0), y=1.0, params=None):
    """Every number of the worked example for one pattern: a dict with
    ``forward`` (rows: name, formula, value), ``deltas`` (same) and ``gradients``
    (rows: label, formula, value; in WEIGHT_ROWS order) plus the raw ``backward`` dict."""
    p = copy_params(params or FIXED)
    X = np.array([x], dtype=np.float64)
    Y = np.array([[y]], dtype=np.float64)
    r = backward(X, Y, p)
    forward = [
        ("z_h1", "x1·W1[0,0] + x2·W1[1,0] + b1[0]", r["z1"][0, 0]),
        ("z_h2", "x1·W1[0,1] + x2·W1[1,1] + b1[1]", r["z1"][0, 1]),
        ("h1", "σ(z_h1)", r["h"][0, 0]),
        ("h2", "σ(z_h2)", r["h"][0, 1]),
        ("z_out", "h1·W2[0,0] + h2·W2[1,0] + b2[0]", r["z2"][0, 0]),
        ("ŷ", "σ(z_out)", r["y_hat"][0, 0]),
        ("ŷ − y", "error", r["error"][0, 0]),
        ("L", "½ (ŷ − y)²", r["loss"]),
    ]
    deltas = [
        ("δ_out", "(ŷ − y) · ŷ (1 − ŷ)", r["delta_out"][0, 0]),
        ("δ_h1", "δ_out · W2[0,0] · h1 (1 − h1)", r["delta_hidden"][0, 0]),
        ("δ_h2", "δ_out · W2[1,0] · h2 (1 − h2)", r["delta_hidden"][0, 1]),
    ]
    grads = [(label, formula, r[key][idx]) for key, idx, label, formula in WEIGHT_ROWS]
    return {"forward": forward, "deltas": deltas, "gradients": grads, "backward": r,
            "x": X, "y": Y, "params": p}


def per_pattern_gradients(params=None):
    """(G, total): G[k, n] is the gradient of parameter row k (WEIGHT_ROWS order) for XOR pattern n
    alone, shape (9, 4); ``total`` = G.sum(axis=1), the gradient of L over all four patterns."""
    p = copy_params(params or FIXED)
    G = np.zeros((len(WEIGHT_ROWS), 4))
    for n in range(4):
        r = backward(X_XOR[n:n + 1], Y_XOR[n:n + 1], p)
        G[:, n] = [r[key][idx] for key, idx, _, _ in WEIGHT_ROWS]
    return G, G.sum(axis=1)


def markdown_table(header, rows, fmt="{:+.6f}"):
    """A Markdown table; numbers are formatted with ``fmt``, strings are put in code spans
    only if they contain no spaces."""
    def cell(v):
        if isinstance(v, str):
            return v
        return fmt.format(float(v))
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def train(params, lr=LR, epochs=EPOCHS):
    """Full-batch gradient descent on XOR. Returns (history, losses): history[t] holds the
    parameters before update t + 1 (history[epochs] the final ones), losses[t] = L(history[t])."""
    p = copy_params(params)
    history, losses = [copy_params(p)], []
    for _ in range(epochs):
        r = backward(X_XOR, Y_XOR, p)
        losses.append(r["loss"])
        p = {k: p[k] - lr * r[k] for k in PARAMS}
        history.append(copy_params(p))
    return history, np.array(losses)


def final_accuracies(inits, lr=LR, epochs=EPOCHS):
    """Train many networks at once (the same updates as :func:`train`, batched over a leading
    axis S) and return each one's final accuracy on XOR, shape (S,)."""
    W1 = np.stack([p["W1"] for p in inits])               # (S, 2, 2)
    b1 = np.stack([p["b1"] for p in inits])[:, None, :]   # (S, 1, 2)
    W2 = np.stack([p["W2"] for p in inits])               # (S, 2, 1)
    b2 = np.stack([p["b2"] for p in inits])[:, None, :]   # (S, 1, 1)
    for _ in range(epochs):
        h = sigmoid(X_XOR @ W1 + b1)                      # (S, 4, 2)
        y_hat = sigmoid(h @ W2 + b2)                      # (S, 4, 1)
        d_out = (y_hat - Y_XOR) * y_hat * (1 - y_hat)
        d_hid = (d_out @ W2.transpose(0, 2, 1)) * h * (1 - h)
        W2 = W2 - lr * h.transpose(0, 2, 1) @ d_out
        b2 = b2 - lr * d_out.sum(axis=1, keepdims=True)
        W1 = W1 - lr * X_XOR.T @ d_hid
        b1 = b1 - lr * d_hid.sum(axis=1, keepdims=True)
    y_hat = sigmoid(sigmoid(X_XOR @ W1 + b1) @ W2 + b2)
    return np.mean((y_hat > 0.5) == (Y_XOR > 0.5), axis=(1, 2))


def equal_init(value=0.5):
    """Every weight equal to ``value``, biases zero: the two hidden units are identical."""
    return {"W1": np.full((2, 2), value), "b1": np.zeros(2), "W2": np.full((2, 1), value), "b2": np.zeros(1)}


def random_init(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return {"W1": scale * rng.normal(size=(2, 2)), "b1": np.zeros(2),
            "W2": scale * rng.normal(size=(2, 1)), "b2": np.zeros(1)}


def hidden_unit_gap(p):
    """Largest difference between the two hidden units' parameters (0 = identical units)."""
    return float(max(np.abs(p["W1"][:, 0] - p["W1"][:, 1]).max(), abs(p["b1"][0] - p["b1"][1]),
                     abs(p["W2"][0, 0] - p["W2"][1, 0])))


# ------------------------------------------------------------------------------ figures
GRID = np.linspace(-0.5, 1.5, 81)


def draw_boundary(ax, p, title=""):
    """ŷ over the input plane (colour), the ŷ = 0.5 contour and the four XOR patterns."""
    g1, g2 = np.meshgrid(GRID, GRID)
    pts = np.column_stack([g1.ravel(), g2.ravel()])
    _, y_hat = xor_forward(pts, p["W1"], p["b1"], p["W2"], p["b2"])
    Z = y_hat.reshape(g1.shape)
    ax.imshow(Z, origin="lower", extent=(GRID[0], GRID[-1], GRID[0], GRID[-1]), cmap="RdBu_r",
              vmin=0, vmax=1, alpha=0.75, interpolation="bilinear")
    if Z.min() < 0.5 < Z.max():
        ax.contour(g1, g2, Z, levels=[0.5], colors="k", linewidths=1.5)
    for (a, b), t in zip(X_XOR, Y_XOR[:, 0]):
        ax.scatter(a, b, s=80, marker="o" if t else "X", c="white" if t else "black",
                   edgecolors="k", zorder=3)
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xticks=[0, 1], yticks=[0, 1], xlabel="x1", ylabel="x2",
           aspect="equal", title=title)
    ax.grid(False)


def training_frame(history, losses, t, figsize=(7.0, 2.8)):
    """Decision boundary after t updates (left) and the loss up to t (right)."""
    fig, (ax, lax) = new_figure(2, figsize)
    draw_boundary(ax, history[t], f"after {t} updates")
    lax.plot(np.arange(len(losses)), losses, color="0.85", lw=1.5)
    lax.plot(np.arange(min(t + 1, len(losses))), losses[: t + 1], color="#1f77b4")
    lax.set(xlim=(0, len(losses)), ylim=(0, 1.05 * losses.max()), yticks=[0, 0.25, 0.5],
            xlabel="epoch", ylabel="L = ½Σ(ŷ − y)²", title=f"loss, L = {_loss_at(history, t):.4f}")
    return fig


def _loss_at(history, t):
    p = history[t]
    return loss(X_XOR, Y_XOR, p["W1"], p["b1"], p["W2"], p["b2"])


def long_runs(inits, checkpoints, lr=LR):
    """Train several networks at once (the updates of :func:`train`, batched over a leading axis S)
    and record, at each epoch count in ``checkpoints`` (increasing), every run's loss L, the norm
    of its full gradient ‖∂L/∂θ‖ and the norm of all its parameters ‖θ‖ (θ = all nine numbers).
    Returns a dict of arrays of shape (len(checkpoints), S) plus ``params`` (the final ones, a list)."""
    W1 = np.stack([p["W1"] for p in inits])               # (S, 2, 2)
    b1 = np.stack([p["b1"] for p in inits])[:, None, :]   # (S, 1, 2)
    W2 = np.stack([p["W2"] for p in inits])               # (S, 2, 1)
    b2 = np.stack([p["b2"] for p in inits])[:, None, :]   # (S, 1, 1)
    out = {"loss": [], "grad_norm": [], "param_norm": []}
    t, todo = 0, list(checkpoints)
    while todo:
        h = sigmoid(X_XOR @ W1 + b1)                      # (S, 4, 2)
        y_hat = sigmoid(h @ W2 + b2)                      # (S, 4, 1)
        d_out = (y_hat - Y_XOR) * y_hat * (1 - y_hat)
        d_hid = (d_out @ W2.transpose(0, 2, 1)) * h * (1 - h)
        g = [X_XOR.T @ d_hid, d_hid.sum(axis=1, keepdims=True), h.transpose(0, 2, 1) @ d_out,
             d_out.sum(axis=1, keepdims=True)]
        if t == todo[0]:
            todo.pop(0)
            flat = lambda arrs: np.sqrt(sum((a.reshape(len(a), -1) ** 2).sum(axis=1) for a in arrs))
            out["loss"].append(0.5 * ((y_hat - Y_XOR) ** 2).sum(axis=(1, 2)))
            out["grad_norm"].append(flat(g))
            out["param_norm"].append(flat([W1, b1, W2, b2]))
        W1, b1, W2, b2 = W1 - lr * g[0], b1 - lr * g[1], W2 - lr * g[2], b2 - lr * g[3]
        t += 1
    res = {k: np.array(v) for k, v in out.items()}
    res["params"] = [{"W1": W1[s], "b1": b1[s, 0], "W2": W2[s], "b2": b2[s, 0]} for s in range(len(inits))]
    return res


#: Node positions of the network figure (input, hidden and output layer from left to right).
NODE_XY = {"x1": (0.0, 1.6), "x2": (0.0, 0.0), "h1": (2.4, 1.6), "h2": (2.4, 0.0), "ŷ": (4.8, 0.8)}


def network_edges(p):
    """The figure's edges as (from, to, weight label, value): every weight of ``p``."""
    return [("x1", "h1", "W1[0,0]", p["W1"][0, 0]), ("x2", "h1", "W1[1,0]", p["W1"][1, 0]),
            ("x1", "h2", "W1[0,1]", p["W1"][0, 1]), ("x2", "h2", "W1[1,1]", p["W1"][1, 1]),
            ("h1", "ŷ", "W2[0,0]", p["W2"][0, 0]), ("h2", "ŷ", "W2[1,0]", p["W2"][1, 0])]


def draw_network(p=None, figsize=(6.4, 3.0)):
    """The 2-2-1 network with every weight written on its edge and every bias under its unit."""
    p = copy_params(p or FIXED)
    fig, (ax,) = new_figure(1, figsize)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.9)
    r = 0.32
    biases = {"h1": p["b1"][0], "h2": p["b1"][1], "ŷ": p["b2"][0]}
    # label positions along each edge, chosen so that the two crossing edges' labels do not meet
    where = {("x1", "h2"): 0.25, ("x2", "h1"): 0.25, ("x1", "h1"): 0.5, ("x2", "h2"): 0.5}
    for a, b, name, v in network_edges(p):
        (xa, ya), (xb, yb) = NODE_XY[a], NODE_XY[b]
        ax.annotate("", xy=(xb - r * (xb - xa) / np.hypot(xb - xa, yb - ya), yb - r * (yb - ya) / np.hypot(xb - xa, yb - ya)),
                    xytext=(xa, ya), arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.3, shrinkA=r * 40))
        f = where.get((a, b), 0.5)
        ax.text(xa + f * (xb - xa), ya + f * (yb - ya), f"{v:+.1f}", ha="center", va="center", fontsize=10,
                color="#c62828", bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    for n, (x, y) in NODE_XY.items():
        ax.add_patch(_circle((x, y), r))
        ax.text(x, y, n, ha="center", va="center", fontsize=11)
        if n in biases:
            ax.text(x, y - r - 0.18, f"bias {biases[n]:+.1f}", ha="center", va="top", fontsize=9, color="#1a4f8b")
    ax.set(xlim=(-0.6, 5.4), ylim=(-0.75, 2.1), aspect="equal", title="The worked example's starting weights")
    ax.axis("off")
    return fig


def _circle(xy, r):
    from matplotlib.patches import Circle
    return Circle(xy, r, fc="#eef3fb", ec="0.2", lw=1.2, zorder=2)


class Table:
    """A table for the page: Jupyter shows it as Markdown, the book (whose output renderer does
    not parse Markdown tables) as HTML. Same header, rows and number format as
    :func:`markdown_table`."""

    def __init__(self, header, rows, fmt="{:+.6f}"):
        self.header, self.rows, self.fmt = list(header), [list(r) for r in rows], fmt

    def _cell(self, v):
        return v if isinstance(v, str) else self.fmt.format(float(v))

    def _repr_markdown_(self):
        return markdown_table(self.header, self.rows, self.fmt)

    def _repr_html_(self):
        import html
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(self._cell(v))}</td>" for v in r) + "</tr>"
                       for r in self.rows)
        return (f'<div class="table-wrapper" style="overflow-x:auto"><table class="table">'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def table(header, rows, fmt="{:+.6f}"):
    return Table(header, rows, fmt)
