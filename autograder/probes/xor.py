"""Probes of the xor exercise (judged by :mod:`autograder.specs.xor`).

Imports only numpy: this is all the sandbox holds of the checks."""
import numpy as np


PARAMS = ("W1", "b1", "W2", "b2")


def _args(case):
    return [case[k] for k in PARAMS]


def _unpack4(res, prefix="d"):
    """(a, b, c, d) from a 4-tuple/list or a dict keyed dW1.. (or W1..); None if neither."""
    if isinstance(res, dict):
        try:
            return [res[prefix + k] if prefix + k in res else res[k] for k in PARAMS]
        except KeyError:
            return None
    if isinstance(res, (tuple, list)) and len(res) == 4:
        return list(res)
    return None


def _as_array(v):
    """A list of numbers (e.g. losses appended in a loop) becomes a float64 array."""
    if isinstance(v, (list, tuple)):
        try:
            return np.array(v, dtype=np.float64)
        except Exception:
            return v
    return v


def _forward_probe(rec, case):
    rec.record("fwd", "xor_forward", case["X"], *_args(case))          # typed tree: (h, y_hat)
    for k in ("X", *PARAMS):
        rec.keep(k + "_after", case[k])


def _backward_probe(rec, case):
    res = rec.call("bwd", "xor_backward", case["X"], case["y"], *_args(case))
    grads = _unpack4(res)
    rec.keep("four", np.float64(grads is not None or res is None))
    for k, g in zip(PARAMS, grads or [None] * 4):
        rec.keep("d" + k, g)
    for k in ("X", "y", *PARAMS):
        rec.keep(k + "_after", case[k])


def _train_probe(rec, case):
    res = rec.call("train", "train_xor", *_args(case), float(case["lr"]), int(case["epochs"]))
    ok = isinstance(res, (tuple, list)) and len(res) == 2
    params = _unpack4(res[0], prefix="") if ok else None
    rec.keep("shape_ok", np.float64((ok and params is not None) or res is None))
    for k, v in zip(PARAMS, params or [None] * 4):
        rec.keep(k, v)
    rec.keep("losses", _as_array(res[1]) if ok else None)
    for k in PARAMS:
        rec.keep(k + "_after", case[k])


def _symmetry_probe(rec, case):
    args = _args(case)
    grads = _unpack4(rec.call("bwd", "xor_backward", case["X"], case["y"], *args))
    for k, g in zip(PARAMS, grads or [None] * 4):
        rec.keep("d" + k, g)
    res = rec.call("train", "train_xor", *args, float(case["lr"]), int(case["epochs"]))
    params = _unpack4(res[0], prefix="") if isinstance(res, (tuple, list)) and len(res) == 2 else None
    for k, v in zip(PARAMS, params or [None] * 4):
        rec.keep("t" + k, v)
    seed, scale = int(case["seed"]), float(case["scale"])
    for key, s, sc in (("ia", seed, scale), ("ib", seed, scale), ("ic", seed + 1, scale), ("id", seed, 2 * scale)):
        init = _unpack4(rec.call("init_" + key, "random_init", np.random.default_rng(s), sc), prefix="")
        for k, v in zip(PARAMS, init or [None] * 4):
            rec.keep(f"{key}{k}", v)


def _half_adder_probe(rec, case):
    res = rec.call("bwd", "half_adder_backward", case["X"], case["Y"], *_args(case))
    grads = _unpack4(res)
    rec.keep("four", np.float64(grads is not None or res is None))
    for k, g in zip(PARAMS, grads or [None] * 4):
        rec.keep("d" + k, g)
    for k in ("X", "Y", *PARAMS):
        rec.keep(k + "_after", case[k])


PROBES = {"forward": _forward_probe, "backward": _backward_probe, "train": _train_probe,
          "symmetry": _symmetry_probe, "half_adder": _half_adder_probe}
