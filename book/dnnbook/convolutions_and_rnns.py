"""Computations and figures of the chapter "Convolutions and recurrence"
(``book/convolutions_and_rnns.ipynb``).

Images are channels first, ``x`` (N, C, Hx, Wx), filters ``w`` (F, C, Hk, Wk); sequences are batch
first, ``x`` (N, S, D), hidden states (N, S, H). The forward definitions the exercise checks
against are in :mod:`autograder.reference.convolutions_and_rnns`; here are the page's loop and
matrix forms, the backward passes, the digits CNN and the RNN experiments.
"""
import numpy as np

from autograder.reference import convolutions_and_rnns as ref
from autograder.reference import training as tref
from . import training as tr
from .plots import new_figure


# ------------------------------------------------------------------ 1-D convolution
def conv1d_loops(x, w):
    """Valid 1-D cross-correlation of a single signal x (n,) with w (R,), two plain loops."""
    n, R = len(x), len(w)
    out = np.zeros(n - R + 1)
    for i in range(n - R + 1):
        for k in range(R):
            out[i] += x[i + k] * w[k]
    return out


def conv1d_backward_by_index(dout, x, w):
    """(dx, dw) of :func:`conv1d_loops`, one index at a time: x[m] reached out[m − k] through w[k]."""
    n, R = len(x), len(w)
    dx, dw = np.zeros(n), np.zeros(R)
    for i in range(len(dout)):
        for k in range(R):
            dx[i + k] += dout[i] * w[k]
            dw[k] += dout[i] * x[i + k]
    return dx, dw


def conv1d_backward_flipped(dout, w):
    """dx of :func:`conv1d_loops` as one operation: dout padded by R − 1 zeros on each side,
    correlated with the FLIPPED kernel (a "full" convolution)."""
    R = len(w)
    return conv1d_loops(np.pad(dout, R - 1), w[::-1])


# ------------------------------------------------------------------ 2-D convolution: loops and im2col
def conv2d_loops(x, w, b, stride=1, pad=0):
    """The definition, six nested loops' worth (four explicit, the sum over c, u, v by NumPy)."""
    N, C, Hx, Wx = x.shape
    F, _, Hk, Wk = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = ref.out_size(Hx, Hk, stride, pad), ref.out_size(Wx, Wk, stride, pad)
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = np.sum(xp[n, :, i * stride:i * stride + Hk, j * stride:j * stride + Wk] * w[f]) + b[f]
    return out


def _im2col_index(C, Hp, Wp, Hk, Wk, stride):
    Ho, Wo = (Hp - Hk) // stride + 1, (Wp - Wk) // stride + 1
    rows = (np.arange(Ho) * stride)[:, None, None, None, None] + np.arange(Hk)[None, None, None, :, None]
    cols = (np.arange(Wo) * stride)[None, :, None, None, None] + np.arange(Wk)[None, None, None, None, :]
    chan = np.arange(C)[None, None, :, None, None]
    return chan, rows, cols, Ho, Wo


def im2col(x, Hk, Wk, stride=1, pad=0):
    """Every window of the padded x as one row: (N·Ho·Wo, C·Hk·Wk), rows ordered (n, i, j)."""
    N, C, Hx, Wx = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    chan, rows, cols, Ho, Wo = _im2col_index(C, Hx + 2 * pad, Wx + 2 * pad, Hk, Wk, stride)
    return xp[:, chan, rows, cols].reshape(N * Ho * Wo, C * Hk * Wk)


def col2im(dcols, x_shape, Hk, Wk, stride=1, pad=0):
    """The adjoint of :func:`im2col`: every row's entries added back to the window they came
    from (overlaps add), the padding cut off."""
    N, C, Hx, Wx = x_shape
    chan, rows, cols, Ho, Wo = _im2col_index(C, Hx + 2 * pad, Wx + 2 * pad, Hk, Wk, stride)
    dxp = np.zeros((N, C, Hx + 2 * pad, Wx + 2 * pad))
    np.add.at(dxp, (slice(None), chan, rows, cols), dcols.reshape(N, Ho, Wo, C, Hk, Wk))
    return dxp[:, :, pad:pad + Hx, pad:pad + Wx]


def conv2d_im2col(x, w, b, stride=1, pad=0):
    """The same layer as one matrix product: im2col(x) @ W_mat.T + b, reshaped."""
    N = x.shape[0]
    F, _, Hk, Wk = w.shape
    Ho, Wo = ref.out_size(x.shape[2], Hk, stride, pad), ref.out_size(x.shape[3], Wk, stride, pad)
    out = im2col(x, Hk, Wk, stride, pad) @ w.reshape(F, -1).T + b
    return out.reshape(N, Ho, Wo, F).transpose(0, 3, 1, 2)


def conv2d_backward(dout, x, w, stride=1, pad=0):
    """(dx, dw, db) by the matrix form: the backward of a matrix product, then col2im."""
    F, _, Hk, Wk = w.shape
    G = dout.transpose(0, 2, 3, 1).reshape(-1, F)              # (N·Ho·Wo, F)
    cols = im2col(x, Hk, Wk, stride, pad)
    dw = (G.T @ cols).reshape(w.shape)
    dx = col2im(G @ w.reshape(F, -1), x.shape, Hk, Wk, stride, pad)
    return dx, dw, G.sum(axis=0)


def conv2d_dx_flipped(dout, w, x_shape, stride=1, pad=0):
    """dx as a convolution: dout dilated by the stride (stride − 1 zeros between entries), padded
    by Hk − 1 (Wk − 1) zeros, correlated with the kernel flipped in both axes and with its input
    and output channels swapped; then the padding cut off."""
    N, C, Hx, Wx = x_shape
    F, _, Hk, Wk = w.shape
    Hp, Wp = Hx + 2 * pad, Wx + 2 * pad
    Ho, Wo = dout.shape[2:]
    dil = np.zeros((N, F, (Ho - 1) * stride + 1, (Wo - 1) * stride + 1))
    dil[:, :, ::stride, ::stride] = dout
    extra_h, extra_w = Hp - ((Ho - 1) * stride + Hk), Wp - ((Wo - 1) * stride + Wk)   # rows no window reached
    full = np.pad(dil, ((0, 0), (0, 0), (Hk - 1, Hk - 1 + extra_h), (Wk - 1, Wk - 1 + extra_w)))
    w_flip = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)          # (C, F, Hk, Wk)
    dxp = ref.conv2d(full, w_flip, np.zeros(C), 1, 0)
    return dxp[:, :, pad:pad + Hx, pad:pad + Wx]


# ------------------------------------------------------------------ max pooling
def maxpool_backward(dout, x, size=2, stride=2):
    """Each window's gradient to its first maximal entry (row-major); overlapping windows add."""
    return ref.maxpool_route(dout, x, size, stride)


# ------------------------------------------------------------------ a small CNN on the digits
CNN_FILTERS = 8


def init_cnn(rng, filters=CNN_FILTERS, classes=10):
    """conv 3×3 (1 → filters, padding 1) → ReLU → max pool 2×2 → affine (filters·4·4 → classes),
    He initialisation."""
    return {"K": rng.normal(0.0, np.sqrt(2.0 / 9), size=(filters, 1, 3, 3)), "c": np.zeros(filters),
            "W": rng.normal(0.0, np.sqrt(2.0 / (filters * 16)), size=(filters * 16, classes)), "b": np.zeros(classes)}


def count_parameters(params):
    return int(sum(np.size(v) for v in params.values()))


def _cnn_forward(params, X):
    img = X.reshape(-1, 1, 8, 8)
    z = conv2d_im2col(img, params["K"], params["c"], 1, 1)      # (N, F, 8, 8)
    a = np.maximum(z, 0.0)
    p = ref.maxpool2d(a, 2, 2)                                 # (N, F, 4, 4)
    flat = p.reshape(len(X), -1)
    return img, z, a, p, flat, flat @ params["W"] + params["b"]


def cnn_logits(params, X):
    return _cnn_forward(params, X)[-1]


def cnn_loss_and_grads(params, X, y):
    """Mean softmax cross-entropy of the CNN and its gradients, layer by layer."""
    img, z, a, p, flat, scores = _cnn_forward(params, X)
    N = len(X)
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(probs[np.arange(N), y])))
    d = probs.copy()
    d[np.arange(N), y] -= 1.0
    d /= N
    grads = {"W": flat.T @ d, "b": d.sum(axis=0)}
    dp = (d @ params["W"].T).reshape(p.shape)
    da = _pool_back_fast(dp, a)
    dz = da * (z > 0)
    _, grads["K"], grads["c"] = conv2d_backward(dz, img, params["K"], 1, 1)
    return loss, grads


def _pool_back_fast(dp, a):
    """2×2, stride 2 max pooling's backward, vectorised (first maximum of each window)."""
    N, F, H, W = a.shape
    win = a.reshape(N, F, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(N, F, H // 2, W // 2, 4)
    first = win.argmax(axis=-1)
    mask = np.zeros_like(win)
    np.put_along_axis(mask, first[..., None], 1.0, axis=-1)
    d = mask * dp[..., None]
    return d.reshape(N, F, H // 2, W // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(N, F, H, W)


def fit_cnn(X, y, epochs=15, lr=1e-2, batch_size=32, seed=0):
    """Adam on the CNN for a fixed number of epochs; returns the parameters."""
    rng = np.random.default_rng(seed)
    params = init_cnn(rng)
    opt = tr.Adam(lr)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            params = opt.update(params, cnn_loss_and_grads(params, X[idx], y[idx])[1])
    return params


def digits_comparison(seed=0, epochs=15):
    """Chapter 8's MLP (64-128-64-10, Adam, early stopping) and the CNN on the same split:
    parameters and test accuracy of each."""
    Xtr, ytr, Xva, yva, Xte, yte = tref.load_digits_split(seed)
    mlp = tr.fit(Xtr, ytr, Xva, yva, seed=seed)["params"]
    cnn = fit_cnn(Xtr, ytr, epochs=epochs, seed=seed)
    return {"MLP (chapter 8)": (count_parameters(mlp), float(np.mean(tr.predict(mlp, Xte) == yte))),
            "CNN (this chapter)": (count_parameters(cnn), float(np.mean(cnn_logits(cnn, Xte).argmax(axis=1) == yte)))}


def digits_table_text(rows):
    lines = [f"{'network':20s} {'parameters':>10s} {'test accuracy':>14s}"]
    lines += [f"{name:20s} {n:10,d} {acc:14.1%}" for name, (n, acc) in rows.items()]
    return "\n".join(lines)


# ------------------------------------------------------------------ the vanilla RNN
def rnn_forward(x, h0, Wx, Wh, b):
    """Every hidden state, (N, S, H)."""
    return ref.rnn(x, h0, Wx, Wh, b)


def bptt(dh, x, h0, Wx, Wh, b, truncate=None):
    """Back-propagation through time. ``dh`` (N, S, H): ∂L/∂h_t from the loss directly.
    ``truncate=k``: the gradient arriving at h_t from the loss at step t' is followed back at most
    k steps (the gradient of a k-step window ending at every step t'). Returns (dx, dh0, dWx, dWh,
    db, norms) with norms[t] = ‖∂L/∂h_t‖ (the total gradient reaching h_t, untruncated only)."""
    N, S, _ = x.shape
    hs = np.concatenate([h0[:, None], rnn_forward(x, h0, Wx, Wh, b)], axis=1)   # h_0 … h_S
    dx, dWx, dWh, db = np.zeros(x.shape), np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
    if truncate is None:
        carry, norms = np.zeros(h0.shape), np.zeros(S)
        for t in reversed(range(S)):
            g = dh[:, t] + carry
            norms[t] = np.linalg.norm(g)
            delta = g * (1.0 - hs[:, t + 1] ** 2)
            dx[:, t] = delta @ Wx.T
            dWx += x[:, t].T @ delta
            dWh += hs[:, t].T @ delta
            db += delta.sum(axis=0)
            carry = delta @ Wh.T
        return dx, carry, dWx, dWh, db, norms
    dh0 = np.zeros(h0.shape)
    for end in range(S):                                     # the loss term at step `end`, k steps back
        g = dh[:, end]
        for t in range(end, max(end - truncate, -1), -1):
            delta = g * (1.0 - hs[:, t + 1] ** 2)
            dx[:, t] += delta @ Wx.T
            dWx += x[:, t].T @ delta
            dWh += hs[:, t].T @ delta
            db += delta.sum(axis=0)
            g = delta @ Wh.T
            if t == 0:
                dh0 += g
    return dx, dh0, dWx, dWh, db, None


RNN_H, RNN_S = 16, 40


def recurrent_matrix(scale, H=RNN_H, seed=0):
    """scale · Q with Q a random orthogonal matrix: every singular value equals the scale."""
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((H, H)))
    return scale * q * np.sign(np.diag(r))


def _over_time(scale, S, H, input_scale, seed):
    """The setting of :func:`gradient_over_time`: (dh, x, h0, Wx, Wh, b)."""
    rng = np.random.default_rng(seed + 1)
    D = 4
    x = rng.standard_normal((1, S, D)) * input_scale
    Wx = rng.standard_normal((D, H)) / np.sqrt(D)
    Wh, b, h0 = recurrent_matrix(scale, H, seed), np.zeros(H), np.zeros((1, H))
    dh = np.zeros((1, S, H))
    dh[:, -1] = 1.0 / np.sqrt(H)
    return dh, x, h0, Wx, Wh, b


def gradient_over_time(scale, S=RNN_S, H=RNN_H, input_scale=0.5, seed=0):
    """A loss on the last hidden state only (its gradient there of norm 1): ‖∂L/∂h_t‖ for
    t = 1 … S, and the mean of 1 − h_t² (how far tanh is from saturating) along the way."""
    dh, x, h0, Wx, Wh, b = _over_time(scale, S, H, input_scale, seed)
    norms = bptt(dh, x, h0, Wx, Wh, b)[5]
    hs = rnn_forward(x, h0, Wx, Wh, b)
    return norms, (1.0 - hs[0] ** 2).mean(axis=1)


def weight_gradients(scale, S=RNN_S, H=RNN_H, input_scale=0.5, seed=0):
    """[dWx, dWh, db] of the setting of :func:`gradient_over_time`."""
    dh, x, h0, Wx, Wh, b = _over_time(scale, S, H, input_scale, seed)
    return list(bptt(dh, x, h0, Wx, Wh, b)[2:5])


def gradient_table(scales=(0.5, 0.9, 1.0, 1.5, 3.0), back=(0, 10, 20, 39)):
    """Rows (scale, [‖∂L/∂h_t‖ at S − k for k in back], mean 1 − h² over the sequence)."""
    rows = []
    for s in scales:
        norms, slope = gradient_over_time(s)
        rows.append((s, [norms[RNN_S - 1 - k] for k in back], float(slope.mean())))
    return rows


def gradient_table_text(rows, back=(0, 10, 20, 39)):
    head = " ".join(f"{f'{k} back':>9s}" for k in back)
    lines = [f"{'scale of W_h':>12s} | {head} | {'mean 1 − h²':>11s}"]
    for s, vals, slope in rows:
        lines.append(f"{s:12.2f} | " + " ".join(f"{v:9.1e}" for v in vals) + f" | {slope:11.3f}")
    return "\n".join(lines)


def gradient_frame(scale):
    """The slider's frame: ‖∂L/∂h_t‖ over the steps back from the loss (log scale), and the mean
    of tanh's slope 1 − h_t² at each step."""
    norms, slope = gradient_over_time(scale)
    back = np.arange(RNN_S)
    fig, (ax, sx) = new_figure(2)
    ax.plot(back, np.clip(norms[::-1], 1e-12, 1e12), color="#1f77b4")
    ax.set(yscale="log", ylim=(1e-12, 1e6), xlabel="steps back from the loss",
           ylabel="‖∂L/∂h_t‖", title=f"gradient over time (scale {scale:g})")
    sx.plot(back, slope[::-1], color="#d62728")
    sx.set(ylim=(0, 1.05), xlabel="steps back from the loss", ylabel="mean 1 − h_t²", title="tanh's slope")
    return fig


def truncation_errors(scale=1.0, ks=(1, 5, 10, 20), S=RNN_S, seed=0):
    """Relative error of dWh with truncated BPTT (k steps) against the full gradient, for a loss
    at every step."""
    rng = np.random.default_rng(seed + 2)
    D, H = 4, RNN_H
    x = rng.standard_normal((2, S, D)) * 0.5
    Wx, Wh, b, h0 = rng.standard_normal((D, H)) / 2.0, recurrent_matrix(scale, H, seed), np.zeros(H), np.zeros((2, H))
    dh = rng.standard_normal((2, S, H))
    full = bptt(dh, x, h0, Wx, Wh, b)[3]
    return {k: float(np.linalg.norm(bptt(dh, x, h0, Wx, Wh, b, truncate=k)[3] - full) / np.linalg.norm(full))
            for k in ks}


# ------------------------------------------------------------------ a task that needs memory
def memory_task(n, S, rng):
    """Sequences of S steps with 2 features: the first step holds a bit (±1) in feature 0, every
    step holds noise in feature 1; the target is the bit, to be read out after the last step."""
    x = np.zeros((n, S, 2))
    bits = rng.integers(0, 2, size=n)
    x[:, 0, 0] = 2.0 * bits - 1.0
    x[:, :, 1] = rng.standard_normal((n, S))
    return x, bits


def train_memory(S, H=8, steps=300, batch=32, lr=1e-2, clip=1.0, seed=0):
    """A vanilla RNN with a logistic readout of h_S, trained with Adam and global-norm clipping.
    Returns the accuracy on 1000 fresh sequences."""
    rng = np.random.default_rng(seed)
    p = {"Wx": rng.standard_normal((2, H)) / np.sqrt(2), "Wh": recurrent_matrix(1.0, H, seed), "b": np.zeros(H),
         "v": rng.standard_normal(H) / np.sqrt(H), "c": np.zeros(1)}
    opt = tr.Adam(lr)
    for _ in range(steps):
        x, y = memory_task(batch, S, rng)
        h0 = np.zeros((batch, H))
        hs = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
        prob = 1.0 / (1.0 + np.exp(-(hs[:, -1] @ p["v"] + p["c"][0])))
        dlogit = (prob - y) / batch
        dh = np.zeros(hs.shape)
        dh[:, -1] = np.outer(dlogit, p["v"])
        _, _, dWx, dWh, db, _ = bptt(dh, x, h0, p["Wx"], p["Wh"], p["b"])
        grads = [dWx, dWh, db, hs[:, -1].T @ dlogit, np.array([dlogit.sum()])]
        grads = ref.clip_by_global_norm(grads, clip)
        p = opt.update(p, dict(zip(("Wx", "Wh", "b", "v", "c"), grads)))
    x, y = memory_task(1000, S, np.random.default_rng(seed + 100))
    hs = rnn_forward(x, np.zeros((1000, H)), p["Wx"], p["Wh"], p["b"])
    return float(np.mean(((hs[:, -1] @ p["v"] + p["c"][0]) > 0) == y))
