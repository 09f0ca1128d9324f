"""The operations of the Computation Graphs chapter, forward only, in plain float64.

Node operations (scalars or arrays, element-wise):

    add(x, y) = x + y          mul(x, y) = x·y          maximum(x, y) = max(x, y)
    exp(x) = eˣ                sigmoid(x) = 1/(1 + e⁻ˣ)  power(x, p) = xᵖ (p a fixed number)

Expressions ("programs") are described as data, so that the checks can draw random ones:
a program is a float array of shape (K, 4) whose row k is ``[op, i, j, p]`` and defines value
number ``n_inputs + k`` from earlier values ``i`` (and ``j``) — the inputs are values
``0 .. n_inputs-1``. ``op`` indexes :data:`OPS`; ``j`` is ignored by the one-input ops and
``p`` by every op except ``pow``. The expression's result is the last value. A value may be
used by several later rows (fan-out), so a program describes a DAG, not only a tree.

No gradients are defined here: the checks differentiate these forwards numerically.
"""
import numpy as np

#: Operation codes of a program row, in this order: 0 add, 1 mul, 2 max, 3 exp, 4 pow; BINARY:
#: the ops with two inputs. Defined with the probes (the sandbox builds graphs from them).
from autograder.probes.computation_graphs import ADD, BINARY, EXP, MAX, MUL, OPS, POW  # noqa: E402,F401


def add(x, y):
    return np.add(x, y, dtype=np.float64)


def mul(x, y):
    return np.multiply(x, y, dtype=np.float64)


def maximum(x, y):
    """max(x, y) element-wise (on a tie both inputs are equal, so the value is that number)."""
    return np.maximum(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))


def exp(x):
    return np.exp(np.asarray(x, dtype=np.float64))


def sigmoid(x):
    """1 / (1 + e^{-x}), evaluated without overflow."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def tanh(x):
    return np.tanh(np.asarray(x, dtype=np.float64))


def relu(x):
    """max(0, x) element-wise."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def power(x, p):
    """xᵖ for a fixed exponent p (x > 0 whenever p is not an integer)."""
    return np.power(np.asarray(x, dtype=np.float64), float(p))


def apply(op, a, b=None, p=None):
    """One program row's operation on float values ``a`` (and ``b`` / ``p``)."""
    op = int(op)
    if op == ADD:
        return float(add(a, b))
    if op == MUL:
        return float(mul(a, b))
    if op == MAX:
        return float(maximum(a, b))
    if op == EXP:
        return float(exp(a))
    if op == POW:
        return float(power(a, p))
    raise ValueError(f"unknown op code {op}")


def evaluate_all(program, inputs):
    """Every value of the program, inputs first: a float64 array of shape (n_inputs + K,)."""
    program = np.asarray(program, dtype=np.float64).reshape(-1, 4)
    vals = [float(v) for v in np.asarray(inputs, dtype=np.float64).ravel()]
    for op, i, j, p in program:
        vals.append(apply(op, vals[int(i)], vals[int(j)], p))
    return np.array(vals)


def evaluate(program, inputs):
    """The program's result (its last value) for the given inputs, a float."""
    return float(evaluate_all(program, inputs)[-1])


def describe(program, n_inputs, names=None):
    """The program as readable lines, e.g. ``v3 = v0 * v1`` (for messages and the notebook)."""
    program = np.asarray(program, dtype=np.float64).reshape(-1, 4)
    names = list(names) if names is not None else [f"v{k}" for k in range(n_inputs + len(program))]
    lines = []
    for k, (op, i, j, p) in enumerate(program):
        a, b = names[int(i)], names[int(j)]
        rhs = {ADD: f"{a} + {b}", MUL: f"{a} * {b}", MAX: f"max({a}, {b})",
               EXP: f"exp({a})", POW: f"{a} ** {p:g}"}[int(op)]
        lines.append(f"{names[n_inputs + k]} = {rhs}")
    return lines
