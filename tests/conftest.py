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


def shared_once(tmp_path_factory, name, produce):
    """``produce(folder)`` run once per test session, however many pytest-xdist workers ask:
    the first runs it under a lock and stores its JSON result; the others wait and reuse it.
    (xdist's ``loadgroup`` cannot keep such tests together: its groups have no effect with
    pytest 9.) The result of a failed ``produce`` is not stored, so each worker reports it."""
    import fcntl
    import json

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / f"shared-{name}"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "result.json"
        if done.exists():
            return json.loads(done.read_text())
        folder.mkdir(exist_ok=True)
        result = produce(folder)
        done.write_text(json.dumps(result))
        return result


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> SimpleNamespace:
    """Build the book from clean; return ``html`` (Path), ``log`` (str), ``seconds`` (float)."""
    info = shared_once(tmp_path_factory, "book", _build_book)
    if info["problem"]:
        pytest.fail(info["problem"], pytrace=False)
    return SimpleNamespace(html=Path(info["html"]), log=info["log"], seconds=info["seconds"],
                           output=Path(info["output"]))


def _build_book(out: Path) -> dict:
    # exactly as `make book` builds: jupyter-book with Sphinx's parallel build
    cmd = [sys.executable, str(REPO_ROOT / "book" / "_ext" / "jb_parallel.py"),
           "build", "--all", "--warningiserror", "--keep-going",
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
    problem = ""
    if proc.returncode != 0 or problems or not (html / "index.html").is_file():
        problem = (f"book build failed (rc={proc.returncode}, {len(problems)} warning/error lines):\n"
                   + "\n".join(problems[:50]) + "\n--- log tail ---\n" + "\n".join(log.splitlines()[-40:]))
    return {"html": str(html), "log": log, "seconds": seconds, "output": str(out), "problem": problem}


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
