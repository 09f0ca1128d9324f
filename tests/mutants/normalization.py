"""Wrong and unusual implementations for the normalisation exercise.

``MUTANTS[name] = (item, code)``: ``code`` redefines ONE class or function with a plausible
mistake and is appended to ``item``'s answer cell; the submission must lose exactly the points of
``test_<item>``. Every item is graded on its own (no item uses another item's code), so no mutant
declares dependents. ``UNUSUAL[name] = (item, code)``: correct but differently written; must keep
full marks.
"""

MUTANTS = {
    # ---- BatchNorm
    "batch norm backward forgets the mean term": ("batchnorm", """
class BatchNorm(BatchNorm):
    def backward(self, dout):
        self.ds = (dout * self.xhat).sum(axis=0)
        self.db = dout.sum(axis=0)
        g = dout * self.s
        if not self.batch_stats:
            return g * self.r
        N = dout.shape[0]
        return self.r / N * (N * g - self.xhat * (g * self.xhat).sum(axis=0))
"""),
    "batch norm backward forgets the variance term": ("batchnorm", """
class BatchNorm(BatchNorm):
    def backward(self, dout):
        self.ds = (dout * self.xhat).sum(axis=0)
        self.db = dout.sum(axis=0)
        g = dout * self.s
        if not self.batch_stats:
            return g * self.r
        return self.r * (g - g.mean(axis=0))
"""),
    "batch norm backward treats the statistics as constants (eval formula in training)": ("batchnorm", """
class BatchNorm(BatchNorm):
    def backward(self, dout):
        self.ds = (dout * self.xhat).sum(axis=0)
        self.db = dout.sum(axis=0)
        return dout * self.s * self.r
"""),
    "batch norm backward forgets the scale s": ("batchnorm", """
class BatchNorm(BatchNorm):
    def backward(self, dout):
        self.ds = (dout * self.xhat).sum(axis=0)
        self.db = dout.sum(axis=0)
        g = dout
        if not self.batch_stats:
            return g * self.r
        N = dout.shape[0]
        return self.r / N * (N * g - g.sum(axis=0) - self.xhat * (g * self.xhat).sum(axis=0))
"""),
    "batch norm normalises with the unbiased variance": ("batchnorm", """
class BatchNorm(BatchNorm):
    def forward(self, x):
        if self.train:
            mean, var = x.mean(axis=0), x.var(axis=0, ddof=1)
            self.running_mean = self.momentum * self.running_mean + (1.0 - self.momentum) * mean
            self.running_var = self.momentum * self.running_var + (1.0 - self.momentum) * x.var(axis=0)
        else:
            mean, var = self.running_mean, self.running_var
        self.r = 1.0 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.r
        self.batch_stats = bool(self.train)
        return self.s * self.xhat + self.b
"""),
    "batch norm: running variance updated with the unbiased variance (PyTorch's rule)": ("batchnorm", """
class BatchNorm(BatchNorm):
    def forward(self, x):
        out = super().forward(x)
        if self.train:
            N = x.shape[0]
            old = (self.running_var - (1.0 - self.momentum) * x.var(axis=0)) / self.momentum
            self.running_var = self.momentum * old + (1.0 - self.momentum) * x.var(axis=0) * N / (N - 1)
        return out
"""),
    "batch norm: momentum weights the new batch (swapped)": ("batchnorm", """
class BatchNorm(BatchNorm):
    def forward(self, x):
        if self.train:
            mean, var = x.mean(axis=0), x.var(axis=0)
            self.running_mean = (1.0 - self.momentum) * self.running_mean + self.momentum * mean
            self.running_var = (1.0 - self.momentum) * self.running_var + self.momentum * var
        else:
            mean, var = self.running_mean, self.running_var
        self.r = 1.0 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.r
        self.batch_stats = bool(self.train)
        return self.s * self.xhat + self.b
"""),
    "batch norm: evaluation mode uses the batch statistics": ("batchnorm", """
class BatchNorm(BatchNorm):
    def forward(self, x):
        train = self.train
        self.train = True
        saved = self.running_mean, self.running_var
        out = super().forward(x)
        if not train:
            self.running_mean, self.running_var = saved
        self.train = train
        return out
"""),
    "batch norm: evaluation mode still updates the running statistics": ("batchnorm", """
class BatchNorm(BatchNorm):
    def forward(self, x):
        mean, var = x.mean(axis=0), x.var(axis=0)
        new_mean = self.momentum * self.running_mean + (1.0 - self.momentum) * mean
        new_var = self.momentum * self.running_var + (1.0 - self.momentum) * var
        out = super().forward(x)
        self.running_mean, self.running_var = new_mean, new_var
        return out
"""),
    "batch norm: epsilon outside the square root": ("batchnorm", """
class BatchNorm(BatchNorm):
    def forward(self, x):
        out = super().forward(x)
        var = x.var(axis=0) if self.train else self.running_var
        mean = x.mean(axis=0) if self.train else self.running_mean
        self.r = 1.0 / (np.sqrt(var) + self.eps)
        self.xhat = (x - mean) * self.r
        return self.s * self.xhat + self.b
"""),
    "batch norm: epsilon forgotten (constant feature divides by zero)": ("batchnorm", """
class BatchNorm(BatchNorm):
    def forward(self, x):
        eps = self.eps
        self.eps = 0.0
        try:
            return super().forward(x)
        finally:
            self.eps = eps
"""),
    "batch norm: default momentum ignored (always 0.9)": ("batchnorm", """
class BatchNorm(BatchNorm):
    def __init__(self, D, eps=1e-5, momentum=0.9):
        super().__init__(D, eps=eps, momentum=0.9)
"""),
    "batch norm: ds averaged over the batch": ("batchnorm", """
class BatchNorm(BatchNorm):
    def backward(self, dout):
        dx = super().backward(dout)
        self.ds = (dout * self.xhat).mean(axis=0)
        return dx
"""),
    # ---- find the bug
    "find the bug: submitted unchanged": ("find_the_bug", """
def steps_backward(dout, cache):
    N, c, var, r, xhat, s, eps = cache
    db = dout.sum(axis=0)
    ds = (dout * xhat).sum(axis=0)
    dxhat = dout * s
    dr = (dxhat * c).sum(axis=0)
    dc = dxhat * r
    dvar = dr * (-0.5) * (var + eps) ** -1.5
    dc = dvar * 2.0 * c / N
    dmean = -dc.sum(axis=0)
    dx = dc + dmean / N
    return dx, ds, db
"""),
    "find the bug: fixed the fan-out but dropped the mean path": ("find_the_bug", """
def steps_backward(dout, cache):
    N, c, var, r, xhat, s, eps = cache
    db = dout.sum(axis=0)
    ds = (dout * xhat).sum(axis=0)
    dxhat = dout * s
    dr = (dxhat * c).sum(axis=0)
    dc = dxhat * r
    dvar = dr * (-0.5) * (var + eps) ** -1.5
    dc = dc + dvar * 2.0 * c / N
    return dc, ds, db
"""),
    "find the bug: the variance path's factor 2 lost in the fix": ("find_the_bug", """
def steps_backward(dout, cache):
    N, c, var, r, xhat, s, eps = cache
    db = dout.sum(axis=0)
    ds = (dout * xhat).sum(axis=0)
    dxhat = dout * s
    dr = (dxhat * c).sum(axis=0)
    dc = dxhat * r
    dvar = dr * (-0.5) * (var + eps) ** -1.5
    dc = dc + dvar * c / N
    dmean = -dc.sum(axis=0)
    dx = dc + dmean / N
    return dx, ds, db
"""),
    # ---- LayerNorm
    "layer norm over the batch axis (batch norm by mistake)": ("layernorm", """
class LayerNorm(LayerNorm):
    def forward(self, x):
        mean = x.mean(axis=0, keepdims=True)
        self.r = 1.0 / np.sqrt(x.var(axis=0, keepdims=True) + self.eps)
        self.xhat = (x - mean) * self.r
        return self.s * self.xhat + self.b
"""),
    "layer norm backward forgets the mean term": ("layernorm", """
class LayerNorm(LayerNorm):
    def backward(self, dout):
        lead = tuple(range(dout.ndim - 1))
        self.ds = (dout * self.xhat).sum(axis=lead)
        self.db = dout.sum(axis=lead)
        D = dout.shape[-1]
        g = dout * self.s
        return self.r / D * (D * g - self.xhat * (g * self.xhat).sum(axis=-1, keepdims=True))
"""),
    "layer norm with the unbiased variance": ("layernorm", """
class LayerNorm(LayerNorm):
    def forward(self, x):
        out = super().forward(x)
        mean = x.mean(axis=-1, keepdims=True)
        self.r = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True, ddof=1) + self.eps)
        self.xhat = (x - mean) * self.r
        return self.s * self.xhat + self.b
"""),
    "layer norm: ds and db summed over axis 0 only (breaks 1-D and 3-D)": ("layernorm", """
class LayerNorm(LayerNorm):
    def backward(self, dout):
        dx = super().backward(dout)
        self.ds = (dout * self.xhat).sum(axis=0)
        self.db = dout.sum(axis=0)
        return dx
"""),
    "layer norm: epsilon ignored": ("layernorm", """
class LayerNorm(LayerNorm):
    def forward(self, x):
        eps = self.eps
        self.eps = 0.0
        try:
            return super().forward(x)
        finally:
            self.eps = eps
"""),
    # ---- Dropout
    "dropout without rescaling": ("dropout", """
class Dropout(Dropout):
    def forward(self, x):
        if not self.train:
            self.scale = np.ones_like(x)
            return x.copy()
        self.scale = (self.rng.random(x.shape) >= self.q).astype(float)
        return x * self.scale
"""),
    "dropout rescales by q instead of 1 - q": ("dropout", """
class Dropout(Dropout):
    def forward(self, x):
        if not self.train:
            self.scale = np.ones_like(x)
            return x.copy()
        self.scale = (self.rng.random(x.shape) >= self.q) / max(self.q, 1e-3)
        return x * self.scale
"""),
    "dropout keeps with probability q": ("dropout", """
class Dropout(Dropout):
    def forward(self, x):
        if not self.train:
            self.scale = np.ones_like(x)
            return x.copy()
        self.scale = (self.rng.random(x.shape) < self.q) / (1.0 - self.q)
        return x * self.scale
"""),
    "dropout backward draws a new mask": ("dropout", """
class Dropout(Dropout):
    def backward(self, dout):
        if not self.train:
            return dout.copy()
        return dout * (self.rng.random(dout.shape) >= self.q) / (1.0 - self.q)
"""),
    "dropout backward forgets the 1/(1 - q)": ("dropout", """
class Dropout(Dropout):
    def backward(self, dout):
        return dout * (self.scale != 0)
"""),
    "dropout also drops in evaluation mode": ("dropout", """
class Dropout(Dropout):
    def forward(self, x):
        train = self.train
        self.train = True
        try:
            return super().forward(x)
        finally:
            self.train = train
"""),
    "dropout uses np.random instead of the given rng": ("dropout", """
class Dropout(Dropout):
    def forward(self, x):
        if not self.train:
            self.scale = np.ones_like(x)
            return x.copy()
        self.scale = (np.random.random(x.shape) >= self.q) / (1.0 - self.q)
        return x * self.scale
"""),
    "dropout draws one mask in __init__ and reuses it": ("dropout", """
class Dropout(Dropout):
    def forward(self, x):
        if not self.train:
            self.scale = np.ones_like(x)
            return x.copy()
        if getattr(self, "fixed", None) is None or self.fixed.shape != x.shape:
            self.fixed = (self.rng.random(x.shape) >= self.q) / (1.0 - self.q)
        self.scale = self.fixed
        return x * self.scale
"""),
    # ---- Residual
    "residual backward drops the identity path": ("residual", """
class Residual(Residual):
    def backward(self, dout):
        return super().backward(dout) - dout
"""),
    "residual forward without the skip connection": ("residual", """
class Residual(Residual):
    def forward(self, x):
        return super().forward(x) - x
"""),
    "residual backward: ReLU mask taken from the upstream gradient's sign": ("residual", """
class Residual(Residual):
    def backward(self, dout):
        self.dW2 = self.h.T @ dout
        self.db2 = dout.sum(axis=0)
        dh = dout @ self.W2.T
        dz = dh * (dh > 0)
        self.dW1 = self.x.T @ dz
        self.db1 = dz.sum(axis=0)
        return dout + dz @ self.W1.T
"""),
    "residual backward: dW2 from the pre-activation z": ("residual", """
class Residual(Residual):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW2 = self.z.T @ dout
        return dx
"""),
    "residual backward: db1 averaged over the batch": ("residual", """
class Residual(Residual):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db1 = self.db1 / self.x.shape[0]
        return dx
"""),
}

UNUSUAL = {
    "batch norm backward node by node (graph form)": ("batchnorm", """
class BatchNorm(BatchNorm):
    def forward(self, x):
        out = super().forward(x)
        self.c = x - (x.mean(axis=0) if self.train else self.running_mean)
        self.var_used = 1.0 / self.r ** 2 - self.eps
        return out

    def backward(self, dout):
        self.ds = np.sum(dout * self.xhat, axis=0)
        self.db = np.sum(dout, axis=0)
        dxhat = dout * self.s
        if not self.batch_stats:
            return dxhat * self.r
        N = dout.shape[0]
        dr = np.sum(dxhat * self.c, axis=0)
        dc = dxhat * self.r
        dvar = -0.5 * dr * self.r ** 3
        dc = dc + 2.0 * self.c * dvar / N
        return dc - dc.mean(axis=0)
"""),
    "batch norm with explicit loops over the features and np.std": ("batchnorm", """
class BatchNorm(BatchNorm):
    def forward(self, x):
        N, D = x.shape
        out = np.empty_like(x)
        self.xhat = np.empty_like(x)
        self.r = np.empty(D)
        if self.train:
            mu = np.array([x[:, j].mean() for j in range(D)])
            sd2 = np.array([np.std(x[:, j]) ** 2 for j in range(D)])
            self.running_mean = self.running_mean * self.momentum + mu * (1 - self.momentum)
            self.running_var = self.running_var * self.momentum + sd2 * (1 - self.momentum)
        else:
            mu, sd2 = self.running_mean.copy(), self.running_var.copy()
        for j in range(D):
            self.r[j] = (sd2[j] + self.eps) ** -0.5
            self.xhat[:, j] = (x[:, j] - mu[j]) * self.r[j]
            out[:, j] = self.s[j] * self.xhat[:, j] + self.b[j]
        self.batch_stats = self.train
        return out
"""),
    "find the bug: fixed by rewriting in compact form": ("find_the_bug", """
def steps_backward(dout, cache):
    N, c, var, r, xhat, s, eps = cache
    g = dout * s
    dx = r * (g - g.mean(axis=0) - xhat * (g * xhat).mean(axis=0))
    return dx, np.einsum("nd,nd->d", dout, xhat), dout.sum(0)
"""),
    "layer norm through transposes of batch-norm code": ("layernorm", """
class LayerNorm(LayerNorm):
    def forward(self, x):
        self.shape = x.shape
        X = x.reshape(-1, x.shape[-1]).T                     # (D, M): examples as columns
        mu = X.mean(axis=0)
        self.r = ((X - mu) ** 2).mean(axis=0) + self.eps
        self.r = self.r ** -0.5
        self.xh = (X - mu) * self.r
        self.xhat = self.xh.T.reshape(self.shape)
        return self.s * self.xhat + self.b

    def backward(self, dout):
        D = self.shape[-1]
        G = dout.reshape(-1, D)
        self.ds = (G * self.xh.T).sum(axis=0)
        self.db = G.sum(axis=0)
        g = (G * self.s).T
        dX = self.r * (g - g.mean(axis=0) - self.xh * (g * self.xh).mean(axis=0))
        return dX.T.reshape(self.shape)
"""),
    "dropout with u < 1 - q and a boolean mask": ("dropout", """
class Dropout(Dropout):
    def forward(self, x):
        self.kept = self.rng.random(x.shape) < 1.0 - self.q if self.train else None
        if self.kept is None:
            return np.array(x, dtype=float, copy=True)
        return np.where(self.kept, x / (1.0 - self.q), 0.0)

    def backward(self, dout):
        if self.kept is None:
            return np.array(dout, dtype=float, copy=True)
        return np.where(self.kept, dout / (1.0 - self.q), 0.0)
"""),
    "dropout with rng.binomial": ("dropout", """
class Dropout(Dropout):
    def forward(self, x):
        if not self.train:
            self.scale = 1.0
            return x + 0.0
        self.scale = self.rng.binomial(1, 1.0 - self.q, size=x.shape) / (1.0 - self.q)
        return x * self.scale
"""),
    "residual block written with the ReLU mask from h and einsum": ("residual", """
class Residual(Residual):
    def backward(self, dout):
        self.dW2 = np.einsum("nh,nd->hd", self.h, dout)
        self.db2 = np.einsum("nd->d", dout)
        dh = np.einsum("nd,hd->nh", dout, self.W2)
        dz = np.where(self.h > 0, dh, 0.0)
        self.dW1 = np.einsum("nd,nh->dh", self.x, dz)
        self.db1 = dz.sum(0)
        identity = dout
        return identity + np.einsum("nh,dh->nd", dz, self.W1)
"""),
}
