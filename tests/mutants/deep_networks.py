"""Wrong and unusual implementations for the deep-networks exercise.

``MUTANTS[name] = (item, code[, dependents])``: ``code`` redefines ONE class or function with a
plausible mistake and is appended to ``item``'s answer cell; the submission must lose exactly the
points of ``test_<item>`` plus those of the dependent items. The chapter-6 layers (Affine, Relu,
Sigmoid, SoftmaxWithLoss) are not graded on their own in this exercise: their mistakes are
appended to the network's answer cell and cost the ``network`` item. ``Tanh`` is graded on its
own: the network item builds its tanh layers from the learner's ``Sigmoid`` (2σ(2x) − 1), so a
mistake in ``Tanh`` costs ``tanh_layer`` only.
``UNUSUAL[name] = (item, code)``: correct but differently written; must keep full marks.
"""

MUTANTS = {
    # ---- the δ recursion in plain arrays
    "backprop: derivative taken at the layer above (f'(Z_l) instead of f'(Z_(l-1)))": ("backprop", """
def backprop(Ws, bs, acts, X, y):
    L = len(Ws)
    A, Z = [X], []
    for l in range(L):
        Z.append(A[-1] @ Ws[l] + bs[l])
        if l < L - 1:
            A.append({"relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
                      "tanh": np.tanh}[acts[l]](Z[-1]))
    n = X.shape[0]
    z = Z[-1] - Z[-1].max(axis=1, keepdims=True)
    P = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = float(-np.log(P[np.arange(n), y]).mean())
    delta = P.copy()
    delta[np.arange(n), y] -= 1.0
    delta /= n
    dWs, dbs = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        dWs[l] = A[l].T @ delta
        dbs[l] = delta.sum(axis=0)
        if l > 0:
            g = delta @ Ws[l].T
            a = A[min(l + 1, L - 1)] if l + 1 < L else A[l]
            d = {"relu": (Z[l - 1] > 0) * 1.0, "sigmoid": a * (1 - a), "tanh": 1 - a ** 2}[acts[l - 1]]
            delta = g * (d if d.shape == g.shape else 1.0)
    return loss, dWs, dbs
"""),
    "backprop: δ not multiplied by f' (linear backward)": ("backprop", """
def backprop(Ws, bs, acts, X, y):
    L = len(Ws)
    A, Z = [X], []
    for l in range(L):
        Z.append(A[-1] @ Ws[l] + bs[l])
        if l < L - 1:
            A.append({"relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
                      "tanh": np.tanh}[acts[l]](Z[-1]))
    n = X.shape[0]
    z = Z[-1] - Z[-1].max(axis=1, keepdims=True)
    P = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = float(-np.log(P[np.arange(n), y]).mean())
    delta = P.copy()
    delta[np.arange(n), y] -= 1.0
    delta /= n
    dWs, dbs = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        dWs[l] = A[l].T @ delta
        dbs[l] = delta.sum(axis=0)
        if l > 0:
            g = delta @ Ws[l].T
            a = A[l]
            d = {"relu": (Z[l - 1] > 0) * 1.0, "sigmoid": a * (1 - a), "tanh": 1 - a ** 2}[acts[l - 1]]
            delta = g
    return loss, dWs, dbs
"""),
    "backprop: dW = δᵀA (transposed product)": ("backprop", """
def backprop(Ws, bs, acts, X, y):
    L = len(Ws)
    A, Z = [X], []
    for l in range(L):
        Z.append(A[-1] @ Ws[l] + bs[l])
        if l < L - 1:
            A.append({"relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
                      "tanh": np.tanh}[acts[l]](Z[-1]))
    n = X.shape[0]
    z = Z[-1] - Z[-1].max(axis=1, keepdims=True)
    P = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = float(-np.log(P[np.arange(n), y]).mean())
    delta = P.copy()
    delta[np.arange(n), y] -= 1.0
    delta /= n
    dWs, dbs = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        dWs[l] = (delta.T @ A[l]).T * 1.0 if False else (delta.T @ A[l]).reshape(Ws[l].shape)
        dbs[l] = delta.sum(axis=0)
        if l > 0:
            g = delta @ Ws[l].T
            a = A[l]
            d = {"relu": (Z[l - 1] > 0) * 1.0, "sigmoid": a * (1 - a), "tanh": 1 - a ** 2}[acts[l - 1]]
            delta = g * d
    return loss, dWs, dbs
"""),
    "backprop: δ at the top not divided by N": ("backprop", """
def backprop(Ws, bs, acts, X, y):
    L = len(Ws)
    A, Z = [X], []
    for l in range(L):
        Z.append(A[-1] @ Ws[l] + bs[l])
        if l < L - 1:
            A.append({"relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
                      "tanh": np.tanh}[acts[l]](Z[-1]))
    n = X.shape[0]
    z = Z[-1] - Z[-1].max(axis=1, keepdims=True)
    P = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = float(-np.log(P[np.arange(n), y]).mean())
    delta = P.copy()
    delta[np.arange(n), y] -= 1.0
    dWs, dbs = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        dWs[l] = A[l].T @ delta
        dbs[l] = delta.sum(axis=0)
        if l > 0:
            g = delta @ Ws[l].T
            a = A[l]
            d = {"relu": (Z[l - 1] > 0) * 1.0, "sigmoid": a * (1 - a), "tanh": 1 - a ** 2}[acts[l - 1]]
            delta = g * d
    return loss, dWs, dbs
"""),
    # ---- Tanh
    "Tanh backward from the input (1 - x**2)": ("tanh_layer", """
class Tanh(Tanh):
    def forward(self, x):
        self.x = x
        return np.tanh(x)

    def backward(self, dout):
        return dout * (1.0 - self.x ** 2)
"""),
    "Tanh backward 1 - y instead of 1 - y**2": ("tanh_layer", """
class Tanh(Tanh):
    def backward(self, dout):
        return dout * (1.0 - self.out)
"""),
    "Tanh backward forgets dout": ("tanh_layer", """
class Tanh(Tanh):
    def backward(self, dout):
        return 1.0 - self.out ** 2
"""),
    "Tanh via exp(2x) overflows for large x": ("tanh_layer", """
class Tanh(Tanh):
    def forward(self, x):
        e = np.exp(2.0 * x)
        self.out = (e - 1.0) / (e + 1.0)
        return self.out
"""),                       # the networks' inputs are moderate: only the layer check sees |x| = 800
    # ---- Network
    "backward in forward order": ("network", """
class Network(Network):
    def backward(self, dout=1.0):
        for layer in self.layers:
            dout = layer.backward(dout)
        return dout
"""),
    "backward skips the activation layers": ("network", """
class Network(Network):
    def backward(self, dout=1.0):
        for layer in reversed(self.layers):
            if type(layer).__name__ in ("Relu", "Sigmoid", "Tanh"):
                continue
            dout = layer.backward(dout)
        return dout
"""),
    "backward stops before the first layer": ("network", """
class Network(Network):
    def backward(self, dout=1.0):
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        return dout
"""),
    "backward ignores its dout (always starts with 1)": ("network", """
class Network(Network):
    def backward(self, dout=1.0):
        grad = 1.0
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad
"""),
    "backward with the sign flipped": ("network", """
class Network(Network):
    def backward(self, dout=1.0):
        dout = -dout
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout
"""),
    "backward divides by the batch size again": ("network", """
class Network(Network):
    def backward(self, dout=1.0):
        dout = dout / self.layers[-1].t.shape[0]
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout
"""),
    "predict skips the activations": ("network", """
class Network(Network):
    def predict(self, X):
        out = X
        for layer in self.layers[:-1]:
            if hasattr(layer, "W"):
                out = layer.forward(out)
        return out
"""),
    "predict runs only the first two layers' worth of pairs": ("network", """
class Network(Network):
    def predict(self, X):
        out = X
        for layer in self.layers[:-1][:4]:
            out = layer.forward(out)
        return out
"""),
    "loss sums over the batch": ("network", """
class Network(Network):
    def loss(self, X, t):
        return self.layers[-1].forward(self.predict(X), t) * X.shape[0]
"""),
    # ---- chapter-6 layers, used by the network
    "Affine dW missing the transpose": ("network", """
class Affine(Affine):
    def backward(self, dout):
        self.dW = (dout.T @ self.x).T if dout.shape[1] != self.x.shape[1] else dout.T @ self.x
        self.db = dout.sum(axis=0)
        return dout @ self.W.T
"""),
    "Affine db averaged over the batch": ("network", """
class Affine(Affine):
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.mean(axis=0)
        return dout @ self.W.T
"""),
    "Affine db not summed over the batch": ("network", """
class Affine(Affine):
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout
        return dout @ self.W.T
"""),
    "Relu mask from dout": ("network", """
class Relu(Relu):
    def backward(self, dout):
        return np.where(dout > 0, dout, 0.0)
"""),
    "Sigmoid backward missing (1 - y)": ("network", """
class Sigmoid(Sigmoid):
    def backward(self, dout):
        return dout * self.out
"""),
    "SoftmaxWithLoss gradient not divided by N": ("network", """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def backward(self, dout=1.0):
        return dout * (self.y - self.t)
"""),
    "SoftmaxWithLoss ignores one-hot targets": ("network", """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        t = np.asarray(t)
        if t.ndim == 2:
            t = t[:, 0].astype(int)
        return super().forward(x, t)
"""),
    # ---- initialisation
    "He with fan_out": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / fo) if scheme == "he" else np.sqrt(2.0 / (fi + fo))
        out.append((rng.standard_normal((fi, fo)) * std, np.zeros(fo)))
    return out
"""),
    "He without the factor 2": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(1.0 / fi) if scheme == "he" else np.sqrt(2.0 / (fi + fo))
        out.append((rng.standard_normal((fi, fo)) * std, np.zeros(fo)))
    return out
"""),
    "Xavier as 1/fan_in": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / fi) if scheme == "he" else np.sqrt(1.0 / fi)
        out.append((rng.standard_normal((fi, fo)) * std, np.zeros(fo)))
    return out
"""),
    "variance used as the standard deviation": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        var = 2.0 / fi if scheme == "he" else 2.0 / (fi + fo)
        out.append((rng.standard_normal((fi, fo)) * var, np.zeros(fo)))
    return out
"""),
    "W transposed (fan_out, fan_in)": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        var = 2.0 / fi if scheme == "he" else 2.0 / (fi + fo)
        out.append((rng.standard_normal((fo, fi)) * np.sqrt(var), np.zeros(fo)))
    return out
"""),
    "biases drawn at random too": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / fi) if scheme == "he" else np.sqrt(2.0 / (fi + fo))
        out.append((rng.standard_normal((fi, fo)) * std, rng.standard_normal(fo) * std))
    return out
"""),
    "one column repeated for every unit (symmetric)": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / fi) if scheme == "he" else np.sqrt(2.0 / (fi + fo))
        col = rng.standard_normal((fi, 1)) * std
        out.append((np.tile(col, (1, fo)), np.zeros(fo)))
    return out
"""),
    "uniform on [0, a): right spread, wrong mean": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / fi) if scheme == "he" else np.sqrt(2.0 / (fi + fo))
        out.append((rng.uniform(0.0, np.sqrt(12.0) * std, size=(fi, fo)), np.zeros(fo)))
    return out
"""),
    "a fresh generator with the same seed for every layer": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / fi) if scheme == "he" else np.sqrt(2.0 / (fi + fo))
        out.append((np.random.default_rng(0).standard_normal((fi, fo)) * std, np.zeros(fo)))
    return out
"""),
    "weights drawn from the global np.random, not from rng": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / fi) if scheme == "he" else np.sqrt(2.0 / (fi + fo))
        out.append((np.random.standard_normal((fi, fo)) * std, np.zeros(fo)))
    return out
"""),
    "a generator of its own with a fixed seed, drawn layer after layer": ("init", """
def init_weights(sizes, scheme, rng):
    own = np.random.default_rng(12345)
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / fi) if scheme == "he" else np.sqrt(2.0 / (fi + fo))
        out.append((own.standard_normal((fi, fo)) * std, np.zeros(fo)))
    return out
"""),
    "float32 weights": ("init", """
def init_weights(sizes, scheme, rng):
    out = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / fi) if scheme == "he" else np.sqrt(2.0 / (fi + fo))
        out.append(((rng.standard_normal((fi, fo)) * std).astype(np.float32), np.zeros(fo)))
    return out
"""),
}

UNUSUAL = {
    "backprop written with the chain rule on dA, one dict of derivatives": ("backprop", """
def backprop(Ws, bs, acts, X, y):
    L = len(Ws)
    A, Z = [X], []
    for l in range(L):
        Z.append(A[-1] @ Ws[l] + bs[l])
        if l < L - 1:
            A.append({"relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
                      "tanh": np.tanh}[acts[l]](Z[-1]))
    n = X.shape[0]
    z = Z[-1] - Z[-1].max(axis=1, keepdims=True)
    P = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = float(-np.log(P[np.arange(n), y]).mean())
    delta = P.copy()
    delta[np.arange(n), y] -= 1.0
    delta /= n
    dWs, dbs = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        dWs[l] = A[l].T @ delta
        dbs[l] = delta.sum(axis=0)
        if l > 0:
            g = delta @ Ws[l].T
            a = A[l]
            d = {"relu": (Z[l - 1] > 0) * 1.0, "sigmoid": a * (1 - a), "tanh": 1 - a ** 2}[acts[l - 1]]
            delta = g * d
    return loss, dWs, dbs
"""),
    "Tanh through the sigmoid, 2σ(2x) − 1": ("tanh_layer", """
class Tanh:
    def forward(self, x):
        e = np.exp(-2.0 * np.abs(x))
        s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))    # sigmoid(2x), no overflow
        self.y = 2.0 * s - 1.0
        return self.y

    def backward(self, dout):
        return dout * (1.0 - self.y) * (1.0 + self.y)
"""),
    "Network with recursion and a separate head": ("network", """
from functools import reduce

class Network:
    def __init__(self, layers):
        *self.body, self.head = layers

    def predict(self, X):
        return reduce(lambda a, layer: layer.forward(a), self.body, X)

    def loss(self, X, t):
        return float(self.head.forward(self.predict(X), t))

    def backward(self, dout=1.0):
        def back(i, g):
            return g if i < 0 else back(i - 1, self.body[i].backward(g))
        return back(len(self.body) - 1, self.head.backward(dout))
"""),
    "Network walking indices backwards, layers in a tuple": ("network", """
class Network:
    def __init__(self, layers):
        self.layers = tuple(layers)

    def predict(self, X):
        h = np.array(X, dtype=np.float64)
        for i in range(len(self.layers) - 1):
            h = self.layers[i].forward(h)
        return h

    def loss(self, X, t):
        return np.float64(self.layers[-1].forward(self.predict(X), t))

    def backward(self, dout=1.0):
        g = dout
        for i in range(len(self.layers) - 1, -1, -1):
            g = self.layers[i].backward(g)
        return g
"""),
    "Xavier by its uniform form, U(-a, a) with a = sqrt(6/(fan_in+fan_out))": ("init", """
def init_weights(sizes, scheme, rng):
    layers = []
    for l in range(1, len(sizes)):
        fi, fo = sizes[l - 1], sizes[l]
        if scheme == "xavier":
            a = np.sqrt(6.0 / (fi + fo))
            W = rng.uniform(-a, a, size=(fi, fo))
        else:
            W = rng.normal(0.0, np.sqrt(2.0 / fi), size=(fi, fo))
        layers.append([W, np.zeros(fo)])
    return layers
"""),
    "init as a generator of pairs": ("init", """
def init_weights(sizes, scheme, rng):
    for fi, fo in zip(sizes, sizes[1:]):
        gain = 2.0 / fi if scheme == "he" else 4.0 / (2 * fi + 2 * fo) * 1.0
        yield rng.standard_normal(size=(fi, fo)) * gain ** 0.5, np.zeros((fo,))
"""),
}
