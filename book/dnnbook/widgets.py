"""``param_slider``: the one slider helper every chapter of the course uses.

A slider redraws a matplotlib figure for one parameter value. How it does so depends on
``DNNBOOK_WIDGETS`` in the environment:

``"static"`` (set while the book is built)
    Every frame is drawn now, in Python, and stored as PNG bytes in an ``Image`` widget; the
    images sit in a ``Stack`` whose ``selected_index`` is ``jslink``-ed to the ``index`` of a
    ``SelectionSlider``. The link runs in the browser, so in the static HTML page moving the
    slider swaps the figure with no kernel at all, and Python stays the only source of numbers.
anything else (JupyterLab, Colab, …)
    A continuous ``FloatSlider`` whose observer redraws the figure into an ``Image`` widget.

When ``NBGRADER_EXECUTION`` is set (a notebook being graded) nothing is built and ``None`` is
returned.
"""
import os

import numpy as np

from .plots import fig_to_png

MODE_VARIABLE = "DNNBOOK_WIDGETS"


def widget_mode():
    """``"off"`` under the grader, ``"static"`` while the book is built, else ``"live"``."""
    if os.environ.get("NBGRADER_EXECUTION"):
        return "off"
    return "static" if os.environ.get(MODE_VARIABLE, "").strip().lower() == "static" else "live"


def _fmt(v):
    return f"{v:.3g}"


def param_slider(draw, name, values, value=None, description=None, fmt=_fmt, step=None):
    """A slider over one parameter that shows ``draw(v)`` for the selected value ``v``.

    Parameters
    ----------
    draw : callable
        ``draw(v) -> matplotlib.figure.Figure``; the helper renders and closes the figure.
    name : str
        The parameter's name, shown next to the slider (e.g. ``"a"``, ``"α"``, ``"T"``).
    values : sequence of float
        The static frames (15–25 values keep the page small); in live mode the slider runs
        continuously from ``min(values)`` to ``max(values)``.
    value : float, optional
        Initial value (static mode: the nearest frame). Default: the middle of ``values``.
    description : str, optional
        A one-line text shown above the slider.
    fmt : callable
        Formats a value for the static slider's readout.
    step : float, optional
        Live slider step; default (max − min) / 200.

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
    if value is None:
        value = values[len(values) // 2]
    start = int(np.argmin([abs(v - value) for v in values]))
    header = [widgets.HTML(f"<p>{description}</p>")] if description else []
    layout = widgets.Layout(width="520px")

    if mode == "static":
        frames = [widgets.Image(value=fig_to_png(draw(v)), format="png") for v in values]
        stack = widgets.Stack(children=frames, selected_index=start)
        slider = widgets.SelectionSlider(
            options=[(fmt(v), i) for i, v in enumerate(values)],
            index=start,
            description=name,
            continuous_update=True,
            layout=layout,
        )
        link = widgets.jslink((slider, "index"), (stack, "selected_index"))
        box = widgets.VBox(header + [slider, stack])
        box.dnnbook_link = link  # keep a reference to the link (tests check it)
        return box

    lo, hi = min(values), max(values)
    slider = widgets.FloatSlider(
        value=values[start],
        min=lo,
        max=hi,
        step=step if step is not None else (hi - lo) / 200 or 1.0,
        description=name,
        continuous_update=True,
        readout_format=".3g",
        layout=layout,
    )
    image = widgets.Image(value=fig_to_png(draw(slider.value)), format="png")

    def redraw(change):
        image.value = fig_to_png(draw(change["new"]))

    slider.observe(redraw, names="value")
    return widgets.VBox(header + [slider, image])
