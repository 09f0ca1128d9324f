"""What a learner sees: every page of the built book in headless Chromium at a laptop width
(1366×900) and a phone width (390×844).

On every page and width it checks that

* no Markdown is left raw (no paragraph of ``| … |`` table pipes, no ``|---`` rows);
* nothing that is wider than its column is cut off without a cue: code, outputs and display
  equations either fit, or scroll horizontally (``overflow-x: auto``) and carry the
  ``dnn-scrolls`` class that draws the visible scroll cue (``book/_static/dnnbook.css``);
* at the laptop width every display equation and every cell output fits its column (scrolling
  with the cue is for phones);
* the browser console stays clean on a first visit (a fresh browser context: empty localStorage) —
  no error or warning message and no uncaught exception;
* every image has alt text, and no formula is a tab stop;
* every slider's value readout is on screen, and its handle has an accessible name and
  announces the value shown in the readout (``aria-valuetext``), not its frame index;
* the smallest text in every slider's figure is at least ``MIN_TEXT_PX`` CSS px tall as shown
  (on a phone, frames too wide for that come in a stacked phone layout:
  ``dnnbook.widgets``);

and on the phone width that the ☰ button opens the chapter menu and a chapter link in it
works, and that the page-contents button opens the page's contents.

It saves a full-page screenshot of each page and width under
``tests/_output/browser/<label>/``, the bytes each page loads, raw and gzipped (``weights.json``),
and the smallest figure text of each slider on a phone (``figure_text.json``).
``DNNBOOK_SITE=<path to a built _build/html>`` reuses an existing build (``label`` from
``DNNBOOK_SHOTS``, default ``after``) instead of building the book.  With a built book: 15 page
loads, 65 s on an idle machine, 2 min on the shared 2-core one (17 s of CPU).
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import pytest

from conftest import toc_pages
from dnnbook.widgets import MIN_TEXT_PX
from test_browser import ARGS, CHROMIUM, _require, html_dir, settle  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "_output" / "browser" / os.environ.get("DNNBOOK_SHOTS", "after")
WIDTHS = {"laptop": (1366, 900), "phone": (390, 844)}
PAGES = toc_pages(REPO)

# Elements that may be wider than the article column.
WIDE = "article pre, article .cell_output .output, article mjx-container[display='true'], article table"
# Elements that must fit the column at the laptop width (no scrolling there).
FITS_ON_LAPTOP = "article .cell_output .output, article .cell_output pre, article mjx-container[display='true']"

AUDIT_JS = """([wide, screenWidth, mustFit]) => {
  const vis = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
                     return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const art = document.querySelector('article') || document.body;
  const text = e => (e.innerText || '').trim();
  const raw = [...art.querySelectorAll('p, li')].filter(vis).map(text)
      .filter(t => /^\\|.*\\|/.test(t) || /\\|\\s*(-{3}|—)/.test(t)).map(t => t.slice(0, 80));
  const clipped = [];
  for (const e of art.querySelectorAll(wide)) {
    if (!vis(e) || e.scrollWidth <= e.clientWidth + 1) continue;
    // an ancestor that scrolls (and shows the cue) is fine too
    let ok = false;
    for (let a = e; a && a !== art; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if ((ox === 'auto' || ox === 'scroll') && a.classList.contains('dnn-scrolls')) { ok = true; break; }
    }
    if (!ok) clipped.push(e.tagName.toLowerCase() + '.' + [...e.classList].join('.') + ': '
                          + text(e).slice(0, 60).replace(/\\s+/g, ' '));
  }
  const noAlt = [...document.querySelectorAll('article img')].filter(vis)
      .filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src.slice(0, 60));
  // a formula that scrolls sideways stays focusable: the keyboard's way to scroll it
  const mathTabStops = [...document.querySelectorAll('mjx-container:not(.dnn-scrolls)')]
      .filter(m => m.tabIndex >= 0).length;
  // horizontal page overflow: the page itself must not scroll sideways. Measured against the
  // screen's width, not innerWidth: a phone browser widens its layout viewport to a too-wide page
  // (and zooms the whole page out), so innerWidth grows with the overflow.
  const pageOverflow = Math.max(document.documentElement.scrollWidth, window.innerWidth) - screenWidth;
  // every frame of a slider (shown or not) says what it plots: the value, then the data read
  // from the figure (dnnbook.widgets.describe_figure), and no two frames of a slider alike
  const genericAlt = [];
  for (const box of document.querySelectorAll('article .dnn-slider')) {
    const alts = [...box.querySelectorAll('img.dnn-frame')].map(i => i.getAttribute('alt') || '');
    const bad = alts.filter(a => !(a.includes('. Plot: ') || a.includes(' panels. Panel 1: ')));
    if (bad.length || new Set(alts).size !== alts.length)
      genericAlt.push((bad[0] || 'repeated alt text: ' + alts[0]).slice(0, 80));
  }
  // wider than the column, measured without the scroll cue's padding (dnnbook.js adds it)
  const tooWide = [];
  if (mustFit) for (const e of art.querySelectorAll(mustFit)) {
    if (!vis(e)) continue;
    const cue = e.classList.contains('dnn-scrolls');
    if (cue) e.classList.remove('dnn-scrolls');
    const over = e.scrollWidth - e.clientWidth;
    if (cue) e.classList.add('dnn-scrolls');
    if (over > 1) tooWide.push(`${e.tagName.toLowerCase()} ${over} px too wide: ` + text(e).slice(0, 60).replace(/\\s+/g, ' '));
  }
  return {raw, clipped, noAlt, genericAlt, mathTabStops, pageOverflow, tooWide};
}"""

SLIDERS_JS = """() => {
  const out = [];
  for (const s of document.querySelectorAll('article .widget-slider')) {
    s.scrollIntoView({block: 'center'});
    const ro = s.querySelector('.widget-readout');
    const h = s.querySelector('.noUi-handle');
    const r = ro ? ro.getBoundingClientRect() : null;
    out.push({
      readout: ro ? ro.innerText.trim() : null,
      onScreen: !!r && r.width > 0 && r.left >= 0 && r.right <= window.innerWidth + 0.5,
      name: h ? (h.getAttribute('aria-label') || '') : '',
      valuetext: h ? (h.getAttribute('aria-valuetext') || '') : '',
    });
  }
  return out;
}"""


# Each slider's frame on screen: its width, whether the browser chose the phone layout (the
# <source> of its <picture>) and the end of its src, which names its slider in the widget state.
# Each slider is scrolled into view and given up to 15 s to lay its frame out: a lazily loaded
# frame is 0 px wide until it arrives, which on a busy machine was after the first look.
SHOWN_FRAMES_JS = """async () => {
 const out = [];
 for (const box of document.querySelectorAll('article .dnn-slider')) {
  box.scrollIntoView({block: 'center'});
  const visible = () => [...box.querySelectorAll('img.dnn-frame')].find(i => i.getBoundingClientRect().width > 0);
  for (let t = 0; !visible() && t < 300; t++) await new Promise(r => setTimeout(r, 50));
  out.push(await (async () => {
  const shown = visible();
  if (!shown) return {width: 0, phoneLayout: false, key: '', loaded: false};
  const loaded = await shown.decode().then(() => shown.naturalWidth > 0, () => false);
  const source = shown.parentElement.tagName === 'PICTURE' ? shown.parentElement.querySelector('source') : null;
  return {width: shown.getBoundingClientRect().width, key: shown.getAttribute('src').slice(-48), loaded,
          phoneLayout: !!source && shown.currentSrc === new URL(source.getAttribute('srcset'), document.baseURI).href};
  })());
 }
 return out;
}"""


def _text_scales(html: str) -> dict:
    """For every frame of every slider in the page's widget state: the end of its ``src`` ->
    the smallest ``data-text-scale`` over all frames of its slider, of the wide rendering and
    of the phone layout (``inf`` when it has none). A slider shows its frames in turn, each as
    wide as the column, so the smallest text it ever shows is that scale times the width."""
    import html as _html
    import re

    m = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', html, re.S)
    state = json.loads(_html.unescape(m.group(1)))["state"] if m else {}
    out = {}
    for model in state.values():
        if model["model_name"] != "StackModel":
            continue
        frames = [state[c.replace("IPY_MODEL_", "")]["state"]["value"] for c in model["state"]["children"]]

        def scale(tag, frame):
            found = re.search(tag + r'[^>]*? data-text-scale="([0-9.]+)"', frame)
            return float(found.group(1)) if found else float("inf")

        wide = min(scale("<img", f) for f in frames)
        phone = min(scale("<source", f) for f in frames)
        for f in frames:
            out[re.search(r'<img[^>]*? src="([^"]+)"', f).group(1)[-48:]] = (wide, phone)
    return out


@pytest.fixture(scope="module")
def html_root(html_dir):  # noqa: F811 (the fixture imported above)
    return html_dir


@pytest.fixture(scope="module")
def served(html_root):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(html_root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chromium():
    _require(Path(CHROMIUM).exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "playwright (Python) not installed")
    OUT.mkdir(parents=True, exist_ok=True)
    weights = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        figure_text = {}
        yield SimpleNamespace(browser=browser, weights=weights, figure_text=figure_text)
        browser.close()
    if figure_text:
        (OUT / "figure_text.json").write_text(json.dumps(figure_text, indent=1, sort_keys=True))
    old = json.loads((OUT / "weights.json").read_text()) if (OUT / "weights.json").exists() else {}
    (OUT / "weights.json").write_text(json.dumps({**old, **weights}, indent=1, sort_keys=True))


#: Console warnings of vendored code that the site cannot change, each with where it comes from.
#: Errors and uncaught exceptions are never excused.
KNOWN_VENDOR_WARNINGS = [
    # @jupyter-widgets/html-manager 1.x compiles the widget-state JSON schema with ajv in strict
    # mode; ajv warns (once per page, twice) about a union type in that schema. Harmless.
    ("html-manager/embed-amd.js", "strict mode: use allowUnionTypes to allow union type keyword"),
]


def _known_vendor_warning(message):
    url = (message.location or {}).get("url", "")
    return message.type == "warning" and any(src in url and message.text.startswith(text)
                                             for src, text in KNOWN_VENDOR_WARNINGS)


def _open(chromium, served, html_root, doc, size):
    """A new page at ``size`` showing ``doc`` with math typeset and widgets drawn; also returns
    the bytes of every distinct local file the page loaded."""
    w, h = WIDTHS[size]
    ctx = chromium.browser.new_context(viewport={"width": w, "height": h},
                                       device_scale_factor=1, is_mobile=(size == "phone"),
                                       has_touch=(size == "phone"))
    page = ctx.new_page()
    page.console_problems = []            # a fresh context: empty localStorage, a first visit
    page.on("console", lambda m: m.type in ("error", "warning") and not _known_vendor_warning(m) and
            page.console_problems.append(f"console {m.type}: {m.text[:160]}"))
    page.on("pageerror", lambda e: page.console_problems.append(f"uncaught exception: {str(e)[:160]}"))
    page.route(lambda url: urlsplit(url).hostname not in ("127.0.0.1", None), lambda r: r.abort())
    files = set()
    page.on("request", lambda r: urlsplit(r.url).hostname == "127.0.0.1" and files.add(
        unquote(urlsplit(r.url).path).lstrip("/")))
    page.goto(served + f"{doc}.html", wait_until="load")
    html = (html_root / f"{doc}.html").read_text(encoding="utf-8")
    settle(page, html)
    # dnnbook.js marks wide elements in the next animation frame after a layout change
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    paths = [html_root / f for f in sorted(files) if (html_root / f).is_file()]
    weight = {"bytes": sum(p.stat().st_size for p in paths),
              "gzip_bytes": sum(_gzip_size(p) for p in paths), "files": len(paths)}
    return ctx, page, weight


@functools.lru_cache(maxsize=None)
def _gzip_size(path: Path) -> int:
    """What the file costs over a connection with gzip (as most static hosts serve it)."""
    import gzip

    return len(gzip.compress(path.read_bytes(), compresslevel=6))


@pytest.mark.parametrize("size", list(WIDTHS))
@pytest.mark.parametrize("doc", PAGES)
def test_page_reads_well(chromium, served, html_root, doc, size):
    ctx, page, weight = _open(chromium, served, html_root, doc, size)
    try:
        chromium.weights[doc if size == "laptop" else f"{doc} ({size})"] = weight
        sliders = page.evaluate(SLIDERS_JS)
        shown = page.evaluate(SHOWN_FRAMES_JS)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(OUT / f"{doc.replace('/', '_')}-{size}.png"), full_page=True)
        audit = page.evaluate(AUDIT_JS, [WIDE, WIDTHS[size][0], FITS_ON_LAPTOP if size == "laptop" else ""])
        console = list(page.console_problems)
    finally:
        ctx.close()
    problems = list(console)
    if audit["raw"]:
        problems.append(f"raw Markdown: {audit['raw']}")
    if audit["clipped"]:
        problems.append(f"cut off without a scroll cue: {audit['clipped']}")
    if audit["noAlt"]:
        problems.append(f"images without alt text: {audit['noAlt']}")
    if audit["genericAlt"]:
        problems.append(f"slider frames whose alt text does not describe the plot: {audit['genericAlt']}")
    if audit["mathTabStops"]:
        problems.append(f"{audit['mathTabStops']} formulas are tab stops")
    if audit["pageOverflow"] > 1:
        problems.append(f"the page is {audit['pageOverflow']} px wider than the screen")
    for i, s in enumerate(sliders):
        if not s["onScreen"]:
            problems.append(f"slider {i}: value readout {s['readout']!r} not on screen")
        if not s["name"]:
            problems.append(f"slider {i}: handle has no accessible name")
        if s["valuetext"] != s["readout"]:
            problems.append(f"slider {i}: announces {s['valuetext']!r}, readout shows {s['readout']!r}")
    scales = _text_scales((html_root / f"{doc}.html").read_text(encoding="utf-8"))
    figures = []
    for i, f in enumerate(shown):
        wide, phone = scales.get(f["key"], (0.0, 0.0))
        px = (phone if f["phoneLayout"] else wide) * f["width"]
        figures.append({"px": round(px, 2), "wide_layout_px": round(wide * f["width"], 2), **f})
        if not f["loaded"]:
            problems.append(f"slider {i}: its frame did not load ({'phone layout' if f['phoneLayout'] else 'wide'})")
        if px < MIN_TEXT_PX:
            problems.append(f"slider {i}: smallest figure text {px:.1f} px (frame {f['width']:.0f} px wide"
                            f"{', phone layout' if f['phoneLayout'] else ''}), under {MIN_TEXT_PX} px")
    if size == "phone" and figures:
        chromium.figure_text[doc] = [{k: v for k, v in f.items() if k != "key"} for f in figures]
    too_wide = [f"wider than the column at {WIDTHS[size][0]} px: {audit['tooWide']}"] if audit["tooWide"] else []
    assert not problems, f"{doc} at {size} ({WIDTHS[size][0]} px):\n" + "\n".join(problems + too_wide)
    assert not too_wide, f"{doc} at {size} ({WIDTHS[size][0]} px):\n" + "\n".join(too_wide)


@pytest.mark.parametrize("doc", PAGES[1:2])
def test_phone_navigation(chromium, served, html_root, doc):
    """At 390 px the ☰ button opens the chapter menu, a chapter link in it opens that chapter,
    and the page-contents button opens the page's contents."""
    ctx, page, _ = _open(chromium, served, html_root, doc, "phone")
    try:
        toggle = page.locator(".primary-toggle:visible")
        assert toggle.count() == 1, f"{toggle.count()} visible menu buttons"
        toggle.click()
        menu = page.locator("#pst-primary-sidebar-modal[open]")
        menu.wait_for(state="visible", timeout=3_000)
        target = PAGES[-1]
        link = menu.locator(f"a[href$='{Path(target).name}.html']").first
        assert link.is_visible(), "the menu shows no chapter link"
        link.click()
        page.wait_for_url(f"**/{target}.html", timeout=10_000)
        page.wait_for_load_state("load")
        page.screenshot(path=str(OUT / "phone-menu-followed.png"))
        contents = page.locator(".secondary-toggle:visible")
        assert contents.count() == 1, f"{contents.count()} visible page-contents buttons"
        contents.click()
        page.locator("#pst-secondary-sidebar-modal[open]").wait_for(state="visible", timeout=3_000)
        page.screenshot(path=str(OUT / "phone-contents-open.png"))
    finally:
        ctx.close()
