"""The L-layer network of the chapter "Deep networks" (forward definitions only).

Row-vector batches, as everywhere in the course. A network of depth L has L affine layers; every
affine layer but the last is followed by an element-wise activation, and the last one's output
(the logits) goes into the mean cross-entropy of its softmax:

    A0 = X                      (N, D0)
    Z_l = A_{l-1} @ W_l + b_l   (N, D_l)     W_l (D_{l-1}, D_l), b_l (D_l,)      l = 1 … L
    A_l = f_l(Z_l)              (N, D_l)     l = 1 … L−1, f_l ∈ {relu, sigmoid, tanh}
    L   = cross_entropy(Z_L, t)              t: integer labels (N,) or one-hot (N, D_L)

Initialisation: W_l has i.i.d. zero-mean entries of standard deviation ``init_std(D_{l-1}, D_l,
scheme)`` and b_l = 0. Nothing here computes a gradient: the checks differentiate these functions
numerically.
"""
import numpy as np

from autograder.reference.activations import relu, sigmoid, tanh  # noqa: F401  (re-exported)
from autograder.reference.two_layer_net import affine, cross_entropy, log_softmax, one_hot  # noqa: F401

#: Activation codes as stored in the checks' cases (cases hold float arrays only).
ACTIVATIONS = ("Relu", "Sigmoid", "Tanh")
FUNCTIONS = {"Relu": relu, "Sigmoid": sigmoid, "Tanh": tanh}
SCHEMES = ("he", "xavier")


def logits(Ws, bs, acts, X):
    """Z_L of the network with weights ``Ws``, biases ``bs`` and activation names ``acts``
    (one per hidden layer, ``len(acts) == len(Ws) - 1``)."""
    A = np.asarray(X, dtype=np.float64)
    for l, (W, b) in enumerate(zip(Ws, bs)):
        Z = affine(A, W, b)
        A = FUNCTIONS[acts[l]](Z) if l < len(acts) else Z
    return A


def preactivations(Ws, bs, acts, X):
    """[Z_1, …, Z_L]: every affine layer's output (to keep cases away from the ReLU's kink)."""
    out, A = [], np.asarray(X, dtype=np.float64)
    for l, (W, b) in enumerate(zip(Ws, bs)):
        Z = affine(A, W, b)
        out.append(Z)
        A = FUNCTIONS[acts[l]](Z) if l < len(acts) else Z
    return out


def loss(Ws, bs, acts, X, t):
    """The network's loss: mean cross-entropy of its logits against ``t``."""
    return cross_entropy(logits(Ws, bs, acts, X), t)


def init_std(fan_in, fan_out, scheme):
    """Standard deviation of the initial weights of a (fan_in, fan_out) layer.

    He (Kaiming), for ReLU networks:      Var(W) = 2 / fan_in
    Xavier (Glorot), for tanh / sigmoid:   Var(W) = 2 / (fan_in + fan_out)
    """
    if scheme == "he":
        return float(np.sqrt(2.0 / fan_in))
    if scheme == "xavier":
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    raise ValueError(f"unknown scheme {scheme!r}")
