"""Convolutions, pooling and recurrent steps of the chapter "Convolutions and recurrence"
(forward definitions, and the one routing rule a derivative cannot decide).

Shapes (channels first, as in CS231n; a batch of N examples):

    conv2d:     x (N, C, Hx, Wx), w (F, C, Hk, Wk), b (F,) -> (N, F, Ho, Wo) with
                Ho = (Hx + 2·pad − Hk) // stride + 1 (and the same for Wo): x is padded with
                `pad` zeros on every side, windows that do not fit are left out;
                out[n, f, i, j] = b[f] + Σ_{c,u,v} xp[n, c, stride·i + u, stride·j + v] · w[f, c, u, v]
                (a cross-correlation: the kernel is not flipped, as in every framework)
    maxpool2d:  x (N, C, Hx, Wx) -> (N, C, Ho, Wo), the maximum of each size × size window,
                Ho = (Hx − size) // stride + 1
    conv1d:     x (N, n), w (R,) -> (N, n − R + 1), out[:, i] = Σ_k x[:, i + k] · w[k]
    rnn_step:   h = tanh(x Wx + h_prev Wh + b), x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), b (H,)
    rnn:        the steps over x (N, S, D) from h0 (N, H): every hidden state, (N, S, H)
    clip_by_global_norm: the arrays scaled by min(1, max_norm / ‖all of them‖)

``maxpool_route`` is the gradient rule the exercise states for ties: all of a window's upstream
gradient goes to the FIRST maximal entry of the window in row-major order (``np.argmax`` of the
flattened window), and overlapping windows add. Central differences decide every other case.
"""
import numpy as np


def out_size(n, k, stride, pad):
    """How many windows of size k fit along an axis of length n padded by pad on both sides."""
    return (n + 2 * pad - k) // stride + 1


def _windows(x, kh, kw, stride, pad):
    """(N, C, Ho, Wo, kh, kw): every window of the padded x that fits."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = out_size(x.shape[2], kh, stride, pad), out_size(x.shape[3], kw, stride, pad)
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    return win[:, :, ::stride, ::stride][:, :, :ho, :wo]


def conv2d(x, w, b, stride=1, pad=0):
    """The convolutional layer's forward pass (see the module's docstring)."""
    win = _windows(x, w.shape[2], w.shape[3], stride, pad)
    return np.einsum("nchwuv,fcuv->nfhw", win, w) + b[None, :, None, None]


def maxpool2d(x, size=2, stride=2):
    """Max pooling over size × size windows taken every stride positions (no padding)."""
    return _windows(x, size, size, stride, 0).max(axis=(4, 5))


def maxpool_route(dout, x, size=2, stride=2):
    """Each window's upstream gradient sent to its first maximal entry (row-major), summed
    where windows overlap: the rule for ties, which central differences cannot decide."""
    dx = np.zeros_like(x, dtype=np.float64)
    win = _windows(x, size, size, stride, 0)
    n, c, ho, wo = win.shape[:4]
    first = win.reshape(n, c, ho, wo, size * size).argmax(axis=-1)
    for idx in np.ndindex(n, c, ho, wo):
        u, v = divmod(int(first[idx]), size)
        dx[idx[0], idx[1], stride * idx[2] + u, stride * idx[3] + v] += dout[idx]
    return dx


def conv1d(x, w):
    """A 1-D valid cross-correlation of every row of x with w, stride 1, no padding."""
    return np.einsum("niv,v->ni", np.lib.stride_tricks.sliding_window_view(x, w.shape[0], axis=1), w)


def rnn_step(x, h_prev, Wx, Wh, b):
    """One step of a vanilla RNN: tanh(x Wx + h_prev Wh + b), (N, H)."""
    return np.tanh(x @ Wx + h_prev @ Wh + b)


def rnn(x, h0, Wx, Wh, b):
    """Every hidden state of a vanilla RNN over x (N, S, D) from h0: (N, S, H)."""
    h, out = h0, []
    for t in range(x.shape[1]):
        h = rnn_step(x[:, t], h, Wx, Wh, b)
        out.append(h)
    return np.stack(out, axis=1)


def global_norm(grads):
    """The Euclidean norm of all the arrays together, as one long vector."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))


def clip_by_global_norm(grads, max_norm):
    """The arrays scaled by min(1, max_norm / global norm) (unchanged when the norm is 0)."""
    norm = global_norm(grads)
    scale = 1.0 if norm <= max_norm else max_norm / norm
    return [g * scale for g in grads]


# ------------------------------------------------------------------ known mistakes, for the hints
# (here, not in the spec: an exercise download replaces this module by its recorded results, so
# the checks it ships never hold the code of a correct answer one edit away from these)
def maxpool_route_mistakes(dout, x, size=2, stride=2):
    """Two wrong routings: ``=`` instead of ``+=`` where windows overlap, and the first maximum
    in column-major order. Returns (assigned, column_major)."""
    assigned = np.zeros_like(x, dtype=np.float64)
    for n, c, i, j in np.ndindex(*dout.shape):
        u, v = divmod(int(np.argmax(x[n, c, stride * i:stride * i + size, stride * j:stride * j + size])), size)
        assigned[n, c, stride * i + u, stride * j + v] = dout[n, c, i, j]
    column_major = np.swapaxes(maxpool_route(np.swapaxes(dout, 2, 3), np.swapaxes(x, 2, 3), size, stride), 2, 3)
    return assigned, column_major


def conv_dx_mistakes(dout, x, w, stride=1, pad=0):
    """Two wrong dx of the window loop: ``=`` instead of ``+=`` where windows overlap, and the
    kernel flipped. Returns (assigned, flipped)."""
    out = []
    for kernel, add in ((w, False), (w[:, :, ::-1, ::-1], True)):
        hk, wk = kernel.shape[2:]
        dxp = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * pad, x.shape[3] + 2 * pad))
        for i, j in np.ndindex(*dout.shape[2:]):
            part = np.einsum("nf,fcuv->ncuv", dout[:, :, i, j], kernel)
            window = dxp[:, :, stride * i:stride * i + hk, stride * j:stride * j + wk]
            window[...] = window + part if add else part
        out.append(dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]])
    return tuple(out)


def _affine(delta, x, h_prev, Wx, Wh):
    return [delta @ Wx.T, delta @ Wh.T, x.T @ delta, h_prev.T @ delta, delta.sum(axis=0)]


def rnn_step_mistakes(dh, x, h_prev, Wx, Wh, b):
    """(dx, dh_prev, dWx, dWh, db) of known wrong step backwards, ``None`` where a mistake does
    not change a gradient, in this order: 1 − h for tanh', tanh' at h_prev, dh_prev without the
    transpose, db from dh, dWh from h, no tanh' at all."""
    h = rnn_step(x, h_prev, Wx, Wh, b)
    delta = dh * (1.0 - h ** 2)
    return [_affine(dh * (1.0 - h), x, h_prev, Wx, Wh), _affine(dh * (1.0 - h_prev ** 2), x, h_prev, Wx, Wh),
            [None, delta @ Wh, None, None, None], [None, None, None, None, dh.sum(axis=0)],
            [None, None, None, h.T @ delta, None], _affine(dh, x, h_prev, Wx, Wh)]


def rnn_mistakes(dh, x, h0, Wx, Wh, b):
    """(dx, dh0, dWx, dWh, db) of two wrong BPTTs: without the gradient from step t + 1, and with
    it added after tanh' instead of before."""
    hs = [h0]
    for t in range(x.shape[1]):
        hs.append(rnn_step(x[:, t], hs[-1], Wx, Wh, b))
    out = []
    for after in (None, True):
        grads = [np.zeros(x.shape), None, np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)]
        back = np.zeros(h0.shape)
        for t in reversed(range(x.shape[1])):
            delta = dh[:, t] * (1.0 - hs[t + 1] ** 2) + (back if after else 0.0)
            g = _affine(delta, x[:, t], hs[t], Wx, Wh)
            grads[0][:, t] = g[0]
            for k in (2, 3, 4):
                grads[k] += g[k]
            back = g[1]
        grads[1] = back
        out.append(grads)
    return out
