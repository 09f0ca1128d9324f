"""Probes of the chain_rule exercise (judged by :mod:`autograder.specs.chain_rule`).

Imports only numpy: this is all the sandbox holds of the checks."""
import numpy as np


def _scalar(value):
    """A number returned by the learner as a 0-d array (dtype kept), anything else unchanged, so
    that a float, a NumPy scalar and a 0-d array are all accepted and judged the same way."""
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (float, int, np.floating, np.integer)):
        return np.asarray(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return np.array(value)
    return value


def _pair(rec, key, res, names):
    """Keep the two parts of a returned pair; record a failure if it is not a pair."""
    if res is None:
        return False
    if not (isinstance(res, (tuple, list)) and len(res) == 2):
        rec.fail(key, f"must return a pair {names}, got a {type(res).__name__}.")
        return False
    return True


def _neuron_probe(rec, case):
    # each call gets its own copies: a forward that changes x in place is blamed on the forward
    w, b = float(case["w"]), float(case["b"])
    x, y = case["x"].copy(), case["y"].copy()
    res = rec.call("forward", "neuron_forward", x, y, w, b)
    if _pair(rec, "forward", res, "(y_hat, loss)"):
        rec.keep("y_hat", res[0])
        rec.keep("loss", _scalar(res[1]))
    rec.keep("x_after", x)
    rec.keep("y_after", y)
    x, y = case["x"].copy(), case["y"].copy()
    res = rec.call("backward", "neuron_backward", x, y, w, b)
    if _pair(rec, "backward", res, "(dw, db)"):
        rec.keep("dw", _scalar(res[0]))
        rec.keep("db", _scalar(res[1]))
    rec.keep("x_after_backward", x)
    rec.keep("y_after_backward", y)


CHAIN_GRADS = ("dw1", "db1", "dw2", "db2")


def _chain_probe(rec, case):
    x, y = case["x"].copy(), case["y"].copy()
    params = [float(case[k]) for k in ("w1", "b1", "w2", "b2")]
    res = rec.call("backward", "chain_backward", x, y, *params)
    if res is not None and not (isinstance(res, (tuple, list)) and len(res) == 4):
        rec.fail("backward", f"`chain_backward` must return four numbers (dw1, db1, dw2, db2), "
                             f"got a {type(res).__name__}.")
    elif res is not None:
        for name, value in zip(CHAIN_GRADS, res):
            rec.keep(name, _scalar(value))
    rec.keep("x_after", x)
    rec.keep("y_after", y)


def _function(case):
    kind = int(case["kind"])
    if kind == 0:
        return lambda v: float(np.sum(np.sin(v)))
    if kind == 1:
        A, c = case["A"], case["c"]
        return lambda v: float(0.5 * v @ A @ v + c @ v)
    if kind == 2:
        return lambda v: float(np.prod(v))
    return lambda v: float(np.sum(v ** 3))


def _difference_probe(func_name):
    def probe(rec, case):
        x = case["x"]
        f = _function(case)
        h = float(case["h"])
        args = (f, x) if np.isnan(h) else (f, x, h)
        rec.keep("grad", rec.call("grad", func_name, *args))
        rec.keep("x_after", x)
    return probe


def _gd_probe(rec, case):
    x, y = case["x"], case["y"]
    res = rec.call("gd", "gradient_descent", x, y, float(case["w0"]), float(case["b0"]),
                   float(case["lr"]), int(case["steps"]))
    if res is not None and not (isinstance(res, (tuple, list)) and len(res) == 3):
        rec.fail("gd", f"`gradient_descent` must return a triple (w, b, losses), got a {type(res).__name__}.")
    elif res is not None:
        losses = res[2]
        if isinstance(losses, (list, tuple)):          # a list of floats is fine
            try:
                losses = np.asarray(losses)
            except Exception:
                pass
        rec.keep("w", _scalar(res[0]))
        rec.keep("b", _scalar(res[1]))
        rec.keep("losses", losses)
    rec.keep("x_after", x)
    rec.keep("y_after", y)


PROBES = {
    "neuron": _neuron_probe,
    "numerical_gradient": _difference_probe("numerical_gradient"),
    "forward_difference": _difference_probe("forward_difference"),
    "gradient_descent": _gd_probe,
    "chain": _chain_probe,
}
