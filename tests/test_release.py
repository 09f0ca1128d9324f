"""``exercises/`` is exactly what nbgrader generates from ``solutions/`` (never edited by hand),
and every notebook in the repository is committed clean (no outputs, every cell has an id)."""
import json

import nbformat
import pytest

import course
from autograder import exercises
from conftest import shared_once

ASSIGNMENTS = exercises.names()


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    from pathlib import Path
    return Path(shared_once(tmp_path_factory, "release",
                            lambda folder: str(course.make_course(folder, ASSIGNMENTS))))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_are_up_to_date(regenerated, assignment):
    fresh = regenerated / "exercises" / assignment
    committed = course.REPO / "exercises" / assignment
    names = sorted(p.name for p in fresh.rglob("*") if p.is_file())
    assert names == sorted(p.name for p in committed.rglob("*") if p.is_file()), \
        "exercises/ differs from solutions/: run `make exercises` and commit the result"
    for name in names:
        a = json.loads((fresh / name).read_text()) if name.endswith(".ipynb") else (fresh / name).read_bytes()
        b = json.loads((committed / name).read_text()) if name.endswith(".ipynb") else (committed / name).read_bytes()
        assert a == b, f"exercises/{assignment}/{name} is stale: run `make exercises` and commit the result"


NOTEBOOKS = sorted(p for d in ("book", "solutions") for p in (course.REPO / d).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(course.REPO)))
def test_notebooks_are_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert all(c.get("id") for c in nb.cells), "every cell needs an id (nbformat 4.5)"
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} have stored outputs: clear them before committing"
