"""Shared pytest fixtures.

``built_book`` builds the Jupyter Book once per session, with the interpreter
running the tests (``<sys.executable dir>/jupyter-book``), into a temporary
directory outside the repository (``jupyter-book build --path-output``), so
the repo's own ``_build/`` is never touched.  Any Sphinx WARNING/ERROR fails it.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# Sphinx/docutils messages look like "path:line: WARNING: ..." or "ERROR: ...".
_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL|SEVERE):")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> SimpleNamespace:
    """Build the book from clean; return ``html`` (Path), ``log`` (str), ``seconds`` (float)."""
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb), "build", "--all", "--warningiserror", "--keep-going",
           "--path-output", str(out), str(REPO_ROOT)]
    env = dict(os.environ, NO_COLOR="1", PYTHONUNBUFFERED="1")
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=1800)
    seconds = time.monotonic() - start
    log = _ANSI.sub("", proc.stdout)
    (out / "build.log").write_text(log)
    problems = [line for line in log.splitlines() if _PROBLEM.search(line)]
    html = out / "_build" / "html"
    if proc.returncode != 0 or problems or not (html / "index.html").is_file():
        pytest.fail(
            f"book build failed (rc={proc.returncode}, {len(problems)} warning/error lines):\n"
            + "\n".join(problems[:50]) + "\n--- log tail ---\n" + "\n".join(log.splitlines()[-40:]),
            pytrace=False,
        )
    return SimpleNamespace(html=html, log=log, seconds=seconds, output=out)


def toc_pages(repo_root: Path) -> list[str]:
    """Every document listed in ``_toc.yml`` (root first), without suffix."""
    import yaml

    toc = yaml.safe_load((repo_root / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                pages.append(e["file"])
            walk(e.get("sections"))
            walk(e.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    return [str(Path(p).with_suffix("")) if Path(p).suffix in (".md", ".ipynb") else p for p in pages]


# Tests sharing an expensive fixture must run in the same pytest-xdist worker, or each worker
# would build it again: the book (``built_book``), one course per assignment (test_exercises),
# the release check and the grader's batch run.
_MODULE_GROUPS = {"test_release", "test_grader"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "built_book" in item.fixturenames:
            group = "book"
        elif module == "test_exercises":
            group = f"exercises-{params.get('graded')}"
        elif module in _MODULE_GROUPS:
            group = module
        else:
            continue
        item.add_marker(pytest.mark.xdist_group(group))
