"""A tiny scalar computation graph for the Computation Graphs chapter (and the chain-rule chapter).

:class:`Graph` holds named nodes — inputs and operations — evaluates them in topological order
and back-propagates in reverse order, keeping the gradient that flows along every edge. The
forward operations are the course's reference definitions
(:mod:`autograder.reference.computation_graphs`); the local derivatives below are the analytic
ones the chapter teaches. ``tests/test_computation_graphs_chapter.py`` checks every number this
module produces against central differences.

The worked examples of the chapter, with the node positions used to draw them:

* :func:`simple_example` — z = (x + y)·w;
* :func:`larger_example` — f = (x·y + max(y, z))·w, where y is used twice (fan-out);
* :func:`neuron_example` — a sigmoid neuron a = σ(w₀x₀ + w₁x₁ + b).
"""
from autograder.reference import computation_graphs as ref

from .graphs import draw_graph

#: The operations a node can perform, with their number of inputs.
ARITY = {"add": 2, "mul": 2, "max": 2, "exp": 1, "pow": 1, "sigmoid": 1}
#: How an operation is shown inside its circle.
SYMBOL = {"add": "+", "mul": "×", "max": "max", "exp": "exp", "pow": "^", "sigmoid": "σ"}


def topological_order(parents, root):
    """Depth-first search: every node ``root`` depends on, each after its parents.

    ``parents``: dict ``name -> tuple of parent names`` (inputs have ``()``).
    """
    order, visited = [], set()

    def visit(n):
        if n not in visited:
            visited.add(n)
            for p in parents[n]:
                visit(p)
            order.append(n)

    visit(root)
    return order


class Graph:
    """A scalar computation graph with named nodes.

    >>> g = Graph()
    >>> g.input("x", 1.0); g.input("y", 3.0); g.input("w", -2.0)
    >>> g.op("q", "add", "x", "y"); g.op("z", "mul", "q", "w")
    >>> g.forward()["z"], g.backward()[0]["x"]
    (-8.0, -2.0)
    """

    def __init__(self):
        self.kind = {}          # name -> "input" or an op name from ARITY
        self.parents = {}       # name -> tuple of parent names
        self.param = {}         # name -> exponent of a "pow" node
        self.inputs = {}        # name -> value of an input node
        self.output = None      # the last node added
        self.values = None
        self.grads = None
        self.edge_grads = None

    def input(self, name, value):
        self.kind[name], self.parents[name], self.inputs[name] = "input", (), float(value)
        self.output = name

    def op(self, name, kind, *parents, p=None):
        if len(parents) != ARITY[kind]:
            raise ValueError(f"{kind} takes {ARITY[kind]} input(s), got {len(parents)}")
        self.kind[name], self.parents[name] = kind, tuple(parents)
        if kind == "pow":
            self.param[name] = float(p)
        self.output = name

    def order(self, root=None):
        return topological_order(self.parents, root or self.output)

    # -- forward: each node after its parents --------------------------------------------------
    def _apply(self, name, args):
        kind = self.kind[name]
        if kind == "add":
            return float(ref.add(*args))
        if kind == "mul":
            return float(ref.mul(*args))
        if kind == "max":
            return float(ref.maximum(*args))
        if kind == "exp":
            return float(ref.exp(args[0]))
        if kind == "pow":
            return float(ref.power(args[0], self.param[name]))
        return float(ref.sigmoid(args[0]))

    def forward(self, root=None):
        """Evaluate in topological order; returns and stores ``values``: name -> float."""
        vals = {}
        for n in self.order(root):
            vals[n] = self.inputs[n] if self.kind[n] == "input" else \
                self._apply(n, [vals[p] for p in self.parents[n]])
        self.values = vals
        return vals

    # -- backward: reverse order, local derivative × upstream gradient --------------------------
    def local_grads(self, name):
        """∂(node)/∂(each parent) at the current values, one float per parent.
        A max routes to the first input on a tie."""
        v, kind = self.values, self.kind[name]
        args = [v[p] for p in self.parents[name]]
        out = v[name]
        if kind == "add":
            return (1.0, 1.0)
        if kind == "mul":
            return (args[1], args[0])                      # multiply swaps its inputs
        if kind == "max":
            return (1.0, 0.0) if args[0] >= args[1] else (0.0, 1.0)
        if kind == "exp":
            return (out,)
        if kind == "pow":
            p = self.param[name]
            return (p * args[0] ** (p - 1),)
        return (out * (1.0 - out),)                        # sigmoid

    def backward(self, root=None):
        """Reverse-mode pass from ``root`` (default: the last node).

        Returns ``(grads, edge_grads)``: ``grads[name]`` = ∂root/∂name (summed
        over every use of the node), ``edge_grads[(parent, child)]`` = the part
        of it that flows back along that edge. Both are stored on the graph too.
        """
        root = root or self.output
        order = self.order(root)
        if self.values is None or any(n not in self.values for n in order):
            self.forward(root)
        grads = {n: 0.0 for n in order}
        grads[root] = 1.0
        edges = {}
        for n in reversed(order):                # every use of n is already counted
            for p, local in zip(self.parents[n], self.local_grads(n)):
                g = grads[n] * local
                edges[(p, n)] = edges.get((p, n), 0.0) + g
                grads[p] += g                    # fan-out: contributions ADD
        self.grads, self.edge_grads = grads, edges
        return grads, edges

    def draw(self, positions, ax=None, show_node_grads=True, title=None, labels=None, **kw):
        """Draw the graph with :func:`dnnbook.graphs.draw_graph`: forward values under the
        nodes, edge gradients on the edges (and total gradients under the nodes). Operations
        show their symbol inside the circle and their name above it."""
        if self.grads is None:
            self.backward()
        ops = {n for n in self.kind if self.kind[n] != "input"}
        names = dict(labels or {})
        for n in ops:
            names.setdefault(n, SYMBOL[self.kind[n]] if self.kind[n] != "pow" else f"^{self.param[n]:g}")
        edges = [(p, n) for n in self.kind for p in dict.fromkeys(self.parents[n])]
        kw.setdefault("captions", {n: n for n in ops})
        return draw_graph(positions, edges, values=self.values, grads=self.edge_grads, ax=ax, ops=ops,
                          labels=names, node_grads=self.grads if show_node_grads else None,
                          title=title, **kw)


# ------------------------------------------------------------------ the chapter's examples
def simple_example(x=1.0, y=3.0, w=-2.0):
    """z = (x + y)·w; the sum is node ``q``. Returns a forward- and backward-evaluated Graph."""
    g = Graph()
    g.input("x", x)
    g.input("y", y)
    g.input("w", w)
    g.op("q", "add", "x", "y")
    g.op("z", "mul", "q", "w")
    g.backward()
    return g


SIMPLE_POS = {"x": (0.0, 1.6), "y": (0.0, 0.5), "w": (0.0, -0.6), "q": (2.0, 1.05), "z": (4.0, 0.2)}


def larger_example(x=2.0, y=3.0, z=1.0, w=-2.0):
    """f = (x·y + max(y, z))·w with nodes p = x·y, m = max(y, z), s = p + m, f = s·w.
    ``y`` feeds both the product and the max (fan-out)."""
    g = Graph()
    for name, v in (("x", x), ("y", y), ("z", z), ("w", w)):
        g.input(name, v)
    g.op("p", "mul", "x", "y")
    g.op("m", "max", "y", "z")
    g.op("s", "add", "p", "m")
    g.op("f", "mul", "s", "w")
    g.backward()
    return g


LARGER_POS = {"x": (0.0, 2.4), "y": (0.0, 1.2), "z": (0.0, 0.0), "w": (0.0, -1.2),
              "p": (2.0, 2.1), "m": (2.0, 0.3), "s": (3.9, 1.2), "f": (5.8, 0.0)}


def neuron_example(x0=1.0, x1=-2.0, w0=0.5, w1=-1.0, b=0.3):
    """A sigmoid neuron a = σ(w₀x₀ + w₁x₁ + b): nodes u0 = w₀x₀, u1 = w₁x₁, v = u0 + u1,
    zz = v + b (the pre-activation), a = σ(zz)."""
    g = Graph()
    for name, v in (("w0", w0), ("x0", x0), ("w1", w1), ("x1", x1), ("b", b)):
        g.input(name, v)
    g.op("u0", "mul", "w0", "x0")
    g.op("u1", "mul", "w1", "x1")
    g.op("v", "add", "u0", "u1")
    g.op("zz", "add", "v", "b")
    g.op("a", "sigmoid", "zz")
    g.backward()
    return g


NEURON_POS = {"w0": (0.0, 5.2), "x0": (0.0, 3.9), "w1": (0.0, 2.6), "x1": (0.0, 1.3), "b": (0.0, 0.0),
              "u0": (2.0, 4.55), "u1": (2.0, 1.95), "v": (3.8, 3.25), "zz": (5.4, 1.6), "a": (7.0, 1.6)}
NEURON_CAPTIONS = {"u0": "", "u1": "", "v": "", "zz": "z", "a": "a"}


def routing_examples():
    """One two-node graph per routing rule, each ``(title, Graph)`` evaluated at fixed numbers,
    with the output's gradient seeded to 1 through a final ×(upstream) node so that the
    upstream gradient is not 1: out = op(x1, x2) · g with g = 2. The operation's inputs are named
    "x1" and "x2" (the page's x₁, x₂; a and b are an activation and a bias in the course)."""
    rows = []
    for title, kind, x1, x2 in (("add distributes", "add", 3.0, -1.0),
                                ("multiply swaps", "mul", 3.0, -1.0),
                                ("max routes to the winner", "max", 3.0, -1.0)):
        g = Graph()
        g.input("x1", x1)
        g.input("x2", x2)
        g.input("g", 2.0)
        g.op("o", kind, "x1", "x2")
        g.op("out", "mul", "o", "g")
        g.backward()
        rows.append((title, g))
    g = Graph()                                   # fan-out: x1 is used by both the product and the sum
    g.input("x1", 3.0)
    g.input("x2", -1.0)
    g.input("g", 2.0)
    g.op("t", "mul", "x1", "x2")
    g.op("o", "add", "t", "x1")
    g.op("out", "mul", "o", "g")
    g.backward()
    rows.append(("fan-out adds", g))
    return rows
