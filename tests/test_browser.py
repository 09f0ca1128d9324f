"""Headless Chromium (Debian's, via Playwright) renders the built book with no network.

Every request that leaves 127.0.0.1/localhost is recorded, aborted and fails the
test; every page listed in _toc.yml must load, typeset its math and render its
widgets; on the activations page moving a slider must change the figure.
Set REQUIRE_BROWSER=1 (CI does) to fail instead of skipping without Chromium.
"""
from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import toc_pages

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update"]
SHOTS = Path(__file__).resolve().parent / "_output" / "browser"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
VISIBLE_IMGS = "els => els.filter(e => e.offsetParent !== null).map(e => e.src)"


def _require(ok: bool, reason: str):
    if not ok:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def html_dir(request) -> Path:
    """The built site: ``DNNBOOK_SITE`` (a built ``_build/html``) if set, else the book built
    for this test session."""
    given = os.environ.get("DNNBOOK_SITE")
    return Path(given) if given else request.getfixturevalue("built_book").html


@pytest.fixture(scope="module")
def site(html_dir):
    """Serve the built HTML on an ephemeral 127.0.0.1 port; yield the base URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser_page():
    """A Chromium page whose non-local requests are aborted and recorded."""
    _require(Path(CHROMIUM).exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "playwright (Python) not installed")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.remote, page.failed = [], []

        def is_local(url):
            return urlsplit(url).scheme in ("data", "blob", "about") or \
                urlsplit(url).hostname in LOCAL_HOSTS

        def on_request(req):
            if not is_local(req.url):
                page.remote.append(req.url)

        def on_response(resp):
            if resp.status >= 400:
                page.failed.append(f"{resp.status} {resp.url}")

        page.on("request", on_request)
        page.on("response", on_response)
        # A request the page itself cancelled (net::ERR_ABORTED: an image element replaced while
        # its file was loading, as a slider's frames are re-rendered) is not a failure; a missing
        # file still is (its 404 response above), and so is every other network error.
        page.on("requestfailed", lambda r: is_local(r.url) and "ERR_ABORTED" not in str(r.failure)
                and page.failed.append(f"{r.failure} {r.url}"))
        page.route(lambda url: not is_local(url), lambda route: route.abort())
        yield page
        browser.close()


#: Generous backstop for a page to finish typesetting and drawing widgets on a loaded machine
#: (a limit that only a broken page reaches, never a speed assertion).
SETTLE_MS = 180_000


def settle(page, html: str) -> None:
    """Wait until a loaded page is complete, by events rather than by network silence: MathJax's
    typesetting promise resolved, every embedded widget view drawn, the web fonts loaded."""
    if 'class="math' in html:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=SETTLE_MS)
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    views = html.count("application/vnd.jupyter.widget-view+json")
    if views:
        page.wait_for_function(
            "n => document.querySelectorAll('.widget-slider .noUi-handle').length >= n",
            arg=views, timeout=SETTLE_MS)
    page.evaluate("() => document.fonts.ready.then(() => true)")


def _load(page, url):
    page.remote.clear()
    page.failed.clear()
    resp = page.goto(url, wait_until="load")
    assert resp is not None and resp.status == 200, f"{url}: {resp and resp.status}"
    return resp


@pytest.mark.parametrize("doc", toc_pages(Path(__file__).resolve().parents[1]))
def test_page_renders_offline(browser_page, site, html_dir, doc):
    page = browser_page
    html = (html_dir / f"{doc}.html").read_text(encoding="utf-8")
    _load(page, site + f"{doc}.html")
    settle(page, html)
    if 'class="math' in html:
        # MathJax replaces every formula by an <mjx-container> (some may sit in hidden parts of
        # the page, such as a collapsed input, so they need to exist, not to be visible)
        assert page.locator("mjx-container").count() > 0
    if "application/vnd.jupyter.widget-state+json" in html:
        assert page.locator(".widget-slider").count() > 0
    page.screenshot(path=str(SHOTS / f"{doc.replace('/', '_')}.png"), full_page=True)
    assert not page.remote, f"requests left localhost: {page.remote}"
    assert not page.failed, f"failed local requests: {page.failed}"


def test_activations_slider_changes_figure(browser_page, site):
    page = browser_page
    _load(page, site + "book/activations.html")
    page.wait_for_selector(".widget-slider .noUi-handle", timeout=SETTLE_MS)
    handles = page.locator(".widget-slider .noUi-handle")
    changed = 0
    for i in range(handles.count()):
        handle = handles.nth(i)
        handle.scroll_into_view_if_needed()
        before = page.eval_on_selector_all(".jupyter-widgets img", VISIBLE_IMGS)
        if i == 0:
            page.screenshot(path=str(SHOTS / "activations_slider_before.png"))
        handle.focus()
        for key in ("ArrowRight", "ArrowLeft"):  # ArrowLeft if already at the end
            handle.press(key)
            try:
                page.wait_for_function(
                    f"b => JSON.stringify(({VISIBLE_IMGS})("
                    "[...document.querySelectorAll('.jupyter-widgets img')])) !== JSON.stringify(b)",
                    arg=before, timeout=3_000)
            except Exception:
                continue
            changed += 1
            if changed == 1:
                page.screenshot(path=str(SHOTS / "activations_slider_after.png"))
            break
    assert changed, f"none of {handles.count()} sliders changed a displayed figure"
    assert not page.remote, f"requests left localhost: {page.remote}"
    assert not page.failed, f"failed local requests: {page.failed}"
