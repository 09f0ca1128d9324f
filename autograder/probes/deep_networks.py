"""Probes of the deep-networks exercise: the untrusted half of every check.

Each probe calls the learner's classes and functions through the recorder (``rec.call``,
``rec.call_method``) on one case and keeps what comes back as plain data (``rec.keep``). Only
NumPy and ``autograder.probe`` are imported here: the verdicts are computed in
``autograder/specs/deep_networks.py``.
"""
import numpy as np

from autograder.probe import keep_attr

#: Activation classes by the code stored in a case's ``acts`` array.
ACTIVATIONS = ("Relu", "Sigmoid", "Tanh")
SCHEMES = ("he", "xavier")


def _scalar(value):
    """A loss returned as a Python float / NumPy scalar / 0-d array becomes a 0-d array."""
    if isinstance(value, (float, int, np.generic)):
        return np.asarray(value)
    return value


def targets(case):
    """The labels of a network case: integer (N,) or one-hot (N, C), as the case says."""
    labels = case["y"].astype(np.int64)
    if case["onehot"]:
        return np.eye(case[f"W{int(case['depth']) - 1}"].shape[1])[labels]
    return labels


# ------------------------------------------------------------------ one activation layer
def tanh_probe(rec, case):
    x, dout = case["x"], case["dout"]
    layer = rec.call("layer", "Tanh")
    if layer is None:
        return
    rec.keep("layer", np.float64(1.0))
    rec.keep("out", rec.call_method("out", layer, "forward", x))
    rec.keep("x_after_forward", x)
    rec.keep("dx", rec.call_method("dx", layer, "backward", dout))
    rec.keep("x_after", x)
    rec.keep("dout_after", dout)


# ------------------------------------------------------------------ the network
class TanhFromSigmoid:
    """A tanh layer built from the learner's chapter-6 ``Sigmoid``: tanh(x) = 2σ(2x) − 1, so
    dx = 4·σ'(2x)·dout. The network item uses it in place of the learner's ``Tanh``, so that a
    mistake in ``Tanh`` costs the tanh item only (it still depends on ``Sigmoid``, which the
    network item uses anyway)."""

    def __init__(self, sigmoid):
        self.sigmoid = sigmoid

    def forward(self, x):
        return 2.0 * self.sigmoid.forward(2.0 * x) - 1.0

    def backward(self, dout):
        return 4.0 * self.sigmoid.backward(dout)


def network_probe(rec, case):
    """Build Affine → act → … → Affine → SoftmaxWithLoss from the learner's classes, wrap it in
    their ``Network``, and keep the logits, the loss, ∂L/∂X (``backward(dout)`` with the case's
    ``dout``; ``backward()`` when it is 1) and every affine layer's dW, db."""
    depth = int(case["depth"])
    X, t = case["X"], targets(case)
    layers, affines = [], []
    for l in range(depth):
        fc = rec.call("build", "Affine", case[f"W{l}"], case[f"b{l}"])
        if fc is None:
            return
        layers.append(fc)
        affines.append(fc)
        if l < depth - 1:
            name = ACTIVATIONS[int(case["acts"][l])]
            act = rec.call("build", "Sigmoid" if name == "Tanh" else name)
            if act is None:
                return
            layers.append(TanhFromSigmoid(act) if name == "Tanh" else act)
    head = rec.call("build", "SoftmaxWithLoss")
    if head is None:
        return
    layers.append(head)
    net = rec.call("net", "Network", layers)
    if net is None:
        return
    rec.keep("net", np.float64(1.0))
    rec.keep("scores", rec.call_method("scores", net, "predict", X))
    rec.keep("loss", _scalar(rec.call_method("loss", net, "loss", X, t)))
    dout = float(case["dout"])
    if dout == 1.0:
        rec.keep("dX", rec.call_method("dX", net, "backward"))
    else:
        rec.keep("dX", rec.call_method("dX", net, "backward", dout))
    for l, fc in enumerate(affines):
        keep_attr(rec, f"dW{l}", fc, "dW")
        keep_attr(rec, f"db{l}", fc, "db")
    rec.keep("X_after", X)
    for l in range(depth):
        rec.keep(f"W{l}_after", case[f"W{l}"])
        rec.keep(f"b{l}_after", case[f"b{l}"])


# ------------------------------------------------------------------ the δ recursion in arrays
def backprop_probe(rec, case):
    """``backprop(Ws, bs, acts, X, y)`` on lists of arrays: keep the loss and every gradient."""
    depth = int(case["depth"])
    Ws = [case[f"W{l}"] for l in range(depth)]
    bs = [case[f"b{l}"] for l in range(depth)]
    acts = [ACTIVATIONS[int(a)].lower() for a in case["acts"]]
    res = rec.call("res", "backprop", Ws, bs, acts, case["X"], case["y"].astype(np.int64))
    if res is None:
        return
    try:
        loss, dWs, dbs = res
        dWs, dbs = list(dWs), list(dbs)
    except Exception as exc:
        rec.fail("res", f"`backprop` must return (loss, dWs, dbs): {type(exc).__name__}: {exc}")
        return
    rec.keep("loss", _scalar(loss))
    for l in range(depth):
        for key, arrays in (("dW", dWs), ("db", dbs)):
            if l < len(arrays):
                rec.keep(f"{key}{l}", arrays[l])
            else:
                rec.fail(f"{key}{l}", f"`backprop` returned {len(arrays)} {key} arrays; the network has {depth} layers.")
    rec.keep("X_after", case["X"])
    for l in range(depth):
        rec.keep(f"W{l}_after", Ws[l])


# ------------------------------------------------------------------ initialisation
def init_probe(rec, case):
    """``init_weights(sizes, scheme, rng)`` twice with the same seed: the weights and biases of
    every layer, and how many pairs came back."""
    sizes = [int(s) for s in case["sizes"]]
    scheme = SCHEMES[int(case["scheme"])]
    res = rec.call("res", "init_weights", list(sizes), scheme, np.random.default_rng(int(case["seed"])))
    if res is None:
        return
    try:
        pairs = list(res)
    except Exception as exc:
        rec.fail("res", f"`init_weights` must return a list of (W, b) pairs: {type(exc).__name__}: {exc}")
        return
    rec.keep("count", np.float64(len(pairs)))
    for l, pair in enumerate(pairs[:len(sizes) - 1]):
        try:
            W, b = pair
        except Exception as exc:
            rec.fail(f"W{l}", f"layer {l + 1} of the result is not a pair (W, b): {type(exc).__name__}: {exc}")
            continue
        rec.keep(f"W{l}", W)
        rec.keep(f"b{l}", b)
    # the same seed again, after the global np.random has moved on: the same weights; another
    # seed: other weights (the weights come from `rng`, not from np.random or a generator of
    # their own)
    seed = int(case["seed"])
    for key, global_seed, rng_seed in (("again", seed + 1, seed), ("other", seed + 2, seed + 1)):
        np.random.seed(global_seed % 2**32)
        res = rec.call(key, "init_weights", list(sizes), scheme, np.random.default_rng(rng_seed))
        try:
            rec.keep(f"{key}/W0", np.asarray(list(res)[0][0]))
        except Exception as exc:
            rec.fail(f"{key}/W0", f"{type(exc).__name__}: {exc}")


PROBES = {"tanh_layer": tanh_probe, "backprop": backprop_probe, "network": network_probe, "init": init_probe}
