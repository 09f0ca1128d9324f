"""Analytic derivatives of the activation functions the Activation Functions chapter teaches.

The forward passes are *not* defined here: they are imported from
``autograder.reference.activations`` so the book, the exercises and the grader share one
definition. Every derivative below is element-wise: it takes ``x`` of any shape (for a batch,
``(N, D)``: N rows of D features) and returns a float64 array of the same shape holding
``da/dx`` with ``a = f(x)``. At a kink (x = 0) the value of the right-hand branch for x <= 0 is
used, as the frameworks do. Softmax, which mixes the entries of a row, has a Jacobian instead.
"""
import numpy as np

from autograder.reference.activations import (  # noqa: F401  (re-exported forwards)
    SELU_ALPHA,
    SELU_LAMBDA,
    elu,
    leaky_relu,
    linear,
    prelu,
    relu,
    selu,
    sigmoid,
    softmax,
    step,
    tanh,
)


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def linear_grad(x, a=1.0):
    """d(a·x)/dx = a everywhere: shape of ``x``."""
    return np.full_like(_f64(x), a)


def step_grad(x):
    """The step's derivative: 0 for every x != 0 (undefined at 0; 0 is returned there too)."""
    return np.zeros_like(_f64(x))


def sigmoid_grad(x, k=1.0):
    """d σ(kx)/dx = k·σ(kx)·(1 − σ(kx)): shape of ``x``; at most k/4, reached at x = 0."""
    s = sigmoid(x, k)
    return k * s * (1.0 - s)


def tanh_grad(x, k=1.0):
    """d tanh(kx)/dx = k·(1 − tanh²(kx)): shape of ``x``; at most k, reached at x = 0."""
    t = tanh(x, k)
    return k * (1.0 - t * t)


def relu_grad(x):
    """1 where x > 0, else 0: shape of ``x``."""
    return (_f64(x) > 0).astype(np.float64)


def leaky_relu_grad(x, a=0.01):
    """1 where x > 0, else the slope ``a``: shape of ``x``."""
    return np.where(_f64(x) > 0, 1.0, a)


def prelu_grad(x, alpha):
    """∂a/∂x of PReLU: 1 where x > 0, else ``alpha`` (broadcast like the forward): shape of ``x``."""
    x = _f64(x)
    return np.where(x > 0, 1.0, np.broadcast_to(_f64(alpha), x.shape))


def prelu_grad_alpha(x):
    """∂a/∂α of PReLU, element by element: 0 where x > 0, else x. Shape of ``x``.

    The loss gradient for a slope shared by a feature column is the sum over the batch:
    for ``x`` of shape (N, D) and one slope per feature (``alpha`` of shape (D,)),
    ``dL/dα = (dout * prelu_grad_alpha(x)).sum(axis=0)``, shape (D,).
    """
    x = _f64(x)
    return np.where(x > 0, 0.0, x)


def elu_grad(x, alpha=1.0):
    """1 where x > 0, else α·eˣ (= a + α): shape of ``x``."""
    x = _f64(x)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def selu_grad(x):
    """λ where x > 0, else λ·α·eˣ: shape of ``x``."""
    return SELU_LAMBDA * elu_grad(x, SELU_ALPHA)


def softmax_jacobian(x, temperature=1.0):
    """Jacobian of softmax for one vector ``x`` of shape (K,): J[i, j] = ∂p_i/∂x_j, shape (K, K).

    With p = softmax(x / T): J = (diag(p) − p pᵀ) / T.
    """
    p = softmax(_f64(x), temperature=temperature)
    if p.ndim != 1:
        raise ValueError(f"softmax_jacobian takes one vector of shape (K,), got {p.shape}")
    return (np.diag(p) - np.outer(p, p)) / temperature


def softmax_vjp(x, dout, axis=-1, temperature=1.0):
    """Vector–Jacobian product of softmax along ``axis`` without building the Jacobian.

    For ``x`` and ``dout`` of shape (N, K): returns p ⊙ (dout − Σ_j dout_j p_j) / T, shape (N, K).
    """
    p = softmax(_f64(x), axis=axis, temperature=temperature)
    dout = _f64(dout)
    return p * (dout - np.sum(dout * p, axis=axis, keepdims=True)) / temperature


#: name -> (forward, derivative) for the element-wise activations; both take ``x`` only.
ELEMENTWISE = {
    "step": (step, step_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "selu": (selu, selu_grad),
}
