"""Wrong and unusual implementations for the chain-rule exercise.

``MUTANTS[name] = (item, code)``: ``code`` redefines ONE function with a plausible mistake and is
appended to item's answer cell; the submission must lose exactly the points of ``test_<item>``.
``UNUSUAL[name] = (item, code)``: correct but differently written; must keep full marks.
"""

MUTANTS = {
    "neuron_backward returns (db, dw)": ("neuron", """
_neuron_backward_ok = neuron_backward
def neuron_backward(x, y, w, b):
    dw, db = _neuron_backward_ok(x, y, w, b)
    return db, dw
"""),
    "neuron_backward sign flipped": ("neuron", """
def neuron_backward(x, y, w, b):
    y_hat = 1 / (1 + np.exp(-(w * x + b)))
    delta = (y - y_hat) * y_hat * (1 - y_hat) / len(x)
    return float(np.sum(delta * x)), float(np.sum(delta))
"""),
    "neuron_backward sums instead of averaging": ("neuron", """
def neuron_backward(x, y, w, b):
    y_hat = 1 / (1 + np.exp(-(w * x + b)))
    delta = (y_hat - y) * y_hat * (1 - y_hat)
    return float(np.sum(delta * x)), float(np.sum(delta))
"""),
    "neuron_backward forgets sigma prime": ("neuron", """
def neuron_backward(x, y, w, b):
    y_hat = 1 / (1 + np.exp(-(w * x + b)))
    delta = (y_hat - y) / len(x)
    return float(np.sum(delta * x)), float(np.sum(delta))
"""),
    "neuron_backward dw without x": ("neuron", """
def neuron_backward(x, y, w, b):
    y_hat = 1 / (1 + np.exp(-(w * x + b)))
    delta = (y_hat - y) * y_hat * (1 - y_hat) / len(x)
    return float(np.sum(delta)), float(np.sum(delta))
"""),
    "neuron_backward sigma prime of y_hat": ("neuron", """
def neuron_backward(x, y, w, b):
    y_hat = 1 / (1 + np.exp(-(w * x + b)))
    s = 1 / (1 + np.exp(-y_hat))
    delta = (y_hat - y) * s * (1 - s) / len(x)
    return float(np.sum(delta * x)), float(np.sum(delta))
"""),
    "neuron_forward loss without the half": ("neuron", """
def neuron_forward(x, y, w, b):
    y_hat = 1 / (1 + np.exp(-(w * x + b)))
    return y_hat, float(np.mean((y - y_hat) ** 2))
"""),
    "neuron_forward summed loss": ("neuron", """
def neuron_forward(x, y, w, b):
    y_hat = 1 / (1 + np.exp(-(w * x + b)))
    return y_hat, float(np.sum(0.5 * (y - y_hat) ** 2))
"""),
    "neuron_forward float32": ("neuron", """
def neuron_forward(x, y, w, b):
    y_hat = (1 / (1 + np.exp(-(w * x + b)))).astype(np.float32)
    return y_hat, float(np.mean(0.5 * (y - y_hat) ** 2))
"""),
    "neuron_forward modifies x in place": ("neuron", """
def neuron_forward(x, y, w, b):
    x *= w
    x += b
    y_hat = 1 / (1 + np.exp(-x))
    return y_hat, float(np.mean(0.5 * (y - y_hat) ** 2))
"""),
    "numerical_gradient forward difference": ("numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - f0) / h
        x[i] = old
    return grad
"""),
    "numerical_gradient divides by h": ("numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / h
    return grad
"""),
    "numerical_gradient does not restore x": ("numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        grad[i] = (fp - fm) / (2 * h)
    return grad
"""),
    "numerical_gradient perturbs every entry at once": ("numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        grad[i] = (f(x + h) - f(x - h)) / (2 * h)
    return grad
"""),
    "numerical_gradient only for 1-D x": ("numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(len(x))
    for i in range(len(x)):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad
"""),
    "numerical_gradient ignores h": ("numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    h = 0.1
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad
"""),
    "forward_difference is central": ("forward_difference", """
def forward_difference(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad
"""),
    "forward_difference backward difference": ("forward_difference", """
def forward_difference(f, x, h=1e-5):
    grad = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old - h
        grad[i] = (f0 - f(x)) / h
        x[i] = old
    return grad
"""),
    "forward_difference leaves x perturbed": ("forward_difference", """
def forward_difference(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        f0 = f(x)
        x[i] += h
        grad[i] = (f(x) - f0) / h
    return grad
"""),
    "gradient_descent ascends": ("gradient_descent", """
def gradient_descent(x, y, w0, b0, lr, steps):
    w, b, losses = w0, b0, []
    for _ in range(steps):
        y_hat = 1 / (1 + np.exp(-(w * x + b)))
        losses.append(np.mean(0.5 * (y - y_hat) ** 2))
        delta = (y_hat - y) * y_hat * (1 - y_hat) / len(x)
        w, b = w + lr * np.sum(delta * x), b + lr * np.sum(delta)
    return w, b, np.array(losses)
"""),
    "gradient_descent forgets the learning rate": ("gradient_descent", """
def gradient_descent(x, y, w0, b0, lr, steps):
    w, b, losses = w0, b0, []
    for _ in range(steps):
        y_hat = 1 / (1 + np.exp(-(w * x + b)))
        losses.append(np.mean(0.5 * (y - y_hat) ** 2))
        delta = (y_hat - y) * y_hat * (1 - y_hat) / len(x)
        w, b = w - np.sum(delta * x), b - np.sum(delta)
    return w, b, np.array(losses)
"""),
    "gradient_descent loss recorded after the update": ("gradient_descent", """
def gradient_descent(x, y, w0, b0, lr, steps):
    w, b, losses = w0, b0, []
    for _ in range(steps):
        y_hat = 1 / (1 + np.exp(-(w * x + b)))
        delta = (y_hat - y) * y_hat * (1 - y_hat) / len(x)
        w, b = w - lr * np.sum(delta * x), b - lr * np.sum(delta)
        y_hat = 1 / (1 + np.exp(-(w * x + b)))
        losses.append(np.mean(0.5 * (y - y_hat) ** 2))
    return w, b, np.array(losses)
"""),
    "gradient_descent updates b with the new w": ("gradient_descent", """
def gradient_descent(x, y, w0, b0, lr, steps):
    w, b, losses = w0, b0, []
    for _ in range(steps):
        y_hat = 1 / (1 + np.exp(-(w * x + b)))
        losses.append(np.mean(0.5 * (y - y_hat) ** 2))
        w = w - lr * np.sum((y_hat - y) * y_hat * (1 - y_hat) * x) / len(x)
        y_hat = 1 / (1 + np.exp(-(w * x + b)))
        b = b - lr * np.sum((y_hat - y) * y_hat * (1 - y_hat)) / len(x)
    return w, b, np.array(losses)
"""),
    "gradient_descent one step too few": ("gradient_descent", """
def gradient_descent(x, y, w0, b0, lr, steps):
    w, b, losses = w0, b0, np.zeros(steps)
    for k in range(steps):
        y_hat = 1 / (1 + np.exp(-(w * x + b)))
        losses[k] = np.mean(0.5 * (y - y_hat) ** 2)
        if k == steps - 1:
            break
        delta = (y_hat - y) * y_hat * (1 - y_hat) / len(x)
        w, b = w - lr * np.sum(delta * x), b - lr * np.sum(delta)
    return w, b, losses
"""),
    "gradient_descent summed gradient": ("gradient_descent", """
def gradient_descent(x, y, w0, b0, lr, steps):
    w, b, losses = w0, b0, []
    for _ in range(steps):
        y_hat = 1 / (1 + np.exp(-(w * x + b)))
        losses.append(np.mean(0.5 * (y - y_hat) ** 2))
        delta = (y_hat - y) * y_hat * (1 - y_hat)
        w, b = w - lr * np.sum(delta * x), b - lr * np.sum(delta)
    return w, b, np.array(losses)
"""),
    "chain_backward forgets w2 in the first delta": ("chain", """
def _chain_parts(x, y, w1, b1, w2, b2):
    s = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
    h = s(w1 * x + b1)
    y_hat = s(w2 * h + b2)
    return h, y_hat, (y_hat - y) * y_hat * (1.0 - y_hat) / len(x)

def chain_backward(x, y, w1, b1, w2, b2):
    h, y_hat, d2 = _chain_parts(x, y, w1, b1, w2, b2)
    d1 = d2 * h * (1 - h)
    return np.sum(d1 * x), np.sum(d1), np.sum(d2 * h), np.sum(d2)
"""),
    "chain_backward uses the output's slope for the first neuron": ("chain", """
def _chain_parts(x, y, w1, b1, w2, b2):
    s = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
    h = s(w1 * x + b1)
    y_hat = s(w2 * h + b2)
    return h, y_hat, (y_hat - y) * y_hat * (1.0 - y_hat) / len(x)

def chain_backward(x, y, w1, b1, w2, b2):
    h, y_hat, d2 = _chain_parts(x, y, w1, b1, w2, b2)
    d1 = d2 * w2 * y_hat * (1 - y_hat)
    return np.sum(d1 * x), np.sum(d1), np.sum(d2 * h), np.sum(d2)
"""),
    "chain_backward skips the first sigmoid's slope": ("chain", """
def _chain_parts(x, y, w1, b1, w2, b2):
    s = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
    h = s(w1 * x + b1)
    y_hat = s(w2 * h + b2)
    return h, y_hat, (y_hat - y) * y_hat * (1.0 - y_hat) / len(x)

def chain_backward(x, y, w1, b1, w2, b2):
    h, y_hat, d2 = _chain_parts(x, y, w1, b1, w2, b2)
    d1 = d2 * w2
    return np.sum(d1 * x), np.sum(d1), np.sum(d2 * h), np.sum(d2)
"""),
    "chain_backward multiplies dw2 by x": ("chain", """
def _chain_parts(x, y, w1, b1, w2, b2):
    s = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
    h = s(w1 * x + b1)
    y_hat = s(w2 * h + b2)
    return h, y_hat, (y_hat - y) * y_hat * (1.0 - y_hat) / len(x)

def chain_backward(x, y, w1, b1, w2, b2):
    h, y_hat, d2 = _chain_parts(x, y, w1, b1, w2, b2)
    d1 = d2 * w2 * h * (1 - h)
    return np.sum(d1 * x), np.sum(d1), np.sum(d2 * x), np.sum(d2)
"""),
    "chain_backward multiplies dw1 by h": ("chain", """
def _chain_parts(x, y, w1, b1, w2, b2):
    s = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
    h = s(w1 * x + b1)
    y_hat = s(w2 * h + b2)
    return h, y_hat, (y_hat - y) * y_hat * (1.0 - y_hat) / len(x)

def chain_backward(x, y, w1, b1, w2, b2):
    h, y_hat, d2 = _chain_parts(x, y, w1, b1, w2, b2)
    d1 = d2 * w2 * h * (1 - h)
    return np.sum(d1 * h), np.sum(d1), np.sum(d2 * h), np.sum(d2)
"""),
    "chain_backward sums instead of averaging": ("chain", """
def _chain_parts(x, y, w1, b1, w2, b2):
    s = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
    h = s(w1 * x + b1)
    y_hat = s(w2 * h + b2)
    return h, y_hat, (y_hat - y) * y_hat * (1.0 - y_hat) / len(x)

def chain_backward(x, y, w1, b1, w2, b2):
    h, y_hat, d2 = _chain_parts(x, y, w1, b1, w2, b2)
    d2 = d2 * len(x)
    d1 = d2 * w2 * h * (1 - h)
    return np.sum(d1 * x), np.sum(d1), np.sum(d2 * h), np.sum(d2)
"""),
    "chain_backward returns the second neuron first": ("chain", """
def _chain_parts(x, y, w1, b1, w2, b2):
    s = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
    h = s(w1 * x + b1)
    y_hat = s(w2 * h + b2)
    return h, y_hat, (y_hat - y) * y_hat * (1.0 - y_hat) / len(x)

def chain_backward(x, y, w1, b1, w2, b2):
    h, y_hat, d2 = _chain_parts(x, y, w1, b1, w2, b2)
    d1 = d2 * w2 * h * (1 - h)
    return np.sum(d2 * h), np.sum(d2), np.sum(d1 * x), np.sum(d1)
"""),
}

UNUSUAL = {
    "neuron via tanh and np.dot, 0-d array results": ("neuron", """
def neuron_forward(x, y, w, b):
    y_hat = 0.5 * (1.0 + np.tanh(0.5 * (w * x + b)))
    r = y - y_hat
    return y_hat, np.array(0.5 * np.dot(r, r) / r.size)

def neuron_backward(x, y, w, b):
    y_hat = 0.5 * (1.0 + np.tanh(0.5 * (w * x + b)))
    g = (y_hat - y) * y_hat * (1.0 - y_hat)
    return np.array(np.dot(g, x) / x.size), np.array(g.mean())
"""),
    "numerical_gradient on a copy, flat index": ("numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.empty(x.size)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = h
        step = step.reshape(x.shape)
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad.reshape(x.shape)
"""),
    "numerical_gradient with nditer": ("numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        keep = x[i].copy()
        x[i] = keep + h
        a = f(x)
        x[i] = keep - h
        c = f(x)
        x[i] = keep
        grad[i] = (a - c) / (2 * h)
        it.iternext()
    return grad
"""),
    "forward_difference on a flat copy": ("forward_difference", """
def forward_difference(f, x, h=1e-5):
    flat = x.ravel().copy()
    base = f(x)
    out = []
    for i in range(flat.size):
        flat[i] += h
        out.append((f(flat.reshape(x.shape)) - base) / h)
        flat[i] -= h
        flat[i] = x.ravel()[i]
    return np.array(out).reshape(x.shape)
"""),
    "gradient_descent with a parameter vector and a list of losses": ("gradient_descent", """
def gradient_descent(x, y, w0, b0, lr, steps):
    p = np.array([w0, b0], dtype=float)
    X = np.stack([x, np.ones_like(x)], axis=1)          # (N, 2)
    losses = []
    for _ in range(steps):
        y_hat = 1 / (1 + np.exp(-(X @ p)))
        losses.append(float(np.mean(0.5 * (y - y_hat) ** 2)))
        p -= lr * X.T @ ((y_hat - y) * y_hat * (1 - y_hat)) / len(x)
    return p[0], p[1], losses
"""),
    "chain_backward with a loop over examples and the chain written out": ("chain", """
def chain_backward(x, y, w1, b1, w2, b2):
    import math
    grads = [0.0, 0.0, 0.0, 0.0]
    n = len(x)
    for xi, yi in zip(x.tolist(), y.tolist()):
        z1 = w1 * xi + b1
        h = 1 / (1 + math.exp(-z1)) if z1 >= 0 else math.exp(z1) / (1 + math.exp(z1))
        z2 = w2 * h + b2
        yh = 1 / (1 + math.exp(-z2)) if z2 >= 0 else math.exp(z2) / (1 + math.exp(z2))
        dL_dyh = (yh - yi) / n
        dL_dz2 = dL_dyh * yh * (1 - yh)
        dL_dh = dL_dz2 * w2
        dL_dz1 = dL_dh * h * (1 - h)
        for k, v in enumerate((dL_dz1 * xi, dL_dz1, dL_dz2 * h, dL_dz2)):
            grads[k] += v
    return tuple(grads)
"""),
    "chain_backward as 0-d arrays in a list, via np.mean": ("chain", """
def chain_backward(x, y, w1, b1, w2, b2):
    h = 1 / (1 + np.exp(-np.clip(w1 * x + b1, -500, 500)))
    y_hat = 1 / (1 + np.exp(-np.clip(w2 * h + b2, -500, 500)))
    g2 = (y_hat - y) * y_hat * (1 - y_hat)                 # per example, before the mean
    g1 = g2 * w2 * h * (1 - h)
    return [np.array(np.mean(g1 * x)), np.array(np.mean(g1)), np.array(np.mean(g2 * h)), np.array(np.mean(g2))]
"""),
}
