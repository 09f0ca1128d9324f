"""The course's exercises: one list, read from ``_toc.yml``, and the files each one has.

``_toc.yml`` is the one list a person edits: every chapter in it (``- file: book/<name>``) is
an exercise called ``<name>``, in the course's order. Everything that needs "which exercises
exist" -- the release (``make exercises``), the exercise downloads of the book, the benchmarks
and the tests -- asks :func:`names` instead of listing folders, so a half-added exercise fails
the registry test (``tests/test_exercise_registry.py``) instead of being skipped by some tests.

An exercise ``<name>`` is these files (:data:`KINDS`; the path patterns are the whole
convention):

=============  ======================================  ==========================================
kind           file                                     what it holds
=============  ======================================  ==========================================
chapter        ``book/<name>.ipynb``                    the chapter page
solution       ``solutions/<name>/<name>.ipynb``        nbgrader's source notebook
released       ``exercises/<name>/<name>.ipynb``        the student notebook (``make exercises``)
probe          ``autograder/probes/<name>.py``          what the sandbox runs (``PROBES``)
spec           ``autograder/specs/<name>.py``           cases, tolerances, ``verify`` (``ITEMS``)
mutants        ``tests/mutants/<name>.py``              wrong and unusual-but-correct versions
chapter_test   ``tests/test_<name>_chapter.py``         the page's numbers, recomputed
reference      ``autograder/reference/<name>.py``       forward definitions (optional)
figures        ``book/dnnbook/<name>.py``               the chapter's figures (optional)
=============  ======================================  ==========================================

No file of any kind may exist for a name that is not listed (:func:`orphans`), except the
shared modules in :data:`SHARED`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The one human-edited list of chapters.
TOC = "_toc.yml"


@dataclass(frozen=True)
class Kind:
    """One file every exercise has (or may have): its path for ``<name>``, and whether it must exist."""
    pattern: str            # relative to the repository, with ``{name}``
    required: bool = True

    def path(self, name: str, repo: Path = REPO) -> Path:
        return repo / self.pattern.format(name=name)

    def present(self, repo: Path = REPO) -> dict[str, str]:
        """Name -> relative path of every file (or, for a folder per exercise, folder) of this kind."""
        parts = self.pattern.split("/")
        depth = next(i for i, part in enumerate(parts) if "{name}" in part)
        head, tail = parts[depth].split("{name}", 1)
        found = {}
        for p in repo.glob("/".join(parts[:depth] + [parts[depth].replace("{name}", "*")])):
            name = p.name[len(head):len(p.name) - len(tail)]
            if name and not name.startswith((".", "_")):
                found[name] = p.relative_to(repo).as_posix()
        return found


KINDS = {
    "chapter": Kind("book/{name}.ipynb"),
    "solution": Kind("solutions/{name}/{name}.ipynb"),
    "released": Kind("exercises/{name}/{name}.ipynb"),
    "probe": Kind("autograder/probes/{name}.py"),
    "spec": Kind("autograder/specs/{name}.py"),
    "mutants": Kind("tests/mutants/{name}.py"),
    "chapter_test": Kind("tests/test_{name}_chapter.py"),
    "reference": Kind("autograder/reference/{name}.py", required=False),
    "figures": Kind("book/dnnbook/{name}.py", required=False),
}
#: Modules in those folders that belong to no exercise (private ``_*.py`` modules are skipped too).
SHARED = {
    "reference": {"replay"},                        # the recorded-reference stub machinery
    "figures": {"plots", "widgets", "graphs"},      # the book's drawing helpers
}


@functools.cache
def _toc_chapters(toc: Path) -> tuple[str, ...]:
    import yaml

    entries = yaml.safe_load(toc.read_text())
    files = [e["file"] for e in entries.get("chapters") or []]
    files += [e["file"] for part in entries.get("parts") or [] for e in part.get("chapters") or []]
    for f in files:
        if not f.startswith("book/") or "/" in f[len("book/"):]:
            raise ValueError(f"{toc}: chapter {f!r} is not book/<name>")
    return tuple(Path(f).stem for f in files)


def names(repo: Path = REPO) -> list[str]:
    """Every exercise, in the course's order (the chapters of ``_toc.yml``)."""
    return list(_toc_chapters(Path(repo) / TOC))


def path(name: str, kind: str, repo: Path = REPO) -> Path:
    """The file of ``kind`` (a key of :data:`KINDS`) of exercise ``name``."""
    return KINDS[kind].path(name, Path(repo))


def missing(name: str, repo: Path = REPO) -> list[str]:
    """The required files exercise ``name`` lacks (relative paths); ``[]`` when complete."""
    return [k.pattern.format(name=name) for k in KINDS.values()
            if k.required and not k.path(name, Path(repo)).is_file()]


def orphans(repo: Path = REPO) -> list[str]:
    """Files of an exercise kind whose name is not a listed exercise (relative paths)."""
    listed = set(names(repo))
    return sorted(path for key, kind in KINDS.items() for name, path in kind.present(Path(repo)).items()
                  if name not in listed and name not in SHARED.get(key, ()))
