"""Checks of the convolutions-and-recurrence exercise (``solutions/convolutions_and_rnns/convolutions_and_rnns.ipynb``).

What the learner writes (every array float64; images channels first):

    conv_forward(x, w, b, stride, pad) -> out      x (N, C, Hx, Wx), w (F, C, Hk, Wk), b (F,);
                        zero padding on every side, windows every `stride` positions, windows that
                        do not fit left out: out (N, F, (Hx + 2·pad − Hk)//stride + 1, …)
    conv1d_backward(dout, cache) -> (dx, dw)       the given 1-D backward with its one planted
                        mistake fixed (cache from the given conv1d_forward)
    conv_backward(dout, x, w, stride, pad) -> (dx, dw, db)
    maxpool_forward(x, size, stride) -> out; maxpool_backward(dout, x, size, stride) -> dx
                        a tie sends the window's gradient to its FIRST maximum (row-major);
                        overlapping windows add
    rnn_step_forward(x, h_prev, Wx, Wh, b) -> h = tanh(x Wx + h_prev Wh + b)
    rnn_step_backward(dh, x, h_prev, Wx, Wh, b) -> (dx, dh_prev, dWx, dWh, db)
    rnn_backward(dh, x, h0, Wx, Wh, b) -> (dx, dh0, dWx, dWh, db)   dh (N, S, H): ∂L/∂h_t of
                        every step from the loss directly; BPTT over the whole sequence
    clip_by_global_norm(grads, max_norm) -> (clipped list, norm before clipping)

The probes are in :mod:`autograder.probes.convolutions_and_rnns`; here are the cases and the
verdicts. Every gradient is compared with central differences (h = 1e-5, float64) of the
reference forward :mod:`autograder.reference.convolutions_and_rnns`, except max pooling at a tie,
where the derivative does not exist and the stated rule (``maxpool_route``) decides. The hidden
cases of every seed hold the edges the instructions name: stride and padding combinations, windows
that do not fit, a kernel as large as the padded input, ties in pooling and overlapping windows,
a sequence of length 1 and a long one (40 steps), gradients whose norm is below the limit or 0.
Every tie case, visible or hidden, holds one tie whose first maximum differs in row-major and in
column-major order. The known mistakes the hints name (overlapping windows overwritten, the
kernel read the wrong way round, BPTT without the carry or with it after tanh', …) are computed
by ``*_mistakes`` functions of the reference module, which an exercise download replaces by
recorded results: the spec it ships holds no correct answer one edit away from them.
"""
import numpy as np

from autograder.checks import Item
from autograder.gradcheck import numerical_gradient_array
from autograder.probes.convolutions_and_rnns import PROBES
from autograder.reference import convolutions_and_rnns as ref

#: Forward values: correct code differs from the reference by rounding only.
TOL_FORWARD = 1e-8
#: Gradients vs central differences (h = 1e-5).
TOL_GRAD = 1e-5
#: Entries of a pooling window without a tie are at least this far apart (far above h).
POOL_GAP = 0.1


def _vjp(f, x, dout):
    return numerical_gradient_array(f, np.array(x, dtype=np.float64, copy=True), dout)


def _f(v):
    return np.float64(v)


# ------------------------------------------------------------------ convolution
def _conv_case(rng, n, c, hx, wx, f, kh, kw, stride, pad):
    ho, wo = ref.out_size(hx, kh, stride, pad), ref.out_size(wx, kw, stride, pad)
    assert ho >= 1 and wo >= 1
    return dict(x=rng.standard_normal((n, c, hx, wx)), w=rng.standard_normal((f, c, kh, kw)) / np.sqrt(c * kh * kw),
                b=rng.standard_normal(f) * 0.5, dout=rng.standard_normal((n, f, ho, wo)), stride=_f(stride), pad=_f(pad))


def _conv_cases(rng, hidden):
    if not hidden:
        return [_conv_case(rng, 2, 2, 5, 5, 3, 3, 3, 1, 0),     # stride 1, no padding
                _conv_case(rng, 2, 2, 7, 6, 2, 3, 2, 2, 1),     # stride 2, padding 1, a 3 × 2 kernel
                _conv_case(rng, 1, 1, 6, 6, 2, 3, 3, 2, 0)]     # a window that does not fit: left out
    while True:
        s, p, kh, kw = (int(v) for v in (rng.integers(1, 4), rng.integers(0, 3), rng.integers(1, 5), rng.integers(1, 5)))
        hx, wx = (int(v) for v in rng.integers(3, 8, size=2))
        if ref.out_size(hx, kh, s, p) >= 1 and ref.out_size(wx, kw, s, p) >= 1:
            break
    return [_conv_case(rng, 1, 1, 4, 4, 1, 1, 1, 1, 0),         # a 1 × 1 kernel, one example, one channel
            _conv_case(rng, 2, 3, 5, 5, 2, 3, 3, 1, 1),         # "same" padding
            _conv_case(rng, 2, 2, 7, 7, 2, 3, 3, 3, 2),         # stride 3, padding 2
            _conv_case(rng, 1, 2, 6, 5, 3, 2, 4, 2, 0),         # windows left out along both axes
            _conv_case(rng, 2, 1, 4, 4, 2, 6, 6, 1, 1),         # the kernel covers the padded input
            _conv_case(rng, int(rng.integers(1, 3)), int(rng.integers(1, 4)), hx, wx, int(rng.integers(1, 4)),
                       kh, kw, s, p)]


def _tag(case):
    return f"x {case['x'].shape}, w {case['w'].shape}, stride {int(case['stride'])}, pad {int(case['pad'])}"


def _conv_forward_verify(j, case):
    x, w, b, stride, pad = case["x"], case["w"], case["b"], int(case["stride"]), int(case["pad"])
    want = ref.conv2d(x, w, b, stride, pad)
    out = j.array("out", f"conv_forward returns a float64 array of shape (N, F, Ho, Wo) = {want.shape}", want.shape,
                  "`conv_forward(x, w, b, stride, pad)`")
    if out is None:
        _size_hint(j, "out", want.shape, x.shape, w.shape[2:], stride, pad)
    else:
        j.close(f"conv_forward matches the definition ({_tag(case)})", out, want, TOL_FORWARD,
                hint_fn=lambda bad: _conv_forward_hint(out, x, w, b, stride, pad))
    j.unchanged("x_after", x, "conv_forward leaves x unchanged", call="out")
    j.unchanged("w_after", w, "conv_forward leaves w unchanged", "w", call="out")


def _size_hint(j, key, want, x_shape, kernel, stride, pad):
    """When the output (kept under ``key``) has the right batch and channel sizes but a wrong
    Ho × Wo, the last failure's generic shape hint is replaced by the output-size formula."""
    info = j.info(key) or {}
    got = info.get("shape")
    if not (j.report.outcomes and not j.report.outcomes[-1].passed and info.get("type") == "array"
            and isinstance(got, list) and len(got) == 4 and tuple(got[:2]) == tuple(want[:2])
            and tuple(got) != tuple(want)):
        return
    (hx, wx), (kh, kw), p = x_shape[2:], kernel, f" + 2·{pad}" if pad else ""
    j.report.outcomes[-1].hint = (
        f"the output size: o = (n{' + 2·pad' if pad else ''} − k)//stride + 1 windows per axis (windows that do not "
        f"fit are left out): Ho = ({hx}{p} − {kh})//{stride} + 1 = {want[2]}, Wo = ({wx}{p} − {kw})//{stride} + 1 "
        f"= {want[3]}; yours is {got[2]} × {got[3]}.")


def _conv_forward_hint(out, x, w, b, stride, pad):
    if np.allclose(out, ref.conv2d(x, w[:, :, ::-1, ::-1], b, stride, pad), rtol=1e-6, atol=1e-9):
        return "that is the convolution with the flipped kernel; a convolutional layer computes the " \
               "cross-correlation: xp[n, :, stride·i + u, stride·j + v] · w[f, :, u, v], no flipping."
    if np.allclose(out, ref.conv2d(x, w, np.zeros_like(b), stride, pad), rtol=1e-6, atol=1e-9):
        return "the bias b[f] is missing."
    return ""


def _conv_backward_verify(j, case):
    x, w, b, dout, stride, pad = case["x"], case["w"], case["b"], case["dout"], int(case["stride"]), int(case["pad"])
    got = j.value("grads", "conv_backward returns (dx, dw, db) shaped like x, w and b",
                  ("tuple", [("array", x.shape), ("array", w.shape), ("array", b.shape)]),
                  "`conv_backward(dout, x, w, stride, pad)`")
    if got is None:
        info = j.info("grads/0") or {}
        if isinstance(info.get("shape"), list) and tuple(info["shape"]) != x.shape and "[0]" in j.report.outcomes[-1].detail:
            j.report.outcomes[-1].hint = ("dx has the shape of x, not of the padded image: cut the padding off with "
                                          "`dxp[:, :, pad:pad + Hx, pad:pad + Wx]` (a slice `pad:-pad` is empty "
                                          "when pad = 0).")
    else:
        dx, dw, db = got
        tag = _tag(case)
        assigned, flipped = ref.conv_dx_mistakes(dout, x, w, stride, pad)
        j.gradient(f"dx matches the numerical gradient ({tag})", dx,
                   _vjp(lambda v: ref.conv2d(v, w, b, stride, pad), x, dout), TOL_GRAD, candidates=[
                       (assigned, "windows overlap: ADD (+=) each window's gradient "
                        "into dxp; assigning (=) keeps only the last window's."),
                       (flipped,
                        "the kernel is read the wrong way round: in the loop over windows each window's gradient "
                        "is dout[:, :, i, j] · w with w as it is; written as one full convolution of the padded "
                        "dout, dx needs the FLIPPED kernel.")])
        j.gradient(f"dw matches the numerical gradient ({tag})", dw,
                   _vjp(lambda v: ref.conv2d(x, v, b, stride, pad), w, dout), TOL_GRAD)
        j.gradient(f"db matches the numerical gradient ({tag})", db,
                   _vjp(lambda v: ref.conv2d(x, w, v, stride, pad), b, dout), TOL_GRAD, candidates=[
                       (dout[0].sum(axis=(1, 2)),
                        "db sums dout over the batch AND every position: `dout.sum(axis=(0, 2, 3))`.")])
    j.unchanged("dout_after", dout, "conv_backward leaves dout unchanged", "dout", call="grads")
    j.unchanged("x_after", x, "conv_backward leaves x unchanged", call="grads")
    j.unchanged("w_after", w, "conv_backward leaves w unchanged", "w", call="grads")


# ------------------------------------------------------------------ find the bug (1-D)
def _conv1d_case(rng, n, length, r):
    return dict(x=rng.standard_normal((n, length)), w=rng.standard_normal(r),
                dout=rng.standard_normal((n, length - r + 1)))


def _conv1d_cases(rng, hidden):
    if not hidden:
        return [_conv1d_case(rng, 2, 8, 3)]
    return [_conv1d_case(rng, 1, 5, 2), _conv1d_case(rng, 3, 10, 4),
            _conv1d_case(rng, 2, 6, 6),                         # the kernel as long as x: one output
            _conv1d_case(rng, int(rng.integers(1, 4)), int(rng.integers(6, 12)), int(rng.integers(2, 6)))]


def _conv1d_verify(j, case):
    x, w, dout = case["x"], case["w"], case["dout"]
    if j.raised("fwd", "the given conv1d_forward runs"):
        return
    got = j.value("grads", "conv1d_backward returns (dx, dw)", ("tuple", [("array", x.shape), ("array", w.shape)]),
                  "`conv1d_backward(dout, cache)`")
    if got is None:
        return
    dx, dw = got
    tag = f"x {x.shape}, kernel length {w.shape[0]}"
    padded = np.pad(dout, ((0, 0), (w.shape[0] - 1, w.shape[0] - 1)))
    given = sum(w[k] * padded[:, k:k + x.shape[1]] for k in range(w.shape[0]))
    j.gradient(f"conv1d_backward: dx matches the numerical gradient ({tag})", dx,
               _vjp(lambda v: ref.conv1d(v, w), x, dout), TOL_GRAD, candidates=[
                   (given, "that is still the given code's dx: the mistake is there — which weight meets which "
                    "entry of the padded dout? (the collapsed hint of part 2)")])
    j.gradient(f"conv1d_backward: dw matches the numerical gradient ({tag})", dw,
               _vjp(lambda v: ref.conv1d(x, v), w, dout), TOL_GRAD)
    j.unchanged("dout_after", dout, "conv1d_backward leaves dout unchanged", "dout", call="grads")


# ------------------------------------------------------------------ max pooling
def _distinct(rng, shape):
    """Entries pairwise at least POOL_GAP apart: no ties, and no step h changes an arg-max."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) + rng.uniform(0.0, 1.0 - 4 * POOL_GAP)) * 4 * POOL_GAP - n * 2 * POOL_GAP).reshape(shape)


def _pool_case(rng, shape, size, stride, ties=False):
    x = _distinct(rng, shape)
    if ties:                                                     # copy a window's maximum to another of its entries
        ho, wo = ref.out_size(shape[2], size, stride, 0), ref.out_size(shape[3], size, stride, 0)
        for _ in range(max(2, ho * wo // 2)):
            n, c, i, jj = (int(rng.integers(0, m)) for m in (shape[0], shape[1], ho, wo))
            win = x[n, c, stride * i:stride * i + size, stride * jj:stride * jj + size]
            flat = win.reshape(-1)
            top = int(flat.argmax())
            other = int(rng.choice([p for p in range(size * size) if p != top]))
            win[divmod(other, size)] = flat[top]
        first = x[0, 0, :size, :size]                            # and in the first window a tie at (0, 1) and (1, 0): its
        first[0, 1] = first[1, 0] = first.max() + 1.0            # first maximum is (0, 1) row-major, (1, 0) column-major
    dout = rng.standard_normal((shape[0], shape[1], ref.out_size(shape[2], size, stride, 0),
                                ref.out_size(shape[3], size, stride, 0)))
    return dict(x=x, dout=dout, size=_f(size), stride=_f(stride), ties=_f(ties))


def _pool_cases(rng, hidden):
    if not hidden:
        return [_pool_case(rng, (2, 2, 4, 4), 2, 2),
                _pool_case(rng, (1, 2, 5, 5), 3, 2),                 # overlapping windows
                _pool_case(rng, (1, 1, 5, 5), 2, 2),                 # the last row and column left out
                _pool_case(rng, (1, 2, 4, 4), 2, 2, ties=True),      # ties
                _pool_case(rng, (1, 1, 5, 5), 3, 2, ties=True)]      # ties in overlapping windows
    return [_pool_case(rng, (2, 3, 6, 6), 2, 2, ties=True),
            _pool_case(rng, (1, 2, 5, 5), 3, 2, ties=True),
            _pool_case(rng, (2, 1, 4, 5), 2, 1, ties=True),
            _pool_case(rng, (2, 1, 4, 5), 2, 1),                     # stride 1: every inner entry in 4 windows
            _pool_case(rng, (1, 1, 3, 3), 3, 3),                     # one window
            _pool_case(rng, (2, 2, 7, 7), 2, 2),                     # a row and a column left out
            _pool_case(rng, (1, 2, 6, 7), int(rng.integers(2, 4)), int(rng.integers(1, 4)),
                       ties=bool(rng.integers(0, 2)))]


def _pool_verify(j, case):
    x, dout, size, stride, ties = case["x"], case["dout"], int(case["size"]), int(case["stride"]), bool(case["ties"])
    tag = f"x {x.shape}, size {size}, stride {stride}" + (", with ties" if ties else "")
    out = j.array("out", f"maxpool_forward returns a float64 array of shape {dout.shape}", dout.shape,
                  "`maxpool_forward(x, size, stride)`")
    if out is None:
        _size_hint(j, "out", dout.shape, x.shape, (size, size), stride, 0)
    else:
        j.close(f"maxpool_forward: the maximum of every window ({tag})", out, ref.maxpool2d(x, size, stride), TOL_FORWARD)
    dx = j.array("dx", "maxpool_backward returns a float64 dx shaped like x", x.shape, "`maxpool_backward(dout, x, size, stride)`")
    if dx is not None:
        route = ref.maxpool_route(dout, x, size, stride)
        assigned, column_major = ref.maxpool_route_mistakes(dout, x, size, stride)
        if ties:
            j.close(f"maxpool_backward: a tie sends the window's gradient to its first maximum ({tag})", dx, route,
                    TOL_FORWARD, ref_name="expected", hint_fn=lambda bad: _tie_hint(dx, dout, x, size, stride, assigned, column_major))
        else:
            j.gradient(f"maxpool_backward: dx matches the numerical gradient ({tag})", dx,
                       _vjp(lambda v: ref.maxpool2d(v, size, stride), x, dout), TOL_GRAD,
                       candidates=[(assigned, _OVERLAP)])
    j.unchanged("x_after", x, "maxpool leaves x unchanged", call="out")
    j.unchanged("dout_after", dout, "maxpool_backward leaves dout unchanged", "dout", call="dx")


_OVERLAP = ("windows overlap: an entry that wins several windows receives the SUM of their gradients — "
            "add (+=) into dx; assigning (=) keeps only the last window's.")


def _tie_hint(dx, dout, x, size, stride, assigned, column_major):
    flipped = ref.maxpool_route(dout[:, :, ::-1, ::-1], x[:, :, ::-1, ::-1], size, stride)[:, :, ::-1, ::-1] \
        if (x.shape[2] - size) % stride == 0 and (x.shape[3] - size) % stride == 0 else None
    if flipped is not None and np.allclose(dx, flipped):
        return "that is the LAST maximum of each window; the rule is the first one (np.argmax of the window)."
    if np.allclose(dx, assigned):
        return _OVERLAP
    if np.allclose(dx, column_major):
        return "that is the first maximum in column-major order; the rule is row-major: along the window's " \
               "first row, then the second, … — `np.argmax` of the flattened window (or `np.argmax(win)`)."
    if np.sum(dx) > np.sum(dout) + 1e-9 or np.sum(dx) < np.sum(dout) - 1e-9:
        return "each window passes on exactly its own gradient once: at a tie, one entry gets all of it."
    return "at a tie only the first maximal entry of the window (row-major order) receives the gradient."


# ------------------------------------------------------------------ RNN step
def _each_gradient(j, func, names, got, forward, args, dout, tag, wrong=()):
    """One gradient check per argument of ``forward(*args)``: ``got[i]`` against the central
    differences of ``forward`` in ``args[i]`` (the others held fixed). ``wrong``: ``(grads,
    message)`` pairs, the five gradients of a known mistake (``None``: not affected) and its hint."""
    for i, (name, g) in enumerate(zip(names, got)):
        def f(v, i=i):
            a = list(args)
            a[i] = v
            return forward(*a)
        j.gradient(f"{func}: {name} matches the numerical gradient ({tag})", g, _vjp(f, args[i], dout), TOL_GRAD,
                   candidates=[(grads[i], message) for grads, message in wrong if grads[i] is not None])


_STEP_MISTAKES = (
    "tanh'(z) = 1 − h², with h squared.",
    "tanh' is taken at this step's output h, not at h_prev: δ = dh ⊙ (1 − h²).",
    "dh_prev = δ W_hᵀ: the transpose of W_h, as dx = δ W_xᵀ.",
    "db sums δ (after tanh'), not dh.",
    "dW_h pairs δ with the state that entered the step: h_prevᵀ δ, not hᵀ δ.",
    "tanh's derivative is missing: the affine part receives δ = dh ⊙ (1 − h²), with h this step's output.")


def _step_mistakes(x, hp, Wx, Wh, b, dh):
    return list(zip(ref.rnn_step_mistakes(dh, x, hp, Wx, Wh, b), _STEP_MISTAKES))


def _bptt_mistakes(x, h0, Wx, Wh, b, dh):
    if x.shape[1] < 2:
        return []
    no_carry, after = ref.rnn_mistakes(dh, x, h0, Wx, Wh, b)
    return [(no_carry, "the gradient from the future is missing: the "
             "gradient at h_t is dh[:, t] PLUS what step t + 1 sends back (its dh_prev)."),
            (after, "what step t + 1 sends back arrives at h_t, "
             "before tanh': δ_t = (dh[:, t] + carry) ⊙ (1 − h_t²), not dh[:, t] ⊙ (1 − h_t²) + carry.")]


def _rnn_params(rng, d, h, gain=1.0):
    return dict(Wx=rng.standard_normal((d, h)) * gain / np.sqrt(d), Wh=rng.standard_normal((h, h)) * 0.9 / np.sqrt(h),
                b=rng.standard_normal(h) * 0.3)


def _step_case(rng, n, d, h, gain=1.0):
    return dict(x=rng.standard_normal((n, d)), h_prev=np.tanh(rng.standard_normal((n, h))),
                dh=rng.standard_normal((n, h)), **_rnn_params(rng, d, h, gain))


def _step_cases(rng, hidden):
    if not hidden:
        return [_step_case(rng, 3, 4, 5), _step_case(rng, 2, 3, 3)]
    return [_step_case(rng, 1, 2, 3), _step_case(rng, 4, 1, 1),       # one example; one input, one unit
            _step_case(rng, 3, 5, 2, gain=3.0),                         # large pre-activations: tanh saturates
            _step_case(rng, int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(1, 6)))]


def _step_verify(j, case):
    x, hp, Wx, Wh, b, dh = (case[k] for k in ("x", "h_prev", "Wx", "Wh", "b", "dh"))
    tag = f"N = {x.shape[0]}, D = {x.shape[1]}, H = {Wh.shape[0]}"
    h = j.array("h", "rnn_step_forward returns a float64 h of shape (N, H)", hp.shape, "`rnn_step_forward(...)`")
    if h is not None:
        j.close(f"rnn_step_forward: tanh(x Wx + h_prev Wh + b) ({tag})", h, ref.rnn_step(x, hp, Wx, Wh, b), TOL_FORWARD)
    got = j.value("grads", "rnn_step_backward returns (dx, dh_prev, dWx, dWh, db) shaped like their variables",
                  ("tuple", [("array", v.shape) for v in (x, hp, Wx, Wh, b)]), "`rnn_step_backward(...)`")
    if got is None:
        return
    _each_gradient(j, "rnn_step_backward", ("dx", "dh_prev", "dWx", "dWh", "db"), got, ref.rnn_step,
                   [x, hp, Wx, Wh, b], dh, tag, _step_mistakes(x, hp, Wx, Wh, b, dh))
    j.unchanged("dh_after", dh, "rnn_step_backward leaves dh unchanged", "dh", call="grads")


# ------------------------------------------------------------------ BPTT
def _bptt_case(rng, n, s, d, h, last_only=False):
    dh = rng.standard_normal((n, s, h))
    if last_only:
        dh[:, :-1] = 0.0                                     # a loss on the last hidden state only
    return dict(x=rng.standard_normal((n, s, d)), h0=np.tanh(rng.standard_normal((n, h))), dh=dh,
                **_rnn_params(rng, d, h))


def _bptt_cases(rng, hidden):
    if not hidden:
        return [_bptt_case(rng, 2, 4, 3, 4), _bptt_case(rng, 2, 1, 2, 3)]    # a sequence of length 1
    return [_bptt_case(rng, 3, 1, 2, 2),                                       # length 1
            _bptt_case(rng, 2, 40, 2, 3),                                      # a long sequence
            _bptt_case(rng, 1, 6, 3, 4, last_only=True),                       # the loss at the end only
            _bptt_case(rng, int(rng.integers(1, 4)), int(rng.integers(2, 11)), int(rng.integers(1, 5)),
                       int(rng.integers(1, 5)))]


def _bptt_verify(j, case):
    x, h0, Wx, Wh, b, dh = (case[k] for k in ("x", "h0", "Wx", "Wh", "b", "dh"))
    n, s, d = x.shape
    tag = f"N = {n}, S = {s}, D = {d}, H = {Wh.shape[0]}"
    got = j.value("grads", "rnn_backward returns (dx, dh0, dWx, dWh, db) shaped like their variables",
                  ("tuple", [("array", v.shape) for v in (x, h0, Wx, Wh, b)]), "`rnn_backward(dh, x, h0, Wx, Wh, b)`")
    if got is not None:
        _each_gradient(j, "rnn_backward", ("dx", "dh0", "dWx", "dWh", "db"), got, ref.rnn, [x, h0, Wx, Wh, b], dh, tag,
                       _bptt_mistakes(x, h0, Wx, Wh, b, dh))
    j.unchanged("dh_after", dh, "rnn_backward leaves dh unchanged", "dh", call="grads")
    j.unchanged("x_after", x, "rnn_backward leaves x unchanged", call="grads")


# ------------------------------------------------------------------ clipping
def _clip_case(rng, shapes, factor, max_norm=1.0, zero=False):
    """Arrays whose global norm is ``factor`` · max_norm; the first one much smaller than the rest
    (so that clipping each array on its own differs from clipping them together)."""
    grads = [rng.standard_normal(sh) * (0.05 if i == 0 and len(shapes) > 1 else 1.0) for i, sh in enumerate(shapes)]
    if zero:
        grads = [np.zeros(sh) for sh in shapes]
    else:
        scale = factor * max_norm / ref.global_norm(grads)
        grads = [g * scale for g in grads]
    case = {f"g{i}": g for i, g in enumerate(grads)}
    return dict(case, count=_f(len(grads)), max_norm=_f(max_norm))


def _clip_cases(rng, hidden):
    if not hidden:
        return [_clip_case(rng, [(3,), (2, 3), (4,)], 5.0),           # above the limit: scaled
                _clip_case(rng, [(2, 2), (3,)], 0.5),                 # below: unchanged
                _clip_case(rng, [(3,), (2,)], 1.0, zero=True)]        # all zero: norm 0, unchanged
    return [_clip_case(rng, [(2,), (3, 2), (2, 2, 2)], float(rng.uniform(1.5, 50.0)), max_norm=float(rng.uniform(0.5, 5))),
            _clip_case(rng, [(4, 3)], 3.0, max_norm=0.25),              # one array
            _clip_case(rng, [(3,), (2, 2)], float(rng.uniform(0.1, 0.9)), max_norm=10.0),
            _clip_case(rng, [(2, 3), (3,)], 1.0, zero=True)]            # all zero: norm 0, unchanged


def _clip_verify(j, case):
    k = int(case["count"])
    grads = [case[f"g{i}"] for i in range(k)]
    max_norm = float(case["max_norm"])
    norm = ref.global_norm(grads)
    where = "0" if norm == 0 else "above max_norm" if norm > max_norm else "below max_norm"
    tag = f"{k} array{'s' if k > 1 else ''}, global norm {where}"
    got = j.value("clip", "clip_by_global_norm returns (a list of arrays shaped like grads, the norm)",
                  ("tuple", [("tuple", [("array", g.shape) for g in grads]), "float"]),
                  "`clip_by_global_norm(grads, max_norm)`")
    if got is not None:
        clipped, got_norm = got
        want = ref.clip_by_global_norm(grads, max_norm)
        j.close(f"the norm returned is the global norm before clipping ({tag})", np.float64(got_norm),
                np.float64(norm), TOL_FORWARD,
                hint_fn=lambda bad: _norm_hint(got_norm, grads, norm, max_norm))
        j.close(f"the arrays scaled together by min(1, max_norm / global norm) ({tag})",
                np.concatenate([np.ravel(g) for g in clipped]), np.concatenate([np.ravel(g) for g in want]), TOL_FORWARD,
                hint_fn=lambda bad: _clip_hint(clipped, grads, max_norm, norm))
        shared = j.numbers("shared")
        fresh = shared is not None and shared.shape == () and not bool(shared)
        j.add(f"clip_by_global_norm returns new arrays, not the arrays of grads ({tag})", fresh,
              "" if fresh else "a returned array is one of the arrays of `grads`.",
              hint="" if fresh else "below the limit (or at norm 0) return copies — `g.copy()` or `g * 1.0` — so "
                                    "that changing the result cannot change the gradients it came from.")
    for i, g in enumerate(grads):
        j.unchanged(f"g{i}_after", g, "clip_by_global_norm leaves grads unchanged", "grads", call="clip")


def _norm_hint(got, grads, norm, max_norm):
    if abs(got - min(norm, max_norm)) < 1e-9 * max(1, norm):
        return "return the norm of all the arrays together, measured BEFORE clipping."
    if abs(got - sum(float(np.linalg.norm(g)) for g in grads)) < 1e-9 * max(1, norm):
        return "that is the sum of the arrays' norms; the global norm is √(Σ_k ‖g_k‖²): square, add, then the root."
    return ""


def _clip_hint(clipped, grads, max_norm, norm):
    if not all(np.all(np.isfinite(c)) for c in clipped):
        return "NaN or inf: do not divide by a norm of 0 (below the limit nothing changes)."
    if norm <= max_norm:
        return "below the limit the gradients are returned unchanged."
    each = [g * min(1.0, max_norm / max(ref.global_norm([g]), 1e-300)) for g in grads]
    if all(np.allclose(c, e) for c, e in zip(clipped, each)):
        return "that clips each array on its own; the norm is the GLOBAL one, of all arrays together."
    return ""


ITEMS = {item.name: item for item in [
    Item("conv_forward", ("conv_forward",), _conv_cases, PROBES["conv_forward"], _conv_forward_verify),
    Item("find_the_bug", ("conv1d_backward",), _conv1d_cases, PROBES["find_the_bug"], _conv1d_verify),
    Item("conv_backward", ("conv_backward",), _conv_cases, PROBES["conv_backward"], _conv_backward_verify),
    Item("maxpool", ("maxpool_forward", "maxpool_backward"), _pool_cases, PROBES["maxpool"], _pool_verify),
    Item("rnn_step", ("rnn_step_forward", "rnn_step_backward"), _step_cases, PROBES["rnn_step"], _step_verify),
    Item("bptt", ("rnn_backward",), _bptt_cases, PROBES["bptt"], _bptt_verify),
    Item("clip", ("clip_by_global_norm",), _clip_cases, PROBES["clip"], _clip_verify),
]}
