"""The single neuron of the Chain Rule chapter (forward definitions only).

One input feature, one weight ``w`` and one bias ``b`` (scalars), a batch of N examples:

    x, y : arrays of shape (N,)       inputs and targets
    z    = w·x + b                    pre-activation, shape (N,)
    ŷ    = σ(z)                       the neuron's output, shape (N,)
    L    = (1/N) Σ_n ½ (y_n − ŷ_n)²   the loss: the MEAN over the batch of the half squared error

No analytic derivative is defined here. What the checks compare the learner's numerical code
with — central differences of the loss, the gradient-descent run built from them, and the
differences of the checks' test functions — is here too, so that an exercise download holds
only its results (``autograder/reference/replay.py``).
"""
import numpy as np

from autograder.gradcheck import numerical_gradient as _central
from autograder.probes.chain_rule import _function
from autograder.reference.activations import sigmoid


def neuron_output(x, w, b):
    """ŷ = σ(w·x + b) for x of shape (N,) and scalars w, b; shape (N,)."""
    return sigmoid(w * np.asarray(x, dtype=np.float64) + b)


def neuron_loss(x, y, w, b):
    """L = mean over the batch of ½(y − ŷ)²: a float."""
    y_hat = neuron_output(x, w, b)
    return float(np.mean(0.5 * (np.asarray(y, dtype=np.float64) - y_hat) ** 2))


def neuron_loss_params(params, x, y):
    """The loss as a function of the parameter vector ``params = [w, b]`` (shape (2,)), the form
    :func:`autograder.gradcheck.numerical_gradient` differentiates."""
    return neuron_loss(x, y, params[0], params[1])


def neuron_numerical_gradient(x, y, w, b):
    """[∂L/∂w, ∂L/∂b] by central differences of :func:`neuron_loss` (h = 1e-5), shape (2,)."""
    return _central(lambda p: neuron_loss_params(p, x, y), np.array([w, b]))


def chain_loss(x, y, w1, b1, w2, b2):
    """Two sigmoid neurons in a row, h = σ(w1·x + b1), ŷ = σ(w2·h + b2) (x, y of shape (N,), four
    scalars): the mean over the batch of ½(y − ŷ)², a float."""
    h = neuron_output(x, w1, b1)
    return neuron_loss(h, y, w2, b2)


def chain_numerical_gradient(x, y, w1, b1, w2, b2):
    """[∂L/∂w1, ∂L/∂b1, ∂L/∂w2, ∂L/∂b2] by central differences of :func:`chain_loss`, shape (4,)."""
    return _central(lambda p: chain_loss(x, y, *p), np.array([w1, b1, w2, b2], dtype=np.float64))


def gradient_descent(x, y, w0, b0, lr, steps, sign=-1.0):
    """The reference run: losses[k] at the parameters before update k+1, then p ← p + sign·η·∇L
    with ∇L from central differences of the loss. Returns (w, b, losses)."""
    p = np.array([w0, b0], dtype=np.float64)
    losses = np.zeros(steps)
    for k in range(steps):
        losses[k] = neuron_loss(x, y, p[0], p[1])
        p = p + sign * lr * _central(lambda q: neuron_loss_params(q, x, y), p.copy())
    return p[0], p[1], losses


def forward_difference(case, x, h):
    """(f(x + h·e_i) − f(x)) / h for each entry, f the checks' test function of ``case``."""
    f = _function(case)
    x = x.copy()
    f0 = f(x)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        out[i] = (f(x) - f0) / h
        x[i] = old
    return out


def central_difference(case, x, h):
    """Central differences of the checks' test function of ``case`` at step ``h``."""
    return _central(_function(case), x.copy(), h)
