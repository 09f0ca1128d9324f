"""``draw_graph``: a small matplotlib-only drawer for computation graphs (no graphviz).

A graph is drawn from explicit node positions:

* **variables** (inputs, parameters, named intermediate results) are rounded boxes,
  **operations** are circles;
* an arrow ``src → dst`` means "``dst`` is computed from ``src``" (the forward direction);
* the forward value of a node is written under it, in :data:`VALUE_COLOR`;
* the backward gradient on an edge — the part of ∂(output)/∂src that flows back along that
  edge — is written at the edge's middle, in :data:`GRAD_COLOR`; optionally the total gradient
  of a node (the sum over its outgoing edges) is written under its value, in the same colour.

Example (z = (x + y)·w, drawn left to right)::

    nodes = {"x": (0, 2), "y": (0, 1), "w": (0, 0), "+": (1.5, 1.5), "*": (3, 0.75), "z": (4.3, 0.75)}
    edges = [("x", "+"), ("y", "+"), ("+", "*"), ("w", "*"), ("*", "z")]
    draw_graph(nodes, edges, values={"x": 1, ...}, grads={("x", "+"): -2, ...}, ops={"+", "*"})

The drawer knows nothing about differentiation: the numbers come from the caller (in the book,
from :mod:`dnnbook.computation_graphs`).
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .plots import is_narrow, use_style

#: Colour of forward values (text under the nodes).
VALUE_COLOR = "#1a4f8b"
#: Colour of backward gradients (text on the edges and total gradients under the nodes).
GRAD_COLOR = "#c62828"
#: Fill colours of variables and operations, and of highlighted nodes / edges.
VAR_FILL = "#eef3fb"
OP_FILL = "#fff4e0"
HIGHLIGHT = "#2e7d32"

NODE_RADIUS = 0.3          # circle radius / half-size of a box, in data units (axes are equal-aspect)


def _fmt(fmt, v):
    return fmt(v) if callable(fmt) else fmt.format(v)


def _edge_ends(p, q, r_p, r_q):
    """Start and end of an arrow from node centre p to node centre q, outside both nodes."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    d = q - p
    n = np.linalg.norm(d)
    u = d / n if n else np.zeros(2)
    return p + u * r_p, q - u * r_q


def draw_graph(nodes, edges, values=None, grads=None, ax=None, *, ops=(), labels=None,
               node_grads=None, captions=None, value_fmt="{:.3g}", grad_fmt="{:.3g}", highlight=(),
               highlight_edges=(), title=None, legend=True, figsize=(7.0, 3.2), fontsize=10):
    """Draw a computation graph and return the matplotlib ``Axes``.

    Parameters
    ----------
    nodes : dict
        ``name -> (x, y)``: the position of every node, in any units (1 unit ≈ 3 node radii
        is a comfortable spacing). The order of the dict does not matter.
    edges : list of (src, dst)
        One arrow per pair, from ``src`` to ``dst`` ("``dst`` uses ``src``"). Pairs must be unique.
    values : dict, optional
        ``name -> forward value``; written under the node in :data:`VALUE_COLOR`.
    grads : dict, optional
        ``(src, dst) -> gradient`` flowing back along that edge; written next to the middle of
        the edge in :data:`GRAD_COLOR`.
    ax : matplotlib Axes, optional
        Draw into this axes; by default a new figure of size ``figsize`` is made.
    ops : collection of str
        Names of the nodes drawn as operation circles; every other node is a variable box.
    labels : dict, optional
        ``name -> text`` shown inside the node (default: the name itself).
    node_grads : dict, optional
        ``name -> total gradient`` of the node, written under its value (e.g. ``∂z/∂x = -2``).
    captions : dict, optional
        ``name -> small text`` written above the node (e.g. the name of an operation's result).
    value_fmt, grad_fmt : str or callable
        Format of the numbers (a ``str.format`` pattern or a function).
    highlight, highlight_edges : collections
        Nodes / edges drawn in :data:`HIGHLIGHT` (e.g. the winner of a max).
    title : str, optional
    legend : bool
        Write a one-line colour key under the graph.
    """
    narrow = is_narrow()
    if narrow:            # the phone layout: the same drawing with larger text, a 2-line key
        fontsize += 2
    values = values or {}
    grads = grads or {}
    node_grads = node_grads or {}
    labels = labels or {}
    captions = captions or {}
    ops = set(ops)
    if ax is None:
        use_style()
        fig, ax = plt.subplots(figsize=figsize)
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.9 if title else 0.98)
    r = NODE_RADIUS

    # edges first, so that the nodes are drawn on top of the arrow ends
    for src, dst in edges:
        p, q = _edge_ends(nodes[src], nodes[dst], r * 1.05, r * 1.1)
        color = HIGHLIGHT if (src, dst) in highlight_edges else "0.35"
        ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=12, lw=1.4,
                                     color=color, zorder=1))
        if (src, dst) in grads:
            mid = (p + q) / 2
            d = q - p
            normal = np.array([-d[1], d[0]]) / (np.linalg.norm(d) or 1.0)
            if normal[1] < 0:                      # write above the edge
                normal = -normal
            pos = mid + 0.16 * normal
            ax.text(*pos, _fmt(grad_fmt, grads[(src, dst)]), color=GRAD_COLOR, fontsize=fontsize - 1,
                    ha="center", va="center", zorder=4, fontweight="bold",
                    bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.85))

    for name, (x, y) in nodes.items():
        edge = HIGHLIGHT if name in highlight else "0.25"
        lw = 2.2 if name in highlight else 1.2
        if name in ops:
            ax.add_patch(Circle((x, y), r, fc=OP_FILL, ec=edge, lw=lw, zorder=2))
        else:
            ax.add_patch(FancyBboxPatch((x - r * 0.95, y - r * 0.75), 1.9 * r, 1.5 * r,
                                        boxstyle="round,pad=0.02,rounding_size=0.08",
                                        fc=VAR_FILL, ec=edge, lw=lw, zorder=2))
        text = labels.get(name, name)
        ax.text(x, y, text, ha="center", va="center", zorder=3,
                fontsize=fontsize if len(text) <= 2 else fontsize - (3 if narrow else 2))
        if name in captions:
            ax.text(x, y + r + 0.04, captions[name], ha="center", va="bottom", fontsize=fontsize - 1,
                    color="0.3", style="italic", zorder=3)
        below = y - r - 0.05
        if name in values:
            ax.text(x, below, _fmt(value_fmt, values[name]), ha="center", va="top", color=VALUE_COLOR,
                    fontsize=fontsize - 1, zorder=3)
            below -= 0.27
        if name in node_grads:
            ax.text(x, below, "∂: " + _fmt(grad_fmt, node_grads[name]), ha="center", va="top",
                    color=GRAD_COLOR, fontsize=fontsize - 1, zorder=3)

    xs = np.array([p[0] for p in nodes.values()], float)
    ys = np.array([p[1] for p in nodes.values()], float)
    ax.set_xlim(xs.min() - 0.6, xs.max() + 0.6)
    key_drop = 0.5 if narrow else 0.2         # the key's baseline below the lowest node's numbers
    ax.set_ylim(ys.min() - (1.05 if node_grads else 0.8) - (key_drop + 0.1 if legend else 0), ys.max() + 0.55)
    ax.set_aspect("equal")
    ax.axis("off")
    if legend:
        ax.text(xs.min() - 0.55, ys.min() - (1.05 if node_grads else 0.8) - key_drop,
                "blue: forward value" + ("\n" if narrow else "    ") + "red: gradient flowing back"
                + (" (on an edge: its share; ∂: the total)" if node_grads else " along the edge"),
                fontsize=fontsize - 2, color="0.3", ha="left", va="bottom")
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return ax
