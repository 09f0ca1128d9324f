"""Wrong and unusual implementations for the computation-graphs exercise.

``MUTANTS[name] = (item, code[, also])``: ``code`` is appended to item's answer cell and breaks
ONE thing; the submission must lose exactly the points of ``test_<item>`` plus those of the items
in ``also`` — the items that run the broken code too (``fan_out`` and ``random_expressions`` grade
``Value``, ``topological_order`` and ``backward`` together; ``backward`` calls
``topological_order``).
``UNUSUAL[name] = (item, code)``: correct but differently written; must keep full marks.
"""

WHOLE = ("fan_out", "random_expressions")

MUTANTS = {
    # ---- node classes
    "AddNode routes the gradient to x only": ("add_mul", """
def _bad(self, dout):
    return dout, 0.0
AddNode.backward = _bad
"""),
    "MulNode forgets to swap": ("add_mul", """
def _bad(self, dout):
    return dout * self.x, dout * self.y
MulNode.backward = _bad
"""),
    "MulNode sign flipped": ("add_mul", """
def _bad(self, dout):
    return -dout * self.y, -dout * self.x
MulNode.backward = _bad
"""),
    "MaxNode routes to both inputs": ("max", """
def _bad(self, dout):
    return dout, dout
MaxNode.backward = _bad
"""),
    "MaxNode routes to the loser": ("max", """
def _bad(self, dout):
    return (0.0, dout) if self.x_wins else (dout, 0.0)
MaxNode.backward = _bad
"""),
    "MaxNode routes a tie to y": ("max", """
def _bad(self, x, y):
    self.x_wins = x > y
    return max(x, y)
MaxNode.forward = _bad
"""),
    "ExpNode backward uses the input": ("exp_sigmoid", """
class ExpNode:
    def forward(self, x):
        self.x = x
        return math.exp(x)

    def backward(self, dout):
        return dout * self.x
"""),
    "SigmoidNode derivative of the wrong thing": ("exp_sigmoid", """
class SigmoidNode:
    def forward(self, x):
        self.x = x
        return 1.0 / (1.0 + np.exp(-x))

    def backward(self, dout):
        return dout * self.x * (1 - self.x)
"""),
    "SigmoidNode keeps its state on the class": ("exp_sigmoid", """
class SigmoidNode:
    def forward(self, x):
        SigmoidNode.out = 1.0 / (1.0 + np.exp(-x))
        return SigmoidNode.out

    def backward(self, dout):
        return dout * SigmoidNode.out * (1.0 - SigmoidNode.out)
"""),
    "PowNode exponent not lowered": ("pow", """
def _bad(self, dout):
    return dout * self.p * self.x ** self.p
PowNode.backward = _bad
"""),
    "PowNode returns a tuple": ("pow", """
def _bad(self, dout):
    return (dout * self.p * self.x ** (self.p - 1),)
PowNode.backward = _bad
"""),
    # ---- Value
    "Value add overwrites (=) instead of accumulating": ("value_ops", """
def _bad(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data + other.data, (self, other), "+")
    def _backward():
        self.grad = out.grad
        other.grad = out.grad
    out._backward = _backward
    return out
Value.__add__ = _bad
""", WHOLE),
    "Value mul forgets to swap": ("value_ops", """
def _bad(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), "*")
    def _backward():
        self.grad += self.data * out.grad
        other.grad += other.data * out.grad
    out._backward = _backward
    return out
Value.__mul__ = _bad
""", WHOLE),
    "Value max routes to both": ("value_ops", """
def _bad(self, other):
    out = Value(max(self.data, other.data), (self, other), "max")
    def _backward():
        self.grad += out.grad
        other.grad += out.grad
    out._backward = _backward
    return out
Value.max = _bad
""", WHOLE),
    "Value exp backward uses the input": ("value_ops", """
def _bad(self):
    out = Value(math.exp(self.data), (self,), "exp")
    def _backward():
        self.grad += self.data * out.grad
    out._backward = _backward
    return out
Value.exp = _bad
""", WHOLE),
    "Value pow sign error": ("value_ops", """
def _bad(self, p):
    out = Value(self.data ** p, (self,), "**")
    def _backward():
        self.grad -= p * self.data ** (p - 1) * out.grad
    out._backward = _backward
    return out
Value.__pow__ = _bad
""", WHOLE),
    "Value mul forgets the upstream grad": ("value_ops", """
def _bad(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), "*")
    def _backward():
        self.grad += other.data
        other.grad += self.data
    out._backward = _backward
    return out
Value.__mul__ = _bad
""", WHOLE),
    # ---- topological order and backward
    "topological order reversed (root first)": ("topo_order", """
_good_topo = topological_order
def topological_order(root):
    return _good_topo(root)[::-1]
""", ("backward",) + WHOLE),
    "topological order without a visited set": ("topo_order", """
def topological_order(root):
    order = []
    def visit(v):
        for parent in v._prev:
            visit(parent)
        order.append(v)
    visit(root)
    return order
""", ("backward",) + WHOLE),
    "topological order misses the root": ("topo_order", """
_good_topo = topological_order
def topological_order(root):
    return _good_topo(root)[:-1]
""", ("backward",) + WHOLE),
    "backward forgets the seed": ("backward", """
def backward(root):
    for v in reversed(topological_order(root)):
        v._backward()
""", WHOLE),
    "backward in forward order": ("backward", """
def backward(root):
    root.grad = 1.0
    for v in topological_order(root):
        v._backward()
""", WHOLE),
    "backward recursive, before gradients are complete": ("backward", """
def backward(root):
    root.grad = 1.0
    def go(v):
        v._backward()
        for parent in v._prev:
            go(parent)
    go(root)
""", WHOLE),
    "tanh slope through the input (1 - x**2)": ("value_activations", """
def tanh(v):
    out = Value(math.tanh(v.data), (v,), "tanh")
    def _backward():
        v.grad += (1.0 - v.data ** 2) * out.grad
    out._backward = _backward
    return out
"""),
    "tanh backward forgets out.grad": ("value_activations", """
def tanh(v):
    out = Value(math.tanh(v.data), (v,), "tanh")
    def _backward():
        v.grad += 1.0 - out.data ** 2
    out._backward = _backward
    return out
"""),
    "tanh backward overwrites v.grad (=)": ("value_activations", """
def tanh(v):
    out = Value(math.tanh(v.data), (v,), "tanh")
    def _backward():
        v.grad = (1.0 - out.data ** 2) * out.grad
    out._backward = _backward
    return out
"""),
    "tanh slope 1 - t (sigmoid habit)": ("value_activations", """
def tanh(v):
    out = Value(math.tanh(v.data), (v,), "tanh")
    def _backward():
        v.grad += (1.0 - out.data) * out.grad
    out._backward = _backward
    return out
"""),
    "relu passes the gradient at 0 (v.data >= 0)": ("value_activations", """
def relu(v):
    out = Value(v.data if v.data > 0 else 0.0, (v,), "relu")
    def _backward():
        if v.data >= 0:
            v.grad += out.grad
    out._backward = _backward
    return out
"""),
    "relu passes the gradient everywhere": ("value_activations", """
def relu(v):
    out = Value(v.data if v.data > 0 else 0.0, (v,), "relu")
    def _backward():
        if True:
            v.grad += out.grad
    out._backward = _backward
    return out
"""),
    "relu as v.max(0) (a tie at 0 goes to v)": ("value_activations", """
def relu(v):
    return v.max(0.0)
"""),
    "relu without the parent in _prev": ("value_activations", """
def relu(v):
    out = Value(v.data if v.data > 0 else 0.0, (), "relu")
    def _backward():
        if v.data > 0:
            v.grad += out.grad
    out._backward = _backward
    return out
"""),
}

UNUSUAL = {
    "nodes with numpy and argmax": ("max", """
class MaxNode:
    def forward(self, x, y):
        self.k = int(np.argmax([x, y]))          # the first maximum: x on a tie
        return np.float64([x, y][self.k])

    def backward(self, dout):
        g = np.zeros(2)
        g[self.k] = dout
        return tuple(g)
"""),
    "sigmoid via tanh, exp via numpy": ("exp_sigmoid", """
class ExpNode:
    def forward(self, x):
        self.y = np.exp(np.float64(x))
        return self.y

    def backward(self, dout):
        return self.y * dout


class SigmoidNode:
    def forward(self, x):
        self.s = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.s

    def backward(self, dout):
        return dout * (self.s - self.s ** 2)
"""),
    "pow via math.pow and stored output": ("pow", """
class PowNode:
    def __init__(self, p):
        self.p = float(p)

    def forward(self, x):
        self.x, self.out = x, math.pow(x, self.p) if x > 0 or self.p == int(self.p) else float('nan')
        return self.out

    def backward(self, dout):
        if self.x != 0:
            return dout * self.p * self.out / self.x
        return dout * self.p * self.x ** (self.p - 1)
"""),
    "Value with local-gradient lists and one generic _backward": ("value_ops", """
class Value:
    def __init__(self, data, _prev=(), _op="", _local=()):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_prev)
        self._op = _op
        self._local = tuple(_local)

    def _backward(self):
        for parent, d in zip(self._prev, self._local):
            parent.grad = parent.grad + d * self.grad

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*", (other.data, self.data))

    def max(self, other):
        other = other if isinstance(other, Value) else Value(other)
        w = float(self.data >= other.data)
        return Value(max(self.data, other.data), (self, other), "max", (w, 1.0 - w))

    def exp(self):
        e = np.exp(self.data)
        return Value(e, (self,), "exp", (e,))

    def __pow__(self, p):
        return Value(self.data ** p, (self,), "**", (p * self.data ** (p - 1),))

    __radd__ = __add__
    __rmul__ = __mul__
"""),
    "topological order with an explicit stack": ("topo_order", """
def topological_order(root):
    order, done, stack = [], set(), [(root, False)]
    while stack:
        v, expanded = stack.pop()
        if expanded:
            if id(v) not in done:
                done.add(id(v))
                order.append(v)
            continue
        if id(v) in done:
            continue
        stack.append((v, True))
        for parent in reversed(v._prev):
            if id(parent) not in done:
                stack.append((parent, False))
    return order
"""),
    "backward that zeroes every grad first, own DFS": ("backward", """
def backward(root):
    seen, order = set(), []
    def visit(v):
        if v in seen:
            return
        seen.add(v)
        for p in v._prev:
            visit(p)
        order.append(v)
    visit(root)
    for v in order:
        v.grad = 0.0
    root.grad = 1.0
    for v in order[::-1]:
        v._backward()
"""),
    "tanh from exponentials, slope via cosh": ("value_activations", """
def tanh(v):
    e2 = math.exp(2 * v.data)
    out = Value((e2 - 1) / (e2 + 1), [v], "tanh")
    def _backward():
        v.grad = v.grad + out.grad / math.cosh(v.data) ** 2
    out._backward = _backward
    return out
"""),
    "relu with a stored mask and a float multiply": ("value_activations", """
def relu(v):
    mask = float(v.data > 0)
    out = Value(v.data * mask, (v,), "relu")
    def _backward():
        v.grad += mask * out.grad
    out._backward = _backward
    return out
"""),
}
