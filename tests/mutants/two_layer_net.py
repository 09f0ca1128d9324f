"""Wrong and unusual implementations for the two-layer-network exercise.

``MUTANTS[name] = (item, code[, dependents])``: ``code`` redefines ONE class or function with a
plausible mistake and is appended to ``item``'s answer cell; the submission must lose exactly the
points of ``test_<item>`` plus those of the dependent items (``two_layer_loss`` is built from the
layers and ``train`` calls ``two_layer_loss``, so a layer mistake that changes the network's loss
or gradients also costs ``two_layer_net`` and ``sgd``).
``UNUSUAL[name] = (item, code)``: correct but differently written; must keep full marks.
"""

NET = ("two_layer_net", "sgd")

MUTANTS = {
    "Affine dW missing the transpose": ("affine", """
class Affine(Affine):
    def backward(self, dout):
        self.dW = dout.T @ self.x
        self.db = dout.sum(axis=0)
        return dout @ self.W.T
""", NET),
    "Affine db not summed over the batch": ("affine", """
class Affine(Affine):
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.copy()
        return dout @ self.W.T
""", NET),
    "Affine db averaged instead of summed": ("affine", """
class Affine(Affine):
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.mean(axis=0)
        return dout @ self.W.T
""", NET),
    "Affine dx without the transpose of W": ("affine", """
class Affine(Affine):
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W
""", NET),
    "Relu mask from the output with the wrong sign": ("relu_layer", """
class Relu(Relu):
    def forward(self, x):
        out = np.maximum(x, 0.0)
        self.mask = out < 0
        return out

    def backward(self, dout):
        return np.where(self.mask, 0.0, dout)
""", NET),
    "Relu.backward zeroes dout in place": ("relu_layer", """
class Relu(Relu):
    def backward(self, dout):
        dout[~self.mask] = 0.0
        return dout
"""),
    "Relu.forward modifies its input": ("relu_layer", """
class Relu(Relu):
    def forward(self, x):
        self.mask = x > 0
        x[~self.mask] = 0.0
        return x
"""),
    "Sigmoid backward using the input": ("sigmoid_layer", """
class Sigmoid(Sigmoid):
    def forward(self, x):
        self.x = x
        return 0.5 * (1.0 + np.tanh(0.5 * x))

    def backward(self, dout):
        return dout * self.x * (1.0 - self.x)
"""),
    "Sigmoid backward missing (1 - y)": ("sigmoid_layer", """
class Sigmoid(Sigmoid):
    def backward(self, dout):
        return dout * self.out
"""),
    "SoftmaxWithLoss gradient not divided by N": ("softmax_with_loss", """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def backward(self, dout=1.0):
        return dout * (self.y - self.t)
""", NET),
    "SoftmaxWithLoss ignores dout": ("softmax_with_loss", """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def backward(self, dout=1.0):
        return (self.y - self.t) / self.t.shape[0]
"""),
    "SoftmaxWithLoss one-hot labels decoded along the wrong axis": ("softmax_with_loss", """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        if t.ndim == 2:
            t = t.argmax(axis=0)
        n, c = x.shape
        z = x - x.max(axis=1, keepdims=True)
        log_y = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        self.y, self.t = np.exp(log_y), np.eye(c)[t]
        return -np.sum(self.t * log_y) / n
"""),
    "SoftmaxWithLoss one-hot loss summed, not averaged": ("softmax_with_loss", """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        loss = super().forward(x, t)
        return loss * x.shape[0] if t.ndim == 2 else loss
"""),
    "SoftmaxWithLoss without subtracting the max": ("softmax_with_loss", """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        n, c = x.shape
        if t.ndim == 1:
            t = np.eye(c)[t]
        e = np.exp(x)
        self.y, self.t = e / e.sum(axis=1, keepdims=True), t
        return -np.sum(t * np.log(self.y)) / n
"""),
    "SoftmaxWithLoss log(y + 1e-7)": ("softmax_with_loss", """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        n, c = x.shape
        if t.ndim == 1:
            t = np.eye(c)[t]
        z = x - x.max(axis=1, keepdims=True)
        e = np.exp(z)
        self.y, self.t = e / e.sum(axis=1, keepdims=True), t
        return -np.sum(t * np.log(self.y + 1e-7)) / n
""", NET),
    "SoftmaxWithLoss float32 loss": ("softmax_with_loss", """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        return np.float32(super().forward(x, t))
""", NET),
    "two_layer_loss with a sigmoid hidden layer": ("two_layer_net", """
def two_layer_loss(params, X, y):
    fc1, act = Affine(params["W1"], params["b1"]), Sigmoid()
    fc2, out = Affine(params["W2"], params["b2"]), SoftmaxWithLoss()
    loss = out.forward(fc2.forward(act.forward(fc1.forward(X))), y)
    fc1.backward(act.backward(fc2.backward(out.backward(1.0))))
    return loss, {"W1": fc1.dW, "b1": fc1.db, "W2": fc2.dW, "b2": fc2.db}
""", ("sgd",)),
    "two_layer_loss skips the ReLU in backward": ("two_layer_net", """
def two_layer_loss(params, X, y):
    fc1, act = Affine(params["W1"], params["b1"]), Relu()
    fc2, out = Affine(params["W2"], params["b2"]), SoftmaxWithLoss()
    loss = out.forward(fc2.forward(act.forward(fc1.forward(X))), y)
    fc1.backward(fc2.backward(out.backward(1.0)))
    return loss, {"W1": fc1.dW, "b1": fc1.db, "W2": fc2.dW, "b2": fc2.db}
""", ("sgd",)),
    "two_layer_loss gradient keys mixed up": ("two_layer_net", """
def two_layer_loss(params, X, y):
    fc1, act = Affine(params["W1"], params["b1"]), Relu()
    fc2, out = Affine(params["W2"], params["b2"]), SoftmaxWithLoss()
    loss = out.forward(fc2.forward(act.forward(fc1.forward(X))), y)
    fc1.backward(act.backward(fc2.backward(out.backward(1.0))))
    return loss, {"W1": fc1.dW, "b1": fc2.db, "W2": fc2.dW, "b2": fc1.db}
""", ("sgd",)),
    "hinge backward forgets the correct class's score": ("hinge_loss", """
class HingeLoss:
    def forward(self, x, t):
        n = x.shape[0]
        rows = np.arange(n)
        margins = x - x[rows, t][:, None] + 1.0
        margins[rows, t] = 0.0
        self.active = (margins > 0).astype(np.float64)
        self.t = t
        return float(np.sum(margins * self.active) / n)

    def backward(self, dout=1.0):
        return dout * self.active / self.active.shape[0]
"""),
    "hinge sums the correct class's own margin (+1 per row)": ("hinge_loss", """
class HingeLoss:
    def forward(self, x, t):
        n = x.shape[0]
        margins = x - x[np.arange(n), t][:, None] + 1.0
        self.active = (margins > 0).astype(np.float64)
        self.t = t
        return float(np.sum(margins * self.active) / n)

    def backward(self, dout=1.0):
        n = self.active.shape[0]
        dx = self.active.copy()
        dx[np.arange(n), self.t] -= self.active.sum(axis=1)
        return dout * dx / n
"""),
    "hinge gradient summed over the batch (no 1/N)": ("hinge_loss", """
class HingeLoss:
    def forward(self, x, t):
        n = x.shape[0]
        rows = np.arange(n)
        margins = x - x[rows, t][:, None] + 1.0
        margins[rows, t] = 0.0
        self.active = (margins > 0).astype(np.float64)
        self.t = t
        return float(np.sum(margins * self.active) / n)

    def backward(self, dout=1.0):
        n = self.active.shape[0]
        dx = self.active.copy()
        dx[np.arange(n), self.t] = -self.active.sum(axis=1)
        return dout * dx
"""),
    "hinge backward ignores dout": ("hinge_loss", """
class HingeLoss:
    def forward(self, x, t):
        n = x.shape[0]
        rows = np.arange(n)
        margins = x - x[rows, t][:, None] + 1.0
        margins[rows, t] = 0.0
        self.active = (margins > 0).astype(np.float64)
        self.t = t
        return float(np.sum(margins * self.active) / n)

    def backward(self, dout=1.0):
        n = self.active.shape[0]
        dx = self.active.copy()
        dx[np.arange(n), self.t] = -self.active.sum(axis=1)
        return dx / n
"""),
    "hinge correct class gets -1 instead of minus the count": ("hinge_loss", """
class HingeLoss:
    def forward(self, x, t):
        n = x.shape[0]
        rows = np.arange(n)
        margins = x - x[rows, t][:, None] + 1.0
        margins[rows, t] = 0.0
        self.active = (margins > 0).astype(np.float64)
        self.t = t
        return float(np.sum(margins * self.active) / n)

    def backward(self, dout=1.0):
        n = self.active.shape[0]
        dx = self.active.copy()
        dx[np.arange(n), self.t] = -(self.active.sum(axis=1) > 0).astype(np.float64)
        return dout * dx / n
"""),
    "SGD initialises with the variance as the standard deviation": ("sgd", """
def train(X, y, hidden, lr, batch_size, steps, seed):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    c = int(y.max()) + 1
    params = {"W1": rng.normal(0, 2.0 / d, size=(d, hidden)), "b1": np.zeros(hidden),
              "W2": rng.normal(0, 2.0 / hidden, size=(hidden, c)), "b2": np.zeros(c)}
    losses = []
    for _ in range(steps):
        idx = rng.choice(n, size=batch_size, replace=False)
        loss, grads = two_layer_loss(params, X[idx], y[idx])
        params = {k: params[k] - lr * grads[k] for k in params}
        losses.append(loss)
    return params, np.array(losses)
"""),
    "SGD sign flipped": ("sgd", """
_train_ok = train
def train(X, y, hidden, lr, batch_size, steps, seed):
    return _train_ok(X, y, hidden, -lr, batch_size, steps, seed)
"""),
    "SGD ignores lr": ("sgd", """
_train_ok = train
def train(X, y, hidden, lr, batch_size, steps, seed):
    return _train_ok(X, y, hidden, 0.5, batch_size, steps, seed)
"""),
    "SGD uses the same mini-batch at every step": ("sgd", """
def train(X, y, hidden, lr, batch_size, steps, seed):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    c = int(y.max()) + 1
    params = {"W1": rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d), "b1": np.zeros(hidden),
              "W2": rng.standard_normal((hidden, c)) * np.sqrt(2.0 / hidden), "b2": np.zeros(c)}
    idx = rng.choice(n, size=batch_size, replace=False)
    losses = []
    for _ in range(steps):
        loss, grads = two_layer_loss(params, X[idx], y[idx])
        params = {k: params[k] - lr * grads[k] for k in params}
        losses.append(loss)
    return params, losses
"""),
    "SGD draws mini-batches with replacement": ("sgd", """
def train(X, y, hidden, lr, batch_size, steps, seed):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    c = int(y.max()) + 1
    params = {"W1": rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d), "b1": np.zeros(hidden),
              "W2": rng.standard_normal((hidden, c)) * np.sqrt(2.0 / hidden), "b2": np.zeros(c)}
    losses = []
    for _ in range(steps):
        idx = rng.integers(0, n, size=batch_size)
        loss, grads = two_layer_loss(params, X[idx], y[idx])
        params = {k: params[k] - lr * grads[k] for k in params}
        losses.append(loss)
    return params, losses
"""),
    "SGD records the loss after the update": ("sgd", """
_train_ok = train
def train(X, y, hidden, lr, batch_size, steps, seed):
    params, losses = _train_ok(X, y, hidden, lr, batch_size, steps, seed)
    return params, list(losses[1:]) + [two_layer_loss(params, X, y)[0]]
"""),
}

UNUSUAL = {
    "hinge with loops over rows and classes": ("hinge_loss", """
class HingeLoss:
    def forward(self, x, t):
        self.x, self.t = np.array(x, dtype=float), [int(k) for k in t]
        total = 0.0
        for n, k in enumerate(self.t):
            for c in range(x.shape[1]):
                if c != k:
                    total += max(0.0, x[n, c] - x[n, k] + 1.0)
        return total / x.shape[0]

    def backward(self, dout=1.0):
        N, C = self.x.shape
        dx = np.zeros((N, C))
        for n, k in enumerate(self.t):
            for c in range(C):
                if c != k and self.x[n, c] - self.x[n, k] + 1.0 > 0:
                    dx[n, c] += dout / N
                    dx[n, k] -= dout / N
        return dx
"""),
    "hinge through a one-hot matrix": ("hinge_loss", """
class HingeLoss:
    def forward(self, x, t):
        T = np.eye(x.shape[1])[t]
        correct = np.sum(x * T, axis=1, keepdims=True)
        self.M = (np.maximum(0.0, x - correct + 1.0) > 0) * (1 - T)
        self.T = T
        return np.sum(np.maximum(0.0, x - correct + 1.0) * (1 - T)) / x.shape[0]

    def backward(self, dout=1.0):
        return dout * (self.M - self.T * self.M.sum(axis=1, keepdims=True)) / self.M.shape[0]
"""),
    "SGD with a uniform He initialisation of the same variance": ("sgd", """
def train(X, y, hidden, lr, batch_size, steps, seed):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    c = int(y.max()) + 1
    a1, a2 = np.sqrt(6.0 / d), np.sqrt(6.0 / hidden)          # Var U(-a, a) = a^2 / 3 = 2 / fan_in
    params = {"W1": rng.uniform(-a1, a1, size=(d, hidden)), "b1": np.zeros(hidden),
              "W2": rng.uniform(-a2, a2, size=(hidden, c)), "b2": np.zeros(c)}
    losses = []
    for _ in range(steps):
        idx = rng.choice(n, size=batch_size, replace=False)
        loss, grads = two_layer_loss(params, X[idx], y[idx])
        params = {k: params[k] - lr * grads[k] for k in params}
        losses.append(loss)
    return params, np.array(losses)
"""),
    "Affine with einsum and a ones-vector bias gradient": ("affine", """
class Affine:
    def __init__(self, W, b):
        self.W, self.b, self.x, self.dW, self.db = W, b, None, None, None

    def forward(self, x):
        self.x = x.copy()
        return np.einsum('nd,dm->nm', x, self.W) + self.b[None, :]

    def backward(self, dout):
        self.dW = np.einsum('nd,nm->dm', self.x, dout)
        self.db = np.ones(dout.shape[0]) @ dout
        return np.einsum('nm,dm->nd', dout, self.W)
"""),
    "Relu with a float mask": ("relu_layer", """
class Relu:
    def forward(self, x):
        self.keep = (x > 0).astype(np.float64)
        return x * self.keep

    def backward(self, dout):
        return dout * self.keep
"""),
    "Sigmoid via tanh, naive backward from the output": ("sigmoid_layer", """
class Sigmoid:
    def forward(self, x):
        self.y = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.y

    def backward(self, dout):
        return dout * self.y - dout * self.y ** 2
"""),
    "SoftmaxWithLoss with index arithmetic": ("softmax_with_loss", """
class SoftmaxWithLoss:
    def forward(self, x, t):
        self.labels = t.argmax(axis=1) if t.ndim == 2 else t
        m = x.max(axis=1, keepdims=True)
        lse = (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True)))[:, 0]
        self.p = np.exp(x - lse[:, None])
        rows = np.arange(x.shape[0])
        return float(np.mean(lse - x[rows, self.labels]))

    def backward(self, dout=1.0):
        dx = self.p.copy()
        dx[np.arange(dx.shape[0]), self.labels] -= 1.0
        return dx * (dout / dx.shape[0])
"""),
    "two_layer_loss as a loop over a layer list": ("two_layer_net", """
def two_layer_loss(params, X, y):
    layers = [Affine(params["W1"], params["b1"]), Relu(), Affine(params["W2"], params["b2"])]
    h = X
    for layer in layers:
        h = layer.forward(h)
    head = SoftmaxWithLoss()
    loss = head.forward(h, y)
    g = head.backward()
    for layer in reversed(layers):
        g = layer.backward(g)
    names = iter(["W1", "b1", "W2", "b2"])
    grads = {}
    for layer in (layers[0], layers[2]):
        grads[next(names)] = layer.dW
        grads[next(names)] = layer.db
    return loss, grads
"""),
    "SGD over shuffled epochs, in-place updates": ("sgd", """
def train(X, y, hidden, lr, batch_size, steps, seed):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    c = int(np.max(y)) + 1
    params = {"W1": rng.normal(0.0, np.sqrt(2.0 / d), size=(d, hidden)), "b1": np.zeros(hidden),
              "W2": rng.normal(0.0, np.sqrt(2.0 / hidden), size=(hidden, c)), "b2": np.zeros(c)}
    losses, order, pos = [], rng.permutation(n), 0
    for _ in range(steps):
        if pos + batch_size > n:
            order, pos = rng.permutation(n), 0
        idx = order[pos:pos + batch_size]
        pos += batch_size
        loss, grads = two_layer_loss(params, X[idx], y[idx])
        for k in params:
            params[k] -= lr * grads[k]
        losses.append(loss)
    return params, np.array(losses)
"""),
}
