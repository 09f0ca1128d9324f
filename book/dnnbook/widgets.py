"""``param_slider``: the one slider helper every chapter of the course uses.

A slider redraws a matplotlib figure for one parameter value. How it does so depends on
``DNNBOOK_WIDGETS`` in the environment:

``"static"`` (set while the book is built)
    Every frame is drawn now, in Python, and stored as PNG in an ``HTML`` widget's ``<img>``; the
    frames sit in a ``Stack`` whose ``selected_index`` is ``jslink``-ed to the ``index`` of a
    ``SelectionSlider``. The link runs in the browser, so in the static HTML page moving the
    slider swaps the figure with no kernel at all, and Python stays the only source of numbers.
anything else (JupyterLab, Colab, …)
    The same slider over the given values and ``LIVE_STEPS`` more (evenly spaced, or in log for
    a log range), whose observer redraws the figure.

In both, the figure is an ``<img>`` with alt text drawn at twice its CSS size, and the slider's
readout shows the value (``fmt``); the page script ``book/_static/dnnbook.js`` gives its handle
the name and the announced value. In the static page, a frame whose smallest text would be under
``MIN_TEXT_PX`` on a phone is drawn a second time in its phone layout
(:func:`dnnbook.plots.narrow_layout`: panels stacked, one column) and a ``<picture>`` shows that
one on narrow screens.

When ``NBGRADER_EXECUTION`` is set (a notebook being graded) nothing is built and ``None`` is
returned.
"""
import base64
import hashlib
import html
import math
import os
from pathlib import Path

import numpy as np

from .plots import FRAME_DPI, fig_to_png, narrow_layout, png_size, smallest_font

MODE_VARIABLE = "DNNBOOK_WIDGETS"
#: The slider's width on a wide screen; on a narrow one it takes the column's width.
MAX_WIDTH = "560px"
#: Points of the live (kernel-backed) slider between the smallest and the largest value.
LIVE_STEPS = 120
#: Screens at most this wide (CSS px) get a frame's phone layout (``dnnbook.plots.narrow_layout``)
#: when the wide one's smallest text would be under ``MIN_TEXT_PX`` there; the test of the built
#: site holds every shown frame's smallest text to ``MIN_TEXT_PX`` at 390 and 1366 px.
NARROW_SCREEN = 575
#: The column a figure gets on a 360 px phone (CSS px), and the smallest text size wanted on it.
PHONE_COLUMN = 330
MIN_TEXT_PX = 9.0
#: Set by the book build (``book/_ext/course_assets.py``): the phone-layout frames are written
#: there as files and the page refers to them as ``FRAME_URL_PREFIX + name``, a placeholder the
#: build turns into the path of ``_static/dnn-frames/`` -- so a phone fetches the frames it
#: shows and a laptop none. Unset: they are embedded like the other frames.
FRAMES_DIR_VARIABLE = "DNNBOOK_FRAMES_DIR"
FRAME_URL_PREFIX = "dnnbook-frame:"


def widget_mode():
    """``"off"`` under the grader, ``"static"`` while the book is built, else ``"live"``."""
    if os.environ.get("NBGRADER_EXECUTION"):
        return "off"
    return "static" if os.environ.get(MODE_VARIABLE, "").strip().lower() == "static" else "live"


def _fmt(v):
    return f"{v:.3g}"


def is_log_range(values):
    """True for a positive range spanning a factor of 20 or more (a temperature, a learning
    rate): its slider moves in equal ratios, not equal steps."""
    lo, hi = min(values), max(values)
    return lo > 0 and hi / lo >= 20


def live_grid(values, log=None):
    """The options of the live slider: every given value (so each value the text names and the
    default are exactly on it) plus ``LIVE_STEPS`` points spaced evenly, or evenly in log for a
    log range. Integer-valued ``values`` (a width, an epoch) are used as they are."""
    values = sorted(set(values))
    if all(float(v).is_integer() for v in values) or len(values) < 2:
        return values
    lo, hi = values[0], values[-1]
    log = is_log_range(values) if log is None else log
    dense = np.geomspace(lo, hi, LIVE_STEPS + 1) if log else np.linspace(lo, hi, LIVE_STEPS + 1)
    step = (np.log(hi / lo) if log else hi - lo) / LIVE_STEPS
    # drop grid points closer than half a step to a given value (no two readouts alike)
    keep = [d for d in dense if min(abs((np.log(d / v) if log else d - v)) for v in values) > step / 2]
    return sorted(values + [float(d) for d in keep])


def _num(x):
    return f"{x:.3g}".replace("-", "−")


def _range(a):
    a = np.asarray(a, dtype=float)
    a = a[np.isfinite(a)]
    if not a.size:
        return "no finite values"
    lo, hi = a.min(), a.max()
    return _num(lo) if lo == hi else f"{_num(lo)} to {_num(hi)}"


def describe_figure(fig):
    """What a figure shows, read from its plotted data: for each panel its title, its axes
    (label and shown range) and its curves (label and the range of their values), point clouds
    and images. The alt text of a slider frame, so it changes with the data of each frame."""
    panels = []
    for ax in fig.get_axes():
        if not ax.get_visible():
            continue
        parts = []
        title = ax.get_title() or ax.get_title("left")
        if title:
            parts.append(f"“{title}”")
        if ax.axison:
            for axis, label, lim in (("x", ax.get_xlabel(), ax.get_xlim()), ("y", ax.get_ylabel(), ax.get_ylim())):
                parts.append(f"{axis}{f' ({label})' if label else ''} from {_num(min(lim))} to {_num(max(lim))}")
        elif title:                  # a diagram (e.g. a computation graph) with its numbers in the title
            parts.append("a diagram")
        else:                        # a diagram: what its labels say
            texts = [" ".join(t.get_text().split()) for t in ax.texts if t.get_visible() and t.get_text().strip()]
            if texts:
                parts.append("labels: " + "; ".join(texts[:12]) + (f"; and {len(texts) - 12} more" if len(texts) > 12 else ""))
        curves = []
        for line in ax.lines:
            y = line.get_ydata()
            if np.size(y) < 2 or line.get_transform() != ax.transData:    # axhline/axvline: a guide
                continue
            label = line.get_label()
            name = label if label and not label.startswith("_") else "a curve"
            curves.append(f"{name}: {_range(y)}")
        if curves:
            parts.append("; ".join(curves[:6]) + (f"; and {len(curves) - 6} more curves" if len(curves) > 6 else ""))
        points = sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets"))
        if points > 1:
            parts.append(f"{points} points")
        if ax.images:
            a = ax.images[0].get_array()
            parts.append(f"an image of values {_range(a)}" if a is not None else "an image")
        if parts:
            panels.append(", ".join(parts))
    if not panels:
        return ""
    if len(panels) == 1:
        return f"Plot: {panels[0]}."
    return f"{len(panels)} panels. " + " ".join(f"Panel {i}: {p}." for i, p in enumerate(panels, 1))


def text_scale(png, font_pt, dpi=FRAME_DPI):
    """The smallest text's height as a fraction of the frame's width: shown ``W`` CSS px wide,
    a frame's smallest text (``font_pt`` points, rendered at ``dpi``) is ``W * text_scale`` px."""
    return font_pt / 72.0 * dpi / png_size(png)[0]


def _frame_url(png, embed=True):
    """A data URL of the PNG bytes or (``embed=False`` and :data:`FRAMES_DIR_VARIABLE` set) the
    placeholder URL of a file named by its content, written there."""
    folder = None if embed else os.environ.get(FRAMES_DIR_VARIABLE)
    if not folder:
        return f"data:image/png;base64,{base64.b64encode(png).decode()}"
    name = hashlib.sha256(png).hexdigest()[:24] + ".png"
    path = Path(folder) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}")
        tmp.write_bytes(png)
        os.replace(tmp, path)            # kernels building pages at once never see half a file
    return FRAME_URL_PREFIX + name


def _picture_attrs(png, scale, url="src"):
    """``src`` (or ``srcset``: a file when the build provides a folder), ``width``, ``height``
    (half the pixels) and ``data-text-scale``."""
    w, h = png_size(png)
    attrs = f'{url}="{_frame_url(png, embed=url == "src")}" width="{w // 2}" height="{h // 2}"'
    return attrs if scale is None or math.isinf(scale) else f'{attrs} data-text-scale="{scale:.5f}"'


def frame_html(png, alt, scale=None, narrow=None):
    """An ``<img>`` for PNG bytes drawn at twice the CSS size (sharp on high-dpi screens) that
    shrinks with the column, with alt text.

    ``scale``: its :func:`text_scale`, kept as ``data-text-scale`` (the site's test reads it).
    ``narrow``: ``(png, scale)`` of the figure's phone layout; the ``<img>`` then sits in a
    ``<picture>`` that shows it on screens up to :data:`NARROW_SCREEN` px wide.
    """
    img = f'<img class="dnn-frame" {_picture_attrs(png, scale)} alt="{html.escape(alt, quote=True)}">'
    if narrow is None:
        return img
    return (f'<picture><source media="(max-width: {NARROW_SCREEN}px)" '
            f'{_picture_attrs(*narrow, url="srcset")}>{img}</picture>')


def param_slider(draw, name, values, value=None, description=None, fmt=_fmt, alt=None, log=None):
    """A slider over one parameter that shows ``draw(v)`` for the selected value ``v``.

    Parameters
    ----------
    draw : callable
        ``draw(v) -> matplotlib.figure.Figure``; the helper renders and closes the figure.
    name : str
        The parameter's name, shown next to the slider and read out by screen readers
        (e.g. ``"a"``, ``"α"``, ``"T"``).
    values : sequence of float
        The static frames (15–25 values keep the page small). Include every value the text
        talks about. In live mode they are on the slider too, between more points.
    value : float, optional
        The value the slider starts at; added to ``values`` if missing. Default: the middle one.
    description : str, optional
        A one-line text shown above the slider (also the slider's accessible description).
    fmt : callable
        Formats a value for the readout (and the alt text).
    alt : callable, optional
        ``alt(v) -> str``, the alt text of the figure for ``v``; default: the value, then what
        the figure shows, read from its data (:func:`describe_figure`).
    log : bool, optional
        Live mode: points spaced evenly in log (default: for positive ranges spanning ×20).

    Returns
    -------
    ipywidgets.VBox, or None when ``NBGRADER_EXECUTION`` is set.
    """
    mode = widget_mode()
    if mode == "off":
        return None
    import ipywidgets as widgets  # only needed when something is built

    values = [float(v) for v in values]
    if not values:
        raise ValueError("param_slider needs at least one value")
    value = values[len(values) // 2] if value is None else float(value)
    values = sorted(set(values) | {value})
    def frame(v):
        fig = draw(v)
        text = alt(v) if alt is not None else f"{name} = {fmt(v)}. {describe_figure(fig)}".strip()
        png = fig_to_png(fig)
        scale = text_scale(png, smallest_font(fig))
        narrow = None
        if mode == "static" and scale * PHONE_COLUMN < MIN_TEXT_PX:
            # its text would be too small on a phone: draw it again in the phone layout
            with narrow_layout():
                small = draw(v)
            small_png = fig_to_png(small)
            small_scale = text_scale(small_png, smallest_font(small))
            if small_scale > scale:
                narrow = (small_png, small_scale)
        return frame_html(png, text, scale, narrow)

    header = [widgets.HTML(f"<p>{html.escape(description)}</p>")] if description else []
    options = values if mode == "static" else live_grid(values, log)
    slider = widgets.SelectionSlider(
        options=[(fmt(v), i) for i, v in enumerate(options)],
        index=options.index(value),
        description=name,
        continuous_update=True,
        layout=widgets.Layout(width="100%", max_width=MAX_WIDTH),
        style={"description_width": "initial"},
    )

    if mode == "static":
        # every frame drawn now; the jslink swaps them in the browser, no kernel needed
        stack = widgets.Stack(children=[widgets.HTML(frame(v)) for v in values],
                              selected_index=slider.index)
        link = widgets.jslink((slider, "index"), (stack, "selected_index"))
        box = widgets.VBox(header + [slider, stack])
        box.dnnbook_link = link  # keep a reference to the link (tests check it)
    else:
        image = widgets.HTML(frame(value))

        def redraw(change):
            image.value = frame(options[change["new"]])

        slider.observe(redraw, names="value")
        box = widgets.VBox(header + [slider, image])
    box.add_class("dnn-slider")
    box.dnnbook_values = options  # the value of each slider position (tests read it)
    return box
