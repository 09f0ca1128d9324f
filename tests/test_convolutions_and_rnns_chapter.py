"""The convolutions-and-recurrence chapter's numbers and claims, recomputed.

The page (book/convolutions_and_rnns.ipynb) prints its numbers through
``dnnbook.convolutions_and_rnns``; here they are recomputed another way where one exists (central
differences of the reference forward, the exercise solution's functions, closed forms), and every
claim the page's prose makes about them is asserted: the 1-D backward by index and with the flipped
kernel, loops vs im2col, the three forms of the 2-D backward, max pooling at a tie, the digits
table, BPTT, the gradient-norm table and slider, truncation, clipping and the memory task.
"""
import numpy as np
import pytest

import course
from autograder.gradcheck import max_relative_error, numerical_gradient_array
from autograder.reference import convolutions_and_rnns as ref
from dnnbook import convolutions_and_rnns as cr

A = "convolutions_and_rnns"


@pytest.fixture(scope="module")
def sol():
    return course.solution_namespace(A)


def test_one_dimension_forward_and_backward(sol):
    x1 = np.array([0.0, 0.0, 1.0, 2.0, 3.0, 3.0, 3.0, 1.0])
    w1 = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(cr.conv1d_loops(x1, w1), [1.0, 2.0, 2.0, 1.0, 0.0, -2.0])    # the printed out
    np.testing.assert_allclose(ref.conv1d(x1[None], w1)[0], cr.conv1d_loops(x1, w1))
    g1 = np.array([0.5, -1.0, 2.0, 0.0, 1.0, -0.5])
    dx_index, dw_index = cr.conv1d_backward_by_index(g1, x1, w1)
    np.testing.assert_array_equal(dx_index, [-0.5, 1.0, -1.5, -1.0, 1.0, 0.5, 1.0, -0.5])
    np.testing.assert_array_equal(cr.conv1d_backward_flipped(g1, w1), dx_index)
    num = numerical_gradient_array(lambda v: ref.conv1d(v[None], w1)[0], x1.copy(), g1)
    assert max_relative_error(dx_index, num) < 1e-9
    num_w = numerical_gradient_array(lambda v: ref.conv1d(x1[None], v)[0], w1.copy(), g1)
    assert max_relative_error(dw_index, num_w) < 1e-9
    # "the unflipped kernel gives another vector"; a symmetric kernel hides the mistake
    unflipped = cr.conv1d_loops(np.pad(g1, 2), w1)
    np.testing.assert_array_equal(unflipped, -dx_index)
    sym = np.array([1.0, 2.0, 1.0])
    np.testing.assert_array_equal(cr.conv1d_loops(np.pad(g1, 2), sym), cr.conv1d_backward_flipped(g1, sym))
    # the exercise's given conv1d_backward is the unflipped one; the solution's fix matches
    out, cache = sol["conv1d_forward"](x1[None], w1)
    dx_sol, dw_sol = sol["conv1d_backward"](g1[None], cache)
    np.testing.assert_allclose(dx_sol[0], dx_index)
    np.testing.assert_allclose(dw_sol, dw_index)


def _page_images():
    rng = np.random.default_rng(0)
    return rng, rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)


def test_loops_im2col_and_the_output_sizes(sol):
    _, x, w, b = _page_images()
    shapes = {(1, 0): ((2, 4, 5, 4), (40, 27)), (1, 1): ((2, 4, 7, 6), (84, 27)),
              (2, 1): ((2, 4, 4, 3), (24, 27)), (2, 0): ((2, 4, 3, 2), (12, 27))}
    for (stride, pad), (out_shape, cols_shape) in shapes.items():
        loops = cr.conv2d_loops(x, w, b, stride, pad)
        assert loops.shape == out_shape and cr.im2col(x, 3, 3, stride, pad).shape == cols_shape
        assert max_relative_error(cr.conv2d_im2col(x, w, b, stride, pad), loops) < 1e-12
        np.testing.assert_allclose(sol["conv_forward"](x, w, b, stride, pad), loops, rtol=1e-12, atol=1e-12)
    # "(6 − 3)/2 rounds down: the last column is never read"
    x2 = x.copy()
    x2[..., -1] += 100.0
    np.testing.assert_array_equal(cr.conv2d_loops(x2, w, b, 2, 0), cr.conv2d_loops(x, w, b, 2, 0))
    assert (7 - 3) % 2 == 0 and ref.out_size(32, 5, 2, 2) == 16                     # self-check 1


def test_three_forms_of_the_2d_backward(sol):
    rng, x, w, b = _page_images()
    stride, pad = 2, 1                                              # the page's next draw is g
    out = ref.conv2d(x, w, b, stride, pad)
    g = rng.normal(size=out.shape)
    dx, dw, db = cr.conv2d_backward(g, x, w, stride, pad)
    num_dx = numerical_gradient_array(lambda v: ref.conv2d(v, w, b, stride, pad), x.copy(), g)
    num_dw = numerical_gradient_array(lambda v: ref.conv2d(x, v, b, stride, pad), w.copy(), g)
    assert max_relative_error(dx, num_dx) < 1e-7 and max_relative_error(dw, num_dw) < 1e-7
    assert max_relative_error(cr.conv2d_dx_flipped(g, w, x.shape, stride, pad), num_dx) < 1e-7
    np.testing.assert_allclose(db, g.sum(axis=(0, 2, 3)))
    s_dx, s_dw, s_db = sol["conv_backward"](g, x, w, stride, pad)
    np.testing.assert_allclose(s_dx, dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s_dw, dw, rtol=1e-10, atol=1e-12)
    # every stride and padding of the page, and windows that overlap
    for stride, pad in ((1, 0), (1, 1), (2, 0), (3, 2)):
        out = ref.conv2d(x, w, b, stride, pad)
        g = rng.normal(size=out.shape)
        num = numerical_gradient_array(lambda v: ref.conv2d(v, w, b, stride, pad), x.copy(), g)
        assert max_relative_error(cr.conv2d_backward(g, x, w, stride, pad)[0], num) < 1e-7
        assert max_relative_error(cr.conv2d_dx_flipped(g, w, x.shape, stride, pad), num) < 1e-7


def test_max_pooling_at_a_tie(sol):
    xw = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    gw = np.array([[[[2.0]]]])
    np.testing.assert_array_equal(cr.maxpool_backward(gw, xw)[0, 0], [[0.0, 2.0], [0.0, 0.0]])
    num = numerical_gradient_array(lambda v: ref.maxpool2d(v, 2, 2), xw.copy(), gw)
    np.testing.assert_allclose(num[0, 0], [[0.0, 1.0], [1.0, 0.0]], atol=1e-6)
    np.testing.assert_array_equal(sol["maxpool_backward"](gw, xw, 2, 2), cr.maxpool_backward(gw, xw))
    # self-check 4: (2, 5, 5, 1) with gradient 4
    x4 = np.array([[[[2.0, 5.0], [5.0, 1.0]]]])
    g4 = np.array([[[[4.0]]]])
    np.testing.assert_array_equal(cr.maxpool_backward(g4, x4).ravel(), [0.0, 4.0, 0.0, 0.0])
    np.testing.assert_allclose(numerical_gradient_array(lambda v: ref.maxpool2d(v, 2, 2), x4.copy(), g4).ravel(),
                               [0.0, 2.0, 2.0, 0.0], atol=1e-6)


def test_the_cnns_backward_and_the_digits_table():
    rng = np.random.default_rng(3)
    params = cr.init_cnn(rng)
    X, y = rng.random((5, 64)), rng.integers(0, 10, size=5)
    _, grads = cr.cnn_loss_and_grads(params, X, y)
    for key in ("K", "c", "b"):                                     # (W is chapter 6's affine layer)
        def f(v, key=key):
            p = dict(params)
            p[key] = v
            return np.array(cr.cnn_loss_and_grads(p, X, y)[0])
        num = numerical_gradient_array(f, params[key].copy(), np.array(1.0))
        assert max_relative_error(grads[key], num) < 1e-6
    rows = cr.digits_comparison(seed=0, epochs=15)
    (n_mlp, acc_mlp), (n_cnn, acc_cnn) = rows["MLP (chapter 8)"], rows["CNN (this chapter)"]
    assert (n_mlp, n_cnn) == (64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10, 8 * 9 + 8 + 128 * 10 + 10) == (17226, 1370)
    assert 11 < n_mlp / n_cnn < 13                                    # "about a twelfth"
    assert round(acc_mlp, 3) == 0.986 and round(acc_cnn, 3) == 0.969
    assert 0 < acc_mlp - acc_cnn < 0.02                               # "within two points"
    assert cr.digits_table_text(rows).splitlines()[2].endswith("96.9%")
    # the 224 × 224 example of the prose
    assert 224 * 224 * 3 == 150_528 and 150_528 * 128 > 19e6 and 3 * 3 * 3 * 64 + 64 == 1792


def test_bptt_on_the_page(sol):
    rng, x, w, b = _page_images()
    out = ref.conv2d(x, w, b, 2, 1)
    rng.normal(size=out.shape)                                           # the page's draws before the RNN
    N, S, D, H = 2, 5, 3, 4
    xs = rng.normal(size=(N, S, D))
    h0 = np.zeros((N, H))
    Wx, Wh, bh = rng.normal(size=(D, H)) / 2, rng.normal(size=(H, H)) / 2, rng.normal(size=H) * 0.1
    dh = rng.normal(size=(N, S, H))
    dxs, dh0, dWx, dWh, dbh, norms = cr.bptt(dh, xs, h0, Wx, Wh, bh)
    assert max_relative_error(dWh, numerical_gradient_array(lambda v: ref.rnn(xs, h0, Wx, v, bh), Wh.copy(), dh)) < 1e-7
    assert max_relative_error(dxs, numerical_gradient_array(lambda v: ref.rnn(v, h0, Wx, Wh, bh), xs.copy(), dh)) < 1e-7
    for got, want in zip(sol["rnn_backward"](dh, xs, h0, Wx, Wh, bh), (dxs, dh0, dWx, dWh, dbh)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_gradient_norm_table_supports_the_page():
    rows = {s: (vals, slope) for s, vals, slope in cr.gradient_table(scales=(0.5, 0.9, 1.0, 1.5, 3.0))}
    for s, (vals, _) in rows.items():
        assert vals[0] == pytest.approx(1.0)                              # the loss's gradient of norm 1
    assert 1e-15 < rows[0.5][0][3] < 1e-13                                # "10^-14 after 39 steps"
    assert all(v[3] < v[2] < v[1] < 1 for v, _ in (rows[0.5], rows[0.9], rows[1.0]))   # vanishing, also at 1
    assert round(rows[0.9][0][2], 4) == 0.0020                            # self-check 6: 2 × 10^-3
    assert 0.9 ** 20 > rows[0.9][0][2]
    assert 0.5 < min(rows[1.5][0]) and max(rows[1.5][0]) < 2              # "roughly cancel"
    assert rows[3.0][0][3] > 1e4 and rows[3.0][0][3] > rows[3.0][0][2] > rows[3.0][0][1] > 1   # grows
    assert 0.25 < rows[3.0][1] < 0.35                                     # "mean slope about 0.3"
    slopes = [rows[s][1] for s in (0.5, 0.9, 1.0, 1.5, 3.0)]
    assert slopes == sorted(slopes, reverse=True)                         # tanh saturates more
    # the bound: ‖∂L/∂h_(S−k)‖ ≤ scale^k
    for s, (vals, _) in rows.items():
        assert all(v <= s ** k * (1 + 1e-9) for v, k in zip(vals, (0, 10, 20, 39)))
    text = cr.gradient_table_text(cr.gradient_table(scales=(0.5, 0.9, 1.0, 1.5, 3.0)))
    assert max(len(line) for line in text.splitlines()) <= 78


def test_slider_frames_cover_vanishing_and_exploding():
    import matplotlib.pyplot as plt
    scales = [0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0]
    last = {s: cr.gradient_over_time(s)[0][0] for s in scales}
    assert last[0.25] < 1e-20 and last[4.0] > 1e4
    assert all(last[a] < last[b] for a, b in zip(scales, scales[1:]))
    fig = cr.gradient_frame(1.0)
    assert len(fig.axes) == 2
    plt.close(fig)


def test_truncation_and_clipping():
    errs = cr.truncation_errors(scale=1.0, ks=(1, 5, 10, 20))
    assert errs[1] > 0.5 and errs[1] > errs[5] > errs[10] > errs[20]
    assert 1e-3 < errs[20] < 1e-2                                         # "about half a percent"
    assert cr.truncation_errors(scale=1.0, ks=(40,))[40] < 1e-12         # k = S: the full gradient
    big = cr.weight_gradients(3.0)
    clipped = ref.clip_by_global_norm(big, 5.0)
    assert round(ref.global_norm(big), -2) == 35700 and ref.global_norm(clipped) == pytest.approx(5.0)
    flat = np.concatenate([a.ravel() for a in big]), np.concatenate([a.ravel() for a in clipped])
    assert flat[0] @ flat[1] / (np.linalg.norm(flat[0]) * np.linalg.norm(flat[1])) == pytest.approx(1.0, abs=1e-12)


def test_the_memory_task():
    acc = {S: cr.train_memory(S) for S in (5, 20, 50)}
    assert acc[5] == 1.0 and acc[20] == 1.0                             # "learned perfectly"
    assert abs(acc[50] - 0.5) < 0.05 and round(acc[50], 3) == 0.506      # chance
