"""The book builds offline-clean: no warnings, no unpublished pages, no CDN references."""
from __future__ import annotations

import re

import yaml

from conftest import toc_pages

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# src/href attributes of script, link, img, iframe, source, audio, video tags
_TAG_URL = re.compile(
    r"<(script|link|img|iframe|source|audio|video|embed)\b[^>]*?\b(src|href)\s*=\s*[\"']([^\"']+)[\"']",
    re.I,
)
_CDNS = ("cdn.jsdelivr.net", "cdnjs", "unpkg.com")


def _pages(book):
    return sorted(book.html.rglob("*.html"))


def test_build_has_no_warnings(built_book):
    assert "build succeeded." in built_book.log, built_book.log[-2000:]
    assert "warning" not in built_book.log.split("build succeeded")[-1].splitlines()[0]
    print(f"book built from clean in {built_book.seconds:.1f} s")


def test_only_toc_files_are_built(built_book, repo_root):
    cfg = yaml.safe_load((repo_root / "_config.yml").read_text())
    assert cfg["only_build_toc_files"] is True
    rel = [p.relative_to(built_book.html).as_posix() for p in _pages(built_book)]
    assert not [p for p in rel if p.startswith(("exercises/", "solutions/"))], rel
    for page in toc_pages(repo_root):
        assert (built_book.html / f"{page}.html").is_file(), f"{page}.html missing"


def test_pages_reference_nothing_remote(built_book):
    bad = []
    for page in _pages(built_book):
        text = page.read_text(encoding="utf-8")
        rel = page.relative_to(built_book.html)
        bad += [f"{rel}: mentions {cdn}" for cdn in _CDNS if cdn in text]
        for tag, _attr, url in _TAG_URL.findall(text):
            if re.match(r"(https?:)?//", url):
                bad.append(f"{rel}: <{tag}> loads {url}")
    assert not bad, "\n".join(bad)


def test_activations_embeds_widget_state(built_book):
    html = (built_book.html / "book" / "activations.html").read_text(encoding="utf-8")
    assert WIDGET_STATE in html
    assert "_static/html-manager/embed-amd.js" in html
    assert "_static/requirejs/require.js" in html
    assert "_static/mathjax/tex-mml-chtml.js" in html
