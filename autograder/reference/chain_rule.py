"""The single neuron of the Chain Rule chapter (forward definitions only).

One input feature, one weight ``w`` and one bias ``b`` (scalars), a batch of N examples:

    x, y : arrays of shape (N,)       inputs and targets
    z    = w·x + b                    pre-activation, shape (N,)
    ŷ    = σ(z)                       the neuron's output, shape (N,)
    L    = (1/N) Σ_n ½ (y_n − ŷ_n)²   the loss: the MEAN over the batch of the half squared error

No derivative is defined here: the checks differentiate these functions by central differences.
"""
import numpy as np

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
