"""The numbers the Computation Graphs chapter shows equal what independent code computes.

Every value and gradient on the chapter's figures and in its tables comes from
``dnnbook.computation_graphs``; here each one is recomputed independently — gradients by central
differences of plain-float forwards written out below, and again with the exercise's reference
solution (``Value`` + ``backward`` from the solution notebook).
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder.gradcheck import numerical_gradient  # noqa: E402
from autograder.reference import computation_graphs as ops  # noqa: E402
from dnnbook import computation_graphs as cg  # noqa: E402
from dnnbook.graphs import draw_graph  # noqa: E402

import course  # noqa: E402

TOL = 1e-8


def _sigmoid(t):
    return float(ops.sigmoid(t))


# name -> (graph builder, input names, plain-float forward f(v) with v in input order)
EXAMPLES = {
    "simple": (cg.simple_example, ["x", "y", "w"], lambda v: (v[0] + v[1]) * v[2]),
    "larger": (cg.larger_example, ["x", "y", "z", "w"], lambda v: (v[0] * v[1] + max(v[1], v[2])) * v[3]),
    "neuron": (cg.neuron_example, ["x0", "x1", "w0", "w1", "b"],
               lambda v: _sigmoid(v[2] * v[0] + v[3] * v[1] + v[4])),
}

# The values the page uses, and the slider's frames for z in the larger example.
PAGE_ARGS = {"simple": dict(x=1.0, y=3.0, w=-2.0), "larger": dict(x=2.0, y=3.0, z=1.0, w=-2.0),
             "neuron": dict(x0=1.0, x1=-2.0, w0=0.5, w1=-1.0, b=0.3)}
SLIDER_Z = np.round(np.linspace(-1.2, 4.8, 16), 2)


def _cases():
    out = [(name, PAGE_ARGS[name]) for name in EXAMPLES]
    out += [("larger", dict(x=2.0, y=3.0, z=float(z), w=-2.0)) for z in SLIDER_Z]
    rng = np.random.default_rng(0)
    for name, (_, inputs, _) in EXAMPLES.items():
        for _ in range(3):
            out.append((name, dict(zip(inputs, rng.uniform(-2, 2, len(inputs))))))
    return out


def _close(a, b, tol=TOL):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("name,args", _cases())
def test_values_and_gradients_match_central_differences(name, args):
    build, inputs, f = EXAMPLES[name]
    if name == "larger" and abs(args["y"] - args["z"]) < 1e-3:
        pytest.skip("max tie")
    g = build(**args)
    v = np.array([args[k] for k in inputs])
    assert _close(g.values[g.output], f(v))
    num = numerical_gradient(f, v.copy())
    for k, d in zip(inputs, num):
        assert _close(g.grads[k], d, 1e-7), (k, g.grads[k], d)
    # the edge gradients leaving a node add up to its total gradient
    for node in g.kind:
        if node == g.output:
            continue
        out_edges = [e for (p, c), e in g.edge_grads.items() if p == node]
        assert _close(sum(out_edges), g.grads[node])


def test_edge_gradients_are_local_derivative_times_upstream():
    """Each edge's number = the child's total gradient × a central-difference local derivative."""
    g = cg.larger_example(**PAGE_ARGS["larger"])
    h = 1e-5
    for (p, c), e in g.edge_grads.items():
        args = [g.values[q] for q in g.parents[c]]
        k = g.parents[c].index(p)

        def at(t):
            a = list(args)
            a[k] = t
            return g._apply(c, a)
        local = (at(args[k] + h) - at(args[k] - h)) / (2 * h)
        assert _close(e, g.grads[c] * local, 1e-7)


def test_numbers_written_in_the_text():
    """The numbers the page's prose spells out."""
    s = cg.simple_example(**PAGE_ARGS["simple"])
    assert (s.values["q"], s.values["z"]) == (4.0, -8.0)
    assert (s.grads["x"], s.grads["y"], s.grads["q"], s.grads["w"]) == (-2.0, -2.0, -2.0, 4.0)
    b = cg.larger_example(**PAGE_ARGS["larger"])
    assert (b.values["p"], b.values["m"], b.values["s"], b.values["f"]) == (6.0, 3.0, 9.0, -18.0)
    assert b.edge_grads[("x", "p")] == -6.0 and b.edge_grads[("y", "p")] == -4.0
    assert b.edge_grads[("y", "m")] == -2.0 and b.edge_grads[("z", "m")] == 0.0
    assert (b.grads["y"], b.grads["w"], b.grads["s"]) == (-6.0, 9.0, -2.0)
    n = cg.neuron_example(**PAGE_ARGS["neuron"])
    a = n.values["a"]
    assert round(a * (1 - a), 3) == 0.054 and round(n.values["zz"], 10) == 2.8
    rows = {title: ex for title, ex in cg.routing_examples()}
    want = {"add distributes": (2, 2, 2, 2), "multiply swaps": (-3, 2, -2, 6),
            "max routes to the winner": (3, 2, 2, 0), "fan-out adds": (0, 2, 0, 6)}
    for title, (o, do, dx1, dx2) in want.items():
        ex = rows[title]
        assert (ex.values["o"], ex.grads["o"], ex.grads["x1"], ex.grads["x2"]) == (o, do, dx1, dx2)
    fan = rows["fan-out adds"]
    assert (fan.edge_grads[("x1", "t")], fan.edge_grads[("x1", "o")]) == (-2.0, 2.0)


def test_routing_examples_match_central_differences():
    forms = {"add distributes": lambda v: (v[0] + v[1]) * 2.0, "multiply swaps": lambda v: v[0] * v[1] * 2.0,
             "max routes to the winner": lambda v: max(v[0], v[1]) * 2.0,
             "fan-out adds": lambda v: (v[0] * v[1] + v[0]) * 2.0}
    for title, ex in cg.routing_examples():
        num = numerical_gradient(forms[title], np.array([ex.values["x1"], ex.values["x2"]]))
        assert _close(ex.grads["x1"], num[0], 1e-7) and _close(ex.grads["x2"], num[1], 1e-7)


def test_solution_value_class_agrees_with_the_page():
    """The exercise's reference solution gives the same gradients as the page's Graph."""
    ns = course.solution_namespace("computation_graphs")
    V, backward = ns["Value"], ns["backward"]
    for zval in [1.0, 4.0]:
        x, y, z, w = V(2.0), V(3.0), V(zval), V(-2.0)
        f = (x * y + y.max(z)) * w
        backward(f)
        g = cg.larger_example(x=2.0, y=3.0, z=zval, w=-2.0)
        assert f.data == g.values["f"]
        for leaf, k in zip((x, y, z, w), "xyzw"):
            assert _close(leaf.grad, g.grads[k])


def test_topological_order_puts_parents_first():
    for build, _, _ in EXAMPLES.values():
        g = build()
        order = g.order()
        assert set(order) == set(g.kind) and len(order) == len(g.kind)
        for n in order:
            assert all(order.index(p) < order.index(n) for p in g.parents[n])


def test_draw_graph_draws_every_number():
    g = cg.larger_example(**PAGE_ARGS["larger"])
    ax = g.draw(cg.LARGER_POS)
    texts = [t.get_text() for t in ax.texts]
    assert "-18" in texts and "-6" in texts and "∂: -6" in texts
    plt.close(ax.figure)
    fig, ax = plt.subplots()
    draw_graph({"a": (0, 0), "b": (1, 0)}, [("a", "b")], values={"a": 1.5}, grads={("a", "b"): 2.0}, ax=ax)
    assert {"1.5", "2"} <= {t.get_text() for t in ax.texts}
    plt.close(fig)


def test_max_at_a_tie_central_differences_split_evenly():
    """The page: at a tie frameworks split the gradient evenly, as central differences measure;
    the page's own Graph sends it to the first input."""
    num = numerical_gradient(lambda v: max(v[0], v[1]) * 2.0, np.array([3.0, 3.0]))
    assert _close(num[0], 1.0, 1e-9) and _close(num[1], 1.0, 1e-9)


def test_page_graph_sends_a_tie_to_the_first_input():
    g = cg.Graph()
    g.input("x1", 3.0)
    g.input("x2", 3.0)
    g.input("g", 2.0)
    g.op("o", "max", "x1", "x2")
    g.op("out", "mul", "o", "g")
    g.backward()
    assert g.grads["x1"] == 2.0 and g.grads["x2"] == 0.0


def _markdown(path):
    import nbformat
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")


def test_tie_conventions_are_stated_per_operation():
    """Review 4.1: "frameworks split a tie evenly" holds for the element-wise maximum of PyTorch
    and JAX and for TensorFlow's reduce_max (the central difference above measures the same split),
    not for max pooling, max(dim) or ReLU. The page's body, its summary and exercise 4 say which."""
    page = _markdown(course.REPO / "book" / "computation_graphs.ipynb")
    summary = page.split("## Summary", 1)[1].split("\n## ", 1)[0]
    exercise = _markdown(course.REPO / "solutions" / "computation_graphs" / "computation_graphs.ipynb")
    for text in (page, summary, exercise):
        assert "frameworks split it evenly" not in text and "frameworks split the\ngradient evenly" not in text
        assert "pooling" in text and "ReLU" in text
    body = page.split("## Summary", 1)[0]
    for name in ("torch.maximum", "jnp.maximum", "reduce_max", "tf.maximum", "torch.max(x, dim)", "torch.relu"):
        assert name in body, name
    # exercise 4's relu(v) uses torch.relu's convention at 0 (slope 0), checked visible and hidden
    assert "slope **0**" in exercise and "torch.relu" in exercise
