"""The two-layer network of the chapter "A two-layer network, derived in matrix form" (forward only).

Row-vector batches, as everywhere in the course:

    X  (N, D)    a batch of N examples with D features
    W1 (D, H)    b1 (H,)     Z1 = X @ W1 + b1              (N, H)
                             A1 = relu(Z1)                 (N, H)
    W2 (H, C)    b2 (C,)     Z2 = A1 @ W2 + b2             (N, C)   (the logits)
                             Ŷ  = softmax(Z2), row by row  (N, C)
    L = −(1/N) Σ_n log Ŷ[n, y_n]                           scalar, the mean cross-entropy

Labels are integer class indices of shape (N,) or one-hot rows of shape (N, C). Nothing here
computes a gradient: the checks differentiate these functions numerically.
"""
import numpy as np

from autograder.reference.activations import relu, sigmoid, softmax  # noqa: F401  (re-exported)

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def affine(x, W, b):
    """x @ W + b: x (N, D), W (D, M), b (M,) -> (N, M)."""
    return np.asarray(x, dtype=np.float64) @ W + b


def log_softmax(z):
    """log softmax(z) along the last axis, as z − logsumexp(z): finite for any finite z."""
    z = np.asarray(z, dtype=np.float64)
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def one_hot(labels, num_classes):
    """Integer labels (N,) -> one-hot rows (N, C) of float64."""
    labels = np.asarray(labels).astype(np.int64)
    out = np.zeros((labels.shape[0], num_classes))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


def cross_entropy(z, t):
    """Mean cross-entropy of softmax(z) against t: z (N, C) logits; t integer labels (N,) or
    one-hot (N, C). Returns a float: −(1/N) Σ_n Σ_c T[n, c] log softmax(z)[n, c]."""
    z = np.asarray(z, dtype=np.float64)
    t = np.asarray(t)
    T = t.astype(np.float64) if t.shape == z.shape else one_hot(t, z.shape[-1])
    return float(-np.sum(T * log_softmax(z)) / z.shape[0])


def hinge_loss(z, labels):
    """Multiclass hinge (SVM) loss with margin 1, averaged over the batch:
    (1/N) Σ_n Σ_{c ≠ y_n} max(0, z[n, c] − z[n, y_n] + 1). z (N, C), labels (N,) integers."""
    z = np.asarray(z, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    n = z.shape[0]
    margins = np.maximum(0.0, z - z[np.arange(n), labels][:, None] + 1.0)
    margins[np.arange(n), labels] = 0.0
    return float(margins.sum() / n)


def logits(params, X, activation=relu):
    """Z2 = f(X W1 + b1) W2 + b2, shape (N, C)."""
    A1 = activation(affine(X, params["W1"], params["b1"]))
    return affine(A1, params["W2"], params["b2"])


def loss(params, X, y, activation=relu):
    """The network's loss L: mean cross-entropy of its logits against the labels ``y``."""
    return cross_entropy(logits(params, X, activation), y)


def predict(params, X, activation=relu):
    """Predicted class of every row of X, shape (N,)."""
    return np.argmax(logits(params, X, activation), axis=1)


def accuracy(params, X, y, activation=relu):
    """Fraction of rows of X whose predicted class equals the integer label."""
    return float(np.mean(predict(params, X, activation) == np.asarray(y).astype(np.int64)))


def spirals(n_per_class=100, classes=3, noise=0.2, seed=0):
    """A 2-D data set of ``classes`` interleaved spiral arms (numpy only, no download).

    Arm k has ``n_per_class`` points at radii r evenly spaced in [0, 1] and angles
    θ = 2π(r + k/classes) + noise·ε, ε ~ N(0, 1): one full turn per arm.
    Returns X (classes·n_per_class, 2) float64 and y (classes·n_per_class,) int64.
    """
    rng = np.random.default_rng(seed)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)
    k = np.repeat(np.arange(classes), n_per_class)
    theta = 2 * np.pi * (r + k / classes) + noise * rng.standard_normal(r.size)
    return np.column_stack([r * np.sin(theta), r * np.cos(theta)]), k.astype(np.int64)
