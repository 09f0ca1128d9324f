"""The chapter "Training in practice" (forward definitions only).

Row-vector batches, as everywhere in the course: X (N, D), a layer computes X @ W + b with W of
shape (D, H) and b of shape (H,). Nothing here computes a gradient: the checks
differentiate :func:`l2_penalty` numerically, and the data helpers only load and split. The two
optimiser steps the chapter defines (:func:`momentum_update`, :func:`adam_update`) are here too:
the checks compare the learner's steps with them (an exercise download holds only their results).
"""
import numpy as np

#: How the bundled digits are split: 60% training, 20% validation, 20% test (of 1797 images).
SPLIT = (0.6, 0.2, 0.2)


def is_weight(name):
    """Weight decay applies to weight matrices only: the parameters whose name starts with "W"."""
    return str(name).startswith("W")


def l2_penalty(params, lam):
    """(λ/2) Σ over the weight matrices of Σ W², a float; biases are not penalised."""
    return float(0.5 * lam * sum(np.sum(np.asarray(v, dtype=np.float64) ** 2)
                                 for k, v in params.items() if is_weight(k)))


def load_digits_split(seed=0):
    """scikit-learn's bundled 8×8 digits (no download), pixels scaled from 0..16 to [0, 1].

    Returns ``X_train, y_train, X_val, y_val, X_test, y_test``: rows are images flattened to 64
    features (float64), labels are integers 0..9 (int64); a random 60/20/20 split from ``seed``.
    """
    from sklearn.datasets import load_digits           # imported here: only the digits need it
    data = load_digits()
    X = data.data.astype(np.float64) / 16.0
    y = data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    a = int(SPLIT[0] * len(y))
    b = int((SPLIT[0] + SPLIT[1]) * len(y))
    tr, va, te = order[:a], order[a:b], order[b:]
    return X[tr], y[tr], X[va], y[va], X[te], y[te]


def logits(params, X):
    """Scores (N, C) of the ReLU network with parameters {"W1", "b1", …, "WL", "bL"}: affine layers
    ``A @ W + b``, ReLU after every one but the last."""
    depth = sum(1 for k in params if is_weight(k))
    a = np.asarray(X, dtype=np.float64)
    for i in range(1, depth + 1):
        a = a @ params[f"W{i}"] + params[f"b{i}"]
        if i < depth:
            a = np.maximum(a, 0.0)
    return a


def accuracy(pred, y):
    """Fraction of predictions equal to the integer labels."""
    return float(np.mean(np.asarray(pred).reshape(-1) == np.asarray(y).reshape(-1)))


def momentum_update(w, dw, v, lr, mu):
    """Heavy-ball momentum: v ← μ·v − η·dw, then w ← w + v. Returns (w, v), new arrays."""
    velocity = mu * v - lr * dw
    return w + velocity, velocity


def adam_update(w, dw, m, v, t, lr, b1, b2, eps, correct=True, t0=0):
    """Adam's step t (counted from 1): (w, m, v, m̂, v̂). ``correct=False`` leaves out the bias
    correction and ``t0=1`` counts steps from 0 (two known mistakes the checks recognise)."""
    m = b1 * m + (1 - b1) * dw
    v = b2 * v + (1 - b2) * dw ** 2
    with np.errstate(all="ignore"):
        mh = m / (1 - b1 ** (t - t0)) if correct else m
        vh = v / (1 - b2 ** (t - t0)) if correct else v
        return w - lr * mh / (np.sqrt(vh) + eps), m, v, mh, vh


def rmsprop_update(w, dw, s, lr, rho, eps):
    """RMSProp (Tieleman and Hinton, 2012; ε outside the root as in PyTorch): s ← ρ·s + (1−ρ)·dw²,
    w ← w − η·dw/(√s + ε). Returns (w, s), new arrays."""
    s = rho * s + (1 - rho) * dw ** 2
    return w - lr * dw / (np.sqrt(s) + eps), s
