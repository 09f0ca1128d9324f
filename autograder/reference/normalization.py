"""Normalisation, dropout and residual blocks of the chapter "Normalisation, dropout and skip
connections" (forward definitions only).

Row-vector batches, as everywhere in the course; ``x`` is (N, D) unless said otherwise.

    batch norm, training:   x̄ = mean over the batch (axis 0), ν = biased variance over the batch,
                            x̂ = (x − x̄) / √(ν + ε),  out = s ⊙ x̂ + b          s, b: (D,)
    batch norm, evaluation: the same with the running mean and variance in place of x̄ and ν
    running statistics:     r ← ρ·r + (1 − ρ)·(batch statistic)                ρ: the momentum
    layer norm:             the same normalisation over the LAST axis of each example; x of
                            shape (..., D), s and b of shape (D,)
    dropout (inverted):     out = x ⊙ keep / (1 − q), keep ∈ {0, 1}, q the drop probability
    residual block:         out = x + relu(x W1 + b1) W2 + b2

Nothing here computes a gradient: the checks differentiate these functions numerically.
"""
import numpy as np

from autograder.reference.activations import relu


def batchnorm_train(x, s, b, eps):
    """Batch norm in training mode: each column normalised by its own batch statistics."""
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)
    return s * (x - mean) / np.sqrt(var + eps) + b


def batchnorm_eval(x, s, b, run_mean, run_var, eps):
    """Batch norm in evaluation mode: each column normalised by the running statistics."""
    return s * (x - run_mean) / np.sqrt(run_var + eps) + b


def running_mean(run_mean, x, rho):
    """The running mean after one training batch ``x``: ρ·r + (1 − ρ)·x̄."""
    return rho * run_mean + (1.0 - rho) * x.mean(axis=0)


def running_var(run_var, x, rho):
    """The running variance after one training batch ``x``: ρ·r + (1 − ρ)·ν (biased ν)."""
    return rho * run_var + (1.0 - rho) * ((x - x.mean(axis=0)) ** 2).mean(axis=0)


def layernorm(x, s, b, eps):
    """Layer norm: each example (the last axis) normalised by its own mean and variance."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return s * (x - mean) / np.sqrt(var + eps) + b


def dropout_apply(x, keep, q):
    """Inverted dropout with a given mask ``keep`` (1 = kept) and drop probability ``q``."""
    return x * keep / (1.0 - q)


def residual(x, W1, b1, W2, b2):
    """A residual block: x + F(x) with F(x) = relu(x W1 + b1) W2 + b2 (W1 (D, H), W2 (H, D))."""
    return x + relu(x @ W1 + b1) @ W2 + b2


def residual_hidden(x, W1, b1):
    """The block's hidden pre-activation x W1 + b1 (to keep the cases away from the ReLU's kink)."""
    return x @ W1 + b1
