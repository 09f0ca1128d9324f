"""Probes of the Activation Functions exercise (judged by :mod:`autograder.specs.activations`).

Every call gets its own copy of the inputs, so a forward that changes ``x`` in place is blamed on
the forward (``x_after_forward``) and cannot spoil the backward's check. The inputs after a call
are kept for the small cases only (``KEEP_INPUTS``): the big ones exist to make a numerically
differentiating backward run out of time, and the sandbox's output is bounded."""

from autograder.probe import KEEP_INPUTS  # noqa: F401  (the specs read it from here)



ELEMENTWISE = ("linear", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus")
NO_BACKWARD = ("step",)


def _params(case):
    return [float(case[k]) for k in sorted(case) if k not in ("x", "dout")]


def elementwise(name, backward=True):
    fwd, bwd = f"{name}_forward", f"{name}_backward"

    def probe(rec, case):
        x = case["x"].copy()
        rec.keep("y", rec.call("y", fwd, x, *_params(case)))
        rec.keep_input("x_after_forward", x)
        if backward:
            x = case["x"].copy()
            rec.keep("dx", rec.call("dx", bwd, case["dout"].copy(), x, *_params(case)))
            rec.keep_input("x_after_backward", x)
    return probe


def prelu(rec, case):
    x, alpha = case["x"].copy(), case["alpha"].copy()
    rec.keep("y", rec.call("y", "prelu_forward", x, alpha))
    rec.keep_input("x_after_forward", x)
    x, alpha = case["x"].copy(), case["alpha"].copy()
    rec.record("res", "prelu_backward", case["dout"].copy(), x, alpha)
    rec.keep_input("x_after", x)
    rec.keep_input("alpha_after", alpha)


def softmax(rec, case):
    x = case["x"].copy()
    rec.keep("y", rec.call("y", "softmax_forward", x))
    rec.keep_input("x_after_forward", x)
    x = case["x"].copy()
    rec.keep("dx", rec.call("dx", "softmax_backward", case["dout"].copy(), x))
    rec.keep_input("x_after", x)


PROBES = {name: elementwise(name, name not in NO_BACKWARD) for name in ELEMENTWISE}
PROBES.update(prelu=prelu, softmax=softmax)
