"""Tests for the book's helper package ``dnnbook`` (run with PYTHONPATH=.:book)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder.gradcheck import max_relative_error, numerical_gradient_array  # noqa: E402
from autograder.reference import activations as ref  # noqa: E402
from dnnbook import activations as act  # noqa: E402
from dnnbook import widgets as dw  # noqa: E402

SEEDS = [0, 1, 2, 3, 4]
TOL = 1e-6


def away_from_kinks(rng, shape, margin=1e-2, scale=3.0):
    """Random float64 inputs with no entry within ``margin`` of the kink at 0."""
    x = rng.normal(scale=scale, size=shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-300) * margin * 2 + x, x)


# (name, forward, analytic derivative), all element-wise in x
CASES = [
    ("linear", lambda x: ref.linear(x, 0.7), lambda x: act.linear_grad(x, 0.7)),
    ("step", ref.step, act.step_grad),
    ("sigmoid", ref.sigmoid, act.sigmoid_grad),
    ("sigmoid_k", lambda x: ref.sigmoid(x, 2.5), lambda x: act.sigmoid_grad(x, 2.5)),
    ("tanh", ref.tanh, act.tanh_grad),
    ("tanh_k", lambda x: ref.tanh(x, 0.4), lambda x: act.tanh_grad(x, 0.4)),
    ("relu", ref.relu, act.relu_grad),
    ("leaky_relu", ref.leaky_relu, act.leaky_relu_grad),
    ("leaky_relu_a", lambda x: ref.leaky_relu(x, 0.2), lambda x: act.leaky_relu_grad(x, 0.2)),
    ("prelu", lambda x: ref.prelu(x, 0.25), lambda x: act.prelu_grad(x, 0.25)),
    ("elu", ref.elu, act.elu_grad),
    ("elu_alpha", lambda x: ref.elu(x, 1.7), lambda x: act.elu_grad(x, 1.7)),
    ("selu", ref.selu, act.selu_grad),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name,f,df", CASES, ids=[c[0] for c in CASES])
def test_elementwise_derivative_matches_numerical(name, f, df, seed):
    rng = np.random.default_rng(seed)
    x = away_from_kinks(rng, (4, 5))
    dout = rng.normal(size=(4, 5))
    num = numerical_gradient_array(f, x, dout)
    ana = dout * df(x)
    assert max_relative_error(ana, num) < TOL, name


@pytest.mark.parametrize("seed", SEEDS)
def test_prelu_per_feature_slope(seed):
    rng = np.random.default_rng(seed)
    x = away_from_kinks(rng, (6, 3))
    alpha = rng.uniform(0.01, 0.5, size=3)
    dout = rng.normal(size=(6, 3))
    num_x = numerical_gradient_array(lambda v: ref.prelu(v, alpha), x, dout)
    assert max_relative_error(dout * act.prelu_grad(x, alpha), num_x) < TOL
    num_a = numerical_gradient_array(lambda a: ref.prelu(x, a), alpha.copy(), dout)
    ana_a = (dout * act.prelu_grad_alpha(x)).sum(axis=0)
    assert max_relative_error(ana_a, num_a) < TOL


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("temperature", [1.0, 0.5, 3.0])
def test_softmax_vjp_and_jacobian(seed, temperature):
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=2.0, size=(3, 4))
    dout = rng.normal(size=(3, 4))
    num = numerical_gradient_array(lambda v: ref.softmax(v, temperature=temperature), x, dout)
    assert max_relative_error(act.softmax_vjp(x, dout, temperature=temperature), num) < TOL
    for row in range(3):
        J = act.softmax_jacobian(x[row], temperature=temperature)
        assert J.shape == (4, 4)
        assert max_relative_error(dout[row] @ J, num[row]) < TOL


def _draw(v):
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, v])
    return fig


def test_describe_figure_reads_the_plotted_data():
    fig, (left, right) = plt.subplots(1, 2)
    left.plot([0, 1, 2], [0, 4, 1], label="loss")
    left.axhline(0, color="k")                     # a guide line, not data: not described
    left.set(title="training", xlabel="epoch", ylabel="L", xlim=(0, 2), ylim=(0, 5))
    right.scatter([0, 1, 2, 3], [1, 0, 1, 0])
    right.imshow(np.array([[0.0, 2.0], [1.0, 3.0]]))
    text = dw.describe_figure(fig)
    plt.close(fig)
    assert text.startswith("2 panels. Panel 1: “training”, x (epoch) from 0 to 2, y (L) from 0 to 5, loss: 0 to 4.")
    assert "Panel 2:" in text and "4 points" in text and "an image of values 0 to 3" in text


def test_describe_figure_of_a_diagram():
    """A panel with its axes off (a computation graph): its title, else what its labels say."""
    fig, ax = plt.subplots()
    ax.text(0.2, 0.5, "x = 2")
    ax.text(0.8, 0.5, "f = 6")
    ax.set_axis_off()
    assert dw.describe_figure(fig) == "Plot: labels: x = 2; f = 6."
    ax.set_title("z = 1.2: df/dz = 0")
    assert dw.describe_figure(fig) == "Plot: “z = 1.2: df/dz = 0”, a diagram."
    plt.close(fig)


def test_static_mode_builds_stack_and_jslink(monkeypatch):
    import ipywidgets as widgets

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("DNNBOOK_WIDGETS", "static")
    values = np.linspace(0, 1, 5)
    before = set(plt.get_fignums())
    box = dw.param_slider(_draw, "a", values, value=0.74, description="test slider")
    assert set(plt.get_fignums()) == before  # every frame's figure was closed
    sliders = [w for w in box.children if isinstance(w, widgets.SelectionSlider)]
    stacks = [w for w in box.children if isinstance(w, widgets.Stack)]
    assert len(sliders) == 1 and len(stacks) == 1
    slider, stack = sliders[0], stacks[0]
    assert box.dnnbook_values == [0.0, 0.25, 0.5, 0.74, 0.75, 1.0]  # the default is a frame
    assert len(stack.children) == 6
    assert all("data:image/png;base64," in c.value for c in stack.children)
    # each frame's alt text says what that frame plots: the value and the curve's range there
    import html as _html
    import re

    alts = [_html.unescape(re.search(r'alt="([^"]*)"', c.value).group(1)) for c in stack.children]
    assert alts[2] == "a = 0.5. Plot: x from −0.05 to 1.05, y from −0.025 to 0.525, a curve: 0 to 0.5.", alts[2]
    assert len(set(alts)) == len(alts)
    assert all(a.startswith(f"a = {dw._fmt(v)}. Plot: ") and f"a curve: 0 to {dw._fmt(v)}" in a
               for a, v in zip(alts[1:], box.dnnbook_values[1:]))
    assert slider.index == stack.selected_index == 3 and slider.label == "0.74"
    assert slider.layout.width == "100%"  # no fixed pixel width: as wide as the column allows
    from ipywidgets.widgets.widget_link import Link

    link = box.dnnbook_link
    assert isinstance(link, Link)
    assert link.source == (slider, "index") and link.target == (stack, "selected_index")


def _two_panels(v):
    from dnnbook.plots import new_figure

    fig, (ax, dax) = new_figure(2)               # 7 inches wide, side by side
    ax.plot([0, 1], [0, v], label="f")
    dax.plot([0, 1], [v, v])
    ax.set(title="activation", xlabel="x")
    return fig


def test_narrow_layout_stacks_the_panels_of_the_same_drawing():
    from dnnbook.plots import NARROW_WIDTH, narrow_layout, smallest_font

    wide = _two_panels(1.0)
    (a, b) = (ax.get_position() for ax in wide.axes)
    assert a.x1 < b.x0 and abs(a.y0 - b.y0) < 1e-9            # side by side
    with narrow_layout():
        narrow = _two_panels(1.0)
    (a, b) = (ax.get_position() for ax in narrow.axes)
    assert b.y1 < a.y0 and abs(a.x0 - b.x0) < 1e-9            # stacked, first on top
    assert narrow.get_size_inches()[0] == NARROW_WIDTH < wide.get_size_inches()[0]
    dw.fig_to_png(wide), dw.fig_to_png(narrow)                # drawn: the tick labels exist
    assert smallest_font(narrow) == smallest_font(wide) == 10  # the tick labels
    plt.close("all")


def test_smallest_font_counts_only_text_that_is_drawn():
    from dnnbook.plots import smallest_font

    fig, (ax, off) = plt.subplots(1, 2)
    ax.set_title("big", fontsize=14)
    ax.tick_params(labelsize=11)
    off.text(0.5, 0.5, "tiny", fontsize=6)
    off.set_visible(False)                                    # a hidden panel's text is not drawn
    ax.text(0.5, 0.5, "   ", fontsize=3)                       # nor is blank text
    dw.fig_to_png(fig)
    assert smallest_font(fig) == 11
    ax.set_axis_off()                                         # no axes: no tick labels
    assert smallest_font(fig) == 14
    plt.close("all")


def test_static_frames_too_small_on_a_phone_get_a_phone_layout(monkeypatch, tmp_path):
    """A two-panel frame (10-pt ticks on 7 inches: 6.5 px at a phone's 330 px column) ships a
    second, stacked rendering in a <picture> for narrow screens; a small one-panel frame does
    not. Both say how big their smallest text is (data-text-scale, read by the site's test)."""
    import re

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("DNNBOOK_WIDGETS", "static")
    wide = dw.param_slider(_two_panels, "v", [0.5, 1.0]).children[-1].children
    assert all(c.value.startswith("<picture><source media=\"(max-width: 575px)\" srcset=\"data:image/png")
               for c in wide)
    for c in wide:
        (narrow, shown) = (float(x) for x in re.findall(r'data-text-scale="([0-9.]+)"', c.value))
        assert shown * dw.PHONE_COLUMN < dw.MIN_TEXT_PX <= narrow * dw.PHONE_COLUMN
    small = dw.param_slider(_draw, "v", [0.5, 1.0]).children[-1].children
    assert all(c.value.startswith('<img class="dnn-frame"') and "data-text-scale" in c.value for c in small)
    # in the book build the phone layouts are files, named by their content, that the page
    # refers to (the build turns the placeholder into the path of _static/dnn-frames/)
    monkeypatch.setenv(dw.FRAMES_DIR_VARIABLE, str(tmp_path))
    built = dw.param_slider(_two_panels, "v", [0.5, 1.0]).children[-1].children
    names = [re.search(r'srcset="' + dw.FRAME_URL_PREFIX + r'([0-9a-f]{24}\.png)"', c.value).group(1) for c in built]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names) and len(set(names)) == 2
    assert all(dw.png_size((tmp_path / n).read_bytes())[0] > 0 for n in names)
    assert all('<img class="dnn-frame" src="data:image/png;base64,' in c.value for c in built)
    monkeypatch.delenv("DNNBOOK_WIDGETS")                     # live (JupyterLab): one rendering
    live = dw.param_slider(_two_panels, "v", [0.5, 1.0]).children[-1]
    assert live.value.startswith('<img class="dnn-frame"')


def test_live_mode_redraws_on_change(monkeypatch):
    import ipywidgets as widgets

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("DNNBOOK_WIDGETS", raising=False)
    box = dw.param_slider(_draw, "a", [0.0, 0.5, 1.0], value=0.3)
    slider = next(w for w in box.children if isinstance(w, widgets.SelectionSlider))
    image = next(w for w in box.children if isinstance(w, widgets.HTML))
    assert slider.label == "0.3"  # starts exactly at the stated value
    first = image.value
    slider.index = len(box.dnnbook_values) - 1
    assert image.value != first and "data:image/png;base64," in image.value


def test_live_grid_keeps_named_values_and_goes_log_for_log_ranges():
    grid = dw.live_grid([0.5, 2, 9, 20, 100, 150])
    assert {0.5, 2, 9, 20, 100, 150} <= set(grid)
    ratios = np.diff(np.log(grid))
    assert ratios.max() < 2.5 * np.log(300) / dw.LIVE_STEPS  # evenly spaced in log
    assert dw.live_grid([1, 2, 8, 100]) == [1, 2, 8, 100]     # integer values stay as they are
    lin = np.diff(dw.live_grid([-1.0, 0.3, 2.0]))
    assert lin.max() < 2.5 * 3.0 / dw.LIVE_STEPS


@pytest.mark.parametrize("mode", ["static", "live"])
def test_grader_guard_builds_nothing(monkeypatch, mode):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("DNNBOOK_WIDGETS", mode)
    calls = []
    assert dw.param_slider(lambda v: calls.append(v), "a", [0.0, 1.0]) is None
    assert calls == []
