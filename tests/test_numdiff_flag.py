"""A backward that differentiates the learner's own forward numerically is flagged (issue 21 §4).

While a backward runs, the probe wraps the learner's functions and methods
(:class:`autograder.probe.ShiftWatch`) and records whether any was called at inputs shifted a
little from the case's — what a numerical derivative does, entry by entry, by groups or all at
once. The flag reaches the instructor as the status "flagged" ("backward evaluates the forward
at shifted inputs"); it never changes a score. Where the coupling allows it, hidden cases make a
vectorised numerical derivative cost more than the item's time limit (softmax: a wide row;
Affine: a wide input, ``benchmarks/numdiff_cost.py``).

Here: every backward of every exercise, written as a numerical derivative of the learner's own
forward, is flagged, and the solution (the honest control) is not — through the probe and the
host's ``verify`` on visible and hidden cases. The real grader's run: ``test_grader_numdiff.py``.
"""
from __future__ import annotations

import numpy as np
import pytest

import course
import mutants
from autograder import exercises
from autograder.checks import draw_cases, load_spec, run_probe, verify
from autograder.probe import KEEP_INPUTS, SHIFT_SCALAR, ShiftWatch

#: Central differences of a scalar function ``f()`` of the array ``a``, entry by entry, ``a``
#: changed in place (what a learner who copied a gradient checker writes).
ENTRYWISE = '''
def _numgrad(f, a, h=1e-5):
    g = np.zeros_like(a)
    flat, gflat = a.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        fp = float(f())
        flat[i] = old - h
        fm = float(f())
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * h)
    return g
'''

#: Vectorised: every independent entry perturbed at once (element-wise), or one column at a time
#: (rows independent).
ELEMENTWISE = '''
def _vec(f, x, dout, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h) * dout

def _by_column(f, x, dout, h=1e-5):
    dx = np.zeros_like(x)
    for j in range(x.shape[-1]):
        xp, xm = x.copy(), x.copy()
        xp[..., j] += h
        xm[..., j] -= h
        dx[..., j] = ((f(xp) - f(xm)) * dout).sum(axis=-1) / (2 * h)
    return dx
'''

NUMDIFF = {
    "activations": ELEMENTWISE + '''
def linear_backward(dout, x, a):
    return _vec(lambda v: linear_forward(v, a), x, dout)
def sigmoid_backward(dout, x):
    return _vec(sigmoid_forward, x, dout)
def tanh_backward(dout, x):
    return _vec(tanh_forward, x, dout)
def relu_backward(dout, x):
    return _vec(relu_forward, x, dout)
def leaky_relu_backward(dout, x, a):
    return _vec(lambda v: leaky_relu_forward(v, a), x, dout)
def elu_backward(dout, x, alpha):
    return _vec(lambda v: elu_forward(v, alpha), x, dout)
def selu_backward(dout, x):
    return _vec(selu_forward, x, dout)
def prelu_backward(dout, x, alpha):
    h = 1e-5
    d = (prelu_forward(x, alpha + h) - prelu_forward(x, alpha - h)) * dout / (2 * h)
    da = d.sum(axis=0) if alpha.size > 1 else np.array([d.sum()])
    return _vec(lambda v: prelu_forward(v, alpha), x, dout), da
def softmax_backward(dout, x):
    return _by_column(softmax_forward, x, dout)
''',
    "two_layer_net": ENTRYWISE + ELEMENTWISE + '''
def _affine_backward(self, dout):
    x = self.x
    self.dW = _numgrad(lambda: np.sum(self.forward(x) * dout), self.W)
    self.db = _numgrad(lambda: np.sum(self.forward(x) * dout), self.b)
    dx = _by_column(self.forward, x.copy(), dout)
    self.x = x
    return dx
Affine.backward = _affine_backward
def _relu_backward(self, dout):
    return _vec(Relu().forward, self.x, dout)
_relu_forward = Relu.forward
def _relu_keep(self, x):
    self.x = x
    return _relu_forward(self, x)
Relu.forward, Relu.backward = _relu_keep, _relu_backward
_sig_forward = Sigmoid.forward
def _sig_keep(self, x):
    self.x = x
    return _sig_forward(self, x)
def _sig_backward(self, dout):
    return _vec(Sigmoid().forward, self.x, dout)
Sigmoid.forward, Sigmoid.backward = _sig_keep, _sig_backward
_swl_forward = SoftmaxWithLoss.forward
def _swl_keep(self, x, t):
    self.x, self.t0 = x, t
    return _swl_forward(self, x, t)
def _swl_backward(self, dout=1.0):
    x, t = self.x.copy(), self.t0
    return dout * _numgrad(lambda: SoftmaxWithLoss().forward(x, t), x)
SoftmaxWithLoss.forward, SoftmaxWithLoss.backward = _swl_keep, _swl_backward
def _two_layer_value(params, X, y):
    fc1, fc2 = Affine(params["W1"], params["b1"]), Affine(params["W2"], params["b2"])
    return SoftmaxWithLoss().forward(fc2.forward(np.maximum(fc1.forward(X), 0)), y)
def two_layer_loss(params, X, y):
    p = {k: v.copy() for k, v in params.items()}
    grads = {k: _numgrad(lambda: _two_layer_value(p, X, y), p[k]) for k in p}
    return _two_layer_value(params, X, y), grads
''',
    "deep_networks": ENTRYWISE + ELEMENTWISE + '''
_tanh_forward = Tanh.forward
def _tanh_keep(self, x):
    self.x = x
    return _tanh_forward(self, x)
def _tanh_backward(self, dout):
    return _vec(Tanh().forward, self.x, dout)
Tanh.forward, Tanh.backward = _tanh_keep, _tanh_backward
_net_loss = Network.loss
def _net_keep(self, X, t):
    self.X, self.t = X, t
    return _net_loss(self, X, t)
def _net_backward(self, dout=1.0):
    X, t = self.X.copy(), self.t
    value = lambda: dout * self.loss(X, t)          # backward(dout): the gradients of dout · L
    for layer in self.layers:
        if hasattr(layer, "W"):
            layer.dW = _numgrad(value, layer.W)
            layer.db = _numgrad(value, layer.b)
    dX = _numgrad(value, X)
    self.loss(self.X, t)
    return dX
Network.loss, Network.backward = _net_keep, _net_backward
''',
    "learning_types": ENTRYWISE + '''
def _numdiff_all(forward, args, wrt):
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    grads = [_numgrad(lambda: forward(*args), args[i]) for i in wrt]
    return grads[0] if len(grads) == 1 else tuple(grads)
def mse_backward(y_hat, y):
    return _numdiff_all(mse_forward, [y_hat, y], [0])
def cross_entropy_backward(logits, labels):
    return _numdiff_all(cross_entropy_forward, [logits, labels], [0])
def autoencoder_backward(x, W_enc, b_enc, W_dec, b_dec):
    return _numdiff_all(autoencoder_forward, [x, W_enc, b_enc, W_dec, b_dec], [1, 2, 3, 4])
def semi_supervised_backward(logits_l, labels, logits_u, lam):
    return _numdiff_all(semi_supervised_forward, [logits_l, labels, logits_u, lam], [0, 2])
def reinforce_backward(s, a, G, W):
    return _numdiff_all(reinforce_forward, [s, a, G, W], [3])
''',
    "xor": ENTRYWISE + '''
def xor_backward(X, y, W1, b1, W2, b2):
    p = [W1.copy(), b1.copy(), W2.copy(), b2.copy()]
    loss = lambda: 0.5 * np.sum((xor_forward(X, *p)[1] - y) ** 2)
    return tuple(_numgrad(loss, a) for a in p)
''',
    "chain_rule": '''
def neuron_backward(x, y, w, b):
    h = 1e-5
    L = lambda w, b: neuron_forward(x, y, w, b)[1]
    return (L(w + h, b) - L(w - h, b)) / (2 * h), (L(w, b + h) - L(w, b - h)) / (2 * h)
''',
    "computation_graphs": '''
def _numdiff_node(cls):
    forward = cls.forward
    def keep(self, *args):
        self._args = args
        return forward(self, *args)
    def backward(self, dout):
        h, args, grads = 1e-5, list(self._args), []
        for i in range(len(args)):
            up, down = list(args), list(args)
            up[i] += h
            down[i] -= h
            grads.append(dout * (self.forward(*up) - self.forward(*down)) / (2 * h))
        self._args = tuple(args)
        return tuple(grads) if len(grads) > 1 else grads[0]
    cls.forward, cls.backward = keep, backward
for _cls in (AddNode, MulNode, MaxNode, ExpNode, SigmoidNode, PowNode):
    _numdiff_node(_cls)
''',
}

#: The items whose backward is watched, per exercise (every item with a backward the learner
#: writes and a forward it could differentiate).
ITEMS = {
    "activations": ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "prelu", "softmax"],
    "two_layer_net": ["affine", "relu_layer", "sigmoid_layer", "softmax_with_loss", "two_layer_net"],
    "deep_networks": ["tanh_layer", "network"],
    "learning_types": ["mse", "cross_entropy", "autoencoder", "semi_supervised", "reinforce"],
    "xor": ["backward"],
    "chain_rule": ["neuron"],
    "computation_graphs": ["add_mul", "max", "exp_sigmoid", "pow"],
}
PAIRS = [(a, i) for a, items in ITEMS.items() for i in items]


def _small(cases):
    """The cases without the big ones (an entry-by-entry numerical derivative of those runs for
    minutes: the grader's time limit ends it, see ``test_grader_numdiff.py``)."""
    return [c for c in cases if max(np.size(v) for v in c.values()) <= KEEP_INPUTS]


def _judge(ns, assignment, item, hidden):
    spec = load_spec(assignment)
    cases = _small(draw_cases(spec.ITEMS[item], hidden=hidden, seed=None if not hidden else 4242))
    return verify(spec.ITEMS[item], cases, run_probe(spec.ITEMS[item], ns, cases))


@pytest.fixture(scope="module")
def namespaces():
    return {a: (course.solution_namespace(a), course.mutant_namespace(a, NUMDIFF[a])) for a in ITEMS}


@pytest.mark.parametrize("assignment,item", PAIRS)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_numerical_backward_is_flagged(namespaces, assignment, item, hidden):
    report = _judge(namespaces[assignment][1], assignment, item, hidden)
    assert report.shifted, (assignment, item, report.text())
    # on small inputs a numerical derivative is right: only the flag (and the big cases) tell
    # (MaxNode's rule for a tie, all of dout to x, is a convention no difference quotient finds)
    assert report.passed or (assignment, item) == ("computation_graphs", "max"), report.reasons()


@pytest.mark.parametrize("assignment,item", PAIRS)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_honest_backward_is_not_flagged(namespaces, assignment, item, hidden):
    report = _judge(namespaces[assignment][0], assignment, item, hidden)
    assert not report.shifted, (assignment, item)
    assert report.passed, report.reasons()


def _variants():
    """Every mutant and unusual version of every exercise, with whether it differentiates
    numerically (:func:`mutants.numerical`)."""
    import importlib
    out = []
    for a in exercises.names():
        mod = importlib.import_module(f"mutants.{a}")
        for kind in ("UNUSUAL", "MUTANTS"):
            for name, (item, code, *_) in getattr(mod, kind, {}).items():
                out.append(pytest.param(a, item, code, mutants.numerical(name), id=f"{kind.lower()}-{a}-{name}"))
    return out


#: Hidden seeds the variants are probed on (besides the visible cases).
SEEDS = (4242, 7, 2026)


@pytest.mark.parametrize("assignment,item,code,numerical", _variants())
def test_other_versions_are_not_flagged(assignment, item, code, numerical):
    """Differently written correct versions and plausible wrong ones (``tests/mutants``) are not
    numerical derivatives: none is flagged, on the visible cases and the hidden ones of several
    seeds, big cases included (where a case holds thousands of numbers, a number an analytic
    backward computes, such as ``dout / N``, falls near one of them by chance) — except the
    mutants that differentiate the forward numerically (on the small cases: the big ones take
    them minutes)."""
    spec = load_spec(assignment)
    ns = course.mutant_namespace(assignment, code)
    for hidden, seed in [(False, None), *((True, s) for s in SEEDS)]:
        cases = draw_cases(spec.ITEMS[item], hidden=hidden, seed=seed)
        shifted = run_probe(spec.ITEMS[item], ns, _small(cases) if numerical else cases).shifted
        assert bool(shifted) == numerical, (assignment, item, seed, sorted(shifted))


def test_a_computed_number_is_not_a_shifted_input():
    """A number a backward computes and passes on (``dout / N``, ``-dout``) is compared with the
    case's 0-d numbers and the entries a probe hands out one at a time, never with every entry
    of its arrays: among thousands of them one lies near any number by chance."""
    rng = np.random.default_rng(0)
    case = {"X": rng.standard_normal((50, 100)), "W": rng.standard_normal((100, 90)), "dout": np.float64(2.5)}
    watch = ShiftWatch(case)
    computed = [float(v) for v in rng.uniform(-3, 3, 2000) if abs(v - 2.5) > 0.01] + [2.5 / 3, -2.5, 2.5 / 50]
    entries = np.concatenate([case["X"].ravel(), case["W"].ravel()])
    assert any(np.abs(entries - v).min() <= SHIFT_SCALAR * abs(v) for v in computed)   # near one by chance
    assert not any(watch.look([v]) for v in computed)
    assert not watch.look([2.5]) and not watch.look([2.5 + 1e-5])  # the case's own number, shifted once
    assert watch.look([2.5 - 1e-5])                                # … and twice: x + h, x − h
    assert watch.look([case["X"] + 1e-5])                          # an array, shifted
    handed = ShiftWatch({"x": np.array([0.3, -1.2])}, entries=("x",))
    assert not handed.look([-1.2]) and not handed.look([-1.2 - 1e-5]) and handed.look([-1.2 + 1e-5])


def test_a_whole_array_moved_by_one_number_is_a_step_only_when_the_step_is_tiny():
    """``x @ W1 + b1`` with W1's columns equal (xor's symmetric start) is ``b1`` moved by one
    number, by chance less than 1 % of b1's scale: honest, never flagged (it was, in 3.5 % of
    hidden draws). A numerical step is tiny (``x + 1e-6``), or comes back with the other sign."""
    b1 = np.array([0.7, -1.3])
    watch = ShiftWatch({"b1": b1})
    assert not watch.look([b1 + 0.004]) and not watch.look([b1 * (1 + 0.004)])
    assert ShiftWatch({"b1": b1}).look([b1 + 1e-6]) and ShiftWatch({"b1": b1}).look([b1 * (1 + 1e-6)])
    assert watch.look([b1 - 0.004])                                 # x − h after x + h


def _near_in_full(watch, a, c, scale, key):
    """``ShiftWatch._near`` without its shortcuts (as it was written first): the reference."""
    from autograder.probe import SHIFT
    d = np.abs(a - c)
    moved = d > 1e-12 * np.maximum(1.0, np.abs(c))
    if c.size == 1:
        ok = bool(moved.any()) and bool(np.all(d <= SHIFT_SCALAR * np.maximum(np.abs(c), 1e-2)))
        return ok and watch._shifts_of(key, (a - c)[moved])
    if not (moved.any() and np.all(np.where(moved, d, 0.0) <= SHIFT * scale)):
        return False
    if not moved.all():
        return True
    return watch._all_shifted(a - c, c, scale, key)


def test_the_shortcuts_of_the_comparison_give_the_full_comparisons_answer():
    """An unchanged input and one far from the case are decided without the full comparison:
    the same answer, on unchanged, tiny-step, relative-step, far, partly moved, stacked and
    non-finite arguments of tiny, ordinary and huge scales."""
    rng = np.random.default_rng(5)
    tried = 0
    for _ in range(300):
        scale = 10.0 ** rng.integers(-14, 6)
        c = rng.standard_normal(rng.choice([1, 7, 40])) * scale
        if rng.random() < 0.1:
            c[rng.integers(c.size)] = rng.choice([np.inf, -np.inf, np.nan])
        kind = rng.integers(8)
        a = c.copy() if kind == 0 else c + 1e-7 * scale if kind == 1 else c * (1 + 1e-7) if kind == 2 else \
            c + rng.standard_normal(c.shape) * scale if kind == 3 else \
            np.where(rng.random(c.shape) < 0.5, c, c + 1e-3 * scale) if kind == 4 else \
            np.stack([c + 1e-6 * scale, c - 1e-6 * scale]) if kind == 5 else \
            np.where(rng.random(c.shape) < 0.5, c, c + 0.007 * scale) if kind == 6 else \
            c + rng.standard_normal(c.shape) * 1e-13
        finite = np.abs(c[np.isfinite(c)])
        s = float(finite.max()) if finite.size else 0.0
        if s == 0:
            continue
        fast, full = ShiftWatch({"c": c}), ShiftWatch({"c": c})
        arg = a if a.shape == c.shape else a.reshape(-1, *c.shape)
        assert fast._near(arg, c, s, "k") == _near_in_full(full, arg, c, s, "k"), (kind, scale)
        tried += 1
    assert tried > 250


#: Less usual numerical derivatives: perturbed copies stacked into one batch, a relative step, a
#: helper that takes the forward as an argument, the layer's parameters changed in place.
OTHER_NUMDIFF = {
    ("activations", "tanh"): '''
def tanh_backward(dout, x, h=1e-6):
    both = tanh_forward(np.stack([x + h, x - h]))
    return (both[0] - both[1]) / (2 * h) * dout
''',
    ("activations", "sigmoid"): '''
def sigmoid_backward(dout, x):
    h = 1e-7 * np.maximum(1.0, np.abs(x))
    return (sigmoid_forward(x + h) - sigmoid_forward(x - h)) / (2 * h) * dout
''',
    ("activations", "relu"): '''
def _derivative(f, x, h=1e-4):
    return (f(x + h) - f(x)) / h
def relu_backward(dout, x):
    return _derivative(relu_forward, x) * dout
''',
    ("two_layer_net", "affine"): ENTRYWISE + '''
_affine_forward = Affine.forward
def _keep(self, x):
    self.x_in = x
    return _affine_forward(self, x)
def _backward(self, dout):
    x = self.x_in
    self.dW = _numgrad(lambda: np.sum(self.forward(x) * dout), self.W)
    self.db = _numgrad(lambda: np.sum(self.forward(x) * dout), self.b)
    return dout @ self.W.T
Affine.forward, Affine.backward = _keep, _backward
''',
}


@pytest.mark.parametrize("assignment,item", sorted(OTHER_NUMDIFF))
def test_other_numerical_derivatives_are_flagged(assignment, item):
    ns = course.mutant_namespace(assignment, OTHER_NUMDIFF[assignment, item])
    assert _judge(ns, assignment, item, True).shifted
