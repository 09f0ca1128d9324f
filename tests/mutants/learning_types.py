"""Wrong and unusual implementations for the learning-types exercise.

``MUTANTS[name] = (item, code)``: ``code`` redefines ONE function with a plausible mistake and is
appended to item's answer cell; the submission must lose exactly the points of ``test_<item>``.
Every item of this exercise is self-contained, so no mutant declares dependent items.
``UNUSUAL[name] = (item, code)``: correct but differently written; must keep full marks.
"""

MUTANTS = {
    "mse_backward missing factor 2": ("mse", """
def mse_backward(y_hat, y):
    return (y_hat - y) / y_hat.size
"""),
    "mse_backward divides by N only": ("mse", """
def mse_backward(y_hat, y):
    return 2.0 * (y_hat - y) / y_hat.shape[0]
"""),
    "mse_forward float32": ("mse", """
def mse_forward(y_hat, y):
    return np.mean((y_hat - y) ** 2).astype(np.float32)
"""),
    "mse_forward per-column mean": ("mse", """
def mse_forward(y_hat, y):
    return np.mean((y_hat - y) ** 2, axis=0)
"""),
    "cross_entropy_forward without max subtraction": ("cross_entropy", """
def cross_entropy_forward(logits, labels):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(logits.shape[0]), labels]))
"""),
    "cross_entropy_backward not divided by N": ("cross_entropy", """
def cross_entropy_backward(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    p[np.arange(logits.shape[0]), labels] -= 1.0
    return p
"""),
    "cross_entropy_backward gradient w.r.t. probabilities": ("cross_entropy", """
def cross_entropy_backward(logits, labels):
    N = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    g = np.zeros_like(p)
    g[np.arange(N), labels] = -1.0 / (N * p[np.arange(N), labels])
    return g
"""),
    "cross_entropy_backward shifts logits in place": ("cross_entropy", """
def cross_entropy_backward(logits, labels):
    N = logits.shape[0]
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    p[np.arange(N), labels] -= 1.0
    return p / N
"""),
    "autoencoder_backward missing tanh derivative": ("autoencoder", """
def autoencoder_backward(x, W_enc, b_enc, W_dec, b_dec):
    N, D = x.shape
    h = np.tanh(x @ W_enc + b_enc)
    d = 2.0 * (h @ W_dec + b_dec - x) / (N * D)
    dh = d @ W_dec.T
    return x.T @ dh, dh.sum(axis=0), h.T @ d, d.sum(axis=0)
"""),
    "autoencoder_backward db_enc not summed over the batch": ("autoencoder", """
def autoencoder_backward(x, W_enc, b_enc, W_dec, b_dec):
    N, D = x.shape
    h = np.tanh(x @ W_enc + b_enc)
    d = 2.0 * (h @ W_dec + b_dec - x) / (N * D)
    dz = (d @ W_dec.T) * (1 - h ** 2)
    return x.T @ dz, dz, h.T @ d, d.sum(axis=0)
"""),
    "autoencoder_backward decoder gradient from the pre-activation": ("autoencoder", """
def autoencoder_backward(x, W_enc, b_enc, W_dec, b_dec):
    N, D = x.shape
    z = x @ W_enc + b_enc
    h = np.tanh(z)
    d = 2.0 * (h @ W_dec + b_dec - x) / (N * D)
    dz = (d @ W_dec.T) * (1 - h ** 2)
    return x.T @ dz, dz.sum(axis=0), z.T @ d, d.sum(axis=0)
"""),
    "autoencoder_backward mean over N only": ("autoencoder", """
def autoencoder_backward(x, W_enc, b_enc, W_dec, b_dec):
    N, D = x.shape
    h = np.tanh(x @ W_enc + b_enc)
    d = 2.0 * (h @ W_dec + b_dec - x) / N
    dz = (d @ W_dec.T) * (1 - h ** 2)
    return x.T @ dz, dz.sum(axis=0), h.T @ d, d.sum(axis=0)
"""),
    "semi_supervised_backward forgets lambda": ("semi_supervised", """
def semi_supervised_backward(logits_l, labels, logits_u, lam):
    Nl, Nu = logits_l.shape[0], logits_u.shape[0]
    zl = logits_l - logits_l.max(axis=1, keepdims=True)
    p = np.exp(zl) / np.exp(zl).sum(axis=1, keepdims=True)
    p[np.arange(Nl), labels] -= 1.0
    zu = logits_u - logits_u.max(axis=1, keepdims=True)
    logq = zu - np.log(np.exp(zu).sum(axis=1, keepdims=True))
    q = np.exp(logq)
    H = -np.sum(q * logq, axis=1, keepdims=True)
    return p / Nl, -q * (logq + H) / Nu
"""),
    "semi_supervised_backward entropy maximised": ("semi_supervised", """
def semi_supervised_backward(logits_l, labels, logits_u, lam):
    Nl, Nu = logits_l.shape[0], logits_u.shape[0]
    zl = logits_l - logits_l.max(axis=1, keepdims=True)
    p = np.exp(zl) / np.exp(zl).sum(axis=1, keepdims=True)
    p[np.arange(Nl), labels] -= 1.0
    zu = logits_u - logits_u.max(axis=1, keepdims=True)
    logq = zu - np.log(np.exp(zu).sum(axis=1, keepdims=True))
    q = np.exp(logq)
    H = -np.sum(q * logq, axis=1, keepdims=True)
    return p / Nl, lam * q * (logq + H) / Nu
"""),
    "semi_supervised_backward skips the softmax Jacobian": ("semi_supervised", """
def semi_supervised_backward(logits_l, labels, logits_u, lam):
    Nl, Nu = logits_l.shape[0], logits_u.shape[0]
    zl = logits_l - logits_l.max(axis=1, keepdims=True)
    p = np.exp(zl) / np.exp(zl).sum(axis=1, keepdims=True)
    p[np.arange(Nl), labels] -= 1.0
    zu = logits_u - logits_u.max(axis=1, keepdims=True)
    logq = zu - np.log(np.exp(zu).sum(axis=1, keepdims=True))
    return p / Nl, -lam * (logq + 1) / Nu
"""),
    "semi_supervised_forward entropy with naive log": ("semi_supervised", """
def semi_supervised_forward(logits_l, labels, logits_u, lam):
    zl = logits_l - logits_l.max(axis=1, keepdims=True)
    logp = zl - np.log(np.exp(zl).sum(axis=1, keepdims=True))
    ce = -np.mean(logp[np.arange(logits_l.shape[0]), labels])
    zu = logits_u - logits_u.max(axis=1, keepdims=True)
    q = np.exp(zu) / np.exp(zu).sum(axis=1, keepdims=True)
    return ce + lam * np.mean(-np.sum(q * np.log(q), axis=1))
"""),
    "reinforce_backward without the returns": ("reinforce", """
def reinforce_backward(s, a, G, W):
    z = s @ W
    pi = np.exp(z - z.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    pi[np.arange(s.shape[0]), a] -= 1.0
    return s.T @ pi
"""),
    "reinforce_backward sign flipped": ("reinforce", """
def reinforce_backward(s, a, G, W):
    z = s @ W
    pi = np.exp(z - z.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    onehot = np.eye(W.shape[1])[a]
    return s.T @ (G[:, None] * (onehot - pi))
"""),
    "reinforce_backward transposed": ("reinforce", """
def reinforce_backward(s, a, G, W):
    z = s @ W
    pi = np.exp(z - z.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    onehot = np.eye(W.shape[1])[a]
    return (G[:, None] * (pi - onehot)).T @ s
"""),
    "reinforce_forward mean over the episode": ("reinforce", """
def reinforce_forward(s, a, G, W):
    z = s @ W
    z = z - z.max(axis=1, keepdims=True)
    logpi = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.mean(G * logpi[np.arange(s.shape[0]), a])
"""),
    # huber: the gradient the page does not give, derived wrongly
    "huber_backward differentiates only the quadratic piece": ("huber", """
def huber_backward(y_hat, y):
    return (y_hat - y) / y_hat.size
"""),
    "huber_backward differentiates only the linear piece": ("huber", """
def huber_backward(y_hat, y):
    return np.sign(y_hat - y) / y_hat.size
"""),
    "huber_backward keeps MSE's factor 2": ("huber", """
def huber_backward(y_hat, y):
    return 2.0 * np.clip(y_hat - y, -1.0, 1.0) / y_hat.size
"""),
    "huber_backward divides by N only": ("huber", """
def huber_backward(y_hat, y):
    return np.clip(y_hat - y, -1.0, 1.0) / y_hat.shape[0]
"""),
    "huber_backward sign flipped": ("huber", """
def huber_backward(y_hat, y):
    return np.clip(y - y_hat, -1.0, 1.0) / y_hat.size
"""),
    "huber_forward linear piece |r| - 1 (not continuous)": ("huber", """
def huber_forward(y_hat, y):
    r = np.abs(y_hat - y)
    return np.mean(np.where(r <= 1.0, 0.5 * r * r, r - 1.0))
"""),
}

UNUSUAL = {
    "mse with einsum and a 0-d array": ("mse", """
def mse_forward(y_hat, y):
    d = y_hat - y
    return np.asarray(np.einsum('nk,nk->', d, d) / d.size)

def mse_backward(y_hat, y):
    N, K = y.shape
    return (y_hat - y) * (2.0 / (N * K))
"""),
    "cross_entropy via logaddexp.reduce and one-hot matrix": ("cross_entropy", """
def cross_entropy_forward(logits, labels):
    lse = np.logaddexp.reduce(logits, axis=1)
    onehot = np.eye(logits.shape[1])[labels]
    return float(np.sum(lse - np.sum(onehot * logits, axis=1)) / logits.shape[0])

def cross_entropy_backward(logits, labels):
    lse = np.logaddexp.reduce(logits, axis=1, keepdims=True)
    g = np.exp(logits - lse)
    np.add.at(g, (np.arange(len(labels)), labels), -1.0)
    return g / len(labels)
"""),
    "autoencoder with einsum and 1/cosh^2": ("autoencoder", """
def autoencoder_forward(x, W_enc, b_enc, W_dec, b_dec):
    z = np.einsum('nd,dh->nh', x, W_enc) + b_enc
    r = np.einsum('nh,hd->nd', np.tanh(z), W_dec) + b_dec - x
    return (r ** 2).sum() / r.size

def autoencoder_backward(x, W_enc, b_enc, W_dec, b_dec):
    z = np.einsum('nd,dh->nh', x, W_enc) + b_enc
    h = np.tanh(z)
    g = 2 * (np.einsum('nh,hd->nd', h, W_dec) + b_dec - x) / x.size
    gz = np.einsum('nd,hd->nh', g, W_dec) / np.cosh(z) ** 2
    return (np.einsum('nd,nh->dh', x, gz), gz.sum(0), np.einsum('nh,nd->hd', h, g), g.sum(0))
"""),
    "semi_supervised with an explicit Jacobian per row": ("semi_supervised", """
def semi_supervised_forward(logits_l, labels, logits_u, lam):
    total = 0.0
    for z, y in zip(logits_l, labels):
        m = z.max()
        total += m + np.log(np.sum(np.exp(z - m))) - z[y]
    ent = 0.0
    for z in logits_u:
        m = z.max()
        logq = z - m - np.log(np.sum(np.exp(z - m)))
        ent -= np.sum(np.exp(logq) * logq)
    return total / len(logits_l) + lam * ent / len(logits_u)

def semi_supervised_backward(logits_l, labels, logits_u, lam):
    dl = np.zeros_like(logits_l)
    for n, (z, y) in enumerate(zip(logits_l, labels)):
        p = np.exp(z - z.max()); p /= p.sum()
        p[y] -= 1.0
        dl[n] = p / len(logits_l)
    du = np.zeros_like(logits_u)
    for m, z in enumerate(logits_u):
        logq = z - z.max() - np.log(np.sum(np.exp(z - z.max())))
        q = np.exp(logq)
        J = np.diag(q) - np.outer(q, q)               # dq/dz
        du[m] = lam * (J @ -(logq + 1.0)) / len(logits_u)
    return dl, du
"""),
    "reinforce as a loop of outer products": ("reinforce", """
def reinforce_forward(s, a, G, W):
    L = 0.0
    for t in range(len(a)):
        z = s[t] @ W
        L -= G[t] * (z[a[t]] - np.logaddexp.reduce(z))
    return L

def reinforce_backward(s, a, G, W):
    dW = np.zeros_like(W)
    for t in range(len(a)):
        z = s[t] @ W
        pi = np.exp(z - np.logaddexp.reduce(z))
        pi[a[t]] -= 1.0
        dW += G[t] * np.outer(s[t], pi)
    return dW
"""),
    "huber via min/max and an explicit mask": ("huber", """
def huber_forward(y_hat, y):
    a = np.abs(y_hat - y)
    m = np.minimum(a, 1.0)
    return float(np.sum(0.5 * m ** 2 + (a - m)) / a.size)


def huber_backward(y_hat, y):
    r = y_hat - y
    g = np.where(np.abs(r) <= 1.0, r, np.sign(r))
    N, K = r.shape
    return g / N / K
"""),
}
