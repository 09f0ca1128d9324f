"""Probes of the normalisation exercise: the untrusted half of every check.

Each probe builds the learner's layer through the recorder, sets what the case says, calls
``forward`` and ``backward`` and keeps what comes back as plain data. Only NumPy and
``autograder.probe`` are imported here: the verdicts are computed in
``autograder/specs/normalization.py``.
"""
import numpy as np

from autograder.probe import given_then_fixed, keep_attr


def _set(rec, key, obj, **values):
    """Set attributes of the learner's layer (a failure is recorded under ``key``)."""
    try:
        for name, value in values.items():
            setattr(obj, name, value)
        return True
    except Exception as exc:
        rec.fail(key, f"could not set {', '.join(values)} on the layer: {type(exc).__name__}: {exc}")
        return False


# ------------------------------------------------------------------ batch norm
def batchnorm_probe(rec, case):
    """Training-mode forward and backward, the running statistics after it, then evaluation-mode
    forward and backward on a second batch."""
    x, dout, x2, dout2 = case["x"], case["dout"], case["x2"], case["dout2"]
    D = x.shape[1]
    bn = rec.call("layer", "BatchNorm", D, eps=float(case["eps"]), momentum=float(case["rho"]))
    if bn is None:
        return
    rec.keep("layer", np.float64(1.0))
    if not _set(rec, "out", bn, s=case["s"].copy(), b=case["b"].copy(), running_mean=case["rm"].copy(),
                running_var=case["rv"].copy(), train=True):
        return
    rec.keep("out", rec.call_method("out", bn, "forward", x))
    keep_attr(rec, "rm_after", bn, "running_mean")
    keep_attr(rec, "rv_after", bn, "running_var")
    rec.keep("dx", rec.call_method("dx", bn, "backward", dout))
    keep_attr(rec, "ds", bn, "ds")
    keep_attr(rec, "db", bn, "db")
    rec.keep_input("x_after", x)
    rec.keep_input("dout_after", dout)
    if not _set(rec, "out_eval", bn, train=False):
        return
    rec.keep("out_eval", rec.call_method("out_eval", bn, "forward", x2))
    keep_attr(rec, "rm_eval", bn, "running_mean")
    keep_attr(rec, "rv_eval", bn, "running_var")
    rec.keep("dx_eval", rec.call_method("dx_eval", bn, "backward", dout2))
    keep_attr(rec, "ds_eval", bn, "ds")
    keep_attr(rec, "db_eval", bn, "db")


# ------------------------------------------------------------------ find the bug
def steps_probe(rec, case):
    """The given ``steps_forward`` and the learner's fixed ``steps_backward``."""
    given_then_fixed(rec, "steps_forward", "steps_backward", case["dout"], case["x"], case["s"], case["b"],
                     float(case["eps"]))


# ------------------------------------------------------------------ layer norm
def layernorm_probe(rec, case):
    x, dout = case["x"], case["dout"]
    ln = rec.call("layer", "LayerNorm", x.shape[-1], eps=float(case["eps"]))
    if ln is None:
        return
    rec.keep("layer", np.float64(1.0))
    if not _set(rec, "out", ln, s=case["s"].copy(), b=case["b"].copy()):
        return
    rec.keep("out", rec.call_method("out", ln, "forward", x))
    rec.keep("dx", rec.call_method("dx", ln, "backward", dout))
    keep_attr(rec, "ds", ln, "ds")
    keep_attr(rec, "db", ln, "db")
    rec.keep_input("x_after", x)
    rec.keep_input("dout_after", dout)


# ------------------------------------------------------------------ dropout
def dropout_probe(rec, case):
    """Two layers built with generators of the same seed (the same masks expected), two forward
    passes of one of them (a new mask each), the backward of the second; evaluation mode."""
    x, dout, q, seed = case["x"], case["dout"], float(case["q"]), int(case["seed"])
    layers = []
    for i in range(2):
        layer = rec.call("layer", "Dropout", q, np.random.default_rng(seed))
        if layer is None:
            return
        layers.append(layer)
    rec.keep("layer", np.float64(1.0))
    rec.keep("out_twin", rec.call_method("out_twin", layers[1], "forward", x))
    first, second = layers[0], layers[0]
    rec.keep("out", rec.call_method("out", first, "forward", x))
    rec.keep("dx_first", rec.call_method("dx_first", first, "backward", dout))
    rec.keep("out2", rec.call_method("out2", second, "forward", x))
    rec.keep("dx", rec.call_method("dx", second, "backward", dout))
    rec.keep_input("x_after", x)
    rec.keep_input("dout_after", dout)
    if not _set(rec, "out_eval", first, train=False):
        return
    rec.keep("out_eval", rec.call_method("out_eval", first, "forward", x))
    rec.keep("dx_eval", rec.call_method("dx_eval", first, "backward", dout))


# ------------------------------------------------------------------ residual block
def residual_probe(rec, case):
    x, dout = case["x"], case["dout"]
    blk = rec.call("layer", "Residual", case["W1"].copy(), case["b1"].copy(), case["W2"].copy(), case["b2"].copy())
    if blk is None:
        return
    rec.keep("layer", np.float64(1.0))
    rec.keep("out", rec.call_method("out", blk, "forward", x))
    rec.keep("dx", rec.call_method("dx", blk, "backward", dout))
    for name in ("dW1", "db1", "dW2", "db2"):
        keep_attr(rec, name, blk, name)
    rec.keep_input("x_after", x)
    rec.keep_input("dout_after", dout)


PROBES = {"batchnorm": batchnorm_probe, "find_the_bug": steps_probe, "layernorm": layernorm_probe,
          "dropout": dropout_probe, "residual": residual_probe}
