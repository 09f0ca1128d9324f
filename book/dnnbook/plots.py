"""Shared matplotlib styling and the two-panel "function and its derivative" figure.

Static figures in the chapters and every widget frame are drawn by the same functions, so a
slider frame looks exactly like the figure next to it.
"""
import contextlib
import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.transforms import Bbox

#: One colour per activation, used in every figure of the course.
COLORS = {
    "linear": "#7f7f7f",
    "step": "#8c564b",
    "sigmoid": "#1f77b4",
    "tanh": "#ff7f0e",
    "relu": "#2ca02c",
    "leaky_relu": "#d62728",
    "prelu": "#e377c2",
    "elu": "#9467bd",
    "selu": "#17becf",
    "softmax": "#bcbd22",
}

#: Figure size (inches) and resolution of widget frames. Frames are drawn at 144 dpi and shown at
#: half their pixel size (sharp on high-dpi screens), then reduced to a palette of
#: ``FRAME_COLORS`` colours: every frame of a static slider is embedded in the HTML page, and a
#: palette PNG at 144 dpi is smaller than a full-colour one at 72 dpi.
FRAME_SIZE = (7.0, 2.8)
FRAME_DPI = 144
FRAME_COLORS = 128

#: The phone layout of a figure (:func:`narrow_layout`): this wide (inches), panels stacked in one
#: column, each with a plotting area ``NARROW_PANEL_HEIGHT`` inches tall inside
#: ``NARROW_MARGINS`` (left, right, top, bottom, gap between panels; inches).
NARROW_WIDTH = 4.6
NARROW_MARGINS = (0.72, 0.14, 0.42, 0.56, 0.95)
NARROW_PANEL_HEIGHT = 2.1
_LAYOUT = {"narrow": False}

STYLE = {
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "lines.linewidth": 2.0,
    "figure.dpi": 80,
    "savefig.bbox": "tight",
}


def use_style():
    """Apply the course's matplotlib style to the current session; in a Jupyter kernel, inline
    figures are also drawn at twice their display size (``retina``: sharp on high-dpi screens;
    the displayed size stays the same)."""
    plt.rcParams.update(STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


@contextlib.contextmanager
def narrow_layout():
    """Inside this block, figures are drawn in their phone layout: :func:`new_figure` stacks its
    panels in one column :data:`NARROW_WIDTH` inches wide, and a diagram
    (:func:`dnnbook.graphs.draw_graph`) gets larger text and a two-line key. A slider draws each frame a second
    time in this layout for narrow screens (:mod:`dnnbook.widgets`); code that draws a figure
    needs no change."""
    before = _LAYOUT["narrow"]
    _LAYOUT["narrow"] = True
    try:
        yield
    finally:
        _LAYOUT["narrow"] = before


def is_narrow():
    """True inside :func:`narrow_layout`."""
    return _LAYOUT["narrow"]


def new_figure(ncols=1, figsize=FRAME_SIZE):
    """A styled figure with ``ncols`` side-by-side axes and fixed margins; returns (fig, axes).

    Inside :func:`narrow_layout` the same ``ncols`` axes are stacked top to bottom in a figure
    :data:`NARROW_WIDTH` inches wide (``figsize`` is then ignored).

    Fixed margins instead of a layout engine: a widget renders many frames, and constrained /
    tight layout would more than double the time per frame.
    """
    use_style()
    if is_narrow():
        left, right, top, bottom, gap = NARROW_MARGINS
        height = top + bottom + ncols * NARROW_PANEL_HEIGHT + (ncols - 1) * gap
        fig, axes = plt.subplots(ncols, 1, figsize=(NARROW_WIDTH, height), squeeze=False)
        fig.subplots_adjust(left=left / NARROW_WIDTH, right=1 - right / NARROW_WIDTH,
                            top=1 - top / height, bottom=bottom / height,
                            hspace=gap / NARROW_PANEL_HEIGHT)
        return fig, list(axes[:, 0])
    fig, axes = plt.subplots(1, ncols, figsize=figsize, squeeze=False)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.17, top=0.84, wspace=0.3)
    return fig, list(axes[0])


def make_room_for_suptitle(fig, inches=0.3):
    """Grow a figure at the top by ``inches`` without moving or resizing its axes (room for a
    ``suptitle`` above a stacked phone layout, whose top margin only fits an axes title)."""
    w, h = fig.get_size_inches()
    boxes = [ax.get_position() for ax in fig.axes]
    fig.set_size_inches(w, h + inches)
    for ax, b in zip(fig.axes, boxes):
        ax.set_position([b.x0, b.y0 * h / (h + inches), b.width, b.height * h / (h + inches)])


def smallest_font(fig):
    """The font size (points) of the smallest text drawn in ``fig`` (``inf`` if it has none):
    titles, labels, tick labels in view, legends and text added to the axes or the figure. Call
    it after the figure was drawn (:func:`fig_to_png`), when the tick labels are the ones shown."""
    texts = list(fig.texts) + [t for t in (fig._suptitle, fig._supxlabel, fig._supylabel) if t]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += ax.texts + [ax.title, ax._left_title, ax._right_title]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
        if ax.axison:
            for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
                lo, hi = sorted(lim)
                texts.append(axis.label)
                texts += [t.label1 for t in axis.get_major_ticks() + axis.get_minor_ticks()
                          if lo <= t.get_loc() <= hi]
    sizes = [t.get_fontsize() for t in texts if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=float("inf"))


def function_and_derivative(x, curves, title=None, ylim=None, dylim=None, figsize=FRAME_SIZE):
    """Plot activations (left) and their derivatives (right) and return the Figure.

    ``x``: 1-D array of shape (M,), the inputs on the horizontal axis.
    ``curves``: list of ``(label, a, da, style)`` with ``a = f(x)`` and ``da = f'(x)`` arrays of
    shape (M,) and ``style`` a dict of extra ``plot`` keywords (or None).
    ``ylim`` / ``dylim``: optional y-limits of the left / right panel.
    """
    fig, (ax, dax) = new_figure(2, figsize)
    for label, a, da, style in curves:
        style = dict(style or {})
        ax.plot(x, a, label=label, **style)
        dax.plot(x, da, label=label, **style)
    ax.set(xlabel="x", ylabel="a = f(x)", title="activation")
    dax.set(xlabel="x", ylabel="da/dx", title="derivative")
    if ylim is not None:
        ax.set_ylim(*ylim)
    if dylim is not None:
        dax.set_ylim(*dylim)
    for a_ in (ax, dax):
        a_.axhline(0, color="k", lw=0.6)
        a_.axvline(0, color="k", lw=0.6)
    ax.legend(loc="upper left")
    if title:
        if is_narrow():
            make_room_for_suptitle(fig)
        fig.suptitle(title, fontsize=11)
    return fig


def step_xs(x, y):
    """Insert NaN where ``y`` jumps so a discontinuous function is drawn without a vertical line.

    ``x``, ``y``: arrays of shape (M,); returns two arrays of shape (M + number of jumps,).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    jumps = np.flatnonzero(np.abs(np.diff(y)) > 0.5 * (np.nanmax(np.abs(y)) + 1e-12)) + 1
    return np.insert(x, jumps, np.nan), np.insert(y, jumps, np.nan)


_CANVAS_MARGIN = 0.5


def fig_to_png(fig, dpi=FRAME_DPI, colors=FRAME_COLORS):
    """Render ``fig`` to PNG bytes (a palette of ``colors`` colours; ``None``: full colour),
    cropped to its content plus 0.1 inch as ``bbox_inches="tight"`` does, and close it (so it
    is not also shown inline).

    The figure is drawn once, on a canvas ``_CANVAS_MARGIN`` inches larger on every side (so
    labels that stick out of the fixed margins are drawn, not cut), and cropped on the pixels:
    matplotlib's tight box costs a second layout of every artist (a quarter of a frame's time).
    Only when something reaches the canvas's edge does it use matplotlib's tight box instead."""
    from PIL import Image, ImageChops

    buf = io.BytesIO()
    w, h = fig.get_size_inches()
    canvas = Bbox.from_extents(-_CANVAS_MARGIN, -_CANVAS_MARGIN, w + _CANVAS_MARGIN, h + _CANVAS_MARGIN)
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches=canvas, facecolor="white")
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    box = ImageChops.difference(img, Image.new("RGB", img.size, "white")).getbbox()
    if box is not None and (box[0] == 0 or box[1] == 0 or box[2] == img.width or box[3] == img.height):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    elif box is not None:
        pad = round(0.1 * dpi)
        img = img.crop((max(box[0] - pad, 0), max(box[1] - pad, 0),
                        min(box[2] + pad, img.width), min(box[3] + pad, img.height)))
    plt.close(fig)
    if colors is not None:
        # max coverage: a third faster than median cut, no banding in smooth colour maps (the
        # fast octree used 41 of 128 colours there), errors of at most 11 of 255 per channel;
        # the background is kept pure white
        img = img.quantize(colors=colors, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
        background = max(img.getcolors(colors))[1]
        palette = img.getpalette()
        if min(palette[3 * background:3 * background + 3]) >= 245:
            palette[3 * background:3 * background + 3] = [255, 255, 255]
            img.putpalette(palette)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def png_size(png):
    """(width, height) in pixels of PNG bytes (read from the IHDR header)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
