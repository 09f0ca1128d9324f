"""Probes of the two_layer_net exercise (judged by :mod:`autograder.specs.two_layer_net`).

Imports only numpy: this is all the sandbox holds of the checks."""
import numpy as np

PARAM_NAMES = ("W1", "b1", "W2", "b2")
from autograder.probe import KEEP_INPUTS, keep_attr  # noqa: F401  (the specs read KEEP_INPUTS from here)




TRAIN_ARGS = dict(hidden=100, lr=1.0, batch_size=64, steps=2000)
#: The accuracy run is made with seeds s, s+1, …: one run reaching the accuracy is enough (a
#: correct train has an occasional bad trajectory; the checks judge the code, not its luck).
TRAIN_RUNS = 5
#: Further runs are made only while no run has reached this training accuracy (estimated here by a
#: plain forward pass; the host judges every recorded run with the reference, against 95 %). The
#: margin over 95 % keeps a rounding difference at an argmax from ending the runs early; a run the
#: learner's code could stop early is only ever its own loss.
ENOUGH = 0.96


def _scalar(value):
    """A loss returned as a Python float / NumPy scalar / 0-d array becomes a 0-d array (its dtype kept)."""
    if isinstance(value, (float, int, np.generic)):
        return np.asarray(value)
    return value


def _affine_probe(rec, case):
    x, W, b, dout = case["x"], case["W"], case["b"], case["dout"]
    layer = rec.call("layer", "Affine", W, b)
    if layer is None:
        return
    rec.keep("layer", layer)            # typed tree: the object is recorded as "other"
    rec.keep("out", rec.call_method("out", layer, "forward", x))
    rec.keep_input("x_after_forward", x)
    rec.keep("dx", rec.call_method("dx", layer, "backward", dout))
    keep_attr(rec, "dW", layer, "dW")
    keep_attr(rec, "db", layer, "db")
    rec.keep_input("x_after", x)
    rec.keep_input("W_after", W)
    rec.keep_input("b_after", b)
    rec.keep_input("dout_after", dout)


def _layer_probe(cls):
    def probe(rec, case):
        x, dout = case["x"], case["dout"]
        layer = rec.call("layer", cls)
        if layer is None:
            return
        rec.keep("layer", layer)            # typed tree: the object is recorded as "other"
        rec.keep("out", rec.call_method("out", layer, "forward", x))
        rec.keep_input("x_after_forward", x)
        rec.keep("dx", rec.call_method("dx", layer, "backward", dout))
        rec.keep_input("x_after", x)
        rec.keep_input("dout_after", dout)
    return probe


def _targets(case):
    labels = case["labels"].astype(np.int64)
    return np.eye(case["x"].shape[1])[labels] if case["onehot"] else labels


def _loss_layer(rec, cls, x, t, dout):
    """Probe a loss layer ``cls()``: ``forward(x, t)``, then ``backward()`` (the default
    dout = 1) or ``backward(dout)``; the inputs are kept to see that neither was changed."""
    layer = rec.call("layer", cls)
    if layer is None:
        return
    rec.keep("layer", layer)            # typed tree: the object is recorded as "other"
    rec.keep("loss", _scalar(rec.call_method("loss", layer, "forward", x, t)))
    if dout == 1.0:
        dx = rec.call_method("dx", layer, "backward")            # the default dout = 1
    else:
        dx = rec.call_method("dx", layer, "backward", dout)
    rec.keep("dx", dx)
    rec.keep("x_after", x)
    rec.keep("t_after", t)


def _softmax_probe(rec, case):
    _loss_layer(rec, "SoftmaxWithLoss", case["x"], _targets(case), float(case["dout"]))


def _hinge_probe(rec, case):
    _loss_layer(rec, "HingeLoss", case["x"], case["labels"].astype(np.int64), float(case["dout"]))


def _net_probe(rec, case):
    params = {k: case[k] for k in PARAM_NAMES}
    # watched like a backward: it returns the gradients (autograder.probe.ShiftWatch)
    res = rec.watching("res", "two_layer_loss", params, case["X"], case["y"].astype(np.int64))
    if res is None:
        return
    if not (isinstance(res, (tuple, list)) and len(res) == 2 and isinstance(res[1], dict)):
        rec.fail("res", "`two_layer_loss` must return a pair `(loss, grads)` with `grads` a dict "
                        "with keys 'W1', 'b1', 'W2', 'b2'.")
        return
    rec.keep("loss", _scalar(res[0]))
    for k in PARAM_NAMES:
        if k in res[1]:
            rec.keep("d" + k, res[1][k])
        else:
            rec.fail("d" + k, f"`grads` has no key {k!r}.")
    for k in PARAM_NAMES:
        rec.keep(k + "_after", params[k])
    rec.keep("X_after", case["X"])


def _keep_params(rec, prefix, res):
    if not (isinstance(res, (tuple, list)) and len(res) == 2 and isinstance(res[0], dict)):
        rec.fail(prefix, "`train` must return a pair `(params, losses)` with `params` a dict "
                         "with keys 'W1', 'b1', 'W2', 'b2'.")
        return
    params, losses = res
    for k in PARAM_NAMES:
        if k in params:
            rec.keep(f"{prefix}/{k}", params[k])
        else:
            rec.fail(f"{prefix}/{k}", f"`params` has no key {k!r}.")
    try:
        rec.keep(f"{prefix}/losses", np.asarray(losses, dtype=np.float64).reshape(-1))
    except Exception as exc:
        rec.fail(f"{prefix}/losses", f"the losses could not be read as numbers: {type(exc).__name__}: {exc}")


def _sgd_probe(rec, case):
    X, y, seed = case["X"], case["y"].astype(np.int64), int(case["seed"])
    if case["kind"] == 0:
        h, n = int(case["hidden"]), X.shape[0]
        _keep_params(rec, "zero", rec.call("zero", "train", X.copy(), y.copy(), h, 0.0, n, 1, seed))
        _keep_params(rec, "step", rec.call("step", "train", X.copy(), y.copy(), h, float(case["lr"]), n, 1, seed))
    elif case["kind"] == 3:
        n = X.shape[0]
        _keep_params(rec, "init", rec.call("init", "train", X.copy(), y.copy(), int(case["hidden"]), 0.0, n, 1, seed))
    elif case["kind"] == 2:
        _keep_params(rec, "fresh", rec.call("fresh", "train", X.copy(), y.copy(), int(case["hidden"]), 0.0,
                                            int(case["batch_size"]), int(case["steps"]), seed))
    else:
        res = rec.call("run", "train", X, y, seed=seed, **TRAIN_ARGS)
        _keep_params(rec, "run", res)
        rec.keep("X_after", X)
        for r in range(1, TRAIN_RUNS):
            if _estimated_accuracy(res, case["X"], y) >= ENOUGH:
                break
            key = f"run{r}"
            res = rec.call(key, "train", case["X"].copy(), y.copy(), seed=seed + r, **TRAIN_ARGS)
            _keep_params(rec, key, res)


def _estimated_accuracy(res, X, y):
    """Training accuracy of ``train``'s result by a plain ReLU forward pass (0 when unreadable)."""
    try:
        p = {k: np.asarray(res[0][k], dtype=np.float64) for k in PARAM_NAMES}
        scores = np.maximum(X @ p["W1"] + p["b1"], 0.0) @ p["W2"] + p["b2"]
        return float(np.mean(np.argmax(scores, axis=1) == y))
    except Exception:
        return 0.0


PROBES = {"affine": _affine_probe, "relu_layer": _layer_probe("Relu"), "sigmoid_layer": _layer_probe("Sigmoid"),
          "softmax_with_loss": _softmax_probe,
          "hinge_loss": _hinge_probe, "two_layer_net": _net_probe, "sgd": _sgd_probe}
