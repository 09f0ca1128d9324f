"""Wrong and unusual implementations for the convolutions-and-recurrence exercise.

``MUTANTS[name] = (item, code)``: ``code`` redefines ONE function with a plausible mistake and is
appended to ``item``'s answer cell; the submission must lose exactly the points of
``test_<item>``. Every item is graded on its own (``conv_backward`` and ``rnn_backward`` receive
their inputs, not another answer's cache), so no mutant declares dependents.
``UNUSUAL[name] = (item, code)``: correct but differently written; must keep full marks.
"""

_BPTT = """
def rnn_backward(dh, x, h0, Wx, Wh, b):
    hs = [h0]
    for t in range(x.shape[1]):
        hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))
    dx = np.zeros(x.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
    carry = np.zeros(h0.shape)
    for t in {steps}:
        delta = ({upstream}) * (1.0 - hs[t + 1] ** 2)
        dx[:, t] = delta @ Wx.T
        dWx {acc} x[:, t].T @ delta
        dWh {acc} hs[{h_index}].T @ delta
        db {acc} delta.sum(axis=0)
        carry = delta @ Wh.T
    return dx, carry, dWx, dWh, db
"""


def _bptt(steps="reversed(range(x.shape[1]))", upstream="dh[:, t] + carry", acc="+=", h_index="t"):
    """BPTT written out, with one of its parts replaced (the defaults give the correct version)."""
    return _BPTT.format(steps=steps, upstream=upstream, acc=acc, h_index=h_index)


_POOL = """
def maxpool_backward(dout, x, size, stride):
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        win = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size].ravel()
        u, v = divmod({pick}, size)
        dx[n, c, i * stride + u, j * stride + v] {acc} dout[n, c, i, j]
    return dx
"""


def _pool(pick="int(np.argmax(win))", acc="+="):
    """Max pooling's backward, one window at a time: ``pick`` chooses the entry, ``acc`` adds it."""
    return _POOL.format(pick=pick, acc=acc)


_POOL_MASK = """
def maxpool_backward(dout, x, size, stride):
    dx = np.zeros(x.shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            win = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
            mask = win == win.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += ({share}) * dout[:, :, i, j][:, :, None, None]
    return dx
"""


def _pool_mask(share):
    """Max pooling's backward through a mask of every maximal entry, weighted by ``share``."""
    return _POOL_MASK.format(share=share)


MUTANTS = {
    # ---- conv_forward
    "conv forward flips the kernel (a true convolution)": ("conv_forward", """
_conv_forward = conv_forward
def conv_forward(x, w, b, stride, pad):
    return _conv_forward(x, w[:, :, ::-1, ::-1], b, stride, pad)
"""),
    "conv forward puts all the padding on the top and the left": ("conv_forward", """
def conv_forward(x, w, b, stride, pad):
    N, C, Hx, Wx = x.shape
    F, _, Hk, Wk = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (2 * pad, 0), (2 * pad, 0)))   # all the padding before the image
    Ho = (Hx + 2 * pad - Hk) // stride + 1
    Wo = (Wx + 2 * pad - Wk) // stride + 1
    out = np.empty((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            win = xp[:, :, i * stride:i * stride + Hk, j * stride:j * stride + Wk]
            out[:, :, i, j] = win.reshape(N, -1) @ w.reshape(F, -1).T + b
    return out
"""),
    "conv forward moves the window by 1 whatever the stride": ("conv_forward", """
def conv_forward(x, w, b, stride, pad):
    N, C, Hx, Wx = x.shape
    F, _, Hk, Wk = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho = (Hx + 2 * pad - Hk) // stride + 1
    Wo = (Wx + 2 * pad - Wk) // stride + 1
    out = np.empty((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            win = xp[:, :, i:i + Hk, j:j + Wk]
            out[:, :, i, j] = win.reshape(N, -1) @ w.reshape(F, -1).T + b
    return out
"""),
    "conv forward rounds the output size up (a partial window at the edge)": ("conv_forward", """
_conv_forward = conv_forward
def conv_forward(x, w, b, stride, pad):
    Hk, Wk = w.shape[2:]
    Hx, Wx = x.shape[2:]
    Ho = -(-(Hx + 2 * pad - Hk) // stride) + 1
    Wo = -(-(Wx + 2 * pad - Wk) // stride) + 1
    extra_h = (Ho - 1) * stride + Hk - (Hx + 2 * pad)
    extra_w = (Wo - 1) * stride + Wk - (Wx + 2 * pad)
    xe = np.pad(x, ((0, 0), (0, 0), (0, extra_h), (0, extra_w)))
    return _conv_forward(xe, w, b, stride, pad)
"""),
    "conv forward forgets the bias": ("conv_forward", """
_conv_forward = conv_forward
def conv_forward(x, w, b, stride, pad):
    return _conv_forward(x, w, np.zeros_like(b), stride, pad)
"""),
    # ---- find the bug
    "find the bug: the given code unchanged (kernel not flipped)": ("find_the_bug", """
def conv1d_backward(dout, cache):
    x, w = cache
    R = w.shape[0]
    n_out = dout.shape[1]
    dw = np.array([np.sum(dout * x[:, k:k + n_out]) for k in range(R)])
    padded = np.pad(dout, ((0, 0), (R - 1, R - 1)))
    dx = np.zeros(x.shape)
    for k in range(R):
        dx += w[k] * padded[:, k:k + x.shape[1]]
    return dx, dw
"""),
    "find the bug: flips dw as well": ("find_the_bug", """
_conv1d_backward = conv1d_backward
def conv1d_backward(dout, cache):
    dx, dw = _conv1d_backward(dout, cache)
    return dx, dw[::-1].copy()
"""),
    "find the bug: 'fixed' by padding dout on one side only": ("find_the_bug", """
def conv1d_backward(dout, cache):
    x, w = cache
    R = w.shape[0]
    n_out = dout.shape[1]
    dw = np.array([np.sum(dout * x[:, k:k + n_out]) for k in range(R)])
    padded = np.pad(dout, ((0, 0), (0, 2 * (R - 1))))
    dx = np.zeros(x.shape)
    for k in range(R):
        dx += w[R - 1 - k] * padded[:, k:k + x.shape[1]]
    return dx, dw
"""),
    # ---- conv_backward
    "conv backward overwrites where windows overlap": ("conv_backward", """
def conv_backward(dout, x, w, stride, pad):
    N, C, Hx, Wx = x.shape
    F, _, Hk, Wk = w.shape
    _, _, Ho, Wo = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros(xp.shape)
    dw = np.zeros(w.shape)
    for i in range(Ho):
        for j in range(Wo):
            r, c = slice(i * stride, i * stride + Hk), slice(j * stride, j * stride + Wk)
            g = dout[:, :, i, j]
            dw += (g.T @ xp[:, :, r, c].reshape(N, -1)).reshape(w.shape)
            dxp[:, :, r, c] = (g @ w.reshape(F, -1)).reshape(N, C, Hk, Wk)
    return dxp[:, :, pad:pad + Hx, pad:pad + Wx].copy(), dw, dout.sum(axis=(0, 2, 3))
"""),
    "conv backward ignores the stride in dx": ("conv_backward", """
_conv_backward = conv_backward
def conv_backward(dout, x, w, stride, pad):
    N, C, Hx, Wx = x.shape
    F, _, Hk, Wk = w.shape
    _, _, Ho, Wo = dout.shape
    dxp = np.zeros((N, C, Hx + 2 * pad + Hk, Wx + 2 * pad + Wk))
    for i in range(Ho):
        for j in range(Wo):
            dxp[:, :, i:i + Hk, j:j + Wk] += (dout[:, :, i, j] @ w.reshape(F, -1)).reshape(N, C, Hk, Wk)
    _, dw, db = _conv_backward(dout, x, w, stride, pad)
    return dxp[:, :, pad:pad + Hx, pad:pad + Wx].copy(), dw, db
"""),
    "conv backward cuts the padding off the wrong end": ("conv_backward", """
_conv_backward = conv_backward
def conv_backward(dout, x, w, stride, pad):
    N, C, Hx, Wx = x.shape
    F, _, Hk, Wk = w.shape
    _, _, Ho, Wo = dout.shape
    dxp = np.zeros((N, C, Hx + 2 * pad, Wx + 2 * pad))
    for i in range(Ho):
        for j in range(Wo):
            r, c = slice(i * stride, i * stride + Hk), slice(j * stride, j * stride + Wk)
            dxp[:, :, r, c] += (dout[:, :, i, j] @ w.reshape(F, -1)).reshape(N, C, Hk, Wk)
    _, dw, db = _conv_backward(dout, x, w, stride, pad)
    return dxp[:, :, :Hx, :Wx].copy(), dw, db
"""),
    "conv backward: dw from the first example only": ("conv_backward", """
_conv_backward = conv_backward
def conv_backward(dout, x, w, stride, pad):
    dx, _, db = _conv_backward(dout, x, w, stride, pad)
    _, dw, _ = _conv_backward(dout[:1], x[:1], w, stride, pad)
    return dx, dw * x.shape[0], db
"""),
    "conv backward: db averaged over the batch": ("conv_backward", """
_conv_backward = conv_backward
def conv_backward(dout, x, w, stride, pad):
    dx, dw, db = _conv_backward(dout, x, w, stride, pad)
    return dx, dw, db / x.shape[0]
"""),
    "conv backward: dx with the unflipped kernel (a full correlation)": ("conv_backward", """
_conv_backward = conv_backward
def conv_backward(dout, x, w, stride, pad):
    dx, dw, db = _conv_backward(dout, x, w[:, :, ::-1, ::-1].copy(), stride, pad)
    _, dw, db = _conv_backward(dout, x, w, stride, pad)
    return dx, dw, db
"""),
    # ---- maxpool
    "max pool backward: every tied entry gets the gradient": ("maxpool", _pool_mask("mask")),
    "max pool backward: ties split the gradient evenly": ("maxpool", _pool_mask("mask / mask.sum(axis=(2, 3), keepdims=True)")),
    "max pool backward: the last maximum wins a tie": ("maxpool", _pool(pick="win.size - 1 - int(np.argmax(win[::-1]))")),
    "max pool backward overwrites where windows overlap": ("maxpool", _pool(acc="=")),
    "max pool forward ignores the stride": ("maxpool", """
def maxpool_forward(x, size, stride):
    N, C, Hx, Wx = x.shape
    Ho, Wo = (Hx - size) // stride + 1, (Wx - size) // stride + 1
    out = np.empty((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i:i + size, j:j + size].max(axis=(2, 3))
    return out
"""),
    # ---- rnn_step
    "rnn step backward forgets tanh's derivative": ("rnn_step", """
def rnn_step_backward(dh, x, h_prev, Wx, Wh, b):
    delta = dh
    return delta @ Wx.T, delta @ Wh.T, x.T @ delta, h_prev.T @ delta, delta.sum(axis=0)
"""),
    "rnn step backward takes tanh's derivative at h_prev": ("rnn_step", """
def rnn_step_backward(dh, x, h_prev, Wx, Wh, b):
    delta = dh * (1.0 - h_prev ** 2)
    return delta @ Wx.T, delta @ Wh.T, x.T @ delta, h_prev.T @ delta, delta.sum(axis=0)
"""),
    "rnn step backward: dh_prev without the transpose of Wh": ("rnn_step", """
def rnn_step_backward(dh, x, h_prev, Wx, Wh, b):
    delta = dh * (1.0 - np.tanh(x @ Wx + h_prev @ Wh + b) ** 2)
    return delta @ Wx.T, delta @ Wh, x.T @ delta, h_prev.T @ delta, delta.sum(axis=0)
"""),
    "rnn step backward: dWh from h instead of h_prev": ("rnn_step", """
def rnn_step_backward(dh, x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    delta = dh * (1.0 - h ** 2)
    return delta @ Wx.T, delta @ Wh.T, x.T @ delta, h.T @ delta, delta.sum(axis=0)
"""),
    "rnn step backward: db of the first example only": ("rnn_step", """
def rnn_step_backward(dh, x, h_prev, Wx, Wh, b):
    delta = dh * (1.0 - np.tanh(x @ Wx + h_prev @ Wh + b) ** 2)
    return delta @ Wx.T, delta @ Wh.T, x.T @ delta, h_prev.T @ delta, delta[0].copy()
"""),
    # ---- bptt
    "BPTT without the gradient from the future (no carry)": ("bptt", _bptt(upstream="dh[:, t]")),
    "BPTT overwrites the weight gradients at every step": ("bptt", _bptt(acc="=")),
    "BPTT walks forward in time": ("bptt", _bptt(steps="range(x.shape[1])")),
    "BPTT: dWh paired with h_t instead of h_(t-1)": ("bptt", _bptt(h_index="t + 1")),
    "BPTT returns the gradient at h_1 as dh0": ("bptt", """
_rnn_backward = rnn_backward
def rnn_backward(dh, x, h0, Wx, Wh, b):
    dx, dh0, dWx, dWh, db = _rnn_backward(dh, x, h0, Wx, Wh, b)
    hs = [h0]
    for t in range(x.shape[1]):
        hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))
    first = dh0 @ np.linalg.pinv(Wh.T) / np.where(np.abs(1.0 - hs[1] ** 2) > 1e-12, 1.0 - hs[1] ** 2, 1.0)
    return dx, first, dWx, dWh, db
"""),
    # ---- clip
    "clipping each array on its own": ("clip", """
def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * min(1.0, max_norm / max(np.linalg.norm(g), 1e-300)) for g in grads], norm
"""),
    "clipping every entry to [-max_norm, max_norm] (clip by value)": ("clip", """
def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [np.clip(g, -max_norm, max_norm) for g in grads], norm
"""),
    "clipping also scales small gradients up to max_norm": ("clip", """
def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = max_norm / norm if norm > 0 else 1.0
    return [g * scale for g in grads], norm
"""),
    "clipping returns the norm after clipping": ("clip", """
def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = max_norm / norm if norm > max_norm else 1.0
    return [g * scale for g in grads], norm * scale
"""),
    "clipping in place": ("clip", """
def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return grads, norm
"""),
    "clipping divides by the norm even when it is 0": ("clip", """
def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * min(1.0, max_norm / norm) if True else g for g in grads], norm
"""),
    # ---- found by a learner's pass over the exercise
    "conv forward: the output size without the + 1": ("conv_forward", """
_conv_forward = conv_forward
def conv_forward(x, w, b, stride, pad):
    out = _conv_forward(x, w, b, stride, pad)
    return out[:, :, :-1, :-1].copy()              # Ho = (Hx + 2·pad − Hk)//stride: the last window is lost
"""),
    "conv backward cuts the padding with pad:-pad (empty when pad = 0)": ("conv_backward", """
_conv_backward = conv_backward
def conv_backward(dout, x, w, stride, pad):
    dx, dw, db = _conv_backward(dout, x, w, stride, pad)
    dxp = np.pad(dx, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return dxp[:, :, pad:-pad, pad:-pad].copy(), dw, db
"""),
    "conv backward flips w in place for the full convolution": ("conv_backward", """
_conv_backward = conv_backward
def conv_backward(dout, x, w, stride, pad):
    dx, dw, db = _conv_backward(dout, x, w, stride, pad)
    w[...] = w[:, :, ::-1, ::-1].copy()              # "the flipped kernel", written into the argument
    return dx, dw, db
"""),
    "max pool backward: the first maximum in column-major order": ("maxpool", _pool(
        pick="int(np.ravel_multi_index(divmod(int(np.argmax(win.reshape(size, size).T)), size)[::-1], (size, size)))")),
    "rnn step backward: 1 - h instead of 1 - h squared": ("rnn_step", """
def rnn_step_backward(dh, x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    delta = dh * (1.0 - h)
    return delta @ Wx.T, delta @ Wh.T, x.T @ delta, h_prev.T @ delta, delta.sum(axis=0)
"""),
    "BPTT adds the gradient from the future after tanh'": ("bptt", """
def rnn_backward(dh, x, h0, Wx, Wh, b):
    hs = [h0]
    for t in range(x.shape[1]):
        hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))
    dx = np.zeros(x.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
    carry = np.zeros(h0.shape)
    for t in reversed(range(x.shape[1])):
        delta = dh[:, t] * (1.0 - hs[t + 1] ** 2) + carry
        dx[:, t] = delta @ Wx.T
        dWx += x[:, t].T @ delta
        dWh += hs[t].T @ delta
        db += delta.sum(axis=0)
        carry = delta @ Wh.T
    return dx, carry, dWx, dWh, db
"""),
    "clipping: the global norm as the sum of the arrays' norms": ("clip", """
def clip_by_global_norm(grads, max_norm):
    norm = float(sum(np.linalg.norm(g) for g in grads))
    scale = max_norm / norm if norm > max_norm else 1.0
    return [g * scale for g in grads], norm
"""),
    "clipping returns the arrays of grads themselves below the limit": ("clip", """
def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    if norm > max_norm:
        return [g * (max_norm / norm) for g in grads], norm
    return list(grads), norm
"""),
}

UNUSUAL = {
    "conv forward with four nested loops": ("conv_forward", """
def conv_forward(x, w, b, stride, pad):
    N, C, Hx, Wx = x.shape
    F, _, Hk, Wk = w.shape
    xp = np.zeros((N, C, Hx + 2 * pad, Wx + 2 * pad))
    xp[:, :, pad:pad + Hx, pad:pad + Wx] = x
    Ho, Wo = 1 + (Hx + 2 * pad - Hk) // stride, 1 + (Wx + 2 * pad - Wk) // stride
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = np.sum(xp[n, :, i * stride:i * stride + Hk, j * stride:j * stride + Wk] * w[f]) + b[f]
    return out
"""),
    "conv forward with im2col (sliding_window_view) and einsum": ("conv_forward", """
def conv_forward(x, w, b, stride, pad):
    from numpy.lib.stride_tricks import sliding_window_view
    Hk, Wk = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, (Hk, Wk), axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwuv,fcuv->nfhw", win, w) + b.reshape(1, -1, 1, 1)
"""),
    "find the bug: fixed with np.convolve (a true convolution flips the kernel itself)": ("find_the_bug", """
def conv1d_backward(dout, cache):
    x, w = cache
    dx = np.stack([np.convolve(row, w, mode="full") for row in dout])
    dw = np.stack([np.correlate(xr, dr, mode="valid") for xr, dr in zip(x, dout)]).sum(axis=0)
    return dx, dw
"""),
    "conv backward with im2col / col2im matrices": ("conv_backward", """
def conv_backward(dout, x, w, stride, pad):
    N, C, Hx, Wx = x.shape
    F, _, Hk, Wk = w.shape
    _, _, Ho, Wo = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = (np.arange(Ho) * stride)[:, None, None, None] + np.arange(Hk)[None, None, :, None]
    cols = (np.arange(Wo) * stride)[None, :, None, None] + np.arange(Wk)[None, None, None, :]
    cols_x = xp[:, :, rows, cols]                               # (N, C, Ho, Wo, Hk, Wk)
    X = cols_x.transpose(0, 2, 3, 1, 4, 5).reshape(N * Ho * Wo, C * Hk * Wk)
    G = dout.transpose(0, 2, 3, 1).reshape(N * Ho * Wo, F)
    dw = (G.T @ X).reshape(w.shape)
    dX = (G @ w.reshape(F, -1)).reshape(N, Ho, Wo, C, Hk, Wk).transpose(0, 3, 1, 2, 4, 5)
    dxp = np.zeros(xp.shape)
    np.add.at(dxp, (slice(None), slice(None), rows, cols), dX)
    return dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad].copy(), dw, G.sum(axis=0)
"""),
    "conv backward: dx as a full convolution with the flipped kernel over the dilated dout": ("conv_backward", """
_conv_backward = conv_backward
def conv_backward(dout, x, w, stride, pad):
    N, C, Hx, Wx = x.shape
    F, _, Hk, Wk = w.shape
    _, _, Ho, Wo = dout.shape
    Hp, Wp = Hx + 2 * pad, Wx + 2 * pad
    dil = np.zeros((N, F, (Ho - 1) * stride + 1, (Wo - 1) * stride + 1))
    dil[:, :, ::stride, ::stride] = dout
    full = np.pad(dil, ((0, 0), (0, 0), (Hk - 1, Hk - 1 + Hp - ((Ho - 1) * stride + Hk)),
                        (Wk - 1, Wk - 1 + Wp - ((Wo - 1) * stride + Wk))))
    wf = w[:, :, ::-1, ::-1]
    dxp = np.zeros((N, C, Hp, Wp))
    for r in range(Hp):
        for q in range(Wp):
            dxp[:, :, r, q] = np.einsum("nfuv,fcuv->nc", full[:, :, r:r + Hk, q:q + Wk], wf)
    _, dw, db = _conv_backward(dout, x, w, stride, pad)
    return dxp[:, :, pad:pad + Hx, pad:pad + Wx].copy(), dw, db
"""),
    "max pool backward window by window (np.ndindex, argmax of the flattened window)": ("maxpool", _pool()),
    "max pool forward with np.ndindex and np.unravel_index in the backward": ("maxpool", """
def maxpool_forward(x, size, stride):
    N, C, Hx, Wx = x.shape
    out = np.zeros((N, C, 1 + (Hx - size) // stride, 1 + (Wx - size) // stride))
    for n, c, i, j in np.ndindex(*out.shape):
        out[n, c, i, j] = np.max(x[n, c, i * stride:i * stride + size, j * stride:j * stride + size])
    return out

def maxpool_backward(dout, x, size, stride):
    dx = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(*dout.shape):
        n, c, i, j = idx
        window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
        r, q = np.unravel_index(np.argmax(window), window.shape)
        dx[n, c, r + i * stride, q + j * stride] = dx[n, c, r + i * stride, q + j * stride] + dout[idx]
    return dx
"""),
    "rnn step backward with the cosh form and einsum": ("rnn_step", """
def rnn_step_backward(dh, x, h_prev, Wx, Wh, b):
    z = x @ Wx + h_prev @ Wh + b
    delta = dh / np.cosh(z) ** 2
    return (np.einsum("nh,dh->nd", delta, Wx), np.einsum("nh,kh->nk", delta, Wh),
            np.einsum("nd,nh->dh", x, delta), np.einsum("nk,nh->kh", h_prev, delta), np.einsum("nh->h", delta))
"""),
    "BPTT written out with the template's defaults (a plain loop)": ("bptt", _bptt()),
    "BPTT built from rnn_step_backward, steps stored in a dict": ("bptt", """
def rnn_backward(dh, x, h0, Wx, Wh, b):
    S = x.shape[1]
    h = {-1: h0}
    for t in range(S):
        h[t] = rnn_step_forward(x[:, t], h[t - 1], Wx, Wh, b)
    grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    dxs = [None] * S
    upstream = 0.0
    for t in range(S - 1, -1, -1):
        dxt, upstream, *dparams = rnn_step_backward(dh[:, t] + upstream, x[:, t], h[t - 1], Wx, Wh, b)
        dxs[t] = dxt
        grads = [g + d for g, d in zip(grads, dparams)]
    upstream = upstream + np.zeros_like(h0)
    return np.stack(dxs, axis=1), upstream, *grads
"""),
    "find the bug: fixed by reversing the kernel once before the loop": ("find_the_bug", """
def conv1d_backward(dout, cache):
    x, w = cache
    R = w.shape[0]
    n_out = dout.shape[1]
    dw = np.array([np.sum(dout * x[:, k:k + n_out]) for k in range(R)])
    padded = np.pad(dout, ((0, 0), (R - 1, R - 1)))
    w = w[::-1]                                      # the full convolution reads the kernel backwards
    dx = np.zeros(x.shape)
    for k in range(R):
        dx += w[k] * padded[:, k:k + x.shape[1]]
    return dx, dw
"""),
    "conv backward with np.tensordot per window": ("conv_backward", """
def conv_backward(dout, x, w, stride, pad):
    Hx, Wx = x.shape[2:]
    Hk, Wk = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros(xp.shape), np.zeros(w.shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            win = (slice(None), slice(None), slice(i * stride, i * stride + Hk), slice(j * stride, j * stride + Wk))
            dw += np.tensordot(dout[:, :, i, j], xp[win], axes=([0], [0]))
            dxp[win] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
    return dxp[:, :, pad:pad + Hx, pad:pad + Wx], dw, dout.sum(axis=(0, 2, 3))
"""),
    "max pool backward: the row of the window's maximum first, then the column in that row": ("maxpool", """
def maxpool_backward(dout, x, size, stride):
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        win = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
        u = int(np.argmax(win.max(axis=1)))          # the first row holding the maximum ...
        v = int(np.argmax(win[u]))                   # ... and its first maximal column: row-major first
        dx[n, c, i * stride + u, j * stride + v] += dout[n, c, i, j]
    return dx
"""),
    "BPTT adding the carry into a private copy of dh": ("bptt", """
def rnn_backward(dh, x, h0, Wx, Wh, b):
    dh = np.array(dh, dtype=np.float64, copy=True)   # a private copy: += into it is allowed
    hs = [h0]
    for t in range(x.shape[1]):
        hs.append(rnn_step_forward(x[:, t], hs[-1], Wx, Wh, b))
    dx = np.zeros(x.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
    for t in range(x.shape[1] - 1, -1, -1):
        dxt, dprev, a, c, d = rnn_step_backward(dh[:, t], x[:, t], hs[t], Wx, Wh, b)
        dx[:, t] = dxt
        dWx += a
        dWh += c
        db += d
        if t > 0:
            dh[:, t - 1] += dprev
    return dx, dprev, dWx, dWh, db
"""),
    "clipping with np.vdot, a tuple and an np.float64 norm": ("clip", """
def clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(np.vdot(g, g) for g in grads))
    s = max_norm / norm if norm > max_norm else 1.0
    return tuple(g * s for g in grads), norm
"""),
    "clipping with np.linalg.norm of the concatenation, returned as a tuple": ("clip", """
def clip_by_global_norm(grads, max_norm):
    norm = float(np.linalg.norm(np.concatenate([g.ravel() for g in grads])))
    if norm <= max_norm:
        return tuple(g.copy() for g in grads), norm
    return tuple(g / norm * max_norm for g in grads), norm
"""),
}
