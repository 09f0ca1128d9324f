"""Activation functions as the Activation Functions chapter defines them (forward only).

Every function takes an array ``x`` of any shape and returns a new float64 array of the same
shape; softmax works along the last axis.
"""
import numpy as np

#: SELU's constants (Klambauer et al., 2017), to the precision PyTorch uses.
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def linear(x, a=1.0):
    """f(x) = a·x."""
    return a * np.asarray(x, dtype=np.float64)


def step(x):
    """The perceptron's Heaviside step: 1 where x > 0, else 0."""
    return (np.asarray(x) > 0).astype(np.float64)


def sigmoid(x, k=1.0):
    """σ(kx) = 1 / (1 + e^{-kx}), evaluated without overflow for any x."""
    z = k * np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(z))                      # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def tanh(x, k=1.0):
    """tanh(kx)."""
    return np.tanh(k * np.asarray(x, dtype=np.float64))


def relu(x):
    """max(0, x)."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def leaky_relu(x, a=0.01):
    """x for x > 0, a·x otherwise (a is a small fixed positive slope)."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, a * x)


def prelu(x, alpha):
    """Leaky ReLU whose slope ``alpha`` is learned; ``alpha`` broadcasts against ``x``
    (a scalar, or one slope per feature: shape (D,) for x of shape (N, D))."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, np.asarray(alpha, dtype=np.float64) * x)


def elu(x, alpha=1.0):
    """x for x > 0, α(eˣ − 1) otherwise."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def selu(x):
    """λ·ELU(x; α) with the self-normalising constants λ ≈ 1.0507, α ≈ 1.6733."""
    return SELU_LAMBDA * elu(x, SELU_ALPHA)


def softplus(x):
    """log(1 + exp(x)), computed without overflow for any x (a smooth ReLU)."""
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


def softmax(x, axis=-1, temperature=1.0):
    """exp(x/T) / Σ exp(x/T) along ``axis``, stabilised by subtracting the maximum."""
    z = np.asarray(x, dtype=np.float64) / temperature
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)
