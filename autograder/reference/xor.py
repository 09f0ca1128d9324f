"""The XOR network of the chapter "XOR, derived by hand" (forward definitions only).

A 2-2-1 network with sigmoid units everywhere, on row-vector batches:

    X  (N, 2)   inputs, one pattern per row
    W1 (2, 2)   W1[i, j] is the weight from input i to hidden unit j;   b1 (2,)
    W2 (2, 1)   W2[j, 0] is the weight from hidden unit j to the output; b2 (1,)
    h     = sigmoid(X @ W1 + b1)          (N, 2)
    y_hat = sigmoid(h @ W2 + b2)          (N, 1)
    L     = 1/2 * sum over the batch of (y_hat - y)^2      (a sum, not a mean)

The half adder (a derived item of the exercise): the same network with TWO sigmoid outputs,
W2 (2, 2), b2 (2,), targets Y (N, 2) = (XOR, AND) of the inputs, and the binary cross-entropy
summed over the batch and both outputs (``half_adder_loss``).

The checks differentiate ``loss`` and ``half_adder_loss`` numerically; no gradient code lives here.
"""
import numpy as np

from autograder.reference.activations import sigmoid

#: The four XOR patterns, shape (4, 2), and their targets, shape (4, 1).
X_XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y_XOR = np.array([[0.0], [1.0], [1.0], [0.0]])


def xor_forward(X, W1, b1, W2, b2):
    """(h, y_hat): hidden activations (N, 2) and outputs (N, 1)."""
    h = sigmoid(np.asarray(X, dtype=np.float64) @ W1 + b1)
    return h, sigmoid(h @ W2 + b2)


def loss(X, y, W1, b1, W2, b2):
    """L = 1/2 * sum_n (y_hat_n - y_n)^2 over the batch; y has shape (N, 1)."""
    _, y_hat = xor_forward(X, W1, b1, W2, b2)
    return 0.5 * float(np.sum((y_hat - y) ** 2))


def accuracy(X, y, W1, b1, W2, b2):
    """Fraction of patterns whose output lies on the target's side of 0.5."""
    _, y_hat = xor_forward(X, W1, b1, W2, b2)
    return float(np.mean((y_hat > 0.5) == (np.asarray(y) > 0.5)))


#: The half adder's targets (4, 2): column 0 the sum bit (XOR), column 1 the carry bit (AND).
Y_HALF_ADDER = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])


def half_adder_loss(X, Y, W1, b1, W2, b2):
    """L = −Σ_n Σ_k [Y log ŷ + (1 − Y) log(1 − ŷ)] for the 2-2-2 sigmoid network, Y (N, 2).
    Computed from the output logits z (log σ(z) = −log(1 + e^{−z})), finite for any weights."""
    h = sigmoid(np.asarray(X, dtype=np.float64) @ W1 + b1)
    z = h @ W2 + b2
    Y = np.asarray(Y, dtype=np.float64)
    return float(np.sum(Y * np.logaddexp(0.0, -z) + (1.0 - Y) * np.logaddexp(0.0, z)))
