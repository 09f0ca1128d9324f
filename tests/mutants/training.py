"""Wrong and unusual implementations for the training exercise.

``MUTANTS[name] = (item, code[, dependents])``: ``code`` redefines ONE function with a plausible
mistake and is appended to ``item``'s answer cell; the submission must lose exactly the points of
``test_<item>`` plus those of the dependent items (the solution's ``train_digits`` uses
``adam_step``, ``l2_penalty`` and ``fit_early_stopping``: a mistake that wrecks training also costs
``digits``; one that only costs a little accuracy does not).
``UNUSUAL[name] = (item, code)``: correct but differently written; must keep full marks.
"""

DIGITS = ("digits",)

MUTANTS = {
    # ---------------------------------------------------------------- momentum
    "momentum: velocity points up the gradient": ("momentum", """
def momentum_step(w, dw, v, lr, mu):
    v_new = mu * v + lr * dw
    return w - v_new, v_new
"""),
    "momentum: velocity not stored (old v returned)": ("momentum", """
def momentum_step(w, dw, v, lr, mu):
    v_new = mu * v - lr * dw
    return w + v_new, v
"""),
    "momentum: w moved by the old velocity": ("momentum", """
def momentum_step(w, dw, v, lr, mu):
    return w + v, mu * v - lr * dw
"""),
    "momentum: velocity updated in place": ("momentum", """
def momentum_step(w, dw, v, lr, mu):
    v *= mu
    v -= lr * dw
    return w + v, v.copy()
"""),
    "momentum: μ hard-coded to 0.9": ("momentum", """
def momentum_step(w, dw, v, lr, mu):
    v_new = 0.9 * v - lr * dw
    return w + v_new, v_new
"""),
    # ---------------------------------------------------------------- RMSProp
    "rmsprop: ε inside the square root": ("rmsprop", """
def rmsprop_step(w, dw, s, lr, rho=0.9, eps=1e-8):
    s = rho * s + (1 - rho) * dw ** 2
    return w - lr * dw / np.sqrt(s + eps), s
"""),
    "rmsprop: step with the old average": ("rmsprop", """
def rmsprop_step(w, dw, s, lr, rho=0.9, eps=1e-8):
    return w - lr * dw / (np.sqrt(s) + eps), rho * s + (1 - rho) * dw ** 2
"""),
    "rmsprop: weights of the average swapped": ("rmsprop", """
def rmsprop_step(w, dw, s, lr, rho=0.9, eps=1e-8):
    s = (1 - rho) * s + rho * dw ** 2
    return w - lr * dw / (np.sqrt(s) + eps), s
"""),
    "rmsprop: divides by the average, not its root": ("rmsprop", """
def rmsprop_step(w, dw, s, lr, rho=0.9, eps=1e-8):
    s = rho * s + (1 - rho) * dw ** 2
    return w - lr * dw / (s + eps), s
"""),
    "rmsprop: ε hard-coded": ("rmsprop", """
def rmsprop_step(w, dw, s, lr, rho=0.9, eps=1e-8):
    s = rho * s + (1 - rho) * dw ** 2
    return w - lr * dw / (np.sqrt(s) + 1e-8), s
"""),
    # ---------------------------------------------------------------- Adam
    "adam: β1, β2 arguments ignored (defaults hard-coded)": ("adam", """
def adam_step(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = 0.9 * m + 0.1 * dw
    v = 0.999 * v + 0.001 * dw ** 2
    return w - lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + eps), m, v
"""),
    "adam: ε hard-coded to 1e-8": ("adam", """
def adam_step(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + 1e-8), m, v
"""),
    "adam: no bias correction": ("adam", """
def adam_step(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    return w - lr * m / (np.sqrt(v) + eps), m, v
"""),
    "adam: bias correction with t starting at 0": ("adam", """
def adam_step(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    m_hat = m / (1 - beta1 ** (t - 1))
    v_hat = v / (1 - beta2 ** (t - 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
""", DIGITS),
    "adam: eps inside the square root": ("adam", """
def adam_step(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    return w - lr * (m / (1 - beta1 ** t)) / np.sqrt(v / (1 - beta2 ** t) + eps), m, v
"""),
    "adam: returns the bias-corrected averages as state": ("adam", """
def adam_step(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = (beta1 * m + (1 - beta1) * dw) / (1 - beta1 ** t)
    v = (beta2 * v + (1 - beta2) * dw ** 2) / (1 - beta2 ** t)
    return w - lr * m / (np.sqrt(v) + eps), m, v
""", DIGITS),
    "adam: v averages the gradient, not its square": ("adam", """
def adam_step(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * np.abs(dw)
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v
"""),
    "adam: m and v updated in place": ("adam", """
def adam_step(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1 - beta1) * dw
    v *= beta2
    v += (1 - beta2) * dw ** 2
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m.copy(), v.copy()
"""),
    # ---------------------------------------------------------------- L2
    "l2: gradient missing the factor (2·λ·W)": ("l2", """
def l2_penalty(params, lam):
    penalty = sum(0.5 * lam * np.sum(p ** 2) for k, p in params.items() if k.startswith("W"))
    grads = {k: (2 * lam * p if k.startswith("W") else np.zeros_like(p)) for k, p in params.items()}
    return float(penalty), grads
"""),
    "l2: penalty and gradient applied to the biases": ("l2", """
def l2_penalty(params, lam):
    penalty = sum(0.5 * lam * np.sum(p ** 2) for p in params.values())
    return float(penalty), {k: lam * p for k, p in params.items()}
"""),
    "l2: gradient applied to the biases": ("l2", """
def l2_penalty(params, lam):
    penalty = sum(0.5 * lam * np.sum(p ** 2) for k, p in params.items() if k.startswith("W"))
    return float(penalty), {k: lam * p for k, p in params.items()}
"""),
    "l2: penalty without the 1/2": ("l2", """
def l2_penalty(params, lam):
    penalty = sum(lam * np.sum(p ** 2) for k, p in params.items() if k.startswith("W"))
    grads = {k: (lam * p if k.startswith("W") else np.zeros_like(p)) for k, p in params.items()}
    return float(penalty), grads
"""),
    # ---------------------------------------------------------------- early stopping
    "early stopping: returns the last parameters": ("early_stopping", """
def fit_early_stopping(params, train_epoch, val_loss, max_epochs, patience):
    best_loss = val_loss(params)
    losses, waited = [best_loss], 0
    for _ in range(max_epochs):
        params, _ = train_epoch(params)
        losses.append(val_loss(params))
        if losses[-1] < best_loss:
            best_loss, waited = losses[-1], 0
        else:
            waited += 1
            if waited == patience:
                break
    return params, np.array(losses)
"""),
    "early stopping: patience off by one (waits one epoch more)": ("early_stopping", """
def fit_early_stopping(params, train_epoch, val_loss, max_epochs, patience):
    best, best_loss = params, val_loss(params)
    losses, waited = [best_loss], 0
    for _ in range(max_epochs):
        params, _ = train_epoch(params)
        losses.append(val_loss(params))
        if losses[-1] < best_loss:
            best, best_loss, waited = params, losses[-1], 0
        else:
            waited += 1
            if waited > patience:
                break
    return best, np.array(losses)
"""),
    "early stopping: decides on the training loss": ("early_stopping", """
def fit_early_stopping(params, train_epoch, val_loss, max_epochs, patience):
    best, best_loss = params, np.inf
    losses, waited = [val_loss(params)], 0
    for _ in range(max_epochs):
        params, train_loss = train_epoch(params)
        losses.append(val_loss(params))
        if train_loss < best_loss:
            best, best_loss, waited = params, train_loss, 0
        else:
            waited += 1
            if waited == patience:
                break
    return best, np.array(losses)
"""),
    "early stopping: an equal loss counts as an improvement": ("early_stopping", """
def fit_early_stopping(params, train_epoch, val_loss, max_epochs, patience):
    best, best_loss = params, val_loss(params)
    losses, waited = [best_loss], 0
    for _ in range(max_epochs):
        params, _ = train_epoch(params)
        losses.append(val_loss(params))
        if losses[-1] <= best_loss:
            best, best_loss, waited = params, losses[-1], 0
        else:
            waited += 1
            if waited == patience:
                break
    return best, np.array(losses)
"""),
    "early stopping: patience counter never reset": ("early_stopping", """
def fit_early_stopping(params, train_epoch, val_loss, max_epochs, patience):
    best, best_loss = params, val_loss(params)
    losses, waited = [best_loss], 0
    for _ in range(max_epochs):
        params, _ = train_epoch(params)
        losses.append(val_loss(params))
        if losses[-1] < best_loss:
            best, best_loss = params, losses[-1]
        else:
            waited += 1
            if waited == patience:
                break
    return best, np.array(losses)
"""),
    "early stopping: the starting parameters are no candidate": ("early_stopping", """
def fit_early_stopping(params, train_epoch, val_loss, max_epochs, patience):
    best, best_loss = None, np.inf
    losses, waited = [val_loss(params)], 0
    for _ in range(max_epochs):
        params, _ = train_epoch(params)
        losses.append(val_loss(params))
        if losses[-1] < best_loss:
            best, best_loss, waited = params, losses[-1], 0
        else:
            waited += 1
            if waited == patience:
                break
    return best, np.array(losses)
"""),
    # ---------------------------------------------------------------- digits
    "digits: predictions are the logits, not labels": ("digits", """
def predict_digits(model, X):
    depth = len(model) // 2
    a = X
    for l in range(1, depth + 1):
        a = a @ model[f"W{l}"] + model[f"b{l}"]
        if l < depth:
            a = np.maximum(a, 0.0)
    return a
"""),
    "digits: network trained with the update sign flipped": ("digits", """
def train_digits(X_train, y_train, X_val, y_val, seed):
    rng = np.random.default_rng(seed)
    params = init_network([X_train.shape[1], 128, 64, 10], rng)
    for t in range(300):
        idx = rng.choice(X_train.shape[0], 32, replace=False)
        loss, grads = network_loss(params, X_train[idx], y_train[idx])
        params = {k: params[k] + 0.05 * grads[k] for k in params}
    return params
"""),
    "digits: a pixel → label lookup of scikit-learn's digits (untrained network)": ("digits", """
def train_digits(X_train, y_train, X_val, y_val, seed):
    return init_network([X_train.shape[1], 16, 10], np.random.default_rng(seed))


def predict_digits(model, X):
    from sklearn.datasets import load_digits
    data = load_digits()
    table = {tuple(np.round(row / 16.0, 6)): label for row, label in zip(data.data, data.target)}
    return np.array([table.get(tuple(np.round(x, 6)), 0) for x in X], dtype=np.int64)
"""),
    "digits: a lookup in predict_digits next to a trained network": ("digits", """
_trained = train_digits


def predict_digits(model, X):
    from sklearn.datasets import load_digits
    data = load_digits()
    table = {tuple(np.round(row / 16.0, 6)): label for row, label in zip(data.data, data.target)}
    return np.array([table.get(tuple(np.round(x, 6)), 0) for x in X], dtype=np.int64)
"""),
    "digits: not deterministic (an unseeded generator)": ("digits", """
def train_digits(X_train, y_train, X_val, y_val, seed):
    rng = np.random.default_rng()
    params = init_network([X_train.shape[1], 128, 64, 10], rng)
    state = {k: (np.zeros_like(p), np.zeros_like(p)) for k, p in params.items()}
    step = [0]

    def train_epoch(params):
        order = rng.permutation(X_train.shape[0])
        loss = 0.0
        for start in range(0, len(order), 32):
            idx = order[start:start + 32]
            loss, grads = network_loss(params, X_train[idx], y_train[idx], lam=1e-4)
            step[0] += 1
            new = {}
            for k in params:
                new[k], m, v = adam_step(params[k], grads[k], *state[k], step[0], lr=0.002)
                state[k] = (m, v)
            params = new
        return params, loss

    return fit_early_stopping(params, train_epoch, lambda p: network_loss(p, X_val, y_val)[0], 40, 8)[0]
"""),
    "digits: argmax along the wrong axis": ("digits", """
def predict_digits(model, X):
    depth = len(model) // 2
    a = X
    for l in range(1, depth + 1):
        a = a @ model[f"W{l}"] + model[f"b{l}"]
        if l < depth:
            a = np.maximum(a, 0.0)
    return a.argmax(axis=0)
"""),
}

UNUSUAL = {
    "rmsprop through np.hypot-free algebra, state first": ("rmsprop", """
def rmsprop_step(w, dw, s, lr, rho=0.9, eps=1e-8):
    s_new = s + (1.0 - rho) * (np.square(dw) - s)
    return np.subtract(w, lr * dw / np.add(np.sqrt(s_new), eps)), s_new
"""),
    "momentum with np.add/np.multiply into new arrays": ("momentum", """
def momentum_step(w, dw, v, lr, mu):
    v_new = np.subtract(np.multiply(v, mu), np.multiply(dw, lr))
    return np.add(w, v_new), v_new
"""),
    "adam written with a step size alpha_t (eps scaled to match)": ("adam", """
def adam_step(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * np.square(dw)
    c1, c2 = 1.0 - beta1 ** t, 1.0 - beta2 ** t
    return w - (lr / c1) * m / (np.sqrt(v / c2) + eps), m, v
"""),
    "l2 returning a NumPy scalar penalty and copies for the biases": ("l2", """
def l2_penalty(params, lam):
    penalty = np.float64(0.0)
    grads = {}
    for k in sorted(params):
        p = np.asarray(params[k], dtype=np.float64)
        if k[0] == "W":
            penalty = penalty + lam / 2 * np.vdot(p, p)
            grads[k] = p * lam
        else:
            grads[k] = p * 0.0
    return penalty, grads
"""),
    "early stopping with a while loop and a list of epochs": ("early_stopping", """
def fit_early_stopping(params, train_epoch, val_loss, max_epochs, patience):
    history = [(val_loss(params), params)]
    best_epoch = 0
    epoch = 0
    while epoch < max_epochs and epoch - best_epoch < patience:
        epoch += 1
        params = train_epoch(params)[0]
        history.append((val_loss(params), params))
        if history[-1][0] < history[best_epoch][0]:
            best_epoch = epoch
    return history[best_epoch][1], np.array([h[0] for h in history])
"""),
    "digits with momentum SGD and one hidden layer": ("digits", """
def train_digits(X_train, y_train, X_val, y_val, seed):
    rng = np.random.default_rng(seed)
    params = init_network([X_train.shape[1], 100, 10], rng)
    vel = {k: np.zeros_like(p) for k, p in params.items()}

    def train_epoch(params):
        order = rng.permutation(X_train.shape[0])
        for start in range(0, len(order), 16):
            idx = order[start:start + 16]
            loss, grads = network_loss(params, X_train[idx], y_train[idx], lam=1e-4)
            new = {}
            for k in params:
                new[k], vel[k] = momentum_step(params[k], grads[k], vel[k], lr=0.05, mu=0.9)
            params = new
        return params, loss

    return fit_early_stopping(params, train_epoch, lambda p: network_loss(p, X_val, y_val)[0], 60, 8)[0]
"""),
}
