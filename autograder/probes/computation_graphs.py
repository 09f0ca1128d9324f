"""Probes of the Computation Graphs exercise (judged by :mod:`autograder.specs.computation_graphs`).

Imports only numpy and :mod:`autograder.probe`: this is all the sandbox holds of the checks.
The stand-in graph that ``topological_order`` and ``backward`` run on is built from data the host computed (each node's
value and each op's local derivatives: case keys ``values`` and ``local``), so nothing here knows
how to evaluate or differentiate an expression."""
import numpy as np

from autograder.probe import hands_out_entries

#: Operation codes of a program row (see :mod:`autograder.reference.computation_graphs`, which
#: imports them from here): 0 add, 1 mul, 2 max, 3 exp, 4 pow.
OPS = ("add", "mul", "max", "exp", "pow")
ADD, MUL, MAX, EXP, POW = range(5)
#: The ops with two inputs.
BINARY = (ADD, MUL, MAX)

#: The node classes each node item checks: (class name, number of inputs, constructor case keys,
#: largest |x| the class is checked at).
NODE_ITEMS = {
    "add_mul": [("AddNode", 2, (), np.inf), ("MulNode", 2, (), np.inf)],
    "max": [("MaxNode", 2, (), np.inf)],
    "exp_sigmoid": [("ExpNode", 1, (), 40.0), ("SigmoidNode", 1, (), np.inf)],
    "pow": [("PowNode", 1, ("p",), np.inf)],
}


def _number(value, what):
    """A scalar result as a float; anything else raises a TypeError that says what was wrong."""
    if value is None:
        raise TypeError(f"{what} returned None — did you forget a `return` statement?")
    if isinstance(value, (tuple, list)):
        raise TypeError(f"{what} returned a {type(value).__name__} of {len(value)}; "
                        f"it must return one number here.")
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} returned {type(value).__name__} {arr.shape}; it must return one number.")
    return float(arr.reshape(()))


def _pair(value, what):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{what} must return a pair (dx, dy); it returned {type(value).__name__}"
                        + (f" of length {len(value)}" if isinstance(value, (tuple, list)) else "") + ".")
    return _number(value[0], what + "[0]"), _number(value[1], what + "[1]")


def node_probe(ops):
    def probe(rec, case):
        for cls_name, arity, ctor_keys, max_abs in ops:
            if np.abs(case["x"]).max() > max_abs:
                continue
            xs = [float(v) for v in case["x"]]
            ys = [float(v) for v in case["y"]] if arity == 2 else [None] * len(xs)
            ctor = [float(case[c]) for c in ctor_keys]
            state = {}

            def run_forward():
                cls = rec.ns.get(cls_name)
                if cls is None:
                    raise NameError(f"`{cls_name}` is not defined — run the cell that defines it.")
                # Every entry gets its own node; all forwards run before any backward, so a node
                # that keeps its state in the class (shared) instead of the instance is caught.
                state["nodes"] = [cls(*ctor) for _ in xs]
                return [_number(node.forward(*((x, y) if arity == 2 else (x,))), f"{cls_name}.forward")
                        for node, x, y in zip(state["nodes"], xs, ys)]

            out = rec.invoke(f"{cls_name}/out", cls_name, run_forward)
            if out is None:
                rec.fail(f"{cls_name}/dx", f"{cls_name}.backward was not checked: the forward pass failed.")
                continue
            rec.keep(f"{cls_name}/out", np.array(out, dtype=np.float64))

            def run_backward():
                grads = {}
                for k in reversed(range(len(xs))):
                    res = state["nodes"][k].backward(float(case["dout"][k]))
                    grads[k] = _pair(res, f"{cls_name}.backward") if arity == 2 else \
                        (_number(res, f"{cls_name}.backward"),)
                return [grads[k] for k in range(len(xs))]

            g = rec.invoke(f"{cls_name}/dx", f"{cls_name}.backward", run_backward)
            if g is not None:
                g = np.array(g, dtype=np.float64)
                rec.keep(f"{cls_name}/dx", g[:, 0])
                if arity == 2:
                    rec.keep(f"{cls_name}/dy", g[:, 1])
    return hands_out_entries("x", "y", "dout")(probe)     # node.forward(float(x[k]), …), backward(float(dout[k]))


class _Node:
    """The checks' own graph node, with the interface the learner's ``topological_order`` and
    ``backward`` are written against: ``data``, ``grad``, ``_prev`` (tuple of parents) and
    ``_backward`` (adds this node's grad times the local derivatives to its parents' grads)."""

    def __init__(self, data, prev=(), op="", local=()):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(prev)
        self._op = op
        self._local = tuple(local)          # d(this node)/d(parent), one per parent

    def _backward(self):
        for parent, derivative in zip(self._prev, self._local):
            parent.grad += derivative * self.grad

    def __repr__(self):
        return f"Node({self._op or 'leaf'}, data={self.data:.4g}, grad={self.grad:.4g})"


def _build_nodes(case):
    """Stand-in nodes of ``case["program"]``: values ``case["values"]`` (inputs first) and local
    derivatives ``case["local"]`` (one row (d/da, d/db) per program row), both from the host."""
    prog, values, local = case["program"], case["values"], case["local"]
    n_in = len(values) - len(prog)
    nodes = [_Node(v) for v in values[:n_in]]
    for k, (op, i, j, p) in enumerate(prog):
        a, b = nodes[int(i)], nodes[int(j)]
        prev = (a, b) if int(op) in BINARY else (a,)
        nodes.append(_Node(values[n_in + k], prev, OPS[int(op)],
                           (float(local[k, 0]), float(local[k, 1]))[:len(prev)]))
    return nodes


def _topo_probe(rec, case):
    nodes = _build_nodes(case)
    order = rec.call("order", "topological_order", nodes[-1])
    if order is None:
        return
    try:
        order = list(order)
    except TypeError:
        rec.fail("order", f"`topological_order` returned a {type(order).__name__}; return a list of nodes.")
        return
    where = {id(n): k for k, n in enumerate(nodes)}
    rec.keep("order", np.array([where.get(id(v), -1) for v in order], dtype=np.float64).reshape(-1))


def _as_float(v):
    try:
        return float(v)
    except Exception:
        return np.nan


def _backward_probe(rec, case):
    nodes = _build_nodes(case)
    rec.call("run", "backward", nodes[-1])
    rec.keep("grads", np.array([_as_float(n.grad) for n in nodes]))


def _apply_value(op, a, b, p):
    op = int(op)
    if op == ADD:
        return a + b
    if op == MUL:
        return a * b
    if op == MAX:
        return a.max(b)
    if op == EXP:
        return a.exp()
    return a ** float(p)


def _value_expr_probe(rec, case):
    prog, inputs = case["program"], case["inputs"]

    def build():
        Value = rec.ns.get("Value")
        if Value is None:
            raise NameError("`Value` is not defined — run the cell that defines it.")
        vals = [Value(float(x)) for x in inputs]
        for op, i, jj, p in prog:
            vals.append(_apply_value(op, vals[int(i)], vals[int(jj)], p))
        return vals

    vals = rec.invoke("build", "building the expression with Value", build)
    if vals is None:
        return
    data = rec.invoke("build", "reading .data", lambda: [_number(v.data, "Value.data") for v in vals])
    if data is None:
        return
    rec.keep("data", np.array(data))
    rec.call("run", "backward", vals[-1])
    rec.keep("grads", np.array([_as_float(v.grad) for v in vals]))


VALUE_OPS = ("add", "mul", "max", "exp", "pow", "add_self", "mul_self")


def _value_op(name, a, b, p):
    return {"add": lambda: a + b, "mul": lambda: a * b, "max": lambda: a.max(b), "exp": lambda: a.exp(),
            "pow": lambda: a ** p, "add_self": lambda: a + a, "mul_self": lambda: a * a}[name]()


def _value_ops_probe(rec, case):
    for name in VALUE_OPS:
        def run(name=name):
            Value = rec.ns.get("Value")
            if Value is None:
                raise NameError("`Value` is not defined — run the cell that defines it.")
            res = []
            for k in range(case["x"].size):
                a, b = Value(float(case["x"][k])), Value(float(case["y"][k]))
                out = _value_op(name, a, b, float(case["p"]))
                data = _number(out.data, f"the {name} result's .data")
                prev = tuple(out._prev)
                expected = (a, a) if name.endswith("_self") else ((a, b) if name in ("add", "mul", "max") else (a,))
                links = float(sorted(map(id, prev)) == sorted(map(id, expected)))
                # grads already hold something (as if the value were used elsewhere too)
                a.grad, b.grad = float(case["gx"][k]), float(case["gy"][k])
                out.grad = float(case["dout"][k])
                out._backward()
                res.append((data, links, _number(a.grad, "a.grad"), _number(b.grad, "b.grad")))
            return res
        res = rec.invoke(name, f"Value {name}", run)
        if res is not None:
            rec.keep(name, np.array(res, dtype=np.float64))


ACTIVATIONS = ("tanh", "relu")


def _value_activations_probe(rec, case):
    """The learner's functions tanh(v) and relu(v) on fresh Values of the given Value class."""
    for name in ACTIVATIONS:
        def run(name=name):
            Value, fn = rec.ns.get("Value"), rec.ns.get(name)
            if Value is None:
                raise NameError("`Value` is not defined — run the cell that defines it.")
            if fn is None:
                raise NameError(f"`{name}` is not defined — run the cell that defines it.")
            res = []
            for k in range(case["x"].size):
                a = Value(float(case["x"][k]))
                out = fn(a)
                data = _number(out.data, f"{name}(v).data")
                links = float(tuple(map(id, out._prev)) == (id(a),))
                a.grad = float(case["gx"][k])           # as if a were used elsewhere too
                out.grad = float(case["dout"][k])
                out._backward()
                res.append((data, links, _number(a.grad, "v.grad")))
            return res
        res = rec.invoke(name, f"{name}(v)", run)
        if res is not None:
            rec.keep(name, np.array(res, dtype=np.float64))


PROBES = {name: node_probe(ops) for name, ops in NODE_ITEMS.items()}
PROBES.update(value_ops=_value_ops_probe, topo_order=_topo_probe, backward=_backward_probe,
              fan_out=_value_expr_probe, random_expressions=_value_expr_probe,
              value_activations=_value_activations_probe)
