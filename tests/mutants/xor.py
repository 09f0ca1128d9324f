"""Wrong and unusual implementations for the XOR exercise (see tests/mutants/activations.py).

``MUTANTS[name] = (item, code[, dependent items])``; ``UNUSUAL[name] = (item, code)``.
The solution's ``train_xor`` does its own forward/backward, so a broken ``xor_backward`` loses
``backward`` only — unless it breaks the symmetry of the hidden units, which the ``symmetry`` item
checks on the learner's ``xor_backward`` too.
"""

MUTANTS = {
    "forward uses W1.T (same 2x2 shape)": ("forward", """
def xor_forward(X, W1, b1, W2, b2):
    h = sigmoid(X @ W1.T + b1)
    return h, sigmoid(h @ W2 + b2)
"""),
    "forward linear output unit": ("forward", """
def xor_forward(X, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    return h, h @ W2 + b2
"""),
    "forward float32": ("forward", """
def xor_forward(X, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1).astype(np.float32)
    return h, sigmoid(h @ W2 + b2).astype(np.float32)
"""),
    "backward delta_out missing the sigmoid derivative": ("backward", """
def xor_backward(X, y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    y_hat = sigmoid(h @ W2 + b2)
    d_out = y_hat - y
    d_h = (d_out @ W2.T) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "backward hidden units swapped (W2 of the wrong unit)": ("backward", """
def xor_backward(X, y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    y_hat = sigmoid(h @ W2 + b2)
    d_out = (y_hat - y) * y_hat * (1 - y_hat)
    d_h = (d_out @ W2[::-1].T) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "backward W2 without transpose (shape error)": ("backward", """
def xor_backward(X, y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    y_hat = sigmoid(h @ W2 + b2)
    d_out = (y_hat - y) * y_hat * (1 - y_hat)
    d_h = (d_out @ W2) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
""", ("symmetry",)),
    "backward dW1 transposed (delta.T @ X)": ("backward", """
def xor_backward(X, y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    y_hat = sigmoid(h @ W2 + b2)
    d_out = (y_hat - y) * y_hat * (1 - y_hat)
    d_h = (d_out @ W2.T) * h * (1 - h)
    return d_h.T @ X, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
""", ("symmetry",)),
    "backward sign flipped (y - y_hat)": ("backward", """
def xor_backward(X, y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    y_hat = sigmoid(h @ W2 + b2)
    d_out = (y - y_hat) * y_hat * (1 - y_hat)
    d_h = (d_out @ W2.T) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "backward without the 1/2 (factor 2 everywhere)": ("backward", """
def xor_backward(X, y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    y_hat = sigmoid(h @ W2 + b2)
    d_out = 2 * (y_hat - y) * y_hat * (1 - y_hat)
    d_h = (d_out @ W2.T) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "backward bias gradients averaged, not summed": ("backward", """
def xor_backward(X, y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    y_hat = sigmoid(h @ W2 + b2)
    d_out = (y_hat - y) * y_hat * (1 - y_hat)
    d_h = (d_out @ W2.T) * h * (1 - h)
    return X.T @ d_h, d_h.mean(axis=0), h.T @ d_out, d_out.mean(axis=0)
"""),
    "backward hidden derivative of the wrong function (sigma'(h))": ("backward", """
def xor_backward(X, y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    y_hat = sigmoid(h @ W2 + b2)
    d_out = (y_hat - y) * y_hat * (1 - y_hat)
    s = sigmoid(h)
    d_h = (d_out @ W2.T) * s * (1 - s)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "train gradient ascent": ("train", """
def train_xor(W1, b1, W2, b2, lr, epochs):
    W1, b1, W2, b2 = W1.copy(), b1.copy(), W2.copy(), b2.copy()
    losses = np.zeros(epochs)
    for t in range(epochs):
        h = sigmoid(X_XOR @ W1 + b1)
        y_hat = sigmoid(h @ W2 + b2)
        losses[t] = 0.5 * np.sum((y_hat - Y_XOR) ** 2)
        d_out = (y_hat - Y_XOR) * y_hat * (1 - y_hat)
        d_h = (d_out @ W2.T) * h * (1 - h)
        W2 = W2 + lr * (h.T @ d_out); b2 = b2 + lr * d_out.sum(axis=0)
        W1 = W1 + lr * (X_XOR.T @ d_h); b1 = b1 + lr * d_h.sum(axis=0)
    return (W1, b1, W2, b2), losses
"""),
    "train ignores the learning rate": ("train", """
def train_xor(W1, b1, W2, b2, lr, epochs):
    W1, b1, W2, b2 = W1.copy(), b1.copy(), W2.copy(), b2.copy()
    losses = np.zeros(epochs)
    for t in range(epochs):
        h = sigmoid(X_XOR @ W1 + b1)
        y_hat = sigmoid(h @ W2 + b2)
        losses[t] = 0.5 * np.sum((y_hat - Y_XOR) ** 2)
        d_out = (y_hat - Y_XOR) * y_hat * (1 - y_hat)
        d_h = (d_out @ W2.T) * h * (1 - h)
        W2 = W2 - h.T @ d_out; b2 = b2 - d_out.sum(axis=0)
        W1 = W1 - X_XOR.T @ d_h; b1 = b1 - d_h.sum(axis=0)
    return (W1, b1, W2, b2), losses
"""),
    "train uses stale forward values (computed once)": ("train", """
def train_xor(W1, b1, W2, b2, lr, epochs):
    W1, b1, W2, b2 = W1.copy(), b1.copy(), W2.copy(), b2.copy()
    losses = np.zeros(epochs)
    h = sigmoid(X_XOR @ W1 + b1)
    y_hat = sigmoid(h @ W2 + b2)
    for t in range(epochs):
        losses[t] = 0.5 * np.sum((y_hat - Y_XOR) ** 2)
        d_out = (y_hat - Y_XOR) * y_hat * (1 - y_hat)
        d_h = (d_out @ W2.T) * h * (1 - h)
        W2 = W2 - lr * (h.T @ d_out); b2 = b2 - lr * d_out.sum(axis=0)
        W1 = W1 - lr * (X_XOR.T @ d_h); b1 = b1 - lr * d_h.sum(axis=0)
    return (W1, b1, W2, b2), losses
"""),
    "train records the loss after the update": ("train", """
def train_xor(W1, b1, W2, b2, lr, epochs):
    W1, b1, W2, b2 = W1.copy(), b1.copy(), W2.copy(), b2.copy()
    losses = np.zeros(epochs)
    for t in range(epochs):
        h = sigmoid(X_XOR @ W1 + b1)
        y_hat = sigmoid(h @ W2 + b2)
        d_out = (y_hat - Y_XOR) * y_hat * (1 - y_hat)
        d_h = (d_out @ W2.T) * h * (1 - h)
        W2 = W2 - lr * (h.T @ d_out); b2 = b2 - lr * d_out.sum(axis=0)
        W1 = W1 - lr * (X_XOR.T @ d_h); b1 = b1 - lr * d_h.sum(axis=0)
        y_new = sigmoid(sigmoid(X_XOR @ W1 + b1) @ W2 + b2)
        losses[t] = 0.5 * np.sum((y_new - Y_XOR) ** 2)
    return (W1, b1, W2, b2), losses
"""),
    "train modifies the initial arrays in place": ("train", """
def train_xor(W1, b1, W2, b2, lr, epochs):
    losses = np.zeros(epochs)
    for t in range(epochs):
        h = sigmoid(X_XOR @ W1 + b1)
        y_hat = sigmoid(h @ W2 + b2)
        losses[t] = 0.5 * np.sum((y_hat - Y_XOR) ** 2)
        d_out = (y_hat - Y_XOR) * y_hat * (1 - y_hat)
        d_h = (d_out @ W2.T) * h * (1 - h)
        W2 -= lr * (h.T @ d_out); b2 -= lr * d_out.sum(axis=0)
        W1 -= lr * (X_XOR.T @ d_h); b1 -= lr * d_h.sum(axis=0)
    return (W1, b1, W2, b2), losses
"""),
    "train updates W2 before computing the hidden delta": ("train", """
def train_xor(W1, b1, W2, b2, lr, epochs):
    W1, b1, W2, b2 = W1.copy(), b1.copy(), W2.copy(), b2.copy()
    losses = np.zeros(epochs)
    for t in range(epochs):
        h = sigmoid(X_XOR @ W1 + b1)
        y_hat = sigmoid(h @ W2 + b2)
        losses[t] = 0.5 * np.sum((y_hat - Y_XOR) ** 2)
        d_out = (y_hat - Y_XOR) * y_hat * (1 - y_hat)
        W2 = W2 - lr * (h.T @ d_out); b2 = b2 - lr * d_out.sum(axis=0)
        d_h = (d_out @ W2.T) * h * (1 - h)
        W1 = W1 - lr * (X_XOR.T @ d_h); b1 = b1 - lr * d_h.sum(axis=0)
    return (W1, b1, W2, b2), losses
"""),
    "train with dW1 transposed (breaks symmetry)": ("train", """
def train_xor(W1, b1, W2, b2, lr, epochs):
    W1, b1, W2, b2 = W1.copy(), b1.copy(), W2.copy(), b2.copy()
    losses = np.zeros(epochs)
    for t in range(epochs):
        h = sigmoid(X_XOR @ W1 + b1)
        y_hat = sigmoid(h @ W2 + b2)
        losses[t] = 0.5 * np.sum((y_hat - Y_XOR) ** 2)
        d_out = (y_hat - Y_XOR) * y_hat * (1 - y_hat)
        d_h = (d_out @ W2.T) * h * (1 - h)
        W2 = W2 - lr * (h.T @ d_out); b2 = b2 - lr * d_out.sum(axis=0)
        W1 = W1 - lr * (d_h.T @ X_XOR); b1 = b1 - lr * d_h.sum(axis=0)
    return (W1, b1, W2, b2), losses
""", ("symmetry",)),
    "train updates only the first hidden unit's bias": ("train", """
def train_xor(W1, b1, W2, b2, lr, epochs):
    W1, b1, W2, b2 = W1.copy(), b1.copy(), W2.copy(), b2.copy()
    losses = np.zeros(epochs)
    for t in range(epochs):
        h = sigmoid(X_XOR @ W1 + b1)
        y_hat = sigmoid(h @ W2 + b2)
        losses[t] = 0.5 * np.sum((y_hat - Y_XOR) ** 2)
        d_out = (y_hat - Y_XOR) * y_hat * (1 - y_hat)
        d_h = (d_out @ W2.T) * h * (1 - h)
        W2 = W2 - lr * (h.T @ d_out); b2 = b2 - lr * d_out.sum(axis=0)
        W1 = W1 - lr * (X_XOR.T @ d_h); b1 = b1 - lr * np.array([d_h[:, 0].sum(), 0.0])
    return (W1, b1, W2, b2), losses
""", ("symmetry",)),
    "half adder keeps the sigmoid's slope in delta_out (squared-error habit)": ("half_adder", """
def half_adder_backward(X, Y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    Y_hat = sigmoid(h @ W2 + b2)
    d_out = (Y_hat - Y) * Y_hat * (1 - Y_hat)
    d_h = (d_out @ W2.T) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "half adder passes only the first output's delta back": ("half_adder", """
def half_adder_backward(X, Y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    Y_hat = sigmoid(h @ W2 + b2)
    d_out = Y_hat - Y
    d_h = (d_out[:, :1] @ W2[:, :1].T) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "half adder multiplies the sums (sum_k W2[j,k]) * (sum_k delta_k)": ("half_adder", """
def half_adder_backward(X, Y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    Y_hat = sigmoid(h @ W2 + b2)
    d_out = Y_hat - Y
    d_h = d_out.sum(axis=1, keepdims=True) * W2.sum(axis=1) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "half adder delta_out with the sign flipped (y - y_hat)": ("half_adder", """
def half_adder_backward(X, Y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    Y_hat = sigmoid(h @ W2 + b2)
    d_out = Y - Y_hat
    d_h = (d_out @ W2.T) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "half adder averages over the batch": ("half_adder", """
def half_adder_backward(X, Y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    Y_hat = sigmoid(h @ W2 + b2)
    d_out = (Y_hat - Y) / X.shape[0]
    d_h = (d_out @ W2.T) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "half adder W2 without transpose in delta_hidden (the 2x2 shape hides it)": ("half_adder", """
def half_adder_backward(X, Y, W1, b1, W2, b2):
    h = sigmoid(X @ W1 + b1)
    Y_hat = sigmoid(h @ W2 + b2)
    d_out = Y_hat - Y
    d_h = (d_out @ W2) * h * (1 - h)
    return X.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)
"""),
    "random_init gives equal weights": ("symmetry", """
def random_init(rng, scale):
    w = scale * rng.normal()
    return np.full((2, 2), w), np.zeros(2), np.full((2, 1), w), np.zeros(1)
"""),
    "random_init draws one column of W1 and repeats it": ("symmetry", """
def random_init(rng, scale):
    col = scale * rng.normal(size=(2, 1))
    return np.hstack([col, col]), np.zeros(2), scale * rng.normal(size=(2, 1)), np.zeros(1)
"""),
    "random_init ignores rng (np.random)": ("symmetry", """
def random_init(rng, scale):
    return scale * np.random.randn(2, 2), np.zeros(2), scale * np.random.randn(2, 1), np.zeros(1)
"""),
}

UNUSUAL = {
    "half adder with loops and an explicit sum over k, returned as a dict": ("half_adder", """
def half_adder_backward(X, Y, W1, b1, W2, b2):
    g = {"dW1": np.zeros((2, 2)), "db1": np.zeros(2), "dW2": np.zeros((2, 2)), "db2": np.zeros(2)}
    for n in range(X.shape[0]):
        h = 1 / (1 + np.exp(-(X[n] @ W1 + b1)))
        y_hat = 1 / (1 + np.exp(-(h @ W2 + b2)))
        dL_dy = -Y[n] / y_hat + (1 - Y[n]) / (1 - y_hat)      # then the chain rule, unsimplified
        d_out = dL_dy * y_hat * (1 - y_hat)
        for j in range(2):
            d_hj = h[j] * (1 - h[j]) * sum(W2[j, k] * d_out[k] for k in range(2))
            g["db1"][j] += d_hj
            for i in range(2):
                g["dW1"][i, j] += X[n, i] * d_hj
            for k in range(2):
                g["dW2"][j, k] += h[j] * d_out[k]
        g["db2"] += d_out
    return g
"""),
    "forward with einsum and naive exp sigmoid": ("forward", """
def xor_forward(X, W1, b1, W2, b2):
    h = 1 / (1 + np.exp(-(np.einsum('ni,ij->nj', X, W1) + b1)))
    return h, 1 / (1 + np.exp(-(np.einsum('nj,jk->nk', h, W2) + b2)))
"""),
    "backward with explicit loops, returned as a dict": ("backward", """
def xor_backward(X, y, W1, b1, W2, b2):
    grads = {"dW1": np.zeros((2, 2)), "db1": np.zeros(2), "dW2": np.zeros((2, 1)), "db2": np.zeros(1)}
    for n in range(X.shape[0]):
        x = X[n]
        h = sigmoid(x @ W1 + b1)
        out = sigmoid(h @ W2 + b2)
        d_out = (out - y[n]) * out * (1 - out)          # (1,)
        for j in range(2):
            grads["dW2"][j, 0] += h[j] * d_out[0]
            d_hj = d_out[0] * W2[j, 0] * h[j] * (1 - h[j])
            grads["db1"][j] += d_hj
            for i in range(2):
                grads["dW1"][i, j] += x[i] * d_hj
        grads["db2"] += d_out
    return grads
"""),
    "train calling its own forward/backward, losses as a list, dict params": ("train", """
def train_xor(W1, b1, W2, b2, lr, epochs):
    p = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    losses = []
    for _ in range(epochs):
        h = sigmoid(X_XOR @ p["W1"] + p["b1"])
        y_hat = sigmoid(h @ p["W2"] + p["b2"])
        losses.append(float(0.5 * np.sum((y_hat - Y_XOR) ** 2)))
        d_out = (y_hat - Y_XOR) * (y_hat - y_hat ** 2)
        d_h = np.einsum('nk,jk->nj', d_out, p["W2"]) * (h - h ** 2)
        g = {"W1": np.einsum('ni,nj->ij', X_XOR, d_h), "b1": d_h.sum(0), "W2": h.T @ d_out, "b2": d_out.sum(0)}
        p = {k: p[k] - lr * g[k] for k in p}
    return p, losses
"""),
    "random_init with uniform draws": ("symmetry", """
def random_init(rng, scale):
    W = rng.uniform(-1, 1, size=6) * scale
    return W[:4].reshape(2, 2), np.zeros(2), W[4:].reshape(2, 1), np.zeros(1)
"""),
}
