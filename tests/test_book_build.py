"""The book builds offline-clean: no warnings, no unpublished pages, no CDN references."""
from __future__ import annotations

import re

import yaml

from autograder import exercises
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


def test_every_chapter_links_its_exercise_bundle(built_book, repo_root):
    """Each chapter with an exercise has a "Get the exercise" link to a zip that exists."""
    import zipfile

    chapters = [f"book/{name}" for name in exercises.names(repo_root)]
    assert chapters == toc_pages(repo_root)[1:], chapters       # every chapter but the intro
    for page in chapters:
        html = (built_book.html / f"{page}.html").read_text(encoding="utf-8")
        hrefs = re.findall(r'<a class="[^"]*dnn-exercise-link[^"]*" href="([^"]+)"', html)
        assert len(hrefs) == 1, f"{page}: {hrefs}"
        target = (built_book.html / page).parent / hrefs[0]
        assert target.is_file(), f"{page} links to missing {target}"
        name = page.split("/")[-1]
        with zipfile.ZipFile(target) as zf:
            assert f"dnn-exercise-{name}/{name}.ipynb" in zf.namelist()


def test_mathjax_only_where_there_is_math(built_book):
    """MathJax is loaded by exactly the pages that have a formula of their own."""
    pages = sorted((built_book.html / "book").glob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        has_math = 'class="math' in text
        loads = bool(re.search(r"_static/mathjax/|window\.MathJax", text))
        assert loads == has_math, f"{page.name}: math {has_math}, MathJax loaded {loads}"


def _course_assets():
    """book/_ext/course_assets.py, the book's local Sphinx extension, as a module."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "book" / "_ext" / "course_assets.py"
    spec = importlib.util.spec_from_file_location("course_assets", path)
    ca = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("course_assets", ca)   # its dataclasses look their module up
    spec.loader.exec_module(sys.modules["course_assets"])
    return sys.modules["course_assets"]


def test_repository_buttons_need_a_real_repository():
    ca = _course_assets()
    assert ca.check_repository({"use_repository_button": False, "repository_url": ca.JB_DEFAULT_REPOSITORY}) is None
    assert "repository.url" in ca.check_repository(
        {"use_repository_button": True, "repository_url": ca.JB_DEFAULT_REPOSITORY})
    assert ca.check_repository({"launch_buttons": {"binderhub_url": "https://mybinder.org"}})
    assert ca.check_repository({"use_repository_button": True,
                                "launch_buttons": {"binderhub_url": "https://mybinder.org"},
                                "repository_url": "https://github.com/someone/course"}) is None


def test_pages_load_only_the_icons_they_use(built_book):
    """No page loads Font Awesome's full 1.5 MB bundle; the icon subset covers every icon."""
    subset = (built_book.html / "_static" / "dnnbook-icons.js").read_text(encoding="utf-8")
    assert len(subset) < 60_000
    for page in _pages(built_book):
        if "_static" in page.relative_to(built_book.html).parts:
            continue  # the theme's own template copies, never served as pages
        text = page.read_text(encoding="utf-8")
        assert "fontawesome.js" not in text, page
        for name in set(re.findall(r'\bfa-solid fa-([a-z0-9-]+)', text)) - {"lg"}:
            assert f'"{name}":[' in subset, f"{page.name}: icon {name} missing"


def test_every_extension_allows_a_parallel_build(repo_root):
    """`make book` runs Sphinx in parallel (book/_ext/jb_parallel.py); an extension that does
    not declare itself parallel safe would make Sphinx fall back to one process with a warning,
    a failed build under --warningiserror. Sets Sphinx up without building (~5 s)."""
    import subprocess
    import sys

    code = ("import sys; sys.path.insert(0, 'book/_ext'); import jb_parallel; "
            "print(jb_parallel.serial_extensions('.'))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout


def test_printed_output_is_shown_as_written_however_the_kernel_cut_it(monkeypatch):
    """One print cut mid-line into two stream chunks (the kernel's flush fell between its
    writes: a busy machine) is shown as one line, as if it had come in one chunk."""
    from myst_nb.core import render
    from myst_nb.core.utils import coalesce_streams
    from nbformat import from_dict

    def stream(text, name="stdout"):
        return {"output_type": "stream", "name": name, "text": text}

    figure = {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "<Figure>"}}
    cut = [stream("after 2000 epochs:"), figure, stream(" [0.021 0.98]\nloss 0.1\n"),
           stream("warning\n", "stderr")]
    whole = [stream("after 2000 epochs: [0.021 0.98]\nloss 0.1\n"), figure,
             stream("warning\n", "stderr")]
    expected = coalesce_streams(from_dict(whole))
    assert coalesce_streams(from_dict(cut)) != expected          # MyST-NB alone breaks the line
    ca = _course_assets()
    outputs = from_dict(cut)
    assert coalesce_streams(ca.join_stream_chunks(outputs)) == expected
    assert outputs == from_dict(cut)                             # the notebook's own outputs
    # the book build renders with it (setup installs it into MyST-NB; twice is harmless)
    monkeypatch.setattr(render, "coalesce_streams", render.coalesce_streams)
    ca._merge_streams_as_written()
    ca._merge_streams_as_written()
    assert render.coalesce_streams(from_dict(cut)) == expected
